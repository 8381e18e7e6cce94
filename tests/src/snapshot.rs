//! Response snapshots: [`redact`] makes a document independent of the run
//! (ids, times, tokens, signatures, the random port), and
//! [`assert_document!`](crate::assert_document) compares it with the
//! committed snapshot in `tests/e2e/snapshots/`.
//!
//! Ids become `[id-1]`, `[id-2]`, … in order of first appearance, so that
//! the snapshot still shows which ids are the same. Times within two days
//! of now (made by the run) become `[time]`, and so do `expires_at` (a
//! share's, from `in_days`); the fixed dates tests choose stay. Status-list
//! indexes are random per credential: `[index]`.
//!
//! To accept deliberately changed snapshots (no `cargo-insta` needed):
//! `INSTA_UPDATE=always cargo test -p cairn-tests --test e2e documents::`,
//! then review `git diff tests/e2e/snapshots`. Under `CI=true` insta never
//! writes: a missing or different snapshot fails.

use std::collections::HashMap;

use serde_json::Value;

use crate::app::TestApp;

/// Keys whose values are secrets or signatures: replaced whole.
const SECRETS: &[&str] = &["token", "claim_code", "jwt", "presentation", "proofValue", "access_token"];

/// The URL every snapshot shows in place of the service's random base.
pub const BASE: &str = "http://cairn.test";

/// `document` with everything that differs from run to run replaced.
pub fn redact(app: &TestApp, document: &Value) -> Value {
    let mut secrets = Vec::new();
    collect_secrets(document, &mut secrets);
    let mut ids = HashMap::new();
    redact_value(document, &app.base, &secrets, &mut ids)
}

fn collect_secrets(value: &Value, out: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            for (key, value) in map {
                match value {
                    Value::String(s) if SECRETS.contains(&key.as_str()) && s.len() >= 8 => out.push(s.clone()),
                    _ => collect_secrets(value, out),
                }
            }
        }
        Value::Array(items) => items.iter().for_each(|v| collect_secrets(v, out)),
        _ => {}
    }
}

fn redact_value(value: &Value, base: &str, secrets: &[String], ids: &mut HashMap<String, usize>) -> Value {
    match value {
        Value::Object(map) => Value::Object(
            map.iter()
                .map(|(key, value)| {
                    let value = match value {
                        Value::String(_) if SECRETS.contains(&key.as_str()) => Value::String(format!("[{key}]")),
                        _ => redact_value(value, base, secrets, ids),
                    };
                    (key.clone(), value)
                })
                .collect(),
        ),
        Value::Array(items) => Value::Array(items.iter().map(|v| redact_value(v, base, secrets, ids)).collect()),
        Value::String(s) => Value::String(redact_string(s, base, secrets, ids)),
        other => other.clone(),
    }
}

fn redact_string(s: &str, base: &str, secrets: &[String], ids: &mut HashMap<String, usize>) -> String {
    if is_recent_time(s) {
        return "[time]".to_owned();
    }
    let mut out = s.replace(base, BASE);
    // The did:web of the random base, and the keys' Multikeys (random per run).
    let did_base = format!("did:web:{}", base.trim_start_matches("http://").replace(':', "%3A"));
    out = out.replace(&did_base, "did:web:cairn.test");
    out = redact_multikeys(&out);
    for secret in secrets {
        out = out.replace(secret.as_str(), "[secret]");
    }
    let out = redact_status_index(&replace_jwts(&out));
    replace_uuids(&out, ids)
}

/// Ed25519 and P-256 Multikeys (`z6Mk…`, `zDn…`) become `[multikey]`.
fn redact_multikeys(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(at) = ["z6Mk", "zDn"].iter().filter_map(|p| rest.find(p)).min() {
        let tail = &rest[at..];
        let end = tail.find(|c: char| !c.is_ascii_alphanumeric()).unwrap_or(tail.len());
        out.push_str(&rest[..at]);
        out.push_str(if end >= 40 { "[multikey]" } else { &tail[..end] });
        rest = &tail[end..];
    }
    out.push_str(rest);
    out
}

/// A time the run made.
fn is_recent_time(s: &str) -> bool {
    chrono::DateTime::parse_from_rfc3339(s).is_ok_and(|t| (t.with_timezone(&chrono::Utc) - chrono::Utc::now()).num_hours().abs() < 48)
}

