//! Open Badges 2.0 assertions: hosted ones are fetched from their own `id`
//! and must be what was presented, served from their issuer's origin;
//! signed ones are a JWS checked with a key their issuer's profile
//! publishes, and looked up in the issuer's revocation list. The BadgeClass
//! and the issuer Profile are fetched in both cases.
//!
//! Fetching happens before any store transaction ([`resolve`], blocking,
//! through the service's fetcher and its rules: timeout, size cap, no
//! private addresses); [`finish`] then adds what only the store knows (is
//! the issuer in the trusted-issuer registry?). An assertion proven to come
//! from its issuer is authentic; it verifies only when its issuer is also
//! trusted here.

use std::sync::Arc;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use serde_json::Value;
use url::Url;

use crate::fetch::{Fetch, FetchError};
use crate::services::PublicContext;
use crate::services::verification::{self, Check, Format, Outcome, Presented, Verdict, Verifiable, Verification};
use crate::state::AppState;
use crate::store::{DbConn, Store, StoreError, StoreResult, trusted_issuers};

/// What Open Badges 2.0 documents are asked for.
const ACCEPT: &str = "application/ld+json, application/json;q=0.9";

/// At most this many keys of an issuer profile are fetched.
const MAX_KEYS: usize = 4;

/// An Open Badges 2.0 assertion as presented.
#[derive(Debug, Clone)]
pub enum Assertion {
    /// The assertion's JSON; a hosted one is compared with its issuer's copy.
    Json(Value),
    /// A signed assertion: a compact JWS whose payload is the assertion.
    Jws(String),
    /// The URL of a hosted assertion.
    Url(String),
}

impl Assertion {
    /// The presentation as an OB 2.0 assertion, when it is one.
    pub fn of(presented: &Presented) -> Option<Self> {
        match (verification::recognise(presented), presented) {
            (Ok(Format::OpenBadges2), Presented::Json(doc)) => Some(Assertion::Json(doc.clone())),
            (Ok(Format::OpenBadges2), Presented::Jwt(jws)) => Some(Assertion::Jws(jws.trim().to_owned())),
            _ => None,
        }
    }
}

/// What fetching established; [`finish`] turns it into a verification.
#[derive(Debug, Clone)]
pub struct Resolved {
    /// Proven to come from its issuer (hosted there, or signed with its key).
    authentic: bool,
    signature: Check,
    /// Status, validity and schema.
    others: Vec<Check>,
    /// The issuer Profile's id.
    issuer: Option<String>,
    /// The assertion, with its BadgeClass and issuer Profile embedded.
    document: Option<Value>,
}

fn check(name: &'static str, result: Outcome, detail: impl Into<String>) -> Check {
    Check { check: name, result, detail: detail.into() }
}

impl Resolved {
    fn unverifiable(detail: impl Into<String>, document: Option<Value>, now: DateTime<Utc>) -> Self {
        let others = document.as_ref().map(|doc| vec![validity(doc, now)]).unwrap_or_default();
        Resolved { authentic: false, signature: check("signature", Outcome::Fail, detail), others, issuer: None, document }
    }
}

/// Verifies `assertion` at `now`: fetches off the executor, then reads the
/// registry.
pub async fn verify(store: &Store, fetcher: Arc<dyn Fetch>, assertion: Assertion, now: DateTime<Utc>) -> StoreResult<Verification> {
    let resolved = resolve_blocking(fetcher, assertion, now).await?;
    store.read(move |conn| finish(conn, resolved)).await
}

/// [`resolve`] on the blocking pool.
pub async fn resolve_blocking(fetcher: Arc<dyn Fetch>, assertion: Assertion, now: DateTime<Utc>) -> StoreResult<Resolved> {
    tokio::task::spawn_blocking(move || resolve(fetcher.as_ref(), assertion, now)).await.map_err(|e| StoreError::Join(e.to_string()))
}

/// `verification::verify_any`, with Open Badges 2.0 assertions fetched
/// from their issuers first (the store's path cannot fetch).
pub async fn verify_any(state: Arc<AppState>, ctx: PublicContext, what: Verifiable) -> StoreResult<Verdict> {
    if let Verifiable::Credential(presented) = &what
        && let Some(assertion) = Assertion::of(presented)
    {
        return Ok(Verdict::Credential(verify(&state.store, state.fetcher.clone(), assertion, ctx.now).await?));
    }
    verification::verify_any(state, ctx, what).await
}

