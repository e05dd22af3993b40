//! The partition of each fact's domain that a policy induces: the values between which no rule, table or
//! derived value can tell two answers apart. One module for every pass that needs it — the lints,
//! `generate` (values aimed at thresholds), `diff` (one value per class of each changed fact) and the exact
//! evaluator (`eval::exact`, one case per class of each unknown fact).
//!
//! A fact's classes come from the policy's constants of the fact's kind (numbers of its dimension, dates,
//! texts and table keys; every enum and set value), and, for a comparison of the fact with a computed value
//! (a tier's minimum wage, a share of two areas, the evaluation date), from the threshold that value takes
//! once the facts it reads are known: `classes` solves the comparison for the fact (through `+ - × ÷` and
//! `sum` by known values) under the facts given. A comparison whose other side still reads an unknown fact
//! cannot give its threshold yet; the classes then say they are not `complete` for that comparison.

use std::cmp::Ordering;

use jiff::civil::Date;
use rust_decimal::Decimal;

use crate::eval::{Env, FactSet, FactValue, Value};
use crate::policy::*;
use crate::syntax::ast::ArithOp;
use crate::units::{Quantity, Unit};

/// The constant part of one fact's domain: what the policy's text alone splits it at.
#[derive(Debug, Clone)]
pub enum Domain {
    Bool,
    /// A quantity in `unit`: the thresholds found in the policy (in `unit` where that is exact, zero
    /// always among them), the smallest step of the declared precision, whether only whole numbers are
    /// allowed (counts) and whether negative values are (`FactDef::signed`, as `facts::coerce` decides).
    Num {
        unit: Unit,
        thresholds: Vec<Quantity>,
        step: Decimal,
        whole: bool,
        signed: bool,
    },
    Date {
        thresholds: Vec<Date>,
    },
    /// The texts the policy names (table keys, `in {…}`, comparisons), plus "anything else".
    Text {
        literals: Vec<String>,
    },
    Enum {
        size: usize,
    },
    Set {
        size: usize,
    },
    /// A value no fact can hold (a mixed-unit type).
    Nothing,
}

/// One inverse step of solving a comparison for a fact: the goal becomes `goal op value`.
#[derive(Debug, Clone)]
pub struct Inverse {
    pub op: ArithOp,
    pub by: Expr,
}

/// A comparison of a fact, possibly scaled or shifted by other values, with another expression:
/// `fact = other` after applying `inverse` to `other` in order is the threshold.
#[derive(Debug, Clone)]
pub struct Target {
    pub fact: FactId,
    pub other: Expr,
    pub inverse: Vec<Inverse>,
}

/// Every constant of a policy, by kind, and every comparison of a fact with something else. Built once per
/// policy (`Policy::partition`); it owns what it keeps, so the policy can hold it.
#[derive(Debug, Clone)]
pub struct Partition {
    pub domains: Vec<Domain>,
    pub targets: Vec<Target>,
    /// Per fact: it takes part in a comparison that could not be solved for it (two facts multiplied, a
    /// fact inside `min`): its classes from constants may be too coarse for that comparison.
    unsolved: Vec<bool>,
    /// Dates where the policy or a dated figure starts or ends, and every date the rules name.
    pub dates: Vec<Date>,
}

/// One end of a class: a threshold and whether the class includes it; `None` is unbounded.
pub type Bound = Option<(Point, bool)>;

/// A threshold, as a reader would name it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Point {
    Num(Quantity),
    Date(Date),
}

/// One class of a fact's domain: a value in it, and for ordered domains the bounds of the class.
#[derive(Debug, Clone, PartialEq)]
pub struct Class {
    pub value: FactValue,
    pub bounds: Option<(Bound, Bound)>,
}

/// A fact's classes under some facts: one value per class; `complete` is false when some comparison's
/// threshold could not be computed (it reads a fact not yet known), so a class may still hold values
/// that answer differently.
#[derive(Debug, Clone)]
pub struct Classes {
    pub classes: Vec<Class>,
    pub complete: bool,
}

