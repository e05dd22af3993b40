//! Fact sets generated from a policy's own schema, for property tests, `comply test` and `comply diff`.
//!
//! Random values alone almost never land on a threshold, and the threshold is where rule files go wrong
//! (以下 vs 不满, 10 vs 100). So every value is drawn, with high probability, from the constants the policy
//! compares each fact with — exactly at one, or one smallest step either side — and, for comparisons
//! against computed values (a tier's minimum wage, a share of two areas), the threshold is solved for
//! the case at hand. The generator takes a plain deterministic RNG, so a failing case is reproduced by
//! its seed, in tests and on the command line alike.

use jiff::civil::Date;
use rust_decimal::Decimal;

use crate::eval::{FactSet, FactValue, Verdict};
use crate::partition::{Partition, Point, Target};
use crate::policy::*;
use crate::units::{Quantity, Unit};

/// SplitMix64: tiny, fast, and the same sequence on every platform.
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `0..n` (0 when `n` is 0).
    pub fn below(&mut self, n: usize) -> usize {
        if n == 0 { 0 } else { (self.next_u64() % n as u64) as usize }
    }

    /// True with probability `num / den`.
    pub fn chance(&mut self, num: u64, den: u64) -> bool {
        den != 0 && self.next_u64() % den < num
    }

    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> Option<&'a T> {
        if items.is_empty() { None } else { items.get(self.below(items.len())) }
    }
}

pub use crate::partition::Domain;

/// Generates fact sets for one policy.
#[derive(Debug, Clone)]
pub struct Generator<'p> {
    pub policy: &'p Policy,
    pub domains: &'p [Domain],
    targets: &'p [Target],
    dates: Vec<Date>,
    /// Out of 100: how often a fact is left unknown.
    pub unknown_percent: u64,
}

