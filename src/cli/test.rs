//! `comply test`: the cases kept with the rule files, and the properties the rule files declare.
//!
//! A case is a fact file in `tests/<policy_id>/` beside the rule files, with an `[expect]` table:
//! `verdict = "fail"`, optionally `failing = ["rule_id", …]` (exactly the rules that fail) and
//! `[expect.outputs]` (`name = "value"`, compared with the report's JSON output). A case that cannot be read
//! (a misspelt verdict, key, rule or output; no date) and a run that finds no case are bad input (exit 2):
//! a typo must not pass for a failing rule, nor an empty folder for a passing suite.

mod expect;

use std::path::{Path, PathBuf};

use super::{EXIT_OK, EXIT_VERDICT, Failure, Io, LangArg, Outcome, load_rules, parse_date};
use crate::explain::{self, Lang, localized, pick, verdict_short};
use crate::facts;
use crate::generate::check_property;
use crate::policy::{Policy, Property};
use expect::Expected;

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

/// A stored case: its policy (the folder it is in), its file name for the report, its path for errors, and
/// its text.
struct Case {
    policy: String,
    name: String,
    path: String,
    text: String,
}

/// A case read and ready to run.
struct Ready<'b> {
    policy: &'b Policy,
    as_of: jiff::civil::Date,
    file: facts::FactFile,
    expected: Expected,
}

pub fn run(args: Args, io: &mut Io<'_>) -> Outcome {
    let lang: Lang = args.lang.into();
    let book = load_rules(args.rules.as_ref(), lang)?;
    // One mark per line that reads in both languages; the words after it are the reader's.
    let (ok, failed_mark) = (pick(lang, "通过    ", "ok    "), pick(lang, "未通过  ", "FAIL  "));
    let (cases, folder) = match &args.rules {
        None => {
            let cases = crate::embedded_files("tests")
                .into_iter()
                .filter_map(|(path, text)| stored_case(Path::new(&path), text))
                .collect();
            (cases, PathBuf::from("tests"))
        }
        Some(path) => {
            let base = if path.is_dir() { path.clone() } else { path.parent().unwrap_or(Path::new(".")).to_path_buf() };
            let mut found = Vec::new();
            read_cases(&base.join("tests"), &mut found);
            // One rule file among several shares their `tests/` folder: only its own policies' cases are its.
            if !path.is_dir() {
                found.retain(|case: &Case| book.policies().iter().any(|p| p.id() == case.policy));
            }
            (found, base.join("tests"))
        }
    };
    if cases.is_empty() {
        return Err(Failure(no_cases(&folder, &book, lang)));
    }
    // Every case is read before any is run, so that all the mistakes in the cases are listed at once.
    let mut ready = Vec::with_capacity(cases.len());
    let mut mistakes = Vec::new();
    for case in &cases {
        match read_case(&book, case, lang) {
            Ok(r) => ready.push(r),
            Err(message) => mistakes.push(message),
        }
    }
    if !mistakes.is_empty() {
        let count = match lang {
            Lang::Zh => format!("有 {} 个用例写得不对，未运行任何用例", mistakes.len()),
            Lang::En => format!("{} case(s) cannot be read; no case was run", mistakes.len()),
        };
        return Err(Failure(format!("{}\n{count}", mistakes.join("\n").trim_end())));
    }
    let colon = pick(lang, "：", ": ");
    let (mut passed, mut failed) = (0usize, 0usize);
    for (case, ready) in cases.iter().zip(&ready) {
        match run_case(ready, lang) {
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

/// Where cases were looked for and how they are laid out: an empty run would otherwise look like a pass.
fn no_cases(folder: &Path, book: &crate::Rulebook, lang: Lang) -> String {
    let folder = folder.display();
    let ids = book.policy_ids();
    let first = ids.first().map_or("POLICY", String::as_str);
    match lang {
        Lang::Zh => format!(
            "在 {folder} 中没有找到测试用例：用例应放在规则文件旁的 tests/<政策编号>/ 下，每个用例一个 .toml 或 .json 文件，\
             含 [expect] 表（如 {folder}/{first}/example.toml）；已加载的政策：{}",
            ids.join("、")
        ),
        Lang::En => format!(
            "no test cases found in {folder}: cases go in tests/<policy id>/ beside the rule files, one .toml or .json \
             file each with an [expect] table (e.g. {folder}/{first}/example.toml); policies loaded: {}",
            ids.join(", ")
        ),
    }
}

fn indent(text: &str) -> String {
    text.lines().map(|l| format!("      {l}")).collect::<Vec<_>>().join("\n")
}

/// `…/tests/<policy>/<case>.toml` (or .json) → a case of that policy.
fn stored_case(path: &Path, text: String) -> Option<Case> {
    let ext = path.extension()?.to_str()?.to_ascii_lowercase();
    if ext != "toml" && ext != "json" {
        return None;
    }
    let policy = path.parent()?.file_name()?.to_str()?.to_string();
    let name = path.file_name()?.to_str()?.to_string();
    Some(Case { policy, name, path: path.display().to_string(), text })
}

fn read_cases(dir: &Path, out: &mut Vec<Case>) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    let mut paths: Vec<PathBuf> = entries.flatten().map(|e| e.path()).collect();
    paths.sort();
    for path in paths {
        if path.is_dir() {
            read_cases(&path, out);
        } else if let Ok(text) = crate::limits::read_text(&path, super::read_limit()) {
            out.extend(stored_case(&path, text));
        }
    }
}

/// Reads a case: its file, its policy, its date and what it expects; a mistake comes back worded for the
/// reader, with the case's path.
fn read_case<'b>(book: &'b crate::Rulebook, case: &Case, lang: Lang) -> Result<Ready<'b>, String> {
    let at = |message: String| format!("{}: {message}", case.path);
    let file = facts::read_file(&case.path, &case.text).map_err(|e| at(e.render(lang)))?;
    let policy_id = file.policy.clone().unwrap_or_else(|| case.policy.clone());
    let policy = super::find_policy(book, &policy_id, lang).map_err(|Failure(m)| at(m))?;
    let as_of = file.as_of.as_deref().ok_or_else(|| at(facts::FactError::NoAsOf.render(lang)))?;
    let as_of = parse_date(as_of, lang).map_err(|Failure(m)| at(m))?;
    let expected =
        expect::read(policy, file.expect.as_ref()).map_err(|m| expect::render(&m, &case.path, &case.text, lang))?;
    Ok(Ready { policy, as_of, file, expected })
}

