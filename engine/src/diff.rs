//! Rule-change impact analysis: where in the fact space do two versions of a policy answer differently?
//!
//! Rules and outputs are compared by a canonical form (names instead of slots, parameters and tables
//! expanded, spans dropped), so a pack diffed against itself is proven equivalent without evaluating
//! anything. For the changed ones, the facts they read are enumerated: every comparison of a fact with a
//! constant splits the fact's domain at that constant, so one value per piece (each threshold of either
//! version, a value between neighbouring thresholds, one beyond the last, and "unknown"), every enum and
//! set value, true/false, and the dates where a version or a dated figure starts or ends, cover every
//! case. When a changed rule compares computed values (a share of two areas, a cap derived from a fact),
//! the pieces are not known and the analysis says so and samples generated cases instead.

use jiff::civil::Date;

use crate::eval::{self, Env, FactSet, FactValue, Value};
use crate::generate::{Generator, Rng, to_toml};
use crate::partition::{self, Class, Domain, OTHER_TEXT, Point};
use crate::policy::*;

/// Above this many points the product is not enumerated.
pub const PRODUCT_CAP: usize = 400_000;
/// Generated cases tried when the analysis cannot be exhaustive.
pub const FALLBACK_CASES: usize = 20_000;

mod by_law;
pub mod words;

pub use by_law::REFUSED;

#[derive(Debug, Clone, PartialEq)]
pub enum Method {
    /// Every rule and output has the same canonical form: equivalent without evaluation.
    Identical,
    /// Every piece of the partition was evaluated.
    Exhaustive { points: usize },
    /// Not exhaustive, for `reason`; `cases` generated cases were compared.
    Sampled { cases: usize, reason: NotExhaustive },
}

/// Why the analysis sampled instead of enumerating.
#[derive(Debug, Clone, PartialEq)]
pub enum NotExhaustive {
    /// (rule id, the left side as written) of each comparison that sets a computed value against another.
    Computed(Vec<(String, String)>),
    /// A fact has no finite partition (free text or a large set).
    NoFinitePartition,
    /// The product of the pieces has this many points, more than `PRODUCT_CAP`.
    TooLarge { points: usize },
}

/// A change outside the rules and outputs.
#[derive(Debug, Clone, PartialEq)]
pub enum HeaderChange {
    /// The validity (from, until) of each version.
    Validity {
        old: (Date, Option<Date>),
        new: (Date, Option<Date>),
    },
    FactAdded(String),
    FactRetyped(String),
    FactRemoved(String),
    /// A conversion across time bases (`convert`) declared, dropped or changed: (as written, its law).
    Conversion {
        old: Option<(String, String)>,
        new: Option<(String, String)>,
    },
}

/// How one piece of a fact's domain is named.
#[derive(Debug, Clone, PartialEq)]
pub enum PieceName {
    /// A value of the fact; `words` names it (`洞头区`, `1660 元/月`, `true` or 是, `2021-03-01`).
    Value(FactValue),
    /// The date this many days from the evaluation date.
    DayFromAsOf(i64),
    Unknown,
}

/// A run of neighbouring pieces of an ordered fact.
#[derive(Debug, Clone, PartialEq)]
pub enum Run {
    Unknown,
    /// Exactly this threshold.
    Equal(String),
    /// Between two thresholds; each end is (threshold, included), `None` is unbounded.
    Between {
        lower: Option<(String, bool)>,
        upper: Option<(String, bool)>,
    },
}

/// What the facts of a region have in common.
#[derive(Debug, Clone, PartialEq)]
pub enum Condition {
    /// An unordered fact (an enum, a yes/no, a text, a date against the evaluation date) takes one of these.
    OneOf {
        fact: String,
        values: Vec<PieceName>,
    },
    /// An ordered fact lies in one of these runs.
    Within {
        fact: String,
        runs: Vec<Run>,
    },
    /// Every date the policy is in force.
    AnyDateInForce,
    /// This date and every later one compared.
    DatesFrom(Date),
    Dates(Vec<Date>),
    /// The fact's figure is given in this unit, another time base, and each version reads it by its own
    /// conversions.
    GivenIn {
        fact: String,
        unit: String,
    },
}

/// A region that is not the full product of its conditions: how many of the combinations are in it, and
/// one that is not.
#[derive(Debug, Clone, PartialEq)]
pub struct Note {
    pub points: usize,
    pub combinations: usize,
    pub not_for_example: Option<Vec<(String, PieceName)>>,
}

#[derive(Debug, Clone)]
pub struct Region {
    pub verdicts: (String, String),
    /// (rule id, old outcome, new outcome)
    pub rules: Vec<(String, String, String)>,
    /// Outputs whose value differs (values of the example).
    pub outputs: Vec<(String, String, String)>,
    /// One per fact that is constrained in this region, then the dates where it is.
    pub conditions: Vec<Condition>,
    pub note: Option<Note>,
    pub points: usize,
    /// A complete fact file of one case in the region.
    pub example: String,
}

/// The analysis as data; `words::report` puts it into sentences.
#[derive(Debug, Clone)]
pub struct PolicyDiff {
    pub id: String,
    pub header: Vec<HeaderChange>,
    pub changed_rules: Vec<String>,
    pub changed_outputs: Vec<String>,
    pub influenced: Vec<String>,
    pub method: Method,
    pub regions: Vec<Region>,
    /// Facts outside the influenced set, fixed so that the unaffected rules pass: (fact, value).
    pub background: Vec<(String, FactValue)>,
    /// Rules outside the change that no choice of the other facts made pass: where they fail, a changed
    /// rule's outcome may not show in the verdict.
    pub background_unmet: Vec<String>,
    /// (fact, unit): facts compared as given in another time base, which the versions convert differently.
    pub given_in: Vec<(String, String)>,
}

