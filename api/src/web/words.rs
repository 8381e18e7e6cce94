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

/// "and 4 more" (achievements left off a pathway map).
pub fn more_achievements(count: usize) -> String {
    format!("and {count} more")
}

/// A pathway's status in words.
pub fn pathway_status(status: cairn_stacking::Status) -> &'static str {
    match status {
        cairn_stacking::Status::Complete => "complete",
        cairn_stacking::Status::InProgress => "in progress",
        cairn_stacking::Status::NotStarted => "not started",
    }
}

/// "2" or "3.5": a `have`/`need` measure as a number.
pub fn measure(m: &cairn_stacking::Measure) -> String {
    match m {
        cairn_stacking::Measure::Count(n) => n.to_string(),
        cairn_stacking::Measure::Credits(d) => d.normalize().to_string(),
    }
}

/// "2 of 3".
pub fn of(have: &str, need: &str) -> String {
    format!("{have} of {need}")
}

/// One requirement of a learner's explanation tree: "2 of 3
/// micro-credentials within 3 years: Coaching Basics (2023), Feedback
/// Loops (2024)". `used` names what counts here, with the award year.
pub fn requirement(e: &cairn_stacking::Explanation, used: &[(String, i32)]) -> String {
    let (have, need) = (measure(&e.have), measure(&e.need));
    let leaf = e.kind == "count" || e.kind == "credits";
    let mut text = if leaf && e.label.starts_with(&format!("{need} ")) {
        format!("{have} of {}", e.label)
    } else if e.kind == "pathway" {
        format!("{}: {}", e.label, if e.satisfied { "complete" } else { "not yet complete" })
    } else {
        format!("{}: {}", e.label, of(&have, &need))
    };
    if !used.is_empty() {
        let names: Vec<String> = used.iter().map(|(name, year)| format!("{name} ({year})")).collect();
        text.push_str(": ");
        text.push_str(&names.join(", "));
    }
    text.push_str(if e.satisfied { " — met" } else { " — not yet met" });
    text
}

/// One requirement of a rule, without a learner: "3 micro-credentials
/// within 3 years, from: A, B, C".
pub fn rule(e: &cairn_stacking::Explanation) -> String {
    if e.candidate_names.is_empty() {
        return e.label.clone();
    }
    format!("{}, from: {}", e.label, e.candidate_names.join(", "))
}

/// "MicroCredential" → "micro-credential".
pub fn achievement_type(t: &cairn_domain::AchievementType) -> String {
    let text = t.as_str();
    let text = text.strip_prefix("ext:").unwrap_or(text);
    let mut words = String::new();
    for (i, ch) in text.chars().enumerate() {
        if ch.is_uppercase() && i > 0 {
            words.push(' ');
        }
        words.extend(ch.to_lowercase());
    }
    words.replace("micro credential", "micro-credential")
}
