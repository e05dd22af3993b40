//! `comply test` on cases that are written wrong (issue #11): no case found, a misspelt verdict, an unknown
//! key in `[expect]`, a failing rule or an output the policy does not have. Each is bad input (exit 2) with
//! the case file's line, what is allowed and what was given — never a passing run or a "failed" case.

use crate::common::comply_with_input;

/// A scratch folder holding the minimum-wage rules (and their gazette) with `cases` in `tests/minimum_wage/`.
struct Folder(std::path::PathBuf);

impl Folder {
    fn new(tag: &str, cases: &[(&str, &str)]) -> Folder {
        let dir = std::env::temp_dir().join(format!("comply-stored-cases-{}-{tag}", std::process::id()));
        let root = env!("CARGO_MANIFEST_DIR");
        std::fs::create_dir_all(dir.join("sources")).unwrap();
        std::fs::create_dir_all(dir.join("tests/minimum_wage")).unwrap();
        std::fs::copy(format!("{root}/rules/minimum_wage.rules"), dir.join("minimum_wage.rules")).unwrap();
        std::fs::copy(format!("{root}/rules/sources/gazette_2015_10.txt"), dir.join("sources/gazette_2015_10.txt"))
            .unwrap();
        for (name, text) in cases {
            std::fs::write(dir.join("tests/minimum_wage").join(name), text).unwrap();
        }
        Folder(dir)
    }

    /// `comply test` on the folder: exit code and what it wrote, with the folder's path as `<dir>`.
    fn test(&self, extra: &[&str]) -> (u8, String, String) {
        let dir = self.0.to_str().unwrap();
        let mut args = vec!["test", dir, "--cases", "5"];
        args.extend_from_slice(extra);
        let out = comply_with_input(&args, "");
        (out.code, out.stdout.replace(dir, "<dir>"), out.stderr.replace(dir, "<dir>"))
    }
}

impl Drop for Folder {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

const FACTS: &str =
    "as_of = \"2016-03-01\"\n[facts]\ncounty = \"乐清市\"\nemployment = \"full_time\"\nmonthly_wage = 1659.99\n";

#[test]
fn comply_test_with_no_cases_is_bad_input() {
    let folder = Folder::new("none", &[]);
    let (code, stdout, stderr) = folder.test(&[]);
    assert_eq!(code, 2, "{stdout}{stderr}");
    assert_eq!(stdout, "", "nothing may look like a passing run");
    assert!(stderr.contains("<dir>/tests"), "the folder looked in is named: {stderr}");
    insta::assert_snapshot!(stderr);
}

#[test]
fn comply_test_misspelt_verdict_is_bad_input() {
    let case = format!("{FACTS}\n[expect]\nverdict = \"fial\"\n");
    let folder = Folder::new("verdict", &[("typo.toml", &case)]);
    let (code, stdout, stderr) = folder.test(&[]);
    assert_eq!(code, 2, "{stdout}{stderr}");
    assert_eq!(stdout, "", "no case is run while a case is misspelt");
    assert!(stderr.contains("typo.toml:8:11"), "file, line and column of the verdict: {stderr}");
    insta::assert_snapshot!(stderr);
    let (code, _, stderr) = folder.test(&["--lang", "en"]);
    assert_eq!(code, 2);
    assert!(stderr.contains("`fial` is not a verdict"), "{stderr}");
    assert!(stderr.contains("did you mean `fail`? expected one of pass, fail, undetermined, refer, not_applicable"));
}

#[test]
fn comply_test_unknown_expect_key_is_bad_input() {
    let case = format!("{FACTS}\n[expect]\nverdict = \"fail\"\nfailling = [\"monthly_floor\"]\n");
    let folder = Folder::new("key", &[("key.toml", &case)]);
    let (code, stdout, stderr) = folder.test(&[]);
    assert_eq!(code, 2, "{stdout}{stderr}");
    assert!(stderr.contains("key.toml:9:1"), "{stderr}");
    insta::assert_snapshot!(stderr);
}

#[test]
fn comply_test_failing_rule_that_does_not_exist_is_bad_input() {
    // JSON cases are located too: the caret is under the misspelt id.
    let case = "{\"as_of\": \"2016-03-01\",\n \"facts\": {\"county\": \"乐清市\", \"employment\": \"full_time\", \"monthly_wage\": 1659.99},\n \"expect\": {\"verdict\": \"fail\",\n  \"failing\": [\"monthly_flor\"]}}\n";
    let good = format!("{FACTS}\n[expect]\nverdict = \"fail\"\n");
    let folder = Folder::new("rule", &[("rule.json", case), ("good.toml", &good)]);
    let (code, stdout, stderr) = folder.test(&[]);
    assert_eq!(code, 2, "{stdout}{stderr}");
    assert!(stderr.contains("rule.json:4:15"), "{stderr}");
    insta::assert_snapshot!(stderr);
    // An output the policy does not declare is the same kind of mistake.
    let case = format!("{FACTS}\n[expect]\nverdict = \"fail\"\n[expect.outputs]\nshortfal = \"0.01 元/月\"\n");
    let folder = Folder::new("output", &[("output.toml", &case)]);
    let (code, _, stderr) = folder.test(&["--lang", "en"]);
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("policy minimum_wage has no output `shortfal`"), "{stderr}");
    assert!(stderr.contains("did you mean `shortfall`?"), "{stderr}");
}

