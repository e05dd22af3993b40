//! The words of an explanation in Chinese and English: relations, gaps, the statutory boundary note and
//! value formatting. Kept together so the two languages stay parallel.

use jiff::civil::Date;
use rust_decimal::Decimal;

use crate::eval::{Value, Verdict};
use crate::policy::{EnumId, Policy, Type};
use crate::syntax::ast::CmpOp;
use crate::units::{Atom, Quantity, Unit};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Lang {
    #[default]
    Zh,
    En,
}

pub fn pick<'s>(lang: Lang, zh: &'s str, en: &'s str) -> &'s str {
    match lang {
        Lang::Zh => zh,
        Lang::En => en,
    }
}

/// A date as a reader writes it: 2020年1月8日 in Chinese, ISO in English.
pub fn date_text(date: Date, lang: Lang) -> String {
    match lang {
        Lang::Zh => format!("{}年{}月{}日", date.year(), date.month(), date.day()),
        Lang::En => date.to_string(),
    }
}

/// When a notice is in force: 2020年1月8日起施行，至2022年1月7日止.
pub fn validity_text(from: Date, until: Option<Date>, lang: Lang) -> String {
    let from = date_text(from, lang);
    match (lang, until.map(|u| date_text(u, lang))) {
        (Lang::Zh, None) => format!("{from}起施行"),
        (Lang::Zh, Some(u)) => format!("{from}起施行，至{u}止"),
        (Lang::En, None) => format!("in force from {from}"),
        (Lang::En, Some(u)) => format!("in force from {from} to {u}"),
    }
}

/// The one term for each verdict where the pack words no conclusion of its own.
pub fn verdict_term(verdict: Verdict, referred_to: Option<&str>, lang: Lang) -> String {
    match (verdict, lang) {
        (Verdict::Refer, Lang::Zh) => format!("报{}", referred_to.unwrap_or("有关部门研究决定")),
        (Verdict::Refer, Lang::En) => format!("refer to: {}", referred_to.unwrap_or("the authority for a decision")),
        _ => verdict_short(verdict, lang).to_string(),
    }
}

/// A verdict in one or two words, where a page shows it beside the conclusion or a list shows many.
pub fn verdict_short(verdict: Verdict, lang: Lang) -> &'static str {
    match verdict {
        Verdict::Pass => pick(lang, "符合", "meets the conditions"),
        Verdict::Fail => pick(lang, "不符合", "does not meet the conditions"),
        Verdict::Undetermined => pick(lang, "待补充材料", "more information needed"),
        Verdict::Refer => pick(lang, "报请决定", "referred for a decision"),
        Verdict::NotApplicable => pick(lang, "不适用", "not applicable"),
    }
}

