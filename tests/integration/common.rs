//! Shared by the property tests: every policy the engine's invariants are checked over.

use comply::Rulebook;
use comply::policy::Policy;

/// The shipped packs and the example policies under `examples/`.
pub fn shipped_and_example_policies() -> Vec<Policy> {
    let mut out: Vec<Policy> = Rulebook::embedded().unwrap().policies().to_vec();
    let examples = std::path::Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/examples"));
    let book =
        Rulebook::load_path(examples).unwrap_or_else(|e| panic!("the example policies must load:\n{}", e.render()));
    out.extend(book.policies().iter().cloned());
    assert!(out.len() >= 8, "expected the shipped and example policies, found {}", out.len());
    out
}
