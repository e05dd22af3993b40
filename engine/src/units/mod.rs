//! Exact dimensional quantities.
//!
//! Thresholds in rule files carry units (`10 万元/亩`, `0.378 吨标准煤/万元`). Some
//! conversion factors do not terminate in decimal (1 亩 = 2000/3 m²), so a unit keeps
//! its size as an integer ratio and comparisons cross-multiply instead of converting.

mod law;
mod quantity;
#[cfg(test)]
mod tests;

pub use law::{TimeLink, across_time, other_time_bases, time_atom};
pub use quantity::Quantity;

use rust_decimal::Decimal;
use std::fmt;

/// Ordered: the count dimensions come last, from `Person` on (`Unit::is_whole_count`).
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Debug)]
pub enum BaseDim {
    Money,
    Length,
    Mass,
    /// 吨标准煤
    Energy,
    /// kVA
    Power,
    /// 小时
    Time,
    /// 天, and the difference of two dates. Kept apart from `Time`: how many hours a working day counts is
    /// law (and differs between statutes), not arithmetic, so 元/天 never silently becomes 元/小时.
    Day,
    /// Kept apart from `Time`: a month has no fixed number of hours.
    Month,
    /// Kept apart from `Month` so that 元/年 vs 元/月 is flagged rather than silently scaled.
    Year,
    /// 美元: another currency, never converted to 元 (there is no fixed rate in a rule text).
    Usd,
    /// 百分点: a difference of two percentages (20% -> 23% is +3 百分点), never a percentage itself.
    Point,
    /// 千瓦: active power, apart from the apparent power of kVA.
    ActivePower,
    // Counts with a name: 3 支 and 3 个 count different things, so each measure word is a dimension of
    // its own and a count is printed with its word.
    /// 人, 名, 千人, 万人
    Person,
    /// 个
    Piece,
    /// 家
    Firm,
    /// 套
    Suite,
    /// 户, 万户
    Household,
    /// 支
    Team,
    /// 张
    Sheet,
    /// 辆
    Vehicle,
    /// 条
    Strip,
    /// 座
    Seat,
    /// 栋, 幢
    Building,
    /// 所
    Institution,
    /// 项
    Item,
}

impl BaseDim {
    pub const ALL: [BaseDim; BASE_DIMS] = [
        BaseDim::Money,
        BaseDim::Length,
        BaseDim::Mass,
        BaseDim::Energy,
        BaseDim::Power,
        BaseDim::Time,
        BaseDim::Day,
        BaseDim::Month,
        BaseDim::Year,
        BaseDim::Usd,
        BaseDim::Point,
        BaseDim::ActivePower,
        BaseDim::Person,
        BaseDim::Piece,
        BaseDim::Firm,
        BaseDim::Suite,
        BaseDim::Household,
        BaseDim::Team,
        BaseDim::Sheet,
        BaseDim::Vehicle,
        BaseDim::Strip,
        BaseDim::Seat,
        BaseDim::Building,
        BaseDim::Institution,
        BaseDim::Item,
    ];

    fn name(self, zh: bool) -> &'static str {
        let (z, e) = match self {
            BaseDim::Money => ("金额", "money"),
            BaseDim::Length => ("长度", "length"),
            BaseDim::Mass => ("重量", "mass"),
            BaseDim::Energy => ("能耗", "energy"),
            BaseDim::Power => ("容量", "power"),
            BaseDim::Time => ("小时", "hour"),
            BaseDim::Day => ("天", "day"),
            BaseDim::Month => ("月", "month"),
            BaseDim::Year => ("年", "year"),
            BaseDim::Usd => ("美元金额", "US dollars"),
            BaseDim::Point => ("百分点", "percentage points"),
            BaseDim::ActivePower => ("有功功率", "active power"),
            BaseDim::Person => ("人数", "persons"),
            BaseDim::Piece => ("个数", "count (个)"),
            BaseDim::Firm => ("家数", "count (家)"),
            BaseDim::Suite => ("套数", "count (套)"),
            BaseDim::Household => ("户数", "households"),
            BaseDim::Team => ("支数", "count (支)"),
            BaseDim::Sheet => ("张数", "count (张)"),
            BaseDim::Vehicle => ("辆数", "vehicles"),
            BaseDim::Strip => ("条数", "count (条)"),
            BaseDim::Seat => ("座数", "count (座)"),
            BaseDim::Building => ("栋数", "buildings"),
            BaseDim::Institution => ("所数", "count (所)"),
            BaseDim::Item => ("项数", "count (项)"),
        };
        if zh { z } else { e }
    }
}

