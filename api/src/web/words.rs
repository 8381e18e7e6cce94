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

/// A message as a sentence: capitalised, with a full stop.
pub fn sentence(text: &str) -> String {
    let mut chars = text.trim().chars();
    let mut out: String = chars.next().map(|first| first.to_uppercase().chain(chars).collect()).unwrap_or_default();
    if !out.ends_with(['.', '!', '?']) {
        out.push('.');
    }
    out
}

/// The validity window a credential states.
#[derive(Debug, Clone, Copy, Default)]
pub struct Window {
    pub from: Option<DateTime<Utc>>,
    pub until: Option<DateTime<Utc>>,
}

/// The heading of a verification check.
pub fn check_label(check: &str) -> &'static str {
    match check {
        "signature" => "Signature",
        "issuer" => "Issuer",
        "status" => "Revocation and suspension",
        "validity" => "Validity dates",
        "schema" => "Open Badges format",
        "format" => "Format",
        "holder" => "Holder",
        _ => "Other check",
    }
}

/// What a check found, in words. `tampered`: the signature failed although
/// the issuer and its key are known, so the content is not what was signed.
pub fn check_summary(check: &str, result: crate::services::verification::Outcome, tampered: bool, detail: &str, window: Window) -> String {
    use crate::services::verification::Outcome;
    let failed = result == Outcome::Fail;
    let text = match (check, result) {
        (_, Outcome::Skipped) => "Not checked.",
        ("signature", Outcome::Pass) => "Valid: the credential is exactly as its issuer signed it.",
        ("signature", _) if detail.starts_with("no signature") => "Not signed: there is no signature or proof to check.",
        ("signature", _) if detail.starts_with("not a compact JWS") => "Unreadable: this is not a whole signed credential.",
        ("signature", _) if tampered => "Tampered: the credential was changed after its issuer signed it.",
        ("signature", _) => "Cannot be checked: the issuer is not one this service knows.",
        ("issuer", Outcome::Pass) => "A known issuer: an institution of this service, or one an administrator trusts.",
        ("issuer", _) => "Unknown or untrusted issuer.",
        ("status", Outcome::Pass) => "Neither revoked nor suspended.",
        ("status", _) if detail.contains("revoked") => return revoked(detail),
        ("status", _) if detail.contains("suspended") => "Suspended by its issuer.",
        ("validity", Outcome::Pass) => "Within its validity dates.",
        ("validity", _) if detail.starts_with("expired") => {
            return window.until.map_or_else(|| "Expired.".to_owned(), |until| format!("Expired on {}.", date(until)));
        }
        ("validity", _) if detail.starts_with("not valid before") => {
            return window.from.map_or_else(|| "Not yet valid.".to_owned(), |from| format!("Not yet valid: valid from {}.", date(from)));
        }
        ("schema", Outcome::Pass) => "A well-formed Open Badges credential.",
        ("schema", _) => "Not a well-formed Open Badges 3.0 credential.",
        ("format", _) => "This kind of credential cannot be verified here.",
        (_, Outcome::Pass) => "Passed.",
        _ if failed => "Failed.",
        _ => "Not checked.",
    };
    text.to_owned()
}

/// "Revoked on 2 December 2026." from the status check's detail, which
/// ends in the day of the revocation when it is known.
fn revoked(detail: &str) -> String {
    let day = detail.rsplit(" on ").next().and_then(|d| chrono::NaiveDate::parse_from_str(d.trim(), "%Y-%m-%d").ok());
    match day {
        Some(day) if detail.contains(" on ") => format!("Revoked on {}.", day.format("%-d %B %Y")),
        _ => "Revoked by its issuer.".to_owned(),
    }
}

