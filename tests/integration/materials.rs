//! `comply facts`: the list of materials (申请材料清单) a firm brings, read from the facts' `evidence`, and
//! when each document is needed, in both languages and as JSON; the printable HTML is in `printable.rs`.

use crate::common::comply_with_input;

fn facts(args: &[&str]) -> String {
    let out = comply_with_input(&[&["facts", "--policy", "zero_land"][..], args].concat(), "");
    assert_eq!(out.code, 0, "{}", out.stderr);
    out.stdout
}

#[test]
fn zero_land_materials_in_chinese() {
    let text = facts(&[]);
    let (list, fields) = text.split_once("事实文件字段：").expect("the list, then the fact file's fields");
    assert!(fields.contains("structural_appraisal"), "{fields}");
    // The notice's and the 解读's documents, each once.
    for document in [
        "不动产权证书",
        "土地使用权证和房屋所有权证",
        "“亩均论英雄”评价结果",
        "达到预设工业项目准入标准的承诺书",
        "第三方出具的原建筑结构安全鉴定结果",
        "环境影响登记表",
    ] {
        assert_eq!(list.matches(document).count(), 1, "{document} should be listed once:\n{list}");
    }
    insta::assert_snapshot!(text);
}

#[test]
fn zero_land_materials_in_english() {
    insta::assert_snapshot!(facts(&["--lang", "en"]));
}

#[test]
fn zero_land_materials_as_json() {
    let json: serde_json::Value = serde_json::from_str(&facts(&["--format", "json"])).expect("JSON");
    let items = json["items"].as_array().expect("items");
    let appraisal = items.iter().find(|i| i["facts"][0] == "structural_appraisal").expect("the appraisal is listed");
    // Derived from the rule's own `when`: only a project adding storeys needs it.
    assert_eq!(appraisal["always"], false);
    assert_eq!(appraisal["when"][0], "技改内容包含加层");
    let grade = items.iter().find(|i| i["document"] == "“亩均论英雄”评价结果").expect("the grade is listed");
    assert_eq!(grade["facts"], serde_json::json!(["mu_grade", "low_efficiency_rectification", "tax_per_mu"]));
    assert_eq!(grade["always"], true);
}

#[test]
fn a_pack_without_evidence_says_so() {
    let out = comply_with_input(&["facts", "--policy", "waste_bins"], "");
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(out.stdout.contains("申请材料清单") && out.stdout.contains("本规则包未列出任何证明材料"), "{}", out.stdout);
    assert!(out.stdout.contains("事实文件字段"), "the fact file's fields are still listed:\n{}", out.stdout);
    // A pack of targets has no applicant and no documents to bring: it is missing the figures' sources.
    let out = comply_with_input(&["facts", "--policy", "waste_sorting_targets"], "");
    assert!(
        out.stdout.contains("所需数据及来源清单") && out.stdout.contains("本规则包未列出任何数据的来源"),
        "{}",
        out.stdout
    );
    assert!(!out.stdout.contains("申请") && !out.stdout.contains("证明材料"), "{}", out.stdout);
}

/// A pack of targets lists the figures a district reports and where each comes from, titled so (never
/// 申请材料清单: there is no applicant), and needed whatever the date: progress before the due date is
/// measured on the same figures. The printable list is signed by the unit that reports them.
#[test]
fn a_target_pack_lists_its_figures_and_their_sources() {
    let rules = concat!(env!("CARGO_MANIFEST_DIR"), "/examples/features/plan_targets.rules");
    let list = |args: &[&str]| {
        let out = comply_with_input(&[&["facts", rules, "--policy", "plan_targets"][..], args].concat(), "");
        assert_eq!(out.code, 0, "{}", out.stderr);
        out.stdout
    };
    let text = list(&[]);
    assert!(text.starts_with("示例市民生实事重点工作（2013年）所需数据及来源清单\n"), "{text}");
    assert!(!text.contains("申请") && !text.contains("数据截止日期不早于"), "{text}");
    insta::assert_snapshot!(text);
    let html = list(&["--format", "html"]);
    assert!(html.contains("<p>填报单位：</p>") && !html.contains("申请人"), "{html}");
    let json: serde_json::Value = serde_json::from_str(&list(&["--format", "json"])).expect("JSON");
    assert_eq!(json["targets"], true);
    assert!(json["items"].as_array().unwrap().iter().all(|i| i["always"] == true), "{json}");
}

/// Over every shipped and example policy: each fact naming a document is in exactly one entry, and each
/// entry says when it is needed (always, or at least one case).
#[test]
fn every_evidence_fact_is_listed_once_with_when_it_is_needed() {
    for policy in crate::common::shipped_and_example_policies() {
        for lang in [comply::explain::Lang::Zh, comply::explain::Lang::En] {
            let list = comply::explain::materials::materials(&policy, lang);
            for fact in policy.facts().iter().filter(|f| f.evidence.is_some()) {
                let entries = list.items.iter().filter(|i| i.facts.contains(&fact.name)).count();
                assert_eq!(entries, 1, "{}: {} is in {entries} entries", policy.id(), fact.name);
            }
            for item in &list.items {
                assert!(item.always == item.when.is_empty(), "{}: {} says neither or both", policy.id(), item.document);
            }
        }
    }
}
