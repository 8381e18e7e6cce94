//! The status of a credential whose `credentialStatus` entries point at
//! status lists hosted elsewhere (W3C Bitstring Status List, and the older
//! StatusList2021 that Open edX issues): fetch each list credential (the
//! cache first), check that its issuer is the credential's and that its
//! signature verifies, and read the entry's bits.
//!
//! A list that cannot be fetched, read or trusted makes the entry
//! [`EntryStatus::Unknown`], never "not revoked". The list signature is
//! checked by the caller's `verify_list` (the keys it trusts live with
//! verification); fetching runs before any store transaction, so no lock
//! is held while a server is slow.

use std::collections::HashMap;
use std::io::Read;
use std::time::Duration;

use base64::Engine;
use base64::alphabet;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
use chrono::{DateTime, Utc};
use serde_json::Value;

use crate::fetch::{Cache, Fetch, FetchError, Fetched};

/// What the list credentials are asked for.
pub const ACCEPT: &str = "application/vc+jwt, application/vc+ld+json, application/json";
/// How long a list is kept when it states no `ttl`.
pub const DEFAULT_TTL: Duration = Duration::from_secs(5 * 60);
/// The longest a list is kept, whatever its `ttl` says.
const MAX_TTL: Duration = Duration::from_secs(24 * 60 * 60);
/// The largest decompressed bitstring read (16 Mi entries), against GZIP bombs.
const MAX_BITSTRING: usize = cairn_domain::status_list::MAX_BYTES;

/// The two entry types understood, and the list credential type each needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EntryKind {
    Bitstring,
    StatusList2021,
}

impl EntryKind {
    fn list_type(self) -> &'static str {
        match self {
            EntryKind::Bitstring => "BitstringStatusListCredential",
            EntryKind::StatusList2021 => "StatusList2021Credential",
        }
    }
}

/// One `credentialStatus` entry that points elsewhere.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatusEntry {
    /// The entry's `type` as written.
    pub entry_type: String,
    /// `None`: a type this service does not understand.
    pub kind: Option<EntryKind>,
    /// `statusListCredential`: the list's URL.
    pub list: String,
    pub index: Option<u64>,
    /// `revocation`, `suspension`, `message`, …
    pub purpose: String,
    /// Bits per entry (`statusSize`, Bitstring only; 1 otherwise).
    pub size: u32,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EntryStatus {
    Revoked,
    Suspended,
    Active,
    Unknown(String),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EntryResult {
    pub entry: StatusEntry,
    pub status: EntryStatus,
}

/// The verdict on a list credential's signature, given by the caller.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ListSignature {
    Verified,
    /// Signed, but the signature does not verify.
    Invalid(String),
    /// Not signed, or signed in a way (or with a key) that cannot be checked here.
    Unverifiable(String),
}

/// What the credential's status entries say, all taken together.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Summary {
    /// No entry points elsewhere.
    NoExternalEntries,
    Revoked {
        list: String,
    },
    Suspended {
        list: String,
    },
    Unknown {
        list: String,
        reason: String,
    },
    Active {
        lists: Vec<String>,
    },
}

/// The status entries of `doc` that are not this service's lists.
pub fn external_entries(doc: &Value, public_url: &str) -> Vec<StatusEntry> {
    let ours = format!("{public_url}/v1/status-lists/");
    let entries = match doc.get("credentialStatus") {
        Some(Value::Array(entries)) => entries.iter().collect(),
        Some(entry @ Value::Object(_)) => vec![entry],
        _ => Vec::new(),
    };
    entries
        .into_iter()
        .filter_map(|entry| {
            let list = entry.get("statusListCredential").and_then(Value::as_str).unwrap_or_default().to_owned();
            if list.starts_with(&ours) {
                return None;
            }
            let entry_type = entry.get("type").and_then(Value::as_str).unwrap_or("(no type)").to_owned();
            let kind = match entry_type.as_str() {
                "BitstringStatusListEntry" => Some(EntryKind::Bitstring),
                "StatusList2021Entry" => Some(EntryKind::StatusList2021),
                _ => None,
            };
            let index = match entry.get("statusListIndex") {
                Some(Value::String(index)) => index.trim().parse().ok(),
                Some(Value::Number(index)) => index.as_u64(),
                _ => None,
            };
            let size = match (kind, entry.get("statusSize")) {
                (Some(EntryKind::Bitstring), Some(size)) => {
                    size.as_u64().or_else(|| size.as_str()?.parse().ok()).and_then(|s| u32::try_from(s).ok()).unwrap_or(0)
                }
                _ => 1,
            };
            let purpose = entry.get("statusPurpose").and_then(Value::as_str).unwrap_or_default().to_owned();
            Some(StatusEntry { entry_type, kind, list, index, purpose, size })
        })
        .collect()
}

