//! TEMPORARY STAND-IN for the engine's question plan (`comply plan`, issue #10), which is being written
//! elsewhere. It only lists the evaluator's `missing` facts in the rule file's order; it does not rank
//! them (a fact that matters only through another one may come first) and inherits the evaluator's
//! soundness without exactness. Facts an unknown output (an approval route) waits for are asked after
//! those of the verdict, unless the verdict is a failure or out of scope, where the outputs do not
//! apply. Replace every use with the engine's plan as soon as it is on main.

use comply_engine::eval::{FactSet, Outcome, Value, Verdict};
use comply_engine::explain::{self, Lang, localized};
use comply_engine::policy::{FactId, Policy};
use jiff::civil::Date;
use serde::Serialize;
use utoipa::ToSchema;

use crate::api::{Choice, choices, kind_of, unit_text};

#[derive(Debug, Serialize, ToSchema)]
pub struct Plan {
    /// The verdict with the facts given so far.
    pub verdict: &'static str,
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
}

/// The open questions of a case, leaving out facts the applicant said they cannot answer.
pub fn plan(policy: &Policy, facts: &FactSet, as_of: Date, skipped: &[FactId], lang: Lang) -> Plan {
    let data = explain::explained(policy, facts, as_of);
    let evaluation = &data.evaluation;
    let mut wanted: Vec<(FactId, Vec<String>)> = Vec::new();
    for id in evaluation.missing.iter().filter(|f| !skipped.contains(f)) {
        let why = policy
            .rules()
            .iter()
            .zip(&evaluation.rules)
            .filter(|(_, r)| r.outcome == Outcome::Unknown && r.missing.contains(id))
            .map(|(rule, _)| rule.id.clone())
            .collect();
        wanted.push((id, why));
    }
    if !matches!(evaluation.verdict, Verdict::Fail | Verdict::NotApplicable) {
        for (output, value) in &data.outputs {
            let Value::Unknown { facts: waiting, .. } = value else { continue };
            let name = policy.derived()[*output as usize].name.clone();
            for id in waiting.iter().filter(|f| !skipped.contains(f)) {
                match wanted.iter_mut().find(|(f, _)| *f == id) {
                    Some((_, why)) => why.push(name.clone()),
                    None => wanted.push((id, vec![name.clone()])),
                }
            }
        }
    }
    let questions = wanted
        .into_iter()
        .map(|(id, why)| {
            let fact = &policy.facts()[id as usize];
            Question {
                fact: fact.name.clone(),
                label: localized(&fact.label, lang).to_string(),
                prompt: fact.ask.as_ref().map(|a| localized(a, lang).to_string()),
                kind: kind_of(fact.ty),
                unit: unit_text(fact),
                whole: fact.whole,
                choices: choices(policy, fact.ty, lang),
                why,
            }
        })
        .collect();
    Plan { verdict: evaluation.verdict.as_str(), questions }
}
