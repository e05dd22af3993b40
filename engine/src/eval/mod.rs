//! Three-valued evaluation of a checked policy over facts held in slots, and the verdict lattice.
//! `evaluate` decides every rule and the verdict; `explain` reads the same `Env` to say why.

pub mod exact;
mod value;

use std::cmp::Ordering;

use jiff::civil::Date;

use crate::policy::*;
use crate::syntax::ast::{ArithOp, CmpOp};
use crate::units::{Quantity, Unit};
use rust_decimal::Decimal;
pub use value::{FactMask, Undefined, Value};

/// A supplied fact value, already checked against the fact's declared type and kept in its unit: the
/// same shapes as a constant written in the rules.
pub use crate::policy::Constant as FactValue;

/// The facts of one case, one slot per declared fact; `None` is unknown.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct FactSet {
    pub values: Vec<Option<FactValue>>,
}

impl FactSet {
    pub fn empty(policy: &Policy) -> FactSet {
        FactSet { values: vec![None; policy.facts.len()] }
    }

    pub fn get(&self, fact: FactId) -> Option<&FactValue> {
        self.values.get(fact as usize).and_then(Option::as_ref)
    }

    pub fn set(&mut self, fact: FactId, value: Option<FactValue>) {
        if let Some(slot) = self.values.get_mut(fact as usize) {
            *slot = value;
        }
    }
}

/// A rule's outcome; serialised as the JSON contract's strings (`pass`, `fail`, `refer`, `warn`, `unknown`,
/// `skipped`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    Pass,
    Fail,
    Refer,
    Warn,
    Unknown,
    Skipped,
}

impl Outcome {
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Pass => "pass",
            Outcome::Fail => "fail",
            Outcome::Refer => "refer",
            Outcome::Warn => "warn",
            Outcome::Unknown => "unknown",
            Outcome::Skipped => "skipped",
        }
    }
}

impl std::str::FromStr for Verdict {
    type Err = ();

    /// The JSON contract's string (`pass`, `not_applicable`, …), as records store it.
    fn from_str(text: &str) -> Result<Verdict, ()> {
        serde_json::from_value(serde_json::Value::String(text.to_string())).map_err(|_| ())
    }
}

/// A case's verdict; serialised as the JSON contract's strings (`not_applicable`, `fail`, `undetermined`,
/// `refer`, `pass`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    NotApplicable,
    Fail,
    Undetermined,
    Refer,
    Pass,
}

impl Verdict {
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::NotApplicable => "not_applicable",
            Verdict::Fail => "fail",
            Verdict::Undetermined => "undetermined",
            Verdict::Refer => "refer",
            Verdict::Pass => "pass",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RuleResult {
    pub outcome: Outcome,
    /// For an unknown rule: the missing facts that left it undecided. For a rule Kleene left unknown and the
    /// exact refinement decided (`exact::rule_outcome`): the facts it is decided regardless of.
    pub missing: FactMask,
    pub undefined: Option<Undefined>,
}

/// Why a policy was not applicable.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Inapplicable {
    BeforeInForce,
    AfterExpiry,
    ScopeRule,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Evaluation {
    pub verdict: Verdict,
    pub inapplicable: Option<Inapplicable>,
    /// One result per rule, in the policy's order; empty when the date is outside the validity.
    pub rules: Vec<RuleResult>,
    /// The facts that could still change an undetermined verdict: exactly the pivotal ones (`exact`).
    pub missing: FactMask,
    /// The exact refinement ran out of work (`exact::BUDGET`) or met a fact it cannot split: `missing` may
    /// be larger than necessary, and an undetermined verdict may in fact be decided. Reports say so.
    pub approximate: bool,
}

/// Evaluates every rule and combines them into the exact verdict (`exact`).
pub fn evaluate(policy: &Policy, facts: &FactSet, as_of: Date) -> Evaluation {
    Env::new(policy, facts, as_of).evaluation()
}

/// Kleene propagation alone, without the exact refinement: sound, and the same rule results, but an
/// undetermined verdict may be decided in fact and `missing` may list more than the pivotal facts. For
/// work that reports no verdict (an interview's probes, `diff`'s search, `generate`) and for tests that
/// compare the two.
pub fn kleene(policy: &Policy, facts: &FactSet, as_of: Date) -> Evaluation {
    Env::new(policy, facts, as_of).kleene_evaluation()
}

/// The verdict of one case without the per-rule results, for bulk work (`batch`, `diff`, property tests).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Decision {
    pub verdict: Verdict,
    pub inapplicable: Option<Inapplicable>,
    /// The facts that could still change an undetermined verdict; the same set `evaluate` gives.
    pub missing: FactMask,
    /// See `Evaluation::approximate`.
    pub approximate: bool,
}

