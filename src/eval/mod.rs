//! Three-valued evaluation of a checked policy over facts held in slots, and the verdict lattice.
//! `evaluate` decides every rule and the verdict; `explain` reads the same `Env` to say why.

mod value;

use std::cmp::Ordering;

use jiff::civil::Date;

use crate::policy::*;
use crate::syntax::ast::{ArithOp, CmpOp};
use crate::units::Quantity;
pub use value::{FactMask, Undefined, Value};

/// A supplied fact value, already checked against the fact's declared type and kept in its unit.
#[derive(Debug, Clone, PartialEq)]
pub enum FactValue {
    Bool(bool),
    Num(Quantity),
    Date(Date),
    Text(String),
    Enum(u16),
    Set(u64),
}

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

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
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

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
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
    /// For an unknown rule: the missing facts that left it undecided.
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
    /// The facts that could still change an undetermined verdict.
    pub missing: FactMask,
}

/// Evaluates every rule and combines them into the verdict.
pub fn evaluate(policy: &Policy, facts: &FactSet, as_of: Date) -> Evaluation {
    if let Some(why) = validity(policy, as_of) {
        return Evaluation {
            verdict: Verdict::NotApplicable,
            inapplicable: Some(why),
            rules: Vec::new(),
            missing: FactMask::EMPTY,
        };
    }
    let mut env = Env::new(policy, facts, as_of);
    let rules: Vec<RuleResult> = policy.rules.iter().map(|rule| env.rule(rule)).collect();
    let (verdict, inapplicable, missing) = combine(policy, &rules);
    Evaluation { verdict, inapplicable, rules, missing }
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

/// The verdict lattice: not_applicable, then fail, then undetermined, then refer, then pass. A rule left
/// unknown only counts, and only lists its facts, where deciding it could move the verdict.
fn combine(policy: &Policy, results: &[RuleResult]) -> (Verdict, Option<Inapplicable>, FactMask) {
    let mut failed = [false; 3];
    let mut unknown = [FactMask::EMPTY; 3];
    let mut any_unknown = [false; 3];
    for (rule, result) in policy.rules.iter().zip(results) {
        let level = match rule.consequence {
            Consequence::NotApplicable => 0,
            Consequence::Fail { .. } => 1,
            Consequence::Refer { .. } => 2,
            Consequence::Warn => continue,
        };
        match result.outcome {
            Outcome::Fail | Outcome::Refer => failed[level] = true,
            Outcome::Unknown => {
                any_unknown[level] = true;
                unknown[level] = unknown[level].union(result.missing);
            }
            _ => {}
        }
    }
    let [scope_failed, hard_failed, refer_failed] = failed;
    if scope_failed {
        return (Verdict::NotApplicable, Some(Inapplicable::ScopeRule), FactMask::EMPTY);
    }
    // Walking down the lattice, an unknown rule above the first decided failure can still change the verdict.
    let mut missing = FactMask::EMPTY;
    let mut open = false;
    for (level, decided) in [(0, false), (1, hard_failed), (2, refer_failed)] {
        if decided {
            let verdict = if level == 1 { Verdict::Fail } else { Verdict::Refer };
            return if open { (Verdict::Undetermined, None, missing) } else { (verdict, None, FactMask::EMPTY) };
        }
        if any_unknown[level] {
            open = true;
            missing = missing.union(unknown[level]);
        }
    }
    if open { (Verdict::Undetermined, None, missing) } else { (Verdict::Pass, None, FactMask::EMPTY) }
}

/// The evaluation context of one case: the facts, the date, and the derived values computed so far.
pub struct Env<'a> {
    pub policy: &'a Policy,
    pub facts: &'a FactSet,
    pub as_of: Date,
    derived: Vec<Option<Value<'a>>>,
}

impl<'a> Env<'a> {
    pub fn new(policy: &'a Policy, facts: &'a FactSet, as_of: Date) -> Env<'a> {
        Env { policy, facts, as_of, derived: vec![None; policy.derived.len()] }
    }

    pub fn rule(&mut self, rule: &'a RuleDef) -> RuleResult {
        let applies = match &rule.applies {
            Some(condition) => self.eval(condition),
            None => Value::Bool(true),
        };
        let decided = |outcome| RuleResult { outcome, missing: FactMask::EMPTY, undefined: None };
        if applies == Value::Bool(false) {
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
        if let Some(Some(value)) = self.derived.get(id as usize) {
            return *value;
        }
        let policy = self.policy;
        let value = self.eval(&policy.derived[id as usize].expr);
        self.derived[id as usize] = Some(value);
        value
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
            Expr::Fact(f) => match self.facts.get(*f) {
                None => Value::missing(*f),
                Some(FactValue::Bool(b)) => Value::Bool(*b),
                Some(FactValue::Num(q)) => Value::Num(*q),
                Some(FactValue::Date(d)) => Value::Date(*d),
                Some(FactValue::Text(t)) => Value::Text(t),
                Some(FactValue::Enum(e)) => Value::Enum(*e),
                Some(FactValue::Set(s)) => Value::Set(*s),
            },
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
        let policy = self.policy;
        let table = &policy.tables[id as usize];
        // Candidate positions per column: one when the key is known, all when it is not.
        let mut candidates: Vec<Vec<usize>> = Vec::with_capacity(table.keys.len());
        let mut unknown: Option<Value<'a>> = None;
        for (key, column) in table.keys.iter().zip(&table.columns) {
            let value = self.eval(key);
            let position = match (&value, column) {
                (Value::Enum(e), Column::Enum { .. }) => Some(*e as usize),
                (Value::Text(t), Column::Text { literals }) => {
                    Some(literals.iter().position(|l| l == t).unwrap_or(literals.len()))
                }
                (Value::Num(q), Column::Num { literals }) => {
                    Some(literals.iter().position(|l| *l == q.value).unwrap_or(literals.len()))
                }
                _ => None,
            };
            match position {
                Some(p) => candidates.push(vec![p]),
                None => {
                    unknown = Some(unknown.map_or(value, |u| u.join_unknown(value)));
                    candidates.push((0..column.width()).collect());
                }
            }
        }
        let mut rows: Vec<u16> = Vec::new();
        let mut cell_positions = vec![0usize; candidates.len()];
        loop {
            let cell = cell_positions
                .iter()
                .zip(&candidates)
                .zip(&table.columns)
                .fold(0, |acc, ((i, c), col)| acc * col.width() + c[*i]);
            if let Some(Some(row)) = table.cells.get(cell) {
                if !rows.contains(row) {
                    rows.push(*row);
                }
            }
            // Advance the odometer over the candidate positions.
            let mut column = candidates.len();
            loop {
                if column == 0 {
                    break;
                }
                column -= 1;
                cell_positions[column] += 1;
                if cell_positions[column] < candidates[column].len() {
                    break;
                }
                cell_positions[column] = 0;
            }
            if cell_positions.iter().all(|p| *p == 0) {
                break;
            }
        }
        match rows.as_slice() {
            [row] => self.eval(&table.rows[*row as usize]),
            _ => {
                let values: Vec<Value<'a>> = rows.iter().map(|r| self.eval(&table.rows[*r as usize])).collect();
                match values.split_first() {
                    Some((first, rest)) if first.is_known() && rest.iter().all(|v| same(*first, *v)) => *first,
                    _ => unknown.unwrap_or(Value::undefined(Undefined::Arithmetic)),
                }
            }
        }
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
