//! Lists of records: a count compared with a number is decided by the records already known exactly when
//! every answer the unknown records could give decides it the same way (`eval::count_compare`). Checked over
//! every assignment of yes / no / unknown to four records, for every comparison, against all completions.

use comply::Rulebook;
use comply::eval::{Env, FactSet, FactValue, Outcome};
use jiff::civil::date;

const POLICY: &str = r#"
policy counts {
  title "计数" en "Counts"
  source { title "示例" number none issuer "示例局" signed 2021-01-01 }
  in_force from 2021-01-01
  enum county { 甲, 乙, 丙, 丁 }
  fact ok: bool per county { label "达标" }
  fact counted: bool per county { label "纳入考核" }
  rule ge { title "ge" clause "一" require count(c in county: ok[c]) >= 2 }
  rule gt { title "gt" clause "一" require count(c in county: ok[c]) > 2 }
  rule le { title "le" clause "一" require count(c in county: ok[c]) <= 2 }
  rule lt { title "lt" clause "一" require count(c in county: ok[c]) < 2 }
  rule eq { title "eq" clause "一" require count(c in county: ok[c]) = 2 }
  rule ne { title "ne" clause "一" require count(c in county: ok[c]) != 2 }
  rule where_facts { title "where" clause "一" require count(c in county where counted[c]: ok[c]) >= 1 }
  rule all_of { title "all" clause "一" require all(c in county where c != 丁: ok[c]) }
  rule any_of { title "any" clause "一" require any(c in county where counted[c]: ok[c]) }
}
"#;

/// 0 = no, 1 = yes, 2 = unknown, for each of the eight facts (ok × 4, counted × 4).
fn facts(codes: &[u8]) -> Vec<Option<FactValue>> {
    codes.iter().map(|c| (*c < 2).then_some(FactValue::Bool(*c == 1))).collect()
}

fn outcomes(policy: &comply::policy::Policy, values: Vec<Option<FactValue>>) -> Vec<Outcome> {
    let set = FactSet { values };
    let mut env = Env::new(policy, &set, date(2022, 1, 1));
    policy.rules().iter().map(|rule| env.rule(rule).outcome).collect()
}

#[test]
fn a_count_is_decided_exactly_when_every_completion_agrees() {
    let no_sources =
        |_: &str, _: &str| Err(comply::check::SourceProblem::Read(comply::limits::ReadProblem::Io("none".into())));
    let book = Rulebook::from_texts(vec![("counts.rules".into(), POLICY.into())], &no_sources)
        .unwrap_or_else(|e| panic!("{}", e.render()));
    let policy = book.policy("counts").expect("policy");
    assert_eq!(policy.facts().len(), 8, "one fact per county and list");
    let mut decided_with_unknowns = 0;
    for n in 0..3u32.pow(8) {
        let codes: Vec<u8> = (0..8).map(|i| (n / 3u32.pow(i) % 3) as u8).collect();
        let kleene = outcomes(policy, facts(&codes));
        let open: Vec<usize> = (0..8).filter(|i| codes[*i] == 2).collect();
        let mut seen: Vec<Vec<Outcome>> = vec![Vec::new(); kleene.len()];
        for fill in 0..(1u32 << open.len()) {
            let mut full = codes.clone();
            for (bit, i) in open.iter().enumerate() {
                full[*i] = ((fill >> bit) & 1) as u8;
            }
            for (rule, outcome) in outcomes(policy, facts(&full)).into_iter().enumerate() {
                if !seen[rule].contains(&outcome) {
                    seen[rule].push(outcome);
                }
            }
        }
        for (rule, outcome) in kleene.iter().enumerate() {
            let id = &policy.rules()[rule].id;
            match outcome {
                Outcome::Unknown => {
                    assert!(
                        seen[rule].len() > 1,
                        "{id} {codes:?}: unknown, but every completion gives {:?}",
                        seen[rule]
                    )
                }
                decided => {
                    assert_eq!(seen[rule], vec![*decided], "{id} {codes:?}: decided {decided:?}, completions differ");
                    decided_with_unknowns += usize::from(!open.is_empty());
                }
            }
        }
    }
    // The interval decides many cases with unknown records; a count that waited for every record would not.
    assert!(decided_with_unknowns > 10_000, "only {decided_with_unknowns} decided with unknown records");
}