impl<'p> Generator<'p> {
    pub fn new(policy: &'p Policy) -> Generator<'p> {
        let partition = policy.partition();
        let mut all_dates: Vec<Date> = Vec::new();
        for d in &partition.dates {
            for delta in [-1i64, 0, 1] {
                if let Some(x) = shift(*d, delta)
                    && policy.valid_until.is_none_or(|u| x <= u)
                    && x >= policy.valid_from
                {
                    all_dates.push(x);
                }
            }
        }
        all_dates.sort();
        all_dates.dedup();
        Generator {
            policy,
            domains: &partition.domains,
            targets: &partition.targets,
            dates: all_dates,
            unknown_percent: 20,
        }
    }

    /// Every date the policy names (its validity, dated figures, dates in the rules) and the day either
    /// side of each, within the validity.
    pub fn dates(&self) -> &[Date] {
        &self.dates
    }

    /// Dates inside the validity, biased to its ends and to every dated parameter's boundaries.
    pub fn as_of(&self, rng: &mut Rng) -> Date {
        self.dates.get(rng.below(self.dates.len())).copied().unwrap_or(self.policy.valid_from)
    }

    /// A whole case: every fact known with probability 1 - unknown_percent, then up to three values
    /// re-aimed at a comparison they take part in.
    pub fn fact_set(&self, rng: &mut Rng, as_of: Date) -> FactSet {
        let mut facts = FactSet::empty(self.policy);
        for id in 0..self.policy.facts.len() {
            if !rng.chance(self.unknown_percent, 100) {
                facts.set(id as FactId, self.value(id as FactId, rng));
            }
        }
        for _ in 0..rng.below(4) {
            if let Some(target) = rng.pick(self.targets)
                && let Some(v) = self.aim(&facts, target, as_of, rng)
            {
                facts.set(target.fact, Some(v));
            }
        }
        facts
    }

    /// A known value of one fact, drawn from its domain.
    pub fn value(&self, fact: FactId, rng: &mut Rng) -> Option<FactValue> {
        match self.domains.get(fact as usize)? {
            Domain::Bool => Some(FactValue::Bool(rng.chance(1, 2))),
            Domain::Num { unit, thresholds, step, whole, signed } => {
                let base = match rng.pick(thresholds) {
                    Some(t) if !rng.chance(1, 8) => *t,
                    _ => Quantity::new(random_decimal(rng, *whole), *unit),
                };
                let q = offset(base, *unit, *step, rng.below(3) as i64 - 1, *whole)?;
                Some(FactValue::Num(admissible(q, *whole, *signed)?))
            }
            Domain::Date { thresholds } => {
                let base = match rng.pick(thresholds) {
                    Some(d) if !rng.chance(1, 8) => *d,
                    _ => {
                        Date::new(2000 + rng.below(40) as i16, 1 + rng.below(12) as i8, 1 + rng.below(28) as i8).ok()?
                    }
                };
                shift(base, rng.below(3) as i64 - 1).map(FactValue::Date)
            }
            Domain::Text { literals } => Some(FactValue::Text(match rng.pick(literals) {
                Some(t) if rng.chance(3, 4) => t.clone(),
                _ => "其他".to_string(),
            })),
            Domain::Enum { size } if *size > 0 => Some(FactValue::Enum(rng.below(*size) as u16)),
            Domain::Enum { .. } => None,
            Domain::Set { size } => {
                let full = if *size >= 64 { u64::MAX } else { (1u64 << *size) - 1 };
                Some(FactValue::Set(match rng.below(6) {
                    0 => 0,
                    1 => full,
                    2 => (1u64 << rng.below(*size)) & full,
                    _ => rng.next_u64() & full,
                }))
            }
            Domain::Nothing => None,
        }
    }

    /// Solves one comparison for `target.fact` given the other facts, then steps -1, 0 or +1.
    fn aim(&self, facts: &FactSet, target: &Target, as_of: Date, rng: &mut Rng) -> Option<FactValue> {
        let domain = self.domains.get(target.fact as usize)?;
        if !matches!(domain, Domain::Num { .. } | Domain::Date { .. }) {
            return None;
        }
        let point = Partition::threshold(self.policy, target, facts, as_of);
        match (domain, point) {
            (Domain::Date { .. }, Some(Point::Date(d))) => shift(d, rng.below(3) as i64 - 1).map(FactValue::Date),
            (Domain::Num { unit, step, whole, signed, .. }, Some(Point::Num(goal))) => {
                let goal = goal.convert_exact(*unit).unwrap_or(goal);
                if goal.dimension() != unit.dimension() {
                    return None;
                }
                let q = offset(goal, *unit, *step, rng.below(3) as i64 - 1, *whole)?;
                admissible(q, *whole, *signed).map(FactValue::Num)
            }
            _ => None,
        }
    }
}

/// Moves a value `steps` smallest steps (of `unit`) away; whole numbers move by whole units.
fn offset(q: Quantity, unit: Unit, step: Decimal, steps: i64, whole: bool) -> Option<Quantity> {
    let delta = Quantity::new(step * Decimal::from(steps), unit);
    let moved = if steps == 0 { q } else { q.add(&delta).ok()? };
    let moved = moved.convert_exact(unit).unwrap_or(moved);
    if whole {
        let v = moved.convert_exact(unit).ok()?.value;
        let v = match steps {
            s if s < 0 => v.floor(),
            s if s > 0 => v.ceil(),
            _ => v.round(),
        };
        return Some(Quantity::new(v, unit));
    }
    Some(moved)
}

/// What `facts::coerce` would accept: no negative values where the fact is not `signed`, counts whole.
fn admissible(q: Quantity, whole: bool, signed: bool) -> Option<Quantity> {
    if q.value.is_sign_negative() && !q.value.is_zero() && !signed {
        return Some(Quantity::new(Decimal::ZERO, q.unit));
    }
    if whole && !q.value.fract().is_zero() {
        return None;
    }
    Some(q)
}

fn random_decimal(rng: &mut Rng, whole: bool) -> Decimal {
    let magnitude = [10u64, 100, 1000, 100_000, 10_000_000][rng.below(5)];
    let n = rng.next_u64() % (magnitude * 100);
    if whole { Decimal::from(n / 100) } else { Decimal::new(n as i64, 2) }
}

fn shift(d: Date, days: i64) -> Option<Date> {
    d.checked_add(jiff::Span::new().days(days)).ok()
}

/// Families of units a quantity may be written in; within a family every member converts exactly into
/// the others for values the generator produces (1 亩 = 2000/3 m² is exact only for multiples of 3, so
/// a variant is kept only when `convert_exact` succeeds).
const FAMILIES: &[&[&str]] = &[&["元", "万元", "亿元"], &["m²", "亩", "公顷"], &["吨", "万吨"], &["%", "‰"]];

/// Every unit of the same dimension as `unit` reachable by swapping atoms within a family.
pub fn sibling_units(unit: Unit) -> Vec<Unit> {
    let text = unit.to_string();
    let mut spellings: Vec<String> = vec![String::new()];
    for (i, segment) in text.split('/').enumerate() {
        let alternatives: Vec<&str> =
            FAMILIES.iter().find(|f| f.contains(&segment)).map_or(vec![segment], |f| f.to_vec());
        spellings = spellings
            .iter()
            .flat_map(|prefix| {
                alternatives.iter().map(move |a| if i == 0 { a.to_string() } else { format!("{prefix}/{a}") })
            })
            .collect();
    }
    let mut units: Vec<Unit> = spellings
        .iter()
        .filter_map(|s| Unit::parse(s).ok())
        .filter(|u| *u != unit && u.dimension() == unit.dimension())
        .collect();
    if unit.dimension().is_dimensionless() && !unit.is_one() {
        units.push(Unit::ONE);
    }
    units
}

/// The same value written in another unit of the same dimension, exactly (元 ↔ 万元, m² ↔ 亩 ↔ 公顷);
/// the value itself when no other unit holds it exactly.
pub fn unit_variant(value: &FactValue, whole: bool, rng: &mut Rng) -> FactValue {
    let FactValue::Num(q) = value else { return value.clone() };
    if whole {
        return value.clone();
    }
    let exact: Vec<Quantity> = sibling_units(q.unit).into_iter().filter_map(|u| q.convert_exact(u).ok()).collect();
    rng.pick(&exact).map_or(value.clone(), |q| FactValue::Num(*q))
}

/// A fact set written as a fact file (TOML) that `comply check` reads back to the same values; unknown
/// facts are listed as comments so that a reader sees they were left out on purpose.
pub fn to_toml(policy: &Policy, facts: &FactSet, as_of: Option<Date>) -> String {
    crate::facts::fact_file(policy, as_of, facts, None)
}

pub use crate::facts::value_toml;

/// A value as a reader would say it (for reports): quantities with units, enum values by name.
pub fn value_text(policy: &Policy, def: &FactDef, value: &FactValue) -> String {
    match value {
        FactValue::Text(t) => format!("\"{t}\""),
        FactValue::Num(q) => q.normalized().to_string(),
        FactValue::Enum(e) => crate::facts::enum_name(policy, def, *e),
        other => value_toml(policy, def, other).replace('"', ""),
    }
}

/// A case where a declared `property increasing|decreasing FACT` does not hold.
#[derive(Debug, Clone, PartialEq)]
pub struct Counterexample {
    pub policy: String,
    pub fact: String,
    pub before: String,
    pub after: String,
    pub verdicts: (Verdict, Verdict),
    /// The case before the change, as a fact file.
    pub case: String,
}

impl std::fmt::Display for Counterexample {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        writeln!(
            f,
            "{}: {} {} -> {} turns {} into {}",
            self.policy,
            self.fact,
            self.before,
            self.after,
            self.verdicts.0.as_str(),
            self.verdicts.1.as_str()
        )?;
        write!(f, "{}", self.case)
    }
}

