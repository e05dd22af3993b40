//! The boundary cases of the shipped packs, pinned: each is a fact file in examples/ (documentation and
//! test at once) with the verdict, outputs and failing rules the gazette's wording demands.

use comply::Rulebook;
use comply::explain::RuleOutcome as Outcome;
use comply::explain::{self, Lang};

struct Expect<'a> {
    file: &'a str,
    verdict: &'a str,
    outputs: &'a [(&'a str, &'a str)],
    failing: &'a [&'a str],
    missing: &'a [&'a str],
}

const fn case<'a>(file: &'a str, verdict: &'a str) -> Expect<'a> {
    Expect { file, verdict, outputs: &[], failing: &[], missing: &[] }
}

fn run(expect: &Expect<'_>) {
    let book = Rulebook::embedded().unwrap_or_else(|e| panic!("shipped packs must load:\n{}", e.render()));
    let path = format!("{}/examples/{}", env!("CARGO_MANIFEST_DIR"), expect.file);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    let file = comply::facts::read_file(&path, &text).unwrap_or_else(|e| panic!("{path}: {e}"));
    let policy_id = file.policy.clone().unwrap_or_else(|| panic!("{path}: names no policy"));
    let policy = book.policy(&policy_id).unwrap_or_else(|| panic!("{path}: unknown policy {policy_id}"));
    let facts = comply::facts::bind(policy, &file.facts).unwrap_or_else(|e| panic!("{path}: {e}"));
    let as_of = file.as_of.as_deref().unwrap_or_else(|| panic!("{path}: no as_of")).parse().expect("date");
    let report = explain::report(policy, &facts, as_of, Lang::Zh);
    assert_eq!(
        report.verdict.as_str(),
        expect.verdict,
        "{}: verdict\n{}",
        expect.file,
        explain::render::text(&report, Lang::Zh)
    );
    for (name, value) in expect.outputs {
        let got = report.outputs.get(*name).map(|v| v.as_str().map_or_else(|| v.to_string(), str::to_string));
        assert_eq!(got.as_deref(), Some(*value), "{}: output {name}", expect.file);
    }
    let failing: Vec<&str> = report
        .rules
        .iter()
        .filter(|r| matches!(r.outcome, Outcome::Fail | Outcome::Refer))
        .map(|r| r.id.as_str())
        .collect();
    for id in expect.failing {
        assert!(failing.contains(id), "{}: rule {id} should fail, failing rules are {failing:?}", expect.file);
    }
    assert_eq!(report.missing, expect.missing, "{}: missing facts", expect.file);
}

#[test]
fn tax_per_mu_exactly_10_is_excluded_because_yixia_includes_the_number() {
    run(&Expect { failing: &["tax_per_mu_above_10"], ..case("zero_land/tax_exactly_10_excluded.toml", "fail") });
    run(&case("zero_land/tax_10_01_eligible.toml", "pass"));
    run(&Expect { failing: &["tax_per_mu_above_10"], ..case("zero_land/tax_given_in_yuan_per_mu.toml", "fail") });
}

#[test]
fn mezzanine_needs_a_ground_floor_strictly_above_6_metres() {
    run(&Expect { failing: &["mezzanine_height"], ..case("zero_land/mezzanine_height_exactly_6m_fails.toml", "fail") });
    run(&case("zero_land/mezzanine_height_6_05m_passes.toml", "pass"));
}

#[test]
fn energy_negative_list_uses_at_least_for_kva_and_above_for_intensity() {
    let required = [("energy_review", "required")];
    run(&Expect { outputs: &required, ..case("zero_land/transformer_exactly_3000kva_review_required.toml", "pass") });
    run(&Expect {
        outputs: &[("energy_review", "exempt")],
        ..case("zero_land/energy_intensity_exactly_0378_exempt.toml", "pass")
    });
    run(&Expect { outputs: &required, ..case("zero_land/energy_intensity_0379_review_required.toml", "pass") });
}