impl PolicyDiff {
    pub fn equivalent(&self) -> bool {
        self.header.is_empty() && self.regions.is_empty()
    }
}

/// A rule's or output's meaning as text: equal text, equal answers for every fact set and date.
fn canon(p: &Policy, e: &Expr, out: &mut String, depth: usize) {
    use std::fmt::Write;
    if depth > 64 {
        out.push('…');
        return;
    }
    let list = |parts: &[Expr], out: &mut String, tag: &str| {
        out.push_str(tag);
        out.push('(');
        for part in parts {
            canon(p, part, out, depth + 1);
            out.push(',');
        }
        out.push(')');
    };
    match e {
        Expr::Const(c) => {
            let _ = write!(out, "{}", constant_text(c));
        }
        Expr::Fact(f) => {
            let def = &p.facts[*f as usize];
            let _ = write!(out, "fact:{}:{}", def.name, type_text(p, def.ty, def.unit));
        }
        Expr::Derived(d) => canon(p, &p.derived[*d as usize].expr, out, depth + 1),
        Expr::Param(id) => {
            let param = &p.params[*id as usize];
            out.push_str("param[");
            for period in &param.periods {
                let _ = write!(out, "{}..{:?}={};", period.from, period.until, constant_text(&period.value));
            }
            out.push(']');
        }
        Expr::Table(id) => {
            let t = &p.tables[*id as usize];
            list(&t.keys, out, "table-keys");
            list(&t.rows, out, "rows");
            let _ = write!(out, "cells{:?}cols{:?}", t.cells, t.columns);
        }
        Expr::AsOf => out.push_str("as_of"),
        Expr::Not(x) => {
            out.push_str("not ");
            canon(p, x, out, depth + 1);
        }
        Expr::And(parts) => list(parts, out, "and"),
        Expr::Or(parts) => list(parts, out, "or"),
        Expr::Min(parts) => list(parts, out, "min"),
        Expr::Max(parts) => list(parts, out, "max"),
        Expr::Sum(parts) => list(parts, out, "sum"),
        Expr::Count { parts, unit } => {
            let _ = write!(out, "{unit:?}");
            list(parts, out, "count")
        }
        Expr::Compare(c) => {
            out.push('(');
            canon(p, &c.lhs, out, depth + 1);
            let _ = write!(out, " {:?} ", c.op);
            canon(p, &c.rhs, out, depth + 1);
            out.push(')');
        }
        Expr::InEnum { value, mask, negated } => {
            canon(p, value, out, depth + 1);
            let _ = write!(out, " in{negated} {}", mask_names(p, value, *mask));
        }
        Expr::InText { value, texts, negated } => {
            canon(p, value, out, depth + 1);
            let _ = write!(out, " intext{negated} {texts:?}");
        }
        Expr::HasAny { set, mask, negated } | Expr::HasOnly { set, mask, negated } => {
            let tag = if matches!(e, Expr::HasAny { .. }) { "hasany" } else { "hasonly" };
            canon(p, set, out, depth + 1);
            let _ = write!(out, " {tag}{negated} {}", mask_names(p, set, *mask));
        }
        Expr::Has { set, item, negated } => {
            canon(p, set, out, depth + 1);
            let _ = write!(out, " has{negated} ");
            canon(p, item, out, depth + 1);
        }
        Expr::Arith { op, lhs, rhs } => {
            out.push('(');
            canon(p, lhs, out, depth + 1);
            let _ = write!(out, " {op:?} ");
            canon(p, rhs, out, depth + 1);
            out.push(')');
        }
        Expr::Neg(x) => {
            out.push('-');
            canon(p, x, out, depth + 1);
        }
        Expr::If { condition, then, otherwise } => {
            out.push_str("if ");
            canon(p, condition, out, depth + 1);
            out.push_str(" then ");
            canon(p, then, out, depth + 1);
            out.push_str(" else ");
            canon(p, otherwise, out, depth + 1);
        }
    }
}

fn constant_text(c: &Constant) -> String {
    match c {
        Constant::Num(q) => q.normalized().to_string(),
        other => format!("{other:?}"),
    }
}

/// Enum masks by value names, so reordering an enum's values is not a change.
fn mask_names(p: &Policy, value: &Expr, mask: u64) -> String {
    let id = enum_of(p, value);
    let names: Vec<String> = (0..64)
        .filter(|i| mask & (1u64 << i) != 0)
        .map(|i| id.and_then(|id| p.enums.get(id as usize)?.values.get(i)).map_or(i.to_string(), |v| v.name.clone()))
        .collect();
    format!("{names:?}")
}

fn enum_of(p: &Policy, e: &Expr) -> Option<EnumId> {
    match e {
        Expr::Fact(f) => match p.facts[*f as usize].ty {
            Type::Enum(id) | Type::Set(id) => Some(id),
            _ => None,
        },
        Expr::Derived(d) => match p.derived[*d as usize].ty {
            Type::Enum(id) | Type::Set(id) => Some(id),
            _ => None,
        },
        _ => None,
    }
}

fn type_text(p: &Policy, ty: Type, unit: Option<crate::units::Unit>) -> String {
    match ty {
        Type::Enum(id) | Type::Set(id) => {
            let def = &p.enums[id as usize];
            let names: Vec<&str> = def.values.iter().map(|v| v.name.as_str()).collect();
            // An ordered enum's order is part of its meaning: reordering its values changes `>=`.
            let kind = match (ty, def.ordered) {
                (Type::Set(_), _) => "set",
                (_, true) => "ordered",
                _ => "enum",
            };
            format!("{kind}{names:?}")
        }
        Type::Num(_) => format!("num[{}]", unit.map(|u| u.to_string()).unwrap_or_default()),
        other => format!("{other:?}"),
    }
}

