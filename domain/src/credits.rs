//! Credits: an exact decimal amount in a named unit ("7.5 ECTS", "30 hours").
//!
//! Decisions:
//! - The amount is a `rust_decimal::Decimal`, never a float. It is strictly
//!   positive (an achievement that carries no credit simply has no `credits`),
//!   at most [`MAX_AMOUNT`], with at most [`MAX_SCALE`] decimal places.
//! - A unit is free text, trimmed, 1–32 characters of ASCII letters, digits and
//!   `-_./` (so no whitespace inside). Its spelling is preserved for display,
//!   but units compare, hash and order case-insensitively: "ECTS" == "ects".
//! - JSON: `{"amount": "7.5", "unit": "ECTS"}`. The amount is written as a
//!   decimal string; a JSON number is accepted on input when its shortest
//!   decimal representation fits the limits (7.5 yes, 0.1 yes, 1e-9 no).
//! - Canonical text (for storage): `"<amount> <unit>"` with trailing zeros of
//!   the amount dropped, e.g. `"7.5 ECTS"`; `FromStr` parses it back.

use std::cmp::Ordering;
use std::fmt;
use std::hash::{Hash, Hasher};
use std::str::FromStr;

use rust_decimal::Decimal;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// Largest accepted amount.
pub const MAX_AMOUNT: Decimal = Decimal::from_parts(1_000_000, 0, 0, false, 0);
/// Most decimal places accepted in an amount.
pub const MAX_SCALE: u32 = 4;
/// Longest unit name.
pub const MAX_UNIT_LEN: usize = 32;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CreditsError {
    #[error("`{0}` is not a decimal number")]
    NotADecimal(String),
    #[error("credit amount must be greater than 0")]
    NotPositive,
    #[error("credit amount must be at most {MAX_AMOUNT}")]
    TooLarge,
    #[error("credit amount has more than {MAX_SCALE} decimal places")]
    TooPrecise,
    #[error("credit unit must be 1 to {MAX_UNIT_LEN} characters of letters, digits and -_./")]
    BadUnit,
    #[error("credits must be written as `<amount> <unit>`")]
    BadText,
}

/// A credit unit name, compared case-insensitively.
#[derive(Clone)]
pub struct CreditUnit(String);

impl CreditUnit {
    pub fn new(text: &str) -> Result<Self, CreditsError> {
        let text = text.trim();
        let ok =
            !text.is_empty() && text.len() <= MAX_UNIT_LEN && text.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | '/'));
        if ok { Ok(Self(text.to_owned())) } else { Err(CreditsError::BadUnit) }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    fn folded(&self) -> impl Iterator<Item = u8> + '_ {
        self.0.bytes().map(|b| b.to_ascii_lowercase())
    }
}

impl PartialEq for CreditUnit {
    fn eq(&self, other: &Self) -> bool {
        self.0.eq_ignore_ascii_case(&other.0)
    }
}
impl Eq for CreditUnit {}
impl Hash for CreditUnit {
    fn hash<H: Hasher>(&self, state: &mut H) {
        for b in self.folded() {
            state.write_u8(b);
        }
        state.write_u8(0xff);
    }
}
impl Ord for CreditUnit {
    fn cmp(&self, other: &Self) -> Ordering {
        self.folded().cmp(other.folded())
    }
}
impl PartialOrd for CreditUnit {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl fmt::Debug for CreditUnit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "CreditUnit({:?})", self.0)
    }
}
impl fmt::Display for CreditUnit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}
impl FromStr for CreditUnit {
    type Err = CreditsError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::new(s)
    }
}
impl Serialize for CreditUnit {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.0)
    }
}
impl<'de> Deserialize<'de> for CreditUnit {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        Self::new(&text).map_err(serde::de::Error::custom)
    }
}

/// Parses a decimal written as a JSON string or a JSON number. Numbers are
/// taken through their shortest round-trip representation, so `7.5` is 7.5
/// exactly and nothing is silently rounded beyond what the caller checks.
pub fn decimal_from_json(value: &serde_json::Value) -> Result<Decimal, CreditsError> {
    let text = match value {
        serde_json::Value::String(s) => s.trim().to_owned(),
        serde_json::Value::Number(n) => n.to_string(),
        other => return Err(CreditsError::NotADecimal(other.to_string())),
    };
    parse_decimal(&text)
}

/// Parses plain decimal text ("7.5", "30", "-1"); no exponents, no spaces.
pub fn parse_decimal(text: &str) -> Result<Decimal, CreditsError> {
    let plain = !text.is_empty() && text.chars().all(|c| c.is_ascii_digit() || matches!(c, '.' | '-' | '+')) && text.len() <= 40;
    if !plain {
        return Err(CreditsError::NotADecimal(text.to_owned()));
    }
    Decimal::from_str_exact(text).map_err(|_| CreditsError::NotADecimal(text.to_owned()))
}

/// Checks an amount against the limits and drops trailing zeros.
pub fn check_amount(amount: Decimal) -> Result<Decimal, CreditsError> {
    if amount <= Decimal::ZERO {
        return Err(CreditsError::NotPositive);
    }
    if amount > MAX_AMOUNT {
        return Err(CreditsError::TooLarge);
    }
    let amount = amount.normalize();
    if amount.scale() > MAX_SCALE {
        return Err(CreditsError::TooPrecise);
    }
    Ok(amount)
}