/// Sets of at most this many values are enumerated subset by subset (2^8 classes); larger sets are not
/// partitioned exactly.
pub const MAX_SET_ENUMERATED: usize = 8;

impl Partition {
    pub fn new(policy: &Policy) -> Partition {
        let mut harvest =
            Harvest { policy, numbers: Vec::new(), dates: Vec::new(), texts: Vec::new(), targets: Vec::new() };
        let mut unsolved = vec![false; policy.facts.len()];
        let mut walk = |harvest: &mut Harvest<'_>, root: &Expr| {
            root.walk(&mut |e| {
                harvest.node(e, &mut unsolved);
                true
            })
        };
        for rule in &policy.rules {
            for root in rule.applies.iter().chain([&rule.requires]) {
                walk(&mut harvest, root);
            }
        }
        for d in &policy.derived {
            walk(&mut harvest, &d.expr);
        }
        for t in &policy.tables {
            for root in t.keys.iter().chain(&t.rows) {
                walk(&mut harvest, root);
            }
            for c in &t.columns {
                match c {
                    Column::Text { literals } => harvest.texts.extend(literals.iter().cloned()),
                    // Number keys compare without units: their literals are in the key fact's unit, so they
                    // are thresholds of every dimensionless fact.
                    Column::Num { literals } => {
                        harvest.numbers.extend(literals.iter().map(|l| Quantity::new(*l, Unit::ONE)))
                    }
                    Column::Enum { .. } => {}
                }
            }
        }
        for p in &policy.params {
            for period in &p.periods {
                harvest.dates.push(period.from);
                harvest.dates.extend(period.until);
                harvest.constant(&period.value);
            }
        }
        let mut dates = vec![policy.valid_from];
        dates.extend(policy.valid_until);
        dates.extend(harvest.dates.iter().copied());
        dates.sort();
        dates.dedup();
        let domains = policy.facts.iter().map(|f| domain(policy, f, &harvest)).collect();
        Partition { domains, targets: harvest.targets, unsolved, dates }
    }

    /// Whether every comparison the fact takes part in could be solved for it (see `classes`).
    pub fn solvable(&self, fact: FactId) -> bool {
        !self.unsolved.get(fact as usize).copied().unwrap_or(true)
    }

    /// The threshold a target puts on its fact under `facts` on `as_of`, in the fact's kind; `None` while
    /// the other side reads a fact not given.
    pub fn threshold(policy: &Policy, target: &Target, facts: &FactSet, as_of: Date) -> Option<Point> {
        let mut env = Env::new(policy, facts, as_of);
        let mut goal = env.eval(&target.other);
        for step in &target.inverse {
            let by = env.eval(&step.by);
            goal = crate::eval::arith(step.op, goal, by);
        }
        match goal {
            Value::Num(q) => Some(Point::Num(q)),
            Value::Date(d) => Some(Point::Date(d)),
            _ => None,
        }
    }

    /// The classes of `fact`'s domain given the other facts in `facts` (the fact's own value there is
    /// ignored) on `as_of`: one value per class. `also` adds thresholds (another version's, for `diff`).
    pub fn classes(
        &self,
        policy: &Policy,
        fact: FactId,
        facts: &FactSet,
        as_of: Date,
        also: &[Point],
    ) -> Option<Classes> {
        let mut complete = self.solvable(fact);
        let mut extra: Vec<Point> = also.to_vec();
        let mut without = facts.clone();
        without.set(fact, None);
        for target in self.targets.iter().filter(|t| t.fact == fact) {
            match Partition::threshold(policy, target, &without, as_of) {
                Some(p) => extra.push(p),
                None => complete = false,
            }
        }
        let classes = self.constant_classes(fact, &extra)?;
        Some(Classes { classes, complete })
    }

    /// The classes of `fact`'s domain from constants only, plus the `extra` thresholds.
    pub fn constant_classes(&self, fact: FactId, extra: &[Point]) -> Option<Vec<Class>> {
        let plain = |v: FactValue| Class { value: v, bounds: None };
        Some(match self.domains.get(fact as usize)? {
            Domain::Bool => vec![plain(FactValue::Bool(true)), plain(FactValue::Bool(false))],
            Domain::Enum { size } => (0..*size as u16).map(|i| plain(FactValue::Enum(i))).collect(),
            Domain::Set { size } if *size <= MAX_SET_ENUMERATED => {
                (0..(1u64 << size)).map(|m| plain(FactValue::Set(m))).collect()
            }
            Domain::Set { .. } | Domain::Nothing => return None,
            Domain::Text { literals } => {
                let mut all = literals.clone();
                all.push(OTHER_TEXT.to_string());
                all.into_iter().map(|t| plain(FactValue::Text(t))).collect()
            }
            Domain::Num { unit, thresholds, step, whole, signed } => {
                let mut all = thresholds.clone();
                all.extend(extra.iter().filter_map(|p| match p {
                    Point::Num(q) if q.dimension() == unit.dimension() => Some(*q),
                    _ => None,
                }));
                number_classes(all, *unit, *step, *whole, *signed)
            }
            Domain::Date { thresholds } => {
                let mut all = thresholds.clone();
                all.extend(extra.iter().filter_map(|p| match p {
                    Point::Date(d) => Some(*d),
                    _ => None,
                }));
                date_classes(all)
            }
        })
    }

    /// Whether some comparison of `fact` reads the evaluation date (`date <= as_of`): its classes then
    /// move with the date.
    pub fn against_as_of(&self, policy: &Policy, fact: FactId) -> bool {
        self.targets.iter().filter(|t| t.fact == fact).any(|t| {
            let mut found = false;
            policy.walk_deep(&t.other, &mut |e| found |= matches!(e, Expr::AsOf));
            found
        })
    }
}