fn rule_canon(p: &Policy, r: &RuleDef) -> String {
    let mut out = format!("{:?}|", std::mem::discriminant(&r.consequence));
    if let Some(a) = &r.applies {
        canon(p, a, &mut out, 0);
    }
    out.push('|');
    canon(p, &r.requires, &mut out, 0);
    out
}

fn output_canon(p: &Policy, id: DerivedId) -> String {
    let mut out = String::new();
    canon(p, &p.derived[id as usize].expr, &mut out, 0);
    out
}

fn rule_facts(p: &Policy, r: &RuleDef) -> Vec<FactId> {
    let mut out: Vec<FactId> = r.applies.iter().flat_map(|a| p.facts_read(a)).collect();
    for f in p.facts_read(&r.requires) {
        if !out.contains(&f) {
            out.push(f);
        }
    }
    out
}

/// Why a rule cannot be partitioned by the pieces `pieces` builds, if it cannot: every comparison must
/// set a bare quantity or date fact against a value fixed by the rule text (constants, dated figures,
/// tables of them) or against the evaluation date itself, or read no quantity or date fact at all.
/// Anything else — a computed value, two facts, a date some days from the evaluation date — says why.
fn not_partitionable(p: &Policy, e: &Expr) -> Option<String> {
    let ordered = |f: FactId| matches!(p.facts.get(f as usize).map(|d| d.ty), Some(Type::Num(_) | Type::Date));
    let reads_ordered = |x: &Expr| p.facts_read(x).into_iter().any(ordered);
    // A value the rule text fixes: no quantity or date fact, no arithmetic, no evaluation date inside it.
    let fixed = |x: &Expr| {
        let mut ok = true;
        p.walk_deep(x, &mut |n| {
            ok &= match n {
                Expr::Fact(f) => !ordered(*f),
                Expr::Arith { .. }
                | Expr::Neg(_)
                | Expr::Min(_)
                | Expr::Max(_)
                | Expr::Sum(_)
                | Expr::Count { .. }
                | Expr::AsOf => false,
                Expr::Const(_)
                | Expr::Derived(_)
                | Expr::Param(_)
                | Expr::Table(_)
                | Expr::Not(_)
                | Expr::And(_)
                | Expr::Or(_)
                | Expr::Compare(_)
                | Expr::InEnum { .. }
                | Expr::InText { .. }
                | Expr::HasAny { .. }
                | Expr::HasOnly { .. }
                | Expr::Has { .. }
                | Expr::If { .. } => true,
            }
        });
        ok
    };
    let bare = |x: &Expr| match p.resolve(x) {
        Expr::Fact(f) => ordered(*f),
        _ => false,
    };
    let as_of = |x: &Expr| matches!(p.resolve(x), Expr::AsOf);
    let mut why = None;
    p.walk_deep(e, &mut |n| {
        if why.is_some() {
            return;
        }
        if let Expr::Compare(c) = n {
            let (l, r) = (&c.lhs, &c.rhs);
            // A count's parts are comparisons of their own, which this walk visits too.
            let counted = |x: &Expr| matches!(p.resolve(x), Expr::Count { .. });
            let ok = (bare(l) && (fixed(r) || as_of(r)))
                || (counted(l) && fixed(r))
                || (bare(r) && (fixed(l) || as_of(l)))
                || (!reads_ordered(l) && !reads_ordered(r));
            if !ok {
                why = Some(c.lhs_text.clone());
            }
        }
    });
    why
}

/// One end of a piece: the threshold's text and whether the piece includes it; `None` is unbounded.
type Bound = Option<(String, bool)>;

/// One piece of a fact's domain: the value tried for it and how a reader names the piece.
#[derive(Debug, Clone)]
struct Piece {
    value: Option<FactValue>,
    /// A date this many days from the evaluation date, for a fact compared with it (the value then
    /// depends on the date evaluated).
    from_as_of: Option<i64>,
    /// `(lower, upper)` description pieces for quantities: `Some((text, inclusive))`.
    bounds: Option<(Bound, Bound)>,
    name: PieceName,
}

impl Piece {
    fn unknown(&self) -> bool {
        self.value.is_none() && self.from_as_of.is_none()
    }

    fn value_on(&self, as_of: Date) -> Option<FactValue> {
        match self.from_as_of {
            Some(days) => as_of.checked_add(jiff::Span::new().days(days)).ok().map(FactValue::Date),
            None => self.value.clone(),
        }
    }
}