/// How the left side stands to the right, said the way a clerk would.
/// The same relations said of dates: 不晚于 rather than 未超过.
pub fn date_relation(op: CmpOp, holds: Value<'_>, lang: Lang) -> &'static str {
    let holds = match holds {
        Value::Bool(b) => b,
        _ => return relation(op, holds, lang),
    };
    // Each operator states a bound; a failed one is stated as its negation.
    let stated = if holds { op } else { op.negate() };
    match (stated, lang) {
        (CmpOp::Ge, Lang::Zh) => "不早于",
        (CmpOp::Gt, Lang::Zh) => "晚于",
        (CmpOp::Le, Lang::Zh) => "不晚于",
        (CmpOp::Lt, Lang::Zh) => "早于",
        (CmpOp::Eq, Lang::Zh) => "等于",
        (CmpOp::Ne, Lang::Zh) => "不等于",
        (CmpOp::Ge, Lang::En) => "is on or after",
        (CmpOp::Gt, Lang::En) => "is after",
        (CmpOp::Le, Lang::En) => "is on or before",
        (CmpOp::Lt, Lang::En) => "is before",
        (CmpOp::Eq, Lang::En) => "is",
        (CmpOp::Ne, Lang::En) => "is not",
    }
}

pub fn relation(op: CmpOp, holds: Value<'_>, lang: Lang) -> &'static str {
    let holds = match holds {
        Value::Bool(b) => Some(b),
        _ => None,
    };
    match (op, holds, lang) {
        (_, None, Lang::Zh) => "尚无法比较，比较对象为",
        (_, None, Lang::En) => "cannot be compared yet with",
        (CmpOp::Ge, Some(true), Lang::Zh) => "达到",
        (CmpOp::Ge, Some(false), Lang::Zh) => "未达到",
        (CmpOp::Gt, Some(true), Lang::Zh) => "高于",
        (CmpOp::Gt, Some(false), Lang::Zh) => "未高于",
        (CmpOp::Le, Some(true), Lang::Zh) => "未超过",
        (CmpOp::Le, Some(false), Lang::Zh) => "超过",
        (CmpOp::Lt, Some(true), Lang::Zh) => "低于",
        (CmpOp::Lt, Some(false), Lang::Zh) => "未低于",
        (CmpOp::Eq, Some(true), Lang::Zh) | (CmpOp::Ne, Some(false), Lang::Zh) => "等于",
        (CmpOp::Eq, Some(false), Lang::Zh) | (CmpOp::Ne, Some(true), Lang::Zh) => "不等于",
        (CmpOp::Ge, Some(true), Lang::En) => "reaches",
        (CmpOp::Ge, Some(false), Lang::En) => "falls short of",
        (CmpOp::Gt, Some(true), Lang::En) => "is above",
        (CmpOp::Gt, Some(false), Lang::En) => "is not above",
        (CmpOp::Le, Some(true), Lang::En) => "does not exceed",
        (CmpOp::Le, Some(false), Lang::En) => "exceeds",
        (CmpOp::Lt, Some(true), Lang::En) => "is below",
        (CmpOp::Lt, Some(false), Lang::En) => "is not below",
        (CmpOp::Eq, Some(true), Lang::En) | (CmpOp::Ne, Some(false), Lang::En) => "equals",
        (CmpOp::Eq, Some(false), Lang::En) | (CmpOp::Ne, Some(true), Lang::En) => "differs from",
    }
}

/// The distance to the threshold of a comparison that failed, in the threshold's unit; at exactly the
/// threshold of a strict comparison it says so, because that is where 以下 and 低于 part ways.
pub fn gap(lhs: Quantity, rhs: Quantity, op: CmpOp, lang: Lang) -> String {
    let difference = match rhs.sub(&lhs) {
        Ok(d) => d,
        Err(_) => return String::new(),
    };
    if difference.value.is_zero() {
        return pick(lang, "（恰为临界值，不含本数）", " (exactly at the threshold, which is excluded)").to_string();
    }
    let (gap, exact) = match difference.convert_display(rhs.unit) {
        Ok((q, exact)) => (Quantity::new(q.value.abs(), q.unit), exact),
        Err(_) => (Quantity::new(difference.value.abs(), difference.unit), true),
    };
    let about = if exact && !rounded(gap.value).1 { "" } else { pick(lang, "约", "about ") };
    // A gap between two percentages is in percentage points: 26% is 1 个百分点 over 25%, not “1%” over it.
    let shown = if rhs.unit == Unit::atom(Atom::Percent) {
        format!("{about}{}{}", rounded(gap.value).0, pick(lang, " 个百分点", " percentage points"))
    } else {
        format!("{about}{}", show_quantity(gap))
    };
    match (op, lang) {
        (CmpOp::Ge | CmpOp::Gt, Lang::Zh) => format!("（差 {shown}）"),
        (CmpOp::Ge | CmpOp::Gt, Lang::En) => format!(" (short by {shown})"),
        (_, Lang::Zh) => format!("（超出 {shown}）"),
        (_, Lang::En) => format!(" (over by {shown})"),
    }
}

/// Whether a statutory word includes the number itself (以上, 以下, 不超过 do; 超过, 低于 do not).
pub fn inclusive(word: &str) -> bool {
    matches!(crate::check::statute_operator(word), Some(CmpOp::Ge | CmpOp::Le | CmpOp::Eq))
}

/// The word a comparison carries and where it comes from: the notice (条文) unless `source` names another
/// text (《劳动法》第四十八条).
/// `grade`: the comparison is between values of an ordered enum, so the boundary is a grade (本级), not a number.
pub fn statute_note(word: &str, source: Option<&str>, lang: Lang, grade: bool) -> String {
    // Tolerances and double readings are the pack's reading of the word: the report says so.
    if crate::check::tolerance_word(word).is_some() {
        return match lang {
            Lang::Zh => format!("〔条文“{word}”，容差为本规则包的解读，原文未给出〕"),
            Lang::En => {
                format!(" [the clause says “{word}”: the tolerance is this pack's reading, the text gives none]")
            }
        };
    }
    if crate::check::either_reading(word) {
        return match lang {
            Lang::Zh => format!("〔条文“{word}”兼有“超过”“以上”两种读法，按本规则包的读法〕"),
            Lang::En => format!(
                " [the clause says “{word}”, which reads as both “more than” and “at least”: this pack's reading]"
            ),
        };
    }
    let inclusive = inclusive(word);
    let (own, itself) = if grade { ("本级", "that grade itself") } else { ("本数", "the number itself") };
    match (lang, source, inclusive) {
        (Lang::Zh, None, true) => format!("〔条文“{word}”，含{own}〕"),
        (Lang::Zh, None, false) => format!("〔条文“{word}”，不含{own}〕"),
        (Lang::Zh, Some(s), true) => format!("〔{s}“{word}”，含{own}〕"),
        (Lang::Zh, Some(s), false) => format!("〔{s}“{word}”，不含{own}〕"),
        (Lang::En, None, true) => format!(" [the clause says “{word}”: {itself} included]"),
        (Lang::En, None, false) => format!(" [the clause says “{word}”: {itself} excluded]"),
        (Lang::En, Some(s), true) => format!(" [{s} says “{word}”: {itself} included]"),
        (Lang::En, Some(s), false) => format!(" [{s} says “{word}”: {itself} excluded]"),
    }
}

/// A value against a class the notice excludes by a word (「亩均税收10万元以下企业」): whether it falls in it.
pub fn excluded_class(threshold: &str, word: &str, inside: bool, lang: Lang) -> String {
    let included = if inclusive(word) {
        pick(lang, "含本数", "the number itself included")
    } else {
        pick(lang, "不含本数", "the number itself excluded")
    };
    match (lang, inside) {
        (Lang::Zh, true) => format!("属“{threshold}{word}”（“{word}”{included}）"),
        (Lang::Zh, false) => format!("不属“{threshold}{word}”（“{word}”{included}）"),
        (Lang::En, true) => format!("falls in “{word} {threshold}” ({included})"),
        (Lang::En, false) => format!("does not fall in “{word} {threshold}” ({included})"),
    }
}

pub fn membership(inside: Option<bool>, negated: bool, lang: Lang) -> &'static str {
    let _ = negated;
    match (inside, lang) {
        (Some(true), Lang::Zh) => "属于",
        (Some(false), Lang::Zh) => "不属于",
        (None, Lang::Zh) => "尚无法判断，比较对象为",
        (Some(true), Lang::En) => "is one of",
        (Some(false), Lang::En) => "is not one of",
        (None, Lang::En) => "cannot be compared yet with",
    }
}

/// How a set fact stands to listed values: `has` one value, `has any` of several, `has only` these.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SetTest {
    One,
    Any,
    Only,
}