/// The text standing for every text the policy does not name.
pub const OTHER_TEXT: &str = "(其他)";

/// Sorted distinct thresholds (in `unit` where exact; negative ones dropped where values cannot be
/// negative), then one value per class: each threshold, one value strictly between neighbours (a step
/// above the lower where that stays below the upper, else the midpoint), one beyond the last and, for
/// signed values, one below the first. Whole numbers take the first whole number of each open class.
pub fn number_classes(thresholds: Vec<Quantity>, unit: Unit, step: Decimal, whole: bool, signed: bool) -> Vec<Class> {
    let mut sorted: Vec<Quantity> = Vec::new();
    let zero = Quantity::new(Decimal::ZERO, unit);
    for q in thresholds.into_iter().chain([zero]) {
        let q = q.convert_exact(unit).unwrap_or(q).normalized();
        if !signed && q.value.is_sign_negative() && !q.value.is_zero() {
            continue;
        }
        if !sorted.iter().any(|s| s.cmp_exact(&q) == Ok(Ordering::Equal)) {
            sorted.push(q);
        }
    }
    sorted.sort_by(|a, b| a.cmp_exact(b).unwrap_or(Ordering::Equal));
    let mut out = Vec::new();
    let push = |q: Quantity, lo: Bound, hi: Bound, out: &mut Vec<Class>| {
        if whole && !q.value.fract().is_zero() {
            return;
        }
        out.push(Class { value: FactValue::Num(q), bounds: Some((lo, hi)) });
    };
    let step_q = Quantity::new(step, unit);
    if let Some(first) = sorted.first()
        && signed
        && let Ok(below) = first.sub(&step_q)
    {
        push(below, None, Some((Point::Num(*first), false)), &mut out);
    }
    for (i, t) in sorted.iter().enumerate() {
        push(*t, Some((Point::Num(*t), true)), Some((Point::Num(*t), true)), &mut out);
        let next = sorted.get(i + 1);
        let candidate = match next {
            None => t.add(&step_q).ok(),
            Some(n) => {
                let up = t.add(&step_q).ok().filter(|u| u.cmp_exact(n) == Ok(Ordering::Less));
                up.or_else(|| {
                    let two = Quantity::new(Decimal::TWO, Unit::ONE);
                    t.add(n).ok().and_then(|s| s.div(&two).ok())
                })
            }
        };
        if let Some(mut c) = candidate {
            if whole {
                let t_in_unit = t.convert_exact(unit).map_or(t.value, |q| q.value);
                c = Quantity::new(t_in_unit.floor() + Decimal::ONE, unit);
                if next.is_some_and(|n| c.cmp_exact(n) != Ok(Ordering::Less)) {
                    continue;
                }
            }
            push(c, Some((Point::Num(*t), false)), next.map(|n| (Point::Num(*n), false)), &mut out);
        }
    }
    out
}