/// One value per class of `fact`'s domain under both versions' thresholds (`partition`), and "unknown".
fn pieces(new: &Policy, old: &Policy, fact: FactId) -> Option<Vec<Piece>> {
    let def = &new.facts[fact as usize];
    let old_fact = old.fact_index(&def.name);
    let old_domain = old_fact.and_then(|f| old.partition().domains.get(f as usize));
    let unknown = Piece { value: None, from_as_of: None, bounds: None, name: PieceName::Unknown };
    let point_text = |p: &Point| match p {
        Point::Num(q) => q.normalized().to_string(),
        Point::Date(d) => d.to_string(),
    };
    let bound = |b: &partition::Bound| b.as_ref().map(|(p, inclusive)| (point_text(p), *inclusive));
    let piece = |c: Class| Piece {
        name: PieceName::Value(c.value.clone()),
        bounds: c.bounds.as_ref().map(|(lo, hi)| (bound(lo), bound(hi))),
        value: Some(c.value),
        from_as_of: None,
    };
    let mut also: Vec<Point> = Vec::new();
    match old_domain {
        Some(Domain::Num { thresholds, .. }) => also.extend(thresholds.iter().map(|q| Point::Num(*q))),
        Some(Domain::Date { thresholds }) => also.extend(thresholds.iter().map(|d| Point::Date(*d))),
        _ => {}
    }
    let partition = new.partition();
    let mut out: Vec<Piece> = match &partition.domains[fact as usize] {
        // Texts the old version names are pieces too; they sort among the new ones.
        Domain::Text { literals } => {
            let mut all = literals.clone();
            if let Some(Domain::Text { literals }) = old_domain {
                all.extend(literals.iter().cloned());
            }
            all.sort();
            all.dedup();
            all.push(OTHER_TEXT.into());
            all.into_iter().map(|t| piece(Class { value: FactValue::Text(t), bounds: None })).collect()
        }
        _ => partition.constant_classes(fact, &also)?.into_iter().map(piece).collect(),
    };
    // A date compared with the evaluation date splits at that date, which moves with it: the day before,
    // the day itself and the day after are pieces of their own, whatever the date evaluated.
    let relative =
        partition.against_as_of(new, fact) || old_fact.is_some_and(|f| old.partition().against_as_of(old, f));
    if relative {
        for days in [-1, 0, 1] {
            out.push(Piece { value: None, from_as_of: Some(days), bounds: None, name: PieceName::DayFromAsOf(days) });
        }
    }
    out.push(unknown);
    Some(out)
}

/// The same fact value for the other version's schema (enum values matched by name).
fn translate(from: &Policy, to: &Policy, fact: &str, value: &FactValue) -> Option<FactValue> {
    let (fd, td) = (&from.facts[from.fact_index(fact)? as usize], &to.facts[to.fact_index(fact)? as usize]);
    let name_of = |ord: u16| match fd.ty {
        Type::Enum(id) | Type::Set(id) => from.enums.get(id as usize)?.values.get(ord as usize).map(|v| v.name.clone()),
        _ => None,
    };
    let index_in_to = |name: &str| match td.ty {
        Type::Enum(id) | Type::Set(id) => to.enums.get(id as usize)?.index(name),
        _ => None,
    };
    match (value, td.ty) {
        (FactValue::Enum(e), Type::Enum(_)) => index_in_to(&name_of(*e)?).map(FactValue::Enum),
        (FactValue::Set(s), Type::Set(_)) => {
            let mut mask = 0u64;
            for i in (0..64u16).filter(|i| s & (1u64 << i) != 0) {
                mask |= 1u64 << index_in_to(&name_of(i)?)?;
            }
            Some(FactValue::Set(mask))
        }
        (FactValue::Num(q), Type::Num(dim)) if q.dimension() == dim => Some(value.clone()),
        (FactValue::Bool(_), Type::Bool) | (FactValue::Date(_), Type::Date) | (FactValue::Text(_), Type::Text) => {
            Some(value.clone())
        }
        _ => None,
    }
}

fn to_other(from: &Policy, to: &Policy, facts: &FactSet) -> FactSet {
    let mut out = FactSet::empty(to);
    for (i, def) in from.facts.iter().enumerate() {
        if let Some(v) = facts.get(i as FactId)
            && let (Some(j), Some(t)) = (to.fact_index(&def.name), translate(from, to, &def.name, v))
        {
            out.set(j, Some(t));
        }
    }
    out
}

/// What a case looks like to the comparison: the verdict, the changed rules' outcomes and the outputs.
#[derive(Debug, Clone, PartialEq)]
struct Answer {
    verdict: String,
    /// (rule id, outcome), for the changed rules.
    rules: Vec<(String, String)>,
    /// (output name, value), for the changed outputs.
    outputs: Vec<(String, String)>,
}

/// Kleene's verdict, not the exact one: the pieces hold every class of both versions, so two versions that
/// agree on every case without unknowns agree on the exact verdict of every case with unknowns too, and
/// Kleene is a few hundred times cheaper over a product of hundreds of thousands of points.
fn answer(p: &Policy, facts: &FactSet, as_of: Date, rules: &[String], outputs: &[String]) -> Answer {
    let ev = eval::kleene(p, facts, as_of);
    let rule_outcome = |id: &String| {
        p.rules
            .iter()
            .position(|r| &r.id == id)
            .and_then(|i| ev.rules.get(i).map(|r| r.outcome.as_str().to_string()))
            .unwrap_or_else(|| {
                if ev.rules.is_empty() && p.rules.iter().any(|r| &r.id == id) {
                    "not evaluated".into()
                } else {
                    "(no such rule)".into()
                }
            })
    };
    let mut env = Env::new(p, facts, as_of);
    let outputs = outputs
        .iter()
        .map(|name| match p.derived.iter().position(|d| d.is_output && &d.name == name) {
            Some(id) => (name.clone(), value_string(p, p.derived[id].ty, env.derived(id as DerivedId))),
            None => (name.clone(), "(no such output)".into()),
        })
        .collect();
    let rules = rules.iter().map(|id| (id.clone(), rule_outcome(id))).collect();
    Answer { verdict: ev.verdict.as_str().to_string(), rules, outputs }
}

fn value_string(p: &Policy, ty: Type, v: Value<'_>) -> String {
    match (v, ty) {
        (Value::Num(q), _) => q.normalized().to_string(),
        (Value::Enum(e), Type::Enum(id)) => {
            p.enums.get(id as usize).and_then(|d| d.values.get(e as usize)).map_or(e.to_string(), |v| v.name.clone())
        }
        (Value::Unknown { .. }, _) => "unknown".into(),
        (other, _) => match other {
            Value::Bool(b) => b.to_string(),
            Value::Date(d) => d.to_string(),
            Value::Text(t) => t.to_string(),
            Value::Enum(e) => e.to_string(),
            Value::Set(s) => format!("{s:#b}"),
            _ => "unknown".into(),
        },
    }
}

