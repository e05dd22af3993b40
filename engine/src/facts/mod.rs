//! Reading a case's facts (TOML or JSON, and single CSV cells) against a policy's declared facts.
//! Every value is checked for its type, unit, sign and allowed values; nothing undeclared passes silently.

pub mod case;
mod codec;
pub mod describe;
mod error;
pub mod locate;
mod syntax;
mod write;

use crate::eval::{FactSet, FactValue};
use crate::policy::{FactDef, Policy};
use std::str::FromStr;

pub use case::Case;
use codec::Given;
pub use codec::{SET_SEPARATORS, halfwidth, parse_number, read_answer, same};
pub use error::{Accepted, FactError, NumberProblem};
pub use syntax::SyntaxError;
pub use write::{UNKNOWN_COMMENT, enum_name, fact_file, value_cell, value_json, value_toml};

/// Fact files larger than this are refused before they are read (`--max-input-bytes` overrides it): a fact
/// file is a few hundred bytes, and a runaway file must not take the machine's memory.
pub const MAX_FACT_FILE_BYTES: u64 = 1 << 20;

/// A value as a fact file wrote it, before it meets the fact's declared type.
#[derive(Debug, Clone, PartialEq)]
pub enum Raw {
    Bool(bool),
    /// A number, kept as its decimal text so that nothing is rounded on the way in.
    Number(String),
    Text(String),
    List(Vec<Raw>),
    /// Rows of a list of records (`[[facts.county]]` tables, or a JSON array of objects): each row names its
    /// record by the key (`county = "鹿城区"`) and gives that record's values by list name.
    Records(Vec<Vec<(String, Raw)>>),
}

impl Raw {
    pub(crate) fn describe(&self) -> String {
        match self {
            Raw::Bool(b) => b.to_string(),
            Raw::Number(n) => n.clone(),
            Raw::Text(t) => format!("\"{t}\""),
            Raw::List(items) => format!("[{}]", items.iter().map(Raw::describe).collect::<Vec<_>>().join(", ")),
            Raw::Records(rows) => format!("[{} 条记录]", rows.len()),
        }
    }
}

/// A parsed fact file: which policy and date it asks about (both optional) and its raw facts in order.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct FactFile {
    pub policy: Option<String>,
    pub as_of: Option<String>,
    pub facts: Vec<(String, Raw)>,
    /// The `[expect]` table of a stored test case, if any (read by `comply test`).
    pub expect: Option<serde_json::Value>,
    /// The `[case]` block: 案号, 申请人, 统一社会信用代码, 承办人, 备注.
    pub case: Option<Case>,
}

/// Reads a fact file; `name` decides the format (`.json`, in any case, is JSON; anything else TOML).
pub fn read_file(name: &str, text: &str) -> Result<FactFile, FactError> {
    let document: serde_json::Value = if name.to_ascii_lowercase().ends_with(".json") {
        serde_json::from_str(text).map_err(|e| FactError::Syntax(Box::new(SyntaxError::json(text, &e))))?
    } else {
        let document =
            toml_edit::ImDocument::parse(text).map_err(|e| FactError::Syntax(Box::new(SyntaxError::toml(text, &e))))?;
        table_to_json(document.as_table(), text)
    };
    let top = match document {
        serde_json::Value::Object(top) => top,
        other => return Err(FactError::NotATable { key: "", found: shape(&other) }),
    };
    let mut file = FactFile::default();
    for (key, value) in top {
        match key.as_str() {
            "policy" => file.policy = Some(as_plain_string(&key, value)?),
            "as_of" => file.as_of = Some(as_plain_string(&key, value)?),
            "expect" => file.expect = Some(value),
            "case" => file.case = Some(case::read(value).map_err(FactError::Case)?),
            "facts" => {
                let facts = match value {
                    serde_json::Value::Object(facts) => facts,
                    other => return Err(FactError::NotATable { key: "facts", found: shape(&other) }),
                };
                for (name, value) in facts {
                    if let Some(raw) = json_to_raw(value) {
                        file.facts.push((name, raw));
                    }
                }
            }
            _ => return Err(FactError::UnknownKey { key }),
        }
    }
    Ok(file)
}

fn as_plain_string(key: &str, value: serde_json::Value) -> Result<String, FactError> {
    match value {
        serde_json::Value::String(s) => Ok(s),
        other => Err(FactError::NotAString { key: key.to_string(), found: other.to_string() }),
    }
}

