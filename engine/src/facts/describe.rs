//! What a fact takes, in words: its type and unit for the fact sheet, the choices of an enum, and an example
//! of an accepted value for error messages. One describer, so the fact sheet, the interview and every
//! error say the same thing.

use super::error::Accepted;
use crate::explain::Lang;
use crate::policy::{EnumId, FactDef, Policy, Type};

/// The type of a fact as the fact sheet shows it: `数值 元/月`, `单选 {full_time（全日制）, …}`.
pub fn type_text(policy: &Policy, fact: &FactDef, lang: Lang) -> String {
    let zh = lang == Lang::Zh;
    match fact.ty {
        Type::Bool => (if zh { "是/否" } else { "yes/no" }).to_string(),
        Type::Num(_) if fact.whole => (if zh { "整数" } else { "whole number" }).to_string(),
        Type::Num(_) => match fact.unit {
            Some(u) if !u.is_one() => format!("{} {u}", if zh { "数值" } else { "quantity in" }),
            _ => (if zh { "数值" } else { "number" }).to_string(),
        },
        Type::Date => (if zh { "日期" } else { "date" }).to_string(),
        Type::Text => (if zh { "文字" } else { "text" }).to_string(),
        Type::Enum(id) | Type::Set(id) => {
            let values = choices(policy, id, lang);
            // A grade scale is listed in its declared order, and the sheet says which end is the top.
            let ordered = policy.enum_def(id).ordered;
            let kind = match (fact.ty, zh, ordered) {
                (Type::Set(_), true, _) => "多选",
                (Type::Set(_), false, _) => "any of",
                (_, true, true) => "单选（从低到高）",
                (_, false, true) => "one of (lowest first)",
                (_, true, false) => "单选",
                (_, false, false) => "one of",
            };
            format!("{kind} {{{}}}", values.join(", "))
        }
        Type::Mixed => String::new(),
    }
}

/// The values of an enum as a reader may write them, in the reader's language: a Chinese reader sees the
/// labels (which the value reader accepts as answers), never the rule file's identifiers; an English reader
/// sees the names.
pub fn choices(policy: &Policy, id: EnumId, lang: Lang) -> Vec<String> {
    policy
        .enum_def(id)
        .values
        .iter()
        .map(|v| match (&v.label, lang) {
            (Some(l), Lang::Zh) => l.zh.clone(),
            _ => v.name.clone(),
        })
        .collect()
}

/// What the fact accepts, with an example, in both languages (an error carries both and is worded later).
pub fn accepted(policy: &Policy, fact: &FactDef) -> Accepted {
    let (zh, en) = match fact.ty {
        Type::Bool => (
            "“是”或“否”（也可写 有/无、Y/N、yes/no、TRUE/FALSE、1/0、√/×）".to_string(),
            "yes or no (also 是/否, 有/无, Y/N, TRUE/FALSE, 1/0, √/×)".to_string(),
        ),
        Type::Num(_) => {
            let figure = "100";
            match fact.unit.filter(|u| !u.is_one()) {
                Some(u) => (
                    format!(
                        "数值，单位 {u}，如 {figure} 或 \"{figure} {u}\"（也可用其他同类单位；千分位须三位一组，如 1,860）"
                    ),
                    format!(
                        "a number in {u}, e.g. {figure} or \"{figure} {u}\" (or another unit of the same kind; thousands separators only in groups of three, e.g. 1,860)"
                    ),
                ),
                None if fact.whole => ("整数，如 12".to_string(), "a whole number, e.g. 12".to_string()),
                None => ("数值，如 0.85 或 \"85%\"".to_string(), "a number, e.g. 0.85 or \"85%\"".to_string()),
            }
        }
        Type::Date => ("日期，如 2021-03-01".to_string(), "a date, e.g. 2021-03-01".to_string()),
        Type::Text => ("文字".to_string(), "a text".to_string()),
        Type::Enum(id) => (
            format!("以下取值之一：{}", choices(policy, id, Lang::Zh).join("、")),
            format!("one of: {}", choices(policy, id, Lang::En).join(", ")),
        ),
        Type::Set(id) => (
            format!("以下取值中的零个或多个，用“、”或“，”分隔：{}", choices(policy, id, Lang::Zh).join("、")),
            format!("any of these, separated by commas: {}", choices(policy, id, Lang::En).join(", ")),
        ),
        Type::Mixed => ("取值".to_string(), "a value".to_string()),
    };
    Accepted { zh, en }
}

impl Accepted {
    pub fn in_lang(&self, lang: Lang) -> &str {
        match lang {
            Lang::Zh => &self.zh,
            Lang::En => &self.en,
        }
    }
}