/// An exact, positive amount of credit in a unit.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Credits {
    amount: Decimal,
    unit: CreditUnit,
}

impl Credits {
    pub fn new(amount: Decimal, unit: CreditUnit) -> Result<Self, CreditsError> {
        Ok(Self { amount: check_amount(amount)?, unit })
    }

    /// Convenience: `Credits::parse("7.5", "ECTS")`.
    pub fn parse(amount: &str, unit: &str) -> Result<Self, CreditsError> {
        Self::new(parse_decimal(amount.trim())?, CreditUnit::new(unit)?)
    }

    pub fn amount(&self) -> Decimal {
        self.amount
    }

    pub fn unit(&self) -> &CreditUnit {
        &self.unit
    }

    /// The storage form, e.g. `"7.5 ECTS"`.
    pub fn to_canonical(&self) -> String {
        format!("{} {}", self.amount.normalize(), self.unit)
    }
}

impl fmt::Display for Credits {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_canonical())
    }
}

impl FromStr for Credits {
    type Err = CreditsError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let mut parts = s.split_whitespace();
        match (parts.next(), parts.next(), parts.next()) {
            (Some(amount), Some(unit), None) => Self::parse(amount, unit),
            _ => Err(CreditsError::BadText),
        }
    }
}

#[derive(Serialize)]
struct CreditsOut<'a> {
    amount: String,
    unit: &'a CreditUnit,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CreditsIn {
    amount: serde_json::Value,
    unit: CreditUnit,
}

impl Serialize for Credits {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        CreditsOut { amount: self.amount.normalize().to_string(), unit: &self.unit }.serialize(serializer)
    }
}

impl<'de> Deserialize<'de> for Credits {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let raw = CreditsIn::deserialize(deserializer)?;
        let amount = decimal_from_json(&raw.amount).map_err(serde::de::Error::custom)?;
        Credits::new(amount, raw.unit).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn units_compare_case_insensitively_and_keep_spelling() {
        let a = CreditUnit::new(" ECTS ").unwrap();
        let b = CreditUnit::new("ects").unwrap();
        assert_eq!(a, b);
        assert_eq!(a.cmp(&b), Ordering::Equal);
        assert_eq!(a.as_str(), "ECTS");
        let mut set = std::collections::HashSet::new();
        set.insert(a);
        assert!(set.contains(&b));
    }

    #[test]
    fn units_reject_bad_text() {
        for bad in ["", "   ", "credit hours", "x".repeat(33).as_str(), "ç"] {
            assert_eq!(CreditUnit::new(bad), Err(CreditsError::BadUnit), "{bad:?}");
        }
        assert!(CreditUnit::new("credit-hours").is_ok());
    }

    #[test]
    fn json_round_trip_with_string_amount() {
        let c: Credits = serde_json::from_str(r#"{"amount": "7.50", "unit": "ECTS"}"#).unwrap();
        assert_eq!(c.amount(), Decimal::new(75, 1));
        assert_eq!(serde_json::to_string(&c).unwrap(), r#"{"amount":"7.5","unit":"ECTS"}"#);
    }

    #[test]
    fn json_accepts_exact_numbers_only() {
        let c: Credits = serde_json::from_str(r#"{"amount": 7.5, "unit": "ECTS"}"#).unwrap();
        assert_eq!(c.to_canonical(), "7.5 ECTS");
        let c: Credits = serde_json::from_str(r#"{"amount": 30, "unit": "hours"}"#).unwrap();
        assert_eq!(c.to_canonical(), "30 hours");
        assert!(serde_json::from_str::<Credits>(r#"{"amount": 0.00001, "unit": "h"}"#).is_err());
        assert!(serde_json::from_str::<Credits>(r#"{"amount": 1e300, "unit": "h"}"#).is_err());
    }

    #[test]
    fn amounts_are_bounded() {
        assert_eq!(Credits::parse("0", "ECTS"), Err(CreditsError::NotPositive));
        assert_eq!(Credits::parse("-1", "ECTS"), Err(CreditsError::NotPositive));
        assert_eq!(Credits::parse("1000001", "ECTS"), Err(CreditsError::TooLarge));
        assert_eq!(Credits::parse("1.00001", "ECTS"), Err(CreditsError::TooPrecise));
        assert!(matches!(Credits::parse("abc", "ECTS"), Err(CreditsError::NotADecimal(_))));
        assert!(matches!(Credits::parse("1e3", "ECTS"), Err(CreditsError::NotADecimal(_))));
        assert!(Credits::parse("1.50000", "ECTS").is_ok());
    }

    #[test]
    fn canonical_text_round_trips() {
        let c: Credits = "2.500 credit-hours".parse().unwrap();
        assert_eq!(c.to_canonical(), "2.5 credit-hours");
        assert_eq!(c.to_canonical().parse::<Credits>().unwrap(), c);
        assert_eq!("7.5".parse::<Credits>(), Err(CreditsError::BadText));
        assert_eq!("7.5 a b".parse::<Credits>(), Err(CreditsError::BadText));
    }

    #[test]
    fn unknown_json_fields_are_rejected() {
        assert!(serde_json::from_str::<Credits>(r#"{"amount":"1","unit":"h","x":1}"#).is_err());
    }
}
