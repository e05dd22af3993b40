//! Conversions across 小时, 天, 月 and 年 that a law fixes (8 小时 a working day, 21.75 天 a month). They are
//! never arithmetic: a quantity crosses time bases only along the links a pack declares with their citation
//! (`convert 1 天 = 8 小时 by "…"`), and the conversion is exact or, where the quotient does not terminate,
//! rounded at 28 significant digits as every other non-terminating quotient is.

use rust_decimal::Decimal;

use super::{Atom, BaseDim, Quantity, Unit};

/// `1 from = num/den to`, kept as a ratio so that 1 月 = 21.75 天 and its inverse are both exact.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TimeLink {
    pub from: Atom,
    pub to: Atom,
    pub num: Decimal,
    pub den: Decimal,
}

const TIME: [(BaseDim, Atom); 4] = [
    (BaseDim::Time, Atom::Hour),
    (BaseDim::Day, Atom::Day),
    (BaseDim::Month, Atom::Month),
    (BaseDim::Year, Atom::Year),
];

/// The time atom a unit is, when it is exactly one of 小时, 天, 月, 年 (or their spellings 时, 日).
pub fn time_atom(unit: Unit) -> Option<Atom> {
    TIME.iter().map(|&(_, atom)| atom).find(|&atom| unit.single_atom() && unit == Unit::atom(atom))
}

/// The units that differ from `unit` only in its time base (元/小时 → 元/天, 元/月, 元/年): the units a value
/// of it may be given in when a pack declares the links between them.
pub fn other_time_bases(unit: Unit) -> Vec<Unit> {
    let dim = unit.dimension();
    let mut out = Vec::new();
    for &(base, from) in &TIME {
        let e = dim.exponent(base);
        if e == 0 {
            continue;
        }
        for &(_, into) in TIME.iter().filter(|(_, atom)| *atom != from) {
            let mut other = Some(unit);
            for _ in 0..e.unsigned_abs() {
                other = other.and_then(|u| match e > 0 {
                    true => u.div(Unit::atom(from)).ok()?.mul(Unit::atom(into)).ok(),
                    false => u.mul(Unit::atom(from)).ok()?.div(Unit::atom(into)).ok(),
                });
            }
            out.extend(other.filter(|o| super::differs_only_in_time(o.dimension(), dim)));
        }
    }
    out
}

/// A quantity converted to `to` through the declared links, with the indices of the links used in order, and
/// whether the result is exact. `None` when the units differ in more than one time base, or no chain of
/// links joins the two bases.
pub fn across_time(given: Quantity, to: Unit, links: &[TimeLink]) -> Option<(Quantity, Vec<usize>, bool)> {
    let (g, d) = (given.unit.dimension(), to.dimension());
    if !super::differs_only_in_time(g, d) {
        return None;
    }
    // The time base the given unit is written in and the one the wanted unit is, with how many more of the
    // first the given unit has (−1 for 元/天 against 元/小时). The given base goes first, so that the chain
    // of links reads from the given unit to the wanted one (月 → 天 → 小时).
    let mut deltas: Vec<(Atom, i8, bool)> = TIME
        .iter()
        .map(|&(base, atom)| (atom, g.exponent(base) - d.exponent(base), g.exponent(base) != 0))
        .filter(|(_, e, _)| *e != 0)
        .collect();
    deltas.sort_by_key(|&(_, _, given_base)| !given_base);
    let [(from, e, _), (into, minus, _)] = deltas.as_slice() else { return None };
    let (from, into, e) = if *e + *minus == 0 { (*from, *into, *e) } else { return None };
    let (path, num, den) = path(from, into, links)?;
    // given = v · X · from^e = v · (num/den)^e · X · into^e
    let (mut unit, mut value, mut exact) = (given.unit, given.value, true);
    let (up, down) = if e > 0 { (num, den) } else { (den, num) };
    for _ in 0..e.unsigned_abs() {
        unit = if e > 0 {
            unit.div(Unit::atom(from)).ok()?.mul(Unit::atom(into)).ok()?
        } else {
            unit.mul(Unit::atom(from)).ok()?.div(Unit::atom(into)).ok()?
        };
        let scaled = value.checked_mul(up)?;
        value = scaled.checked_div(down)?;
        // A quotient that does not terminate comes back rounded to the full 28 digits, and multiplying it
        // back may round to the dividend again, so the digit count is what tells.
        let digits = value.normalize().mantissa().unsigned_abs().to_string().len();
        exact &= digits < 28 && value.checked_mul(down) == Some(scaled);
    }
    let converted = Quantity::new(value, unit);
    Some((converted.convert_exact(to).unwrap_or(converted), path, exact))
}

