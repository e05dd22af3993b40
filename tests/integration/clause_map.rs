//! rules/README.md's clause map is generated from the rule files (`comply clauses --write rules/README.md`):
//! it fails here as soon as a rule, a `not_checked` or a `not_encoded` line changes without it.

use comply::{Rulebook, clause_map};

const README: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/rules/README.md");

#[test]
fn the_clause_map_in_rules_readme_is_the_one_the_rule_files_give() {
    let readme = std::fs::read_to_string(README).expect("rules/README.md");
    let book = Rulebook::embedded().expect("shipped packs");
    let fresh = clause_map::update(&readme, book.policies()).unwrap_or_else(|e| panic!("rules/README.md: {e}"));
    assert!(
        fresh == readme,
        "rules/README.md's clause map is stale: run `cargo run -- clauses --write rules/README.md` and commit it"
    );
    // Every rule of every pack is in it, by id.
    for policy in book.policies() {
        for rule in policy.rules() {
            assert!(readme.contains(&format!("{}` (", rule.id)), "{} is not in the clause map", rule.id);
        }
    }
}

#[test]
fn a_stale_table_is_noticed_and_a_missing_one_named() {
    let readme = std::fs::read_to_string(README).expect("rules/README.md");
    let book = Rulebook::embedded().expect("shipped packs");
    let edited = readme.replacen("| `mezzanine_height` (fail) |", "| `mezzanine_height` (refer) |", 1);
    assert_ne!(edited, readme, "the row to edit is in the README");
    assert_eq!(clause_map::update(&edited, book.policies()).as_deref(), Ok(readme.as_str()));
    let start = readme.find("<!-- clause map of zero_land.rules").expect("zero_land's table");
    let end = start + readme[start..].find("<!-- end of clause map -->").expect("its end") + 26;
    let without = format!("{}{}", &readme[..start], &readme[end..]);
    let error = clause_map::update(&without, book.policies()).expect_err("a missing table is an error");
    assert!(error.render(comply::explain::Lang::En).contains("zero_land.rules"), "{error}");
    assert!(
        error.render(comply::explain::Lang::Zh).starts_with("README 中没有 zero_land.rules 的条款对照表"),
        "{error}"
    );
}

/// `comply clauses` speaks the reader's language like every other command: Chinese unless `--lang en`
/// (the tables stay English: the README they go into is a maintainer's document in English).
#[test]
fn clauses_says_what_it_did_in_chinese_unless_asked_for_english() {
    let readme = std::fs::read_to_string(README).expect("rules/README.md");
    let dir = std::env::temp_dir().join(format!("comply-clauses-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let stale = dir.join("stale.md");
    std::fs::write(&stale, readme.replacen("| `mezzanine_height` (fail) |", "| `mezzanine_height` (refer) |", 1))
        .unwrap();
    let start = readme.find("<!-- clause map of zero_land.rules").expect("zero_land's table");
    let end = start + readme[start..].find("<!-- end of clause map -->").expect("its end") + 26;
    let lacking = dir.join("lacking.md");
    std::fs::write(&lacking, format!("{}{}", &readme[..start], &readme[end..])).unwrap();
    let run = |file: &std::path::Path, lang: &[&str]| {
        let args = [&["clauses", "--write", file.to_str().unwrap()][..], lang].concat();
        crate::common::comply_with_input(&args, "")
    };
    let rewritten = run(&stale, &[]);
    assert_eq!(
        (rewritten.code, rewritten.stderr.ends_with("：已按规则文件改写条款对照表\n")),
        (0, true),
        "{}",
        rewritten.stderr
    );
    assert_eq!(std::fs::read_to_string(&stale).unwrap(), readme);
    let refused = run(&lacking, &[]);
    assert_eq!(refused.code, 2);
    assert!(refused.stderr.contains("README 中没有 zero_land.rules 的条款对照表"), "{}", refused.stderr);
    let refused = run(&lacking, &["--lang", "en"]);
    assert!(refused.stderr.contains("the README has no clause map of zero_land.rules"), "{}", refused.stderr);
    let missing = run(&dir.join("absent.md"), &[]);
    assert!(missing.stderr.starts_with("无法读取 `"), "{}", missing.stderr);
    let _ = std::fs::remove_dir_all(&dir);
}
