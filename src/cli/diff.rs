//! `comply diff OLD NEW`: which cases would get a different answer after a rule change.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use super::{EXIT_OK, EXIT_VERDICT, Failure, Io, LangArg, Outcome, load_rules, parse_date};
use crate::diff::{diff_policy, words};
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
    #[arg(long, value_enum, default_value_t)]
    lang: LangArg,
}

pub fn run(args: Args, io: &mut Io<'_>) -> Outcome {
    let lang: Lang = args.lang.into();
    let old = load_rules(Some(&args.old), lang)?;
    let new = load_rules(Some(&args.new), lang)?;
    let as_of = args.as_of.as_deref().map(|d| parse_date(d, lang)).transpose()?;
    let mut ids: Vec<String> = new.policy_ids();
    for id in old.policy_ids() {
        if !ids.contains(&id) {
            ids.push(id);
        }
    }
    if let Some(only) = &args.policy {
        if !ids.contains(only) {
            return Err(Failure(words::no_such_policy(only, &ids, lang)));
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
                out.push_str(&words::report(&d, n, lang));
            }
            (None, Some(_)) | (Some(_), None) => {
                different = true;
                let _ = writeln!(out, "{}", words::only_in_one(id, old.policy(id).is_none(), lang));
            }
            (None, None) => {}
        }
    }
    if let Some(dir) = &args.cases {
        let flips = replay(&old, &new, dir, args.policy.as_deref(), args.as_of.as_deref(), lang)?;
        different |= !flips.1.is_empty();
        let _ = writeln!(out, "{}", words::stored_cases(&dir.display().to_string(), flips.0, flips.1.len(), lang));
        for line in &flips.1 {
            let _ = writeln!(out, "  {line}");
        }
    }
    let result = words::result(different, lang);
    let _ = writeln!(out, "{result}");
    let _ = write!(io.stdout, "{out}");
    Ok(if different { EXIT_VERDICT } else { EXIT_OK })
}

/// Replays every fact file below `dir` under both versions: (cases replayed, flips).
fn replay(
    old: &crate::Rulebook,
    new: &crate::Rulebook,
    dir: &Path,
    policy: Option<&str>,
    as_of: Option<&str>,
    lang: Lang,
) -> Result<(usize, Vec<String>), Failure> {
    let mut paths = Vec::new();
    collect(dir, &mut paths);
    paths.sort();
    let mut flips = Vec::new();
    let mut replayed = 0;
    for path in paths {
        let name = path.display().to_string();
        let text =
            std::fs::read_to_string(&path).map_err(|e| Failure(words::cannot_read(&name, &e.to_string(), lang)))?;
        let file = facts::read_file(&name, &text).map_err(|e| Failure(format!("{name}: {}", e.render(lang))))?;
        let id = match policy.map(str::to_string).or(file.policy.clone()) {
            Some(id) => id,
            None if new.policies().len() == 1 => new.policy_ids().remove(0),
            None => continue,
        };
        let Some(date) = as_of.map(str::to_string).or(file.as_of.clone()) else { continue };
        let date = parse_date(&date, lang)?;
        let verdict = |book: &crate::Rulebook| -> String {
            match book.policy(&id) {
                None => words::replayed(None, lang),
                Some(p) => match facts::bind(p, &file.facts) {
                    Ok(f) => {
                        let verdict = crate::eval::evaluate(p, &f, date).verdict;
                        words::replayed(Some(Ok(verdict)), lang)
                    }
                    Err(e) => words::replayed(Some(Err(e.render(lang).lines().next().unwrap_or(""))), lang),
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
