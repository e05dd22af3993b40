//! What a clerk sees when a rule file or a fact file is wrong: every fixture is run through the real command
//! line in-process and its rendered output snapshotted, with the exit code.
//!
//! - `tests/fixtures/broken_rules/*.rules`: one problem each, checked with `comply lint`. A file whose first
//!   line starts with `# Warning only` must lint with exit 0 and at least one warning; every other file must
//!   be refused with exit 2 and an error.
//! - `tests/fixtures/bad_facts/*.toml|json`: one problem each, checked against `bad_facts/policy.rules` with
//!   `comply check`, in Chinese (the default) and in English; each must exit 2 with a message and no report.
//!
//! Adding a fixture is adding a file.

use std::collections::BTreeSet;
use std::path::Path;

use comply::cli::{Io, run};

const BROKEN: &str = "tests/fixtures/broken_rules";
const BAD_FACTS: &str = "tests/fixtures/bad_facts";

struct Run {
    code: u8,
    stdout: String,
    stderr: String,
}

impl Run {
    fn rendered(&self) -> String {
        format!("exit code: {}\n--- stdout\n{}--- stderr\n{}", self.code, self.stdout, self.stderr)
    }
}

fn comply(args: &[&str]) -> Run {
    let args: Vec<String> = args.iter().map(|s| s.to_string()).collect();
    let mut stdin: &[u8] = &[];
    let (mut stdout, mut stderr) = (Vec::new(), Vec::new());
    let code = run(&args, &mut Io { stdin: &mut stdin, stdout: &mut stdout, stderr: &mut stderr });
    Run {
        code,
        stdout: String::from_utf8(stdout).expect("stdout is UTF-8"),
        stderr: String::from_utf8(stderr).expect("stderr is UTF-8"),
    }
}

/// Relative paths, so that the rendered `file:line:column` is the same on every machine; cargo runs
/// integration tests from the crate root.
fn fixtures(dir: &str, extensions: &[&str]) -> Vec<String> {
    assert!(Path::new(dir).is_dir(), "tests must run from the crate root; {dir} not found");
    let mut out: Vec<String> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("cannot read {dir}: {e}"))
        .map(|e| e.expect("directory entry").path())
        .filter(|p| p.extension().is_some_and(|e| extensions.iter().any(|x| e == *x)))
        .map(|p| format!("{dir}/{}", p.file_name().expect("file name").to_string_lossy()))
        .collect();
    out.sort();
    out
}

/// `tests/fixtures/bad_facts/malformed.json` -> `malformed_json`: `malformed.toml` is another fixture.
fn stem(path: &str) -> String {
    path.rsplit('/').next().unwrap_or(path).replace('.', "_")
}

/// The code of the first diagnostic of the given severity, e.g. `C025` from `error[C025]: …`.
fn first_code(output: &str, severity: &str) -> Option<String> {
    let start = output.find(&format!("{severity}["))? + severity.len() + 1;
    output[start..].split(']').next().map(str::to_string)
}

#[test]
fn broken_rule_files_are_refused_with_a_located_message() {
    let files = fixtures(BROKEN, &["rules"]);
    assert!(files.len() >= 15, "expected at least 15 broken rule files in {BROKEN}, found {}", files.len());
    let mut error_codes = BTreeSet::new();
    for file in &files {
        let text = std::fs::read_to_string(file).expect("readable fixture");
        let warning_only = text.starts_with("# Warning only");
        let out = comply(&["lint", file]);
        let all = format!("{}{}", out.stdout, out.stderr);
        assert!(!all.contains("panicked"), "{file}: {all}");
        if warning_only {
            assert_eq!(out.code, 0, "{file} has only warnings, so lint must succeed:\n{all}");
            assert!(first_code(&all, "warning").is_some(), "{file}: expected a warning:\n{all}");
            assert!(first_code(&all, "error").is_none(), "{file}: expected no error:\n{all}");
        } else {
            assert_eq!(out.code, 2, "{file} is broken, so lint must refuse it:\n{all}");
            let code = first_code(&all, "error").unwrap_or_else(|| panic!("{file}: no error code in:\n{all}"));
            // Every error names its place: `file:line:column` and the source line with a caret.
            assert!(all.contains(&format!("{file}:")), "{file}: the error does not name its location:\n{all}");
            error_codes.insert((code, first_message(&all)));
        }
        insta::with_settings!({
            snapshot_path => "snapshots/diagnostics",
            prepend_module_to_snapshot => false,
            description => format!("comply lint {file}"),
            omit_expression => true,
        }, {
            insta::assert_snapshot!(format!("broken_rules__{}", stem(file)), out.rendered());
        });
        // Chinese is the default for the clerks who maintain the packs; every diagnostic also reads in English.
        let english = comply(&["lint", file, "--lang", "en"]);
        assert_eq!(english.code, out.code, "{file}: the language must not change the outcome");
        assert_ne!(english.rendered(), out.rendered(), "{file}: a diagnostic has no Chinese text");
        insta::with_settings!({
            snapshot_path => "snapshots/diagnostics",
            prepend_module_to_snapshot => false,
            description => format!("comply lint {file} --lang en"),
            omit_expression => true,
        }, {
            insta::assert_snapshot!(format!("broken_rules__{}.en", stem(file)), english.rendered());
        });
    }
    // Distinct problems, not one problem written fifteen ways: count distinct first error messages.
    let distinct = error_codes.len();
    assert!(distinct >= 15, "only {distinct} distinct errors among the broken rule files: {error_codes:?}");
}

