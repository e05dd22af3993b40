//! The explanation as data: for every rule, the comparisons that decided it with the values they saw.
//! Collected in the same pass as the evaluation (one `Env`, one cache) and without formatting anything,
//! so a caller that needs the reasons but not the prose (a bulk check, a test) pays only for the values.

use std::ops::Range;

use jiff::civil::Date;

use crate::eval::{Env, Evaluation, FactMask, FactSet, Inapplicable, Outcome, Value};
use crate::policy::*;

/// One comparison, membership test or yes/no fact that decided a rule, with the values it saw.
#[derive(Debug, Clone, Copy)]
pub struct Atom<'a> {
    /// The test itself: a comparison, `in`, `has`, a yes/no value or its negation.
    pub expr: &'a Expr,
    /// Whether it held: true, false or unknown.
    pub holds: Value<'a>,
    /// The value tested: a comparison's left side, the choice or set tested for membership, the fact.
    pub subject: Value<'a>,
    /// What it was tested against: a comparison's right side, or the item a set must hold.
    pub other: Value<'a>,
    /// For a count of records (`count(…) >= 3 个`) some of which are not yet known: how many those are. The
    /// subject then counts the records known to hold.
    pub pending: u16,
}

#[derive(Debug, Clone)]
pub struct RuleExplanation<'a> {
    pub rule: &'a RuleDef,
    /// Indices into `Explained::atoms`: the facts that made a failed rule apply.
    pub conditions: Range<usize>,
    /// Indices into `Explained::atoms`: what decided the requirement (or, for a skipped rule, its `when`;
    /// for a target not yet due, its due date and the progress against the on-track line).
    pub details: Range<usize>,
    /// Where a target with a due date stands.
    pub target: Option<super::targets::TargetStatus>,
    /// For a target not yet due whose standing cannot be told: the figures that would tell it.
    pub standing_missing: FactMask,
}

#[derive(Debug, Clone)]
pub struct Explained<'a> {
    pub policy: &'a Policy,
    /// The case's facts, for what the words look at beyond the atoms (`possible`: an open side's values).
    pub facts: &'a FactSet,
    pub as_of: Date,
    pub evaluation: Evaluation,
    pub rules: Vec<RuleExplanation<'a>>,
    /// All rules' atoms in one buffer.
    pub atoms: Vec<Atom<'a>>,
    /// Each output's value; unknown outside the policy's validity, where the notice concludes nothing.
    pub outputs: Vec<(DerivedId, Value<'a>)>,
    /// For each output chosen by a condition (`if … then … else …`): indices into `atoms` of what decided it.
    pub output_reasons: Vec<Range<usize>>,
    /// For each table, the row that applied to the case, if every key is known.
    pub table_rows: Vec<Option<u16>>,
    /// The `period` expression and its value, for the report's header.
    pub period: Option<(&'a Expr, Value<'a>)>,
}

impl Explained<'_> {
    pub fn atoms_of(&self, range: &Range<usize>) -> &[Atom<'_>] {
        self.atoms.get(range.clone()).unwrap_or(&[])
    }
}

/// Evaluates a case and records why each rule came out as it did.
pub fn explained<'a>(policy: &'a Policy, facts: &'a FactSet, as_of: Date) -> Explained<'a> {
    let mut env = Env::new(policy, facts, as_of);
    let evaluation = env.evaluation();
    // The date the figures measure (`period`), read off the first target's gate `period >= due`; none when
    // the pack declared no period and targets are measured on the evaluation date.
    let period = policy.rules.iter().filter_map(|r| r.target.as_ref()).find_map(|t| match &t.gate {
        Expr::Compare(c) if !matches!(c.lhs, Expr::AsOf) => Some(&c.lhs),
        _ => None,
    });
    let period = period.map(|expr| (expr, env.eval(expr)));
    let mut collector = Collector { env: &mut env, atoms: Vec::with_capacity(policy.rules.len() * 2) };
    let mut rules = Vec::with_capacity(evaluation.rules.len());
    for (rule, result) in policy.rules.iter().zip(&evaluation.rules) {
        let start = collector.atoms.len();
        // A rule that failed under a `when` also says why it applied: the clerk sees the case it covers.
        if let (Some(condition), Outcome::Fail | Outcome::Refer | Outcome::Warn) = (&rule.applies, result.outcome) {
            collector.collect(condition);
        }
        let conditions = start..collector.atoms.len();
        let target = super::targets::status(collector.env, rule, result);
        match (&rule.applies, result.outcome) {
            // Not yet due (the due date is on the line above): the progress so far against the pack's line,
            // or against the target itself when the pack declared no line or the target is already met.
            (_, Outcome::Skipped) if target.is_some() => {
                if let Some(t) = &rule.target {
                    let line = t.on_track.as_ref().filter(|_| target != Some(super::targets::TargetStatus::Met));
                    collector.collect(line.unwrap_or(&rule.requires));
                }
            }
            (Some(condition), Outcome::Skipped) => collector.collect(condition),
            (_, Outcome::Skipped) => {}
            _ => collector.collect(&rule.requires),
        }
        let standing_missing = match (target, result.outcome) {
            (Some(super::targets::TargetStatus::CannotTell), Outcome::Skipped) => {
                super::targets::standing_missing(collector.env, rule)
            }
            _ => FactMask::EMPTY,
        };
        rules.push(RuleExplanation {
            rule,
            conditions: conditions.clone(),
            details: conditions.end..collector.atoms.len(),
            target,
            standing_missing,
        });
    }
    let in_force = !matches!(evaluation.inapplicable, Some(Inapplicable::BeforeInForce | Inapplicable::AfterExpiry));
    let mut output_reasons = Vec::with_capacity(policy.outputs.len());
    for &id in &policy.outputs {
        let start = collector.atoms.len();
        if let (true, Expr::If { condition, .. }) = (in_force, &policy.derived[id as usize].expr) {
            collector.collect(condition);
        }
        output_reasons.push(start..collector.atoms.len());
    }
    let atoms = collector.atoms;
    // Only a row with quotes is ever shown, so tables without them are not searched for their row.
    let table_rows = (policy.tables.iter().enumerate())
        .map(
            |(t, table)| {
                if table.row_quotes.iter().any(|q| !q.is_empty()) { env.table_row(t as TableId) } else { None }
            },
        )
        .collect();
    let outputs = policy
        .outputs
        .iter()
        .map(|&id| {
            let value =
                if in_force { env.derived(id) } else { Value::Unknown { facts: Default::default(), undefined: None } };
            (id, value)
        })
        .collect();
    Explained { policy, facts, as_of, evaluation, rules, atoms, outputs, output_reasons, table_rows, period }
}