/// A share request's status in words.
pub fn request_status(status: crate::store::shares::RequestStatus) -> &'static str {
    match status {
        crate::store::shares::RequestStatus::Pending => "Waiting for the learner's answer",
        crate::store::shares::RequestStatus::Granted => "Granted",
        crate::store::shares::RequestStatus::Declined => "Declined",
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

/// What a share shows, in words: "SQL Fundamentals, Statistics",
/// "credentials with the skills: …", "everything in the wallet".
pub fn share_scope(scope: &cairn_domain::sharing::ShareScope, name_of: impl Fn(&uuid::Uuid) -> Option<String>) -> String {
    use cairn_domain::sharing::ShareScope;
    match scope {
        ShareScope::All(_) => "Everything: every credential and employment record".to_owned(),
        ShareScope::Credentials(ids) => {
            let names: Vec<String> = ids.iter().map(|id| name_of(id).unwrap_or_else(|| "a credential no longer in the wallet".to_owned())).collect();
            let noun = if ids.len() == 1 { "Credential" } else { "Credentials" };
            format!("{noun}: {}", names.join(", "))
        }
        ShareScope::Skills(skills) => {
            let names: Vec<&str> = skills.iter().map(cairn_domain::skill::Skill::as_str).collect();
            format!("Credentials with the skills: {}", names.join(", "))
        }
    }
}

/// A share's state in words.
pub fn share_state(state: crate::services::sharing::ShareState) -> &'static str {
    use crate::services::sharing::ShareState;
    match state {
        ShareState::Active => "Active",
        ShareState::Expired => "Expired",
        ShareState::Revoked => "Revoked",
    }
}

/// "not opened yet", "opened once", "opened 3 times".
pub fn views(count: usize) -> String {
    match count {
        0 => "not opened yet".to_owned(),
        1 => "opened once".to_owned(),
        n => format!("opened {n} times"),
    }
}

/// "created 2 December 2026".
pub fn created(at: DateTime<Utc>) -> String {
    format!("created {}", date(at))
}

/// "7 days".
pub fn days(count: i64) -> String {
    if count == 1 { "1 day".to_owned() } else { format!("{count} days") }
}

/// A failed check of a shared credential, as a verifier needs it said:
/// "Revoked by the issuer on 2 December 2026".
pub fn failed_check(check: &str, detail: &str, window: Window) -> String {
    let on = detail
        .rsplit_once(" on ")
        .and_then(|(_, d)| chrono::NaiveDate::parse_from_str(d.trim(), "%Y-%m-%d").ok())
        .map(|d| format!(" on {}", d.format("%-d %B %Y")))
        .unwrap_or_default();
    match check {
        "status" if detail.contains("revoked") => format!("Revoked by the issuer{on}"),
        "status" if detail.contains("suspended") => format!("Suspended by the issuer{on}"),
        _ => format!("{}: {}", check_label(check), check_summary(check, crate::services::verification::Outcome::Fail, false, detail, window)),
    }
}

/// What an audit entry records, as the learner reads it.
pub fn audit_action(action: &str) -> &'static str {
    match action {
        "account.create" => "Created your account",
        "account.email_verify" => "Confirmed your e-mail address",
        "credential.issue" => "Issued you a credential",
        "credential.claim" => "Claimed a credential into your wallet",
        "credential.revoke" => "Revoked a credential of yours",
        "credential.suspend" => "Suspended a credential of yours",
        "credential.reinstate" => "Reinstated a credential of yours",
        "credential.import" => "Imported a credential into your wallet",
        "award.issue" => "Issued you an award",
        "award.revoke" => "Revoked an award of yours",
        "award.suspend" => "Suspended an award of yours",
        "award.reinstate" => "Reinstated an award of yours",
        "award.queue" => "Queued an award of yours for review",
        "award.approve" => "Approved an award of yours",
        "award.reject" => "Rejected an award of yours",
        "employment.add" => "Added an employment record",
        "employment.delete" => "Deleted an employment record",
        "employment.attest" => "Attested an employment record of yours",
        "share.create" => "Created a share link",
        "share.revoke" => "Revoked a share link",
        "share.view" => "Opened a share link of yours",
        "share_request.create" => "Asked you to share your record",
        "share_request.answer" => "Answered a share request",
        "discoverability.set" => "Changed whether employers can find you",
        "talent.match" => "Found you in talent search",
        _ => "Did something with your record",
    }
}

/// Who did it: "You", a person and their organisation, "Someone with the
/// link" (a share opened signed out) or the service itself.
pub fn audit_actor(action: &str, you: bool, person: Option<&str>, org: Option<&str>) -> String {
    match (you, person, org) {
        (true, _, _) => "You".to_owned(),
        (false, Some(person), Some(org)) => format!("{person} ({org})"),
        (false, Some(person), None) => person.to_owned(),
        (false, None, Some(org)) => org.to_owned(),
        (false, None, None) if action == "share.view" => "Someone with the link".to_owned(),
        (false, None, None) => "Cairn".to_owned(),
    }
}

