//! Run-time values of the three-valued evaluation. An unknown value remembers which missing facts it
//! came from, so the verdict can list exactly the facts that could still change it.

use jiff::civil::Date;

use crate::policy::{FactId, MAX_FACTS, ParamId};
use crate::units::Quantity;

/// A set of facts, one bit each.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Hash)]
pub struct FactMask([u64; MAX_FACTS / 64]);

impl FactMask {
    pub const EMPTY: FactMask = FactMask([0; MAX_FACTS / 64]);

    pub fn single(fact: FactId) -> FactMask {
        let mut mask = FactMask::EMPTY;
        mask.insert(fact);
        mask
    }

    pub fn insert(&mut self, fact: FactId) {
        self.0[fact as usize / 64] |= 1 << (fact % 64);
    }

    pub fn contains(&self, fact: FactId) -> bool {
        self.0[fact as usize / 64] & (1 << (fact % 64)) != 0
    }

    pub fn union(self, other: FactMask) -> FactMask {
        let mut out = self;
        for (a, b) in out.0.iter_mut().zip(other.0) {
            *a |= b;
        }
        out
    }

    /// The facts in `self` and not in `other`.
    pub fn difference(self, other: FactMask) -> FactMask {
        let mut out = self;
        for (a, b) in out.0.iter_mut().zip(other.0) {
            *a &= !b;
        }
        out
    }

    pub fn is_empty(&self) -> bool {
        self.0.iter().all(|w| *w == 0)
    }

    pub fn iter(&self) -> impl Iterator<Item = FactId> + '_ {
        (0..MAX_FACTS as u16).filter(|f| self.contains(*f))
    }
}

/// Why a value could not be computed although no fact was missing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Undefined {
    /// The dated parameter has no value in force on the evaluation date.
    NoValueInForce(ParamId),
    /// The exact arithmetic overflowed or divided by zero.
    Arithmetic,
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Value<'a> {
    Bool(bool),
    Num(Quantity),
    Date(Date),
    Text(&'a str),
    Enum(u16),
    Set(u64),
    Unknown { facts: FactMask, undefined: Option<Undefined> },
}

impl<'a> Value<'a> {
    pub fn missing(fact: FactId) -> Value<'a> {
        Value::Unknown { facts: FactMask::single(fact), undefined: None }
    }

    pub fn undefined(why: Undefined) -> Value<'a> {
        Value::Unknown { facts: FactMask::EMPTY, undefined: Some(why) }
    }

    pub fn is_known(&self) -> bool {
        !matches!(self, Value::Unknown { .. })
    }

    /// Merges the reasons two unknown values are unknown.
    pub fn join_unknown(self, other: Value<'a>) -> Value<'a> {
        match (self, other) {
            (Value::Unknown { facts: a, undefined: ua }, Value::Unknown { facts: b, undefined: ub }) => {
                Value::Unknown { facts: a.union(b), undefined: ua.or(ub) }
            }
            (u @ Value::Unknown { .. }, _) | (_, u @ Value::Unknown { .. }) => u,
            (a, _) => a,
        }
    }

    pub fn unknown_facts(&self) -> FactMask {
        match self {
            Value::Unknown { facts, .. } => *facts,
            _ => FactMask::EMPTY,
        }
    }
}