#[test]
fn service_land_share_is_7_percent_or_10_for_demonstrated_new_industry() {
    run(&case("zero_land/service_land_exactly_7_percent_passes.toml", "pass"));
    run(&Expect {
        failing: &["service_land_share_cap"],
        ..case("zero_land/service_land_10_percent_general_project_fails.toml", "fail")
    });
    run(&case("zero_land/service_land_exactly_10_percent_new_industry_passes.toml", "pass"));
}

#[test]
fn small_micro_park_is_referred_only_for_rebuild_extension_or_mezzanine() {
    run(&case("zero_land/small_micro_equipment_only_not_referred.toml", "pass"));
    run(&Expect {
        failing: &["small_micro_park_case_by_case"],
        ..case("zero_land/small_micro_extension_referred.toml", "refer")
    });
}

#[test]
fn a_missing_fact_that_cannot_change_a_fail_leaves_it_a_fail() {
    run(&case("zero_land/missing_fact_already_fails.toml", "fail"));
    run(&Expect { missing: &["tax_per_mu"], ..case("zero_land/missing_tax_undetermined.toml", "undetermined") });
}

#[test]
fn missing_route_facts_leave_outputs_unknown_but_the_verdict_decided() {
    run(&Expect {
        outputs: &[("energy_review", "null"), ("eia_route", "null")],
        ..case("zero_land/route_facts_missing_still_pass.toml", "pass")
    });
}

#[test]
fn dongtou_is_tier_2_except_lingkun_which_is_tier_1() {
    run(&Expect {
        outputs: &[("tier", "1"), ("minimum", "1860 元/月"), ("shortfall", "160 元/月")],
        ..case("minimum_wage/dongtou_lingkun_tier1.toml", "fail")
    });
    run(&Expect {
        outputs: &[("tier", "2"), ("minimum", "1660 元/月")],
        ..case("minimum_wage/dongtou_other_subdistrict_tier2.toml", "pass")
    });
    run(&Expect {
        missing: &["subdistrict"],
        ..case("minimum_wage/dongtou_without_subdistrict_undetermined.toml", "undetermined")
    });
}

#[test]
fn paying_exactly_the_minimum_complies() {
    run(&Expect {
        outputs: &[("shortfall", "0 元/月")],
        ..case("minimum_wage/wage_exactly_at_minimum_compliant.toml", "pass")
    });
    run(&Expect {
        outputs: &[("tier", "2"), ("minimum", "15.2 元/小时")],
        ..case("minimum_wage/part_time_15_2_tier2.toml", "pass")
    });
    run(&case("minimum_wage/before_2015_11_01_not_applicable.toml", "not_applicable"));
}

#[test]
fn the_2015_volume_cap_is_exactly_a_3_percent_cut_from_114_89() {
    run(&Expect {
        outputs: &[("volume_cap", "111.4433 万吨")],
        ..case("waste_volume_reduction/cut_2015_exactly_3_percent.toml", "pass")
    });
    run(&case("waste_volume_reduction/cut_2015_missed.toml", "fail"));
    run(&case("waste_volume_reduction/cut_2015_given_in_tonnes.toml", "pass"));
}

/// 「二级乙等以上」 on the ordered grades: 二级乙等 itself is inside, 一级 is not; a district is not asked for a
/// grade at all (its task is an institution), whatever grade it reports.
#[test]
fn grade_2b_or_better_includes_2b_and_districts_are_not_graded() {
    run(&case("liucheng_2013_county/wencheng_end_2013_met.toml", "pass"));
    run(&Expect { failing: &["r25_quality_bases"], ..case("liucheng_2013_county/lucheng_end_2013.toml", "fail") });
    run(&case("liucheng_2013_county/dongtou_mid_2013.toml", "pass"));
}

/// The 2013 tasks fall due at the end of 2013 and name their lead unit; a stage further along than required
/// meets a 「开工建设」 task, one stage short misses it.
#[test]
fn the_2013_table_fails_the_missed_tasks_and_never_a_target_not_yet_due() {
    run(&Expect {
        failing: &["r5_west_plant", "r17_transit_share", "r29_doctors_2013"],
        ..case("liucheng_2013/end_2013_city_report.toml", "fail")
    });
    run(&case("liucheng_2013/mid_2013_progress.toml", "pass"));
}

