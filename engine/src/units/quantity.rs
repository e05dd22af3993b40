use super::{Dimension, Unit, UnitError, reduce};
use rust_decimal::Decimal;
use std::cmp::Ordering;
use std::fmt;

#[derive(Clone, Copy, PartialEq, Debug)]
pub struct Quantity {
    pub value: Decimal,
    pub unit: Unit,
}

/// How many `to` units make one `from` unit, in lowest terms.
fn ratio_between(from: Unit, to: Unit) -> Result<(i128, i128), UnitError> {
    let ((fnum, fden), (tnum, tden)) = (from.factor().ints(), to.factor().ints());
    // Both inputs are in lowest terms, so cancelling crosswise leaves the result in lowest
    // terms too, and keeps the products small.
    let (fnum, tnum) = reduce(fnum, tnum);
    let (tden, fden) = reduce(tden, fden);
    match (fnum.checked_mul(tden), fden.checked_mul(tnum)) {
        (Some(n), Some(d)) => Ok((n, d)),
        _ => Err(UnitError::Overflow),
    }
}

impl Quantity {
    pub fn new(value: Decimal, unit: Unit) -> Self {
        Quantity { value, unit }
    }

    pub fn dimension(&self) -> Dimension {
        self.unit.dimension()
    }

    fn check_dimension(&self, to: Unit) -> Result<(), UnitError> {
        if self.unit.dimension() == to.dimension() {
            Ok(())
        } else {
            Err(UnitError::DimensionMismatch { left: self.unit, right: to })
        }
    }

    /// Cross-multiplies integer mantissas: Decimal multiplication silently rounds once a
    /// product exceeds 28 digits, which could make unequal thresholds look equal.
    pub fn cmp_exact(&self, other: &Quantity) -> Result<Ordering, UnitError> {
        if self.unit == other.unit {
            return Ok(self.value.cmp(&other.value));
        }
        self.check_dimension(other.unit)?;
        let (rn, rd) = ratio_between(self.unit, other.unit)?;
        let scale = self.value.scale().max(other.value.scale());
        let side =
            |v: Decimal, k: i128| v.mantissa().checked_mul(k)?.checked_mul(10i128.checked_pow(scale - v.scale())?);
        match (side(self.value, rn), side(other.value, rd)) {
            (Some(l), Some(r)) => Ok(l.cmp(&r)),
            _ => Err(UnitError::Overflow),
        }
    }

    /// Works on the exact fraction mantissa·rn / (10^scale·rd): the result terminates
    /// exactly when the reduced denominator has no prime factors besides 2 and 5.
    pub fn convert_exact(&self, to: Unit) -> Result<Quantity, UnitError> {
        if self.unit == to {
            return Ok(*self);
        }
        self.check_dimension(to)?;
        let (rn, rd) = ratio_between(self.unit, to)?;
        let v = self.value.normalize();
        let num = v.mantissa().checked_mul(rn);
        let den = 10i128.checked_pow(v.scale()).and_then(|p| p.checked_mul(rd));
        let (Some(num), Some(den)) = (num, den) else {
            return Err(UnitError::Overflow);
        };
        let (num, mut den) = reduce(num, den);
        let (mut twos, mut fives) = (0u32, 0u32);
        while den % 2 == 0 {
            den /= 2;
            twos += 1;
        }
        while den % 5 == 0 {
            den /= 5;
            fives += 1;
        }
        let scale = twos.max(fives);
        if den != 1 || scale > Decimal::MAX_SCALE {
            return Err(UnitError::Inexact { value: self.value, from: self.unit, to });
        }
        let mantissa = 2i128
            .checked_pow(scale - twos)
            .and_then(|p| p.checked_mul(5i128.checked_pow(scale - fives)?))
            .and_then(|p| p.checked_mul(num));
        mantissa
            .and_then(|m| Decimal::try_from_i128_with_scale(m, scale).ok())
            .map(|value| Quantity::new(value, to))
            .ok_or(UnitError::Overflow)
    }