/// Compares one policy's two versions: the result is data, put into words by `words::report`.
pub fn diff_policy(old: &Policy, new: &Policy, as_of: Option<Date>) -> PolicyDiff {
    let mut result = diff_rules(old, new, as_of);
    by_law::extend(old, new, as_of, &mut result);
    result
}

/// The rules, outputs, facts and validity of two versions compared; the conversions are `by_law`'s.
fn diff_rules(old: &Policy, new: &Policy, as_of: Option<Date>) -> PolicyDiff {
    let mut header = Vec::new();
    if (old.valid_from, old.valid_until) != (new.valid_from, new.valid_until) {
        header.push(HeaderChange::Validity {
            old: (old.valid_from, old.valid_until),
            new: (new.valid_from, new.valid_until),
        });
    }
    for def in &new.facts {
        match old.fact_index(&def.name) {
            None => header.push(HeaderChange::FactAdded(def.name.clone())),
            Some(i) => {
                let od = &old.facts[i as usize];
                if type_text(old, od.ty, od.unit) != type_text(new, def.ty, def.unit) {
                    header.push(HeaderChange::FactRetyped(def.name.clone()));
                }
            }
        }
    }
    for def in &old.facts {
        if new.fact_index(&def.name).is_none() {
            header.push(HeaderChange::FactRemoved(def.name.clone()));
        }
    }
    let mut changed_rules = Vec::new();
    for r in &new.rules {
        match old.rules.iter().find(|o| o.id == r.id) {
            Some(o) if rule_canon(old, o) == rule_canon(new, r) => {}
            _ => changed_rules.push(r.id.clone()),
        }
    }
    changed_rules.extend(old.rules.iter().filter(|o| !new.rules.iter().any(|r| r.id == o.id)).map(|o| o.id.clone()));
    let outputs_of = |p: &Policy| -> Vec<(String, String)> {
        p.outputs.iter().map(|id| (p.derived[*id as usize].name.clone(), output_canon(p, *id))).collect()
    };
    let (old_out, new_out) = (outputs_of(old), outputs_of(new));
    let mut changed_outputs: Vec<String> =
        new_out.iter().filter(|o| !old_out.contains(o)).map(|(n, _)| n.clone()).collect();
    changed_outputs
        .extend(old_out.iter().filter(|(n, _)| !new_out.iter().any(|(m, _)| m == n)).map(|(n, _)| n.clone()));
    let validity_changed = (old.valid_from, old.valid_until) != (new.valid_from, new.valid_until);
    let mut result = PolicyDiff {
        id: new.id.clone(),
        header,
        changed_rules: changed_rules.clone(),
        changed_outputs: changed_outputs.clone(),
        influenced: Vec::new(),
        method: Method::Identical,
        regions: Vec::new(),
        background: Vec::new(),
        background_unmet: Vec::new(),
        given_in: Vec::new(),
    };
    if changed_rules.is_empty() && changed_outputs.is_empty() && !validity_changed {
        return result;
    }
    // The facts the changed rules and outputs read, in either version, by name.
    let mut influenced: Vec<String> = Vec::new();
    let mut reasons: Vec<(String, String)> = Vec::new();
    for (p, ids) in [(old, &changed_rules), (new, &changed_rules)] {
        for r in p.rules.iter().filter(|r| ids.contains(&r.id)) {
            for f in rule_facts(p, r) {
                let name = &p.facts[f as usize].name;
                if !influenced.contains(name) {
                    influenced.push(name.clone());
                }
            }
            for e in r.applies.iter().chain([&r.requires]) {
                if let Some(why) = not_partitionable(p, e) {
                    reasons.push((r.id.clone(), why));
                }
            }
        }
        for id in p.outputs.iter().filter(|id| changed_outputs.contains(&p.derived[**id as usize].name)) {
            for f in p.facts_read(&p.derived[*id as usize].expr) {
                let name = &p.facts[f as usize].name;
                if !influenced.contains(name) {
                    influenced.push(name.clone());
                }
            }
        }
    }
    influenced.retain(|n| new.fact_index(n).is_some());
    influenced.sort_by_key(|n| new.fact_index(n));
    result.influenced = influenced.clone();
    let (gen_new, gen_old) = (Generator::new(new), Generator::new(old));
    // Facts not influenced are fixed where every rule that does not read an influenced fact passes, so that
    // a changed rule's outcome shows in the verdict.
    let influenced_ids: Vec<FactId> = influenced.iter().filter_map(|n| new.fact_index(n)).collect();
    let (background, unmet) = find_background(&gen_new, &influenced_ids);
    result.background_unmet = unmet;
    result.background = (0..new.facts.len() as FactId)
        .filter(|f| !influenced_ids.contains(f))
        .filter_map(|f| background.get(f).map(|v| (new.facts[f as usize].name.clone(), v.clone())))
        .collect();
    let dates: Vec<Date> = match as_of {
        Some(d) => vec![d],
        None => as_of_points(old, new, &gen_old, &gen_new),
    };
    let all_pieces: Option<Vec<Vec<Piece>>> = influenced_ids.iter().map(|f| pieces(new, old, *f)).collect();
    let product =
        all_pieces.as_ref().map(|ps| ps.iter().fold(dates.len(), |acc: usize, v| acc.saturating_mul(v.len())));
    let rules_cmp: Vec<String> = changed_rules.clone();
    let outputs_cmp: Vec<String> = changed_outputs.clone();
    let run = |facts: &FactSet, date: Date| {
        let a = answer(old, &to_other(new, old, facts), date, &rules_cmp, &outputs_cmp);
        let b = answer(new, facts, date, &rules_cmp, &outputs_cmp);
        (a, b)
    };
    match (all_pieces, product) {
        (Some(ps), Some(n)) if reasons.is_empty() && n <= PRODUCT_CAP => {
            result.method = Method::Exhaustive { points: n };
            let mut hits: Vec<(Vec<usize>, Date, Answer, Answer, FactSet)> = Vec::new();
            let mut index = vec![0usize; ps.len()];
            for date in &dates {
                loop {
                    let mut facts = background.clone();
                    for (k, f) in influenced_ids.iter().enumerate() {
                        facts.set(*f, ps[k][index[k]].value_on(*date));
                    }
                    let (a, b) = run(&facts, *date);
                    if a != b {
                        hits.push((index.clone(), *date, a, b, facts));
                    }
                    if !advance(&mut index, &ps) {
                        break;
                    }
                }
            }
            result.regions = regions(new, &influenced, &ps, hits, &dates);
        }
        (pieces, _) => {
            let reason = if !reasons.is_empty() {
                NotExhaustive::Computed(reasons)
            } else if pieces.is_none() {
                NotExhaustive::NoFinitePartition
            } else {
                NotExhaustive::TooLarge { points: product.unwrap_or(usize::MAX) }
            };
            let mut hits = Vec::new();
            let mut rng = Rng::new(1);
            for _ in 0..FALLBACK_CASES {
                let date = dates[rng.below(dates.len())];
                let mut facts = background.clone();
                let generated = if rng.chance(1, 2) {
                    gen_new.fact_set(&mut rng, date)
                } else {
                    to_other(old, new, &gen_old.fact_set(&mut rng, date))
                };
                for f in &influenced_ids {
                    facts.set(*f, generated.get(*f).cloned());
                }
                let (a, b) = run(&facts, date);
                if a != b {
                    hits.push((a, b, facts, date));
                }
            }
            result.method = Method::Sampled { cases: FALLBACK_CASES, reason };
            result.regions = sampled_regions(new, hits);
        }
    }
    result
}