/// The list documents fetched for one verification, by URL: the fetched
/// body, or why it could not be had.
#[derive(Debug, Clone, Default)]
pub struct Lists(HashMap<String, Result<Fetched, String>>);

/// Fetches the lists `entries` name (each once), from `cache` when it holds
/// them. A list that parses is cached for its `ttl` (ms, Bitstring Status
/// List) or [`DEFAULT_TTL`]. Blocking: run it off the executor, outside any
/// store transaction.
pub fn fetch_lists(fetcher: &dyn Fetch, cache: &Cache<Fetched>, entries: &[StatusEntry]) -> Lists {
    let mut lists = HashMap::new();
    for entry in entries.iter().filter(|e| e.kind.is_some()) {
        if lists.contains_key(&entry.list) {
            continue;
        }
        let fetched = match cache.get(&entry.list) {
            Some(hit) => Ok(hit),
            None => fetcher.get(&entry.list, ACCEPT).map_err(|e| fetch_reason(&e)).inspect(|fetched| {
                if let Ok(list) = ListCredential::parse(fetched) {
                    cache.insert(&entry.list, fetched.clone(), list.ttl());
                }
            }),
        };
        lists.insert(entry.list.clone(), fetched);
    }
    Lists(lists)
}

fn fetch_reason(error: &FetchError) -> String {
    match error {
        FetchError::Status(code) => format!("the server answered {code}"),
        other => other.to_string(),
    }
}

/// A list credential as fetched: the signed form (a compact VC-JWT, or the
/// JSON with its embedded proof) and the credential it carries.
struct ListCredential {
    /// What `verify_list` is given: the JWT as a JSON string, or the JSON.
    secured: Value,
    credential: Value,
}

impl ListCredential {
    fn parse(fetched: &Fetched) -> Result<Self, String> {
        let text = std::str::from_utf8(&fetched.body).map_err(|_| "the status list is not text".to_owned())?.trim();
        if text.starts_with('{') {
            let credential: Value = serde_json::from_str(text).map_err(|e| format!("the status list is not JSON: {e}"))?;
            return Ok(ListCredential { secured: credential.clone(), credential });
        }
        let payload =
            text.split('.').nth(1).filter(|_| text.split('.').count() == 3).ok_or("the status list is neither JSON nor a compact VC-JWT")?;
        let payload =
            base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(payload).map_err(|_| "the status list's JWT payload is not base64url")?;
        let claims: Value = serde_json::from_slice(&payload).map_err(|e| format!("the status list's JWT payload is not JSON: {e}"))?;
        // VCDM 2.0 puts the credential in the payload; VCDM 1.1 in `vc`.
        let credential = claims.get("vc").cloned().unwrap_or(claims);
        Ok(ListCredential { secured: Value::String(text.to_owned()), credential })
    }

    fn subject(&self) -> &Value {
        match self.credential.get("credentialSubject") {
            Some(Value::Array(subjects)) => subjects.first().unwrap_or(&Value::Null),
            Some(subject) => subject,
            None => &Value::Null,
        }
    }

    fn ttl(&self) -> Duration {
        let ttl = self.subject().get("ttl").or_else(|| self.credential.get("ttl")).and_then(Value::as_u64);
        ttl.map_or(DEFAULT_TTL, Duration::from_millis).min(MAX_TTL)
    }

    fn issuer(&self) -> Option<&str> {
        match self.credential.get("issuer") {
            Some(Value::String(id)) => Some(id),
            Some(Value::Object(profile)) => profile.get("id").and_then(Value::as_str),
            _ => None,
        }
    }
}

/// Reads every entry from its fetched list. `issuer` is the credential's
/// issuer, which every list must share; `verify_list` judges a list's
/// signature; `now` is the instant of the verification.
pub fn check_entries(
    entries: &[StatusEntry],
    lists: &Lists,
    issuer: Option<&str>,
    now: DateTime<Utc>,
    verify_list: &dyn Fn(&Value) -> ListSignature,
) -> Vec<EntryResult> {
    entries
        .iter()
        .map(|entry| EntryResult {
            entry: entry.clone(),
            status: check_entry(entry, lists, issuer, now, verify_list).unwrap_or_else(EntryStatus::Unknown),
        })
        .collect()
}

