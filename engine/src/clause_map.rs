//! The clause map of rules/README.md, generated from the rule files so that it cannot drift from them: for
//! each rule file, every clause a rule, an output or a derived value cites, every clause the reports list as
//! not checked (`not_checked`), and every clause the pack declares it does not encode by a rule
//! (`not_encoded`, with why). `comply clauses --write rules/README.md` rewrites the marked tables in place;
//! a test fails when the file differs from what the rule files give.

use std::fmt::Write as _;
use std::path::Path;

use crate::explain::Lang;
use crate::policy::{Consequence, Policy};

/// The marker that opens a generated table; the rule file's name follows it.
const BEGIN: &str = "<!-- clause map of ";
const BEGIN_TAIL: &str = ": generated from the rule file by `comply clauses --write rules/README.md`; do not edit -->";
const END: &str = "<!-- end of clause map -->";

/// The rule file a policy was read from, without its folder: the key of its table in the README.
pub fn file_key(policy: &Policy) -> String {
    Path::new(policy.file()).file_name().and_then(|n| n.to_str()).unwrap_or(policy.file()).to_string()
}

/// The clause map of the policies of one rule file, as a Markdown table.
pub fn table(policies: &[&Policy]) -> String {
    let mut out = String::from("| Clause | What it says | Encoded as / reason not encoded |\n|---|---|---|\n");
    let several = policies.len() > 1;
    let name = |policy: &Policy, id: &str| {
        if several { format!("`{}.{id}`", policy.id()) } else { format!("`{id}`") }
    };
    let mut row = |clause: &str, what: &str, how: &str| {
        let _ = writeln!(out, "| {} | {} | {} |", cell(clause), cell(what), cell(how));
    };
    for policy in policies {
        for rule in policy.rules() {
            let clause = rule.clause.as_ref().map_or("—", |c| c.reference.as_str());
            let kind = match &rule.consequence {
                Consequence::NotApplicable => "scope: not applicable otherwise",
                Consequence::Fail { .. } => "fail",
                Consequence::Refer { .. } => "refer",
                Consequence::Warn => "warn",
            };
            row(clause, english(&rule.title), &format!("{} ({kind})", name(policy, &rule.id)));
        }
        for derived in policy.derived() {
            let kind = if derived.is_output { "output" } else { "let" };
            for clause in &derived.clauses {
                row(clause, english(&derived.label), &format!("{kind} {}", name(policy, &derived.name)));
            }
        }
        for item in &policy.wording().not_checked {
            row(&item.clause, english(&item.text), "Not checked: listed in every report");
        }
        for item in &policy.wording().administrative {
            if let Some(c) = &item.clause {
                let what = format!("{}: {}", english(&item.label), english(&item.value));
                row(
                    &c.reference,
                    &what,
                    "The procedure (administrative): shown in every report, binds the administration",
                );
            }
        }
        for item in &policy.wording().not_encoded {
            row(&item.clause, &item.what, &item.why);
        }
    }
    out
}

/// Why a README's clause map cannot be rewritten; `render` says it in the reader's language.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MapError {
    /// A table is opened but never closed.
    #[error("the table of {0} has no `{END}` line")]
    NoEnd(String),
    /// A table names a rule file that is not among those loaded.
    #[error("the README has a clause map of {0}, which is not a rule file here")]
    NotHere(String),
    /// Rule files whose table the README lacks.
    #[error("the README has no clause map of {}: add a line `{BEGIN}FILE{BEGIN_TAIL}` and a line `{END}` where it goes", .0.join(", "))]
    Missing(Vec<String>),
}

impl MapError {
    pub fn render(&self, lang: Lang) -> String {
        match (self, lang) {
            (_, Lang::En) => self.to_string(),
            (MapError::NoEnd(key), Lang::Zh) => format!("{key} 的条款对照表没有结束行 `{END}`"),
            (MapError::NotHere(key), Lang::Zh) => format!("README 中有 {key} 的条款对照表，但这里没有这个规则文件"),
            (MapError::Missing(keys), Lang::Zh) => format!(
                "README 中没有 {} 的条款对照表：请在应放的位置加一行 `{BEGIN}FILE{BEGIN_TAIL}` 和一行 `{END}`",
                keys.join("、")
            ),
        }
    }
}

/// `readme` with every marked table replaced by the one its rule file gives; the rule files whose table
/// the README lacks are named in the error.
pub fn update(readme: &str, policies: &[Policy]) -> Result<String, MapError> {
    let mut files: Vec<String> = Vec::new();
    for policy in policies {
        let key = file_key(policy);
        if !files.contains(&key) {
            files.push(key);
        }
    }
    let mut out = String::with_capacity(readme.len());
    let mut rest = readme;
    let mut seen = Vec::new();
    while let Some(start) = rest.find(BEGIN) {
        let (before, from) = rest.split_at(start);
        out.push_str(before);
        let line_end = from.find('\n').map_or(from.len(), |i| i + 1);
        let key = from[BEGIN.len()..line_end].split(':').next().unwrap_or("").trim().to_string();
        let Some(end) = from.find(END) else { return Err(MapError::NoEnd(key)) };
        let own: Vec<&Policy> = policies.iter().filter(|p| file_key(p) == key).collect();
        if own.is_empty() {
            return Err(MapError::NotHere(key));
        }
        let _ = write!(out, "{BEGIN}{key}{BEGIN_TAIL}\n{}", table(&own));
        out.push_str(END);
        seen.push(key);
        rest = &from[end + END.len()..];
    }
    out.push_str(rest);
    let missing: Vec<String> = files.into_iter().filter(|f| !seen.contains(f)).collect();
    if !missing.is_empty() {
        return Err(MapError::Missing(missing));
    }
    Ok(out)
}

/// The map is a maintainer's document written in English: a text's English where the pack gives one.
fn english(text: &crate::syntax::ast::Bilingual) -> &str {
    text.en.as_deref().unwrap_or(&text.zh)
}

/// A table cell: one line, and `|` escaped.
fn cell(text: &str) -> String {
    text.replace('|', "\\|").replace('\n', " ")
}