fn advance(index: &mut [usize], ps: &[Vec<Piece>]) -> bool {
    for k in (0..index.len()).rev() {
        index[k] += 1;
        if index[k] < ps[k].len() {
            return true;
        }
        index[k] = 0;
    }
    false
}

/// Dates where either version, or a dated figure, starts or ends, and every date the rules name: the day
/// before, the day, the day after.
fn as_of_points(old: &Policy, new: &Policy, a: &Generator<'_>, b: &Generator<'_>) -> Vec<Date> {
    // Every date either version names (a dated figure's start, a date compared with as_of) and its
    // neighbours, within each version's validity.
    let mut dates: Vec<Date> = a.dates().iter().chain(b.dates()).copied().collect();
    for p in [old, new] {
        for d in [Some(p.valid_from), p.valid_until].into_iter().flatten() {
            dates.extend(d.yesterday().ok());
            dates.push(d);
            dates.extend(d.tomorrow().ok());
        }
    }
    dates.sort();
    dates.dedup();
    dates
}

/// Facts outside the influenced set, fixed where every rule that does not read an influenced fact passes
/// (or does not apply), so that a changed rule's outcome shows in the verdict. Coordinate descent over
/// the generator's values first (cheap, and enough when each such rule can be satisfied one fact at a
/// time); where a rule is left unsatisfied, a joint search over the classes of the facts the unsatisfied
/// rules read (`satisfy_jointly`). The ids of the rules that no search satisfied are returned with it.
fn find_background(g: &Generator<'_>, influenced: &[FactId]) -> (FactSet, Vec<String>) {
    let p = g.policy;
    let unaffected: Vec<usize> = p
        .rules
        .iter()
        .enumerate()
        .filter(|(_, r)| !rule_facts(p, r).iter().any(|f| influenced.contains(f)))
        .map(|(i, _)| i)
        .collect();
    // The latest date the policy names within its validity: a target with a due date is skipped before it,
    // so a background chosen on the first day would hold facts that fail once the target falls due.
    let as_of = g.dates().iter().rev().copied().find(|d| eval::validity(p, *d).is_none()).unwrap_or(p.valid_from);
    let unmet = |facts: &FactSet| -> Vec<usize> {
        let ev = eval::kleene(p, facts, as_of);
        unaffected
            .iter()
            .copied()
            .filter(|i| {
                ev.rules.get(*i).is_some_and(|r| !matches!(r.outcome, eval::Outcome::Pass | eval::Outcome::Skipped))
            })
            .collect()
    };
    let score = |facts: &FactSet| unmet(facts).len();
    let mut rng = Rng::new(42);
    let mut best = FactSet::empty(p);
    for f in 0..p.facts.len() as FactId {
        if !influenced.contains(&f) {
            best.set(f, g.value(f, &mut rng));
        }
    }
    let mut best_score = score(&best);
    for _ in 0..3 {
        for f in 0..p.facts.len() as FactId {
            if influenced.contains(&f) || best_score == 0 {
                continue;
            }
            for _ in 0..12 {
                let mut trial = best.clone();
                trial.set(f, g.value(f, &mut rng));
                let s = score(&trial);
                if s < best_score {
                    best = trial;
                    best_score = s;
                }
            }
        }
    }
    if best_score > 0
        && let Some(joint) = satisfy_jointly(p, &best, &unmet(&best), influenced, as_of, &unmet)
    {
        best = joint;
    }
    hold_shared(g, &mut best, influenced, &unaffected, as_of);
    let left: Vec<String> = unmet(&best).into_iter().map(|i| p.rules[i].id.clone()).collect();
    for f in influenced {
        best.set(*f, None);
    }
    (best, left)
}

