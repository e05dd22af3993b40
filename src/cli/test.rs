//! `comply test`: the cases kept with the rule files, and the properties the rule files declare.
//!
//! A case is a fact file in `tests/<policy_id>/` beside the rule files, with an `[expect]` table:
//! `verdict = "fail"`, optionally `failing = ["rule_id", …]` (exactly the rules that fail) and
//! `[expect.outputs]` (`name = "value"`, compared with the report's JSON output).

use std::path::{Path, PathBuf};

use super::{EXIT_OK, EXIT_VERDICT, Failure, Io, Outcome, load_rules, parse_date};
use crate::explain::{self, Lang};
use crate::facts;
use crate::generate::check_property;
use crate::policy::Property;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// A rule file or a folder of *.rules files (default: the shipped packs). Cases are read from the
    /// `tests/` folder beside them.
    rules: Option<PathBuf>,
    /// Generated cases per declared property.
    #[arg(long, default_value_t = 500)]
    cases: usize,
    /// Seed of the generated cases (the same seed gives the same cases).
    #[arg(long, default_value_t = 1)]
    seed: u64,
}

/// A stored case: its name for the report, and its text.
struct Case {
    policy: String,
    name: String,
    text: String,
}

pub fn run(args: Args, io: &mut Io<'_>) -> Outcome {
    let book = load_rules(args.rules.as_ref(), Lang::En)?;
    let cases = match &args.rules {
        None => crate::embedded_files("tests")
            .into_iter()
            .filter_map(|(path, text)| stored_case(Path::new(&path), text))
            .collect(),
        Some(path) => {
            let base = if path.is_dir() { path.clone() } else { path.parent().unwrap_or(Path::new(".")).to_path_buf() };
            let mut found = Vec::new();
            read_cases(&base.join("tests"), &mut found);
            // One rule file among several shares their `tests/` folder: only its own policies' cases are its.
            if !path.is_dir() {
                found.retain(|case: &Case| book.policies().iter().any(|p| p.id() == case.policy));
            }
            found
        }
    };
    let (mut passed, mut failed) = (0usize, 0usize);
    for case in &cases {
        match run_case(&book, case) {
            Ok(verdict) => {
                passed += 1;
                let _ = writeln!(io.stdout, "ok    {}/{}: {verdict}", case.policy, case.name);
            }
            Err(why) => {
                failed += 1;
                let _ = writeln!(io.stdout, "FAIL  {}/{}: {why}", case.policy, case.name);
            }
        }
    }
    for policy in book.policies() {
        for property in policy.properties() {
            let (fact, word) = match property {
                Property::Increasing(f) => (*f, "increasing"),
                Property::Decreasing(f) => (*f, "decreasing"),
            };
            let name = policy.facts().get(fact as usize).map_or("?", |f| f.name.as_str());
            let found = check_property(policy, *property, args.cases, args.seed);
            if found.is_empty() {
                passed += 1;
                let _ = writeln!(
                    io.stdout,
                    "ok    {}: property {word} {name} ({} generated cases)",
                    policy.id(),
                    args.cases
                );
            } else {
                failed += 1;
                let _ = writeln!(io.stdout, "FAIL  {}: property {word} {name}; counterexample:", policy.id());
                for c in found.iter().take(1) {
                    let _ = writeln!(io.stdout, "{}", indent(&c.to_string()));
                }
            }
        }
    }
    let _ = writeln!(io.stdout, "{passed} passed, {failed} failed");
    Ok(if failed == 0 { EXIT_OK } else { EXIT_VERDICT })
}

fn indent(text: &str) -> String {
    text.lines().map(|l| format!("      {l}")).collect::<Vec<_>>().join("\n")
}

/// `…/tests/<policy>/<case>.toml` (or .json) → a case of that policy.
fn stored_case(path: &Path, text: String) -> Option<Case> {
    let ext = path.extension()?.to_str()?;
    if ext != "toml" && ext != "json" {
        return None;
    }
    let policy = path.parent()?.file_name()?.to_str()?.to_string();
    let name = path.file_name()?.to_str()?.to_string();
    Some(Case { policy, name, text })
}

fn read_cases(dir: &Path, out: &mut Vec<Case>) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    let mut paths: Vec<PathBuf> = entries.flatten().map(|e| e.path()).collect();
    paths.sort();
    for path in paths {
        if path.is_dir() {
            read_cases(&path, out);
        } else if let Ok(text) = std::fs::read_to_string(&path) {
            out.extend(stored_case(&path, text));
        }
    }
}

/// Runs one case; `Ok(verdict)` when everything expected holds, else what differed.
fn run_case(book: &crate::Rulebook, case: &Case) -> Result<String, String> {
    let lang = Lang::En;
    let file = facts::read_file(&case.name, &case.text).map_err(|e| e.render(lang))?;
    let expect = file.expect.clone().ok_or("no [expect] table")?;
    let policy_id = file.policy.clone().unwrap_or_else(|| case.policy.clone());
    let policy = book.policy(&policy_id).ok_or_else(|| format!("no policy `{policy_id}`"))?;
    let as_of = file.as_of.as_deref().ok_or("no as_of date")?;
    let as_of = parse_date(as_of, lang).map_err(|Failure(m)| m)?;
    let bound = facts::bind(policy, &file.facts).map_err(|e| e.render(lang))?;
    let report = explain::report(policy, &bound, as_of, lang);
    let mut problems = Vec::new();
    match expect.get("verdict").and_then(|v| v.as_str()) {
        Some(v) if v == report.verdict.as_str() => {}
        Some(v) => problems.push(format!("expected verdict {v}, got {}", report.verdict.as_str())),
        None => return Err("[expect] needs verdict = \"…\"".into()),
    }
    if let Some(list) = expect.get("failing").and_then(|v| v.as_array()) {
        let mut want: Vec<&str> = list.iter().filter_map(|v| v.as_str()).collect();
        let mut got: Vec<&str> =
            report.rules.iter().filter(|r| r.outcome == crate::eval::Outcome::Fail).map(|r| r.id.as_str()).collect();
        want.sort_unstable();
        got.sort_unstable();
        if want != got {
            problems.push(format!("expected failing rules {want:?}, got {got:?}"));
        }
    }
    if let Some(outputs) = expect.get("outputs").and_then(|v| v.as_object()) {
        for (name, want) in outputs {
            let got = report.outputs.get(name).cloned().unwrap_or(serde_json::Value::Null);
            if !same_value(want, &got) {
                problems.push(format!("output {name}: expected {want}, got {got}"));
            }
        }
    }
    if problems.is_empty() { Ok(report.verdict.as_str().to_string()) } else { Err(problems.join("; ")) }
}

/// Outputs are reported as strings (`"140 元/月"`); an expectation may be written as a number or a string,
/// and quantities compare by their text after normalising spaces.
fn same_value(want: &serde_json::Value, got: &serde_json::Value) -> bool {
    let text = |v: &serde_json::Value| match v {
        serde_json::Value::String(s) => s.split_whitespace().collect::<String>(),
        other => other.to_string(),
    };
    want == got || text(want) == text(got)
}
