//! Parser robustness: arbitrary and mutated rule files and fact files reach the loader, which must answer
//! with errors, never a panic.
//!
//! The default case count is small so that `cargo test` stays fast. A long run:
//!
//! ```text
//! PROPTEST_CASES=200000 cargo test --release --test integration robustness
//! ```

use comply::Rulebook;
use proptest::prelude::*;

fn shipped() -> Vec<(String, String)> {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/rules");
    let mut files: Vec<(String, String)> = std::fs::read_dir(dir)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "rules"))
        .map(|p| (p.display().to_string(), std::fs::read_to_string(&p).unwrap()))
        .collect();
    files.sort();
    assert!(!files.is_empty(), "no shipped rule files found in {dir}");
    files
}

/// Source quotes are read from the real `rules/sources` folder so that quote checks run too.
fn load(name: &str, text: &str) {
    let read = |rule_file: &str, path: &str| {
        let base = std::path::Path::new(rule_file).parent().unwrap_or(std::path::Path::new("."));
        std::fs::read_to_string(base.join(path))
            .map_err(|e| comply::check::SourceProblem::Read(comply::limits::ReadProblem::Io(e.to_string())))
    };
    let result = Rulebook::from_texts(vec![(name.to_string(), text.to_string())], &read);
    match &result {
        Err(error) => {
            // Rendering the diagnostics is part of what a user sees; it must not panic either.
            let rendered = error.render();
            assert!(error.diagnostics.iter().any(|d| d.is_error()), "refused without an error:\n{rendered}");
            for d in &error.diagnostics {
                // C000 is an internal error: the grammar and the builder disagree, a bug whatever the input.
                assert_ne!(d.code, "C000", "internal error on input:\n{rendered}\n--- input\n{text}");
                let (start, end) = (d.span.start as usize, d.span.end as usize);
                assert!(start <= end && end <= text.len(), "{}: span {start}..{end} outside the text", d.code);
                assert!(rendered.contains(&format!("[{}]", d.code)), "{} is not shown:\n{rendered}", d.code);
            }
        }
        Ok(book) => {
            // What loads evaluates: every policy gives a verdict on no facts and on the shipped case below.
            for policy in book.policies() {
                let facts = comply::eval::FactSet::empty(policy);
                let report =
                    comply::explain::report(policy, &facts, "2020-06-01".parse().unwrap(), comply::explain::Lang::Zh);
                assert_eq!(report.policy, policy.id());
            }
        }
    }
}

/// Snaps a byte offset down to a char boundary.
fn boundary(text: &str, at: usize) -> usize {
    let mut at = at % (text.len() + 1);
    while !text.is_char_boundary(at) {
        at -= 1;
    }
    at
}

const SNIPPETS: &[&str] = &[
    "policy",
    "rule",
    "fact",
    "let",
    "output",
    "table",
    "param",
    "property increasing",
    "when",
    "require",
    "otherwise",
    "fail",
    "refer",
    "warn",
    "not_applicable",
    "{",
    "}",
    "(",
    ")",
    "（以下）",
    "（大于）",
    ">=",
    "<",
    "=>",
    "_",
    ",",
    "\"",
    "\"灵昆街道\"",
    "10 万元/亩",
    "1e400",
    "99999999999999999999999999999999",
    "0",
    "2015-13-45",
    "2020-01-08",
    "元/月/月",
    "m²/亩",
    "%",
    "‰",
    "/",
    "*",
    "-",
    "if",
    "then",
    "else",
    "and",
    "or",
    "not",
    "in",
    "has",
    "has any",
    "has only",
    "min(",
    "max(",
    "sum(",
    "as_of",
    "\n",
    "#",
    "“",
    "ℵ",
    "\u{0}",
    "enum {",
    "set of {",
    "count",
    "bool",
    "date",
    "text",
];

#[derive(Debug, Clone)]
enum Mutation {
    Delete(usize, usize),
    Duplicate(usize, usize, usize),
    Swap(usize, usize, usize, usize),
    Insert(usize, usize),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    let n = any::<usize>;
    prop_oneof![
        (n(), 0usize..200).prop_map(|(a, len)| Mutation::Delete(a, len)),
        (n(), 0usize..200, n()).prop_map(|(a, len, to)| Mutation::Duplicate(a, len, to)),
        (n(), 0usize..120, n(), 0usize..120).prop_map(|(a, la, b, lb)| Mutation::Swap(a, la, b, lb)),
        (n(), 0..SNIPPETS.len()).prop_map(|(a, s)| Mutation::Insert(a, s)),
    ]
}