const BASE_DIMS: usize = 25;

/// Exponent of each [`BaseDim`], indexed by its discriminant.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub struct Dimension([i8; BASE_DIMS]);

// Other modules code against these method names; `Unit::mul` is fallible, so the
// operator traits would not fit it anyway.
#[allow(clippy::should_implement_trait)]
impl Dimension {
    pub const NONE: Dimension = Dimension([0; BASE_DIMS]);

    pub fn of(base: BaseDim) -> Dimension {
        let mut e = [0; BASE_DIMS];
        e[base as usize] = 1;
        Dimension(e)
    }

    pub fn exponent(self, base: BaseDim) -> i8 {
        self.0[base as usize]
    }

    pub fn is_dimensionless(self) -> bool {
        self == Self::NONE
    }

    /// A count named by a measure word (家, 个, 万人): one count dimension to the first power.
    pub fn is_count(self) -> bool {
        let mut nonzero = BaseDim::ALL.into_iter().filter(|b| self.exponent(*b) != 0);
        matches!((nonzero.next(), nonzero.next()), (Some(b), None) if b >= BaseDim::Person && self.exponent(b) == 1)
    }

    // Saturating: units cap their exponents far below i8 limits, so saturation is only
    // a guard against a panic, never a reachable result.
    pub fn mul(self, o: Dimension) -> Dimension {
        Dimension(std::array::from_fn(|i| self.0[i].saturating_add(o.0[i])))
    }

    pub fn div(self, o: Dimension) -> Dimension {
        Dimension(std::array::from_fn(|i| self.0[i].saturating_sub(o.0[i])))
    }

    fn pow(self, n: i8) -> Dimension {
        Dimension(self.0.map(|e| e.saturating_mul(n)))
    }

    pub fn describe_zh(self) -> String {
        self.describe(true)
    }

    pub fn describe_en(self) -> String {
        self.describe(false)
    }

    fn describe(self, zh: bool) -> String {
        if self.is_dimensionless() {
            return if zh { "无单位（比例或计数）" } else { "dimensionless (ratio or count)" }.into();
        }
        let part = |b: BaseDim| -> String {
            match (b, self.exponent(b).unsigned_abs()) {
                (BaseDim::Length, 2) => if zh { "面积" } else { "area" }.into(),
                (BaseDim::Length, 3) => if zh { "体积" } else { "volume" }.into(),
                (_, 1) => b.name(zh).into(),
                (_, n) => format!("{}^{n}", b.name(zh)),
            }
        };
        let side = |sign: i8| -> Vec<String> {
            let bases = BaseDim::ALL.into_iter();
            bases.filter(|b| self.exponent(*b).signum() == sign).map(part).collect()
        };
        fraction(&side(1), &side(-1))
    }
}

/// Whether two different dimensions differ only in their time base (元/天 against 元/小时 or 元/月): the
/// conversion between them is a rule of law, so a message should say that rather than "wrong unit".
pub fn differs_only_in_time(a: Dimension, b: Dimension) -> bool {
    let time = [BaseDim::Time, BaseDim::Day, BaseDim::Month, BaseDim::Year];
    let strip = |d: Dimension| {
        let mut e = d.0;
        for base in time {
            e[base as usize] = 0;
        }
        e
    };
    a != b && strip(a) == strip(b)
}

/// `a·b/c/d`: the grammar chains denominators with `/`, and left-associative reading
/// makes that mean a·b/(c·d), so this shape parses back to the same unit.
fn fraction(num: &[String], den: &[String]) -> String {
    let mut out = if num.is_empty() { "1".to_string() } else { num.join("·") };
    for d in den {
        out.push('/');
        out.push_str(d);
    }
    out
}

