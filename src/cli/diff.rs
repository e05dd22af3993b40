//! `comply diff OLD NEW`: which cases would get a different answer after a rule change.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use super::{EXIT_OK, EXIT_VERDICT, Failure, Io, Outcome, load_rules, parse_date};
use crate::diff::{Method, PolicyDiff, diff_policy};
use crate::explain::Lang;
use crate::facts;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The rule file or folder before the change.
    old: PathBuf,
    /// The rule file or folder after the change.
    new: PathBuf,
    /// Compare only this policy.
    #[arg(long)]
    policy: Option<String>,
    /// Compare on this date only (default: every date where either version or a dated figure changes).
    #[arg(long = "as-of")]
    as_of: Option<String>,
    /// Replay the fact files in this folder under both versions and list the ones whose verdict flips.
    #[arg(long)]
    cases: Option<PathBuf>,
}

pub fn run(args: Args, io: &mut Io<'_>) -> Outcome {
    let old = load_rules(Some(&args.old), Lang::En)?;
    let new = load_rules(Some(&args.new), Lang::En)?;
    let as_of = args.as_of.as_deref().map(|d| parse_date(d, Lang::En)).transpose()?;
    let mut ids: Vec<String> = new.policy_ids();
    for id in old.policy_ids() {
        if !ids.contains(&id) {
            ids.push(id);
        }
    }
    if let Some(only) = &args.policy {
        if !ids.contains(only) {
            return Err(Failure(format!("no policy `{only}` in either version (found: {})", ids.join(", "))));
        }
        ids.retain(|id| id == only);
    }
    let mut different = false;
    let mut out = String::new();
    for id in &ids {
        match (old.policy(id), new.policy(id)) {
            (Some(o), Some(n)) => {
                let d = diff_policy(o, n, as_of);
                different |= !d.equivalent();
                out.push_str(&render(&d));
            }
            (None, Some(_)) => {
                different = true;
                let _ = writeln!(out, "Policy {id}: added in the new version\n");
            }
            (Some(_), None) => {
                different = true;
                let _ = writeln!(out, "Policy {id}: removed in the new version\n");
            }
            (None, None) => {}
        }
    }
    if let Some(dir) = &args.cases {
        let flips = replay(&old, &new, dir, args.policy.as_deref(), args.as_of.as_deref())?;
        different |= !flips.1.is_empty();
        let _ = writeln!(out, "Stored cases in {}: {} replayed, {} flip(s)", dir.display(), flips.0, flips.1.len());
        for line in &flips.1 {
            let _ = writeln!(out, "  {line}");
        }
    }
    let _ = writeln!(out, "{}", if different { "Result: DIFFERENT" } else { "Result: equivalent" });
    let _ = write!(io.stdout, "{out}");
    Ok(if different { EXIT_VERDICT } else { EXIT_OK })
}

