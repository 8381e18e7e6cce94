//! Phrases the pages build in code, in English, in one place so that a
//! translation has one file to follow: dates in the reader's terms and the
//! names of roles and states. Words fixed in the markup live in the
//! templates (`api/templates`).

use chrono::{DateTime, Utc};

/// "12 March 2024".
pub fn date(at: DateTime<Utc>) -> String {
    at.format("%-d %B %Y").to_string()
}

/// "in 3 months", "2 days ago", "today": how far `at` is from `now`.
pub fn relative(now: DateTime<Utc>, at: DateTime<Utc>) -> String {
    let days = (at - now).num_days();
    let (count, unit) = match days.unsigned_abs() {
        0 => return "today".to_owned(),
        d @ 1..=30 => (d, "day"),
        d @ 31..=364 => (d / 30, "month"),
        d => (d / 365, "year"),
    };
    let unit = if count == 1 { unit.to_owned() } else { format!("{unit}s") };
    if days > 0 { format!("in {count} {unit}") } else { format!("{count} {unit} ago") }
}

/// "expires in 3 months" / "expired 2 days ago" / "does not expire".
pub fn expiry(now: DateTime<Utc>, valid_until: Option<DateTime<Utc>>) -> String {
    match valid_until {
        None => "does not expire".to_owned(),
        Some(at) if at > now => format!("expires {} ({})", relative(now, at), date(at)),
        Some(at) => format!("expired {} ({})", relative(now, at), date(at)),
    }
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    fn day(y: i32, m: u32, d: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(y, m, d, 12, 0, 0).single().expect("a valid date")
    }

    #[test]
    fn dates_read_as_a_person_says_them() {
        assert_eq!(date(day(2024, 3, 12)), "12 March 2024");
        let now = day(2026, 1, 1);
        assert_eq!(relative(now, day(2026, 4, 2)), "in 3 months");
        assert_eq!(relative(now, day(2025, 12, 30)), "2 days ago");
        assert_eq!(relative(now, day(2026, 1, 2)), "in 1 day");
        assert_eq!(relative(now, now), "today");
        assert_eq!(relative(now, day(2023, 12, 1)), "2 years ago");
        assert_eq!(expiry(now, None), "does not expire");
        assert_eq!(expiry(now, Some(day(2025, 12, 1))), "expired 1 month ago (1 December 2025)");
    }
}