/// Exact positive rational factor (num/den, both positive integers held as Decimal).
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub struct Ratio {
    pub num: Decimal,
    pub den: Decimal,
}

impl Ratio {
    pub const ONE: Ratio = Ratio { num: Decimal::ONE, den: Decimal::ONE };

    /// Only valid for ratios built here, which always have scale 0.
    fn ints(self) -> (i128, i128) {
        (self.num.mantissa(), self.den.mantissa())
    }
}

/// Generates the closed atom list and its table together so that they cannot drift apart.
macro_rules! atoms {
    ($($atom:ident: [$canon:literal $(, $alias:literal)*], $dim:expr, $num:literal / $den:literal;)+) => {
        #[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
        pub enum Atom { $($atom),+ }

        impl Atom {
            pub const ALL: &[Atom] = &[$(Atom::$atom),+];

            pub fn symbol(self) -> &'static str {
                match self { $(Atom::$atom => $canon),+ }
            }

            fn spellings(self) -> &'static [&'static str] {
                match self { $(Atom::$atom => &[$canon $(, $alias)*]),+ }
            }

            /// Base dimension with its exponent, and size num/den in base units.
            fn spec(self) -> (Option<(BaseDim, i8)>, i64, i64) {
                use BaseDim::*;
                match self { $(Atom::$atom => ($dim, $num, $den)),+ }
            }
        }
    };
}

// SquareMetre is its own atom rather than Metre^2 so that `m²` displays as written.
atoms! {
    Yuan: ["元"], Some((Money, 1)), 1 / 1;
    WanYuan: ["万元"], Some((Money, 1)), 10_000 / 1;
    YiYuan: ["亿元"], Some((Money, 1)), 100_000_000 / 1;
    Percent: ["%"], None, 1 / 100;
    PerMille: ["‰"], None, 1 / 1000;
    Metre: ["m", "米"], Some((Length, 1)), 1 / 1;
    SquareMetre: ["m²", "m2", "平方米", "平米", "㎡"], Some((Length, 2)), 1 / 1;
    Mu: ["亩"], Some((Length, 2)), 2000 / 3;
    Hectare: ["公顷", "hm²"], Some((Length, 2)), 10_000 / 1;
    KiloVoltAmpere: ["kVA", "千伏安"], Some((Power, 1)), 1 / 1;
    Tce: ["吨标准煤", "吨标煤", "tce"], Some((Energy, 1)), 1 / 1;
    Tonne: ["吨", "t"], Some((Mass, 1)), 1 / 1;
    WanTonne: ["万吨"], Some((Mass, 1)), 10_000 / 1;
    Hour: ["小时", "时"], Some((Time, 1)), 1 / 1;
    Day: ["天", "日"], Some((Day, 1)), 1 / 1;
    Month: ["月"], Some((Month, 1)), 1 / 1;
    Year: ["年"], Some((Year, 1)), 1 / 1;
    // Appended for target documents (#15); each large unit is one multiplier (万亿元 is 10^12 元).
    WanSquareMetre: ["万平方米", "万m²", "万㎡"], Some((Length, 2)), 10_000 / 1;
    Kilometre: ["公里", "km", "千米"], Some((Length, 1)), 1_000 / 1;
    SquareKilometre: ["平方公里", "km²"], Some((Length, 2)), 1_000_000 / 1;
    WanYiYuan: ["万亿元"], Some((Money, 1)), 1_000_000_000_000 / 1;
    UsDollar: ["美元"], Some((Usd, 1)), 1 / 1;
    WanUsDollar: ["万美元"], Some((Usd, 1)), 10_000 / 1;
    YiUsDollar: ["亿美元"], Some((Usd, 1)), 100_000_000 / 1;
    PercentagePoint: ["百分点", "个百分点"], Some((Point, 1)), 1 / 1;
    Kilowatt: ["千瓦", "kW"], Some((ActivePower, 1)), 1 / 1;
    WanKilowatt: ["万千瓦"], Some((ActivePower, 1)), 10_000 / 1;
    Person: ["人"], Some((Person, 1)), 1 / 1;
    Ming: ["名"], Some((Person, 1)), 1 / 1;
    QianRen: ["千人"], Some((Person, 1)), 1_000 / 1;
    WanRen: ["万人"], Some((Person, 1)), 10_000 / 1;
    Ge: ["个"], Some((Piece, 1)), 1 / 1;
    Jia: ["家"], Some((Firm, 1)), 1 / 1;
    Tao: ["套"], Some((Suite, 1)), 1 / 1;
    Hu: ["户"], Some((Household, 1)), 1 / 1;
    WanHu: ["万户"], Some((Household, 1)), 10_000 / 1;
    Zhi: ["支"], Some((Team, 1)), 1 / 1;
    Zhang: ["张"], Some((Sheet, 1)), 1 / 1;
    WanZhang: ["万张"], Some((Sheet, 1)), 10_000 / 1;
    Liang: ["辆"], Some((Vehicle, 1)), 1 / 1;
    Tiao: ["条"], Some((Strip, 1)), 1 / 1;
    Zuo: ["座"], Some((Seat, 1)), 1 / 1;
    Dong: ["栋", "幢"], Some((Building, 1)), 1 / 1;
    Suo: ["所"], Some((Institution, 1)), 1 / 1;
    Xiang: ["项"], Some((Item, 1)), 1 / 1;
    // A rate per 100 000 (孕产妇死亡率 10/10万): a pure scale factor, written after the number as the gazette does.
    PerHundredThousand: ["/10万", "1/10万"], None, 1 / 100_000;
}

