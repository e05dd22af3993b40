//! Every example case, run through the real command line in-process and snapshotted.
//!
//! A case is a `*.toml` or `*.json` fact file in a folder named after its policy:
//! - `examples/features/<policy>/<case>` is checked against the feature rule files `examples/features/*.rules`;
//! - `examples/<policy>/<case>` is checked against the shipped packs (the embedded `rules/`).
//!
//! Each case gets three snapshots (text in Chinese, text in English, JSON) named after its path, and its exit
//! code must match its verdict. Adding a case is adding a file; a case that cannot be evaluated fails the test
//! with the command's own message, so nothing is skipped silently.

use std::path::{Path, PathBuf};

use comply::cli::{Io, run};

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

struct Case {
    /// Relative to the crate root, with `/` separators: stable across machines, so it names snapshots.
    path: String,
    policy: String,
    /// `None` for the shipped packs (the embedded rule book).
    rules: Option<String>,
}

struct Run {
    code: u8,
    stdout: String,
    stderr: String,
}

fn comply(args: &[String]) -> Run {
    let mut stdin: &[u8] = &[];
    let (mut stdout, mut stderr) = (Vec::new(), Vec::new());
    let code = run(args, &mut Io { stdin: &mut stdin, stdout: &mut stdout, stderr: &mut stderr });
    Run {
        code,
        stdout: String::from_utf8(stdout).expect("stdout is UTF-8"),
        stderr: String::from_utf8(stderr).expect("stderr is UTF-8"),
    }
}

fn relative(path: &Path) -> String {
    let rel = path.strip_prefix(ROOT).unwrap_or(path);
    rel.components().map(|c| c.as_os_str().to_string_lossy().into_owned()).collect::<Vec<_>>().join("/")
}

fn is_case(path: &Path) -> bool {
    path.extension().is_some_and(|e| e == "toml" || e == "json")
}

fn files_in(dir: &Path) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", dir.display()))
        .map(|e| e.expect("directory entry").path())
        .collect();
    out.sort();
    out
}

fn cases() -> Vec<Case> {
    let examples = Path::new(ROOT).join("examples");
    let features = examples.join("features");
    let mut cases = Vec::new();
    for dir in files_in(&examples).into_iter().filter(|p| p.is_dir()) {
        let is_features = dir == features;
        let policy_dirs = if is_features { files_in(&dir) } else { vec![dir.clone()] };
        for policy_dir in policy_dirs.into_iter().filter(|p| p.is_dir()) {
            let policy = policy_dir.file_name().expect("folder name").to_string_lossy().into_owned();
            for file in files_in(&policy_dir).into_iter().filter(|p| is_case(p)) {
                cases.push(Case {
                    path: relative(&file),
                    policy: policy.clone(),
                    rules: is_features.then(|| relative(&features)),
                });
            }
        }
    }
    cases
}

/// `examples/features/wage_table/pass.toml` -> `features__wage_table__pass_toml`: the extension stays, so that
/// `case.toml` and `case.json` side by side get snapshots of their own.
fn snapshot_name(case: &Case) -> String {
    let trimmed = case.path.strip_prefix("examples/").unwrap_or(&case.path);
    trimmed.replace('/', "__").replace('.', "_")
}

fn check(case: &Case, extra: &[&str]) -> Run {
    let mut args = vec!["check".to_string()];
    args.extend(case.rules.iter().map(|r| format!("{ROOT}/{r}")));
    args.extend(["--facts".to_string(), format!("{ROOT}/{}", case.path), "--policy".to_string(), case.policy.clone()]);
    args.extend(extra.iter().map(|s| s.to_string()));
    comply(&args)
}

/// The `policy` a fact file names itself must agree with its folder, or the `--policy` flag would hide a mistake.
fn declared_policy(case: &Case) -> Option<String> {
    let text = std::fs::read_to_string(Path::new(ROOT).join(&case.path)).expect("readable case");
    comply::facts::read_file(&case.path, &text).ok().and_then(|f| f.policy)
}

#[test]
fn every_example_case_evaluates_and_matches_its_snapshots() {
    let cases = cases();
    let feature_cases = cases.iter().filter(|c| c.rules.is_some()).count();
    assert!(feature_cases >= 20, "expected the feature examples in examples/features/, found {feature_cases} cases");
    let mut failures = Vec::new();
    for case in &cases {
        if let Some(named) = declared_policy(case)
            && named != case.policy
        {
            failures.push(format!("{}: names policy `{named}` but lies in the folder of `{}`", case.path, case.policy));
            continue;
        }
        let json = check(case, &["--format", "json"]);
        if json.code == 2 || !json.stderr.is_empty() {
            failures.push(format!("{}: exit {}\n{}", case.path, json.code, json.stderr));
            continue;
        }
        let report: serde_json::Value = match serde_json::from_str(&json.stdout) {
            Ok(v) => v,
            Err(e) => {
                failures.push(format!("{}: the JSON report does not parse: {e}\n{}", case.path, json.stdout));
                continue;
            }
        };
        let verdict = report["verdict"].as_str().unwrap_or("").to_string();
        let expected_code = match verdict.as_str() {
            "pass" | "not_applicable" => 0,
            "fail" | "undetermined" | "refer" => 1,
            other => {
                failures.push(format!("{}: unknown verdict `{other}`", case.path));
                continue;
            }
        };
        if json.code != expected_code {
            failures.push(format!("{}: verdict {verdict} but exit code {}", case.path, json.code));
        }
        let zh = check(case, &[]);
        let en = check(case, &["--lang", "en"]);
        for (lang, out) in [("zh", &zh), ("en", &en)] {
            if out.code != json.code || !out.stderr.is_empty() {
                failures.push(format!("{}: --lang {lang} exits {} ({})", case.path, out.code, out.stderr));
            }
        }
        let name = snapshot_name(case);
        insta::with_settings!({
            snapshot_path => "snapshots/examples",
            prepend_module_to_snapshot => false,
            description => format!("comply check {} --policy {}", case.path, case.policy),
            omit_expression => true,
        }, {
            insta::assert_snapshot!(format!("{name}.zh"), zh.stdout);
            insta::assert_snapshot!(format!("{name}.en"), en.stdout);
            insta::assert_snapshot!(format!("{name}.json"), json.stdout);
        });
    }
    assert!(failures.is_empty(), "{} example case(s) failed:\n\n{}", failures.len(), failures.join("\n\n"));
}

#[test]
fn feature_cases_cover_every_verdict_for_every_policy() {
    let cases: Vec<Case> = cases().into_iter().filter(|c| c.rules.is_some()).collect();
    let mut policies: Vec<&str> = cases.iter().map(|c| c.policy.as_str()).collect();
    policies.dedup();
    assert!(policies.len() >= 3, "expected at least three feature policies, found {policies:?}");
    for policy in policies {
        let mut seen = std::collections::BTreeSet::new();
        for case in cases.iter().filter(|c| c.policy == policy) {
            let out = check(case, &["--format", "json"]);
            let report: serde_json::Value = serde_json::from_str(&out.stdout).unwrap_or_default();
            if let Some(v) = report["verdict"].as_str() {
                seen.insert(v.to_string());
            }
        }
        for needed in ["pass", "fail", "refer", "undetermined", "not_applicable"] {
            assert!(seen.contains(needed), "policy {policy} has no `{needed}` example (has {seen:?})");
        }
    }
}
