//! The one value reader: a fact's value from a TOML or JSON value, a CSV cell or a typed answer, read the way
//! people write it (full-width digits, thousands separators in groups of three, a unit after the number,
//! 是/否 and √/×, lists separated by 、 or ；, an enum value by its name, label or alias). Every front end
//! (`check`, `ask`, `batch`, the web page) reads through here, so a value means the same wherever it is typed.

use std::borrow::Cow;

use rust_decimal::Decimal;

use super::error::{Accepted, FactError, NumberProblem};
use super::{Raw, describe};
use crate::eval::FactValue;
use crate::explain::Lang;
use crate::policy::{EnumId, FactDef, Policy, Type};
use crate::units::{Quantity, Unit};

/// A value as given, borrowed: a bulk reader need not allocate for every cell.
#[derive(Clone, Copy)]
pub(crate) enum Given<'r> {
    Bool(bool),
    /// A number as the file wrote it (TOML or JSON text), never through a float.
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

/// Full-width ASCII (ＡＢＣ１２３，．％) and the ideographic space as their ASCII forms, as an IME types them.
pub fn halfwidth(text: &str) -> Cow<'_, str> {
    if text.chars().all(|c| !matches!(c, '\u{FF01}'..='\u{FF5E}' | '\u{3000}' | '−')) {
        return Cow::Borrowed(text);
    }
    Cow::Owned(
        text.chars()
            .map(|c| match c {
                '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
                '\u{3000}' => ' ',
                '−' => '-',
                _ => c,
            })
            .collect(),
    )
}

/// The same text, whichever width its ASCII letters, digits and brackets were typed in.
pub fn same(written: &str, given: &str) -> bool {
    written == given || halfwidth(written) == halfwidth(given)
}

/// Words for true and false, compared after lower-casing: 是/否, 有/无, Y/N, yes/no, TRUE/FALSE, 1/0, √/×.
const TRUE_WORDS: &[&str] = &["true", "是", "有", "y", "yes", "1", "√", "✓", "✔", "对", "是的", "t"];
const FALSE_WORDS: &[&str] = &["false", "否", "无", "n", "no", "0", "×", "✗", "✘", "x", "不是", "没有", "不", "f"];

/// Separators between the members of a set written as one text.
pub const SET_SEPARATORS: [char; 6] = [',', '，', '、', ';', '；', '|'];

