//! Bad fact input, said in the user's language: which fact, what was expected, what was given.

use crate::explain::Lang;

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum FactError {
    #[error("the {format} is malformed: {message}")]
    Syntax { format: &'static str, line: Option<usize>, message: String },
    /// The file parsed, but its shape is wrong: the top level, or `facts`, is not a table.
    #[error("`{key}` must be a table of name = value, found {found}")]
    NotATable { key: &'static str, found: String },
    /// `policy` or `as_of` given as something other than a string.
    #[error("`{key}` must be a string, found {found}")]
    NotAString { key: String, found: String },
    #[error("unknown top-level key `{key}`")]
    UnknownKey { key: String },
    #[error("policy `{policy}` declares no fact `{name}`")]
    Undeclared { name: String, policy: String, suggestion: Option<String> },
    #[error("fact `{name}` expects {expected}, given {given}")]
    WrongType { name: String, label: String, expected: &'static str, given: String },
    #[error("fact `{name}` is given in an incompatible unit: {given}")]
    BadUnit { name: String, label: String, given: String, expected: String },
    #[error("fact `{name}` may not be negative: {given}")]
    Negative { name: String, label: String, given: String },
    #[error("fact `{name}` must be a whole number: {given}")]
    NotWhole { name: String, label: String, given: String },
    #[error("fact `{name}` has no value `{given}`")]
    BadEnum { name: String, label: String, given: String, allowed: Vec<String>, suggestion: Option<String> },
    #[error("fact `{name}` is not a valid date: {given}")]
    BadDate { name: String, given: String },
    #[error("no policy `{id}`")]
    UnknownPolicy { id: String, known: Vec<String> },
    #[error("the facts do not say which policy to check")]
    NoPolicy { known: Vec<String> },
    #[error("`{given}` is not a valid evaluation date")]
    BadAsOf { given: String },
    #[error("{0}")]
    Case(super::case::CaseError),
}

fn expected_zh(expected: &str) -> &'static str {
    match expected {
        "bool" => "是/否（true 或 false）",
        "quantity" => "数值（可带单位，如 \"8.2 万元/亩\"）",
        "date" => "日期（YYYY-MM-DD）",
        "text" => "文字",
        "enum" => "列表中的一个取值（字符串）",
        "set" => "取值数组，如 [\"extension\"]",
        _ => "取值",
    }
}

fn expected_en(expected: &str) -> &'static str {
    match expected {
        "bool" => "true or false",
        "quantity" => "a number, optionally with a unit such as \"8.2 万元/亩\"",
        "date" => "a date YYYY-MM-DD",
        "text" => "a text",
        "enum" => "one of the listed values, as a string",
        "set" => "an array of values, e.g. [\"extension\"]",
        _ => "a value",
    }
}

impl FactError {
    /// The message a clerk or an applicant reads.
    pub fn render(&self, lang: Lang) -> String {
        match lang {
            Lang::Zh => self.zh(),
            Lang::En => self.en(),
        }
    }

    fn zh(&self) -> String {
        match self {
            FactError::Syntax { format, line, message } => match line {
                Some(l) => format!("事实文件格式错误（{format}，第 {l} 行）：{message}"),
                None => format!("事实文件格式错误（{format}）：{message}"),
            },
            FactError::NotATable { key, found } => match *key {
                "facts" => format!(
                    "事实文件中的 `facts` 应为“事实名 = 取值”的表（TOML 的 [facts] 或 JSON 对象），实际给出 {found}"
                ),
                _ => format!("事实文件的顶层应为表（TOML 文件或 JSON 对象），实际给出 {found}"),
            },
            FactError::NotAString { key, found } => {
                format!("事实文件中的 `{key}` 应为字符串（如 \"2021-05-01\"），实际给出 {found}")
            }
            FactError::UnknownKey { key } => {
                format!("事实文件中有无法识别的顶层键 `{key}`；只允许 policy、as_of、case、facts（及测试用的 expect）")
            }
            FactError::Case(error) => error.zh(),
            FactError::Undeclared { name, policy, suggestion } => {
                let hint = suggestion.as_ref().map(|s| format!("；是否指 `{s}`？")).unwrap_or_default();
                format!(
                    "事实 `{name}` 不是政策 {policy} 声明的事实{hint}（可用 `comply facts --policy {policy}` 查看事实清单）"
                )
            }
            FactError::WrongType { name, label, expected, given } => {
                format!("事实 `{name}`（{label}）应为{}，实际给出 {given}", expected_zh(expected))
            }
            FactError::BadUnit { name, label, given, expected } => {
                format!("事实 `{name}`（{label}）的单位不对：给出 {given}，应为 {expected} 或同一量纲的单位")
            }
            FactError::Negative { name, label, given } => {
                format!("事实 `{name}`（{label}）不能为负数，实际给出 {given}")
            }
            FactError::NotWhole { name, label, given } => format!("事实 `{name}`（{label}）应为整数，实际给出 {given}"),
            FactError::BadEnum { name, label, given, allowed, suggestion } => {
                let hint = suggestion.as_ref().map(|s| format!("；是否指 `{s}`？")).unwrap_or_default();
                format!("事实 `{name}`（{label}）没有取值 “{given}”；可选：{}{hint}", allowed.join("、"))
            }
            FactError::BadDate { name, given } => format!("事实 `{name}` 的日期无效：“{given}”，应为 YYYY-MM-DD"),
            FactError::UnknownPolicy { id, known } => format!("没有编号为 `{id}` 的政策；已加载：{}", known.join("、")),
            FactError::NoPolicy { known } => {
                format!(
                    "未指明要检查的政策：请用 --policy 或在事实文件中写 policy = \"…\"；已加载：{}",
                    known.join("、")
                )
            }
            FactError::BadAsOf { given } => format!("评估日期无效：“{given}”，应为 YYYY-MM-DD"),
        }
    }

    fn en(&self) -> String {
        match self {
            FactError::Syntax { format, line, message } => match line {
                Some(l) => format!("the fact file is not valid {format} (line {l}): {message}"),
                None => format!("the fact file is not valid {format}: {message}"),
            },
            FactError::NotATable { key, found } => match *key {
                "facts" => format!(
                    "`facts` in the fact file must be a table of name = value ([facts] in TOML, an object in JSON), but {found} was given"
                ),
                _ => format!(
                    "the fact file must be a table at the top level (a TOML file or a JSON object), but {found} was given"
                ),
            },
            FactError::NotAString { key, found } => {
                format!("`{key}` in the fact file must be a string (e.g. \"2021-05-01\"), but {found} was given")
            }
            FactError::UnknownKey { key } => {
                format!(
                    "unknown top-level key `{key}` in the fact file; only policy, as_of, case, facts (and expect in test cases) are allowed"
                )
            }
            FactError::Case(error) => error.en(),
            FactError::Undeclared { name, policy, suggestion } => {
                let hint = suggestion.as_ref().map(|s| format!("; did you mean `{s}`?")).unwrap_or_default();
                format!("policy {policy} declares no fact `{name}`{hint} (`comply facts --policy {policy}` lists them)")
            }
            FactError::WrongType { name, label, expected, given } => {
                format!("fact `{name}` ({label}) expects {}, but {given} was given", expected_en(expected))
            }
            FactError::BadUnit { name, label, given, expected } => {
                format!("fact `{name}` ({label}) is given as {given}, which is not convertible to {expected}")
            }
            FactError::Negative { name, label, given } => {
                format!("fact `{name}` ({label}) cannot be negative, but {given} was given")
            }
            FactError::NotWhole { name, label, given } => {
                format!("fact `{name}` ({label}) must be a whole number, but {given} was given")
            }
            FactError::BadEnum { name, label, given, allowed, suggestion } => {
                let hint = suggestion.as_ref().map(|s| format!("; did you mean `{s}`?")).unwrap_or_default();
                format!("fact `{name}` ({label}) has no value “{given}”; allowed: {}{hint}", allowed.join(", "))
            }
            FactError::BadDate { name, given } => {
                format!("fact `{name}` is not a valid date: “{given}” (expected YYYY-MM-DD)")
            }
            FactError::UnknownPolicy { id, known } => {
                format!("there is no policy `{id}`; loaded: {}", known.join(", "))
            }
            FactError::NoPolicy { known } => {
                format!(
                    "no policy given: use --policy or write policy = \"…\" in the fact file; loaded: {}",
                    known.join(", ")
                )
            }
            FactError::BadAsOf { given } => format!("the evaluation date “{given}” is not valid (expected YYYY-MM-DD)"),
        }
    }
}