/// A misplaced value as the reader wrote it (in JSON notation), cut short so that a whole file is not echoed.
fn shape(value: &serde_json::Value) -> String {
    let text = value.to_string();
    match text.char_indices().nth(40) {
        Some((cut, _)) => format!("{}…", &text[..cut]),
        None => text,
    }
}

/// A TOML table as JSON, with every number as the text the file wrote: a bare `1859.9999999999999999` must not
/// pass through a float on its way in.
fn table_to_json(table: &toml_edit::Table, text: &str) -> serde_json::Value {
    serde_json::Value::Object(table.iter().map(|(k, item)| (k.to_string(), item_to_json(item, text))).collect())
}

fn item_to_json(item: &toml_edit::Item, text: &str) -> serde_json::Value {
    use toml_edit::Item;
    match item {
        Item::None => serde_json::Value::Null,
        Item::Value(v) => value_to_json(v, text),
        Item::Table(t) => table_to_json(t, text),
        Item::ArrayOfTables(a) => serde_json::Value::Array(a.iter().map(|t| table_to_json(t, text)).collect()),
    }
}

fn value_to_json(value: &toml_edit::Value, text: &str) -> serde_json::Value {
    use serde_json::Value as J;
    use toml_edit::Value as V;
    match value {
        V::String(s) => J::String(s.value().clone()),
        V::Integer(i) => J::Number((*i.value()).into()),
        V::Float(f) => {
            let written = f.span().and_then(|s| text.get(s)).map(|t| t.trim().replace('_', ""));
            // The number as written; `inf` and `nan` are no JSON number, so they stay text and are refused.
            let written = written.unwrap_or_else(|| f.value().to_string());
            serde_json::Number::from_str(&written).map_or(J::String(written), J::Number)
        }
        V::Boolean(b) => J::Bool(*b.value()),
        V::Datetime(d) => J::String(d.value().to_string()),
        V::Array(items) => J::Array(items.iter().map(|v| value_to_json(v, text)).collect()),
        V::InlineTable(t) => J::Object(t.iter().map(|(k, v)| (k.to_string(), value_to_json(v, text))).collect()),
    }
}

/// `null` is an explicitly unknown fact and yields no value.
pub fn json_to_raw(value: serde_json::Value) -> Option<Raw> {
    use serde_json::Value as J;
    Some(match value {
        J::Null => return None,
        J::Bool(b) => Raw::Bool(b),
        J::Number(n) => Raw::Number(n.to_string()),
        J::String(s) => Raw::Text(s),
        J::Array(items) if !items.is_empty() && items.iter().all(serde_json::Value::is_object) => Raw::Records(
            items
                .into_iter()
                .map(|row| match row {
                    J::Object(fields) => fields.into_iter().filter_map(|(k, v)| Some((k, json_to_raw(v)?))).collect(),
                    _ => Vec::new(),
                })
                .collect(),
        ),
        J::Array(items) => Raw::List(items.into_iter().filter_map(json_to_raw).collect()),
        J::Object(_) => Raw::Text(value.to_string()),
    })
}