/// Runs one case; `Ok(verdict)` when everything expected holds, else what differed.
fn run_case(case: &Ready<'_>, lang: Lang) -> Result<String, String> {
    let bound = facts::bind(case.policy, &case.file.facts).map_err(|e| e.render(lang))?;
    let report = explain::report(case.policy, &bound, case.as_of, lang);
    let verdict = |v: crate::eval::Verdict| match lang {
        Lang::Zh => verdict_short(v, lang).to_string(),
        Lang::En => v.as_str().to_string(),
    };
    let mut problems = Vec::new();
    if case.expected.verdict != report.verdict {
        problems.push(match lang {
            Lang::Zh => format!("结论应为“{}”，实际为“{}”", verdict(case.expected.verdict), verdict(report.verdict)),
            Lang::En => format!("expected verdict {}, got {}", verdict(case.expected.verdict), verdict(report.verdict)),
        });
    }
    if let Some(want) = &case.expected.failing {
        let mut want: Vec<&str> = want.iter().map(String::as_str).collect();
        let mut got: Vec<&str> = report
            .rules
            .iter()
            .filter(|r| r.outcome == crate::explain::RuleOutcome::Fail)
            .map(|r| r.id.as_str())
            .collect();
        want.sort_unstable();
        got.sort_unstable();
        if want != got {
            // In Chinese, a rule by its title, with its id to find it in the rule file.
            let titles = |ids: &[&str]| -> String {
                if ids.is_empty() {
                    return "（无）".to_string();
                }
                let title = |id: &&str| case.policy.rules().iter().find(|r| r.id == *id).map(|r| r.title.zh.as_str());
                ids.iter().map(|id| format!("“{}” [{id}]", title(id).unwrap_or(id))).collect::<Vec<_>>().join("、")
            };
            problems.push(match lang {
                Lang::Zh => format!("不符合的规则应为{}，实际为{}", titles(&want), titles(&got)),
                Lang::En => format!("expected failing rules {want:?}, got {got:?}"),
            });
        }
    }
    for (name, want) in &case.expected.outputs {
        let got = report.outputs.get(name).cloned().unwrap_or(serde_json::Value::Null);
        if !same_value(want, &got) {
            problems.push(match lang {
                Lang::Zh => format!("输出 {name} 应为 {want}，实际为 {got}"),
                Lang::En => format!("output {name}: expected {want}, got {got}"),
            });
        }
    }
    for (id, want) in &case.expected.targets {
        let got = report.rules.iter().find(|r| r.id == *id).and_then(|r| r.target.as_ref()).map(|t| t.status);
        if got != Some(*want) {
            let said = |s: Option<crate::explain::targets::TargetStatus>| match (s, lang) {
                (Some(s), Lang::Zh) => s.text(lang).to_string(),
                (Some(s), Lang::En) => expect::standing_name(s),
                (None, _) => pick(lang, "（无）", "none").to_string(),
            };
            problems.push(match lang {
                Lang::Zh => format!("目标 [{id}] 的进度应为“{}”，实际为“{}”", said(Some(*want)), said(got)),
                Lang::En => format!("target {id}: expected {}, got {}", said(Some(*want)), said(got)),
            });
        }
    }
    if problems.is_empty() { Ok(verdict(report.verdict)) } else { Err(problems.join(pick(lang, "；", "; "))) }
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
