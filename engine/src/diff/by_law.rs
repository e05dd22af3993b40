//! The conversions a pack declares (`convert 1 天 = 8 小时 by "…"`) are part of what it answers: a wage
//! given as 150 元/天 is read through them before any rule sees it, so two versions with the same rules
//! and another working day answer the same figure differently. The header names each changed conversion,
//! and each fact that can be given in another time base is compared piece by piece in the unit it is given
//! in: the thresholds of both versions, each read back into that unit through its own version's links.

use jiff::civil::Date;
use rust_decimal::Decimal;

use super::{
    Answer, Condition, HeaderChange, Method, PRODUCT_CAP, Piece, PieceName, PolicyDiff, advance, answer, as_of_points,
    find_background, pieces, regions, rule_facts, to_other,
};
use crate::eval::FactSet;
use crate::eval::FactValue;
use crate::generate::Generator;
use crate::partition::{Domain, Point, number_classes};
use crate::policy::{Conversion, FactId, Policy, Type};
use crate::units::{Quantity, TimeLink, Unit, across_time, other_time_bases};

/// The verdict of a case whose figure a version cannot read: it declares no conversion for the unit given.
pub const REFUSED: &str = "refused";

/// The two time atoms a conversion joins, in a fixed order, and how many of the second make one of the first.
fn joined(c: &Conversion) -> ((usize, usize), (Decimal, Decimal)) {
    let (from, to) = (c.link.from as usize, c.link.to as usize);
    if from < to { ((from, to), (c.link.num, c.link.den)) } else { ((to, from), (c.link.den, c.link.num)) }
}

/// Each conversion one version declares and the other does not, or declares with another ratio or law.
pub(super) fn header(old: &Policy, new: &Policy) -> Vec<HeaderChange> {
    let said = |c: &Conversion| (c.text.clone(), c.citation.clone());
    let mut out = Vec::new();
    for o in old.conversions() {
        let (atoms, (n, d)) = joined(o);
        match new.conversions().iter().find(|c| joined(c).0 == atoms) {
            None => out.push(HeaderChange::Conversion { old: Some(said(o)), new: None }),
            Some(c) => {
                let (_, (m, e)) = joined(c);
                let same_ratio = n.checked_mul(e).is_some_and(|x| Some(x) == m.checked_mul(d));
                if !same_ratio || o.citation != c.citation {
                    out.push(HeaderChange::Conversion { old: Some(said(o)), new: Some(said(c)) });
                }
            }
        }
    }
    for c in new.conversions() {
        if !old.conversions().iter().any(|o| joined(o).0 == joined(c).0) {
            out.push(HeaderChange::Conversion { old: None, new: Some(said(c)) });
        }
    }
    out
}

fn links(p: &Policy) -> Vec<TimeLink> {
    p.conversions().iter().map(|c| c.link).collect()
}

/// A figure given in `unit` as `p` reads it for `fact`, `None` when `p` refuses it.
fn read(given: Quantity, declared: Unit, links: &[TimeLink]) -> Option<FactValue> {
    across_time(given, declared, links).map(|(q, ..)| FactValue::Num(q))
}

/// Adds the changed conversions to the header and, for every fact a changed conversion reads differently,
/// the regions where a figure given in the other time base gets another answer.
pub(super) fn extend(old: &Policy, new: &Policy, as_of: Option<Date>, result: &mut PolicyDiff) {
    let changes = header(old, new);
    if changes.is_empty() {
        return;
    }
    result.header.extend(changes);
    let (old_links, new_links) = (links(old), links(new));
    let dates: Vec<Date> = match as_of {
        Some(d) => vec![d],
        None => as_of_points(old, new, &Generator::new(old), &Generator::new(new)),
    };
    for (f, def) in new.facts.iter().enumerate() {
        let (Some(declared), Type::Num(_)) = (def.unit, def.ty) else { continue };
        let Some(old_fact) = old.fact_index(&def.name) else { continue };
        if old.facts[old_fact as usize].unit != Some(declared) {
            continue;
        }
        for given in other_time_bases(declared) {
            let one = Quantity::new(Decimal::ONE, given);
            let norm = |v: Option<FactValue>| match v {
                Some(FactValue::Num(q)) => Some(q.normalized()),
                _ => None,
            };
            if norm(read(one, declared, &old_links)) == norm(read(one, declared, &new_links)) {
                continue;
            }
            let read_by = Reading { declared, given, old_links: &old_links, new_links: &new_links };
            let Some((points, found)) = compare(old, new, f as FactId, &read_by, &dates) else { continue };
            result.method = match &result.method {
                Method::Identical => Method::Exhaustive { points },
                Method::Exhaustive { points: before } => Method::Exhaustive { points: before.saturating_add(points) },
                sampled => sampled.clone(),
            };
            if !result.influenced.contains(&def.name) {
                result.influenced.push(def.name.clone());
            }
            result.given_in.push((def.name.clone(), given.to_string()));
            result.regions.extend(found);
        }
    }
}

/// How each version reads a figure of one fact given in another time base.
struct Reading<'a> {
    declared: Unit,
    given: Unit,
    old_links: &'a [TimeLink],
    new_links: &'a [TimeLink],
}