/// Dates are discrete: each threshold, the day before the first, and the day after each threshold
/// (the first day of the open class up to the next threshold) where that is not the next threshold.
pub fn date_classes(mut all: Vec<Date>) -> Vec<Class> {
    all.sort();
    all.dedup();
    let mut out = Vec::new();
    for (i, d) in all.iter().enumerate() {
        let mut add = |v: Date, lo: Bound, hi: Bound| {
            out.push(Class { value: FactValue::Date(v), bounds: Some((lo, hi)) });
        };
        if i == 0
            && let Ok(b) = d.yesterday()
        {
            add(b, None, Some((Point::Date(*d), false)));
        }
        add(*d, Some((Point::Date(*d), true)), Some((Point::Date(*d), true)));
        if let Ok(a) = d.tomorrow()
            && all.get(i + 1).is_none_or(|n| a < *n)
        {
            add(a, Some((Point::Date(*d), false)), all.get(i + 1).map(|n| (Point::Date(*n), false)));
        }
    }
    out
}

struct Harvest<'p> {
    policy: &'p Policy,
    numbers: Vec<Quantity>,
    dates: Vec<Date>,
    texts: Vec<String>,
    targets: Vec<Target>,
}

impl Harvest<'_> {
    fn constant(&mut self, c: &Constant) {
        match c {
            Constant::Num(q) => self.numbers.push(*q),
            Constant::Date(d) => self.dates.push(*d),
            Constant::Text(t) => self.texts.push(t.clone()),
            Constant::Bool(_) | Constant::Enum(_) | Constant::Set(_) => {}
        }
    }

    fn node(&mut self, expr: &Expr, unsolved: &mut [bool]) {
        match expr {
            Expr::Const(c) => self.constant(c),
            Expr::InText { texts, .. } => self.texts.extend(texts.iter().cloned()),
            Expr::Compare(c) => {
                for (side, other) in [(&c.lhs, &c.rhs), (&c.rhs, &c.lhs)] {
                    let mut inverse = Vec::new();
                    match solve(self.policy, side, &mut inverse, 0) {
                        Solved::Fact(fact) => self.targets.push(Target { fact, other: other.clone(), inverse }),
                        Solved::Unsolvable => {
                            for f in self.policy.facts_read(side) {
                                if let Some(u) = unsolved.get_mut(f as usize) {
                                    *u = true;
                                }
                            }
                        }
                        Solved::NoFact => {}
                    }
                }
            }
            _ => {}
        }
    }
}

enum Solved {
    Fact(FactId),
    /// The side reads no quantity or date fact that a comparison could split (a constant, a table of
    /// enum keys); the comparison adds no threshold.
    NoFact,
    Unsolvable,
}

/// How deep `solve` follows derived values and arithmetic; the checker bounds nesting well below this.
const SOLVE_DEPTH: usize = 32;