const ATOM_COUNT: usize = Atom::ALL.len();

impl Atom {
    pub fn from_symbol(text: &str) -> Option<Atom> {
        Atom::ALL.iter().copied().find(|a| a.spellings().contains(&text))
    }

    pub fn dimension(self) -> Dimension {
        match self.spec().0 {
            Some((b, e)) => Dimension::of(b).pow(e),
            None => Dimension::NONE,
        }
    }

    /// The factor-1 atom of the same dimension; `None` for pure scale factors (%, ‰).
    fn base(self) -> Option<Atom> {
        let dim = self.dimension();
        let unit_sized = |a: &&Atom| matches!(a.spec(), (_, 1, 1)) && a.dimension() == dim;
        Atom::ALL.iter().find(unit_sized).copied().filter(|_| !dim.is_dimensionless())
    }
}

/// Canonical symbols and aliases, for cross-checking the grammar.
pub fn known_symbols() -> Vec<&'static str> {
    Atom::ALL.iter().flat_map(|a| a.spellings().iter().copied()).collect()
}

const MAX_TERMS: usize = 3;
const MAX_EXP: i32 = 9;

/// A product of at most three atoms with small exponents, kept sorted by atom so that
/// equal units compare equal. The factor is computed once so that `factor()` cannot fail.
#[derive(Clone, Copy, Debug)]
pub struct Unit {
    terms: [Option<(Atom, i8)>; MAX_TERMS],
    factor: Ratio,
}

// The factor follows from the terms, so equality and hashing look at the terms only: comparing the
// factor's two decimals made every same-unit comparison in evaluation several times slower.
impl PartialEq for Unit {
    fn eq(&self, other: &Unit) -> bool {
        self.terms == other.terms
    }
}

impl Eq for Unit {}

impl std::hash::Hash for Unit {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.terms.hash(state);
    }
}

#[allow(clippy::should_implement_trait)]
impl Unit {
    pub const ONE: Unit = Unit { terms: [None; MAX_TERMS], factor: Ratio::ONE };

    pub fn atom(a: Atom) -> Unit {
        let (_, num, den) = a.spec();
        Unit { terms: [Some((a, 1)), None, None], factor: Ratio { num: num.into(), den: den.into() } }
    }

