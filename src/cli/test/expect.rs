//! The `[expect]` table of a stored case, read strictly: a misspelt verdict, key, rule id or output name is a
//! mistake in the case, not a failed case, so it is refused with its line and what is allowed (exit 2).

use std::ops::Range;

use crate::check::did_you_mean;
use crate::diag::{Diagnostic, Sources, Span};
use crate::eval::Verdict;
use crate::explain::targets::TargetStatus;
use crate::explain::{Lang, verdict_short};
use crate::facts::Accepted;
use crate::facts::locate::{Step, locate};
use crate::policy::Policy;

const KEYS: [&str; 4] = ["verdict", "failing", "outputs", "targets"];
const VERDICTS: [Verdict; 5] =
    [Verdict::Pass, Verdict::Fail, Verdict::Undetermined, Verdict::Refer, Verdict::NotApplicable];

/// What a case expects of its report.
pub struct Expected {
    pub verdict: Verdict,
    /// Exactly the rules that fail, when given.
    pub failing: Option<Vec<String>>,
    pub outputs: Vec<(String, serde_json::Value)>,
    /// Where a target stands (`[expect.targets]`, `rule_id = "behind"`), as `target.status` in JSON.
    pub targets: Vec<(String, TargetStatus)>,
}

/// Why an `[expect]` table cannot be read.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ExpectError {
    #[error("the case has no [expect] table")]
    Missing,
    #[error("`expect` must be a table")]
    NotATable,
    #[error("unknown key `{key}` in [expect]")]
    UnknownKey { key: String, suggestion: Option<String> },
    #[error("[expect] has no verdict")]
    NoVerdict,
    #[error("`{given}` is not a verdict")]
    BadVerdict { given: String, suggestion: Option<String> },
    #[error("`failing` must be a list of rule ids")]
    FailingNotAList,
    #[error("policy {policy} has no rule `{id}`")]
    UnknownRule {
        index: usize,
        id: String,
        policy: String,
        /// The policy's rule ids (in Chinese with their titles, for a clerk who knows the rules by them).
        known: Box<Accepted>,
        suggestion: Option<String>,
    },
    #[error("`outputs` must be a table of output = value")]
    OutputsNotATable,
    #[error("policy {policy} has no output `{name}`")]
    UnknownOutput { name: String, policy: String, known: Vec<String>, suggestion: Option<String> },
    #[error("`targets` must be a table of rule id = standing")]
    TargetsNotATable,
    /// A rule id that is no target (no such rule, or one without a due date).
    #[error("policy {policy} has no target `{id}`")]
    NotATarget { id: String, policy: String, known: Vec<String>, suggestion: Option<String> },
    #[error("`{given}` is not a target's standing")]
    BadStanding { id: String, given: String, suggestion: Option<String> },
}