/// The shortest chain of links from one time atom to another (each usable either way): the indices used and
/// how many `to` make one `from`, as a ratio.
fn path(from: Atom, to: Atom, links: &[TimeLink]) -> Option<(Vec<usize>, Decimal, Decimal)> {
    let mut frontier = vec![(from, Vec::new(), Decimal::ONE, Decimal::ONE)];
    let mut seen = vec![from];
    // Four time atoms: no chain is longer than three links.
    for _ in 0..TIME.len() {
        let mut next = Vec::new();
        for (at, used, num, den) in frontier {
            if at == to {
                return Some((used, num, den));
            }
            for (i, link) in links.iter().enumerate() {
                let step = if link.from == at {
                    Some((link.to, link.num, link.den))
                } else if link.to == at {
                    Some((link.from, link.den, link.num))
                } else {
                    None
                };
                if let Some((atom, n, d)) = step
                    && !seen.contains(&atom)
                {
                    seen.push(atom);
                    let mut used = used.clone();
                    used.push(i);
                    next.push((atom, used, num.checked_mul(n)?, den.checked_mul(d)?));
                }
            }
        }
        frontier = next;
    }
    frontier.into_iter().find(|(at, ..)| *at == to).map(|(_, used, num, den)| (used, num, den))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(text: &str) -> Decimal {
        text.parse().unwrap()
    }

    fn q(value: Decimal, unit: &str) -> Quantity {
        Quantity::new(value, Unit::parse(unit).unwrap())
    }

    #[test]
    fn a_daily_wage_becomes_hourly_only_through_a_declared_link() {
        let day = TimeLink { from: Atom::Day, to: Atom::Hour, num: d("8"), den: d("1") };
        let month = TimeLink { from: Atom::Month, to: Atom::Day, num: d("21.75"), den: d("1") };
        let hourly = Unit::parse("元/小时").unwrap();
        assert_eq!(across_time(q(d("150"), "元/天"), hourly, &[]), None, "no link, no conversion");
        let (got, used, exact) = across_time(q(d("150"), "元/天"), hourly, &[day]).unwrap();
        assert_eq!((got, used, exact), (q(d("18.75"), "元/小时"), vec![0], true));
        // Chained, and the other way round: 元/月 → 元/小时 is ÷ 21.75 ÷ 8 = ÷ 174.
        let (got, used, exact) = across_time(q(d("1740"), "元/月"), hourly, &[day, month]).unwrap();
        assert_eq!((got, used, exact), (q(d("10"), "元/小时"), vec![1, 0], true));
        let (got, _, exact) = across_time(q(d("2000"), "元/月"), Unit::parse("元/天").unwrap(), &[month]).unwrap();
        assert!(!exact && got.value.round_dp(6) == d("91.954023"), "{got:?}");
        // Hours a day times days: a count of hours per month from hours per day.
        let (got, ..) = across_time(q(d("2"), "小时/天"), Unit::parse("小时/月").unwrap(), &[month]).unwrap();
        assert_eq!(got, q(d("43.5"), "小时/月"));
        assert_eq!(across_time(q(d("1"), "元/年"), hourly, &[day, month]), None, "年 is linked to nothing");
    }

    #[test]
    fn an_hourly_wage_may_be_given_per_day_month_or_year() {
        let shown: Vec<String> =
            other_time_bases(Unit::parse("元/小时").unwrap()).iter().map(|u| u.to_string()).collect();
        assert_eq!(shown, ["元/天", "元/月", "元/年"]);
        assert!(other_time_bases(Unit::parse("万元/亩").unwrap()).is_empty(), "no time base, nothing to give it in");
    }
}