/// Cases of the influenced facts a shared rule is scored over in `hold_shared`.
const SHARED_SAMPLES: u64 = 32;

/// An unchanged rule that reads an influenced fact (a district's line quota beside its changed vehicle
/// quota) can fail for most values of that fact and hide the changed rule in the verdict. Each fact only
/// such rules read takes the class (`partition`) that lets them pass for the most generated cases of the
/// influenced facts.
fn hold_shared(g: &Generator<'_>, best: &mut FactSet, influenced: &[FactId], unaffected: &[usize], as_of: Date) {
    let p = g.policy;
    let shared: Vec<usize> = (0..p.rules.len())
        .filter(|i| !unaffected.contains(i) && p.rules[*i].consequence.level().is_some())
        .filter(|i| {
            let facts = rule_facts(p, &p.rules[*i]);
            facts.iter().any(|f| influenced.contains(f)) && facts.iter().any(|f| !influenced.contains(f))
        })
        .collect();
    let fixed: Vec<FactId> = unaffected.iter().flat_map(|i| rule_facts(p, &p.rules[*i])).collect();
    let mut samples = Vec::new();
    for seed in 0..SHARED_SAMPLES {
        let mut rng = Rng::new(seed);
        samples.push(g.fact_set(&mut rng, as_of));
    }
    let passes = |facts: &FactSet| -> usize {
        samples
            .iter()
            .map(|sample| {
                let mut case = facts.clone();
                for f in influenced {
                    case.set(*f, sample.get(*f).cloned());
                }
                let ev = eval::kleene(p, &case, as_of);
                shared
                    .iter()
                    .filter(|i| {
                        ev.rules
                            .get(**i)
                            .is_some_and(|r| matches!(r.outcome, eval::Outcome::Pass | eval::Outcome::Skipped))
                    })
                    .count()
            })
            .sum()
    };
    for rule in &shared {
        for f in rule_facts(p, &p.rules[*rule]) {
            if influenced.contains(&f) || fixed.contains(&f) {
                continue;
            }
            let Some(classes) = p.partition().classes(p, f, best, as_of, &[]) else { continue };
            let mut top = (passes(best), best.get(f).cloned());
            for class in classes.classes {
                let mut trial = best.clone();
                trial.set(f, Some(class.value.clone()));
                let score = passes(&trial);
                if score > top.0 {
                    top = (score, Some(class.value));
                }
            }
            best.set(f, top.1);
        }
    }
}

/// Evaluations the joint background search may spend.
const JOINT_BUDGET: usize = 20_000;

/// A depth-first search over the classes (`partition`) of the facts the `open` rules read, the others
/// as in `start`: the first assignment where no unaffected rule is left unmet. `None` when there is
/// none within the budget.
fn satisfy_jointly(
    p: &Policy,
    start: &FactSet,
    open: &[usize],
    influenced: &[FactId],
    as_of: Date,
    unmet: &dyn Fn(&FactSet) -> Vec<usize>,
) -> Option<FactSet> {
    let mut facts: Vec<FactId> = Vec::new();
    for i in open {
        for f in rule_facts(p, &p.rules[*i]) {
            if !influenced.contains(&f) && !facts.contains(&f) {
                facts.push(f);
            }
        }
    }
    let mut trial = start.clone();
    for f in &facts {
        trial.set(*f, None);
    }
    let mut budget = JOINT_BUDGET;
    search(p, &mut trial, &facts, as_of, unmet, &mut budget).then_some(trial)
}

fn search(
    p: &Policy,
    trial: &mut FactSet,
    facts: &[FactId],
    as_of: Date,
    unmet: &dyn Fn(&FactSet) -> Vec<usize>,
    budget: &mut usize,
) -> bool {
    if *budget == 0 {
        return false;
    }
    *budget -= 1;
    let left = unmet(trial);
    let Some((first, rest)) = facts.split_first() else { return left.is_empty() };
    // A rule already failed with the facts fixed so far stays failed whatever the rest are.
    let failed = eval::kleene(p, trial, as_of);
    if left.iter().any(|i| failed.rules.get(*i).is_some_and(|r| r.outcome != eval::Outcome::Unknown)) {
        return false;
    }
    let Some(classes) = p.partition().classes(p, *first, trial, as_of, &[]) else { return false };
    for class in classes.classes {
        trial.set(*first, Some(class.value));
        if search(p, trial, rest, as_of, unmet, budget) {
            return true;
        }
    }
    trial.set(*first, None);
    false
}

type Hit = (Vec<usize>, Date, Answer, Answer, FactSet);