/// "2 December 2026 (today)".
pub fn when(now: DateTime<Utc>, at: DateTime<Utc>) -> String {
    format!("{} ({})", date(at), relative(now, at))
}

/// How a pathway's awards are issued.
pub fn issuance(issuance: cairn_stacking::Issuance) -> &'static str {
    match issuance {
        cairn_stacking::Issuance::Automatic => "Awarded automatically",
        cairn_stacking::Issuance::Review => "Awarded after review",
    }
}

/// A JSON syntax error where a person can find it: "Not valid JSON: line
/// 3, column 5: expected `,` or `}`" (serde_json's message without its own
/// "at line … column …" tail).
pub fn json_syntax(line: usize, column: usize, message: &str) -> String {
    let what = message.split(" at line ").next().unwrap_or(message);
    format!("Not valid JSON: line {line}, column {column}: {what}")
}

/// What a background job does, as its page's heading.
pub fn job_kind(kind: &str) -> &'static str {
    match kind {
        "pathway_backfill" => "Awarding learners who complete the pathway",
        "dry_run_new" => "Dry run of a new pathway",
        "dry_run_change" => "Dry run of a changed pathway",
        _ => "Background job",
    }
}

/// Where a job is.
pub fn job_state(state: crate::store::jobs::JobState) -> &'static str {
    match state {
        crate::store::jobs::JobState::Queued => "Waiting to start",
        crate::store::jobs::JobState::Running => "Running",
        crate::store::jobs::JobState::Succeeded => "Done",
        crate::store::jobs::JobState::Failed => "Failed",
    }
}

/// "12 of 40", or "12" before the total is known.
pub fn job_progress(done: i64, total: Option<i64>) -> String {
    match total {
        Some(total) => format!("{done} of {total}"),
        None => done.to_string(),
    }
}

/// What an audit entry of an institution records, as its staff read it;
/// an action this version has no words for is shown by its name.
pub fn org_audit_action(action: &str) -> String {
    let words = match action {
        "org.create" => "Created the organisation",
        "achievement.create" => "Added an achievement to the catalog",
        "credential.issue" => "Issued a credential",
        "credential.claim" => "A learner claimed a credential",
        "credential.revoke" => "Revoked a credential",
        "credential.suspend" => "Suspended a credential",
        "credential.reinstate" => "Reinstated a credential",
        "trusted_issuer.add" => "Trusted an issuer",
        "pathway.register" => "Registered a pathway",
        "pathway.update" => "Changed a pathway (a new version)",
        "award.issue" => "Issued an award",
        "award.revoke" => "Revoked an award",
        "award.suspend" => "Suspended an award",
        "award.reinstate" => "Reinstated an award",
        "award.queue" => "Queued an award for review",
        "award.approve" => "Approved an award",
        "award.reject" => "Rejected an award",
        "employment.attest" => "Attested an employment record",
        "webhook.register" => "Registered a webhook endpoint",
        "webhook.disable" => "Disabled a webhook endpoint",
        _ => return action.to_owned(),
    };
    words.to_owned()
}

/// What a status change of the issued list did to one credential: the
/// CSS class, then the words ("Revoked", "Already revoked", why not).
pub fn bulk_outcome(outcome: &crate::services::issued::Outcome) -> (&'static str, String) {
    use crate::services::issued::Outcome;
    match outcome {
        Outcome::Changed { status, .. } => (status.as_str(), credential_state(*status, false).1.to_owned()),
        Outcome::Unchanged { status } => ("unknown", format!("Already {}", credential_state(*status, false).1.to_lowercase())),
        Outcome::Refused { error, .. } => ("failed", format!("Not changed: {}", sentence(&error.to_string()))),
        Outcome::NotFound => ("failed", "Not found among your institution's credentials".to_owned()),
        Outcome::Failed { .. } => ("failed", "Not changed: something went wrong; try again".to_owned()),
    }
}

/// An award a change moved: "Award Foundations Award: revoked".
pub fn cascaded(name: Option<&str>, status: crate::store::credentials::CredentialStatus) -> String {
    format!("Award {}: {}", name.unwrap_or("(an award)"), credential_state(status, false).1.to_lowercase())
}

