//! The report as typed data: what a renderer (text, JSON, HTML) needs, already in the reader's language,
//! with verdicts and outcomes as enums. Serialisable both ways so that a stored report reads back as it
//! was written; `REPORT_VERSION` changes when a field changes meaning (adding one does not).

use serde::{Deserialize, Serialize};

use crate::eval::{Outcome, Verdict};

/// The version of the report model (`version` in the JSON report).
pub const REPORT_VERSION: u32 = 1;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Report {
    pub policy: String,
    pub as_of: String,
    #[serde(with = "verdict_name")]
    pub verdict: Verdict,
    /// Why the policy does not apply, or why nothing can be decided although no fact is missing.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    pub rules: Vec<RuleReport>,
    /// Names of the facts that could still change the verdict.
    pub missing: Vec<String>,
    /// Each output's value by name: quantities as exact strings with their unit.
    pub outputs: serde_json::Map<String, serde_json::Value>,
    pub warnings: Vec<String>,
    /// For target documents: how many targets stand where, over all and per lead unit.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub progress: Vec<super::targets::ProgressLine>,
    #[serde(skip)]
    pub header: Header,
    #[serde(skip)]
    pub missing_facts: Vec<FactRef>,
    #[serde(skip)]
    pub output_lines: Vec<OutputLine>,
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
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RuleReport {
    pub id: String,
    #[serde(with = "outcome_name")]
    pub outcome: Outcome,
    pub citation: String,
    /// Everything below in one sentence.
    pub explanation: String,
    /// A target's standing and due date.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target: Option<super::targets::TargetReport>,
    /// 牵头单位 and 责任单位.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lead: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub responsible: Option<String>,
    /// The due date and the units in one line, for the text report.
    #[serde(skip)]
    pub responsibility: Option<String>,
    #[serde(skip)]
    pub title: String,
    /// Why an unknown rule is unknown.
    #[serde(skip)]
    pub head: Option<String>,
    /// For a rule that failed under a `when`: the tests that made it apply.
    #[serde(skip)]
    pub conditions: Vec<String>,
    /// The tests that decided the rule.
    #[serde(skip)]
    pub details: Vec<Detail>,
    /// The remedy, who a case is referred to, or that the case is out of scope.
    #[serde(skip)]
    pub consequence: Option<String>,
    #[serde(skip)]
    pub quotes: Vec<String>,
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

/// An output as a reader sees it: its label and its value in words.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OutputLine {
    pub name: String,
    pub label: String,
    pub value: String,
}

/// The JSON contract's verdict strings (`pass`, `not_applicable`, …).
mod verdict_name {
    use serde::{Deserialize, Deserializer, Serializer, de::Error};

    use crate::eval::Verdict;

    pub fn serialize<S: Serializer>(verdict: &Verdict, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(verdict.as_str())
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Verdict, D::Error> {
        let name = String::deserialize(d)?;
        [Verdict::NotApplicable, Verdict::Fail, Verdict::Undetermined, Verdict::Refer, Verdict::Pass]
            .into_iter()
            .find(|v| v.as_str() == name)
            .ok_or_else(|| D::Error::custom(format!("unknown verdict `{name}`")))
    }
}

mod outcome_name {
    use serde::{Deserialize, Deserializer, Serializer, de::Error};

    use crate::eval::Outcome;

    pub fn serialize<S: Serializer>(outcome: &Outcome, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(outcome.as_str())
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Outcome, D::Error> {
        let name = String::deserialize(d)?;
        [Outcome::Pass, Outcome::Fail, Outcome::Refer, Outcome::Warn, Outcome::Unknown, Outcome::Skipped]
            .into_iter()
            .find(|o| o.as_str() == name)
            .ok_or_else(|| D::Error::custom(format!("unknown outcome `{name}`")))
    }
}