/// Groups differing points by what changed, and describes each group by the pieces of each fact it spans.
fn regions(new: &Policy, names: &[String], ps: &[Vec<Piece>], hits: Vec<Hit>, all_dates: &[Date]) -> Vec<Region> {
    let mut groups: Vec<(String, Vec<Hit>)> = Vec::new();
    for hit in hits {
        let key = signature(&hit.2, &hit.3);
        match groups.iter_mut().find(|(k, _)| *k == key) {
            Some((_, v)) => v.push(hit),
            None => groups.push((key, vec![hit])),
        }
    }
    let mut out = Vec::new();
    for (_, hits) in groups {
        let mut conditions = Vec::new();
        let mut full = 1usize;
        let mut sets: Vec<Vec<usize>> = Vec::new();
        for (k, name) in names.iter().enumerate() {
            let mut seen: Vec<usize> = hits.iter().map(|h| h.0[k]).collect();
            seen.sort_unstable();
            seen.dedup();
            full = full.saturating_mul(seen.len());
            if seen.len() < ps[k].len() {
                conditions.push(describe(name, &ps[k], &seen));
            }
            sets.push(seen);
        }
        let mut dates: Vec<Date> = hits.iter().map(|h| h.1).collect();
        dates.sort();
        dates.dedup();
        full = full.saturating_mul(dates.len());
        if dates.len() < all_dates.len() {
            // Each date stands for the days up to the next one, so a run to the last date is open-ended.
            let suffix = all_dates.ends_with(&dates);
            let in_force: Vec<Date> =
                all_dates.iter().copied().filter(|d| crate::eval::validity(new, *d).is_none()).collect();
            conditions.push(match dates.first() {
                _ if in_force == dates => Condition::AnyDateInForce,
                Some(first) if suffix => Condition::DatesFrom(*first),
                _ => Condition::Dates(dates.clone()),
            });
        }
        let note = (hits.len() < full).then(|| Note {
            points: hits.len(),
            combinations: full,
            // One combination of the listed values that is not in the region.
            not_for_example: first_missing(&sets, &hits)
                .map(|idx| idx.iter().enumerate().map(|(k, i)| (names[k].clone(), ps[k][*i].name.clone())).collect()),
        });
        // A group exists only because a hit fell into it.
        let Some((_, date, a, b, facts)) = hits.first() else { continue };
        out.push(Region {
            verdicts: (a.verdict.clone(), b.verdict.clone()),
            rules: Vec::new(),
            outputs: Vec::new(),
            conditions,
            note,
            points: hits.len(),
            example: to_toml(new, facts, Some(*date)),
        });
        let last = out.len() - 1;
        fill_changes(&mut out[last], a, b);
    }
    out
}

fn first_missing(sets: &[Vec<usize>], hits: &[Hit]) -> Option<Vec<usize>> {
    let mut pos = vec![0usize; sets.len()];
    loop {
        let idx: Vec<usize> = pos.iter().enumerate().map(|(k, p)| sets[k][*p]).collect();
        if !hits.iter().any(|h| h.0 == idx) {
            return Some(idx);
        }
        let mut k = sets.len();
        loop {
            if k == 0 {
                return None;
            }
            k -= 1;
            pos[k] += 1;
            if pos[k] < sets[k].len() {
                break;
            }
            pos[k] = 0;
        }
    }
}

fn signature(a: &Answer, b: &Answer) -> String {
    let rules: Vec<String> = a.rules.iter().zip(&b.rules).map(|(x, y)| format!("{}>{}", x.1, y.1)).collect();
    let outputs: Vec<bool> = a.outputs.iter().zip(&b.outputs).map(|(x, y)| x.1 != y.1).collect();
    format!("{}>{}|{rules:?}|{outputs:?}", a.verdict, b.verdict)
}

/// Rule and output changes of a region, from its example.
fn fill_changes(region: &mut Region, a: &Answer, b: &Answer) {
    for ((id, x), (_, y)) in a.rules.iter().zip(&b.rules) {
        if x != y {
            region.rules.push((id.clone(), x.clone(), y.clone()));
        }
    }
    for ((name, x), (_, y)) in a.outputs.iter().zip(&b.outputs) {
        if x != y {
            region.outputs.push((name.clone(), x.clone(), y.clone()));
        }
    }
}

/// `monthly_wage`: pieces `seen` merged into runs, e.g. from 1660 元/月 (included) to 1800 元/月 (excluded).
fn describe(name: &str, pieces: &[Piece], seen: &[usize]) -> Condition {
    let ordered = pieces.iter().all(|p| p.bounds.is_some() || p.unknown());
    if !ordered {
        let values = seen.iter().map(|i| pieces[*i].name.clone()).collect();
        return Condition::OneOf { fact: name.to_string(), values };
    }
    let mut runs = Vec::new();
    let mut i = 0;
    while i < seen.len() {
        let start = seen[i];
        if pieces[start].unknown() {
            runs.push(Run::Unknown);
            i += 1;
            continue;
        }
        let mut end = start;
        while i + 1 < seen.len() && seen[i + 1] == end + 1 && !pieces[seen[i + 1]].unknown() {
            i += 1;
            end = seen[i];
        }
        let lower = pieces[start].bounds.as_ref().and_then(|b| b.0.clone());
        let upper = pieces[end].bounds.as_ref().and_then(|b| b.1.clone());
        runs.push(match (lower, upper) {
            (Some((l, true)), Some((h, true))) if l == h => Run::Equal(l),
            (lower, upper) => Run::Between { lower, upper },
        });
        i += 1;
    }
    Condition::Within { fact: name.to_string(), runs }
}

fn sampled_regions(new: &Policy, hits: Vec<(Answer, Answer, FactSet, Date)>) -> Vec<Region> {
    let mut out: Vec<(String, Region)> = Vec::new();
    for (a, b, facts, date) in hits {
        let key = signature(&a, &b);
        match out.iter_mut().find(|(k, _)| *k == key) {
            Some((_, r)) => r.points += 1,
            None => {
                let mut region = Region {
                    verdicts: (a.verdict.clone(), b.verdict.clone()),
                    rules: Vec::new(),
                    outputs: Vec::new(),
                    conditions: Vec::new(),
                    note: None,
                    points: 1,
                    example: to_toml(new, &facts, Some(date)),
                };
                fill_changes(&mut region, &a, &b);
                out.push((key, region));
            }
        }
    }
    out.into_iter().map(|(_, r)| r).collect()
}