/// Fetches what `assertion` points at and checks everything but the
/// issuer's standing here. Blocking.
pub fn resolve(fetcher: &dyn Fetch, assertion: Assertion, now: DateTime<Utc>) -> Resolved {
    match assertion {
        Assertion::Jws(jws) => signed(fetcher, &jws, now),
        Assertion::Url(url) => hosted(fetcher, &url, None, now),
        Assertion::Json(doc) => {
            if verification_type(&doc).is_some_and(is_signed_type) {
                return Resolved::unverifiable(
                    "a signed Open Badges 2.0 assertion verifies from its JWS: present the JWS (as `jwt`, or the baked image), not its JSON",
                    Some(doc),
                    now,
                );
            }
            match doc.get("id").and_then(Value::as_str) {
                Some(id) => {
                    let id = id.to_owned();
                    hosted(fetcher, &id, Some(doc), now)
                }
                None => Resolved::unverifiable("a hosted assertion must name the URL it is hosted at (`id`)", Some(doc), now),
            }
        }
    }
}

/// Adds the issuer check (the trusted-issuer registry) and the verdict.
pub fn finish(conn: &mut DbConn, resolved: Resolved) -> StoreResult<Verification> {
    let Resolved { authentic, signature, others, issuer, document } = resolved;
    let trusted = match &issuer {
        Some(id) => trusted_issuers::find_by_issuer(conn, id)?,
        None => None,
    };
    let issuer_check = match (&trusted, &issuer) {
        (Some(trusted), Some(id)) => check("issuer", Outcome::Pass, format!("{} ({id}) is a trusted issuer", trusted.name)),
        (None, Some(id)) if authentic => check(
            "issuer",
            Outcome::Fail,
            format!("{id} is not an issuer this service knows: the badge comes from it, but it is not a trusted issuer here"),
        ),
        (None, Some(id)) => check("issuer", Outcome::Fail, format!("{id} is not an issuer this service knows")),
        (_, None) => check("issuer", Outcome::Fail, "the issuer's profile could not be read"),
    };
    let mut checks = vec![signature, issuer_check];
    checks.extend(others);
    let verified = authentic && checks.iter().all(|c| c.result != Outcome::Fail);
    Ok(Verification { verified, checks, issuer, issuer_kind: if trusted.is_some() { "trusted" } else { "unknown" }, credential: document })
}

/// Why a document could not be had.
enum Unavailable {
    /// The server answered 410: for an assertion, revoked.
    Gone,
    Other(String),
}

/// Fetches `url` as JSON: the document and the URL it came from.
fn fetch_json(fetcher: &dyn Fetch, url: &str) -> Result<(Value, Url), Unavailable> {
    let parsed = Url::parse(url).map_err(|e| Unavailable::Other(format!("{url} is not a URL: {e}")))?;
    if !matches!(parsed.scheme(), "https" | "http") {
        return Err(Unavailable::Other(format!("{url} is not an http(s) URL")));
    }
    let fetched = fetcher.get(url, ACCEPT).map_err(|e| match e {
        FetchError::Status(410) => Unavailable::Gone,
        e => Unavailable::Other(format!("could not fetch {url}: {e}")),
    })?;
    let from = Url::parse(&fetched.url).unwrap_or(parsed);
    let doc = serde_json::from_slice(&fetched.body).map_err(|e| Unavailable::Other(format!("{url} did not answer JSON: {e}")))?;
    Ok((doc, from))
}

fn fetch_text(fetcher: &dyn Fetch, url: &str) -> Result<(Value, Url), String> {
    fetch_json(fetcher, url).map_err(|e| match e {
        Unavailable::Gone => format!("{url} is gone (410)"),
        Unavailable::Other(why) => why,
    })
}

fn str_at<'a>(doc: &'a Value, field: &str) -> Option<&'a str> {
    doc.get(field).and_then(Value::as_str)
}

