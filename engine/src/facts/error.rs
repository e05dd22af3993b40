//! Bad fact input, said in the user's language: which fact, what was expected, what was given.

use crate::explain::Lang;

/// What a fact accepts, with an example, in both languages.
#[derive(Debug, Clone, PartialEq)]
pub struct Accepted {
    pub zh: String,
    pub en: String,
}

/// Why a figure is not read as a number.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NumberProblem {
    NotANumber,
    /// `15,5` or `1.860,00`: a comma that is not a thousands separator in groups of three.
    Grouping,
    /// Beyond what an exact decimal holds (about 7.9 × 10^28).
    TooLarge,
    /// More than 28 significant digits: it would be rounded.
    TooPrecise,
}

impl NumberProblem {
    fn zh(self) -> &'static str {
        match self {
            NumberProblem::NotANumber => "不是数字",
            NumberProblem::Grouping => {
                "逗号只能作千分位分隔符，且须三位一组（如 1,860）；小数请用小数点（如 15.5），不能用逗号"
            }
            NumberProblem::TooLarge => "数值过大（超出可精确计算的范围，约 7.9×10^28）",
            NumberProblem::TooPrecise => "位数过多，无法精确表示（不会四舍五入后使用）",
        }
    }

    fn en(self) -> &'static str {
        match self {
            NumberProblem::NotANumber => "it is not a number",
            NumberProblem::Grouping => {
                "a comma may only separate thousands in groups of three (e.g. 1,860); write decimals with a point (15.5), not a comma"
            }
            NumberProblem::TooLarge => "it is too large to compute with exactly (the limit is about 7.9×10^28)",
            NumberProblem::TooPrecise => "it has more digits than can be held exactly (it is not rounded)",
        }
    }
}

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum FactError {
    #[error("the {} is malformed: {}", .0.format, .0.en)]
    Syntax(Box<super::syntax::SyntaxError>),
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
    #[error("fact `{name}` expects {}, given {given}", accepted.en)]
    WrongType { name: String, label: String, given: String, accepted: Box<Accepted> },
    #[error("fact `{name}` is not read as a number: {given}")]
    BadNumber { name: String, label: String, given: String, problem: NumberProblem, accepted: Box<Accepted> },
    /// `time_rate`: the units differ only in their time base (元/天 for 元/小时), which is law, not arithmetic.
    #[error("fact `{name}` is given in an incompatible unit: {given}")]
    BadUnit { name: String, label: String, given: String, expected: String, time_rate: bool },
    #[error("fact `{}` is given in a unit comply does not know: {}", .0.name, .0.given)]
    UnknownUnit(Box<UnknownUnit>),
    #[error("fact `{name}` may not be negative: {given}")]
    Negative { name: String, label: String, given: String },
    #[error("fact `{name}` must be a whole number: {given}")]
    NotWhole { name: String, label: String, given: String },
    #[error("fact `{name}` has no value `{given}`")]
    BadEnum { name: String, label: String, given: String, allowed: Box<Accepted>, suggestion: Option<String> },
    #[error("fact `{name}` is not a valid date: {given}")]
    BadDate { name: String, label: String, given: String },
    #[error("no policy `{id}`")]
    UnknownPolicy { id: String, known: Vec<String> },
    #[error("the facts do not say which policy to check")]
    NoPolicy { known: Vec<String> },
    #[error("`{given}` is not a valid evaluation date")]
    BadAsOf { given: String },
    #[error("no evaluation date")]
    NoAsOf,
    #[error("{0}")]
    Case(super::case::CaseError),
    /// A row of a list of records that does not say which record it is.
    #[error("row {row} of `{key}` does not say which record it is")]
    RecordWithoutKey { key: String, row: usize, example: String },
    #[error("the record `{record}` of `{key}` is given twice")]
    RecordTwice { key: String, record: String },
    /// A row gives a value the policy keeps for no list of this key.
    #[error("the row `{record}` of `{key}` gives `{field}`, which is no list of `{key}`")]
    RecordField { key: String, record: String, field: String, suggestion: Option<String>, fields: Vec<String> },
    /// A list (one value per record) given as one value.
    #[error("`{name}` is one value per `{key}`, not one value")]
    ListGivenAsOne { name: String, key: String },
}

/// Boxed: the error type stays small on the happy path.
#[derive(Debug, Clone, PartialEq)]
pub struct UnknownUnit {
    pub name: String,
    pub label: String,
    pub given: String,
    pub unit: String,
    pub expected: String,
    pub suggestion: Option<String>,
}

