//! What a clerk reads in a Chinese report of a shipped example: no programmer identifier of its policy outside
//! the `[rule id]` tag that cross-references the rule file, and every quoted passage found in the gazette text
//! (line breaks removed) as a fragment that starts and ends at a boundary of the text.

use std::collections::BTreeSet;
use std::path::Path;

use comply::Rulebook;
use comply::policy::Policy;

use crate::examples::{cases, check};

/// Identifiers of a policy as a reader could mistake them for words: ASCII names of two or more characters
/// (single letters such as the grade `B` and numbers such as the year `2015` are how the notice writes them).
fn identifiers(policy: &Policy) -> BTreeSet<String> {
    let mut names: Vec<String> = Vec::new();
    names.extend(policy.facts().iter().map(|f| f.name.clone()));
    names.extend(policy.enums().iter().flat_map(|e| e.values.iter().map(|v| v.name.clone())));
    names.extend(policy.tables().iter().map(|t| t.name.clone()));
    names.extend(policy.params().iter().map(|p| p.name.clone()));
    names.extend(policy.derived().iter().map(|d| d.name.clone()));
    names.extend(policy.rules().iter().map(|r| r.id.clone()));
    names.push(policy.id().to_string());
    names
        .into_iter()
        .filter(|n| n.chars().count() >= 2 && n.is_ascii() && n.chars().any(|c| c.is_ascii_alphabetic()))
        .collect()
}

fn is_word_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_'
}

/// Whether `word` occurs in `text` as a whole ASCII word.
fn has_word(text: &str, word: &str) -> bool {
    text.match_indices(word).any(|(i, _)| {
        let before = text[..i].chars().next_back();
        let after = text[i + word.len()..].chars().next();
        !before.is_some_and(is_word_char) && !after.is_some_and(is_word_char)
    })
}

/// The report without its `[rule_id]` tags.
fn without_rule_tags(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(open) = rest.find('[') {
        out.push_str(&rest[..open]);
        match rest[open..].find(']') {
            Some(close) => rest = &rest[open + close + 1..],
            None => {
                rest = &rest[open..];
                break;
            }
        }
    }
    out.push_str(rest);
    out
}

/// Every `原文：“…”` of a report.
fn quotes(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    for (i, _) in text.match_indices("原文：“") {
        let start = i + "原文：“".len();
        if let Some(end) = text[start..].find('”') {
            // A quote may itself contain quotation marks: take the longest span that ends a line or a list.
            let line_end = text[start..].find('\n').map_or(text.len(), |e| start + e);
            let span = &text[start..line_end];
            let quote = span.rfind('”').map_or(&text[start..start + end], |e| &span[..e]);
            let quote = quote.split("”；原文：“").next().unwrap_or(quote);
            out.push(quote.to_string());
        }
    }
    out
}

fn book() -> Rulebook {
    Rulebook::embedded().unwrap_or_else(|e| panic!("the shipped packs load:\n{}", e.render()))
}

#[test]
fn chinese_reports_name_no_identifier_outside_the_rule_tag() {
    let book = book();
    let mut failures = Vec::new();
    for case in cases().into_iter().filter(|c| c.rules.is_none()) {
        let policy = book.policy(&case.policy).unwrap_or_else(|| panic!("{}: no policy", case.path));
        let report = check(&case, &[]).stdout;
        let text = without_rule_tags(&report);
        for name in identifiers(policy) {
            if has_word(&text, &name) {
                failures.push(format!("{}: `{name}`", case.path));
            }
        }
    }
    assert!(failures.is_empty(), "identifiers in Chinese reports:\n{}", failures.join("\n"));
}

#[test]
fn every_printed_quote_is_a_fragment_of_the_gazette() {
    let book = book();
    let rules = Path::new(env!("CARGO_MANIFEST_DIR")).join("rules");
    let mut failures = Vec::new();
    let mut seen = 0;
    for case in cases().into_iter().filter(|c| c.rules.is_none()) {
        let policy = book.policy(&case.policy).unwrap_or_else(|| panic!("{}: no policy", case.path));
        let file = policy.source().file.clone().unwrap_or_else(|| panic!("{}: no source file", case.policy));
        let source = std::fs::read_to_string(rules.join(&file)).unwrap_or_else(|e| panic!("{file}: {e}"));
        let source = comply::check::normalise_quote(&source);
        for quote in quotes(&check(&case, &[]).stdout) {
            seen += 1;
            let wanted = comply::check::normalise_quote(&quote);
            let Some(at) = source.find(&wanted) else {
                failures.push(format!("{}: “{quote}” is not in {file}", case.path));
                continue;
            };
            // A fragment begins after a mark of the text (or at a list item) and ends at one: not mid-word.
            let boundary = |c: Option<char>| {
                c.is_none_or(|c| "。；，：、（）()“”〔〕《》,;:!?！？.".contains(c) || c.is_ascii_digit())
            };
            let before = source[..at].chars().next_back();
            let after = source[at + wanted.len()..].chars().next();
            let closes = wanted.chars().next_back().is_some_and(|c| "。；，）)”%".contains(c));
            if !(boundary(before) || wanted.starts_with('“')) || !(boundary(after) || closes) {
                failures.push(format!(
                    "{}: “{quote}” is cut mid-sentence (…{}|{}…)",
                    case.path,
                    before.unwrap_or(' '),
                    after.unwrap_or(' ')
                ));
            }
        }
    }
    assert!(seen >= 20, "expected quotes in the failing examples' reports, found {seen}");
    assert!(failures.is_empty(), "quotes that are not whole fragments of the source:\n{}", failures.join("\n"));
}
