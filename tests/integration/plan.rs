//! `comply plan`: the engine's question planner through the command line, and its JSON contract (the same
//! as `/v1/plan`).

use crate::common;

/// Runs `comply plan` on a minimum-wage case with `facts` (TOML lines) on 2016-03-01.
fn plan(facts: &str, extra: &[&str]) -> (u8, String) {
    let dir = std::env::temp_dir().join(format!("comply-plan-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(format!("case-{:x}.toml", facts.bytes().fold(0u64, |h, b| h.wrapping_mul(31) ^ u64::from(b))));
    std::fs::write(&path, format!("policy = \"minimum_wage\"\nas_of = 2016-03-01\n[facts]\n{facts}")).unwrap();
    let mut args = vec!["plan", "--facts", path.to_str().unwrap()];
    args.extend_from_slice(extra);
    let out = common::comply_with_input(&args, "");
    (out.code, out.stdout)
}

fn question_facts(json: &str) -> Vec<String> {
    let plan: serde_json::Value = serde_json::from_str(json).unwrap();
    plan["questions"].as_array().unwrap().iter().map(|q| q["fact"].as_str().unwrap().to_string()).collect()
}

#[test]
fn the_subdistrict_comes_after_the_county_and_only_while_it_can_matter() {
    let (code, json) = plan("", &["--format", "json"]);
    assert_eq!(code, 0);
    let facts = question_facts(&json);
    let at = |name: &str| facts.iter().position(|f| f == name).unwrap_or_else(|| panic!("{name} in {facts:?}"));
    assert!(at("county") < at("subdistrict"), "{facts:?}");
    assert!(json.contains("\"after\": [\n        \"county\""), "the plan says why it waits: {json}");
    // Another county: the subdistrict cannot matter, so it is not asked.
    let (_, json) = plan("county = \"鹿城区\"\n", &["--format", "json"]);
    assert!(!question_facts(&json).contains(&"subdistrict".to_string()), "{json}");
    // 洞头区 at 1900 元/月 meets both tiers: decided, nothing left to ask (not even for the tier).
    let (_, json) =
        plan("county = \"洞头区\"\nemployment = \"full_time\"\nmonthly_wage = \"1900 元/月\"\n", &["--format", "json"]);
    assert!(json.contains("\"verdict\": \"pass\"") && question_facts(&json).is_empty(), "{json}");
    // At 1700 元/月 the subdistrict decides: it is the one question.
    let (_, json) =
        plan("county = \"洞头区\"\nemployment = \"full_time\"\nmonthly_wage = \"1700 元/月\"\n", &["--format", "json"]);
    assert_eq!(question_facts(&json), ["subdistrict"]);
}

#[test]
fn the_plan_of_an_empty_case_in_words_and_as_json() {
    let (_, text) = plan("", &[]);
    insta::assert_snapshot!("plan_minimum_wage_empty", text);
    let (_, json) = plan("county = \"洞头区\"\nemployment = \"full_time\"\n", &["--format", "json"]);
    insta::assert_snapshot!("plan_minimum_wage_dongtou_json", json);
}