/// The rules and outputs that read `fact`, compared over its pieces in the given unit and the pieces of the
/// other facts they read: how many cases, and the regions where the versions answer differently. `None`
/// when nothing reads the fact.
fn compare(
    old: &Policy,
    new: &Policy,
    fact: FactId,
    by: &Reading<'_>,
    dates: &[Date],
) -> Option<(usize, Vec<super::Region>)> {
    let name = &new.facts[fact as usize].name;
    let reads = |p: &Policy, f: Option<FactId>| -> Vec<String> {
        p.rules.iter().filter(|r| f.is_some_and(|f| rule_facts(p, r).contains(&f))).map(|r| r.id.clone()).collect()
    };
    let mut rules = reads(new, Some(fact));
    rules.extend(reads(old, old.fact_index(name)).into_iter().filter(|id| !rules.contains(id)).collect::<Vec<_>>());
    let outputs: Vec<String> = new
        .outputs
        .iter()
        .map(|id| &new.derived[*id as usize])
        .filter(|d| new.facts_read(&d.expr).contains(&fact))
        .map(|d| d.name.clone())
        .collect();
    if rules.is_empty() && outputs.is_empty() {
        return None;
    }
    // The other facts those rules read are enumerated too, as the rule analysis does, unless their product
    // is too large; then they are held where the unaffected rules pass.
    let mut others: Vec<FactId> = Vec::new();
    for r in new.rules.iter().filter(|r| rules.contains(&r.id)) {
        for f in rule_facts(new, r) {
            if f != fact && !others.contains(&f) {
                others.push(f);
            }
        }
    }
    others.sort_unstable();
    let mut influenced: Vec<FactId> = vec![fact];
    let mut ps: Vec<Vec<Piece>> = vec![given_pieces(old, new, fact, by)?];
    for f in others {
        if let Some(p) = pieces(new, old, f) {
            influenced.push(f);
            ps.push(p);
        }
    }
    let count = |ps: &[Vec<Piece>]| ps.iter().fold(dates.len(), |acc: usize, v| acc.saturating_mul(v.len()));
    if count(&ps) > PRODUCT_CAP {
        influenced.truncate(1);
        ps.truncate(1);
    }
    let (background, _) = find_background(&Generator::new(new), &influenced);
    let refused = || Answer { verdict: REFUSED.into(), rules: Vec::new(), outputs: Vec::new() };
    let mut hits = Vec::new();
    let mut index = vec![0usize; ps.len()];
    for date in dates {
        loop {
            // The case as the clerk writes it: the figure in the unit it was given in.
            let mut facts = background.clone();
            for (k, f) in influenced.iter().enumerate() {
                facts.set(*f, ps[k][index[k]].value_on(*date));
            }
            let given = match facts.get(fact) {
                Some(FactValue::Num(q)) => Some(*q),
                _ => None,
            };
            let read_in = |links: &[TimeLink]| given.and_then(|q| read(q, by.declared, links));
            let a = match (read_in(by.old_links), old.fact_index(name)) {
                (Some(v), Some(of)) => {
                    let mut case: FactSet = to_other(new, old, &facts);
                    case.set(of, Some(v));
                    answer(old, &case, *date, &rules, &outputs)
                }
                _ => refused(),
            };
            let b = match read_in(by.new_links) {
                Some(v) => {
                    let mut case = facts.clone();
                    case.set(fact, Some(v));
                    answer(new, &case, *date, &rules, &outputs)
                }
                None => refused(),
            };
            if a != b {
                hits.push((index.clone(), *date, a, b, facts));
            }
            if !advance(&mut index, &ps) {
                break;
            }
        }
    }
    let names: Vec<String> = influenced.iter().map(|f| new.facts[*f as usize].name.clone()).collect();
    let mut found = regions(new, &names, &ps, hits, dates);
    for region in &mut found {
        region.conditions.insert(0, Condition::GivenIn { fact: name.clone(), unit: by.given.to_string() });
    }
    Some((count(&ps), found))
}

/// One value per piece of `fact`'s domain written in the given unit: every threshold of either version,
/// read back into that unit through the version's own conversions, a value between neighbours and one
/// beyond the last. "Unknown" is left out: both versions read it the same.
fn given_pieces(old: &Policy, new: &Policy, fact: FactId, by: &Reading<'_>) -> Option<Vec<Piece>> {
    let Some(Domain::Num { thresholds, step, whole, signed, .. }) = new.partition().domains.get(fact as usize) else {
        return None;
    };
    let back = |q: &Quantity, links: &[TimeLink]| across_time(*q, by.given, links).map(|(q, ..)| q);
    let mut points: Vec<Quantity> = thresholds.iter().filter_map(|t| back(t, by.new_links)).collect();
    let old_domain =
        old.fact_index(&new.facts[fact as usize].name).and_then(|f| old.partition().domains.get(f as usize));
    if let Some(Domain::Num { thresholds, .. }) = old_domain {
        points.extend(thresholds.iter().filter_map(|t| back(t, by.old_links)));
    }
    let text = |p: &Point| match p {
        Point::Num(q) => q.normalized().to_string(),
        Point::Date(d) => d.to_string(),
    };
    let classes = number_classes(points, by.given, *step, *whole, *signed);
    Some(
        classes
            .into_iter()
            .map(|c| Piece {
                name: PieceName::Value(c.value.clone()),
                bounds: c.bounds.as_ref().map(|(lo, hi)| {
                    let end = |b: &crate::partition::Bound| b.as_ref().map(|(p, inclusive)| (text(p), *inclusive));
                    (end(lo), end(hi))
                }),
                value: Some(c.value),
                from_as_of: None,
            })
            .collect(),
    )
}