/// Four mistakes in one case file are four diagnostics in one run, each with its caret: a clerk fixing the
/// file should not have to run `comply test` four times to find them.
#[test]
fn comply_test_lists_every_mistake_of_a_case() {
    let case = format!(
        "{FACTS}\n[expect]\nverdict = \"fial\"\nfailling = []\nfailing = [\"monthly_flor\", \"monthly_floor\"]\n[expect.outputs]\nshortfal = \"0.01 元/月\"\n"
    );
    let folder = Folder::new("several", &[("several.toml", &case)]);
    let (code, stdout, stderr) = folder.test(&[]);
    assert_eq!(code, 2, "{stdout}{stderr}");
    assert_eq!(stdout, "", "no case is run while a case is misspelt");
    for (code, at) in [
        ("C080", "several.toml:9:1"),
        ("C081", "several.toml:8:11"),
        ("C082", "several.toml:10:12"),
        ("C083", "several.toml:12:12"),
    ] {
        assert!(stderr.contains(&format!("error[{code}]")), "{code} missing:\n{stderr}");
        assert!(stderr.contains(at), "{at} missing:\n{stderr}");
    }
    assert_eq!(stderr.lines().filter(|l| l.contains('^')).count(), 4, "one caret per mistake:\n{stderr}");
    let order: Vec<usize> = ["C081", "C080", "C082", "C083"].iter().filter_map(|c| stderr.find(c)).collect();
    assert!(order.len() == 4 && order.is_sorted(), "in the order the file reads:\n{stderr}");
    assert!(stderr.trim_end().ends_with("有 1 个用例写得不对，未运行任何用例"), "{stderr}");
    insta::assert_snapshot!(stderr);
}

#[test]
fn comply_test_well_written_cases_still_run_in_chinese() {
    let case = format!("{FACTS}\n[expect]\nverdict = \"fail\"\nfailing = [\"monthly_floor\"]\n");
    let folder = Folder::new("good", &[("good.toml", &case)]);
    let (code, stdout, stderr) = folder.test(&[]);
    assert_eq!(code, 0, "{stdout}{stderr}");
    assert!(stdout.contains("通过    minimum_wage/good.toml：不符合"), "{stdout}");
    assert!(stdout.trim_end().ends_with("未通过 0 项"), "{stdout}");
}

/// `[expect.targets]` names targets, rules with a due date: the minimum wage has none, so naming one of its
/// rules there is a mistake in the case (C084), shown with the line, not a failed case.
#[test]
fn comply_test_targets_must_name_targets() {
    let case = format!("{FACTS}\n[expect]\nverdict = \"fail\"\n\n[expect.targets]\nmonthly_floor = \"met\"\n");
    let folder = Folder::new("targets", &[("target.toml", &case)]);
    let (code, stdout, stderr) = folder.test(&[]);
    assert_eq!(code, 2, "{stdout}{stderr}");
    assert!(stderr.contains("C084"), "{stderr}");
    assert!(stderr.contains("该政策没有带考核时点的目标"), "{stderr}");
    insta::assert_snapshot!(stderr);
}
