//! Where a target stands: met, missed, on track, behind, not yet due, or cannot tell; and the progress
//! summary per responsible unit. Read off the same evaluation: a target that is not yet due was skipped by
//! its due-date gate (so it never fails the verdict), and is measured here against the on-track line the
//! pack declared, never a line the engine invents.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::phrases::{Lang, pick};
use crate::eval::{Env, FactMask, Outcome, RuleResult, Value};
use crate::policy::RuleDef;
use crate::syntax::ast::Bilingual;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TargetStatus {
    /// Due, and the requirement holds.
    Met,
    /// Due, and the requirement does not hold.
    Missed,
    /// Not yet due, and the on-track line holds.
    OnTrack,
    /// Not yet due, and the on-track line does not hold.
    Behind,
    /// Not yet due, and the pack declared no on-track line.
    NotYetDue,
    /// A figure, or the date the figures measure, is missing.
    CannotTell,
}

impl TargetStatus {
    pub const ALL: [TargetStatus; 6] = [
        TargetStatus::Met,
        TargetStatus::Missed,
        TargetStatus::OnTrack,
        TargetStatus::Behind,
        TargetStatus::NotYetDue,
        TargetStatus::CannotTell,
    ];

    pub fn mark(self) -> &'static str {
        match self {
            TargetStatus::Met | TargetStatus::OnTrack => "✓",
            TargetStatus::Missed => "✗",
            TargetStatus::Behind => "!",
            TargetStatus::NotYetDue => "…",
            TargetStatus::CannotTell => "?",
        }
    }

    pub fn text(self, lang: Lang) -> &'static str {
        match self {
            TargetStatus::Met => pick(lang, "已达到", "met"),
            TargetStatus::Missed => pick(lang, "到期未达到", "missed at the due date"),
            TargetStatus::OnTrack => pick(lang, "进度正常（未到考核时点）", "on track (not yet due)"),
            TargetStatus::Behind => pick(lang, "进度滞后（未到考核时点）", "behind (not yet due)"),
            TargetStatus::NotYetDue => pick(lang, "未到考核时点", "not yet due"),
            TargetStatus::CannotTell => pick(lang, "无法判断", "cannot tell"),
        }
    }

    fn short(self, lang: Lang) -> &'static str {
        match self {
            TargetStatus::OnTrack => pick(lang, "进度正常", "on track"),
            TargetStatus::Behind => pick(lang, "进度滞后", "behind"),
            other => other.text(lang),
        }
    }
}

/// A pack of targets: some rule has a due date. It checks a district's progress, not an application.
pub fn has_targets(policy: &crate::policy::Policy) -> bool {
    policy.rules().iter().any(|r| r.target.is_some())
}

/// A target's standing. `None` for a rule without a due date, or one whose own `when` does not hold.
pub fn status<'a>(env: &mut Env<'a>, rule: &'a RuleDef, result: &RuleResult) -> Option<TargetStatus> {
    let target = rule.target.as_ref()?;
    match env.eval(&target.gate) {
        // A requirement that already holds is met, whether or not the figures' date is known or due.
        _ if result.outcome == Outcome::Pass => Some(TargetStatus::Met),
        Value::Bool(true) => match result.outcome {
            Outcome::Pass => Some(TargetStatus::Met),
            Outcome::Fail | Outcome::Refer | Outcome::Warn => Some(TargetStatus::Missed),
            Outcome::Unknown => Some(TargetStatus::CannotTell),
            Outcome::Skipped => None,
        },
        Value::Bool(false) => {
            if let Some(when) = &target.when {
                match env.eval(when) {
                    Value::Bool(false) => return None,
                    Value::Bool(true) => {}
                    _ => return Some(TargetStatus::CannotTell),
                }
            }
            if env.eval(&rule.requires) == Value::Bool(true) {
                return Some(TargetStatus::Met);
            }
            match &target.on_track {
                None => Some(TargetStatus::NotYetDue),
                Some(line) => Some(match env.eval(line) {
                    Value::Bool(true) => TargetStatus::OnTrack,
                    Value::Bool(false) => TargetStatus::Behind,
                    _ => TargetStatus::CannotTell,
                }),
            }
        }
        // The figures' date is unknown; a rule skipped all the same has a `when` that does not hold.
        _ if result.outcome == Outcome::Skipped => None,
        _ => Some(TargetStatus::CannotTell),
    }
}

/// The figures a target that cannot tell its standing before the due date waits for: those its own `when`
/// and its on-track line read. They cannot change the verdict (nothing fails before its due date), so they
/// are asked for apart from the facts that could.
pub fn standing_missing<'a>(env: &mut Env<'a>, rule: &'a RuleDef) -> FactMask {
    let Some(target) = &rule.target else { return FactMask::EMPTY };
    let unknown = |v: Value<'_>| match v {
        Value::Unknown { facts, .. } => facts,
        _ => FactMask::EMPTY,
    };
    let when = target.when.as_ref().map_or(FactMask::EMPTY, |w| unknown(env.eval(w)));
    let line = target.on_track.as_ref().map_or(FactMask::EMPTY, |l| unknown(env.eval(l)));
    when.union(line)
}

