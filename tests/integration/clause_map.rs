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
    assert!(error.contains("zero_land.rules"), "{error}");
}
