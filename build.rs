//! One test per example case: every fact file under examples/ becomes a `#[test]` in the integration
//! binary (tests/integration/examples.rs includes the list), so adding a case file adds a test.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

fn main() {
    println!("cargo:rerun-if-changed=examples");
    let root = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").unwrap_or_default());
    let mut cases = Vec::new();
    collect(&root.join("examples"), &mut cases);
    cases.sort();
    let mut out = String::new();
    for path in &cases {
        let relative = path.strip_prefix(&root).unwrap_or(path);
        let relative: Vec<String> =
            relative.components().map(|c| c.as_os_str().to_string_lossy().into_owned()).collect();
        let relative = relative.join("/");
        let name: String = relative
            .trim_start_matches("examples/")
            .chars()
            .map(|c| if c.is_ascii_alphanumeric() { c.to_ascii_lowercase() } else { '_' })
            .collect();
        let _ = writeln!(out, "#[test]\nfn {name}() {{\n    super::run_case({relative:?});\n}}");
    }
    let target = PathBuf::from(std::env::var("OUT_DIR").unwrap_or_default()).join("example_cases.rs");
    if let Err(e) = std::fs::write(&target, out) {
        println!("cargo:warning=cannot write {}: {e}", target.display());
    }
}

/// Fact files (`*.toml`, `*.json`) in a policy's folder: `examples/<policy>/` or `examples/features/<policy>/`.
fn collect(dir: &Path, cases: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            collect(&path, cases);
        } else if path.extension().is_some_and(|e| e == "toml" || e == "json") {
            cases.push(path);
        }
    }
}