fn verification_type(doc: &Value) -> Option<&str> {
    doc.pointer("/verification/type").and_then(Value::as_str)
}

fn is_signed_type(kind: &str) -> bool {
    kind.eq_ignore_ascii_case("signed") || kind.eq_ignore_ascii_case("SignedBadge")
}

fn is_hosted_type(kind: &str) -> bool {
    kind.eq_ignore_ascii_case("hosted") || kind.eq_ignore_ascii_case("HostedBadge")
}

/// A string or each string of an array.
fn strings(value: Option<&Value>) -> Vec<String> {
    match value {
        Some(Value::String(one)) => vec![one.clone()],
        Some(Value::Array(items)) => items.iter().filter_map(Value::as_str).map(str::to_owned).collect(),
        _ => Vec::new(),
    }
}

/// The BadgeClass and issuer Profile an assertion links to (fetched when
/// given as URLs). A fetched Profile must carry the id it was fetched at,
/// so a document cannot speak for another issuer.
fn linked(fetcher: &dyn Fetch, assertion: &Value) -> Result<(Value, Value), String> {
    let badge = match assertion.get("badge") {
        Some(Value::String(url)) => fetch_text(fetcher, url)?.0,
        Some(badge @ Value::Object(_)) => badge.clone(),
        _ => return Err("the assertion names no BadgeClass (`badge`)".into()),
    };
    let profile = match badge.get("issuer") {
        Some(Value::String(url)) => {
            let (profile, _) = fetch_text(fetcher, url)?;
            if str_at(&profile, "id") != Some(url.as_str()) {
                return Err(format!("the issuer profile fetched from {url} names another id"));
            }
            profile
        }
        Some(profile @ Value::Object(_)) => profile.clone(),
        _ => return Err("the BadgeClass names no issuer".into()),
    };
    Ok((badge, profile))
}

/// The assertion with its BadgeClass and Profile embedded, as stored.
fn embedded(assertion: &Value, badge: &Value, profile: &Value) -> Value {
    let mut document = assertion.clone();
    let mut badge = badge.clone();
    badge["issuer"] = profile.clone();
    document["badge"] = badge;
    document
}

fn hosted(fetcher: &dyn Fetch, url: &str, presented: Option<Value>, now: DateTime<Utc>) -> Resolved {
    let (hosted, served_from) = match fetch_json(fetcher, url) {
        Ok(found) => found,
        Err(Unavailable::Gone) => {
            let mut resolved = Resolved::unverifiable(format!("its issuer no longer hosts it: {url} answers 410 Gone"), presented, now);
            resolved.others.insert(0, check("status", Outcome::Fail, "revoked: the issuer answers 410 Gone for the assertion"));
            return resolved;
        }
        Err(Unavailable::Other(why)) => return Resolved::unverifiable(why, presented, now),
    };
    if str_at(&hosted, "id") != Some(url) {
        return Resolved::unverifiable(format!("the assertion fetched from {url} names another id"), presented, now);
    }
    if let Some(presented) = &presented
        && *presented != hosted
    {
        let mut resolved =
            Resolved::unverifiable(format!("differs from the assertion its issuer hosts at {url}: altered"), Some(presented.clone()), now);
        // What the issuer says now still counts: a revoked badge says so.
        resolved.others.insert(0, revoked_flag(&hosted));
        return resolved;
    }
    if !verification_type(&hosted).is_some_and(is_hosted_type) {
        return Resolved::unverifiable("the hosted assertion's verification type is not `hosted`", Some(hosted), now);
    }
    let (badge, profile) = match linked(fetcher, &hosted) {
        Ok(found) => found,
        Err(why) => return Resolved::unverifiable(why, Some(hosted), now),
    };
    let issuer = str_at(&profile, "id").map(str::to_owned);
    let document = embedded(&hosted, &badge, &profile);
    if let Err(why) = on_issuer_origin(&served_from, &profile) {
        let mut resolved = Resolved::unverifiable(why, Some(document), now);
        resolved.issuer = issuer;
        return resolved;
    }
    let origin = served_from.origin().ascii_serialization();
    let detail = if presented.is_some() {
        format!("hosted by its issuer at {origin}: fetched and identical")
    } else {
        format!("hosted by its issuer at {origin}: fetched from {url}")
    };
    Resolved {
        authentic: true,
        signature: check("signature", Outcome::Pass, detail),
        others: vec![revoked_flag(&hosted), validity(&hosted, now), schema(&hosted, &badge, &profile)],
        issuer,
        document: Some(document),
    }
}

