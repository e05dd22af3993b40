//! What a newcomer met encoding a target plan from the guide alone (issue 15's acceptance test): negative
//! growth rates refused, a unit suggestion of another kind, a target not yet due called 不适用, two lead units
//! counted as one, and a comparison word that contradicts the quote.

use crate::common::comply_with_input;

const DIR: &str = "tests/fixtures/targets_newcomer";

fn path(file: &str) -> String {
    format!("{DIR}/{file}")
}

#[test]
fn a_growth_rate_a_change_in_points_and_a_declared_loss_may_be_negative() {
    let out = comply_with_input(&["check", &path("growth.rules"), "--facts", &path("q3.toml")], "");
    assert_eq!(out.code, 0, "{}{}", out.stdout, out.stderr);
    insta::assert_snapshot!(out.stdout);
}

#[test]
fn a_negative_amount_is_refused_with_what_to_do() {
    let out = comply_with_input(&["check", &path("growth.rules"), "--facts", &path("negative_grain.toml")], "");
    assert_eq!(out.code, 2, "{}", out.stdout);
    assert!(out.stderr.contains("不能为负数"), "{}", out.stderr);
    assert!(out.stderr.contains("may_be_negative"), "the message must say how to allow it: {}", out.stderr);
}

#[test]
fn a_target_not_yet_due_is_not_called_inapplicable_and_two_leads_are_counted_each() {
    let out = comply_with_input(&["check", &path("growth.rules"), "--facts", &path("q3.toml"), "--format", "json"], "");
    assert_eq!(out.code, 0, "{}", out.stderr);
    let report: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    let rules = report["rules"].as_array().unwrap();
    let grain = rules.iter().find(|r| r["id"] == "grain_output").unwrap();
    let explanation = grain["explanation"].as_str().unwrap();
    assert!(explanation.starts_with("未到考核时点：粮食产量 15.1 万吨"), "{explanation}");
    assert!(!explanation.contains("不适用"), "{explanation}");
    let progress = report["progress"].as_array().unwrap();
    assert_eq!(progress[0]["unit"], "全部目标");
    assert_eq!(progress[0]["all"], true);
    for unit in ["区财政局", "区税务局"] {
        let line = progress.iter().find(|l| l["unit"] == unit).unwrap_or_else(|| panic!("no line for {unit}"));
        assert_eq!(line["counts"]["met"], 1, "{unit}");
    }
    assert!(progress.iter().all(|l| l["unit"] != "区财政局、区税务局"));
}

#[test]
fn an_unknown_unit_is_matched_within_the_dimension_the_comparison_expects() {
    let out = comply_with_input(&["lint", &path("bad_unit.rules")], "");
    assert_eq!(out.code, 2);
    assert!(out.stderr.contains("是否指 `万吨`"), "{}", out.stderr);
    assert!(!out.stderr.contains("万元"), "{}", out.stderr);
}

#[test]
fn a_comparison_word_against_the_quote_is_flagged_and_a_qualifier_is_not() {
    let out = comply_with_input(&["lint", &path("mismatch.rules")], "");
    let text = format!("{}{}", out.stdout, out.stderr);
    let c068: Vec<&str> = text.lines().filter(|l| l.contains("C068")).collect();
    assert_eq!(c068.len(), 1, "{text}");
    assert!(c068[0].contains("以上") && c068[0].contains("以内"), "{text}");
    assert!(text.contains("unemployment >= 4.5%"), "{text}");
}

#[test]
fn an_english_report_names_a_chinese_enum_value_by_its_label() {
    let out = comply_with_input(&["check", &path("stage.rules"), "--facts", &path("stage.toml"), "--lang", "en"], "");
    assert_eq!(out.code, 1, "a fail verdict: {}{}", out.stdout, out.stderr);
    assert!(out.stdout.contains("falls short of 建成通车"), "{}", out.stdout);
    assert!(!out.stdout.contains(" 通车"), "the identifier leaked: {}", out.stdout);
}