/// The counterexample when setting `fact` to `after` turns the case's `pass` into `fail`; `texts` are the
/// fact's value before and after, as the report of `comply test` prints them.
fn worse_after(
    policy: &Policy,
    facts: &FactSet,
    as_of: Date,
    fact: FactId,
    after: FactValue,
    texts: (String, String),
) -> Option<Counterexample> {
    let v1 = crate::eval::evaluate(policy, facts, as_of).verdict;
    let mut changed = facts.clone();
    changed.set(fact, Some(after));
    let v2 = crate::eval::evaluate(policy, &changed, as_of).verdict;
    (v1 == Verdict::Pass && v2 == Verdict::Fail).then(|| Counterexample {
        policy: policy.id.clone(),
        fact: policy.facts[fact as usize].name.clone(),
        before: texts.0,
        after: texts.1,
        verdicts: (v1, v2),
        case: to_toml(policy, facts, Some(as_of)),
    })
}

/// The same property for a fact of an ordered enum (a grade, a stage): moving it to any higher (or lower)
/// value never turns `pass` into `fail`.
fn check_grade_property(
    policy: &Policy,
    generator: &Generator<'_>,
    fact: FactId,
    up: bool,
    cases: usize,
    seed: u64,
) -> Vec<Counterexample> {
    let def = &policy.facts[fact as usize];
    let ordered =
        matches!(def.ty, crate::policy::Type::Enum(id) if policy.enums.get(id as usize).is_some_and(|e| e.ordered));
    let Some(Domain::Enum { size }) = generator.domains.get(fact as usize) else { return Vec::new() };
    if !ordered || *size < 2 {
        return Vec::new();
    }
    let mut found = Vec::new();
    for case in 0..cases as u64 {
        let mut rng = Rng::new(seed.wrapping_mul(1_000_003).wrapping_add(case));
        let as_of = generator.as_of(&mut rng);
        let mut facts = generator.fact_set(&mut rng, as_of);
        let before = rng.below(*size) as u16;
        facts.set(fact, Some(FactValue::Enum(before)));
        let room = if up { *size as u16 - 1 - before } else { before };
        if room == 0 {
            continue;
        }
        let step = 1 + rng.below(room as usize) as u16;
        let after = if up { before + step } else { before - step };
        let texts = (crate::facts::enum_name(policy, def, before), crate::facts::enum_name(policy, def, after));
        found.extend(worse_after(policy, &facts, as_of, fact, FactValue::Enum(after), texts));
        if found.len() >= 3 {
            break;
        }
    }
    found
}