impl Decision {
    fn settled(verdict: Verdict, inapplicable: Option<Inapplicable>) -> Decision {
        Decision { verdict, inapplicable, missing: FactMask::EMPTY, approximate: false }
    }

    fn open(missing: FactMask) -> Decision {
        Decision { verdict: Verdict::Undetermined, inapplicable: None, missing, approximate: false }
    }
}

/// Working memory reused across cases, so that deciding a case allocates nothing once it has grown to the
/// largest policy it has seen. One per thread; it may move between policies.
#[derive(Debug, Default)]
pub struct Scratch {
    cache: Vec<Option<Value<'static>>>,
}

impl Scratch {
    pub fn new() -> Scratch {
        Scratch::default()
    }
}

/// The verdict and missing facts `evaluate` would give, computed on the fast path: rules in
/// `policy.eval_order` (cheap decisive checks first), stopping at the first failure that settles the
/// verdict, warnings not evaluated, no allocation once `scratch` is warm.
///
/// Kleene's answer is refined (`exact::refine`) only when it is undetermined: a case Kleene decides pays
/// one comparison more than before.
pub fn decide(policy: &Policy, facts: &FactSet, as_of: Date, scratch: &mut Scratch) -> Decision {
    let decision = decide_kleene(policy, facts, as_of, scratch);
    if decision.verdict != Verdict::Undetermined {
        return decision;
    }
    exact::refine(policy, facts, as_of, decision, scratch)
}

/// `decide` without the exact refinement; see `kleene`.
pub fn decide_kleene(policy: &Policy, facts: &FactSet, as_of: Date, scratch: &mut Scratch) -> Decision {
    if let Some(why) = validity(policy, as_of) {
        return Decision::settled(Verdict::NotApplicable, Some(why));
    }
    let mut env = Env::with_scratch(policy, facts, as_of, scratch);
    let decision = env.decide();
    env.release(scratch);
    decision
}

/// The verdict alone; see `decide`.
pub fn verdict_only(policy: &Policy, facts: &FactSet, as_of: Date, scratch: &mut Scratch) -> Verdict {
    decide(policy, facts, as_of, scratch).verdict
}

/// Empties a cache and hands its memory on under another lifetime. The cached values borrow from one
/// case's facts, so they cannot outlive it; the allocation can. Mapping an emptied `Vec` into a type of the
/// same layout is collected in place by the standard library, so no memory is allocated here (the
/// `fast_path` test counts allocations to hold this).
fn recycle<'b>(mut cache: Vec<Option<Value<'_>>>) -> Vec<Option<Value<'b>>> {
    cache.clear();
    cache.into_iter().map(|_| None).collect()
}

/// The order `decide` runs the rules in, computed once at load: by lattice level (scope, then fail, then
/// refer, the order `Lattice` reads them), and within a level by an estimate of the work, cheapest first,
/// since any failure of a level settles the verdict. Warnings are left out. The report keeps `rules`' order.
pub fn evaluation_order(rules: &[RuleDef], derived: &[DerivedDef], tables: &[TableDef]) -> Vec<u16> {
    let costs = Costs { derived, tables };
    let mut order: Vec<(Level, u32, u16)> = rules
        .iter()
        .enumerate()
        .filter_map(|(i, rule)| {
            let level = rule.consequence.level()?;
            let cost = rule.applies.as_ref().map_or(0, |a| costs.of(a, 0)).saturating_add(costs.of(&rule.requires, 0));
            Some((level, cost, i as u16))
        })
        .collect();
    order.sort_unstable();
    order.into_iter().map(|(_, _, i)| i).collect()
}

/// A rough count of the work an expression takes: decimal arithmetic and table lookups weigh more than a
/// fact read. Only the order of rules within a level depends on it, never a verdict.
struct Costs<'a> {
    derived: &'a [DerivedDef],
    tables: &'a [TableDef],
}

