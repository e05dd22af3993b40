//! `comply test`: the cases kept with the rule files, and the properties the rule files declare.
//!
//! A case is a fact file in `tests/<policy_id>/` beside the rule files, with an `[expect]` table:
//! `verdict = "fail"`, optionally `failing = ["rule_id", …]` (exactly the rules that fail) and
//! `[expect.outputs]` (`name = "value"`, compared with the report's JSON output).

use std::path::{Path, PathBuf};

use super::{EXIT_OK, EXIT_VERDICT, Failure, Io, LangArg, Outcome, load_rules, parse_date};
use crate::explain::{self, Lang, localized, pick, verdict_short};
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
    #[arg(long, value_enum, default_value_t)]
    lang: LangArg,
}

/// A stored case: its name for the report, and its text.
struct Case {
    policy: String,
    name: String,
    text: String,
}

pub fn run(args: Args, io: &mut Io<'_>) -> Outcome {
    let lang: Lang = args.lang.into();
    let book = load_rules(args.rules.as_ref(), lang)?;
    // One mark per line that reads in both languages; the words after it are the reader's.
    let (ok, failed_mark) = (pick(lang, "通过    ", "ok    "), pick(lang, "未通过  ", "FAIL  "));
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
        let colon = pick(lang, "：", ": ");
        match run_case(&book, case, lang) {
            Ok(verdict) => {
                passed += 1;
                let _ = writeln!(io.stdout, "{ok}{}/{}{colon}{verdict}", case.policy, case.name);
            }
            Err(why) => {
                failed += 1;
                let _ = writeln!(io.stdout, "{failed_mark}{}/{}{colon}{why}", case.policy, case.name);
            }
        }
    }
    for policy in book.policies() {
        for property in policy.properties() {
            // `increasing`: a larger value never makes the verdict worse.
            let (fact, word) = match property {
                Property::Increasing(f) => (*f, pick(lang, "提高时结论不会变差", "increasing")),
                Property::Decreasing(f) => (*f, pick(lang, "降低时结论不会变差", "decreasing")),
            };
            let name = policy.facts().get(fact as usize).map_or("?", |f| match lang {
                Lang::Zh => localized(&f.label, lang),
                Lang::En => f.name.as_str(),
            });
            let found = check_property(policy, *property, args.cases, args.seed);
            let property = match lang {
                Lang::Zh => format!("{}：“{name}”{word}", localized(policy.title(), lang)),
                Lang::En => format!("{}: property {word} {name}", policy.id()),
            };
            if found.is_empty() {
                passed += 1;
                let _ = match lang {
                    Lang::Zh => writeln!(io.stdout, "{ok}{property}（{} 个生成案例）", args.cases),
                    Lang::En => writeln!(io.stdout, "{ok}{property} ({} generated cases)", args.cases),
                };
            } else {
                failed += 1;
                let _ = writeln!(io.stdout, "{failed_mark}{property}{}", pick(lang, "；反例：", "; counterexample:"));
                for c in found.iter().take(1) {
                    let _ = writeln!(io.stdout, "{}", indent(&c.to_string()));
                }
            }
        }
    }
    let _ = match lang {
        Lang::Zh => writeln!(io.stdout, "通过 {passed} 项，未通过 {failed} 项"),
        Lang::En => writeln!(io.stdout, "{passed} passed, {failed} failed"),
    };
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

/// Runs one case; `Ok(verdict)` when everything expected holds, else what differed, in the reader's language.
fn run_case(book: &crate::Rulebook, case: &Case, lang: Lang) -> Result<String, String> {
    let file = facts::read_file(&case.name, &case.text).map_err(|e| e.render(lang))?;
    let expect = file.expect.clone().ok_or(pick(lang, "没有 [expect] 表", "no [expect] table"))?;
    let policy_id = file.policy.clone().unwrap_or_else(|| case.policy.clone());
    let policy = book.policy(&policy_id).ok_or_else(|| match lang {
        Lang::Zh => format!("没有政策 `{policy_id}`"),
        Lang::En => format!("no policy `{policy_id}`"),
    })?;
    let as_of = file.as_of.as_deref().ok_or(pick(lang, "没有评估日期 as_of", "no as_of date"))?;
    let as_of = parse_date(as_of, lang).map_err(|Failure(m)| m)?;
    let bound = facts::bind(policy, &file.facts).map_err(|e| e.render(lang))?;
    let report = explain::report(policy, &bound, as_of, lang);
    let mut problems = Vec::new();
    // Verdicts in words in Chinese (符合), by their names in English as the [expect] table writes them.
    let verdict_word = |v: &str| match (lang, v.parse::<crate::eval::Verdict>()) {
        (Lang::Zh, Ok(verdict)) => verdict_short(verdict, lang).to_string(),
        _ => v.to_string(),
    };
    match expect.get("verdict").and_then(|v| v.as_str()) {
        Some(v) if v == report.verdict.as_str() => {}
        Some(v) => problems.push(match lang {
            Lang::Zh => format!("结论应为“{}”，实际为“{}”", verdict_word(v), verdict_word(report.verdict.as_str())),
            Lang::En => format!("expected verdict {v}, got {}", report.verdict.as_str()),
        }),
        None => return Err(pick(lang, "[expect] 表须写明 verdict = \"…\"", "[expect] needs verdict = \"…\"").into()),
    }
    if let Some(list) = expect.get("failing").and_then(|v| v.as_array()) {
        let mut want: Vec<&str> = list.iter().filter_map(|v| v.as_str()).collect();
        let mut got: Vec<&str> =
            report.rules.iter().filter(|r| r.outcome == crate::eval::Outcome::Fail).map(|r| r.id.as_str()).collect();
        want.sort_unstable();
        got.sort_unstable();
        if want != got {
            // In Chinese, a rule by its title, with its id to find it in the rule file.
            let titles = |ids: &[&str]| -> String {
                if ids.is_empty() {
                    return "（无）".to_string();
                }
                let title = |id: &&str| policy.rules().iter().find(|r| r.id == *id).map(|r| r.title.zh.as_str());
                ids.iter().map(|id| format!("“{}” [{id}]", title(id).unwrap_or(id))).collect::<Vec<_>>().join("、")
            };
            problems.push(match lang {
                Lang::Zh => format!("不符合的规则应为{}，实际为{}", titles(&want), titles(&got)),
                Lang::En => format!("expected failing rules {want:?}, got {got:?}"),
            });
        }
    }
    if let Some(outputs) = expect.get("outputs").and_then(|v| v.as_object()) {
        for (name, want) in outputs {
            let got = report.outputs.get(name).cloned().unwrap_or(serde_json::Value::Null);
            if !same_value(want, &got) {
                problems.push(match lang {
                    Lang::Zh => format!("输出 {name} 应为 {want}，实际为 {got}"),
                    Lang::En => format!("output {name}: expected {want}, got {got}"),
                });
            }
        }
    }
    if problems.is_empty() {
        Ok(verdict_word(report.verdict.as_str()))
    } else {
        Err(problems.join(pick(lang, "；", "; ")))
    }
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