    pub fn parse(text: &str) -> Result<Unit, UnitError> {
        // A spelling that contains a slash itself (`/10万`) is one atom, not a quotient.
        if let Some(atom) = Atom::from_symbol(text.trim()) {
            return Ok(Unit::atom(atom));
        }
        let mut exps = [0i32; ATOM_COUNT];
        for (i, segment) in text.split('/').enumerate() {
            let sign = if i == 0 { 1 } else { -1 };
            let segment = segment.trim();
            if i == 0 && segment == "1" {
                continue;
            }
            for factor in segment.split(['·', '*']) {
                let factor = factor.trim();
                let (symbol, exp) = match factor.split_once('^') {
                    Some((s, e)) => (s.trim(), e.trim().parse::<i32>().ok().filter(|e| (1..=MAX_EXP).contains(e))),
                    None => (factor, Some(1)),
                };
                match (Atom::from_symbol(symbol), exp) {
                    (Some(atom), Some(exp)) => exps[atom as usize] += sign * exp,
                    _ => return Err(UnitError::unknown(factor)),
                }
            }
        }
        Unit::from_exps(exps)
    }

    fn exps(self) -> [i32; ATOM_COUNT] {
        let mut exps = [0; ATOM_COUNT];
        for (a, e) in self.terms.into_iter().flatten() {
            exps[a as usize] += i32::from(e);
        }
        exps
    }

    fn from_exps(exps: [i32; ATOM_COUNT]) -> Result<Unit, UnitError> {
        let mut terms = [None; MAX_TERMS];
        let (mut num, mut den) = (1i128, 1i128);
        let nonzero = Atom::ALL.iter().zip(exps).filter(|(_, e)| *e != 0);
        for (slot, (&atom, exp)) in nonzero.enumerate() {
            let small = i8::try_from(exp).ok().filter(|_| exp.abs() <= MAX_EXP);
            let (Some(term), Some(small)) = (terms.get_mut(slot), small) else {
                return Err(UnitError::TooComplex);
            };
            *term = Some((atom, small));
            let (_, n, d) = atom.spec();
            let (n, d) = if exp > 0 { (n, d) } else { (d, n) };
            let scale =
                |acc: i128, f: i64| i128::from(f).checked_pow(exp.unsigned_abs()).and_then(|p| acc.checked_mul(p));
            num = scale(num, n).ok_or(UnitError::TooComplex)?;
            den = scale(den, d).ok_or(UnitError::TooComplex)?;
        }
        let (num, den) = reduce(num, den);
        let int = |v: i128| Decimal::try_from_i128_with_scale(v, 0).map_err(|_| UnitError::TooComplex);
        Ok(Unit { terms, factor: Ratio { num: int(num)?, den: int(den)? } })
    }

    pub fn dimension(self) -> Dimension {
        self.terms.into_iter().flatten().fold(Dimension::NONE, |d, (a, e)| d.mul(a.dimension().pow(e)))
    }

    /// Size relative to the base units (元, m, m², 吨, 吨标准煤, kVA, 小时, 月, 年).
    pub fn factor(self) -> Ratio {
        self.factor
    }

    /// Cancels identical atoms only; 万元/元 stays as written and carries factor 10000.
    pub fn mul(self, o: Unit) -> Result<Unit, UnitError> {
        let (a, b) = (self.exps(), o.exps());
        Unit::from_exps(std::array::from_fn(|i| a[i] + b[i]))
    }

    pub fn div(self, o: Unit) -> Result<Unit, UnitError> {
        let (a, b) = (self.exps(), o.exps());
        Unit::from_exps(std::array::from_fn(|i| a[i] - b[i]))
    }

    pub fn is_one(self) -> bool {
        self.terms.iter().all(Option::is_none)
    }

    /// The same shape in factor-1 atoms (万元/亩 -> 元/m²), used when neither operand of
    /// a sum converts exactly into the other's unit.
    pub fn base(self) -> Result<Unit, UnitError> {
        let mut exps = [0i32; ATOM_COUNT];
        for (a, e) in self.terms.into_iter().flatten() {
            if let Some(b) = a.base() {
                exps[b as usize] += i32::from(e);
            }
        }
        Unit::from_exps(exps)
    }