/// The latest entry of a credential's history: "Suspended 2 December 2026 by Luis: reason".
pub fn history_entry(entry: &crate::store::issued::HistoryEntry) -> String {
    let issued = entry.reason == "issued";
    let what = match entry.status {
        _ if issued => "Issued",
        crate::store::credentials::CredentialStatus::Active => "Reinstated",
        status => credential_state(status, false).1,
    };
    let by = entry.actor_name.as_deref().map(|name| format!(" by {name}")).unwrap_or_default();
    let reason = if issued { String::new() } else { format!(": {}", entry.reason) };
    format!("{what} {}{by}{reason}", date(entry.at))
}

/// A catalog entry's state: "Issued" or "Retired on 2 December 2026".
pub fn catalog_state(retired_at: Option<DateTime<Utc>>) -> String {
    match retired_at {
        Some(at) => format!("Retired on {}", date(at)),
        None => "Issued".to_owned(),
    }
}

/// "beginner" → "Beginner".
pub fn capitalised(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// A batch row's outcome (`issued`, `valid` on a preview, `failed`).
pub fn batch_outcome(outcome: &str) -> &'static str {
    match outcome {
        "issued" => "Issued",
        "valid" => "Ready to issue",
        _ => "Not issued",
    }
}

/// What a preview or an upload's result says in one line.
pub fn batch_summary(preview: bool, good: usize, failed: usize) -> String {
    let rows = |n: usize| if n == 1 { "1 row".to_owned() } else { format!("{n} rows") };
    match (preview, failed) {
        (true, 0) => format!("{} ready to issue.", rows(good)),
        (true, _) => format!("{} ready to issue, {} with errors.", rows(good), rows(failed)),
        (false, 0) => format!("{} issued.", rows(good)),
        (false, _) => format!("{} issued, {} not issued.", rows(good), rows(failed)),
    }
}

/// A webhook event as the console names it.
pub fn webhook_event(name: &str) -> &'static str {
    match name {
        "credential.issued" => "A credential was issued",
        "credential.claimed" => "A credential was claimed",
        "credential.suspended" => "A credential was suspended",
        "credential.revoked" => "A credential was revoked",
        "credential.reinstated" => "A credential was reinstated",
        "award.earned" => "An award was earned",
        "review.queued" => "An award waits for review",
        "share_request.granted" => "A learner granted a share request",
        _ => "Another event",
    }
}

/// Where a webhook delivery is.
pub fn delivery_state(state: crate::store::webhooks::DeliveryState) -> &'static str {
    match state {
        crate::store::webhooks::DeliveryState::Pending => "Waiting to be sent",
        crate::store::webhooks::DeliveryState::Delivered => "Delivered",
        crate::store::webhooks::DeliveryState::Failed => "Failed",
    }
}

/// One attempt: "answered 503" or why no answer came.
pub fn attempt(status_code: Option<u16>, error: Option<&str>) -> String {
    match (status_code, error) {
        (Some(code), None) => format!("answered {code}"),
        (Some(code), Some(_)) => format!("answered {code} (not accepted)"),
        (None, Some(error)) => sentence(error),
        (None, None) => "no answer".to_owned(),
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

    #[test]
    fn a_revoked_check_names_the_day() {
        assert_eq!(failed_check("status", "revoked by the issuer on 2026-12-02", Window::default()), "Revoked by the issuer on 2 December 2026");
        assert_eq!(failed_check("status", "revoked by the issuer", Window::default()), "Revoked by the issuer");
        assert_eq!(views(0), "not opened yet");
        assert_eq!(views(3), "opened 3 times");
        assert_eq!(audit_actor("share.view", false, None, None), "Someone with the link");
    }

    #[test]
    fn console_phrases() {
        assert_eq!(json_syntax(3, 5, "expected `,` or `}` at line 3 column 5"), "Not valid JSON: line 3, column 5: expected `,` or `}`");
        assert_eq!(job_progress(12, Some(40)), "12 of 40");
        assert_eq!(job_progress(0, None), "0");
        assert_eq!(org_audit_action("credential.issue"), "Issued a credential");
        assert_eq!(org_audit_action("webhook.create"), "webhook.create");
    }

    #[test]
    fn webhook_attempts_say_what_happened() {
        assert_eq!(attempt(Some(204), None), "answered 204");
        assert_eq!(attempt(Some(500), Some("the endpoint answered 500")), "answered 500 (not accepted)");
        assert_eq!(webhook_event("award.earned"), "An award was earned");
    }
}
