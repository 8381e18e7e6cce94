//! ISO 8601 durations ("P3Y", "P2Y6M", "P18M", "P90D", "P1W", "P1Y2M3DT4H"),
//! used for achievement validity and for `within` windows of pathway rules.
//!
//! Decisions:
//! - Components are whole, non-negative numbers (no fractions, no sign); at
//!   least one component is given, and the total is longer than zero and at
//!   most about 1000 years.
//! - Weeks may be combined with other components (ISO 8601-2 allows it).
//! - Arithmetic is calendar-aware: years and months first (chrono's
//!   `checked_add_months`, which clamps to the end of a shorter month), then
//!   weeks and days, then the time part. So 2024-02-29 + P1Y is 2025-02-28 and
//!   2024-01-31 + P1M is 2024-02-29; `sub_from` mirrors it.
//! - Text form: the canonical rendering of the components, zero components
//!   omitted ("P1Y0M" is written back as "P1Y").

use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, Datelike, Days, Months, TimeDelta, Utc};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// Rough upper bound on a duration, in days (about 1000 years).
const MAX_DAYS: u64 = 366_000;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{text}` is not a valid ISO 8601 duration: {reason}")]
pub struct InvalidDuration {
    pub text: String,
    pub reason: &'static str,
}

/// A non-negative ISO 8601 duration with calendar components.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct IsoDuration {
    pub years: u32,
    pub months: u32,
    pub weeks: u32,
    pub days: u32,
    pub hours: u32,
    pub minutes: u32,
    pub seconds: u32,
}

impl IsoDuration {
    fn total_months(&self) -> u32 {
        self.years.saturating_mul(12).saturating_add(self.months)
    }

    fn total_days(&self) -> u64 {
        u64::from(self.weeks) * 7 + u64::from(self.days)
    }

    fn time_seconds(&self) -> i64 {
        i64::from(self.hours) * 3600 + i64::from(self.minutes) * 60 + i64::from(self.seconds)
    }

    /// `at + self`, or `None` when the result is out of chrono's range.
    pub fn add_to(&self, at: DateTime<Utc>) -> Option<DateTime<Utc>> {
        // Zero components are skipped: the stacking engine adds windows in
        // its inner loops, and each chrono step costs.
        let mut out = at;
        let months = self.total_months();
        // Whole years move the year only (unless that lands on a 29 February
        // that does not exist; chrono then takes the last day of February).
        let same_day = months
            .is_multiple_of(12)
            .then(|| i32::try_from(months / 12).ok())
            .flatten()
            .and_then(|years| at.year().checked_add(years))
            .and_then(|year| at.with_year(year));
        if let Some(moved) = same_day {
            out = moved;
        } else if months > 0 {
            out = out.checked_add_months(Months::new(months))?;
        }
        if self.total_days() > 0 {
            out = out.checked_add_days(Days::new(self.total_days()))?;
        }
        if self.time_seconds() != 0 {
            out = out.checked_add_signed(TimeDelta::try_seconds(self.time_seconds())?)?;
        }
        Some(out)
    }

    /// `at - self` (the components are taken off in the same order).
    pub fn sub_from(&self, at: DateTime<Utc>) -> Option<DateTime<Utc>> {
        at.checked_sub_months(Months::new(self.total_months()))?
            .checked_sub_days(Days::new(self.total_days()))?
            .checked_sub_signed(TimeDelta::try_seconds(self.time_seconds())?)
    }

    /// An approximate length in days, for bounds and display only.
    pub fn approx_days(&self) -> u64 {
        u64::from(self.years) * 366 + u64::from(self.months) * 31 + self.total_days() + (self.time_seconds().unsigned_abs()).div_ceil(86_400)
    }
}

impl FromStr for IsoDuration {
    type Err = InvalidDuration;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let fail = |reason| InvalidDuration { text: text.to_owned(), reason };
        let rest = text.strip_prefix('P').ok_or_else(|| fail("it must start with P"))?;
        let (date, time) = match rest.split_once('T') {
            Some((d, t)) => {
                if t.is_empty() {
                    return Err(fail("T must be followed by a time component"));
                }
                (d, Some(t))
            }
            None => (rest, None),
        };
        let mut out = IsoDuration::default();
        let mut any = false;
        let mut parse_part = |part: &str, designators: &[char], time: bool| {
            let mut next = 0usize;
            let mut digits = String::new();
            for c in part.chars() {
                if c.is_ascii_digit() {
                    if digits.len() >= 9 {
                        return Err(fail("a component is too large"));
                    }
                    digits.push(c);
                    continue;
                }
                let Some(pos) = designators.iter().position(|d| *d == c) else {
                    return Err(fail("unexpected character"));
                };
                if pos < next {
                    return Err(fail("components are out of order or repeated"));
                }
                if digits.is_empty() {
                    return Err(fail("a designator has no number"));
                }
                let value: u32 = digits.parse().map_err(|_| fail("a component is too large"))?;
                digits.clear();
                next = pos + 1;
                any = true;
                let slot = match (time, c) {
                    (false, 'Y') => &mut out.years,
                    (false, 'M') => &mut out.months,
                    (false, 'W') => &mut out.weeks,
                    (false, 'D') => &mut out.days,
                    (true, 'H') => &mut out.hours,
                    (true, 'M') => &mut out.minutes,
                    _ => &mut out.seconds,
                };
                *slot = value;
            }
            if digits.is_empty() { Ok(()) } else { Err(fail("a number has no designator")) }
        };
        parse_part(date, &['Y', 'M', 'W', 'D'], false)?;
        if let Some(time) = time {
            parse_part(time, &['H', 'M', 'S'], true)?;
        }
        if !any {
            return Err(fail("it has no component"));
        }
        if out == IsoDuration::default() {
            return Err(fail("it must be longer than zero"));
        }
        if out.approx_days() > MAX_DAYS {
            return Err(fail("it is longer than 1000 years"));
        }
        Ok(out)
    }
}

impl fmt::Display for IsoDuration {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("P")?;
        for (value, unit) in [(self.years, 'Y'), (self.months, 'M'), (self.weeks, 'W'), (self.days, 'D')] {
            if value > 0 {
                write!(f, "{value}{unit}")?;
            }
        }
        if self.hours + self.minutes + self.seconds > 0 {
            f.write_str("T")?;
            for (value, unit) in [(self.hours, 'H'), (self.minutes, 'M'), (self.seconds, 'S')] {
                if value > 0 {
                    write!(f, "{value}{unit}")?;
                }
            }
        }
        Ok(())
    }
}

impl Serialize for IsoDuration {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for IsoDuration {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn whole_years_add_like_months() {
        // The fast path for whole years agrees with chrono's month arithmetic,
        // 29 February included.
        let d: IsoDuration = "P3Y".parse().unwrap();
        let mut at = Utc.with_ymd_and_hms(2019, 12, 25, 13, 5, 7).unwrap();
        for _ in 0..900 {
            let expected = at.checked_add_months(Months::new(36));
            assert_eq!(d.add_to(at), expected, "{at}");
            at += TimeDelta::hours(23);
        }
        let leap = Utc.with_ymd_and_hms(2020, 2, 29, 0, 0, 0).unwrap();
        assert_eq!(d.add_to(leap), Some(Utc.with_ymd_and_hms(2023, 2, 28, 0, 0, 0).unwrap()));
    }

    fn d(y: i32, m: u32, day: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(y, m, day, 12, 0, 0).unwrap()
    }

    #[test]
    fn parses_common_forms() {
        let cases = [
            ("P3Y", IsoDuration { years: 3, ..Default::default() }),
            ("P2Y6M", IsoDuration { years: 2, months: 6, ..Default::default() }),
            ("P18M", IsoDuration { months: 18, ..Default::default() }),
            ("P90D", IsoDuration { days: 90, ..Default::default() }),
            ("P1W", IsoDuration { weeks: 1, ..Default::default() }),
            ("P1Y2M3DT4H", IsoDuration { years: 1, months: 2, days: 3, hours: 4, ..Default::default() }),
            ("PT30M", IsoDuration { minutes: 30, ..Default::default() }),
        ];
        for (text, want) in cases {
            let got: IsoDuration = text.parse().unwrap();
            assert_eq!(got, want, "{text}");
            assert_eq!(got.to_string(), text);
        }
        assert_eq!("P1Y0M".parse::<IsoDuration>().unwrap().to_string(), "P1Y");
    }

    #[test]
    fn rejects_garbage_negatives_and_huge_values() {
        for bad in [
            "",
            "P",
            "PT",
            "P1YT",
            "-P1Y",
            "P-1Y",
            "P1.5Y",
            "3Y",
            "P1M1Y",
            "P1Y1Y",
            "PY",
            "P1",
            "P1H",
            "PT1D",
            "P0D",
            "P1001Y",
            "P99999999999Y",
            "p1y",
            "P1Y ",
        ] {
            assert!(bad.parse::<IsoDuration>().is_err(), "{bad:?} accepted");
        }
    }

    #[test]
    fn calendar_arithmetic() {
        let p1y: IsoDuration = "P1Y".parse().unwrap();
        // Feb 29 + 1 year clamps to Feb 28.
        assert_eq!(p1y.add_to(d(2024, 2, 29)), Some(d(2025, 2, 28)));
        assert_eq!(p1y.sub_from(d(2024, 2, 29)), Some(d(2023, 2, 28)));
        let p1m: IsoDuration = "P1M".parse().unwrap();
        assert_eq!(p1m.add_to(d(2024, 1, 31)), Some(d(2024, 2, 29)));
        let mixed: IsoDuration = "P1Y2M3DT4H".parse().unwrap();
        assert_eq!(mixed.add_to(d(2020, 1, 1)), Some(Utc.with_ymd_and_hms(2021, 3, 4, 16, 0, 0).unwrap()));
        assert_eq!("P1W".parse::<IsoDuration>().unwrap().add_to(d(2020, 1, 1)), Some(d(2020, 1, 8)));
        assert_eq!(p1y.add_to(DateTime::<Utc>::MAX_UTC), None);
    }

    #[test]
    fn serde_as_string() {
        let v: IsoDuration = serde_json::from_str("\"P3Y\"").unwrap();
        assert_eq!(serde_json::to_string(&v).unwrap(), "\"P3Y\"");
        assert!(serde_json::from_str::<IsoDuration>("\"3 years\"").is_err());
    }
}
