//! `comply diff` and `comply test` end to end: the reports on two real rule changes are pinned as
//! snapshots, a pack diffed against itself is proven equivalent quickly, and stored cases run.

fn run(args: &[&str]) -> (u8, String) {
    let mut stdin = std::io::empty();
    let (mut stdout, mut stderr) = (Vec::new(), Vec::new());
    let mut io = comply::cli::Io { stdin: &mut stdin, stdout: &mut stdout, stderr: &mut stderr };
    let args: Vec<String> = args.iter().map(|s| s.to_string()).collect();
    let code = comply::cli::run(&args, &mut io);
    let text = String::from_utf8(stdout).unwrap() + &String::from_utf8(stderr).unwrap();
    (code, text)
}

fn path(p: &str) -> String {
    format!("{}/{p}", env!("CARGO_MANIFEST_DIR"))
}

/// Snapshots hold paths relative to the crate so that they do not depend on the checkout's location.
fn relative(text: &str) -> String {
    text.replace(&format!("{}/", env!("CARGO_MANIFEST_DIR")), "")
}

#[test]
fn minimum_wage_tier2_raised_to_1800() {
    let (code, report) = run(&[
        "diff",
        &path("rules/minimum_wage.rules"),
        &path("tests/fixtures/diff/minimum_wage_1800/minimum_wage.rules"),
        "--lang",
        "en",
    ]);
    assert_eq!(code, 1, "{report}");
    assert!(report.contains("1660 元/月 ≤ monthly_wage < 1800 元/月"), "{report}");
    assert!(report.contains("analysis: exhaustive"), "{report}");
    insta::assert_snapshot!(relative(&report));
}

/// The clerks who maintain the packs read the same report in Chinese, the default.
#[test]
fn minimum_wage_tier2_raised_to_1800_in_chinese() {
    let (code, report) = run(&[
        "diff",
        &path("rules/minimum_wage.rules"),
        &path("tests/fixtures/diff/minimum_wage_1800/minimum_wage.rules"),
    ]);
    assert_eq!(code, 1, "{report}");
    // Facts, verdicts and outcomes by their Chinese labels; the example below stays a fact file.
    assert!(report.contains("1660 元/月 ≤ 月工资 < 1800 元/月"), "{report}");
    assert!(report.contains("分析：穷举"), "{report}");
    assert!(report.contains("结论 符合 → 不符合"), "{report}");
    assert!(report.contains("规则 “全日制月工资不低于最低月工资标准” [monthly_floor]：符合 → 不符合"), "{report}");
    let prose: String = report.lines().filter(|l| !l.starts_with("       ")).collect::<Vec<_>>().join("\n");
    for id in ["monthly_wage", "full_time", "minimum,", "pass", "fail"] {
        assert!(!prose.contains(id), "`{id}` outside the example fact files:\n{prose}");
    }
    // Chinese lists run with 、 and ，, and the one comment of an example fact file is Chinese too.
    assert!(!prose.contains(", ") && !report.contains("unknown"), "{report}");
    assert!(
        report.contains("∈ {洞头区、乐清市、瑞安市}") && report.contains("# 未填写（未知）：monthly_wage"),
        "{report}"
    );
    insta::assert_snapshot!(relative(&report));
}

#[test]
fn zero_land_tax_threshold_made_exclusive() {
    let (code, report) = run(&[
        "diff",
        &path("rules/zero_land.rules"),
        &path("tests/fixtures/diff/zero_land_strict/zero_land.rules"),
        "--lang",
        "en",
    ]);
    assert_eq!(code, 1, "{report}");
    assert!(report.contains("1 region(s)"), "{report}");
    assert!(report.contains("where tax_per_mu = 10 万元/亩"), "{report}");
    assert!(report.contains("verdict fail → pass"), "{report}");
    insta::assert_snapshot!(relative(&report));
}

#[test]
fn zero_land_tax_threshold_made_exclusive_in_chinese() {
    let (code, report) =
        run(&["diff", &path("rules/zero_land.rules"), &path("tests/fixtures/diff/zero_land_strict/zero_land.rules")]);
    assert_eq!(code, 1, "{report}");
    assert!(report.contains("条件：亩均税收 = 10 万元/亩"), "{report}");
    assert!(report.contains("结论 不符合 → 符合"), "{report}");
    // The facts held fixed are named and valued in words, not as the rule file writes them.
    assert!(report.contains("项目位于集聚区（经开区、瓯飞）：是；"), "{report}");
    assert!(report.contains("环评文件类型：环境影响报告表"), "{report}");
    let held = report.lines().find(|l| l.contains("其他事实取使不受影响的规则都通过的值")).expect("the facts held");
    assert!(!held.contains("in_zone") && !held.contains("report_form") && !held.contains("true"), "{held}");
    insta::assert_snapshot!(relative(&report));
}

