//! The `[case]` block of a fact file: who the case is (案号, 申请人, 统一社会信用代码, 承办人, 备注). It is
//! carried into every report format unchanged; only the credit code is checked (GB 32100-2015 check character).

use serde::{Deserialize, Serialize};

/// Who a case is about and who handles it; every field optional.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Case {
    /// 案号
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub number: Option<String>,
    /// 申请人
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub applicant: Option<String>,
    /// 统一社会信用代码, its check character verified
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub credit_code: Option<String>,
    /// 承办人
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub officer: Option<String>,
    /// 备注
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub notes: Option<String>,
}

/// What is wrong with a `[case]` block.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CaseError {
    #[error("`case` must be a table")]
    NotATable,
    #[error("unknown key `{0}` in [case]")]
    UnknownKey(String),
    #[error("`case.{0}` must be a string")]
    NotAString(String),
    #[error("the credit code `{given}` is not valid: {reason:?}")]
    CreditCode { given: String, reason: CodeFault },
}

/// Why a 统一社会信用代码 is rejected.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CodeFault {
    /// Not 18 characters.
    Length(usize),
    /// A character outside 0-9 and the capital letters GB 32100 uses (no I, O, S, V, Z).
    Character(char),
    /// The 18th character is not the check character computed from the first 17.
    Check { expected: char, given: char },
}

/// The 31 characters of GB 32100-2015, in the order of their values 0–30.
const CODE_CHARS: &str = "0123456789ABCDEFGHJKLMNPQRTUWXY";
const WEIGHTS: [u32; 17] = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28];

/// Checks a 统一社会信用代码: 18 characters of the code's alphabet whose last is the check character.
pub fn check_credit_code(code: &str) -> Result<(), CodeFault> {
    let chars: Vec<char> = code.chars().collect();
    if chars.len() != 18 {
        return Err(CodeFault::Length(chars.len()));
    }
    let mut values = Vec::with_capacity(18);
    for &c in &chars {
        match CODE_CHARS.find(c) {
            Some(v) => values.push(v as u32),
            None => return Err(CodeFault::Character(c)),
        }
    }
    let sum: u32 = values.iter().zip(WEIGHTS).map(|(v, w)| v * w).sum();
    let check = (31 - sum % 31) % 31;
    let expected = CODE_CHARS.chars().nth(check as usize).unwrap_or('0');
    if chars[17] != expected {
        return Err(CodeFault::Check { expected, given: chars[17] });
    }
    Ok(())
}

/// The case block's fields: key, Chinese and English label, in the order every format shows them.
pub const FIELDS: [(&str, &str, &str); 5] = [
    ("number", "案号", "Case number"),
    ("applicant", "申请人", "Applicant"),
    ("credit_code", "统一社会信用代码", "Unified social credit code"),
    ("officer", "承办人", "Officer"),
    ("notes", "备注", "Notes"),
];

/// The field a spreadsheet column or a JSON key names: its key (`credit_code`, `case.credit_code`) or its
/// Chinese or English label, as an index into `FIELDS`.
pub fn field(name: &str) -> Option<usize> {
    let name = name.trim();
    let key = name.strip_prefix("case.").unwrap_or(name);
    FIELDS.iter().position(|(k, zh, en)| k.eq_ignore_ascii_case(key) || *zh == name || en.eq_ignore_ascii_case(name))
}

impl Case {
    /// Sets field `index` of `FIELDS` from `text`; a credit code is upper-cased and its check character
    /// verified.
    pub fn set(&mut self, index: usize, text: String) -> Result<(), CaseError> {
        let slot = match index {
            0 => &mut self.number,
            1 => &mut self.applicant,
            2 => {
                let code = text.trim().to_uppercase();
                check_credit_code(&code).map_err(|reason| CaseError::CreditCode { given: text.clone(), reason })?;
                self.credit_code = Some(code);
                return Ok(());
            }
            3 => &mut self.officer,
            _ => &mut self.notes,
        };
        *slot = Some(text);
        Ok(())
    }