fn check_entry(
    entry: &StatusEntry,
    lists: &Lists,
    issuer: Option<&str>,
    now: DateTime<Utc>,
    verify_list: &dyn Fn(&Value) -> ListSignature,
) -> Result<EntryStatus, String> {
    let kind = entry.kind.ok_or_else(|| format!("status entries of type {} are not supported", entry.entry_type))?;
    let index = entry.index.ok_or("the entry's statusListIndex is not a number")?;
    if !(1..=8).contains(&entry.size) {
        return Err("the entry's statusSize is not between 1 and 8".into());
    }
    let fetched = match lists.0.get(&entry.list) {
        Some(Ok(fetched)) => fetched,
        Some(Err(reason)) => return Err(format!("the status list could not be fetched: {reason}")),
        None => return Err("the status list was not fetched".into()),
    };
    let list = ListCredential::parse(fetched)?;
    if !has_type(&list.credential, kind.list_type()) {
        return Err(format!("the status list is not a {}", kind.list_type()));
    }
    match (list.issuer(), issuer) {
        (Some(list_issuer), Some(issuer)) if list_issuer == issuer => {}
        (list_issuer, issuer) => {
            return Err(format!(
                "the status list is issued by {}, not by the credential's issuer {}",
                list_issuer.unwrap_or("nobody"),
                issuer.unwrap_or("(none)")
            ));
        }
    }
    match verify_list(&list.secured) {
        ListSignature::Verified => {}
        ListSignature::Invalid(why) => return Err(format!("the status list's signature does not verify ({why})")),
        ListSignature::Unverifiable(why) => return Err(format!("the status list's signature cannot be checked ({why})")),
    }
    if let Some(until) = list.credential.get("validUntil").and_then(Value::as_str).and_then(|t| DateTime::parse_from_rfc3339(t).ok())
        && until <= now
    {
        return Err(format!("the status list expired at {until}"));
    }
    let subject = list.subject();
    let purposes = match subject.get("statusPurpose") {
        Some(Value::String(purpose)) => vec![purpose.as_str()],
        Some(Value::Array(purposes)) => purposes.iter().filter_map(Value::as_str).collect(),
        _ => Vec::new(),
    };
    if !purposes.contains(&entry.purpose.as_str()) {
        return Err(format!("the status list is for {}, the entry for {}", purposes.join(", "), entry.purpose));
    }
    let encoded = subject.get("encodedList").and_then(Value::as_str).ok_or("the status list has no encodedList")?;
    let bits = decode_bitstring(encoded)?;
    let value = read_value(&bits, index, entry.size).ok_or_else(|| format!("index {index} is beyond the end of the status list"))?;
    Ok(match (entry.purpose.as_str(), value) {
        (_, 0) => EntryStatus::Active,
        ("revocation", _) => EntryStatus::Revoked,
        ("suspension", _) => EntryStatus::Suspended,
        // A status message (or a purpose not defined) says nothing about validity.
        _ => EntryStatus::Active,
    })
}

fn has_type(doc: &Value, wanted: &str) -> bool {
    match doc.get("type") {
        Some(Value::String(t)) => t == wanted,
        Some(Value::Array(types)) => types.iter().any(|t| t.as_str() == Some(wanted)),
        _ => false,
    }
}

/// The GZIP-compressed bitstring of `encodedList`. Bitstring Status List
/// writes it multibase base64url without padding (`u` prefix);
/// StatusList2021 wrote "base64" and its implementations wrote base64url
/// without a prefix, so both alphabets are read, padded or not.
fn decode_bitstring(encoded: &str) -> Result<Vec<u8>, String> {
    let lenient = GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent);
    let url_safe = GeneralPurpose::new(&alphabet::URL_SAFE, lenient);
    let standard = GeneralPurpose::new(&alphabet::STANDARD, lenient);
    let decode = |text: &str| url_safe.decode(text).or_else(|_| standard.decode(text)).ok();
    // A GZIP stream starts 1f 8b, "H4sI" in base64: a leading `u` before it is the multibase prefix.
    let body = encoded.strip_prefix('u').filter(|rest| rest.starts_with("H4s")).unwrap_or(encoded);
    let compressed = decode(body).ok_or("the status list's encodedList is not base64")?;
    let mut bits = Vec::new();
    flate2::read::GzDecoder::new(compressed.as_slice())
        .take(MAX_BITSTRING as u64 + 1)
        .read_to_end(&mut bits)
        .map_err(|_| "the status list's encodedList is not GZIP data")?;
    if bits.len() > MAX_BITSTRING {
        return Err(format!("the status list is larger than {MAX_BITSTRING} bytes"));
    }
    Ok(bits)
}