#[test]
fn the_shipped_packs_lint_clean_with_every_quote_found_in_its_gazette_text() {
    let book = Rulebook::embedded_verified().unwrap_or_else(|e| panic!("{}", e.render()));
    assert_eq!(book.sources.render(&book.warnings), "", "the shipped packs must lint without warnings");
    assert_eq!(
        book.policy_ids(),
        [
            "liucheng_2013",
            "liucheng_2013_county",
            "lucheng_14th",
            "minimum_wage",
            "waste_sorting_targets",
            "waste_volume_reduction",
            "waste_bins",
            "zero_land"
        ]
    );
}

/// The fact sheet a county office fills in: the shared county enum, and each ordered scale (the hospital
/// grade, the sports standing, the title) listed from the lowest to the highest and said to be so.
#[test]
fn the_county_fact_sheet_lists_grades_lowest_first() {
    let zh = crate::common::comply_with_input(&["facts", "--policy", "liucheng_2013_county"], "");
    assert_eq!(zh.code, 0, "{}", zh.stderr);
    assert!(
        zh.stdout.contains("单选（从低到高） {未定级, 一级, 二级乙等, 二级甲等, 三级乙等, 三级甲等}"),
        "{}",
        zh.stdout
    );
    let en = crate::common::comply_with_input(&["facts", "--policy", "liucheng_2013_county", "--lang", "en"], "");
    assert!(en.stdout.contains("one of (lowest first) {未定级, 一级, 二级乙等"), "{}", en.stdout);
    insta::assert_snapshot!("liucheng_2013_county_fact_sheet", zh.stdout);
}

/// A target checked before its due date is not assessed yet, and `outcome` says so: a program that reads
/// `outcome` alone must not take an unmet target that is not yet due for one that does not apply
/// (`skipped`, 不适用). Once due, the outcome is the requirement's.
#[test]
fn a_target_not_yet_due_reads_not_yet_due_never_skipped_in_json() {
    let examples = concat!(env!("CARGO_MANIFEST_DIR"), "/examples");
    let mut seen = 0;
    for case in [
        "liucheng_2013/mid_2013_progress.toml",
        "lucheng_14th/year_2023_mid_plan.toml",
        "waste_sorting_targets/lucheng_november_not_yet_due.toml",
        "liucheng_2013/end_2013_city_report.toml",
    ] {
        let facts = format!("{examples}/{case}");
        let out = crate::common::comply_with_input(&["check", "--facts", &facts, "--format", "json"], "");
        let report: serde_json::Value = serde_json::from_str(&out.stdout).unwrap_or_else(|e| panic!("{case}: {e}"));
        for rule in report["rules"].as_array().unwrap() {
            let (outcome, status) = (rule["outcome"].as_str().unwrap(), rule["target"]["status"].as_str());
            match status {
                Some("not_yet_due" | "on_track" | "behind") => {
                    seen += 1;
                    assert_eq!(outcome, "not_yet_due", "{case}: {}", rule["id"]);
                }
                Some("missed") => assert!(["fail", "refer", "warn"].contains(&outcome), "{case}: {}", rule["id"]),
                Some(_) => assert_ne!(outcome, "skipped", "{case}: {}", rule["id"]),
                // A rule that is no target, or a target whose own `when` does not hold, may still not apply.
                None => {}
            }
        }
    }
    assert!(seen >= 10, "the examples hold targets not yet due: {seen}");
}