/// A pack whose working day goes from 8 hours to 7 changes no rule, yet 130 元/天 is 16.25 元/小时 under one
/// and 18.57 元/小时 under the other: diff must not call the two versions equivalent, and must show where a
/// daily (or monthly) figure gets another answer.
#[test]
fn a_changed_conversion_is_a_difference() {
    let (code, report) = run(&[
        "diff",
        &path("examples/features/hourly_by_law.rules"),
        &path("tests/fixtures/diff/hourly_7h/hourly_by_law.rules"),
    ]);
    assert_eq!(code, 1, "{report}");
    assert!(report.contains("有差异"), "{report}");
    assert!(
        report.contains("换算规定 “1 天 = 8 小时”（《国务院关于职工工作时间的规定》第三条） 改为 “1 天 = 7 小时”"),
        "{report}"
    );
    // 17 元/小时 is 136 元/天 under 8 hours and 119 元/天 under 7: between them the floor's outcome flips.
    assert!(report.contains("条件：小时工资按 元/天 填写；\n       且 119 元/天 ≤ 小时工资 < 136 元/天；"), "{report}");
    assert!(report.contains("规则 “非全日制小时工资不低于最低小时工资标准” [hourly_floor]：不符合 → 符合"), "{report}");
    assert!(report.contains("hourly_wage = \"119 元/天\""), "{report}");
    // An output's quotient that does not terminate is read rounded, to as many places as tell the two apart.
    assert!(report.contains("输出 差额：约16.9988 元/小时 → 约16.9986 元/小时"), "{report}");
    assert!(!report.contains("16.998571428571428571428571429"), "{report}");
    insta::assert_snapshot!(relative(&report));
}

/// A conversion dropped: a daily figure the old version read is refused by the new one.
#[test]
fn a_dropped_conversion_refuses_what_was_read() {
    let dir = std::env::temp_dir().join(format!("comply-diff-dropped-{}", std::process::id()));
    std::fs::create_dir_all(dir.join("sources")).unwrap();
    std::fs::copy(path("examples/features/sources/wage_notice.txt"), dir.join("sources/wage_notice.txt")).unwrap();
    let text = std::fs::read_to_string(path("examples/features/hourly_by_law.rules")).unwrap();
    let dropped: String = text.lines().filter(|l| !l.contains("convert 1 天")).collect::<Vec<_>>().join("\n");
    let rules = dir.join("hourly_by_law.rules");
    std::fs::write(&rules, dropped).unwrap();
    let (code, report) = run(&[
        "diff",
        &path("examples/features/hourly_by_law.rules"),
        rules.to_str().unwrap(),
        "--as-of",
        "2020-01-01",
    ]);
    std::fs::remove_dir_all(&dir).unwrap();
    assert_eq!(code, 1, "{report}");
    assert!(report.contains("删除换算规定 “1 天 = 8 小时”"), "{report}");
    assert!(report.contains("结论 不符合 → 不予读取（未规定此换算）"), "{report}");
    // 月 reaches 小时 only through 天, so a monthly figure is refused too.
    assert!(report.contains("小时工资按 元/月 填写"), "{report}");
}

#[test]
fn a_pack_against_itself_is_equivalent_fast() {
    let (code, report) = run(&["diff", &path("rules"), &path("rules"), "--lang", "en"]);
    assert_eq!(code, 0, "{report}");
    assert!(!report.contains("DIFFERENT"), "{report}");
    assert!(report.contains("proved without sampling"), "{report}");
    // The comparison itself, loading aside: canonical forms only, no evaluation (its speed is a bench's
    // business, not a test's).
    let (old, new) = (comply::Rulebook::embedded().unwrap(), comply::Rulebook::embedded().unwrap());
    for policy in new.policies() {
        let d = comply::diff::diff_policy(old.policy(policy.id()).unwrap(), policy, None);
        assert!(d.equivalent() && d.method == comply::diff::Method::Identical, "{}", policy.id());
    }
}