/// Reads one value of a fact.
pub(crate) fn read(policy: &Policy, fact: &FactDef, given: Given<'_>) -> Result<FactValue, FactError> {
    let wrong = || FactError::WrongType {
        name: fact.name.clone(),
        label: fact.label.zh.clone(),
        given: given.describe(),
        accepted: Box::new(describe::accepted(policy, fact)),
    };
    match fact.ty {
        Type::Bool => match given {
            Given::Bool(b) => Ok(FactValue::Bool(b)),
            Given::Text(t) | Given::Number(t) => {
                let word = halfwidth(t.trim()).to_lowercase();
                if TRUE_WORDS.contains(&word.as_str()) {
                    Ok(FactValue::Bool(true))
                } else if FALSE_WORDS.contains(&word.as_str()) {
                    Ok(FactValue::Bool(false))
                } else {
                    Err(wrong())
                }
            }
            Given::List(_) => Err(wrong()),
        },
        Type::Num(_) => {
            let text = match given {
                Given::Number(n) => n,
                Given::Text(t) => t.trim(),
                _ => return Err(wrong()),
            };
            let quantity = quantity(policy, fact, text)?;
            if !fact.signed && quantity.value.is_sign_negative() && !quantity.value.is_zero() {
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
            Given::Text(t) => date(t).map(FactValue::Date).ok_or_else(|| FactError::BadDate {
                name: fact.name.clone(),
                label: fact.label.zh.clone(),
                given: t.to_string(),
            }),
            _ => Err(wrong()),
        },
        Type::Text => match given {
            Given::Text(t) => Ok(FactValue::Text(t.trim().to_string())),
            Given::Number(n) => Ok(FactValue::Text(n.to_string())),
            _ => Err(wrong()),
        },
        Type::Enum(id) => match given {
            Given::Text(t) | Given::Number(t) => enum_value(policy, fact, id, t).map(FactValue::Enum),
            _ => Err(wrong()),
        },
        Type::Set(id) => {
            let mut mask = 0u64;
            match given {
                Given::List(items) => {
                    for item in items {
                        let (Raw::Text(t) | Raw::Number(t)) = item else { return Err(wrong()) };
                        mask |= 1 << enum_value(policy, fact, id, t)?;
                    }
                }
                Given::Text(t) => {
                    for item in t.split(SET_SEPARATORS).map(str::trim).filter(|s| !s.is_empty()) {
                        mask |= 1 << enum_value(policy, fact, id, item)?;
                    }
                }
                _ => return Err(wrong()),
            }
            Ok(FactValue::Set(mask))
        }
        Type::Mixed => Err(wrong()),
    }
}

/// A date as YYYY-MM-DD, YYYY/M/D, YYYY.M.D or YYYY年M月D日.
fn date(text: &str) -> Option<jiff::civil::Date> {
    let text = halfwidth(text.trim());
    let text = text.trim_end_matches('日');
    let mut parts = text.split(['-', '/', '.', '年', '月']);
    let year: i16 = parts.next()?.trim().parse().ok()?;
    let month: i8 = parts.next()?.trim().parse().ok()?;
    let day: i8 = parts.next()?.trim().parse().ok()?;
    if parts.next().is_some() || !(1000..=9999).contains(&year) {
        return None;
    }
    jiff::civil::Date::new(year, month, day).ok()
}

/// The ordinal of an enum value given by its name, its Chinese or English label or a declared alias;
/// ASCII names match whatever their case. A spelling that matches nothing is refused with the choices.
pub(crate) fn enum_value(policy: &Policy, fact: &FactDef, id: EnumId, given: &str) -> Result<u16, FactError> {
    enum_value_of(policy, (&fact.name, &fact.label.zh), id, given)
}

/// `enum_value` for a value that is no fact's: the key of a record (`county = "鹿城区"`), named as `name`.
pub(crate) fn enum_value_of(
    policy: &Policy,
    (name, label): (&str, &str),
    id: EnumId,
    given: &str,
) -> Result<u16, FactError> {
    let def = policy.enum_def(id);
    let given = given.trim();
    let ascii = halfwidth(given);
    let matches = |v: &crate::policy::EnumValue| {
        same(&v.name, given)
            || v.name.eq_ignore_ascii_case(&ascii)
            || v.label.as_ref().is_some_and(|l| {
                same(&l.zh, given) || l.en.as_deref().is_some_and(|en| en.eq_ignore_ascii_case(&ascii))
            })
            || v.aliases.iter().any(|a| same(a, given))
    };
    def.values.iter().position(matches).map(|i| i as u16).ok_or_else(|| {
        let names: Vec<String> = def.values.iter().map(|v| v.name.clone()).collect();
        FactError::BadEnum {
            name: name.to_string(),
            label: label.to_string(),
            given: given.to_string(),
            suggestion: crate::check::did_you_mean(given, &names),
            allowed: Box::new(Accepted {
                zh: describe::choices(policy, id, Lang::Zh).join("、"),
                en: describe::choices(policy, id, Lang::En).join(", "),
            }),
        }
    })
}

/// `8.2`, `"8.2 万元/亩"`, `"82000元/亩"`, `"1,860"`, `"１８６０元"`: a number in the declared unit, or with a
/// unit of the same dimension written after it. A unit that names only the numerator of the declared unit
/// (`1860元` for 元/月) is read over the declared denominator: the fact's unit makes that reading unique.
fn quantity(policy: &Policy, fact: &FactDef, text: &str) -> Result<Quantity, FactError> {
    let declared = fact.unit.unwrap_or(Unit::ONE);
    let normal = halfwidth(text.trim());
    let (number, unit_text) = split_number(&normal);
    let bad_number = |problem: NumberProblem| FactError::BadNumber {
        name: fact.name.clone(),
        label: fact.label.zh.clone(),
        given: text.to_string(),
        problem,
        accepted: Box::new(describe::accepted(policy, fact)),
    };
    let value = parse_number(number).map_err(bad_number)?;
    let unit_text = unit_text.trim();
    if unit_text.is_empty() {
        return Ok(Quantity::new(value, declared));
    }
    let bad_unit = |time_rate: bool| FactError::BadUnit {
        name: fact.name.clone(),
        label: fact.label.zh.clone(),
        given: text.to_string(),
        expected: declared.to_string(),
        time_rate,
    };
    let unit = match Unit::parse(unit_text) {
        Ok(unit) if unit.dimension() == declared.dimension() => unit,
        Ok(unit) => {
            // `1860元` for a fact in 元/月: the same unit over the declared denominator.
            let shown = declared.to_string();
            let over = shown.split_once('/').map(|(_, den)| format!("{unit_text}/{den}"));
            match over.and_then(|t| Unit::parse(&t).ok()) {
                Some(u) if u.dimension() == declared.dimension() && !unit_text.contains('/') => u,
                _ => {
                    // Across 天/小时/月 only along the conversions the pack declares with their law.
                    if let Some((converted, ..)) = by_law(policy, Quantity::new(value, unit), declared) {
                        return Ok(converted);
                    }
                    let time_rate = crate::units::differs_only_in_time(unit.dimension(), declared.dimension());
                    return Err(bad_unit(time_rate));
                }
            }
        }
        // A unit comply does not know is said to be unknown, with a suggestion of the fact's own dimension
        // only; a known unit of another dimension is the wrong unit.
        Err(_) => {
            return Err(FactError::UnknownUnit(Box::new(super::error::UnknownUnit {
                name: fact.name.clone(),
                label: fact.label.zh.clone(),
                given: text.to_string(),
                unit: unit_text.to_string(),
                expected: declared.to_string(),
                suggestion: crate::units::suggest_unit(unit_text, Some(declared.dimension())),
            })));
        }
    };
    let given = Quantity::new(value, unit);
    // Kept in the declared unit when that is exact; otherwise as given (1 亩 is no finite number of m²).
    Ok(given.convert_exact(declared).unwrap_or(given))
}

/// A quantity in a time base other than the declared one, converted along the pack's declared conversions.
fn by_law(policy: &Policy, given: Quantity, declared: Unit) -> Option<(Quantity, Vec<usize>, bool)> {
    if policy.conversions().is_empty() {
        return None;
    }
    let links: Vec<crate::units::TimeLink> = policy.conversions().iter().map(|c| c.link).collect();
    crate::units::across_time(given, declared, &links)
}

/// How a value written in another time base was converted by law (`150 元/天` read as 18.75 元/小时), for
/// the report; `None` when the text needed no such conversion.
pub(crate) fn converted(policy: &Policy, fact: &FactDef, text: &str) -> Option<super::Converted> {
    let declared = fact.unit?;
    let normal = halfwidth(text.trim());
    let (number, unit_text) = split_number(&normal);
    let unit = Unit::parse(unit_text.trim()).ok()?;
    if unit.dimension() == declared.dimension() {
        return None;
    }
    let given = Quantity::new(parse_number(number).ok()?, unit);
    let (value, used, exact) = by_law(policy, given, declared)?;
    Some(super::Converted { fact: fact.name.clone(), given, value, used, exact })
}

/// The number at the start of `text` (sign, digits with `,` separators, a decimal point, an exponent) and the
/// rest, which should be a unit.
fn split_number(text: &str) -> (&str, &str) {
    let bytes = text.as_bytes();
    let mut end = 0;
    if matches!(bytes.first(), Some(b'+' | b'-')) {
        end = 1;
    }
    while end < bytes.len() && (bytes[end].is_ascii_digit() || matches!(bytes[end], b',' | b'.' | b'_')) {
        end += 1;
    }
    // An exponent only when digits follow it: `1e30`, `1860e0`, `2.5E-3`.
    if end > 0 && matches!(bytes.get(end), Some(b'e' | b'E')) {
        let mut exp = end + 1;
        if matches!(bytes.get(exp), Some(b'+' | b'-')) {
            exp += 1;
        }
        let digits = bytes[exp.min(bytes.len())..].iter().take_while(|b| b.is_ascii_digit()).count();
        if digits > 0 {
            end = exp + digits;
        }
    }
    text.split_at(end)
}

/// Digits before the point beyond which a figure cannot be a `Decimal` at all.
const MAX_DIGITS: usize = 28;

/// An exact decimal from its text. Thousands separators are allowed only in groups of three before the point
/// (`1,860`, `12,345.5`); `15,5` and `1.860,00` are refused, because a decimal comma would be read as a
/// different number.
pub fn parse_number(text: &str) -> Result<Decimal, NumberProblem> {
    let text = text.trim();
    let (mantissa, exponent) = match text.find(['e', 'E']) {
        Some(i) => (&text[..i], Some(&text[i + 1..])),
        None => (text, None),
    };
    let unsigned = mantissa.trim_start_matches(['+', '-']);
    if unsigned.is_empty() || mantissa.len() - unsigned.len() > 1 {
        return Err(NumberProblem::NotANumber);
    }
    let (whole, fraction) = match unsigned.split_once('.') {
        Some((w, f)) => (w, Some(f)),
        None => (unsigned, None),
    };
    if fraction.is_some_and(|f| f.contains([',', '.', '_'])) {
        return Err(if fraction.is_some_and(|f| f.contains(',')) {
            NumberProblem::Grouping
        } else {
            NumberProblem::NotANumber
        });
    }
    let digits: String = if whole.contains(',') {
        let groups: Vec<&str> = whole.split(',').collect();
        let first_ok = groups.first().is_some_and(|g| (1..=3).contains(&g.len()));
        if !first_ok || groups[1..].iter().any(|g| g.len() != 3) {
            return Err(NumberProblem::Grouping);
        }
        groups.concat()
    } else {
        // TOML allows `1_000`; nothing else writes underscores in numbers.
        whole.replace('_', "")
    };
    let fraction = fraction.unwrap_or("");
    if (digits.is_empty() && fraction.is_empty()) || !digits.bytes().chain(fraction.bytes()).all(|b| b.is_ascii_digit())
    {
        return Err(NumberProblem::NotANumber);
    }
    let sign = if mantissa.starts_with('-') { "-" } else { "" };
    let digits = if digits.is_empty() { "0" } else { digits.as_str() };
    let plain = if fraction.is_empty() { format!("{sign}{digits}") } else { format!("{sign}{digits}.{fraction}") };
    // `from_str_exact` refuses to round: a figure with more digits than a Decimal holds is an error, not a
    // nearby number.
    let value = Decimal::from_str_exact(&plain).map_err(|_| {
        if digits.trim_start_matches('0').len() > MAX_DIGITS {
            NumberProblem::TooLarge
        } else {
            NumberProblem::TooPrecise
        }
    })?;
    let Some(exponent) = exponent else { return Ok(value) };
    let exponent: i64 = exponent.parse().map_err(|_| NumberProblem::NotANumber)?;
    scale(value, exponent)
}

/// `value × 10^exponent`, exactly, or why it cannot be held.
fn scale(mut value: Decimal, exponent: i64) -> Result<Decimal, NumberProblem> {
    if value.is_zero() {
        return Ok(Decimal::ZERO);
    }
    if exponent.unsigned_abs() > 60 {
        return Err(if exponent > 0 { NumberProblem::TooLarge } else { NumberProblem::TooPrecise });
    }
    let ten = Decimal::TEN;
    for _ in 0..exponent.unsigned_abs() {
        if exponent > 0 {
            value = value.checked_mul(ten).ok_or(NumberProblem::TooLarge)?;
        } else {
            let next = value.checked_div(ten).ok_or(NumberProblem::TooPrecise)?;
            if next * ten != value {
                return Err(NumberProblem::TooPrecise);
            }
            value = next;
        }
    }
    Ok(value.normalize())
}

/// What a person typed in answer to a question about `fact`: a skip word, a value number from the listed
/// choices (`2`), or any spelling the value reader takes. `None` means “don't know”.
pub fn read_answer(policy: &Policy, fact: &FactDef, line: &str) -> Result<Option<FactValue>, FactError> {
    let line = line.trim();
    let lower = halfwidth(line).to_lowercase();
    if matches!(lower.as_str(), "" | "skip" | "跳过" | "不知道" | "不清楚" | "?" | "？" | "don't know" | "unknown")
    {
        return Ok(None);
    }
    let by_number = |id: EnumId, text: &str| -> Option<String> {
        let def = policy.enum_def(id);
        if def.index(text).is_some() {
            return None;
        }
        let n: usize = halfwidth(text).trim().parse().ok()?;
        def.values.get(n.checked_sub(1)?).map(|v| v.name.clone())
    };
    let value = match fact.ty {
        Type::Enum(id) => match by_number(id, line) {
            Some(name) => read(policy, fact, Given::Text(&name)),
            None => read(policy, fact, Given::Text(line)),
        },
        Type::Set(id) => {
            let items: Vec<Raw> = line
                .split(SET_SEPARATORS)
                .flat_map(|part| part.split([' ', '/']))
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(|s| Raw::Text(by_number(id, s).unwrap_or_else(|| s.to_string())))
                .collect();
            read(policy, fact, Given::List(&items))
        }
        _ => read(policy, fact, Given::Text(line)),
    };
    value.map(Some)
}