/// `comply facts` shows a list once, under the rows that give it, with the key to write and every record.
#[test]
fn the_fact_sheet_shows_each_list_under_its_rows() {
    let out = crate::common::comply_with_input(&["facts", "examples/features", "--policy", "county_lists"], "");
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(!out.stdout.contains("energy_centres_甲市"), "records are not listed one by one:\n{}", out.stdout);
    let sheet = out.stdout.split("事实文件字段：").nth(1).unwrap_or_default();
    insta::assert_snapshot!(sheet);
}

/// The rows of a fact file give the same facts as the records' own names.
#[test]
fn record_rows_and_record_names_read_the_same() {
    let rows = crate::common::comply_with_input(
        &["check", "examples/features", "--facts", "examples/features/county_lists/one_county_short_fails.toml"],
        "",
    );
    let text =
        std::fs::read_to_string("examples/features/county_lists/one_county_short_fails.toml").unwrap_or_default();
    let mut flat = String::from("policy = \"county_lists\"\nas_of = \"2013-12-31\"\n\n[facts]\n");
    let mut key = String::new();
    for line in text.lines() {
        match line.split_once(" = ") {
            Some(("county" | "river", value)) => key = value.trim_matches('"').to_string(),
            Some((field, value)) if !key.is_empty() => flat.push_str(&format!("\"{field}_{key}\" = {value}\n")),
            _ => {}
        }
    }
    let dir = crate::common::Scratch::new("lists", &[("flat.toml", &flat)]);
    let named =
        crate::common::comply_with_input(&["check", "examples/features", "--facts", &dir.path("flat.toml")], "");
    assert_eq!(rows.code, 1, "{}", rows.stderr);
    assert_eq!(rows.stdout, named.stdout, "the same facts, written two ways, must give the same report");
}

/// `property increasing green_rate` over a list is one property per county, and each holds.
#[test]
fn a_property_of_a_list_holds_for_each_record() {
    let book = comply::Rulebook::load_path(std::path::Path::new("examples/features/county_lists.rules"))
        .unwrap_or_else(|e| panic!("{}", e.render()));
    let policy = book.policy("county_lists").expect("policy");
    assert_eq!(policy.properties().len(), 6, "one per county");
    for property in policy.properties() {
        let found = comply::generate::check_property(policy, *property, 200, 3);
        assert!(found.is_empty(), "{:?}", found.first());
    }
}

/// A JSON Lines row gives a list as a fact file does, one object per record; the rows are read, never carried
/// through as keys that are no fact, and a mistake in them is that row's error.
#[test]
fn batch_json_lines_read_rows_of_records() {
    let out = crate::common::comply_with_input(
        &[
            "batch",
            "examples/features",
            "--policy",
            "county_lists",
            "--as-of",
            "2013-12-31",
            "--input",
            "tests/fixtures/county_rows.jsonl",
            "--input-format",
            "jsonl",
            "--format",
            "jsonl",
        ],
        "",
    );
    assert!(!out.stderr.contains("未用于判断"), "the rows are facts, not carried keys: {}", out.stderr);
    let rows: Vec<serde_json::Value> = out.stdout.lines().filter_map(|l| serde_json::from_str(l).ok()).collect();
    assert_eq!(rows.len(), 3, "{}", out.stdout);
    assert_eq!(rows[0]["verdict"], "fail", "丁县 has no energy centre: {}", rows[0]);
    assert_eq!(rows[0]["rules"][0], "energy_centre_in_every_county");
    assert_eq!(rows[1]["verdict"], "error", "a list given as one value: {}", rows[1]);
    assert!(rows[2]["errors"][0].as_str().unwrap_or_default().contains("甲市"), "the nearest record: {}", rows[2]);
}

/// A rule that fails on one county quotes that county's row of the table, not the rows of counties that
/// have not reported.
#[test]
fn only_the_row_that_fell_short_is_quoted() {
    let case = "policy = \"county_lists\"\nas_of = \"2013-12-31\"\n\n[[facts.county]]\ncounty = \"甲市\"\nnew_green_area = 1\n";
    let dir = crate::common::Scratch::new("lists-row-quote", &[("case.toml", case)]);
    let out = crate::common::comply_with_input(&["check", "examples/features", "--facts", &dir.path("case.toml")], "");
    assert!(out.stdout.contains("原文：“甲市、乙市10万平方米以上”"), "{}", out.stdout);
    assert!(!out.stdout.contains("其他县（区）6万平方米以上"), "unreported counties' rows: {}", out.stdout);
}