#[test]
fn stored_cases_replay_and_flip() {
    let dir = std::env::temp_dir().join(format!("comply-diff-cases-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(
        dir.join("at_10.toml"),
        "policy = \"zero_land\"\nas_of = \"2020-06-01\"\n[facts]\nin_zone = true\nindustrial_enterprise = true\n\
         new_construction_land = false\ntax_per_mu = 10\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("at_12.toml"),
        "policy = \"zero_land\"\nas_of = \"2020-06-01\"\n[facts]\ntax_per_mu = 12\nin_zone = false\n",
    )
    .unwrap();
    let (code, report) = run(&[
        "diff",
        &path("rules/zero_land.rules"),
        &path("tests/fixtures/diff/zero_land_strict/zero_land.rules"),
        "--cases",
        dir.to_str().unwrap(),
        "--lang",
        "en",
    ]);
    std::fs::remove_dir_all(&dir).unwrap();
    assert_eq!(code, 1);
    assert!(report.contains("2 replayed, 1 flip(s)"), "{report}");
    assert!(report.contains("at_10.toml: fail → undetermined"), "{report}");
}

#[test]
fn comply_test_runs_the_shipped_cases_and_properties() {
    let (code, out) = run(&["test", "--cases", "100", "--lang", "en"]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("ok    zero_land/tax_exactly_10_is_excluded.toml: fail"), "{out}");
    assert!(out.contains("property increasing monthly_wage"), "{out}");
    assert!(out.trim_end().ends_with(" passed, 0 failed"), "{out}");
}

/// `comply test` speaks Chinese by default, like every command: verdicts and facts by their words.
#[test]
fn comply_test_in_chinese() {
    let (code, out) = run(&["test", "--cases", "100"]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("通过    zero_land/tax_exactly_10_is_excluded.toml：不符合"), "{out}");
    assert!(out.contains("“月工资”提高时结论不会变差"), "{out}");
    assert!(out.trim_end().ends_with("未通过 0 项"), "{out}");
}

#[test]
fn comply_test_reports_a_wrong_expectation() {
    let dir = std::env::temp_dir().join(format!("comply-test-cases-{}", std::process::id()));
    let cases = dir.join("tests/minimum_wage");
    std::fs::create_dir_all(&cases).unwrap();
    std::fs::copy(path("rules/minimum_wage.rules"), dir.join("minimum_wage.rules")).unwrap();
    std::fs::create_dir_all(dir.join("sources")).unwrap();
    std::fs::copy(path("rules/sources/gazette_2015_10.txt"), dir.join("sources/gazette_2015_10.txt")).unwrap();
    std::fs::write(
        cases.join("wrong.toml"),
        "as_of = \"2016-03-01\"\n[facts]\ncounty = \"乐清市\"\nemployment = \"full_time\"\nmonthly_wage = 1659.99\n\
         [expect]\nverdict = \"pass\"\nfailing = []\n",
    )
    .unwrap();
    let (code, out) = run(&["test", dir.to_str().unwrap(), "--cases", "50", "--lang", "en"]);
    let (zh_code, zh) = run(&["test", dir.to_str().unwrap(), "--cases", "50"]);
    std::fs::remove_dir_all(&dir).unwrap();
    assert_eq!((code, zh_code), (1, 1), "{out}");
    assert!(out.contains("FAIL  minimum_wage/wrong.toml: expected verdict pass, got fail"), "{out}");
    assert!(out.contains("expected failing rules [], got [\"monthly_floor\"]"), "{out}");
    assert!(out.contains(" passed, 1 failed"), "{out}");
    insta::assert_snapshot!("comply_test_wrong_expectation_en", out);
    assert!(zh.contains("未通过  minimum_wage/wrong.toml：结论应为“符合”，实际为“不符合”"), "{zh}");
    insta::assert_snapshot!("comply_test_wrong_expectation_zh", zh);
}

#[test]
fn comply_test_on_one_file_runs_only_that_files_cases() {
    // rules/ holds three rule files sharing one tests/ folder: testing one file must not run (and fail) the
    // cases of the policies the other files declare.
    let (code, out) = run(&["test", "rules/minimum_wage.rules", "--cases", "20", "--lang", "en"]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("ok    minimum_wage/"), "{out}");
    assert!(!out.contains("zero_land/"), "{out}");
    assert!(!out.contains("waste_sorting_targets/"), "{out}");
}
