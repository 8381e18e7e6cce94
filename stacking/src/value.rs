//! Credit values in a rule's unit (exact decimals, direct conversions only).

use cairn_domain::{CreditUnit, Credits};
use rust_decimal::Decimal;

use crate::rule::Conversions;

/// `credits` expressed in `unit`: as is when the units match
/// (case-insensitively), through `conversions[from][unit]` otherwise;
/// `None` when there is no conversion (the credential then gives nothing).
pub fn convert_credits(credits: &Credits, unit: &CreditUnit, conversions: &Conversions) -> Option<Decimal> {
    if credits.unit() == unit {
        return Some(credits.amount());
    }
    let rate = conversions.get(credits.unit())?.get(unit)?;
    credits.amount().checked_mul(*rate)
}

/// Decimal places of [`Fixed`]: credit amounts have at most 4
/// (`cairn_domain::credits::MAX_SCALE`) and conversion rates at most 10, so
/// every value a leaf can see is exact at this scale.
pub(crate) const FIXED_SCALE: u32 = 14;

/// An exact credit value as an integer count of 10^-14: the allocation
/// search adds and compares these in its inner loops.
pub(crate) type Fixed = i128;

/// `value` as [`Fixed`]. Values of more than 14 decimal places cannot
/// occur (see [`FIXED_SCALE`]); should one, it is rounded `up` or down, the
/// direction that keeps the search's answer on the safe side.
pub(crate) fn to_fixed(value: Decimal, up: bool) -> Fixed {
    let scale = value.scale();
    if scale <= FIXED_SCALE {
        let factor = 10i128.pow(FIXED_SCALE - scale);
        return value.mantissa().saturating_mul(factor);
    }
    let divisor = 10i128.pow(scale - FIXED_SCALE);
    let m = value.mantissa();
    let q = m.div_euclid(divisor);
    if up && m.rem_euclid(divisor) != 0 { q.saturating_add(1) } else { q }
}

/// A [`Fixed`] value back as an exact decimal (normalised).
pub(crate) fn to_decimal(value: Fixed) -> Decimal {
    Decimal::try_from_i128_with_scale(value, FIXED_SCALE).map_or(Decimal::MAX, |d| d.normalize())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    #[test]
    fn converts_exactly_and_only_directly() {
        let ects = CreditUnit::new("ECTS").unwrap();
        let hours = CreditUnit::new("hours").unwrap();
        let mut conv = Conversions::new();
        conv.insert(hours.clone(), BTreeMap::from([(ects.clone(), Decimal::new(4, 2))]));
        let c = Credits::parse("25", "Hours").unwrap();
        assert_eq!(convert_credits(&c, &ects, &conv), Some(Decimal::ONE));
        let e = Credits::parse("5", "ects").unwrap();
        assert_eq!(convert_credits(&e, &ects, &conv), Some(Decimal::from(5)));
        assert_eq!(convert_credits(&e, &hours, &conv), None);
    }

    #[test]
    fn fixed_point_is_exact_to_fourteen_places() {
        assert_eq!(to_fixed(Decimal::new(25, 1), false), 250_000_000_000_000);
        let tiny = Decimal::new(1, 14);
        assert_eq!(to_fixed(tiny, false), 1);
        let finer = Decimal::new(15, 15);
        assert_eq!(to_fixed(finer, false), 1);
        assert_eq!(to_fixed(finer, true), 2);
        let rate_times_amount = Decimal::new(4, 2).checked_mul(Decimal::new(1_000_000, 4)).unwrap();
        assert_eq!(to_fixed(rate_times_amount, false), 400_000_000_000_000);
        assert_eq!(to_decimal(250_000_000_000_000), Decimal::new(25, 1));
    }
}
