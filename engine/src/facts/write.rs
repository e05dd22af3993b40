//! The one fact-file writer and the value encoder beside it: what `ask --save`, `diff`'s examples and
//! generated cases write is read back by the value reader to the same facts.

use jiff::civil::Date;
use rust_decimal::Decimal;

use crate::eval::{FactSet, FactValue};
use crate::policy::{FactDef, FactId, Policy, Type};
use crate::units::Unit;

/// A fact file for `facts`. With a comment, it goes on top; without one, the unknown facts are listed at
/// the end so that a reader sees they were left out on purpose.
pub fn fact_file(policy: &Policy, as_of: Option<Date>, facts: &FactSet, comment: Option<&str>) -> String {
    let mut out = String::new();
    if let Some(comment) = comment {
        for line in comment.lines() {
            out.push_str(&format!("# {line}\n"));
        }
    }
    out.push_str(&format!("policy = {}\n", quoted(&policy.id)));
    if let Some(d) = as_of {
        out.push_str(&format!("as_of = \"{d}\"\n"));
    }
    out.push_str("\n[facts]\n");
    let mut unknown = Vec::new();
    for (i, def) in policy.facts.iter().enumerate() {
        match facts.get(i as FactId) {
            Some(v) => out.push_str(&format!("{} = {}\n", key(&def.name), value_toml(policy, def, v))),
            None => unknown.push(def.name.as_str()),
        }
    }
    if !unknown.is_empty() && comment.is_none() {
        out.push_str(&format!("{UNKNOWN_COMMENT}{}\n", unknown.join(", ")));
    }
    out
}

/// A fact's name as a TOML key: bare where TOML allows it (ASCII letters, digits, `_`, `-`), quoted otherwise,
/// so that a record of a list (`energy_centres_鹿城区`) or a fact named in Chinese reads back.
fn key(name: &str) -> String {
    if !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-') {
        name.to_string()
    } else {
        quoted(name)
    }
}

/// The comment naming the facts a written file leaves unknown (`comply diff` says it in Chinese).
pub const UNKNOWN_COMMENT: &str = "# unknown: ";

fn quoted(s: &str) -> String {
    toml::Value::String(s.to_string()).to_string()
}

/// One value as it is written in a TOML fact file.
pub fn value_toml(policy: &Policy, def: &FactDef, value: &FactValue) -> String {
    match value {
        FactValue::Bool(b) => b.to_string(),
        FactValue::Num(_) => {
            let text = value_cell(policy, def, value);
            if text.parse::<Decimal>().is_ok() { text } else { quoted(&text) }
        }
        FactValue::Date(d) => quoted(&d.to_string()),
        FactValue::Text(t) => quoted(t),
        FactValue::Enum(e) => quoted(&enum_name(policy, def, *e)),
        FactValue::Set(mask) => {
            let names: Vec<String> = members(*mask).map(|i| quoted(&enum_name(policy, def, i))).collect();
            format!("[{}]", names.join(", "))
        }
    }
}

/// One value as a CSV cell (and the text of a JSON string): quantities in the declared unit where that is
/// exact (bare for plain numbers), enum values by name, set members separated by `;`.
pub fn value_cell(policy: &Policy, def: &FactDef, value: &FactValue) -> String {
    match value {
        FactValue::Bool(b) => b.to_string(),
        FactValue::Num(q) => {
            // A bare number is read in the declared unit, so every other unit is written out.
            let declared = def.unit.unwrap_or(Unit::ONE);
            let q = q.convert_exact(declared).unwrap_or(*q).normalized();
            if q.unit == declared && declared.is_one() {
                q.value.to_string()
            } else if q.unit.is_one() {
                // Only reached when no exact conversion exists; spelled as a ratio the reader accepts.
                format!("{}%", q.value * Decimal::ONE_HUNDRED)
            } else {
                q.to_string()
            }
        }
        FactValue::Date(d) => d.to_string(),
        FactValue::Text(t) => t.clone(),
        FactValue::Enum(e) => enum_name(policy, def, *e),
        FactValue::Set(mask) => members(*mask).map(|i| enum_name(policy, def, i)).collect::<Vec<_>>().join(";"),
    }
}

/// One value as JSON: numbers as exact JSON numbers when they are in the declared plain unit, otherwise text.
pub fn value_json(policy: &Policy, def: &FactDef, value: &FactValue) -> serde_json::Value {
    use serde_json::Value as J;
    match value {
        FactValue::Bool(b) => J::Bool(*b),
        FactValue::Set(mask) => J::Array(members(*mask).map(|i| J::String(enum_name(policy, def, i))).collect()),
        FactValue::Num(_) => {
            let text = value_cell(policy, def, value);
            match text.parse::<serde_json::Number>() {
                Ok(n) => J::Number(n),
                Err(_) => J::String(text),
            }
        }
        other => J::String(value_cell(policy, def, other)),
    }
}

fn members(mask: u64) -> impl Iterator<Item = u16> {
    (0..64u16).filter(move |i| mask & (1u64 << i) != 0)
}

/// The name of an enum or set fact's value by its ordinal (the ordinal itself if there is no such value).
pub fn enum_name(policy: &Policy, def: &FactDef, ordinal: u16) -> String {
    match def.ty {
        Type::Enum(id) | Type::Set(id) => policy
            .enums
            .get(id as usize)
            .and_then(|e| e.values.get(ordinal as usize))
            .map_or_else(|| ordinal.to_string(), |v| v.name.clone()),
        _ => ordinal.to_string(),
    }
}