    /// Rounds at Decimal precision; only for display and for sums with no exact common unit.
    fn convert_approx(&self, to: Unit) -> Result<Quantity, UnitError> {
        self.check_dimension(to)?;
        let (rn, rd) = ratio_between(self.unit, to)?;
        let int = |v| Decimal::try_from_i128_with_scale(v, 0).ok();
        let value = match (int(rn), int(rd)) {
            (Some(n), Some(d)) => self.value.checked_mul(n).and_then(|v| v.checked_div(d)),
            _ => None,
        };
        value.map(|v| Quantity::new(v, to)).ok_or(UnitError::Overflow)
    }

    pub fn convert_display(&self, to: Unit) -> Result<(Quantity, bool), UnitError> {
        match self.convert_exact(to) {
            Err(UnitError::Inexact { .. }) => {
                let q = self.convert_approx(to)?;
                Ok((Quantity::new(q.value.round_dp(4), to), false))
            }
            other => other.map(|q| (q, true)),
        }
    }

    pub fn add(&self, o: &Quantity) -> Result<Quantity, UnitError> {
        self.combine(o, Decimal::checked_add)
    }

    pub fn sub(&self, o: &Quantity) -> Result<Quantity, UnitError> {
        self.combine(o, Decimal::checked_sub)
    }

    fn combine(&self, o: &Quantity, op: fn(Decimal, Decimal) -> Option<Decimal>) -> Result<Quantity, UnitError> {
        self.check_dimension(o.unit)?;
        let (a, b) = if let Ok(b) = o.convert_exact(self.unit) {
            (*self, b)
        } else if let Ok(a) = self.convert_exact(o.unit) {
            (a, *o)
        } else {
            let base = self.unit.base()?;
            (self.convert_approx(base)?, o.convert_approx(base)?)
        };
        let value = op(a.value, b.value).ok_or(UnitError::Overflow)?;
        Ok(Quantity::new(value, a.unit))
    }

    pub fn mul(&self, o: &Quantity) -> Result<Quantity, UnitError> {
        let (a, b) = (self.without_percent(), o.without_percent());
        let unit = a.unit.mul(b.unit)?;
        let value = a.value.checked_mul(b.value).ok_or(UnitError::Overflow)?;
        Ok(Quantity::new(value, unit).simplified())
    }

    pub fn div(&self, o: &Quantity) -> Result<Quantity, UnitError> {
        if o.value.is_zero() {
            return Err(UnitError::DivisionByZero);
        }
        let (a, b) = (self.without_percent(), o.without_percent());
        // Same dimension (m² ÷ 亩): bring one operand into the other's unit first, so that the units cancel
        // and the quotient is one exact division. Dividing 140 by 3 in m²/亩 and converting afterwards
        // rounds at the 28th digit and puts an exact 7% just over a 不超过 7% threshold.
        let (a, b) = if a.unit != b.unit && a.dimension() == b.dimension() {
            match (b.convert_exact(a.unit), a.convert_exact(b.unit)) {
                (Ok(b), _) => (a, b),
                (_, Ok(a)) => (a, b),
                _ => (a, b),
            }
        } else {
            (a, b)
        };
        let unit = a.unit.div(b.unit)?;
        let value = a.value.checked_div(b.value).ok_or(UnitError::Overflow)?;
        Ok(Quantity::new(value, unit).simplified())
    }

    /// A lone % or ‰ inside a product or quotient is a plain number (10% of 800 万元 is 80 万元, not
    /// 8000 万元·%); the factor is exact, so nothing is rounded.
    fn without_percent(self) -> Quantity {
        if self.dimension().is_dimensionless() && self.unit.single_atom() {
            self.convert_exact(Unit::ONE).unwrap_or(self)
        } else {
            self
        }
    }

    /// A ratio such as 万元/元 reads better as a plain number; a lone % or ‰ is kept.
    fn simplified(self) -> Self {
        if self.dimension().is_dimensionless() && !self.unit.is_one() && !self.unit.single_atom() {
            self.convert_exact(Unit::ONE).unwrap_or(self)
        } else {
            self
        }
    }

    pub fn normalized(self) -> Self {
        Quantity { value: self.value.normalize(), ..self }
    }
}

impl fmt::Display for Quantity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (value, unit) = (self.value.normalize(), self.unit.to_string());
        if unit.is_empty() {
            write!(f, "{value}")
        } else if unit.starts_with(['%', '‰', '/']) {
            write!(f, "{value}{unit}")
        } else {
            write!(f, "{value} {unit}")
        }
    }
}