    /// A count of things named by a measure word (家, 个, 人), one by one: only whole numbers are counts of
    /// it. 万人 is not (5.2 万人 is a count in ten thousands).
    pub fn is_whole_count(self) -> bool {
        match self.terms {
            [Some((atom, 1)), None, None] => {
                let (dim, num, den) = atom.spec();
                (num, den) == (1, 1) && dim.is_some_and(|(base, _)| base >= BaseDim::Person)
            }
            _ => false,
        }
    }

    pub(crate) fn single_atom(self) -> bool {
        matches!(self.terms, [Some((_, 1)), None, None])
    }
}

impl fmt::Display for Unit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.is_one() {
            return Ok(());
        }
        let term = |(a, e): (Atom, i8)| match e.unsigned_abs() {
            1 => a.symbol().to_string(),
            n => format!("{}^{n}", a.symbol()),
        };
        let side = |positive: bool| -> Vec<String> {
            self.terms.into_iter().flatten().filter(|(_, e)| (*e > 0) == positive).map(term).collect()
        };
        f.write_str(&fraction(&side(true), &side(false)))
    }
}

fn gcd(mut a: u128, mut b: u128) -> u128 {
    while b != 0 {
        (a, b) = (b, a % b);
    }
    a
}

/// Lowest terms; `den` must be positive, so the gcd always fits back into i128.
pub(crate) fn reduce(num: i128, den: i128) -> (i128, i128) {
    match i128::try_from(gcd(num.unsigned_abs(), den.unsigned_abs())) {
        Ok(g) if g > 1 => (num / g, den / g),
        _ => (num, den),
    }
}

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum UnitError {
    #[error("Unknown unit `{text}`{}", suggest(.suggestion))]
    Unknown { text: String, suggestion: Option<String> },
    #[error(
        "`{left}` ({}) and `{right}` ({}) have different dimensions and cannot be compared or combined.",
        left.dimension().describe_en(),
        right.dimension().describe_en()
    )]
    DimensionMismatch { left: Unit, right: Unit },
    #[error("{value} {from} cannot be expressed exactly in `{to}`.")]
    Inexact { value: Decimal, from: Unit, to: Unit },
    #[error("The numbers are too large for exact arithmetic.")]
    Overflow,
    #[error("Division by zero.")]
    DivisionByZero,
    #[error("The unit is too complex: at most three unit symbols with small exponents are supported.")]
    TooComplex,
}

fn suggest(s: &Option<String>) -> String {
    match s {
        Some(s) => format!("; did you mean `{s}`?"),
        None => ".".into(),
    }
}

impl UnitError {
    fn unknown(text: &str) -> UnitError {
        UnitError::Unknown { text: text.to_string(), suggestion: suggest_unit(text, None) }
    }
}

/// The closest known spelling, only within one dimension: 亿美元 is never offered for 亿元 (another
/// currency) nor 公顷 for 公里 (an area for a length). The dimension is the one expected where it is known
/// (a fact's declared unit); otherwise the one of the longest known unit the text ends with (万平方尺 ends
/// with nothing known, 万人次 with 人), and with neither, the closest spelling of any dimension.
pub fn suggest_unit(text: &str, within: Option<Dimension>) -> Option<String> {
    let text = text.trim();
    if text.is_empty() {
        return None;
    }
    let guessed = within.or_else(|| {
        let mut suffixes: Vec<(usize, Atom)> = Atom::ALL
            .iter()
            .flat_map(|a| a.spellings().iter().map(move |s| (s, *a)))
            .filter(|(s, _)| text.ends_with(**s) && text != **s)
            .map(|(s, a)| (s.chars().count(), a))
            .collect();
        suffixes.sort_by_key(|(n, _)| std::cmp::Reverse(*n));
        suffixes.first().map(|(_, a)| a.dimension())
    });
    let lower = text.to_lowercase();
    let limit = (text.chars().count() / 2).max(1);
    Atom::ALL
        .iter()
        .filter(|a| guessed.is_none_or(|d| a.dimension() == d))
        .flat_map(|a| a.spellings().iter().copied())
        .map(|s| (strsim::levenshtein(&lower, &s.to_lowercase()), s))
        .filter(|(d, _)| *d <= limit)
        .min_by_key(|(d, _)| *d)
        .map(|(_, s)| s.to_string())
}
