//! The report as typed data: what a renderer (text, JSON, HTML) needs, already in the reader's language,
//! with verdicts and outcomes as enums. Serialisable both ways so that a stored report reads back as it
//! was written; `REPORT_VERSION` changes when a field changes meaning (adding one does not).

use serde::{Deserialize, Serialize};

use crate::eval::{Outcome, Verdict};
use crate::facts::Case;

/// The version of the report model (`version` in the JSON report).
pub const REPORT_VERSION: u32 = 1;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Report {
    pub policy: String,
    pub as_of: String,
    pub verdict: Verdict,
    /// Why the policy does not apply, or why nothing can be decided although no fact is missing.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    pub rules: Vec<RuleReport>,
    /// Names of the facts that could still change the verdict.
    pub missing: Vec<String>,
    /// The exact refinement ran out of work: `missing` may list facts that cannot in fact change the
    /// verdict (and an undetermined verdict may in fact be decided). Never silently: the text says so too.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub missing_approximate: bool,
    /// Each output's value by name: quantities as exact strings with their unit; `null` when unknown or
    /// when the policy does not apply.
    pub outputs: serde_json::Map<String, serde_json::Value>,
    pub warnings: Vec<String>,
    /// For target documents: how many targets stand where, over all and per lead unit.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub progress: Vec<super::targets::ProgressLine>,
    /// The model's version (`REPORT_VERSION`).
    #[serde(default)]
    pub version: u32,
    /// The language of every text in the report: `zh` or `en`.
    #[serde(default)]
    pub lang: String,
    /// The notice: title, 文号, issuer, validity.
    #[serde(default)]
    pub header: Header,
    /// The `[case]` block of the fact file: 案号, 申请人, 统一社会信用代码, 承办人, 备注.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub case: Option<Case>,
    /// The evaluation date as a reader writes it (2020年6月1日).
    #[serde(default)]
    pub as_of_text: String,
    /// The date the figures measure, as a header line (「数据截止日期：2023年9月30日」), for a pack with `period`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub period: Option<String>,
    /// The verdict in the policy's own words (`conclusion` in the rule file), or the standard term.
    #[serde(default)]
    pub conclusion: String,
    /// The facts that could still change the verdict, by name and label.
    #[serde(default)]
    pub missing_facts: Vec<FactRef>,
    /// The figures that targets not yet due need to tell where they stand (their on-track lines read them).
    /// They cannot change the verdict, since nothing fails before its due date, but without them a target's
    /// progress cannot be told.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub progress_missing: Vec<FactRef>,
    /// Each output with its label, its value in words and what decided it.
    #[serde(default)]
    pub output_details: Vec<OutputLine>,
    /// The pack's readings of the whole text (`reading` in the policy), said under the conclusion.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub readings: Vec<String>,
    /// The clauses of the notice this check does not cover (`not_checked` in the rule file).
    #[serde(default)]
    pub not_checked: Vec<NotChecked>,
    /// The procedure the notice states: time limits, the department in charge.
    #[serde(default)]
    pub administrative: Vec<AdministrativeLine>,
    /// That the result is a self-assessment aid, not an administrative decision.
    #[serde(default)]
    pub disclaimer: String,
    /// Facts given in another time base (元/天 for 元/小时) and converted by a law the pack cites.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub conversions: Vec<ConversionLine>,
}

/// A fact converted by law: what was given, what it was read as, by which declared conversions.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ConversionLine {
    pub fact: String,
    pub given: String,
    pub value: String,
    /// False when the quotient does not terminate and the value shown is rounded.
    pub exact: bool,
    pub by: Vec<ConversionRule>,
    /// The whole line in the reader's language.
    pub text: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ConversionRule {
    /// `1 天 = 8 小时`
    pub rule: String,
    pub citation: String,
}

/// Who issued the notice and when it is in force, as written in the rule file's header.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Header {
    pub title: String,
    pub source_title: Option<String>,
    pub number: Option<String>,
    pub issuer: Option<String>,
    pub valid_from: String,
    pub valid_until: Option<String>,
    /// The validity as a reader writes it (2020年1月8日起施行).
    #[serde(default)]
    pub validity: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RuleReport {
    pub id: String,
    pub outcome: RuleOutcome,
    pub citation: String,
    /// Everything below in one sentence.
    pub explanation: String,
    /// A target's standing and due date.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target: Option<super::targets::TargetReport>,
    /// 牵头单位 and 责任单位, in the report's language.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lead: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub responsible: Option<String>,
    /// The due date and the units in one line, for the text report.
    #[serde(skip)]
    pub responsibility: Option<String>,
    #[serde(default)]
    pub title: String,
    /// Why an unknown rule is unknown.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub head: Option<String>,
    /// For a rule that failed under a `when`: the tests that made it apply.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub conditions: Vec<String>,
    /// The tests that decided the rule.
    #[serde(default)]
    pub details: Vec<Detail>,
    /// The remedy, who a case is referred to, or that the case is out of scope.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub consequence: Option<String>,
    /// Why the rule does not apply to this case (for a skipped rule).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub inapplicable: Option<String>,
    /// The passages of the notice the rule implements (for a table, only the row that applied).
    #[serde(default)]
    pub quotes: Vec<String>,
    /// The pack's own readings of words the notice leaves open.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub readings: Vec<String>,
    /// For an unknown rule: the names of the facts that left it undecided.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub missing: Vec<String>,
    /// A scope rule: when it fails, the notice does not apply.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub scope: bool,
}

/// A rule's outcome as the report states it: the evaluation's, except that a target the evaluation skipped
/// because its due date has not come reads `not_yet_due`. `skipped` means 不适用, and a program reading
/// `outcome` alone must not take an unmet target that is not yet due for one that does not apply;
/// `target.status` says where it stands (on track, behind, already met…). The verdict is the evaluation's.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RuleOutcome {
    Pass,
    Fail,
    Refer,
    Warn,
    Unknown,
    Skipped,
    NotYetDue,
}

impl RuleOutcome {
    /// The report's outcome of a rule the evaluation decided as `outcome`; `not_yet_due` marks a target
    /// skipped by its due date (one with a standing, `targets::status`).
    pub fn of(outcome: Outcome, target: Option<super::targets::TargetStatus>) -> RuleOutcome {
        match outcome {
            Outcome::Pass => RuleOutcome::Pass,
            Outcome::Fail => RuleOutcome::Fail,
            Outcome::Refer => RuleOutcome::Refer,
            Outcome::Warn => RuleOutcome::Warn,
            Outcome::Unknown => RuleOutcome::Unknown,
            Outcome::Skipped if target.is_some() => RuleOutcome::NotYetDue,
            Outcome::Skipped => RuleOutcome::Skipped,
        }
    }
}

/// One test that decided a rule, in words.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Detail {
    pub holds: Truth,
    pub text: String,
    /// The test only names a value that is not known: the missing facts already say it.
    #[serde(default)]
    pub value_only: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Truth {
    Holds,
    Fails,
    Unknown,
}

/// A fact named for a reader: its name in the rule file and its label in the reader's language.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FactRef {
    pub name: String,
    pub label: String,
}

/// An output as a reader sees it: its label, its value in words and what decided it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OutputLine {
    pub name: String,
    pub label: String,
    pub value: String,
    /// What decided the value (for a route: what put the project on it), with the quotes of the table
    /// row it came from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

/// A clause of the notice this check does not cover.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NotChecked {
    pub clause: String,
    pub text: String,
}

/// A fact of the procedure the notice states.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AdministrativeLine {
    pub label: String,
    pub value: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub clause: Option<String>,
}
