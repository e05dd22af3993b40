//! Values as people type them (issue #11, "Silent wrong answers" and "Friction in the first hour"): every
//! example there pinned by a test named for it, through the real commands. `check`, `ask` and `batch` read
//! values with the one reader in `comply::facts`, so a spelling means the same in each.

use comply::Rulebook;
use comply::facts::{self, FactError, NumberProblem, Raw};

const MINIMUM_WAGE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/rules/minimum_wage.rules");

fn run(args: &[&str], stdin: &str) -> (u8, String, String) {
    let out = crate::common::comply_with_input(args, stdin);
    (out.code, out.stdout, out.stderr)
}

/// A fact file in a scratch folder of its own, checked against the minimum wage.
fn check_wage(name: &str, facts: &str, extra: &[&str]) -> (u8, String, String) {
    let dir = std::env::temp_dir().join(format!("comply-inputs-{}-{name}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(name);
    std::fs::write(&path, facts).unwrap();
    let mut args = vec!["check", MINIMUM_WAGE, "--facts", path.to_str().unwrap(), "--as-of", "2016-03-01"];
    args.extend_from_slice(extra);
    let result = run(&args, "");
    std::fs::remove_dir_all(&dir).unwrap();
    result
}

fn wage_facts(subdistrict: &str, wage: &str) -> String {
    format!(
        "policy = \"minimum_wage\"\n[facts]\ncounty = \"洞头区\"\nsubdistrict = \"{subdistrict}\"\nemployment = \"全日制\"\nmonthly_wage = {wage}\n"
    )
}

fn policy(id: &str) -> comply::policy::Policy {
    Rulebook::embedded().unwrap().policy(id).unwrap().clone()
}

fn read(policy: &comply::policy::Policy, fact: &str, raw: Raw) -> Result<comply::eval::FactValue, FactError> {
    let def = &policy.facts()[policy.fact_index(fact).unwrap() as usize];
    facts::coerce(policy, def, &raw)
}

#[test]
fn lingkun_written_any_way_is_tier_1_and_1700_fails() {
    for spelling in ["灵昆街道", "灵昆", "灵昆镇", "洞头区灵昆街道", "灵昆街道办事处", "靈昆街道"]
    {
        let (code, out, err) = check_wage("lingkun.toml", &wage_facts(spelling, "\"1700 元/月\""), &[]);
        assert_eq!(code, 1, "{spelling}: {out}{err}");
        assert!(out.contains("结论：工资低于当地最低工资标准"), "{spelling}: {out}");
        assert!(out.contains("未达到 最低月工资标准 1860 元/月（差 160 元/月）"), "{spelling}: {out}");
    }
}

#[test]
fn an_unknown_subdistrict_is_refused_with_the_choices_not_put_in_tier_2() {
    let (code, out, err) = check_wage("unknown.toml", &wage_facts("灵昆岛", "\"1700 元/月\""), &[]);
    assert_eq!(code, 2, "{out}{err}");
    assert!(out.is_empty(), "no report for bad input: {out}");
    for choice in ["北岙街道", "东屏街道", "元觉街道", "霓屿街道", "灵昆街道", "大门镇", "鹿西乡"]
    {
        assert!(err.contains(choice), "the choices must be listed: {err}");
    }
    assert!(err.contains("“灵昆岛”"), "{err}");
}

#[test]
fn a_daily_wage_for_an_hourly_fact_is_refused_not_divided_by_24() {
    let facts = "[facts]\ncounty = \"鹿城区\"\nemployment = \"非全日制\"\nhourly_wage = \"150 元/天\"\n";
    let (code, out, err) = check_wage("daily.toml", facts, &[]);
    assert_eq!(code, 2, "{out}{err}");
    assert!(err.contains("不是算术"), "the message must say why: {err}");
    assert!(!out.contains("6.25"), "{out}");
    let (_, _, en) = check_wage("daily_en.toml", facts, &["--lang", "en"]);
    assert!(en.contains("law, not arithmetic"), "{en}");
}

#[test]
fn the_shortfall_output_keeps_the_facts_declared_unit() {
    // 15 元/小时 part time in tier 1 (17 元/小时): the gap and the output are both per hour.
    let facts = "[facts]\ncounty = \"鹿城区\"\nemployment = \"非全日制\"\nhourly_wage = 15\n";
    let (code, out, err) = check_wage("hourly.toml", facts, &["--format", "json"]);
    assert_eq!(code, 1, "{err}");
    let json: serde_json::Value = serde_json::from_str(&out).unwrap();
    let outputs = json["outputs"].to_string();
    assert!(outputs.contains("2 元/小时"), "{outputs}");
    assert!(!outputs.contains("元/天"), "{outputs}");
}

#[test]
fn a_bare_toml_decimal_is_exact_so_just_under_the_minimum_fails() {
    let (code, out, _) = check_wage("bare.toml", &wage_facts("北岙街道", "1659.9999999999999999"), &[]);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("结论：工资低于当地最低工资标准"), "{out}");
    // The same value quoted gives the same answer.
    let (quoted, again, _) = check_wage("quoted.toml", &wage_facts("北岙街道", "\"1659.9999999999999999\""), &[]);
    assert_eq!((quoted, again), (code, out));
}

#[test]
fn a_toml_exponent_too_large_to_hold_says_so_rather_than_not_a_number() {
    let (code, _, err) = check_wage("huge.toml", &wage_facts("北岙街道", "1e30"), &[]);
    assert_eq!(code, 2);
    assert!(err.contains("数值过大"), "{err}");
    let p = policy("minimum_wage");
    let exact = read(&p, "monthly_wage", Raw::Number("1.86e3".into())).unwrap();
    assert_eq!(exact, read(&p, "monthly_wage", Raw::Number("1860".into())).unwrap());
}

#[test]
fn a_json_exponent_is_a_number_not_a_wrong_unit() {
    let dir = std::env::temp_dir().join(format!("comply-inputs-{}-json", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("case.JSON");
    let json =
        r#"{"policy": "minimum_wage", "facts": {"county": "鹿城区", "employment": "全日制", "monthly_wage": 1860e0}}"#;
    std::fs::write(&path, json).unwrap();
    // `.JSON` in capitals is JSON too.
    let (code, out, err) =
        run(&["check", MINIMUM_WAGE, "--facts", path.to_str().unwrap(), "--as-of", "2016-03-01"], "");
    std::fs::remove_dir_all(&dir).unwrap();
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("1860 元/月，达到 最低月工资标准 1860 元/月"), "{out}");
}

/// One quantity fact, so that the interview asks exactly one question.
const ONE_QUANTITY: &str = r#"
policy density {
  title "示例" en "Example"
  source { title "示例通知" number none issuer "示例局" signed 2021-01-01 }
  in_force from 2021-01-01
  fact tax_per_mu: 万元/亩 { label "亩均税收" en "Tax per mu" }
  rule r { title "税收" clause "一" require tax_per_mu >= 10 万元/亩（以上） }
}
"#;

#[test]
fn ask_refuses_a_decimal_comma_instead_of_deleting_it() {
    let dir = std::env::temp_dir().join(format!("comply-inputs-{}-ask", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let rules = dir.join("density.rules");
    std::fs::write(&rules, ONE_QUANTITY).unwrap();
    let saved = dir.join("answers.toml");
    let args = ["ask", rules.to_str().unwrap(), "--policy", "density", "--as-of", "2021-03-01"];
    let args: Vec<&str> = args.into_iter().chain(["--save", saved.to_str().unwrap()]).collect();
    let (code, out, err) = run(&args, "15,5\n1.860,00\n15.5\n");
    let text = std::fs::read_to_string(&saved).unwrap();
    std::fs::remove_dir_all(&dir).unwrap();
    assert_eq!(code, 0, "{out}{err}");
    assert_eq!(out.matches("逗号只能作千分位分隔符").count(), 2, "both refusals must say why: {out}");
    assert!(!out.contains("155"), "{out}");
    assert!(text.contains("tax_per_mu = \"15.5 万元/亩\""), "{text}");
    let p = policy("zero_land");
    let refused = read(&p, "tax_per_mu", Raw::Text("15,5".into()));
    assert!(matches!(refused, Err(FactError::BadNumber { problem: NumberProblem::Grouping, .. })), "{refused:?}");
    let refused = read(&p, "tax_per_mu", Raw::Text("1.860,00".into()));
    assert!(matches!(refused, Err(FactError::BadNumber { problem: NumberProblem::Grouping, .. })), "{refused:?}");
}

#[test]
fn thousands_separators_full_width_digits_and_a_unit_after_the_number_are_read() {
    let p = policy("minimum_wage");
    let expected = read(&p, "monthly_wage", Raw::Text("1860".into())).unwrap();
    for written in
        ["1,860", "１８６０", "1860元", "1860 元", "1860元/月", "１,８６０ 元／月", "0.186万元/月", "1,860.00"]
    {
        assert_eq!(read(&p, "monthly_wage", Raw::Text(written.into())).unwrap(), expected, "{written}");
    }
    for bad in ["18,60", "1,86,0", ",860", "1.860,00", "15,5"] {
        assert!(read(&p, "monthly_wage", Raw::Text(bad.into())).is_err(), "{bad} must be refused");
    }
}

#[test]
fn true_and_false_are_read_in_every_usual_spelling() {
    let p = policy("zero_land");
    for yes in ["TRUE", "true", "Y", "y", "yes", "YES", "1", "是", "有", "√", "✓", "Ｙ"] {
        let value = read(&p, "in_zone", Raw::Text(yes.into()));
        assert_eq!(value, Ok(comply::eval::FactValue::Bool(true)), "{yes}");
    }
    for no in ["FALSE", "false", "N", "n", "no", "0", "否", "无", "×", "✗"] {
        let value = read(&p, "in_zone", Raw::Text(no.into()));
        assert_eq!(value, Ok(comply::eval::FactValue::Bool(false)), "{no}");
    }
    assert!(read(&p, "in_zone", Raw::Text("也许".into())).is_err());
}

#[test]
fn set_members_are_separated_as_people_separate_them_in_ask_check_and_batch() {
    let p = policy("zero_land");
    let expected = read(&p, "project_kinds", Raw::List(vec![Raw::Text("改建".into()), Raw::Text("扩建".into())]));
    let expected = expected.unwrap();
    for written in ["改建，扩建", "改建、扩建", "改建;扩建", "改建；扩建", "改建,扩建", "改建|扩建"]
    {
        assert_eq!(read(&p, "project_kinds", Raw::Text(written.into())).unwrap(), expected, "{written}");
        let def = &p.facts()[p.fact_index("project_kinds").unwrap() as usize];
        assert_eq!(facts::read_answer(&p, def, written).unwrap(), Some(expected.clone()), "ask: {written}");
    }
}

#[test]
fn ask_check_and_batch_read_a_value_the_same_way() {
    // The same typed text through the interview, a fact file and a batch cell gives the same verdict.
    let p = policy("minimum_wage");
    let def = &p.facts()[p.fact_index("monthly_wage").unwrap() as usize];
    for written in ["1,860", "１８６０元", "1860元/月"] {
        let answer = facts::read_answer(&p, def, written).unwrap().unwrap();
        let cell = facts::coerce_cell(&p, def, written).unwrap();
        let file = read(&p, "monthly_wage", Raw::Text(written.into())).unwrap();
        assert_eq!((&answer, &cell), (&file, &file), "{written}");
    }
}
