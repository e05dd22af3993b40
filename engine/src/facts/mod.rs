//! Reading a case's facts (TOML or JSON, and single CSV cells) against a policy's declared facts.
//! Every value is checked for its type, unit, sign and allowed values; nothing undeclared passes silently.

pub mod case;
mod error;

use std::str::FromStr;

use rust_decimal::Decimal;

use crate::eval::{FactSet, FactValue};
use crate::policy::{FactDef, Policy, Type};
use crate::units::{Quantity, Unit};
pub use case::Case;
pub use error::FactError;

/// A value as a fact file wrote it, before it meets the fact's declared type.
#[derive(Debug, Clone, PartialEq)]
pub enum Raw {
    Bool(bool),
    /// A number, kept as its decimal text so that nothing is rounded on the way in.
    Number(String),
    Text(String),
    List(Vec<Raw>),
}

impl Raw {
    fn describe(&self) -> String {
        match self {
            Raw::Bool(b) => b.to_string(),
            Raw::Number(n) => n.clone(),
            Raw::Text(t) => format!("\"{t}\""),
            Raw::List(items) => format!("[{}]", items.iter().map(Raw::describe).collect::<Vec<_>>().join(", ")),
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

/// Reads a fact file; `name` decides the format (`.json` is JSON, anything else TOML).
pub fn read_file(name: &str, text: &str) -> Result<FactFile, FactError> {
    let document: serde_json::Value = if name.ends_with(".json") {
        serde_json::from_str(text).map_err(|e| FactError::Syntax {
            format: "JSON",
            line: Some(e.line()),
            message: e.to_string(),
        })?
    } else {
        let value: toml::Value = toml::from_str(text).map_err(|e| {
            let line = e.span().map(|s| text[..s.start.min(text.len())].matches('\n').count() + 1);
            FactError::Syntax { format: "TOML", line, message: e.message().to_string() }
        })?;
        toml_to_json(value)
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

fn toml_to_json(value: toml::Value) -> serde_json::Value {
    use serde_json::Value as J;
    match value {
        toml::Value::String(s) => J::String(s),
        // Decimal text of the parsed number: TOML keeps no other form. Write long figures as strings.
        toml::Value::Integer(i) => J::Number(i.into()),
        toml::Value::Float(f) => {
            serde_json::Number::from_str(&f.to_string()).map_or(J::String(f.to_string()), J::Number)
        }
        toml::Value::Boolean(b) => J::Bool(b),
        toml::Value::Datetime(d) => J::String(d.to_string()),
        toml::Value::Array(items) => J::Array(items.into_iter().map(toml_to_json).collect()),
        toml::Value::Table(t) => J::Object(t.into_iter().map(|(k, v)| (k, toml_to_json(v))).collect()),
    }
}

/// `null` is an explicitly unknown fact and yields no value.
fn json_to_raw(value: serde_json::Value) -> Option<Raw> {
    use serde_json::Value as J;
    Some(match value {
        J::Null => return None,
        J::Bool(b) => Raw::Bool(b),
        J::Number(n) => Raw::Number(n.to_string()),
        J::String(s) => Raw::Text(s),
        J::Array(items) => Raw::List(items.into_iter().filter_map(json_to_raw).collect()),
        J::Object(_) => Raw::Text(value.to_string()),
    })
}

/// Checks raw facts against a policy and fills its slots.
pub fn bind(policy: &Policy, facts: &[(String, Raw)]) -> Result<FactSet, FactError> {
    let mut set = FactSet::empty(policy);
    for (name, raw) in facts {
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
    let borrowed = match raw {
        Raw::Bool(b) => Given::Bool(*b),
        Raw::Number(n) => Given::Number(n),
        Raw::Text(t) => Given::Text(t),
        Raw::List(items) => Given::List(items),
    };
    coerce_given(policy, fact, borrowed)
}

/// Reads one CSV cell without copying it first; a blank cell is the caller's unknown.
pub fn coerce_cell(policy: &Policy, fact: &FactDef, cell: &str) -> Result<FactValue, FactError> {
    coerce_given(policy, fact, Given::Text(cell))
}

/// A value as given, borrowed: a bulk reader need not allocate for every cell.
#[derive(Clone, Copy)]
enum Given<'r> {
    Bool(bool),
    Number(&'r str),
    Text(&'r str),
    List(&'r [Raw]),
}

impl Given<'_> {
    fn describe(self) -> String {
        match self {
            Given::Bool(b) => b.to_string(),
            Given::Number(n) => n.to_string(),
            Given::Text(t) => format!("\"{t}\""),
            Given::List(items) => format!("[{}]", items.iter().map(Raw::describe).collect::<Vec<_>>().join(", ")),
        }
    }
}

fn coerce_given(policy: &Policy, fact: &FactDef, given: Given<'_>) -> Result<FactValue, FactError> {
    let wrong = |expected: &'static str| FactError::WrongType {
        name: fact.name.clone(),
        label: fact.label.zh.clone(),
        expected,
        given: given.describe(),
    };
    match fact.ty {
        Type::Bool => match given {
            Given::Bool(b) => Ok(FactValue::Bool(b)),
            Given::Text(t) => match t.trim() {
                "true" | "是" | "yes" | "y" | "有" => Ok(FactValue::Bool(true)),
                "false" | "否" | "no" | "n" | "无" => Ok(FactValue::Bool(false)),
                _ => Err(wrong("bool")),
            },
            _ => Err(wrong("bool")),
        },
        Type::Num(_) => {
            let unit = fact.unit.unwrap_or(Unit::ONE);
            let text = match given {
                Given::Number(n) => n,
                Given::Text(t) => t.trim(),
                _ => return Err(wrong("quantity")),
            };
            let quantity = parse_quantity(fact, text, unit)?;
            // Only a plain `number` (a coefficient, a change) may be negative; counts, areas and money may not.
            let may_be_negative = unit.is_one() && !fact.whole;
            if !may_be_negative && quantity.value.is_sign_negative() && !quantity.value.is_zero() {
                let given = text.to_string();
                return Err(FactError::Negative { name: fact.name.clone(), label: fact.label.zh.clone(), given });
            }
            if fact.whole && !quantity.value.fract().is_zero() {
                let given = text.to_string();
                return Err(FactError::NotWhole { name: fact.name.clone(), label: fact.label.zh.clone(), given });
            }
            Ok(FactValue::Num(quantity))
        }
        Type::Date => match given {
            Given::Text(t) => jiff::civil::Date::from_str(t.trim())
                .map(FactValue::Date)
                .map_err(|_| FactError::BadDate { name: fact.name.clone(), given: t.to_string() }),
            _ => Err(wrong("date")),
        },
        Type::Text => match given {
            Given::Text(t) => Ok(FactValue::Text(t.trim().to_string())),
            Given::Number(n) => Ok(FactValue::Text(n.to_string())),
            _ => Err(wrong("text")),
        },
        Type::Enum(id) => match given {
            Given::Text(t) | Given::Number(t) => enum_value(policy, fact, id, t).map(FactValue::Enum),
            _ => Err(wrong("enum")),
        },
        Type::Set(id) => {
            let mut mask = 0u64;
            match given {
                Given::List(items) => {
                    for item in items {
                        let (Raw::Text(t) | Raw::Number(t)) = item else { return Err(wrong("set")) };
                        mask |= 1 << enum_value(policy, fact, id, t)?;
                    }
                }
                // A CSV cell lists values separated by `;`, `、` or `|`.
                Given::Text(t) => {
                    for item in t.split([';', '、', '|']).map(str::trim).filter(|s| !s.is_empty()) {
                        mask |= 1 << enum_value(policy, fact, id, item)?;
                    }
                }
                _ => return Err(wrong("set")),
            }
            Ok(FactValue::Set(mask))
        }
        Type::Mixed => Err(wrong("value")),
    }
}

fn enum_value(policy: &Policy, fact: &FactDef, id: crate::policy::EnumId, given: &str) -> Result<u16, FactError> {
    let def = policy.enum_def(id);
    let given = given.trim();
    // The Chinese label is accepted as well as the value's name: an applicant may write 改建 for `rebuild`.
    let found = def.index(given).or_else(|| {
        def.values
            .iter()
            .position(|v| v.label.as_ref().is_some_and(|l| l.zh == given || l.en.as_deref() == Some(given)))
            .map(|i| i as u16)
    });
    found.ok_or_else(|| {
        let allowed: Vec<String> = def.values.iter().map(|v| v.name.clone()).collect();
        FactError::BadEnum {
            name: fact.name.clone(),
            label: fact.label.zh.clone(),
            given: given.to_string(),
            suggestion: crate::check::did_you_mean(given, &allowed),
            allowed,
        }
    })
}

/// `8.2`, `"8.2 万元/亩"` or `"82000元/亩"`: a number in the declared unit, or with a unit of the same dimension.
fn parse_quantity(fact: &FactDef, text: &str, declared: Unit) -> Result<Quantity, FactError> {
    let split = text
        .char_indices()
        .find(|(_, c)| !(c.is_ascii_digit() || matches!(c, '.' | '-' | '+')))
        .map_or(text.len(), |(i, _)| i);
    let (number, unit_text) = text.split_at(split);
    let bad_number = || FactError::WrongType {
        name: fact.name.clone(),
        label: fact.label.zh.clone(),
        expected: "quantity",
        given: text.to_string(),
    };
    let value = Decimal::from_str(number.trim()).map_err(|_| bad_number())?;
    let unit_text = unit_text.trim();
    if unit_text.is_empty() {
        return Ok(Quantity::new(value, declared));
    }
    let unit = Unit::parse(unit_text).map_err(|_| FactError::BadUnit {
        name: fact.name.clone(),
        label: fact.label.zh.clone(),
        given: text.to_string(),
        expected: declared.to_string(),
    })?;
    if unit.dimension() != declared.dimension() {
        return Err(FactError::BadUnit {
            name: fact.name.clone(),
            label: fact.label.zh.clone(),
            given: text.to_string(),
            expected: declared.to_string(),
        });
    }
    let given = Quantity::new(value, unit);
    // Kept in the declared unit when that is exact; otherwise as given (1 亩 is no finite number of m²).
    Ok(given.convert_exact(declared).unwrap_or(given))
}