impl Costs<'_> {
    fn of(&self, expr: &Expr, depth: u32) -> u32 {
        // Definitions are acyclic after checking; the bound only keeps a malformed policy from recursing forever.
        if depth > 32 {
            return 1;
        }
        let d = depth + 1;
        let sum = |parts: &[Expr]| parts.iter().fold(0u32, |acc, p| acc.saturating_add(self.of(p, d)));
        let cost = match expr {
            Expr::Const(_) | Expr::Fact(_) | Expr::AsOf | Expr::Param(_) => 1,
            Expr::Derived(id) => self.derived.get(*id as usize).map_or(1, |def| self.of(&def.expr, d)),
            Expr::Table(id) => self.tables.get(*id as usize).map_or(1, |t| {
                let rows = t.rows.iter().map(|r| self.of(r, d)).max().unwrap_or(0);
                sum(&t.keys).saturating_add(rows).saturating_add(4)
            }),
            Expr::Not(inner) | Expr::Neg(inner) => 1 + self.of(inner, d),
            Expr::And(parts)
            | Expr::Or(parts)
            | Expr::Min(parts)
            | Expr::Max(parts)
            | Expr::Sum(parts)
            | Expr::Count { parts, .. } => 1 + sum(parts),
            Expr::Compare(c) => 1 + self.of(&c.lhs, d).saturating_add(self.of(&c.rhs, d)),
            Expr::InEnum { value, .. } => 1 + self.of(value, d),
            Expr::InText { value, texts, .. } => (texts.len() as u32).saturating_add(self.of(value, d)),
            Expr::HasAny { set, .. } | Expr::HasOnly { set, .. } => 1 + self.of(set, d),
            Expr::Has { set, item, .. } => 1 + self.of(set, d).saturating_add(self.of(item, d)),
            Expr::Arith { lhs, rhs, .. } => 8 + self.of(lhs, d).saturating_add(self.of(rhs, d)),
            Expr::If { condition, then, otherwise } => {
                1 + self.of(condition, d).saturating_add(self.of(then, d).max(self.of(otherwise, d)))
            }
        };
        cost.max(1)
    }
}

pub fn validity(policy: &Policy, as_of: Date) -> Option<Inapplicable> {
    if as_of < policy.valid_from {
        Some(Inapplicable::BeforeInForce)
    } else if policy.valid_until.is_some_and(|until| as_of > until) {
        Some(Inapplicable::AfterExpiry)
    } else {
        None
    }
}

/// The verdict lattice, folded over rule results in lattice order (`Policy::eval_order`): a failed scope
/// rule gives not_applicable; otherwise the first level with a failure gives fail or refer, unless a rule of
/// a level above it is unknown, which leaves the verdict undetermined with that level's facts missing; no
/// failure gives pass, or undetermined when any rule is unknown. A rule left unknown only counts, and only
/// lists its facts, where deciding it could move the verdict. `push` says when the verdict is settled, so a
/// caller that has not evaluated the later rules yet need not.
#[derive(Debug, Clone, Copy)]
pub struct Lattice {
    current: Option<Level>,
    /// Unknown rules of the levels already left, which stay open above any later failure.
    missing: FactMask,
    open: bool,
    level_missing: FactMask,
    level_open: bool,
}

impl Default for Lattice {
    fn default() -> Lattice {
        Lattice::new()
    }
}

impl Lattice {
    pub fn new() -> Lattice {
        Lattice {
            current: None,
            missing: FactMask::EMPTY,
            open: false,
            level_missing: FactMask::EMPTY,
            level_open: false,
        }
    }

    /// Takes the next rule's result (rules must come in non-decreasing level). `Some` when the verdict is
    /// settled: no rule after this one can move it or its missing facts.
    pub fn push(&mut self, level: Level, result: &RuleResult) -> Option<Decision> {
        if self.current != Some(level) {
            // Leaving a level with no decided failure: its unknown rules stay open above the next one.
            self.open |= self.level_open;
            self.missing = self.missing.union(self.level_missing);
            (self.level_open, self.level_missing, self.current) = (false, FactMask::EMPTY, Some(level));
        }
        match result.outcome {
            Outcome::Fail | Outcome::Refer => {
                let verdict = match level {
                    Level::Scope => {
                        return Some(Decision::settled(Verdict::NotApplicable, Some(Inapplicable::ScopeRule)));
                    }
                    Level::Fail => Verdict::Fail,
                    Level::Refer => Verdict::Refer,
                };
                Some(if self.open { Decision::open(self.missing) } else { Decision::settled(verdict, None) })
            }
            Outcome::Unknown => {
                self.level_open = true;
                self.level_missing = self.level_missing.union(result.missing);
                None
            }
            Outcome::Pass | Outcome::Warn | Outcome::Skipped => None,
        }
    }