    /// Field `index` of `FIELDS`.
    pub fn get(&self, index: usize) -> Option<&str> {
        [&self.number, &self.applicant, &self.credit_code, &self.officer, &self.notes]
            .get(index)
            .and_then(|v| v.as_deref())
    }

    pub fn is_empty(&self) -> bool {
        (0..FIELDS.len()).all(|i| self.get(i).is_none())
    }
}

/// Reads `[case]` from a parsed fact file.
pub fn read(value: serde_json::Value) -> Result<Case, CaseError> {
    let serde_json::Value::Object(table) = value else { return Err(CaseError::NotATable) };
    let mut case = Case::default();
    for (key, value) in table {
        let text = match value {
            serde_json::Value::String(s) => s,
            _ if FIELDS.iter().any(|(k, _, _)| *k == key) => return Err(CaseError::NotAString(key)),
            _ => return Err(CaseError::UnknownKey(key)),
        };
        match FIELDS.iter().position(|(k, _, _)| *k == key) {
            Some(index) => case.set(index, text)?,
            None => return Err(CaseError::UnknownKey(key)),
        }
    }
    Ok(case)
}

impl CaseError {
    pub fn zh(&self) -> String {
        match self {
            CaseError::NotATable => "事实文件中的 `case` 应为表（TOML 的 [case]）".to_string(),
            CaseError::UnknownKey(key) => format!(
                "[case] 中有无法识别的键 `{key}`；只允许 number（案号）、applicant（申请人）、credit_code（统一社会信用代码）、officer（承办人）、notes（备注）"
            ),
            CaseError::NotAString(key) => format!("[case] 中的 `{key}` 应为字符串"),
            CaseError::CreditCode { given, reason } => {
                let why = match reason {
                    CodeFault::Length(n) => format!("应为 18 位，实际 {n} 位"),
                    CodeFault::Character(c) => {
                        format!("含有不允许的字符“{c}”（只用数字和除 I、O、S、V、Z 以外的大写字母）")
                    }
                    CodeFault::Check { expected, given } => {
                        format!("校验码应为“{expected}”，实际为“{given}”（请核对各位是否抄错）")
                    }
                };
                format!("统一社会信用代码“{given}”有误：{why}")
            }
        }
    }

    pub fn en(&self) -> String {
        match self {
            CaseError::NotATable => "`case` in the fact file must be a table ([case] in TOML)".to_string(),
            CaseError::UnknownKey(key) => format!(
                "unknown key `{key}` in [case]; only number, applicant, credit_code, officer and notes are allowed"
            ),
            CaseError::NotAString(key) => format!("`{key}` in [case] must be a string"),
            CaseError::CreditCode { given, reason } => {
                let why = match reason {
                    CodeFault::Length(n) => format!("it must have 18 characters, not {n}"),
                    CodeFault::Character(c) => {
                        format!("`{c}` is not allowed (digits and capital letters other than I, O, S, V, Z only)")
                    }
                    CodeFault::Check { expected, given } => {
                        format!("the check character should be `{expected}`, not `{given}` (is a character mistyped?)")
                    }
                };
                format!("the unified social credit code `{given}` is not valid: {why}")
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn check_characters_of_published_codes() {
        // The standard's own example and two codes printed on business licences (Tencent, Huawei).
        for code in ["91350100M000100Y43", "9144030071526726XG", "914403001922038216"] {
            assert_eq!(check_credit_code(code), Ok(()), "{code}");
        }
        assert_eq!(check_credit_code("914403001922038219"), Err(CodeFault::Check { expected: '6', given: '9' }));
        assert_eq!(check_credit_code("9111000080210043"), Err(CodeFault::Length(16)));
        assert_eq!(check_credit_code("91440300192203821I"), Err(CodeFault::Character('I')));
    }
}