/// A hosted assertion's own word on revocation.
fn revoked_flag(hosted: &Value) -> Check {
    if hosted.get("revoked").and_then(Value::as_bool) == Some(true) {
        let reason = str_at(hosted, "revocationReason").map(|r| format!(": {r}")).unwrap_or_default();
        check("status", Outcome::Fail, format!("revoked by the issuer{reason}"))
    } else {
        check("status", Outcome::Pass, "not revoked: the issuer's hosted copy, fetched now, says so")
    }
}

/// OB 2.0 hosted verification: the assertion must be served from the
/// issuer's origin, unless the issuer's profile names the allowed origins
/// (`verification.allowedOrigins`, host names) and URL prefixes
/// (`verification.startsWith`) itself.
fn on_issuer_origin(served_from: &Url, profile: &Value) -> Result<(), String> {
    let policy = profile.get("verification");
    let allowed = strings(policy.and_then(|p| p.get("allowedOrigins")));
    let prefixes = strings(policy.and_then(|p| p.get("startsWith")));
    let issuer = str_at(profile, "id").and_then(|id| Url::parse(id).ok());
    let at = served_from.origin().ascii_serialization();
    if !prefixes.is_empty() && !prefixes.iter().any(|prefix| served_from.as_str().starts_with(prefix.as_str())) {
        return Err(format!("hosted at {served_from}, outside the URLs its issuer allows (verification.startsWith)"));
    }
    if allowed.is_empty() {
        return match issuer {
            Some(issuer) if issuer.origin() == served_from.origin() => Ok(()),
            Some(issuer) => Err(format!(
                "hosted at {at}, not on its issuer's origin ({}): it cannot be shown to come from its issuer",
                issuer.origin().ascii_serialization()
            )),
            None => Err("the issuer profile's id is not a URL, so the assertion's origin cannot be checked".into()),
        };
    }
    let host = served_from.host_str().unwrap_or_default();
    let host_port = served_from.port().map(|port| format!("{host}:{port}"));
    if allowed.iter().any(|a| a.eq_ignore_ascii_case(host) || host_port.as_deref().is_some_and(|hp| a.eq_ignore_ascii_case(hp))) {
        Ok(())
    } else {
        Err(format!("hosted at {at}, not on an origin its issuer allows (verification.allowedOrigins)"))
    }
}

fn decode_payload(jws: &str) -> Option<Value> {
    let mut parts = jws.split('.');
    let (_, payload, _) = (parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some() {
        return None;
    }
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).ok()?).ok()
}

/// A public key of an issuer: its id and PEM.
struct IssuerKey {
    id: Option<String>,
    pem: String,
}

/// The keys the issuer profile publishes (`publicKey`: CryptographicKey
/// objects or their URLs). A fetched key must carry the id it was fetched
/// at and name the issuer as its owner.
fn issuer_keys(fetcher: &dyn Fetch, profile: &Value) -> Result<Vec<IssuerKey>, String> {
    let issuer = str_at(profile, "id").unwrap_or_default();
    let entries = match profile.get("publicKey") {
        Some(Value::Array(entries)) => entries.clone(),
        Some(one) => vec![one.clone()],
        None => return Err(format!("its issuer {issuer} publishes no public key (`publicKey` in its profile)")),
    };
    let mut keys = Vec::new();
    for entry in entries.into_iter().take(MAX_KEYS) {
        let key = match entry {
            Value::String(url) => {
                let (key, _) = fetch_text(fetcher, &url)?;
                if str_at(&key, "id") != Some(url.as_str()) || str_at(&key, "owner").is_some_and(|owner| owner != issuer) {
                    return Err(format!("the key fetched from {url} is not {issuer}'s key {url}"));
                }
                key
            }
            key => key,
        };
        if let Some(pem) = str_at(&key, "publicKeyPem") {
            keys.push(IssuerKey { id: str_at(&key, "id").map(str::to_owned), pem: pem.to_owned() });
        }
    }
    if keys.is_empty() {
        return Err(format!("its issuer {issuer} publishes no key in PEM form (`publicKeyPem`)"));
    }
    Ok(keys)
}

