//! Units as a rule file writes them and a report says them: what arithmetic on quantities gives.

use comply::Rulebook;

fn load(rules: &str) -> Result<Rulebook, String> {
    // No `source` block: no quote to verify.
    let read_source = |_: &str, _: &str| Err(comply::check::SourceProblem::Outside);
    Rulebook::from_texts(vec![("points.rules".to_string(), rules.to_string())], &read_source).map_err(|e| e.render())
}

const POLICY: &str = r#"policy points_demo {
  title "示例" en "Example"
  in_force from 2020-01-01
  fact rd_share: % yearly 2020..2025 { label "研发投入占比" en "R&D share" }
  rule rise {
    title "研发投入占比提高3个百分点" en "R&D share up 3 points"
    require RISE
  }
}
"#;

/// 「提高3个百分点」 over two rates in %: their difference is in 百分点 (20% to 23% is +3 百分点), so it compares
/// with `3 百分点` and is refused beside `3%` with the 百分点 help; a number written with % keeps its unit.
#[test]
fn the_difference_of_two_rates_in_percent_is_in_percentage_points() {
    let policy = |rise: &str| POLICY.replace("RISE", rise);
    let book = load(&policy("rd_share[2025] - rd_share[2020] >= 3 百分点（以上）")).unwrap_or_else(|e| panic!("{e}"));
    let policy_def = book.policy("points_demo").unwrap();
    for (share_2025, verdict, said) in
        [("5.2", "pass", "3.1 百分点，达到 3 百分点"), ("4.6", "fail", "2.5 百分点，未达到 3 百分点")]
    {
        let facts = format!("as_of = \"2025-06-30\"\n[facts]\nrd_share_2020 = 2.1\nrd_share_2025 = {share_2025}\n");
        let file = comply::facts::read_file("case.toml", &facts).unwrap();
        let resolved = book.resolve(&file, Some("points_demo"), None).unwrap_or_else(|e| panic!("{e:?}"));
        let report = resolved.report(comply::explain::Lang::Zh);
        assert_eq!(report.verdict.as_str(), verdict);
        assert!(report.rules[0].explanation.contains(said), "{}", report.rules[0].explanation);
    }
    assert_eq!(policy_def.rules().len(), 1);

    let refused =
        load(&policy("rd_share[2025] - rd_share[2020] >= 3%（以上）")).map(|_| ()).expect_err("3% is not 3 百分点");
    assert!(refused.contains("C021") && refused.contains("write the threshold as `3 百分点`"), "{refused}");
    // 88% - 1% is 87%: written numbers are not rates, and their difference compares with a rate.
    load(&policy("rd_share[2025] >= 88% - 1%")).unwrap_or_else(|e| panic!("{e}"));
}