/// Reads `[expect]` against the policy the case is for. Every mistake in the table is listed, so that a
/// case is corrected in one go; only a missing or malformed table stops at once.
pub fn read(policy: &Policy, expect: Option<&serde_json::Value>) -> Result<Expected, Vec<ExpectError>> {
    let table = expect.ok_or(ExpectError::Missing).and_then(|e| e.as_object().ok_or(ExpectError::NotATable));
    let table = table.map_err(|e| vec![e])?;
    let mut mistakes = Vec::new();
    for key in table.keys().filter(|k| !KEYS.contains(&k.as_str())) {
        let keys: Vec<String> = KEYS.iter().map(|k| k.to_string()).collect();
        mistakes.push(ExpectError::UnknownKey { key: key.clone(), suggestion: did_you_mean(key, &keys) });
    }
    let verdict = match table.get("verdict") {
        None => Err(ExpectError::NoVerdict),
        Some(given) => {
            let text = given.as_str().map_or_else(|| given.to_string(), str::to_string);
            VERDICTS.into_iter().find(|v| v.as_str() == text).ok_or_else(|| {
                let names: Vec<String> = VERDICTS.iter().map(|v| v.as_str().to_string()).collect();
                ExpectError::BadVerdict { suggestion: did_you_mean(&text, &names), given: text }
            })
        }
    };
    let verdict = verdict.map_err(|e| mistakes.push(e)).ok();
    let failing = match table.get("failing") {
        None => None,
        Some(serde_json::Value::Array(items)) => {
            let known: Vec<String> = policy.rules().iter().map(|r| r.id.clone()).collect();
            let titled: Vec<String> = policy.rules().iter().map(|r| format!("{}（{}）", r.id, r.title.zh)).collect();
            let mut ids = Vec::with_capacity(items.len());
            let mut not_a_list = false;
            for (index, item) in items.iter().enumerate() {
                let Some(id) = item.as_str() else {
                    not_a_list = true;
                    continue;
                };
                if !known.iter().any(|k| k == id) {
                    mistakes.push(ExpectError::UnknownRule {
                        index,
                        id: id.to_string(),
                        policy: policy.id().to_string(),
                        suggestion: did_you_mean(id, &known),
                        known: Box::new(Accepted { zh: titled.join("、"), en: known.join(", ") }),
                    });
                }
                ids.push(id.to_string());
            }
            if not_a_list {
                mistakes.push(ExpectError::FailingNotAList);
            }
            Some(ids)
        }
        Some(_) => {
            mistakes.push(ExpectError::FailingNotAList);
            None
        }
    };
    let outputs = match table.get("outputs") {
        None => Vec::new(),
        Some(serde_json::Value::Object(outputs)) => {
            let known: Vec<String> = policy
                .outputs()
                .iter()
                .filter_map(|&id| policy.derived().get(id as usize))
                .map(|d| d.name.clone())
                .collect();
            for name in outputs.keys().filter(|n| !known.contains(n)) {
                mistakes.push(ExpectError::UnknownOutput {
                    name: name.clone(),
                    policy: policy.id().to_string(),
                    suggestion: did_you_mean(name, &known),
                    known: known.clone(),
                });
            }
            outputs.iter().map(|(k, v)| (k.clone(), v.clone())).collect()
        }
        Some(_) => {
            mistakes.push(ExpectError::OutputsNotATable);
            Vec::new()
        }
    };
    let targets = match table.get("targets") {
        None => Vec::new(),
        Some(serde_json::Value::Object(given)) => {
            let known: Vec<String> =
                policy.rules().iter().filter(|r| r.target.is_some()).map(|r| r.id.clone()).collect();
            let mut targets = Vec::with_capacity(given.len());
            for (id, standing) in given {
                if !known.contains(id) {
                    mistakes.push(ExpectError::NotATarget {
                        id: id.clone(),
                        policy: policy.id().to_string(),
                        suggestion: did_you_mean(id, &known),
                        known: known.clone(),
                    });
                    continue;
                }
                let text = standing.as_str().map_or_else(|| standing.to_string(), str::to_string);
                match TargetStatus::ALL.into_iter().find(|s| standing_name(*s) == text) {
                    Some(status) => targets.push((id.clone(), status)),
                    None => {
                        let names: Vec<String> = TargetStatus::ALL.into_iter().map(standing_name).collect();
                        mistakes.push(ExpectError::BadStanding {
                            id: id.clone(),
                            suggestion: did_you_mean(&text, &names),
                            given: text,
                        });
                    }
                }
            }
            targets
        }
        Some(_) => {
            mistakes.push(ExpectError::TargetsNotATable);
            Vec::new()
        }
    };
    match verdict {
        Some(verdict) if mistakes.is_empty() => Ok(Expected { verdict, failing, outputs, targets }),
        _ => Err(mistakes),
    }
}

/// A standing as the JSON report writes it (`on_track`), which is what a case writes too.
pub fn standing_name(status: TargetStatus) -> String {
    serde_json::to_value(status).ok().and_then(|v| v.as_str().map(str::to_string)).unwrap_or_default()
}

/// The standings a case may expect, with the report's words for each.
fn standing_list(lang: Lang) -> String {
    let items: Vec<String> = TargetStatus::ALL
        .into_iter()
        .map(|s| match lang {
            Lang::Zh => format!("{}（{}）", standing_name(s), s.text(lang)),
            Lang::En => standing_name(s),
        })
        .collect();
    items.join(if lang == Lang::Zh { "、" } else { ", " })
}

/// The verdicts a case may expect, each with the words the report uses for it.
fn verdict_list(lang: Lang) -> String {
    let items: Vec<String> = VERDICTS
        .iter()
        .map(|&v| match lang {
            Lang::Zh => format!("{}（{}）", v.as_str(), verdict_short(v, lang)),
            Lang::En => v.as_str().to_string(),
        })
        .collect();
    items.join(if lang == Lang::Zh { "、" } else { ", " })
}

fn hint(suggestion: &Option<String>, lang: Lang) -> String {
    match (suggestion, lang) {
        (Some(s), Lang::Zh) => format!("是否指 `{s}`？"),
        (Some(s), Lang::En) => format!("did you mean `{s}`? "),
        (None, _) => String::new(),
    }
}

