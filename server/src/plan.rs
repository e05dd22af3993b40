//! The engine's question plan (`comply_engine::plan`, the same as `comply plan`) in the words of the API:
//! each question with its label, prompt, type, unit and choices in the reader's language.

use comply_engine::eval::FactSet;
use comply_engine::explain::{Lang, localized};
use comply_engine::policy::{FactId, Policy};
use jiff::civil::Date;
use serde::Serialize;
use utoipa::ToSchema;

use crate::api::{Choice, choices, kind_of, unit_text};

#[derive(Debug, Serialize, ToSchema)]
pub struct Plan {
    /// The verdict with the facts given so far.
    pub verdict: &'static str,
    /// The exact search ran out of work: some questions may not in fact be able to change the verdict.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub approximate: bool,
    /// The questions that can still change it, most useful first.
    pub questions: Vec<Question>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Question {
    pub fact: String,
    pub label: String,
    pub prompt: Option<String>,
    /// `bool`, `number`, `date`, `text`, `enum` or `set`.
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub unit: Option<String>,
    pub whole: bool,
    pub choices: Vec<Choice>,
    /// The rules (and outputs) whose outcome the answer can settle.
    pub why: Vec<String>,
    /// The open facts this one is asked after: it only matters through them (the subdistrict through the
    /// county).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub after: Vec<String>,
}

/// The open questions of a case, leaving out facts the applicant said they cannot answer.
pub fn plan(policy: &Policy, facts: &FactSet, as_of: Date, skipped: &[FactId], lang: Lang) -> Plan {
    let plan = comply_engine::plan::plan(policy, facts, as_of, skipped);
    let questions = plan
        .questions
        .into_iter()
        .map(|q| {
            let fact = &policy.facts()[q.fact as usize];
            Question {
                fact: fact.name.clone(),
                label: localized(&fact.label, lang).to_string(),
                prompt: fact.ask.as_ref().map(|a| localized(a, lang).to_string()),
                kind: kind_of(fact.ty),
                unit: unit_text(fact),
                whole: fact.whole,
                choices: choices(policy, fact.ty, lang),
                why: q.why,
                after: q.after.iter().map(|f| policy.facts()[*f as usize].name.clone()).collect(),
            }
        })
        .collect();
    Plan { verdict: plan.verdict.as_str(), approximate: plan.approximate, questions }
}