fn apply(text: &str, m: &Mutation) -> String {
    let range = |a: usize, len: usize| {
        let start = boundary(text, a);
        (start, boundary(text, start.saturating_add(len).min(text.len())))
    };
    match *m {
        Mutation::Delete(a, len) => {
            let (s, e) = range(a, len);
            format!("{}{}", &text[..s], &text[e..])
        }
        Mutation::Duplicate(a, len, to) => {
            let (s, e) = range(a, len);
            let to = boundary(text, to);
            format!("{}{}{}", &text[..to], &text[s..e], &text[to..])
        }
        Mutation::Swap(a, la, b, lb) => {
            let (s1, e1) = range(a, la);
            let (s2, e2) = range(b, lb);
            let ((s1, e1), (s2, e2)) = if s1 <= s2 { ((s1, e1), (s2, e2)) } else { ((s2, e2), (s1, e1)) };
            if e1 > s2 {
                return text.to_string();
            }
            format!("{}{}{}{}{}", &text[..s1], &text[s2..e2], &text[e1..s2], &text[s1..e1], &text[e2..])
        }
        Mutation::Insert(a, s) => {
            let at = boundary(text, a);
            format!("{}{}{}", &text[..at], SNIPPETS[s], &text[at..])
        }
    }
}

const FACT_FILE: &str = r#"policy = "zero_land"
as_of = "2020-06-01"

[facts]
in_zone = true
industrial_enterprise = true
project_kinds = ["rebuild", "mezzanine"]
ground_floor_height = "6.5 m"
tax_per_mu = "12 万元/亩"
mu_grade = "B"
building_density = 60
service_land_area = "0.5 亩"
total_land_area = "1 公顷"
"#;

fn check_fact_file(name: &str, text: &str, book: &Rulebook) {
    let file = match comply::facts::read_file(name, text) {
        Ok(file) => file,
        Err(error) => {
            // A file that does not parse is refused as a whole, naming its format (and the line, if known).
            let message = error.render(comply::explain::Lang::En);
            assert!(message.contains("TOML") || message.contains("JSON") || message.contains('`'), "{message}");
            return;
        }
    };
    for policy in book.policies() {
        match comply::facts::bind(policy, &file.facts) {
            Ok(facts) => {
                let as_of = "2020-06-01".parse().unwrap();
                let report = comply::explain::report(policy, &facts, as_of, comply::explain::Lang::Zh);
                assert_eq!(report.policy, policy.id());
            }
            Err(error) => {
                // A bad value is refused naming the fact it was given for, in both languages.
                for lang in [comply::explain::Lang::En, comply::explain::Lang::Zh] {
                    let message = error.render(lang);
                    let named = file.facts.iter().any(|(k, _)| message.contains(&format!("`{k}`")));
                    assert!(named, "the message names no fact of the file: {message}");
                }
            }
        }
    }
}

fn book() -> &'static Rulebook {
    static BOOK: std::sync::OnceLock<Rulebook> = std::sync::OnceLock::new();
    BOOK.get_or_init(|| Rulebook::embedded().unwrap())
}

fn config() -> ProptestConfig {
    // PROPTEST_CASES overrides this default for long runs.
    ProptestConfig { cases: crate::common::proptest_cases(64), ..ProptestConfig::default() }
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn mutated_rule_files_never_panic(file in 0usize..16, mutations in prop::collection::vec(mutation(), 1..6)) {
        let files = shipped();
        let (name, text) = &files[file % files.len()];
        let mut text = text.clone();
        for m in &mutations {
            text = apply(&text, m);
        }
        load(name, &text);
    }

    #[test]
    fn arbitrary_rule_text_never_panics(text in "\\PC{0,400}") {
        load("arbitrary.rules", &text);
    }

    #[test]
    fn token_soup_never_panics(tokens in prop::collection::vec(0..SNIPPETS.len(), 0..80)) {
        let text: Vec<&str> = tokens.iter().map(|t| SNIPPETS[*t]).collect();
        load("soup.rules", &format!("policy p {{ {} }}", text.join(" ")));
    }

    #[test]
    fn mutated_fact_files_never_panic(mutations in prop::collection::vec(mutation(), 0..5), json in any::<bool>()) {
        let book = book();
        let mut text = FACT_FILE.to_string();
        if json {
            let value: toml::Value = toml::from_str(FACT_FILE).unwrap();
            text = serde_json::to_string_pretty(&value).unwrap();
        }
        for m in &mutations {
            text = apply(&text, m);
        }
        check_fact_file(if json { "case.json" } else { "case.toml" }, &text, book);
    }

    #[test]
    fn arbitrary_fact_text_never_panics(text in "\\PC{0,300}", json in any::<bool>()) {
        let book = book();
        check_fact_file(if json { "case.json" } else { "case.toml" }, &text, book);
    }
}

/// Found by the long run (two `Duplicate` mutations of minimum_wage.rules): a parameter whose own period
/// names it through a pasted `if`. An index panic in the checker at the time; now a C023 error.
#[test]
fn regression_parameter_naming_itself() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/robustness/duplicate_in_minimum_wage.rules");
    let text = std::fs::read_to_string(path).unwrap();
    load(path, &text);
    let no_sources =
        |_: &str, _: &str| Err(comply::check::SourceProblem::Read(comply::limits::ReadProblem::Io("none".into())));
    let result = Rulebook::from_texts(vec![(path.to_string(), text)], &no_sources);
    assert!(result.is_err(), "a circular parameter must be refused");
}