const SIGNED_ALGORITHMS: [Algorithm; 8] =
    [Algorithm::RS256, Algorithm::RS384, Algorithm::RS512, Algorithm::PS256, Algorithm::PS384, Algorithm::PS512, Algorithm::ES256, Algorithm::ES384];

fn verifies_with(jws: &str, alg: Algorithm, pem: &str) -> bool {
    let key = match alg {
        Algorithm::ES256 | Algorithm::ES384 => DecodingKey::from_ec_pem(pem.as_bytes()),
        _ => DecodingKey::from_rsa_pem(pem.as_bytes()),
    };
    let Ok(key) = key else { return false };
    let mut validation = Validation::new(alg);
    validation.validate_exp = false;
    validation.validate_nbf = false;
    validation.validate_aud = false;
    validation.required_spec_claims.clear();
    jsonwebtoken::decode::<Value>(jws, &key, &validation).is_ok()
}

fn signed(fetcher: &dyn Fetch, jws: &str, now: DateTime<Utc>) -> Resolved {
    let (Ok(header), Some(assertion)) = (jsonwebtoken::decode_header(jws), decode_payload(jws)) else {
        return Resolved::unverifiable("not a compact JWS (header.payload.signature)", None, now);
    };
    if !verification_type(&assertion).is_some_and(is_signed_type) {
        return Resolved::unverifiable("the JWS holds an assertion whose verification type is not `signed`", Some(assertion), now);
    }
    if !SIGNED_ALGORITHMS.contains(&header.alg) {
        return Resolved::unverifiable(format!("algorithm {:?} is not accepted", header.alg), Some(assertion), now);
    }
    let (badge, profile) = match linked(fetcher, &assertion) {
        Ok(found) => found,
        Err(why) => return Resolved::unverifiable(why, Some(assertion), now),
    };
    let issuer = str_at(&profile, "id").map(str::to_owned);
    let document = embedded(&assertion, &badge, &profile);
    let failed = |why: String| Resolved { issuer: issuer.clone(), ..Resolved::unverifiable(why, Some(document.clone()), now) };
    let keys = match issuer_keys(fetcher, &profile) {
        Ok(keys) => keys,
        Err(why) => return failed(why),
    };
    // `creator` names the key; it must be one the profile publishes.
    let creator = assertion.pointer("/verification/creator").and_then(Value::as_str);
    let candidates: Vec<&IssuerKey> = keys.iter().filter(|k| creator.is_none_or(|c| k.id.as_deref() == Some(c))).collect();
    if candidates.is_empty() {
        return failed(format!("the signing key {} is not one its issuer's profile publishes", creator.unwrap_or_default()));
    }
    let Some(key) = candidates.into_iter().find(|k| verifies_with(jws, header.alg, &k.pem)) else {
        return failed("the signature does not verify with its issuer's key: the assertion was altered or signed with another key".into());
    };
    let key_name = key.id.clone().unwrap_or_else(|| "a key".into());
    Resolved {
        authentic: true,
        signature: check(
            "signature",
            Outcome::Pass,
            format!("signed with {key_name} published in its issuer's profile ({})", issuer.clone().unwrap_or_default()),
        ),
        others: vec![revocation_list(fetcher, &assertion, &profile), validity(&assertion, now), schema(&assertion, &badge, &profile)],
        issuer,
        document: Some(document),
    }
}