/// The `size`-bit value at entry `index`: index 0 starts at the left-most
/// (most significant) bit of the first byte.
fn read_value(bits: &[u8], index: u64, size: u32) -> Option<u8> {
    let first = index.checked_mul(u64::from(size))?;
    let mut value = 0u8;
    for position in first..first + u64::from(size) {
        let byte = bits.get(usize::try_from(position / 8).ok()?)?;
        let bit = (byte >> (7 - position % 8)) & 1;
        value = (value << 1) | bit;
    }
    Some(value)
}

/// Revoked before suspended before unknown before active: the first entry
/// that says the worst decides.
pub fn summarize(results: &[EntryResult]) -> Summary {
    if results.is_empty() {
        return Summary::NoExternalEntries;
    }
    let find = |wanted: fn(&EntryStatus) -> bool| results.iter().find(|r| wanted(&r.status));
    if let Some(r) = find(|s| *s == EntryStatus::Revoked) {
        return Summary::Revoked { list: r.entry.list.clone() };
    }
    if let Some(r) = find(|s| *s == EntryStatus::Suspended) {
        return Summary::Suspended { list: r.entry.list.clone() };
    }
    if let Some(r) = results.iter().find(|r| matches!(r.status, EntryStatus::Unknown(_))) {
        let reason = match &r.status {
            EntryStatus::Unknown(reason) => reason.clone(),
            _ => String::new(),
        };
        return Summary::Unknown { list: r.entry.list.clone(), reason };
    }
    let mut lists: Vec<String> = results.iter().map(|r| r.entry.list.clone()).collect();
    lists.sort();
    lists.dedup();
    Summary::Active { lists }
}

#[cfg(test)]
mod tests {
    use std::io::Write;
    use std::sync::Mutex;

    use serde_json::json;

    use super::*;

    const ISSUER: &str = "https://issuer.example";
    const LIST: &str = "https://issuer.example/status/1";

    fn gzip_b64(bytes: &[u8], prefix: &str, engine: &GeneralPurpose) -> String {
        let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        encoder.write_all(bytes).unwrap();
        format!("{prefix}{}", engine.encode(encoder.finish().unwrap()))
    }

    fn list_json(kind: &str, purpose: &str, encoded: &str, ttl: Option<u64>) -> Value {
        let mut subject = json!({ "type": kind.trim_end_matches("Credential"), "statusPurpose": purpose, "encodedList": encoded });
        if let Some(ttl) = ttl {
            subject["ttl"] = json!(ttl);
        }
        json!({ "type": ["VerifiableCredential", kind], "issuer": { "id": ISSUER }, "credentialSubject": subject, "proof": {} })
    }

    fn credential(entry_type: &str, purpose: &str, index: &str) -> Value {
        json!({ "issuer": ISSUER, "credentialStatus": [
            { "type": entry_type, "statusPurpose": purpose, "statusListIndex": index, "statusListCredential": LIST },
            { "type": "BitstringStatusListEntry", "statusPurpose": "revocation", "statusListIndex": "1", "statusListCredential": "https://cairn.test/v1/status-lists/ours" }
        ]})
    }

    struct Canned {
        body: Vec<u8>,
        hits: Mutex<u32>,
    }

    impl Fetch for Canned {
        fn get(&self, url: &str, accept: &str) -> Result<Fetched, FetchError> {
            assert_eq!(accept, ACCEPT);
            *self.hits.lock().unwrap() += 1;
            Ok(Fetched { url: url.to_owned(), content_type: None, body: self.body.clone() })
        }
    }

    fn run(doc: &Value, list: &Value, signature: ListSignature) -> (Vec<EntryResult>, u32) {
        let fetcher = Canned { body: serde_json::to_vec(list).unwrap(), hits: Mutex::new(0) };
        let cache = Cache::new(10);
        let entries = external_entries(doc, "https://cairn.test");
        let lists = fetch_lists(&fetcher, &cache, &entries);
        let results = check_entries(&entries, &lists, Some(ISSUER), Utc::now(), &|_| signature.clone());
        let again = fetch_lists(&fetcher, &cache, &entries);
        assert_eq!(again.0.len(), lists.0.len());
        let hits = *fetcher.hits.lock().unwrap();
        (results, hits)
    }