/// A target's standing as a report shows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TargetReport {
    pub status: TargetStatus,
    pub due: String,
}

/// One line of the progress summary: a responsible unit (or all targets) and how many targets stand where.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProgressLine {
    /// The 牵头单位, or 全部目标 (all targets) for the line that counts every target.
    pub unit: String,
    /// The line that counts every target, whatever `unit` reads in the report's language.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub all: bool,
    /// Only the statuses that occur, in the order of `TargetStatus`.
    pub counts: BTreeMap<TargetStatus, usize>,
}

/// Counts per status, over all targets first, then per lead unit in the order the units first appear.
pub fn progress(rules: &[(&RuleDef, Option<TargetStatus>)], lang: Lang) -> Vec<ProgressLine> {
    let with_status: Vec<(&RuleDef, TargetStatus)> = rules.iter().filter_map(|(r, s)| Some((*r, (*s)?))).collect();
    if with_status.is_empty() {
        return Vec::new();
    }
    let count = |of: &dyn Fn(&RuleDef) -> bool| -> BTreeMap<TargetStatus, usize> {
        TargetStatus::ALL
            .into_iter()
            .map(|s| (s, with_status.iter().filter(|(r, st)| *st == s && of(r)).count()))
            .filter(|(_, n)| *n > 0)
            .collect()
    };
    let all =
        ProgressLine {
            unit: pick(lang, "全部目标", "all targets").to_string(), all: true, counts: count(&|_| true)
        };
    let mut lines = vec![all];
    let mut units: Vec<&str> = Vec::new();
    for unit in with_status.iter().flat_map(|(rule, _)| lead_units(&rule.lead, lang)) {
        if !units.contains(&unit) {
            units.push(unit);
        }
    }
    for unit in units {
        lines.push(ProgressLine {
            unit: unit.to_string(),
            all: false,
            counts: count(&|r| lead_units(&r.lead, lang).any(|u| u == unit)),
        });
    }
    lines
}

/// The units of a `lead` line in the reader's language, each answering for the target. A unit named
/// without English may list several as the table writes them (「区财政局、区税务局」 is two, 「各县（市、区）」
/// one); one named in English too is one unit in both languages, so that the summary counts the same.
fn lead_units(lead: &[Bilingual], lang: Lang) -> impl Iterator<Item = &str> {
    lead.iter().flat_map(move |unit| match (&unit.en, lang) {
        (Some(en), Lang::En) => vec![en.trim()],
        (Some(_), Lang::Zh) => vec![unit.zh.trim()],
        (None, _) => split_units(&unit.zh),
    })
}

/// 「市卫生局，市编委办、各县（市、区）」 → 市卫生局 | 市编委办 | 各县（市、区）: a separator inside brackets
/// belongs to the unit's name.
fn split_units(text: &str) -> Vec<&str> {
    let (mut units, mut depth, mut start) = (Vec::new(), 0usize, 0);
    for (at, c) in text.char_indices() {
        match c {
            '（' | '(' => depth += 1,
            '）' | ')' => depth = depth.saturating_sub(1),
            '、' | ',' | '，' if depth == 0 => {
                units.push(text[start..at].trim());
                start = at + c.len_utf8();
            }
            _ => {}
        }
    }
    units.push(text[start..].trim());
    units.retain(|u| !u.is_empty());
    units
}

/// A `lead` or `responsible` line in the reader's language: 「区财政局、区税务局」, "District finance bureau,
/// District tax bureau"; `None` when the rule names no unit.
pub fn units_text(units: &[Bilingual], lang: Lang) -> Option<String> {
    let names: Vec<&str> = units.iter().map(|u| super::localized(u, lang)).collect();
    (!names.is_empty()).then(|| names.join(pick(lang, "、", ", ")))
}

/// 「已达到 2、进度滞后 1」
pub fn counts_text(counts: &BTreeMap<TargetStatus, usize>, lang: Lang) -> String {
    let parts: Vec<String> = counts.iter().map(|(s, n)| format!("{} {n}", s.short(lang))).collect();
    parts.join(pick(lang, "、", ", "))
}

/// 「考核时点 2025年12月31日；牵头单位：…；责任单位：…」
pub fn responsibility_line(rule: &RuleDef, lang: Lang) -> Option<String> {
    let mut parts = Vec::new();
    if let Some(target) = &rule.target {
        parts.push(format!("{}{}", pick(lang, "考核时点 ", "due "), super::phrases::date_text(target.due, lang)));
    }
    if let Some(lead) = units_text(&rule.lead, lang) {
        parts.push(format!("{}{lead}", pick(lang, "牵头单位：", "lead: ")));
    }
    if let Some(responsible) = units_text(&rule.responsible, lang) {
        parts.push(format!("{}{responsible}", pick(lang, "责任单位：", "responsible: ")));
    }
    if parts.is_empty() { None } else { Some(parts.join(pick(lang, "；", "; "))) }
}