fn first_message(output: &str) -> String {
    output.lines().find(|l| l.starts_with("error[")).unwrap_or("").to_string()
}

#[test]
fn bad_fact_files_are_refused_with_a_message_naming_the_problem() {
    let policy = format!("{BAD_FACTS}/policy.rules");
    let lint = comply(&["lint", &policy]);
    assert_eq!(lint.code, 0, "the fixture policy itself must be valid:\n{}{}", lint.stdout, lint.stderr);
    let files = fixtures(BAD_FACTS, &["toml", "json"]);
    assert!(files.len() >= 10, "expected at least 10 bad fact files in {BAD_FACTS}, found {}", files.len());
    let mut messages = BTreeSet::new();
    for file in &files {
        for lang in ["zh", "en"] {
            let out = comply(&["check", &policy, "--facts", file, "--lang", lang]);
            assert_eq!(out.code, 2, "{file} ({lang}) must be refused:\n{}{}", out.stdout, out.stderr);
            assert!(out.stdout.is_empty(), "{file} ({lang}): no report may be printed for bad input:\n{}", out.stdout);
            assert!(!out.stderr.trim().is_empty(), "{file} ({lang}): the refusal must say why");
            assert!(!out.stderr.contains("panicked"), "{file} ({lang}): {}", out.stderr);
            if lang == "zh" {
                // Chinese is the default language of every message.
                assert!(out.stderr.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)), "{file}: {}", out.stderr);
                messages.insert(out.stderr.clone());
            }
            insta::with_settings!({
                snapshot_path => "snapshots/diagnostics",
                prepend_module_to_snapshot => false,
                description => format!("comply check {policy} --facts {file} --lang {lang}"),
                omit_expression => true,
            }, {
                insta::assert_snapshot!(format!("bad_facts__{}.{lang}", stem(file)), out.rendered());
            });
        }
    }
    assert_eq!(messages.len(), files.len(), "two bad fact files give the same message: they test one problem twice");
}

#[test]
fn the_default_language_of_a_bad_fact_message_is_chinese() {
    let policy = format!("{BAD_FACTS}/policy.rules");
    let file = format!("{BAD_FACTS}/enum_not_in_list.toml");
    let default = comply(&["check", &policy, "--facts", &file]);
    let zh = comply(&["check", &policy, "--facts", &file, "--lang", "zh"]);
    assert_eq!(default.stderr, zh.stderr);
    assert!(default.stderr.contains("是否指 `鹿城区`"), "{}", default.stderr);
}

/// What a pack maintainer must be able to act on without reading the checker: the nearest passage of a
/// misquote and what differs, one gap in words however many keys the table has, the unit to write, and no
/// jargon in Chinese.
#[test]
fn diagnostics_say_what_to_write() {
    let lint = |name: &str| comply(&["lint", &format!("{BROKEN}/{name}.rules")]);
    let misquote = lint("quote_missing_character");
    assert!(misquote.stderr.contains("少一“经”字"), "{}", misquote.stderr);
    assert!(misquote.stderr.contains("第 3–4 行：“项目须经区政府批准，方可实施”"), "{}", misquote.stderr);
    let gap = lint("table_gap_two_keys");
    assert_eq!(gap.stderr.matches("error[").count(), 1, "one gap, one error:\n{}", gap.stderr);
    assert!(gap.stderr.contains("error[C030]: 文成县未列入任何最低工资档次"), "{}", gap.stderr);
    let slip = lint("unit_slip");
    assert!(slip.stderr.contains("应写“17 元/小时”"), "{}", slip.stderr);
    let unannotated = lint("comparison_without_word");
    assert!(unannotated.stdout.contains("warning[C043]: 所引条文有“以下”"), "{}", unannotated.rendered());
    for file in fixtures(BROKEN, &["rules"]) {
        let out = comply(&["lint", &file]).rendered();
        for jargon in ["量纲", "维度", "质量"] {
            assert!(!out.contains(jargon), "{file}: “{jargon}” in a Chinese message:\n{out}");
        }
    }
}