struct Collector<'e, 'a> {
    env: &'e mut Env<'a>,
    atoms: Vec<Atom<'a>>,
}

impl<'a> Collector<'_, 'a> {
    /// Whether `expr` reads a record of a list (`rate_鹿城区`).
    fn reads_record(&self, expr: &Expr) -> bool {
        let policy = self.env.policy;
        policy.facts_read(expr).into_iter().any(|f| policy.facts.get(f as usize).is_some_and(|d| d.record.is_some()))
    }

    /// Records the tests that decided `expr`: for a false `and`, each false part (and each record of a list
    /// not yet known); for a true `or`, the first true part; for an undecided one, the undecided parts;
    /// otherwise every part.
    fn collect(&mut self, expr: &'a Expr) {
        match expr {
            Expr::And(parts) | Expr::Or(parts) => {
                let decisive = matches!(expr, Expr::Or(_));
                match self.env.eval(expr) {
                    Value::Bool(b) if b == decisive => {
                        for part in parts {
                            let value = self.env.eval(part);
                            // A failed `and` over records also names the records not yet known: each county of
                            // 「各县」 answers for its own, so one that has not reported is named beside one that
                            // failed, though it cannot change the outcome.
                            let unreported = !decisive && !value.is_known() && self.reads_record(part);
                            if value == Value::Bool(decisive) || unreported {
                                self.collect(part);
                                if decisive {
                                    break;
                                }
                            }
                        }
                    }
                    Value::Bool(_) => parts.iter().for_each(|p| self.collect(p)),
                    _ => {
                        for part in parts {
                            if !self.env.eval(part).is_known() {
                                self.collect(part);
                            }
                        }
                    }
                }
            }
            Expr::Derived(d) if self.env.policy.derived[*d as usize].ty == Type::Bool => {
                let policy = self.env.policy;
                self.collect(&policy.derived[*d as usize].expr);
            }
            Expr::If { condition, then, otherwise } => {
                self.collect(condition);
                match self.env.eval(condition) {
                    Value::Bool(true) => self.collect(then),
                    Value::Bool(false) => self.collect(otherwise),
                    _ => {}
                }
            }
            Expr::Const(_) => {}
            leaf => {
                let holds = self.env.eval(leaf);
                let unknown = Value::Unknown { facts: Default::default(), undefined: None };
                let (subject, other) = match leaf {
                    Expr::Compare(c) => (self.env.eval(&c.lhs), self.env.eval(&c.rhs)),
                    Expr::Not(inner) => (self.env.eval(inner), unknown),
                    Expr::InEnum { value, .. } | Expr::InText { value, .. } => (self.env.eval(value), unknown),
                    Expr::HasAny { set, .. } | Expr::HasOnly { set, .. } => (self.env.eval(set), unknown),
                    Expr::Has { set, item, .. } => (self.env.eval(set), self.env.eval(item)),
                    other => (self.env.eval(other), unknown),
                };
                let counted = match leaf {
                    Expr::Compare(c) => match self.env.policy.resolve(&c.lhs) {
                        Expr::Count { parts, unit } => Some((parts, *unit)),
                        _ => None,
                    },
                    _ => None,
                };
                let Some((parts, unit)) = counted else {
                    self.atoms.push(Atom { expr: leaf, holds, subject, other, pending: 0 });
                    return;
                };
                let (held, open) = self.env.tally(parts);
                let subject = Value::Num(crate::units::Quantity::new(held.into(), unit));
                let pending = open.map_or(0, |(_, n)| u16::try_from(n).unwrap_or(u16::MAX));
                self.atoms.push(Atom { expr: leaf, holds, subject, other, pending });
                // The records that decided a count: those counted, and, unless the count is met, those that
                // did not count. Records not yet known are in the count's own line and in the missing list.
                for part in parts {
                    match self.env.eval(part) {
                        Value::Bool(true) => self.collect(part),
                        Value::Bool(false) if holds != Value::Bool(true) => self.collect(part),
                        _ => {}
                    }
                }
            }
        }
    }
}