/// `lead` and `responsible` name their units in both languages, like every other line a report prints:
/// each unit of a list is a `"中文" en "English"` pair and counts on its own in the progress summary; a
/// unit named in Chinese alone may list several as a table does, a bracket keeping 「各县（市、区）」 whole.
#[test]
fn lead_units_are_named_in_english_in_english_reports_and_counted_one_by_one() {
    let rules = r#"policy units_demo {
  title "示例" en "Example"
  in_force from 2020-01-01
  period report_date
  fact report_date: date { label "数据截止日期" en "Figures as of" }
  fact parks: 个 { label "公园" en "Parks" }
  rule parks_10 {
    title "建成10个公园" en "10 parks built"
    due 2021-12-31
    lead "区财政局" en "District finance bureau", "区税务局" en "District tax bureau"
    responsible "各县（市、区）" en "each county, city and district"
    require parks >= 10 个
  }
  rule parks_5 {
    title "建成5个公园" en "5 parks built"
    due 2021-12-31
    lead "各县（市、区）、区财政局"
    require parks >= 5 个
  }
  rule parks_3 {
    title "建成3个公园" en "3 parks built"
    due 2021-12-31
    lead "甲局、乙局" en "Bureaus A and B"
    require parks >= 3 个
  }
}
"#;
    let case = "as_of = \"2021-06-30\"\n[facts]\nreport_date = \"2021-06-30\"\nparks = 3\n";
    let dir = crate::common::Scratch::new("lead-units", &[("units.rules", rules), ("case.toml", case)]);
    let (rules, facts) = (dir.path("units.rules"), dir.path("case.toml"));
    let check = |lang: &str| {
        let args = ["check", &rules, "--facts", &facts, "--lang", lang];
        let out = crate::common::comply_with_input(&args, "");
        assert_eq!(out.code, 0, "{}", out.stderr);
        out.stdout
    };
    let en = check("en");
    assert!(
        en.contains("lead: District finance bureau, District tax bureau; responsible: each county, city and district"),
        "{en}"
    );
    assert!(en.contains("  District tax bureau: not yet due 1\n"), "{en}");
    let zh = check("zh");
    assert!(zh.contains("牵头单位：区财政局、区税务局；责任单位：各县（市、区）"), "{zh}");
    assert!(
        zh.contains("  区财政局：未到考核时点 2\n  区税务局：未到考核时点 1\n  各县（市、区）：未到考核时点 1\n"),
        "{zh}"
    );
    // A unit named in English too is one unit in both languages: the two summaries count alike.
    assert!(zh.contains("  甲局、乙局：已达到 1\n") && en.contains("  Bureaus A and B: met 1\n"), "{zh}\n{en}");
}

/// A target whose own `when` does not hold does not apply, whether or not the figures' date is given: it
/// is 不适用, never 「无法判断」 in the progress summary, and its outcome stays `skipped`.
#[test]
fn a_target_whose_own_when_fails_does_not_apply_even_without_the_date() {
    let rules = r#"policy when_demo {
  title "示例" en "Example"
  in_force from 2020-01-01
  period report_date
  fact report_date: date { label "数据截止日期" en "Figures as of" }
  fact coastal: bool { label "沿海县" en "Coastal county" }
  fact parks: 个 { label "公园" en "Parks" }
  rule coastal_parks {
    title "沿海县建成10个公园" en "10 parks in a coastal county"
    due 2021-12-31
    when coastal
    require parks >= 10 个
  }
  rule all_parks {
    title "建成5个公园" en "5 parks"
    due 2021-12-31
    require parks >= 5 个
  }
}
"#;
    let case = "as_of = \"2021-06-30\"\n[facts]\ncoastal = false\nparks = 3\n";
    let dir = crate::common::Scratch::new("target-when", &[("when.rules", rules), ("case.toml", case)]);
    let args = ["check", &dir.path("when.rules"), "--facts", &dir.path("case.toml"), "--format", "json"];
    let out = crate::common::comply_with_input(&args, "");
    let report: serde_json::Value = serde_json::from_str(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}", out.stderr));
    let coastal = &report["rules"][0];
    assert_eq!((coastal["outcome"].as_str(), coastal.get("target")), (Some("skipped"), None), "{coastal}");
    // Only the target that applies is counted, as one that cannot be told without the date.
    assert_eq!(report["progress"][0]["counts"], serde_json::json!({"cannot_tell": 1}), "{}", report["progress"]);
}