/// Solves `side` for the one quantity or date fact it reads, recording the inverse steps that turn the
/// other side of the comparison into that fact's threshold.
fn solve(policy: &Policy, side: &Expr, inverse: &mut Vec<Inverse>, depth: usize) -> Solved {
    if depth > SOLVE_DEPTH {
        return Solved::Unsolvable;
    }
    let ordered = |f: FactId| matches!(policy.facts.get(f as usize).map(|d| d.ty), Some(Type::Num(_) | Type::Date));
    let reads_ordered = |e: &Expr| policy.facts_read(e).into_iter().any(ordered);
    match side {
        Expr::Fact(f) if ordered(*f) => Solved::Fact(*f),
        Expr::Derived(d) => match policy.derived.get(*d as usize) {
            Some(def) => solve(policy, &def.expr, inverse, depth + 1),
            None => Solved::Unsolvable,
        },
        Expr::Arith { op, lhs, rhs } => {
            let (l, r) = (reads_ordered(lhs), reads_ordered(rhs));
            let undo = |op: ArithOp| match op {
                ArithOp::Add => ArithOp::Sub,
                ArithOp::Sub => ArithOp::Add,
                ArithOp::Mul => ArithOp::Div,
                ArithOp::Div => ArithOp::Mul,
            };
            match (l, r) {
                (true, false) => {
                    inverse.push(Inverse { op: undo(*op), by: (**rhs).clone() });
                    solve(policy, lhs, inverse, depth + 1)
                }
                // `a + f` and `a × f` are solved like `f + a`; `a - f` and `a / f` turn the order around,
                // which a threshold search does not need to follow.
                (false, true) if matches!(op, ArithOp::Add | ArithOp::Mul) => {
                    inverse.push(Inverse { op: undo(*op), by: (**lhs).clone() });
                    solve(policy, rhs, inverse, depth + 1)
                }
                (false, false) => Solved::NoFact,
                _ => Solved::Unsolvable,
            }
        }
        Expr::Sum(parts) => {
            let reading: Vec<usize> = (0..parts.len()).filter(|i| reads_ordered(&parts[*i])).collect();
            match reading.as_slice() {
                [] => Solved::NoFact,
                [one] => {
                    for (i, part) in parts.iter().enumerate() {
                        if i != *one {
                            inverse.push(Inverse { op: ArithOp::Sub, by: part.clone() });
                        }
                    }
                    solve(policy, &parts[*one], inverse, depth + 1)
                }
                // Each addend is a target of its own, with the others as known values once they are: the
                // threshold of one is the goal less the rest.
                _ => Solved::Unsolvable,
            }
        }
        // A count's value is how many of its parts hold; each part's own comparisons give the thresholds.
        Expr::Count { .. } => Solved::NoFact,
        other if !reads_ordered(other) => Solved::NoFact,
        _ => Solved::Unsolvable,
    }
}

fn domain(policy: &Policy, fact: &FactDef, harvest: &Harvest<'_>) -> Domain {
    match fact.ty {
        Type::Bool => Domain::Bool,
        Type::Num(dim) => {
            let unit = fact.unit.unwrap_or(Unit::ONE);
            let mut thresholds: Vec<Quantity> = Vec::new();
            for q in harvest.numbers.iter().filter(|q| q.dimension() == dim) {
                let q = q.convert_exact(unit).unwrap_or(*q).normalized();
                if !thresholds.contains(&q) {
                    thresholds.push(q);
                }
            }
            let zero = Quantity::new(Decimal::ZERO, unit);
            if !thresholds.contains(&zero) {
                thresholds.push(zero);
            }
            let step = if fact.whole { Decimal::ONE } else { Decimal::new(1, 2) };
            Domain::Num { unit, thresholds, step, whole: fact.whole, signed: fact.signed }
        }
        Type::Date => Domain::Date { thresholds: harvest.dates.clone() },
        Type::Text => {
            let mut literals = harvest.texts.clone();
            literals.sort();
            literals.dedup();
            Domain::Text { literals }
        }
        // The checker keeps enums within a u64 mask, so a size never exceeds 64.
        Type::Enum(id) => Domain::Enum { size: policy.enums.get(id as usize).map_or(0, |e| e.values.len()) },
        Type::Set(id) => Domain::Set { size: policy.enums.get(id as usize).map_or(0, |e| e.values.len()).min(64) },
        Type::Mixed => Domain::Nothing,
    }
}