fn with_excerpt(message: String, excerpt: &Option<String>) -> String {
    match excerpt {
        Some(lines) => format!("{message}\n{lines}"),
        None => message,
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
            FactError::Syntax(e) => {
                let place = match (e.line, e.column) {
                    (Some(l), Some(c)) => format!("，第 {l} 行第 {c} 列"),
                    _ => String::new(),
                };
                with_excerpt(format!("事实文件格式错误（{}{place}）：{}", e.format, e.zh), &e.excerpt)
            }
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
            FactError::RecordWithoutKey { key, row, example } => {
                format!("`{key}` 的第 {row} 条记录没有写明是哪一条：请加上 {key} = \"…\"（如 {key} = \"{example}\"）")
            }
            FactError::RecordTwice { key, record } => {
                format!("`{key}` 中“{record}”这条记录给了两次；每条记录只能写一行，请合并或删去其中一行")
            }
            FactError::RecordField { key, record, field, suggestion, fields } => {
                let hint = suggestion.as_ref().map(|s| format!("是否指 `{s}`？")).unwrap_or_default();
                format!(
                    "`{key}` 中“{record}”这一行的 `{field}` 不是按 {key} 逐条填写的事实；{hint}每行可填：{}",
                    fields.join("、")
                )
            }
            FactError::ListGivenAsOne { name, key } => format!(
                "`{name}` 按 {key} 逐条填写，不是一个值：请每条一行写在 [[facts.{key}]] 中（{key} = \"…\" 加 {name} = …）"
            ),
            FactError::Undeclared { name, policy, suggestion } => {
                let hint = suggestion.as_ref().map(|s| format!("；是否指 `{s}`？")).unwrap_or_default();
                format!(
                    "事实 `{name}` 不是政策 {policy} 声明的事实{hint}（可用 `comply facts --policy {policy}` 查看事实清单）"
                )
            }
            FactError::WrongType { name, label, given, accepted } => {
                format!("事实 `{name}`（{label}）应为{}；实际给出 {given}", accepted.zh)
            }
            FactError::BadNumber { name, label, given, problem, accepted } => {
                format!("事实 `{name}`（{label}）给出 “{given}”：{}。应为{}", problem.zh(), accepted.zh)
            }
            FactError::BadUnit { name, label, given, expected, time_rate: true } => format!(
                "事实 `{name}`（{label}）给出 “{given}”，应为 {expected}：按天、按小时、按月计的数额不能互相换算，\
                 一天、一月算多少小时由法规规定，不是算术；请按“{expected}”填写"
            ),
            FactError::BadUnit { name, label, given, expected, time_rate: false } => {
                format!("事实 `{name}`（{label}）的单位不对：给出 “{given}”，应为 {expected} 或其他同类单位")
            }
            FactError::UnknownUnit(u) => {
                let UnknownUnit { name, label, given, unit, expected, suggestion } = &**u;
                let hint = suggestion.as_ref().map(|s| format!("；是否指 `{s}`？")).unwrap_or_default();
                format!(
                    "事实 `{name}`（{label}）给出 “{given}”，其中 `{unit}` 不是 comply 认识的单位{hint}（应为 {expected} 或其他同类单位）"
                )
            }
            FactError::Negative { name, label, given } => {
                format!(
                    "事实 `{name}`（{label}）不能为负数，实际给出 {given}；请检查是否填错了符号。\
                     如果该量确实可能为负（如减少额、亏损），请在规则文件中该事实的声明里加上 `may_be_negative`"
                )
            }
            FactError::NotWhole { name, label, given } => format!("事实 `{name}`（{label}）应为整数，实际给出 {given}"),
            FactError::BadEnum { name, label, given, allowed, suggestion } => {
                let hint = suggestion.as_ref().map(|s| format!("；是否指 `{s}`？")).unwrap_or_default();
                format!("事实 `{name}`（{label}）没有取值 “{given}”；可选：{}{hint}", allowed.zh)
            }
            FactError::BadDate { name, label, given } => {
                format!("事实 `{name}`（{label}）的日期无效：“{given}”；应为日期，如 2021-03-01")
            }
            FactError::UnknownPolicy { id, known } => format!("没有编号为 `{id}` 的政策；已加载：{}", known.join("、")),
            FactError::NoPolicy { known } => {
                format!(
                    "未指明要检查的政策：请用 --policy 或在事实文件中写 policy = \"…\"；已加载：{}",
                    known.join("、")
                )
            }
            FactError::BadAsOf { given } => format!("评估日期无效：“{given}”，应为 YYYY-MM-DD"),
            FactError::NoAsOf => {
                "未给出评估日期：请用 --as-of YYYY-MM-DD 或在事实文件中写 as_of = \"YYYY-MM-DD\"".to_string()
            }
        }
    }

    fn en(&self) -> String {
        match self {
            FactError::Syntax(e) => {
                let place = match (e.line, e.column) {
                    (Some(l), Some(c)) => format!(" (line {l}, column {c})"),
                    _ => String::new(),
                };
                with_excerpt(format!("the fact file is not valid {}{place}: {}", e.format, e.en), &e.excerpt)
            }
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
            FactError::RecordWithoutKey { key, row, example } => {
                format!(
                    "row {row} of `{key}` does not say which record it is: add {key} = \"…\" (e.g. {key} = \"{example}\")"
                )
            }
            FactError::RecordTwice { key, record } => {
                format!("the record “{record}” of `{key}` is given twice; give each record in one row only")
            }
            FactError::RecordField { key, record, field, suggestion, fields } => {
                let hint = suggestion.as_ref().map(|s| format!("did you mean `{s}`? ")).unwrap_or_default();
                format!(
                    "the row “{record}” of `{key}` gives `{field}`, which is not kept per {key}; {hint}a row may give: {}",
                    fields.join(", ")
                )
            }
            FactError::ListGivenAsOne { name, key } => format!(
                "`{name}` is one value per {key}, not one value: give each record in its own [[facts.{key}]] row ({key} = \"…\" and {name} = …)"
            ),
            FactError::Undeclared { name, policy, suggestion } => {
                let hint = suggestion.as_ref().map(|s| format!("; did you mean `{s}`?")).unwrap_or_default();
                format!("policy {policy} declares no fact `{name}`{hint} (`comply facts --policy {policy}` lists them)")
            }
            FactError::WrongType { name, label, given, accepted } => {
                format!("fact `{name}` ({label}) expects {}; but {given} was given", accepted.en)
            }
            FactError::BadNumber { name, label, given, problem, accepted } => {
                format!("fact `{name}` ({label}) is given “{given}”: {}. Expected {}", problem.en(), accepted.en)
            }
            FactError::BadUnit { name, label, given, expected, time_rate: true } => format!(
                "fact `{name}` ({label}) is given “{given}” but is kept in {expected}: amounts per day, per hour and per month \
                 are not converted into one another, because how many hours a day or a month counts is law, not arithmetic; \
                 give it in {expected}"
            ),
            FactError::BadUnit { name, label, given, expected, time_rate: false } => {
                format!("fact `{name}` ({label}) is given as “{given}”, which is not convertible to {expected}")
            }
            FactError::UnknownUnit(u) => {
                let UnknownUnit { name, label, given, unit, expected, suggestion } = &**u;
                let hint = suggestion.as_ref().map(|s| format!("; did you mean `{s}`?")).unwrap_or_default();
                format!(
                    "fact `{name}` ({label}) is given as “{given}”, but `{unit}` is not a unit comply knows{hint} (expected {expected} or a unit of the same dimension)"
                )
            }
            FactError::Negative { name, label, given } => {
                format!(
                    "fact `{name}` ({label}) cannot be negative, but {given} was given; check the sign. \
                     If the quantity can really be negative (a fall, a loss), add `may_be_negative` to the fact's declaration in the rule file"
                )
            }
            FactError::NotWhole { name, label, given } => {
                format!("fact `{name}` ({label}) must be a whole number, but {given} was given")
            }
            FactError::BadEnum { name, label, given, allowed, suggestion } => {
                let hint = suggestion.as_ref().map(|s| format!("; did you mean `{s}`?")).unwrap_or_default();
                format!("fact `{name}` ({label}) has no value “{given}”; allowed: {}{hint}", allowed.en)
            }
            FactError::BadDate { name, label, given } => {
                format!("fact `{name}` ({label}) is not a valid date: “{given}” (expected a date, e.g. 2021-03-01)")
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
            FactError::NoAsOf => {
                "no evaluation date: pass --as-of YYYY-MM-DD or write as_of = \"YYYY-MM-DD\" in the fact file"
                    .to_string()
            }
        }
    }
}