/// A status-list entry's id ends in its (random) index: `…/status-lists/<id>#[index]`.
fn redact_status_index(s: &str) -> String {
    match s.rsplit_once('#') {
        Some((list, index)) if list.contains("/status-lists/") && index.bytes().all(|b| b.is_ascii_digit()) => {
            format!("{list}#[index]")
        }
        _ => s.to_owned(),
    }
}

/// Compact JWS (`eyJ…​.…​.…`) inside a string, e.g. in a `data:` URL.
fn replace_jwts(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(start) = rest.find("eyJ") {
        out.push_str(&rest[..start]);
        let tail = &rest[start..];
        let end = tail.find(|c: char| !(c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))).unwrap_or(tail.len());
        let candidate = &tail[..end];
        if candidate.matches('.').count() == 2 {
            out.push_str("[jwt]");
        } else {
            out.push_str(candidate);
        }
        rest = &tail[end..];
    }
    out.push_str(rest);
    out
}

/// UUIDs (8-4-4-4-12 hex) inside a string, numbered by first appearance.
fn replace_uuids(s: &str, ids: &mut HashMap<String, usize>) -> String {
    let bytes = s.as_bytes();
    let mut out = String::with_capacity(s.len());
    let mut i = 0;
    let mut copied = 0;
    while i + 36 <= bytes.len() {
        if is_uuid(&bytes[i..i + 36]) {
            out.push_str(&s[copied..i]);
            let next = ids.len() + 1;
            let n = *ids.entry(s[i..i + 36].to_ascii_lowercase()).or_insert(next);
            out.push_str(&format!("[id-{n}]"));
            i += 36;
            copied = i;
        } else {
            i += 1;
        }
    }
    out.push_str(&s[copied..]);
    out
}

fn is_uuid(candidate: &[u8]) -> bool {
    candidate.iter().enumerate().all(|(i, b)| match i {
        8 | 13 | 18 | 23 => *b == b'-',
        _ => b.is_ascii_hexdigit(),
    })
}

/// Compares a redacted document with its committed snapshot
/// (`tests/e2e/snapshots/`): `assert_document!(app, "credential", &body)`.
#[macro_export]
macro_rules! assert_document {
    ($app:expr, $name:expr, $document:expr) => {{
        let redacted = $crate::snapshot::redact(&$app, $document);
        ::insta::with_settings!({
            snapshot_path => concat!(env!("CARGO_MANIFEST_DIR"), "/e2e/snapshots"),
            prepend_module_to_snapshot => false,
            sort_maps => true,
        }, {
            ::insta::assert_json_snapshot!($name, redacted, {
                ".**.statusListIndex" => "[index]",
                ".**.status_lists.index" => "[index]",
                ".**.expires_at" => "[time]",
            });
        });
    }};
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_numbered_by_first_appearance_inside_strings_too() {
        let mut ids = HashMap::new();
        let a = "018f0000-0000-7000-8000-00000000000a";
        let b = "018F0000-0000-7000-8000-00000000000B";
        assert_eq!(replace_uuids(&format!("urn:uuid:{a}"), &mut ids), "urn:uuid:[id-1]");
        assert_eq!(replace_uuids(&format!("/v1/x/{b}/y/{a}"), &mut ids), "/v1/x/[id-2]/y/[id-1]");
        assert_eq!(replace_uuids("not-a-uuid-0000", &mut ids), "not-a-uuid-0000");
    }

    #[test]
    fn jwts_and_status_indexes_are_redacted_and_other_text_stays() {
        assert_eq!(replace_jwts("data:application/vc+jwt,eyJhbGc.eyJzdWI.c2ln"), "data:application/vc+jwt,[jwt]");
        assert_eq!(replace_jwts("eyJonly.one-dot"), "eyJonly.one-dot");
        assert_eq!(redact_status_index("http://h/v1/status-lists/x#90237"), "http://h/v1/status-lists/x#[index]");
        assert_eq!(redact_status_index("http://h/v1/achievements/x#part"), "http://h/v1/achievements/x#part");
    }

    #[test]
    fn only_times_near_now_count_as_made_by_the_run() {
        assert!(is_recent_time(&chrono::Utc::now().to_rfc3339()));
        assert!(!is_recent_time("2025-03-01T10:00:00Z"));
        assert!(!is_recent_time("2025-03-01"));
    }
}