    /// The verdict when every rule was pushed without settling it.
    pub fn finish(self) -> Decision {
        if self.open || self.level_open {
            Decision::open(self.missing.union(self.level_missing))
        } else {
            Decision::settled(Verdict::Pass, None)
        }
    }

    /// The verdict of every rule's result (one per rule, in the policy's order).
    pub fn fold(policy: &Policy, results: &[RuleResult]) -> Decision {
        Lattice::run(policy, |index, _| results.get(index).copied())
    }

    /// Walks the rules in lattice order (`Policy::eval_order`), taking each one's result from `result_of`
    /// (already computed, or evaluated on demand), and stops as soon as the verdict is settled.
    fn run<'p>(policy: &'p Policy, mut result_of: impl FnMut(usize, &'p RuleDef) -> Option<RuleResult>) -> Decision {
        let mut lattice = Lattice::new();
        for &index in &policy.eval_order {
            let Some(rule) = policy.rules.get(index as usize) else { continue };
            let Some(level) = rule.consequence.level() else { continue };
            let Some(result) = result_of(index as usize, rule) else { continue };
            if let Some(decision) = lattice.push(level, &result) {
                return decision;
            }
        }
        lattice.finish()
    }
}

/// The evaluation context of one case: the facts, the date, and the derived values and table lookups
/// computed so far (both are pure functions of the facts and the date, so each is computed once a case).
pub struct Env<'a> {
    pub policy: &'a Policy,
    pub facts: &'a FactSet,
    pub as_of: Date,
    /// `policy.derived.len()` slots for derived values, then one per table.
    cache: Vec<Option<Value<'a>>>,
}