/// The report a clerk reviews: what changed, how it was analysed, and each region with an example.
pub fn render(d: &PolicyDiff) -> String {
    let mut out = String::new();
    let state = if d.equivalent() { "equivalent" } else { "DIFFERENT" };
    let _ = writeln!(out, "Policy {}: {state}", d.id);
    for h in &d.header {
        let _ = writeln!(out, "  header: {h}");
    }
    let list = |v: &[String]| if v.is_empty() { "(none)".to_string() } else { v.join(", ") };
    match &d.method {
        Method::Identical => {
            let _ = writeln!(
                out,
                "  every rule and output is unchanged (same conditions, thresholds, tables and dated figures):"
            );
            let _ = writeln!(out, "  the two versions give the same answer for every case (proved without sampling)");
            out.push('\n');
            return out;
        }
        Method::Exhaustive { points } => {
            let _ = writeln!(out, "  changed rules: {}", list(&d.changed_rules));
            let _ = writeln!(out, "  changed outputs: {}", list(&d.changed_outputs));
            let _ = writeln!(out, "  facts the change can influence: {}", list(&d.influenced));
            let _ = writeln!(
                out,
                "  analysis: exhaustive, {points} cases: every threshold of either version, a value just past each, and\n  \"unknown\" for each quantity; every value of each enum, set and yes/no fact; each date where a version\n  or a dated figure begins or ends. Outputs computed by arithmetic are compared at one value per piece."
            );
        }
        Method::Sampled { cases, reason } => {
            let _ = writeln!(out, "  changed rules: {}", list(&d.changed_rules));
            let _ = writeln!(out, "  changed outputs: {}", list(&d.changed_outputs));
            let _ = writeln!(out, "  facts the change can influence: {}", list(&d.influenced));
            let _ = writeln!(
                out,
                "  analysis: NOT exhaustive ({reason}); {cases} generated cases compared, biased to the thresholds"
            );
        }
    }
    if !d.background.is_empty() {
        let _ = writeln!(out, "  other facts held where the unaffected rules pass: {}", d.background.join(", "));
    }
    if d.regions.is_empty() {
        let _ = writeln!(out, "  no case gets a different answer\n");
        return out;
    }
    let _ = writeln!(out, "  {} region(s) where the answer differs:", d.regions.len());
    for (i, r) in d.regions.iter().enumerate() {
        let _ = writeln!(out, "\n  {}. verdict {} → {} ({} case(s))", i + 1, r.verdicts.0, r.verdicts.1, r.points);
        if !r.conditions.is_empty() {
            let _ = writeln!(out, "     where {}", r.conditions.join(";\n       and "));
        }
        if let Some(note) = &r.note {
            let _ = writeln!(out, "     note: {note}");
        }
        for (id, a, b) in &r.rules {
            let _ = writeln!(out, "     rule {id}: {a} → {b}");
        }
        for (name, a, b) in &r.outputs {
            let _ = writeln!(out, "     output {name}: {a} → {b} (in the example)");
        }
        let _ = writeln!(out, "     example:");
        for line in r.example.lines() {
            let _ = writeln!(out, "       {line}");
        }
    }
    out.push('\n');
    out
}

/// Replays every fact file below `dir` under both versions: (cases replayed, flips).
fn replay(
    old: &crate::Rulebook,
    new: &crate::Rulebook,
    dir: &Path,
    policy: Option<&str>,
    as_of: Option<&str>,
) -> Result<(usize, Vec<String>), Failure> {
    let mut paths = Vec::new();
    collect(dir, &mut paths);
    paths.sort();
    let mut flips = Vec::new();
    let mut replayed = 0;
    for path in paths {
        let name = path.display().to_string();
        let text = std::fs::read_to_string(&path).map_err(|e| Failure(format!("cannot read `{name}`: {e}")))?;
        let file = facts::read_file(&name, &text).map_err(|e| Failure(format!("{name}: {}", e.render(Lang::En))))?;
        let id = match policy.map(str::to_string).or(file.policy.clone()) {
            Some(id) => id,
            None if new.policies().len() == 1 => new.policy_ids().remove(0),
            None => continue,
        };
        let Some(date) = as_of.map(str::to_string).or(file.as_of.clone()) else { continue };
        let date = parse_date(&date, Lang::En)?;
        let verdict = |book: &crate::Rulebook| -> String {
            match book.policy(&id) {
                None => "(no such policy)".into(),
                Some(p) => match facts::bind(p, &file.facts) {
                    Ok(f) => crate::eval::evaluate(p, &f, date).verdict.as_str().to_string(),
                    Err(e) => format!("(bad facts: {})", e.render(Lang::En).lines().next().unwrap_or("")),
                },
            }
        };
        replayed += 1;
        let (a, b) = (verdict(old), verdict(new));
        if a != b {
            flips.push(format!("{name}: {a} → {b}"));
        }
    }
    Ok((replayed, flips))
}

fn collect(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            collect(&path, out);
        } else if path.extension().is_some_and(|e| e == "toml" || e == "json") {
            out.push(path);
        }
    }
}