/// The rows of lists of records as the facts they are: `[[facts.county]]` with `county = "鹿城区"` and
/// `rate = 96` gives `rate_鹿城区 = 96`. The key is read like any enum value (labels and `aka` spellings
/// too); a row without it, or a record given twice, is refused rather than guessed.
pub fn records(policy: &Policy, facts: &[(String, Raw)]) -> Result<Vec<(String, Raw)>, FactError> {
    let mut out = Vec::with_capacity(facts.len());
    for (name, raw) in facts {
        let Raw::Records(rows) = raw else {
            out.push((name.clone(), raw.clone()));
            continue;
        };
        let Some(key) = policy.enums.iter().position(|e| e.name.as_deref() == Some(name.as_str())) else {
            let keys: Vec<String> = policy.enums.iter().filter_map(|e| e.name.clone()).collect();
            return Err(FactError::Undeclared {
                name: name.clone(),
                policy: policy.id.clone(),
                suggestion: crate::check::did_you_mean(name, &keys),
            });
        };
        let mut seen = Vec::new();
        for (row, fields) in rows.iter().enumerate() {
            let given = fields.iter().find(|(k, _)| k == name).map(|(_, v)| v);
            let value = match given {
                Some(Raw::Text(text)) => codec::enum_value_of(policy, (name, "记录"), key as u16, text)?,
                Some(other) => codec::enum_value_of(policy, (name, "记录"), key as u16, &other.describe())?,
                None => {
                    let example = policy.enums[key].values.first().map(|v| v.name.clone()).unwrap_or_default();
                    return Err(FactError::RecordWithoutKey { key: name.clone(), row: row + 1, example });
                }
            };
            let record = &policy.enums[key].values[value as usize].name;
            if seen.contains(&value) {
                return Err(FactError::RecordTwice { key: name.clone(), record: record.clone() });
            }
            seen.push(value);
            for (field, raw) in fields.iter().filter(|(k, _)| k != name) {
                let is_list =
                    |f: &FactDef| f.record.as_ref().is_some_and(|r| r.key as usize == key && r.list == *field);
                if !policy.facts.iter().any(is_list) {
                    let lists: Vec<String> = policy
                        .facts
                        .iter()
                        .filter_map(|f| f.record.as_ref().filter(|r| r.key as usize == key && r.value == 0))
                        .map(|r| r.list.clone())
                        .collect();
                    return Err(FactError::RecordField {
                        key: name.clone(),
                        record: record.clone(),
                        field: field.clone(),
                        suggestion: crate::check::did_you_mean(field, &lists),
                        fields: lists,
                    });
                }
                out.push((format!("{field}_{record}"), raw.clone()));
            }
        }
    }
    Ok(out)
}

/// A value given in another time base and converted by a law the pack cites (`convert`): what was given,
/// what it was read as, and which of the policy's conversions were applied, in order.
#[derive(Debug, Clone, PartialEq)]
pub struct Converted {
    pub fact: String,
    pub given: crate::units::Quantity,
    pub value: crate::units::Quantity,
    /// Indices into `Policy::conversions`.
    pub used: Vec<usize>,
    /// False when the quotient does not terminate and was rounded at 28 significant digits.
    pub exact: bool,
}

/// The facts of a file that were given in another time base and converted by law, for the report.
pub fn conversions(policy: &Policy, facts: &[(String, Raw)]) -> Vec<Converted> {
    facts
        .iter()
        .filter_map(|(name, raw)| {
            let fact = &policy.facts[policy.fact_index(name)? as usize];
            match raw {
                Raw::Text(text) => codec::converted(policy, fact, text),
                _ => None,
            }
        })
        .collect()
}

/// Checks raw facts against a policy and fills its slots.
pub fn bind(policy: &Policy, facts: &[(String, Raw)]) -> Result<FactSet, FactError> {
    let mut set = FactSet::empty(policy);
    for (name, raw) in &records(policy, facts)? {
        let list = policy.facts.iter().find_map(|f| f.record.as_ref().filter(|r| r.list == *name));
        if let Some(list) = list {
            let key = policy.enum_def(list.key).name.clone().unwrap_or_default();
            return Err(FactError::ListGivenAsOne { name: name.clone(), key });
        }
        let Some(id) = policy.fact_index(name) else {
            let names: Vec<String> = policy.facts.iter().map(|f| f.name.clone()).collect();
            return Err(FactError::Undeclared {
                name: name.clone(),
                policy: policy.id.clone(),
                suggestion: crate::check::did_you_mean(name, &names),
            });
        };
        let fact = &policy.facts[id as usize];
        set.set(id, Some(coerce(policy, fact, raw)?));
    }
    Ok(set)
}

/// Reads one value of a fact. An empty text (a blank CSV cell) is not a value: callers treat it as unknown.
pub fn coerce(policy: &Policy, fact: &FactDef, raw: &Raw) -> Result<FactValue, FactError> {
    let given = match raw {
        Raw::Bool(b) => Given::Bool(*b),
        Raw::Number(n) => Given::Number(n),
        Raw::Text(t) => Given::Text(t),
        Raw::List(items) => Given::List(items),
        Raw::Records(_) => Given::Text("[…]"),
    };
    codec::read(policy, fact, given)
}

/// Reads one CSV cell without copying it first; a blank cell is the caller's unknown.
pub fn coerce_cell(policy: &Policy, fact: &FactDef, cell: &str) -> Result<FactValue, FactError> {
    codec::read(policy, fact, Given::Text(cell))
}