impl<'a> Env<'a> {
    pub fn new(policy: &'a Policy, facts: &'a FactSet, as_of: Date) -> Env<'a> {
        Env { policy, facts, as_of, cache: vec![None; policy.derived.len() + policy.tables.len()] }
    }

    /// An environment whose cache reuses `scratch`'s memory; hand it back with `Env::release`.
    pub(crate) fn with_scratch(policy: &'a Policy, facts: &'a FactSet, as_of: Date, scratch: &mut Scratch) -> Env<'a> {
        let mut cache = recycle(std::mem::take(&mut scratch.cache));
        cache.resize(policy.derived.len() + policy.tables.len(), None);
        Env { policy, facts, as_of, cache }
    }

    pub(crate) fn release(self, scratch: &mut Scratch) {
        scratch.cache = recycle(self.cache);
    }

    /// Every rule's result and the verdict; the derived values computed on the way stay cached, so the
    /// outputs of the same case cost nothing more.
    ///
    /// An undetermined Kleene verdict is refined (`exact::refine`), and so is each rule Kleene leaves unknown
    /// (`exact::rule_outcome`): a rule decided whatever its missing facts are takes that outcome and keeps
    /// those facts in `missing`, so the report can say it holds regardless of them.
    pub fn evaluation(&mut self) -> Evaluation {
        let mut evaluation = self.kleene_evaluation();
        if evaluation.verdict != Verdict::Undetermined {
            return evaluation;
        }
        let kleene = Decision::open(evaluation.missing);
        let exact = exact::refine(self.policy, self.facts, self.as_of, kleene, &mut Scratch::new());
        (evaluation.verdict, evaluation.inapplicable, evaluation.missing, evaluation.approximate) =
            (exact.verdict, exact.inapplicable, exact.missing, exact.approximate);
        for (rule, result) in self.policy.rules.iter().zip(evaluation.rules.iter_mut()) {
            if let Some(outcome) = exact::rule_outcome(self.policy, rule, self.facts, self.as_of, *result) {
                result.outcome = outcome;
            }
        }
        evaluation
    }

    /// Every rule's result and the Kleene verdict, before the exact refinement.
    pub fn kleene_evaluation(&mut self) -> Evaluation {
        let policy = self.policy;
        if let Some(why) = validity(policy, self.as_of) {
            return Evaluation {
                verdict: Verdict::NotApplicable,
                inapplicable: Some(why),
                rules: Vec::new(),
                missing: FactMask::EMPTY,
                approximate: false,
            };
        }
        let rules: Vec<RuleResult> = policy.rules.iter().map(|rule| self.rule(rule)).collect();
        let Decision { verdict, inapplicable, missing, approximate } = Lattice::fold(policy, &rules);
        Evaluation { verdict, inapplicable, rules, missing, approximate }
    }

    pub fn rule(&mut self, rule: &'a RuleDef) -> RuleResult {
        let applies = match &rule.applies {
            Some(condition) => self.eval(condition),
            None => Value::Bool(true),
        };
        let decided = |outcome| RuleResult { outcome, missing: FactMask::EMPTY, undefined: None };
        if matches!(applies, Value::Bool(false)) {
            return decided(Outcome::Skipped);
        }
        let requires = self.eval(&rule.requires);
        match (applies, requires) {
            // A requirement that holds cannot fail, whether or not the rule turns out to apply.
            (_, Value::Bool(true)) => decided(Outcome::Pass),
            (Value::Bool(true), Value::Bool(false)) => decided(match rule.consequence {
                Consequence::Fail { .. } | Consequence::NotApplicable => Outcome::Fail,
                Consequence::Refer { .. } => Outcome::Refer,
                Consequence::Warn => Outcome::Warn,
            }),
            (applies, requires) => {
                let (missing, undefined) = match applies.join_unknown(requires) {
                    Value::Unknown { facts, undefined } => (facts, undefined),
                    _ => (FactMask::EMPTY, None),
                };
                RuleResult { outcome: Outcome::Unknown, missing, undefined }
            }
        }
    }

    pub fn derived(&mut self, id: DerivedId) -> Value<'a> {
        if let Some(Some(value)) = self.cache.get(id as usize) {
            return *value;
        }
        let policy = self.policy;
        let value = self.eval(&policy.derived[id as usize].expr);
        if let Some(slot) = self.cache.get_mut(id as usize) {
            *slot = Some(value);
        }
        value
    }

    /// The verdict and the facts that could change it, as `Lattice::fold` would give them, deciding rules in
    /// `policy.eval_order` and stopping at the first decided failure: the levels of the lattice are
    /// walked top down, so no rule after that failure can move the verdict or the missing facts.
    pub(crate) fn decide(&mut self) -> Decision {
        let policy = self.policy;
        Lattice::run(policy, |_, rule| Some(self.rule(rule)))
    }

    pub fn param(&self, id: ParamId) -> Value<'a> {
        let param = &self.policy.params[id as usize];
        let in_force =
            param.periods.iter().rev().find(|p| p.from <= self.as_of && p.until.is_none_or(|u| self.as_of <= u));
        match in_force {
            Some(period) => constant(&period.value),
            None => Value::undefined(Undefined::NoValueInForce(id)),
        }
    }

    pub fn eval(&mut self, expr: &'a Expr) -> Value<'a> {
        match expr {
            Expr::Const(c) => constant(c),
            Expr::Fact(f) => self.facts.get(*f).map_or_else(|| Value::missing(*f), constant),
            Expr::Derived(d) => self.derived(*d),
            Expr::Param(p) => self.param(*p),
            Expr::Table(t) => self.table(*t),
            Expr::AsOf => Value::Date(self.as_of),
            Expr::Not(inner) => match self.eval(inner) {
                Value::Bool(b) => Value::Bool(!b),
                other => other,
            },
            Expr::And(parts) => self.connective(parts, false),
            Expr::Or(parts) => self.connective(parts, true),
            Expr::Compare(c) => {
                // A count (named or not) compares as an interval; every other comparison goes straight on.
                if let Expr::Count { .. } | Expr::Derived(_) = &c.lhs
                    && let Expr::Count { parts, unit } = self.policy.resolve(&c.lhs)
                {
                    return self.count_compare(c.op, parts, *unit, &c.rhs);
                }
                let lhs = self.eval(&c.lhs);
                let rhs = self.eval(&c.rhs);
                compare(c.op, lhs, rhs)
            }
            Expr::InEnum { value, mask, negated } => match self.eval(value) {
                Value::Enum(e) => Value::Bool((mask & (1 << e) != 0) != *negated),
                other => other,
            },
            Expr::InText { value, texts, negated } => match self.eval(value) {
                Value::Text(t) => Value::Bool(texts.iter().any(|x| x == t) != *negated),
                other => other,
            },
            Expr::HasAny { set, mask, negated } => match self.eval(set) {
                Value::Set(s) => Value::Bool((s & mask != 0) != *negated),
                other => other,
            },
            Expr::HasOnly { set, mask, negated } => match self.eval(set) {
                Value::Set(s) => Value::Bool((s & !mask == 0) != *negated),
                other => other,
            },
            Expr::Has { set, item, negated } => match (self.eval(set), self.eval(item)) {
                (Value::Set(s), Value::Enum(e)) => Value::Bool((s & (1 << e) != 0) != *negated),
                (a, b) => a.join_unknown(b),
            },
            Expr::Arith { op, lhs, rhs } => {
                let (a, b) = (self.eval(lhs), self.eval(rhs));
                arith(*op, a, b)
            }
            Expr::Neg(inner) => match self.eval(inner) {
                Value::Num(q) => Value::Num(Quantity::new(-q.value, q.unit)),
                other => other,
            },
            Expr::If { condition, then, otherwise } => match self.eval(condition) {
                Value::Bool(true) => self.eval(then),
                Value::Bool(false) => self.eval(otherwise),
                unknown => {
                    // Both branches agreeing decides the value whatever the condition turns out to be.
                    let (a, b) = (self.eval(then), self.eval(otherwise));
                    if a.is_known() && same(a, b) { a } else { unknown.join_unknown(a).join_unknown(b) }
                }
            },
            Expr::Min(args) => self.fold(args, Ordering::Less),
            Expr::Max(args) => self.fold(args, Ordering::Greater),
            Expr::Sum(args) => {
                let mut total: Option<Value<'a>> = None;
                for arg in args {
                    let v = self.eval(arg);
                    total = Some(match total {
                        None => v,
                        Some(acc) => arith(ArithOp::Add, acc, v),
                    });
                }
                total.unwrap_or(Value::undefined(Undefined::Arithmetic))
            }
            Expr::Count { parts, unit } => match self.tally(parts) {
                (held, None) => Value::Num(Quantity::new(Decimal::from(held), *unit)),
                (_, Some((unknown, _))) => unknown,
            },
        }
    }

    /// How many parts hold, and, when some are not known, what they are waiting for and how many they are.
    pub(crate) fn tally(&mut self, parts: &'a [Expr]) -> (usize, Option<(Value<'a>, usize)>) {
        let (mut held, mut open): (usize, Option<(Value<'a>, usize)>) = (0, None);
        for part in parts {
            match self.eval(part) {
                Value::Bool(true) => held += 1,
                Value::Bool(false) => {}
                unknown => open = Some(open.map_or((unknown, 1), |(u, n)| (u.join_unknown(unknown), n + 1))),
            }
        }
        (held, open)
    }

    /// A count compared with a number while some parts are unknown: the count lies between the parts known
    /// to hold and those plus the unknown ones, and the comparison is decided when it comes out the same
    /// at every count in between (「5个以上县」 is met once five are, whatever the other six turn out to be).
    fn count_compare(&mut self, op: CmpOp, parts: &'a [Expr], unit: Unit, rhs: &'a Expr) -> Value<'a> {
        let (held, open) = self.tally(parts);
        let goal = self.eval(rhs);
        let at = |n: usize| compare(op, Value::Num(Quantity::new(Decimal::from(n), unit)), goal);
        let Some((unknown, count)) = open else { return at(held) };
        let (low, high) = (at(held), at(held + count));
        let Value::Num(goal_q) = goal else { return unknown.join_unknown(goal) };
        // `=` and `!=` may change inside the interval though not at its ends.
        let inside = Decimal::from(held) < goal_q.value && goal_q.value < Decimal::from(held + count);
        match (low, high) {
            (Value::Bool(a), Value::Bool(b)) if a == b && !(inside && matches!(op, CmpOp::Eq | CmpOp::Ne)) => low,
            _ => unknown,
        }
    }

    /// Kleene `and` (`or` when `short` is true): a decisive operand decides, whatever the others are.
    fn connective(&mut self, parts: &'a [Expr], short: bool) -> Value<'a> {
        let mut pending: Option<Value<'a>> = None;
        for part in parts {
            match self.eval(part) {
                Value::Bool(b) if b == short => return Value::Bool(short),
                Value::Bool(_) => {}
                unknown => pending = Some(pending.map_or(unknown, |p| p.join_unknown(unknown))),
            }
        }
        pending.unwrap_or(Value::Bool(!short))
    }

    fn fold(&mut self, args: &'a [Expr], keep: Ordering) -> Value<'a> {
        let mut best: Option<Value<'a>> = None;
        let mut unknown: Option<Value<'a>> = None;
        for arg in args {
            match self.eval(arg) {
                Value::Num(q) => {
                    best = Some(match best {
                        Some(Value::Num(b)) => match q.cmp_exact(&b) {
                            Ok(o) if o == keep => Value::Num(q),
                            Ok(_) => Value::Num(b),
                            Err(_) => Value::undefined(Undefined::Arithmetic),
                        },
                        _ => Value::Num(q),
                    })
                }
                other => unknown = Some(unknown.map_or(other, |u| u.join_unknown(other))),
            }
        }
        match (unknown, best) {
            (Some(u), _) => u,
            (None, Some(b)) => b,
            (None, None) => Value::undefined(Undefined::Arithmetic),
        }
    }

    fn table(&mut self, id: TableId) -> Value<'a> {
        let slot = self.policy.derived.len() + id as usize;
        if let Some(Some(value)) = self.cache.get(slot) {
            return *value;
        }
        let value = self.lookup(id);
        if let Some(cached) = self.cache.get_mut(slot) {
            *cached = Some(value);
        }
        value
    }

    /// The row of a table that applies to the case, when the known keys leave only one (a report quotes
    /// that row).
    pub fn table_row(&mut self, id: TableId) -> Option<u16> {
        let policy = self.policy;
        let table = policy.tables.get(id as usize)?;
        let fixed: Vec<Option<usize>> =
            table.keys.iter().zip(&table.columns).map(|(key, column)| position(&self.eval(key), column)).collect();
        let (mut only, mut several) = (None, false);
        each_row(table, &fixed, &mut vec![0; fixed.len()], |row| {
            several |= only.is_some_and(|r| r != row);
            only = Some(row);
            !several
        });
        if several { None } else { only }
    }

    /// With every key known the cell is one index computation. An unknown key leaves several cells
    /// possible; they still decide the value when they all hold one row, or rows that give the same value.
    fn lookup(&mut self, id: TableId) -> Value<'a> {
        let policy = self.policy;
        let table = &policy.tables[id as usize];
        let keys = table.keys.len();
        if keys > MAX_KEYS {
            return self.scan(table, &mut vec![None; keys], &mut vec![0; keys]);
        }
        self.scan(table, &mut [None; MAX_KEYS][..keys], &mut [0; MAX_KEYS][..keys])
    }

    fn scan(&mut self, table: &'a TableDef, fixed: &mut [Option<usize>], at: &mut [usize]) -> Value<'a> {
        let mut unknown: Option<Value<'a>> = None;
        for ((key, column), slot) in table.keys.iter().zip(&table.columns).zip(fixed.iter_mut()) {
            let value = self.eval(key);
            *slot = position(&value, column);
            if slot.is_none() {
                unknown = Some(unknown.map_or(value, |u| u.join_unknown(value)));
            }
        }
        let Some(unknown) = unknown else {
            let cell = fixed.iter().zip(&table.columns).fold(0, |acc, (p, col)| acc * col.width() + p.unwrap_or(0));
            return match table.cells.get(cell) {
                Some(Some(row)) => self.eval(&table.rows[*row as usize]),
                _ => Value::undefined(Undefined::Arithmetic),
            };
        };
        let (mut first, mut several) = (None, false);
        each_row(table, fixed, at, |row| {
            match first {
                None => first = Some(row),
                Some(f) => several |= f != row,
            }
            !several
        });
        let Some(first) = first else { return unknown };
        let value = self.eval(&table.rows[first as usize]);
        if !several {
            return value;
        }
        if !value.is_known() {
            return unknown;
        }
        let mut agree = true;
        each_row(table, fixed, at, |row| {
            agree = row == first || same(value, self.eval(&table.rows[row as usize]));
            agree
        });
        if agree { value } else { unknown }
    }
}

/// Table key columns handled without allocating; wider tables (none shipped) take a heap buffer.
const MAX_KEYS: usize = 8;

/// Calls `f` with the row of every filled cell whose positions match `fixed` (any position where it is
/// `None`), the last column turning fastest, until `f` returns false. `at` is working space.
fn each_row(table: &TableDef, fixed: &[Option<usize>], at: &mut [usize], mut f: impl FnMut(u16) -> bool) {
    for (a, p) in at.iter_mut().zip(fixed) {
        *a = p.unwrap_or(0);
    }
    loop {
        let cell = at.iter().zip(&table.columns).fold(0, |acc, (p, col)| acc * col.width() + p);
        if let Some(Some(row)) = table.cells.get(cell)
            && !f(*row)
        {
            return;
        }
        // Advance the odometer over the unknown columns only.
        let mut column = at.len();
        loop {
            if column == 0 {
                return;
            }
            column -= 1;
            if fixed[column].is_some() {
                continue;
            }
            at[column] += 1;
            if at[column] < table.columns[column].width() {
                break;
            }
            at[column] = 0;
        }
    }
}

/// A known key's position in its table column; `None` for a key that does not fit the column (unknown).
fn position(value: &Value<'_>, column: &Column) -> Option<usize> {
    match (value, column) {
        (Value::Enum(e), Column::Enum { .. }) => Some(*e as usize),
        (Value::Text(t), Column::Text { literals }) => {
            Some(literals.iter().position(|l| l == t).unwrap_or(literals.len()))
        }
        (Value::Num(q), Column::Num { literals }) => {
            Some(literals.iter().position(|l| *l == q.value).unwrap_or(literals.len()))
        }
        _ => None,
    }
}

pub fn constant(c: &Constant) -> Value<'_> {
    match c {
        Constant::Bool(b) => Value::Bool(*b),
        Constant::Num(q) => Value::Num(*q),
        Constant::Date(d) => Value::Date(*d),
        Constant::Text(t) => Value::Text(t),
        Constant::Enum(e) => Value::Enum(*e),
        Constant::Set(s) => Value::Set(*s),
    }
}