/// A signed assertion's status: the issuer profile's `revocationList`.
/// A list that cannot be fetched fails the check: a badge that counts must
/// be known not to be revoked.
fn revocation_list(fetcher: &dyn Fetch, assertion: &Value, profile: &Value) -> Check {
    let Some(url) = str_at(profile, "revocationList") else {
        return check("status", Outcome::Pass, "its issuer publishes no revocation list (the assertion cannot be revoked)");
    };
    let list = match fetch_text(fetcher, url) {
        Ok((list, _)) => list,
        Err(why) => return check("status", Outcome::Fail, format!("the issuer's revocation list could not be read: {why}")),
    };
    let ids: Vec<&str> = ["id", "uid"].iter().filter_map(|field| str_at(assertion, field)).collect();
    let entries = list.get("revokedAssertions").and_then(Value::as_array).cloned().unwrap_or_default();
    let hit = entries.iter().find(|entry| match entry {
        Value::String(id) => ids.contains(&id.as_str()),
        entry => ["id", "uid"].iter().filter_map(|field| str_at(entry, field)).any(|id| ids.contains(&id)),
    });
    match hit {
        Some(entry) => {
            let reason = str_at(entry, "revocationReason").map(|r| format!(": {r}")).unwrap_or_default();
            check("status", Outcome::Fail, format!("revoked by the issuer (on its revocation list {url}){reason}"))
        }
        None => check("status", Outcome::Pass, format!("not on its issuer's revocation list ({url})")),
    }
}

/// An OB 2.0 DateTime: RFC 3339, or ISO 8601 without an offset (UTC), or a
/// bare date.
fn ob2_time(text: &str) -> Option<DateTime<Utc>> {
    if let Ok(time) = DateTime::parse_from_rfc3339(text) {
        return Some(time.with_timezone(&Utc));
    }
    if let Ok(time) = NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M:%S%.f") {
        return Some(time.and_utc());
    }
    NaiveDate::parse_from_str(text, "%Y-%m-%d").ok().and_then(|d| d.and_hms_opt(0, 0, 0)).map(|t| t.and_utc())
}

/// `issuedOn` and `expires` as an instant, for the import record.
pub fn time_of(assertion: &Value, field: &str) -> Option<DateTime<Utc>> {
    str_at(assertion, field).and_then(ob2_time)
}

fn validity(assertion: &Value, now: DateTime<Utc>) -> Check {
    let parse = |field: &str| str_at(assertion, field).map(|t| ob2_time(t).ok_or(()));
    match (parse("issuedOn"), parse("expires")) {
        (Some(Err(())), _) | (_, Some(Err(()))) => check("validity", Outcome::Fail, "issuedOn or expires is not an ISO 8601 time"),
        (None, _) => check("validity", Outcome::Fail, "the assertion has no issuedOn"),
        (Some(Ok(issued)), _) if issued > now => check("validity", Outcome::Fail, format!("issued in the future ({issued})")),
        (_, Some(Ok(expires))) if expires <= now => check("validity", Outcome::Fail, format!("expired at {expires}")),
        (_, Some(Ok(expires))) => check("validity", Outcome::Pass, format!("issued, and valid until {expires}")),
        _ => check("validity", Outcome::Pass, "issued, and it does not expire"),
    }
}

fn has_type(doc: &Value, wanted: &[&str]) -> bool {
    strings(doc.get("type")).iter().any(|t| wanted.contains(&t.as_str()))
}