pub fn has(test: SetTest, holds: Value<'_>, negated: bool, lang: Lang) -> &'static str {
    // `holds` is the value of the (possibly negated) test; the sentence states the plain one.
    let plain = match holds {
        Value::Bool(b) => Some(b != negated),
        _ => None,
    };
    match (test, plain, lang) {
        (_, None, Lang::Zh) => "尚无法判断，比较对象为",
        (_, None, Lang::En) => "cannot be compared yet with",
        (SetTest::One, Some(true), Lang::Zh) => "包含",
        (SetTest::One, Some(false), Lang::Zh) => "不包含",
        (SetTest::Any, Some(true), Lang::Zh) => "包含下列之一：",
        (SetTest::Any, Some(false), Lang::Zh) => "不包含下列任何一项：",
        (SetTest::Only, Some(true), Lang::Zh) => "仅限于",
        (SetTest::Only, Some(false), Lang::Zh) => "不限于",
        (SetTest::One, Some(true), Lang::En) => "includes",
        (SetTest::One, Some(false), Lang::En) => "does not include",
        (SetTest::Any, Some(true), Lang::En) => "includes one of",
        (SetTest::Any, Some(false), Lang::En) => "includes none of",
        (SetTest::Only, Some(true), Lang::En) => "is limited to",
        (SetTest::Only, Some(false), Lang::En) => "goes beyond",
    }
}

pub fn enum_list(policy: &Policy, id: EnumId, mask: u64, lang: Lang) -> String {
    policy
        .enum_def(id)
        .values
        .iter()
        .enumerate()
        .filter(|(i, _)| mask & (1 << i) != 0)
        .map(|(_, v)| enum_label(v, lang))
        .collect::<Vec<_>>()
        .join(pick(lang, "、", ", "))
}

fn enum_label(value: &crate::policy::EnumValue, lang: Lang) -> String {
    match (&value.label, lang) {
        (Some(label), Lang::Zh) => label.zh.clone(),
        // Without an English label: an English name (`full_time`) reads better to an English reader than the
        // Chinese label, but a Chinese name is only a shorthand of its label (`通车` for 「建成通车」).
        (Some(label), Lang::En) => label
            .en
            .clone()
            .unwrap_or_else(|| if value.name.is_ascii() { value.name.clone() } else { label.zh.clone() }),
        (None, _) => value.name.clone(),
    }
}

/// Places shown after the decimal point; a computed share such as 1/6 would otherwise print 28 digits.
const SHOWN_PLACES: u32 = 4;

/// The value to show and whether it was rounded to get there.
fn rounded(value: Decimal) -> (Decimal, bool) {
    let shown = value.round_dp(SHOWN_PLACES).normalize();
    (shown, shown != value.normalize())
}

pub fn show_quantity(q: Quantity) -> String {
    let (value, _) = rounded(q.value);
    if q.unit.is_one() { value.to_string() } else { Quantity::new(value, q.unit).to_string() }
}

/// Formats a value for a reader; `in_unit` converts a quantity first (a share shown as a percentage).
pub fn format_value(policy: &Policy, ty: Type, value: Value<'_>, lang: Lang, in_unit: Option<Unit>) -> String {
    match value {
        Value::Bool(b) => pick(lang, if b { "是" } else { "否" }, if b { "yes" } else { "no" }).to_string(),
        Value::Num(q) => {
            let (shown, exact) = match in_unit.filter(|u| *u != q.unit).and_then(|u| q.convert_display(u).ok()) {
                Some((converted, exact)) => (converted, exact),
                None => (q, true),
            };
            let about = if exact && !rounded(shown.value).1 { "" } else { pick(lang, "约", "about ") };
            format!("{about}{}", show_quantity(shown))
        }
        Value::Date(d) => date_text(d, lang),
        Value::Text(t) => t.to_string(),
        Value::Enum(e) => match ty {
            Type::Enum(id) => {
                policy.enum_def(id).values.get(e as usize).map(|v| enum_label(v, lang)).unwrap_or_default()
            }
            _ => e.to_string(),
        },
        Value::Set(s) => match ty {
            Type::Set(_) if s == 0 => pick(lang, "（无）", "(none)").to_string(),
            Type::Set(id) => enum_list(policy, id, s, lang),
            _ => s.to_string(),
        },
        Value::Unknown { .. } => pick(lang, "未知", "unknown").to_string(),
    }
}