/// Checks a declared monotonicity over `cases` generated cases: moving the fact in the declared direction
/// (to a threshold ahead of it, one step past it, or further) never turns `pass` into `fail`.
pub fn check_property(policy: &Policy, property: Property, cases: usize, seed: u64) -> Vec<Counterexample> {
    let generator = Generator::new(policy);
    let (fact, up) = match property {
        Property::Increasing(f) => (f, true),
        Property::Decreasing(f) => (f, false),
    };
    let Some(Domain::Num { unit, thresholds, step, whole, signed }) = generator.domains.get(fact as usize) else {
        return check_grade_property(policy, &generator, fact, up, cases, seed);
    };
    let mut found = Vec::new();
    for case in 0..cases as u64 {
        let mut rng = Rng::new(seed.wrapping_mul(1_000_003).wrapping_add(case));
        let as_of = generator.as_of(&mut rng);
        let mut facts = generator.fact_set(&mut rng, as_of);
        if facts.get(fact).is_none() {
            facts.set(fact, generator.value(fact, &mut rng));
        }
        let Some(FactValue::Num(before)) = facts.get(fact).cloned() else { continue };
        let ahead: Vec<Quantity> = thresholds
            .iter()
            .filter(|t| before.cmp_exact(t).is_ok_and(|o| if up { o.is_lt() } else { o.is_gt() }))
            .copied()
            .collect();
        let sign = if up { 1 } else { -1 };
        let moved = match rng.pick(&ahead) {
            Some(t) if rng.chance(3, 4) => offset(*t, *unit, *step, sign * rng.below(2) as i64, *whole),
            _ => {
                let amount = Quantity::new(random_decimal(&mut rng, *whole), *unit);
                if up { before.add(&amount).ok() } else { before.sub(&amount).ok() }
            }
        };
        let Some(after) = moved.and_then(|q| admissible(q, *whole, *signed)) else { continue };
        if !after.cmp_exact(&before).is_ok_and(|o| if up { o.is_ge() } else { o.is_le() }) {
            continue;
        }
        let texts = (before.normalized().to_string(), after.normalized().to_string());
        found.extend(worse_after(policy, &facts, as_of, fact, FactValue::Num(after), texts));
        if found.len() >= 3 {
            break;
        }
    }
    found
}