/// The fields Open Badges 2.0 requires of the three documents.
fn schema(assertion: &Value, badge: &Value, profile: &Value) -> Check {
    let mut problems = Vec::new();
    let mut require = |doc: &Value, what: &str, fields: &[&str]| {
        for field in fields {
            if doc.get(*field).is_none_or(Value::is_null) {
                problems.push(format!("the {what} has no `{field}`"));
            }
        }
    };
    require(assertion, "assertion", &["id", "type", "recipient", "badge", "verification", "issuedOn"]);
    require(badge, "BadgeClass", &["id", "type", "name", "description", "image", "criteria", "issuer"]);
    require(profile, "issuer profile", &["id", "type", "name"]);
    if !has_type(assertion, &["Assertion"]) {
        problems.push("the assertion's type is not Assertion".into());
    }
    if !has_type(badge, &["BadgeClass"]) {
        problems.push("the BadgeClass's type is not BadgeClass".into());
    }
    if !has_type(profile, &["Issuer", "Profile"]) {
        problems.push("the issuer profile's type is neither Issuer nor Profile".into());
    }
    if problems.is_empty() {
        check("schema", Outcome::Pass, "an Open Badges 2.0 Assertion, BadgeClass and issuer Profile with the required fields")
    } else {
        check("schema", Outcome::Fail, problems.join("; "))
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use serde_json::json;

    use super::*;
    use crate::fetch::Fetched;

    /// Documents by URL; anything else is a 404.
    struct Web(HashMap<String, (u16, Value)>);

    impl Fetch for Web {
        fn get(&self, url: &str, _accept: &str) -> Result<Fetched, FetchError> {
            match self.0.get(url) {
                Some((200, doc)) => {
                    Ok(Fetched { url: url.to_owned(), content_type: Some("application/json".into()), body: doc.to_string().into_bytes() })
                }
                Some((status, _)) => Err(FetchError::Status(*status)),
                None => Err(FetchError::Status(404)),
            }
        }
    }

    const ISSUER: &str = "https://issuer.example/profile";
    const BADGE: &str = "https://issuer.example/badges/1";
    const ASSERTION: &str = "https://issuer.example/assertions/1";

    fn now() -> DateTime<Utc> {
        DateTime::parse_from_rfc3339("2026-06-01T00:00:00Z").unwrap().with_timezone(&Utc)
    }

    fn assertion() -> Value {
        json!({
            "@context": "https://w3id.org/openbadges/v2", "type": "Assertion", "id": ASSERTION,
            "recipient": { "type": "email", "hashed": false, "identity": "ada@example.org" },
            "badge": BADGE, "verification": { "type": "hosted" }, "issuedOn": "2026-01-01T00:00:00Z",
        })
    }

    fn web(hosted: Value) -> Web {
        Web(HashMap::from([
            (ASSERTION.to_owned(), (200, hosted)),
            (
                BADGE.to_owned(),
                (
                    200,
                    json!({ "type": "BadgeClass", "id": BADGE, "name": "Charts", "description": "d", "image": "https://issuer.example/i.png",
                        "criteria": { "narrative": "n" }, "issuer": ISSUER }),
                ),
            ),
            (ISSUER.to_owned(), (200, json!({ "type": "Issuer", "id": ISSUER, "name": "Issuer" }))),
        ]))
    }

    fn result(resolved: &Resolved, name: &str) -> Outcome {
        std::iter::once(&resolved.signature).chain(&resolved.others).find(|c| c.check == name).unwrap().result
    }

    #[test]
    fn a_hosted_assertion_identical_to_its_issuers_copy_is_authentic() {
        let resolved = resolve(&web(assertion()), Assertion::Json(assertion()), now());
        assert!(resolved.authentic, "{resolved:?}");
        assert!(resolved.signature.detail.contains("fetched and identical"));
        assert_eq!(resolved.issuer.as_deref(), Some(ISSUER));
        assert_eq!(resolved.document.as_ref().unwrap()["badge"]["issuer"]["name"], "Issuer");
        for name in ["status", "validity", "schema"] {
            assert_eq!(result(&resolved, name), Outcome::Pass, "{name}: {resolved:?}");
        }
        let by_url = resolve(&web(assertion()), Assertion::Url(ASSERTION.into()), now());
        assert!(by_url.authentic);
    }

    #[test]
    fn altered_revoked_gone_or_foreign_assertions_are_not() {
        let mut altered = assertion();
        altered["issuedOn"] = json!("2025-01-01T00:00:00Z");
        let resolved = resolve(&web(assertion()), Assertion::Json(altered), now());
        assert!(!resolved.authentic);
        assert!(resolved.signature.detail.contains("altered"), "{resolved:?}");

        let mut revoked = assertion();
        revoked["revoked"] = json!(true);
        let resolved = resolve(&web(revoked.clone()), Assertion::Json(revoked), now());
        assert!(resolved.authentic);
        assert_eq!(result(&resolved, "status"), Outcome::Fail);

        let mut gone = web(assertion());
        gone.0.insert(ASSERTION.into(), (410, Value::Null));
        let resolved = resolve(&gone, Assertion::Json(assertion()), now());
        assert_eq!(result(&resolved, "status"), Outcome::Fail);

        // Hosted on another origin than its issuer's.
        let mut foreign = assertion();
        foreign["id"] = json!("https://elsewhere.example/a/1");
        let mut w = web(assertion());
        w.0.insert("https://elsewhere.example/a/1".into(), (200, foreign.clone()));
        let resolved = resolve(&w, Assertion::Json(foreign.clone()), now());
        assert!(!resolved.authentic);
        assert!(resolved.signature.detail.contains("not on its issuer's origin"), "{resolved:?}");
        // Unless the issuer allows that origin.
        w.0.insert(
            ISSUER.into(),
            (200, json!({ "type": "Issuer", "id": ISSUER, "name": "I", "verification": { "allowedOrigins": "elsewhere.example" } })),
        );
        assert!(resolve(&w, Assertion::Json(foreign), now()).authentic);

        let mut expired = assertion();
        expired["expires"] = json!("2026-02-01T00:00:00Z");
        let resolved = resolve(&web(expired.clone()), Assertion::Json(expired), now());
        assert_eq!(result(&resolved, "validity"), Outcome::Fail);
    }

    #[test]
    fn signed_assertions_verify_with_the_issuers_published_key() {
        use aws_lc_rs::encoding::AsDer;
        use aws_lc_rs::signature::{ECDSA_P256_SHA256_FIXED_SIGNING, EcdsaKeyPair, KeyPair};
        let rng = aws_lc_rs::rand::SystemRandom::new();
        let pkcs8 = EcdsaKeyPair::generate_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, &rng).unwrap();
        let pair = EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, pkcs8.as_ref()).unwrap();
        let private_pem =
            format!("-----BEGIN PRIVATE KEY-----\n{}\n-----END PRIVATE KEY-----\n", base64::engine::general_purpose::STANDARD.encode(pkcs8.as_ref()));
        let public_der = pair.public_key().as_der().unwrap();
        let public_pem = format!(
            "-----BEGIN PUBLIC KEY-----\n{}\n-----END PUBLIC KEY-----\n",
            base64::engine::general_purpose::STANDARD.encode(public_der.as_ref())
        );
        let key_url = "https://issuer.example/key";
        let mut signed_assertion = assertion();
        signed_assertion["id"] = json!("urn:uuid:2f1e2f5e-0000-4000-8000-000000000001");
        signed_assertion["verification"] = json!({ "type": "SignedBadge", "creator": key_url });
        let jws = jsonwebtoken::encode(
            &jsonwebtoken::Header::new(Algorithm::ES256),
            &signed_assertion,
            &jsonwebtoken::EncodingKey::from_ec_pem(private_pem.as_bytes()).unwrap(),
        )
        .unwrap();
        let mut w = web(Value::Null);
        let list = "https://issuer.example/revocations";
        w.0.insert(ISSUER.into(), (200, json!({ "type": "Issuer", "id": ISSUER, "name": "I", "publicKey": key_url, "revocationList": list })));
        w.0.insert(key_url.into(), (200, json!({ "type": "CryptographicKey", "id": key_url, "owner": ISSUER, "publicKeyPem": public_pem })));
        w.0.insert(list.into(), (200, json!({ "type": "RevocationList", "revokedAssertions": [] })));
        let resolved = resolve(&w, Assertion::Jws(jws.clone()), now());
        assert!(resolved.authentic, "{resolved:?}");
        assert_eq!(result(&resolved, "status"), Outcome::Pass);

        // Revoked: on the list.
        w.0.insert(list.into(), (200, json!({ "revokedAssertions": [{ "id": signed_assertion["id"], "revocationReason": "error" }] })));
        assert_eq!(result(&resolve(&w, Assertion::Jws(jws.clone()), now()), "status"), Outcome::Fail);

        // Altered payload: the signature fails.
        let mut parts: Vec<String> = jws.split('.').map(str::to_owned).collect();
        signed_assertion["issuedOn"] = json!("2020-01-01T00:00:00Z");
        parts[1] = URL_SAFE_NO_PAD.encode(signed_assertion.to_string());
        let resolved = resolve(&w, Assertion::Jws(parts.join(".")), now());
        assert!(!resolved.authentic);
        assert!(resolved.signature.detail.contains("does not verify"), "{resolved:?}");
    }
}