/// Equal values, quantities compared exactly across units.
fn same(a: Value<'_>, b: Value<'_>) -> bool {
    match (a, b) {
        (Value::Num(x), Value::Num(y)) => x.cmp_exact(&y) == Ok(Ordering::Equal),
        (a, b) => a == b && a.is_known(),
    }
}

pub fn compare<'a>(op: CmpOp, lhs: Value<'a>, rhs: Value<'a>) -> Value<'a> {
    let ordering = match (lhs, rhs) {
        (Value::Num(a), Value::Num(b)) => match a.cmp_exact(&b) {
            Ok(o) => o,
            Err(_) => return Value::undefined(Undefined::Arithmetic),
        },
        (Value::Date(a), Value::Date(b)) => a.cmp(&b),
        (Value::Bool(a), Value::Bool(b)) => a.cmp(&b),
        (Value::Enum(a), Value::Enum(b)) => a.cmp(&b),
        (Value::Text(a), Value::Text(b)) => a.cmp(b),
        (Value::Set(a), Value::Set(b)) => a.cmp(&b),
        (a, b) => return a.join_unknown(b),
    };
    Value::Bool(op.holds(ordering))
}

pub fn arith<'a>(op: ArithOp, lhs: Value<'a>, rhs: Value<'a>) -> Value<'a> {
    match (lhs, rhs) {
        (Value::Num(a), Value::Num(b)) => {
            let result = match op {
                ArithOp::Add => a.add(&b),
                ArithOp::Sub => a.sub(&b),
                ArithOp::Mul => a.mul(&b),
                ArithOp::Div => a.div(&b),
            };
            result.map_or(Value::undefined(Undefined::Arithmetic), Value::Num)
        }
        (Value::Date(a), Value::Date(b)) if op == ArithOp::Sub => {
            let days = (a - b).get_days();
            Value::Num(Quantity::new(days.into(), crate::units::Unit::atom(crate::units::Atom::Day)))
        }
        (a, b) => a.join_unknown(b),
    }
}