    #[test]
    fn bitstring_bits_are_read_from_the_left_and_cached() {
        let mut bits = vec![0u8; 16 * 1024];
        bits[0] = 0b0010_0000; // index 2
        let encoded = gzip_b64(&bits, "u", &base64::engine::general_purpose::URL_SAFE_NO_PAD);
        let list = list_json("BitstringStatusListCredential", "revocation", &encoded, Some(60_000));
        let (revoked, hits) = run(&credential("BitstringStatusListEntry", "revocation", "2"), &list, ListSignature::Verified);
        assert_eq!(revoked.len(), 1, "this service's own entry is not external");
        assert_eq!(revoked[0].status, EntryStatus::Revoked);
        assert_eq!(hits, 1, "the second verification reads the cache");
        let (active, _) = run(&credential("BitstringStatusListEntry", "revocation", "3"), &list, ListSignature::Verified);
        assert_eq!(active[0].status, EntryStatus::Active);
        assert_eq!(summarize(&active), Summary::Active { lists: vec![LIST.into()] });
    }

    #[test]
    fn status_list_2021_reads_base64_without_a_prefix() {
        let mut bits = vec![0u8; 16 * 1024];
        bits[1] = 0b1000_0000; // index 8
        for engine in [base64::engine::general_purpose::URL_SAFE_NO_PAD, base64::engine::general_purpose::STANDARD] {
            let list = list_json("StatusList2021Credential", "suspension", &gzip_b64(&bits, "", &engine), None);
            let (results, _) = run(&credential("StatusList2021Entry", "suspension", "8"), &list, ListSignature::Verified);
            assert_eq!(results[0].status, EntryStatus::Suspended);
        }
    }

    #[test]
    fn untrusted_or_mismatched_lists_are_unknown() {
        let encoded = gzip_b64(&vec![0xff; 16 * 1024], "u", &base64::engine::general_purpose::URL_SAFE_NO_PAD);
        let list = list_json("BitstringStatusListCredential", "revocation", &encoded, None);
        let doc = credential("BitstringStatusListEntry", "revocation", "5");
        let unknown = |results: &[EntryResult], needle: &str| matches!(&results[0].status, EntryStatus::Unknown(r) if r.contains(needle));
        let (results, _) = run(&doc, &list, ListSignature::Invalid("bad".into()));
        assert!(unknown(&results, "signature does not verify"), "{results:?}");
        let (results, _) = run(&doc, &list, ListSignature::Unverifiable("no key".into()));
        assert!(unknown(&results, "cannot be checked"), "{results:?}");
        let mut other_issuer = list.clone();
        other_issuer["issuer"] = json!("https://evil.example");
        let (results, _) = run(&doc, &other_issuer, ListSignature::Verified);
        assert!(unknown(&results, "not by the credential's issuer"), "{results:?}");
        let (results, _) = run(&credential("BitstringStatusListEntry", "suspension", "5"), &list, ListSignature::Verified);
        assert!(unknown(&results, "the entry for suspension"), "{results:?}");
        let (results, _) = run(&credential("BitstringStatusListEntry", "revocation", "999999999"), &list, ListSignature::Verified);
        assert!(unknown(&results, "beyond the end"), "{results:?}");
        let (results, _) = run(&credential("1EdTechRevocationList", "revocation", "5"), &list, ListSignature::Verified);
        assert!(unknown(&results, "not supported"), "{results:?}");
    }

    #[test]
    fn a_list_that_cannot_be_fetched_is_unknown_and_not_cached() {
        struct Down;
        impl Fetch for Down {
            fn get(&self, _: &str, _: &str) -> Result<Fetched, FetchError> {
                Err(FetchError::Status(500))
            }
        }
        let cache = Cache::new(10);
        let entries = external_entries(&credential("BitstringStatusListEntry", "revocation", "1"), "https://cairn.test");
        let lists = fetch_lists(&Down, &cache, &entries);
        let results = check_entries(&entries, &lists, Some(ISSUER), Utc::now(), &|_| ListSignature::Verified);
        assert_eq!(
            summarize(&results),
            Summary::Unknown { list: LIST.into(), reason: "the status list could not be fetched: the server answered 500".into() }
        );
        assert!(cache.is_empty());
    }

    #[test]
    fn multi_bit_entries_read_their_whole_value() {
        assert_eq!(read_value(&[0b0110_0000], 1, 2), Some(0b10));
        assert_eq!(read_value(&[0b0110_0000], 0, 2), Some(0b01));
        assert_eq!(read_value(&[0], 4, 2), None);
    }
}