impl ExpectError {
    /// Where in the case file the mistake is written.
    fn place(&self) -> Vec<Step<'_>> {
        let expect = Step::Key("expect");
        match self {
            ExpectError::Missing => vec![],
            ExpectError::NotATable | ExpectError::NoVerdict => vec![expect],
            ExpectError::UnknownKey { key, .. } => vec![expect, Step::Key(key)],
            ExpectError::BadVerdict { .. } => vec![expect, Step::Key("verdict")],
            ExpectError::FailingNotAList => vec![expect, Step::Key("failing")],
            ExpectError::UnknownRule { index, .. } => vec![expect, Step::Key("failing"), Step::Index(*index)],
            ExpectError::OutputsNotATable => vec![expect, Step::Key("outputs")],
            ExpectError::UnknownOutput { name, .. } => vec![expect, Step::Key("outputs"), Step::Key(name)],
            ExpectError::TargetsNotATable => vec![expect, Step::Key("targets")],
            ExpectError::NotATarget { id, .. } | ExpectError::BadStanding { id, .. } => {
                vec![expect, Step::Key("targets"), Step::Key(id)]
            }
        }
    }

    /// Message, caret label and help, in English and Chinese.
    fn words(&self) -> ([String; 3], [String; 3]) {
        let (zh, en) = (Lang::Zh, Lang::En);
        match self {
            ExpectError::TargetsNotATable | ExpectError::NotATarget { .. } | ExpectError::BadStanding { .. } => {
                self.target_words()
            }
            ExpectError::Missing => (
                ["用例没有 [expect] 表".into(), String::new(), "在用例文件末尾写 [expect] 和 verdict = \"…\"".into()],
                ["the case has no [expect] table".into(), String::new(), "add [expect] with verdict = \"…\"".into()],
            ),
            ExpectError::NotATable => (
                ["`expect` 应为表（TOML 的 [expect]）".into(), "这里".into(), "写成 [expect] 表".into()],
                ["`expect` must be a table ([expect] in TOML)".into(), "here".into(), "write it as a table".into()],
            ),
            ExpectError::UnknownKey { key, suggestion } => (
                [
                    format!("[expect] 中有无法识别的键 `{key}`"),
                    "无法识别的键".into(),
                    format!(
                        "{}只允许 verdict（结论）、failing（不符合的规则）、outputs（输出）、targets（目标进度）",
                        hint(suggestion, zh)
                    ),
                ],
                [
                    format!("unknown key `{key}` in [expect]"),
                    "unknown key".into(),
                    format!("{}only verdict, failing, outputs and targets are allowed", hint(suggestion, en)),
                ],
            ),
            ExpectError::NoVerdict => (
                [
                    "[expect] 没有写预期结论 verdict".into(),
                    "此表".into(),
                    format!("写 verdict = \"…\"，取值为 {}之一", verdict_list(zh)),
                ],
                [
                    "[expect] has no verdict".into(),
                    "this table".into(),
                    format!("add verdict = \"…\", one of {}", verdict_list(en)),
                ],
            ),
            ExpectError::BadVerdict { given, suggestion } => (
                [
                    format!("预期结论 “{given}” 不是可用的结论"),
                    "不是结论".into(),
                    format!("{}应为 {}之一", hint(suggestion, zh), verdict_list(zh)),
                ],
                [
                    format!("`{given}` is not a verdict"),
                    "not a verdict".into(),
                    format!("{}expected one of {}", hint(suggestion, en), verdict_list(en)),
                ],
            ),
            ExpectError::FailingNotAList => (
                [
                    "failing 应为规则编号的列表".into(),
                    "不是列表".into(),
                    "如 failing = [\"monthly_floor\"]；没有不符合的规则时写 failing = []".into(),
                ],
                [
                    "`failing` must be a list of rule ids".into(),
                    "not a list of rule ids".into(),
                    "e.g. failing = [\"monthly_floor\"]; failing = [] when no rule fails".into(),
                ],
            ),
            ExpectError::UnknownRule { id, policy, known, suggestion, .. } => (
                [
                    format!("政策 {policy} 没有编号为 `{id}` 的规则"),
                    "没有这条规则".into(),
                    format!("{}规则编号：{}", hint(suggestion, zh), known.zh),
                ],
                [
                    format!("policy {policy} has no rule `{id}`"),
                    "no such rule".into(),
                    format!("{}its rules: {}", hint(suggestion, en), known.en),
                ],
            ),
            ExpectError::OutputsNotATable => (
                ["outputs 应为“输出名 = 取值”的表".into(), "不是表".into(), "写成 [expect.outputs] 表".into()],
                [
                    "`outputs` must be a table of output = value".into(),
                    "not a table".into(),
                    "write it as [expect.outputs]".into(),
                ],
            ),
            ExpectError::UnknownOutput { name, policy, known, suggestion } => {
                let (zh_list, en_list) = if known.is_empty() {
                    ("该政策没有输出".to_string(), "it declares no outputs".to_string())
                } else {
                    (format!("输出：{}", known.join("、")), format!("its outputs: {}", known.join(", ")))
                };
                (
                    [
                        format!("政策 {policy} 没有名为 `{name}` 的输出"),
                        "没有这个输出".into(),
                        format!("{}{zh_list}", hint(suggestion, zh)),
                    ],
                    [
                        format!("policy {policy} has no output `{name}`"),
                        "no such output".into(),
                        format!("{}{en_list}", hint(suggestion, en)),
                    ],
                )
            }
        }
    }

    /// The words of the mistakes in `[expect.targets]`.
    fn target_words(&self) -> ([String; 3], [String; 3]) {
        let (zh, en) = (Lang::Zh, Lang::En);
        match self {
            ExpectError::TargetsNotATable => (
                ["targets 应为“规则编号 = 目标进度”的表".into(), "不是表".into(), "写成 [expect.targets] 表".into()],
                [
                    "`targets` must be a table of rule id = standing".into(),
                    "not a table".into(),
                    "write it as [expect.targets]".into(),
                ],
            ),
            ExpectError::NotATarget { id, policy, known, suggestion } => {
                let (zh_list, en_list) = if known.is_empty() {
                    ("该政策没有带考核时点的目标".to_string(), "it has no target with a due date".to_string())
                } else {
                    (format!("目标：{}", known.join("、")), format!("its targets: {}", known.join(", ")))
                };
                (
                    [
                        format!("政策 {policy} 没有编号为 `{id}` 的目标（带考核时点 due 的规则）"),
                        "不是目标".into(),
                        format!("{}{zh_list}", hint(suggestion, zh)),
                    ],
                    [
                        format!("policy {policy} has no target `{id}` (a rule with `due`)"),
                        "not a target".into(),
                        format!("{}{en_list}", hint(suggestion, en)),
                    ],
                )
            }
            ExpectError::BadStanding { given, suggestion, .. } => (
                [
                    format!("“{given}” 不是目标进度"),
                    "不是目标进度".into(),
                    format!("{}应为 {}之一", hint(suggestion, zh), standing_list(zh)),
                ],
                [
                    format!("`{given}` is not a target's standing"),
                    "not a standing".into(),
                    format!("{}expected one of {}", hint(suggestion, en), standing_list(en)),
                ],
            ),
            _ => Default::default(),
        }
    }

    /// The mistake as a diagnostic pointing at where the case file writes it.
    fn diagnostic(&self, file: &str, text: &str, source: u32) -> Diagnostic {
        let place = self.place();
        let at_key = matches!(self, ExpectError::UnknownKey { .. } | ExpectError::NotATarget { .. });
        let range: Range<usize> = locate(file, text, &place, at_key)
            .or_else(|| locate(file, text, &place[..place.len().min(1)], true))
            .unwrap_or(0..0);
        let code = match self {
            ExpectError::Missing | ExpectError::NotATable | ExpectError::UnknownKey { .. } => "C080",
            ExpectError::NoVerdict | ExpectError::BadVerdict { .. } => "C081",
            ExpectError::FailingNotAList | ExpectError::UnknownRule { .. } => "C082",
            ExpectError::OutputsNotATable | ExpectError::UnknownOutput { .. } => "C083",
            ExpectError::TargetsNotATable | ExpectError::NotATarget { .. } | ExpectError::BadStanding { .. } => "C084",
        };
        let ([zh_message, zh_label, zh_help], [message, label, help]) = self.words();
        Diagnostic::error(code, Span::new(source, range.start, range.end), message)
            .label(label)
            .help(help)
            .zh(zh_message, zh_label, zh_help)
    }
}

/// Every mistake of a case file, each with its line and a caret under it, in the reader's language.
pub fn render(mistakes: &[ExpectError], file: &str, text: &str, lang: Lang) -> String {
    let mut sources = Sources::default();
    let id = sources.add(file, text);
    let mut diagnostics: Vec<Diagnostic> = mistakes.iter().map(|m| m.diagnostic(file, text, id)).collect();
    // In the order the file reads, whatever order they were found in.
    diagnostics.sort_by_key(|d| d.span.start);
    sources.render_in(&diagnostics, lang == Lang::Zh)
}
