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

/// A credential's state for its holder: the issuer's status, or "expired"
/// once an active credential's validity has passed. The CSS class, then the
/// word shown.
pub fn credential_state(status: crate::store::credentials::CredentialStatus, expired: bool) -> (&'static str, &'static str) {
    use crate::store::credentials::CredentialStatus;
    match status {
        CredentialStatus::Revoked => ("revoked", "Revoked"),
        CredentialStatus::Suspended => ("suspended", "Suspended"),
        CredentialStatus::Active if expired => ("expired", "Expired"),
        CredentialStatus::Active => ("active", "Active"),
    }
}

/// What each verification check means, as a person would ask it.
pub fn check_name(check: &str) -> String {
    match check {
        "signature" => "Signature is genuine".to_owned(),
        "issuer" => "Issuer is known".to_owned(),
        "status" => "Not revoked or suspended".to_owned(),
        "validity" => "Not expired".to_owned(),
        "schema" => "Follows the Open Badges format".to_owned(),
        "holder" => "Issued to you".to_owned(),
        "format" => "Format can be checked".to_owned(),
        other => other.to_owned(),
    }
}

/// A check's result in words.
pub fn check_outcome(outcome: crate::services::verification::Outcome) -> &'static str {
    use crate::services::verification::Outcome;
    match outcome {
        Outcome::Pass => "passed",
        Outcome::Fail => "failed",
        Outcome::Skipped => "not checked",
    }
}

/// An OB 3.0 achievement type in words: "MicroCredential" → "Micro credential".
pub fn achievement_type(kind: &str) -> String {
    let kind = kind.strip_prefix("ext:").unwrap_or(kind);
    let mut words = String::new();
    for (i, c) in kind.chars().enumerate() {
        if c.is_uppercase() && i > 0 {
            words.push(' ');
            words.extend(c.to_lowercase());
        } else {
            words.push(c);
        }
    }
    words
}

/// "Level: intermediate".
pub fn level(level: &str) -> String {
    format!("level {level}")
}

/// "March 2021 – present", "March 2021 – June 2023".
pub fn span(start: chrono::NaiveDate, end: Option<chrono::NaiveDate>) -> String {
    let month = |d: chrono::NaiveDate| d.format("%B %Y").to_string();
    format!("{} – {}", month(start), end.map_or_else(|| "present".to_owned(), month))
}