#[cfg(test)]
mod tests {
    use super::{Outcome, Verdict};

    /// The JSON contract's strings are the serde names and `as_str`, one spelling for both.
    #[test]
    fn verdicts_and_outcomes_serialise_as_the_contract_strings() {
        let verdicts = [Verdict::NotApplicable, Verdict::Fail, Verdict::Undetermined, Verdict::Refer, Verdict::Pass];
        let names: Vec<String> = verdicts.iter().map(|v| serde_json::to_string(v).unwrap_or_default()).collect();
        assert_eq!(names, ["\"not_applicable\"", "\"fail\"", "\"undetermined\"", "\"refer\"", "\"pass\""]);
        for v in verdicts {
            assert_eq!(serde_json::to_string(&v).unwrap_or_default(), format!("\"{}\"", v.as_str()));
        }
        let outcomes =
            [Outcome::Pass, Outcome::Fail, Outcome::Refer, Outcome::Warn, Outcome::Unknown, Outcome::Skipped];
        for o in outcomes {
            assert_eq!(serde_json::to_string(&o).unwrap_or_default(), format!("\"{}\"", o.as_str()));
            assert_eq!(serde_json::from_str::<Outcome>(&format!("\"{}\"", o.as_str())).ok(), Some(o));
        }
    }
}
