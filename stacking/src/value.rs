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

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
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
}
