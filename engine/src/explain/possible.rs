//! A comparison the exact refinement decided although one side is open: a wage of 1900 元/月 in 洞头区
//! meets the minimum whichever tier the subdistrict selects. The report names the values that side can take
//! (1660 元/月 and 1860 元/月) and says the case stands against each, rather than drop the compared wage.

use std::cmp::Ordering;

use super::data::{Atom, Explained};
use super::phrases;
use super::{Lang, Words, pick};
use crate::eval::{self, Env, FactMask, FactSet, Value};
use crate::policy::{Expr, FactId};
use crate::syntax::ast::CmpOp;
use crate::units::Quantity;

/// Completions of the missing facts looked at, at most: the refinement already proved the outcome, so this
/// only names the values, and a rule open on many facts is better left with its sentence alone.
const MAX_COMPLETIONS: usize = 256;

/// What an open comparison is in every completion of the missing facts.
pub(super) struct Possible {
    /// True when the open side is the left one.
    open_left: bool,
    /// The values the open side takes, ascending and distinct.
    values: Vec<Quantity>,
    /// The comparison's result, the same in every completion.
    holds: bool,
}

/// The values the open side of `atom` takes over one value per class of each `missing` fact, when the other
/// side is known, every completion gives the open side a number, and the comparison comes out the same in
/// all of them. `None` otherwise, or beyond `MAX_COMPLETIONS`.
pub(super) fn possible(data: &Explained<'_>, facts: &FactSet, atom: &Atom<'_>, missing: &FactMask) -> Option<Possible> {
    let Expr::Compare(c) = atom.expr else { return None };
    let open_left = match (atom.subject, atom.other) {
        (Value::Unknown { .. }, Value::Num(_)) => true,
        (Value::Num(_), Value::Unknown { .. }) => false,
        _ => return None,
    };
    let (policy, as_of) = (data.policy, data.as_of);
    let open: Vec<FactId> = missing.iter().collect();
    let mut completions = vec![facts.clone()];
    for f in open {
        let mut next = Vec::new();
        for set in &completions {
            for class in policy.partition().classes(policy, f, set, as_of, &[])?.classes {
                let mut one = set.clone();
                one.set(f, Some(class.value));
                next.push(one);
            }
        }
        if next.len() > MAX_COMPLETIONS {
            return None;
        }
        completions = next;
    }
    let mut values: Vec<Quantity> = Vec::new();
    let mut holds = None;
    for set in &completions {
        let mut env = Env::new(policy, set, as_of);
        let (lhs, rhs) = (env.eval(&c.lhs), env.eval(&c.rhs));
        let Value::Bool(b) = eval::compare(c.op, lhs, rhs) else { return None };
        if holds.is_some_and(|h| h != b) {
            return None;
        }
        holds = Some(b);
        let Value::Num(q) = (if open_left { lhs } else { rhs }) else { return None };
        if !values.iter().any(|v| v.cmp_exact(&q) == Ok(Ordering::Equal)) {
            values.push(q);
        }
    }
    values.sort_by(|a, b| a.cmp_exact(b).unwrap_or(Ordering::Equal));
    Some(Possible { open_left, values, holds: holds? })
}

impl Possible {
    pub(super) fn holds(&self) -> bool {
        self.holds
    }
}

impl Words<'_> {
    /// 月工资 1900 元/月，达到 适用的最低工资标准的每一可能取值（1660 元/月、1860 元/月）〔…〕.
    pub(super) fn possible(&self, atom: &Atom<'_>, p: &Possible) -> String {
        let Expr::Compare(c) = atom.expr else { return String::new() };
        let lang = self.lang;
        let ty = match self.type_of(&c.lhs) {
            crate::policy::Type::Mixed => self.type_of(&c.rhs),
            t => t,
        };
        let listed: Vec<String> = p.values.iter().map(|q| self.show(Value::Num(*q), ty, None)).collect();
        let listed = listed.join(pick(lang, "、", ", "));
        // For a test that holds, each value meets it; for one that fails, none does.
        let each = match (lang, p.holds) {
            (Lang::Zh, true) => "每一可能取值",
            (Lang::Zh, false) => "任一可能取值",
            (Lang::En, _) => "each possible value of",
        };
        let open = |expr: &Expr, text: &str| match lang {
            Lang::Zh => format!("{}的{each}（{listed}）", self.name_of(expr, text)),
            Lang::En => format!("{each} {} ({listed})", self.name_of(expr, text)),
        };
        let known = |expr: &Expr, text: &str, value: Value<'_>| {
            let shown = self.show(value, ty, None);
            match (expr, self.name_of(expr, "")) {
                (Expr::Const(_), _) | (_, "") => shown,
                (_, _) => format!("{} {shown}", self.name_of(expr, text)),
            }
        };
        let word = c
            .word
            .as_ref()
            .map(|w| phrases::statute_note(w, c.word_source.as_deref(), lang, false))
            .unwrap_or_default();
        let comma = pick(lang, "，", ", ");
        let verb = phrases::relation(c.op, Value::Bool(p.holds), lang);
        if p.open_left {
            // `minimum <= wage`: the open side leads; the relation is read from its side.
            let verb = phrases::relation(flip(c.op), Value::Bool(p.holds), lang);
            format!("{}{comma}{verb} {}{word}", known(&c.rhs, "", atom.other), open(&c.lhs, &c.lhs_text))
        } else {
            format!("{}{comma}{verb} {}{word}", known(&c.lhs, &c.lhs_text, atom.subject), open(&c.rhs, ""))
        }
    }
}

/// The same test read from the other side: `a <= b` is `b >= a`.
fn flip(op: CmpOp) -> CmpOp {
    match op {
        CmpOp::Ge => CmpOp::Le,
        CmpOp::Gt => CmpOp::Lt,
        CmpOp::Le => CmpOp::Ge,
        CmpOp::Lt => CmpOp::Gt,
        other => other,
    }
}
