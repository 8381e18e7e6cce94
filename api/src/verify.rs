//! Verification of a credential presented as a compact VC-JWT or as OB 3.0
//! JSON: signature, issuer, status, validity window and shape, one check
//! each. Shared by `POST /v1/verify`, imports and shares.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use cairn_domain::{CredentialId, OrgId};
use chrono::{DateTime, Utc};
use jsonwebtoken::jwk::{Jwk, JwkSet};
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use serde::Serialize;
use serde_json::Value;
use utoipa::ToSchema;

use crate::signing;
use crate::store::credentials::{self, CredentialStatus};
use crate::store::{DbConn, StoreResult, keys, trusted_issuers};

/// What was presented.
#[derive(Debug, Clone)]
pub enum Presented {
    Jwt(String),
    Json(Value),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Outcome {
    Pass,
    Fail,
    /// Could not be checked here (e.g. an external status list: the service
    /// has no network access to fetch it). Does not fail verification.
    Skipped,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Check {
    /// `signature`, `issuer`, `status`, `validity` or `schema`.
    pub check: &'static str,
    pub result: Outcome,
    pub detail: String,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Verification {
    /// True when no check failed.
    pub verified: bool,
    pub checks: Vec<Check>,
    /// The issuer's id as the credential states it.
    pub issuer: Option<String>,
    /// `cairn` (issued by an organisation of this service), `trusted` (an
    /// external issuer registered by an administrator) or `unknown`.
    pub issuer_kind: &'static str,
    /// The credential document that was checked (null when none could be read).
    #[schema(value_type = Option<Object>)]
    pub credential: Option<Value>,
}

fn check(name: &'static str, result: Outcome, detail: impl Into<String>) -> Check {
    Check { check: name, result, detail: detail.into() }
}

/// The OB 3.0 credential in a VC-JWT payload: the payload itself (VCDM 2.0)
/// or its `vc` claim (VCDM 1.1 style).
fn credential_of(claims: &Value) -> Value {
    claims.get("vc").cloned().unwrap_or_else(|| claims.clone())
}

fn issuer_of(doc: &Value) -> Option<String> {
    match doc.get("issuer") {
        Some(Value::String(id)) => Some(id.clone()),
        Some(Value::Object(profile)) => profile.get("id").and_then(Value::as_str).map(str::to_owned),
        _ => None,
    }
}

fn decode_payload(jwt: &str) -> Option<Value> {
    let mut parts = jwt.split('.');
    let (_, payload, _) = (parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some() {
        return None;
    }
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).ok()?).ok()
}

/// Parses a JWKS, refusing private keys and keys we cannot verify with.
pub fn parse_jwks(value: &Value) -> Result<Vec<Jwk>, String> {
    let set: JwkSet = serde_json::from_value(value.clone()).map_err(|e| format!("not a JWKS: {e}"))?;
    if set.keys.is_empty() {
        return Err("the JWKS has no keys".into());
    }
    let has_private = value["keys"].as_array().is_some_and(|keys| keys.iter().any(|k| k.get("d").is_some()));
    if has_private {
        return Err("the JWKS contains a private key; send public keys only".into());
    }
    for key in &set.keys {
        DecodingKey::from_jwk(key).map_err(|e| format!("unusable key: {e}"))?;
    }
    Ok(set.keys)
}

/// Where the signing key was found.
enum KeySource {
    Cairn { org: OrgId, key: DecodingKey },
    Trusted { name: String, keys: Vec<Jwk> },
    Unknown,
}

/// Runs every check. Blocking (database reads): call inside `Store::read`.
pub fn verify(conn: &mut DbConn, public_url: &str, presented: &Presented, now: DateTime<Utc>) -> StoreResult<Verification> {
    match presented {
        Presented::Jwt(jwt) => verify_jwt(conn, public_url, jwt.trim(), now),
        Presented::Json(doc) => verify_json(conn, public_url, doc, now),
    }
}

fn verify_jwt(conn: &mut DbConn, public_url: &str, jwt: &str, now: DateTime<Utc>) -> StoreResult<Verification> {
    let (Ok(header), Some(claims)) = (jsonwebtoken::decode_header(jwt), decode_payload(jwt)) else {
        return Ok(Verification {
            verified: false,
            checks: vec![check("signature", Outcome::Fail, "not a compact JWS (header.payload.signature)")],
            issuer: None,
            issuer_kind: "unknown",
            credential: None,
        });
    };
    let doc = credential_of(&claims);
    let issuer = issuer_of(&doc).or_else(|| claims.get("iss").and_then(Value::as_str).map(str::to_owned));
    let source = find_key(conn, public_url, header.kid.as_deref(), issuer.as_deref())?;
    let mut checks = Vec::new();

    let allowed = [Algorithm::ES256, Algorithm::ES384, Algorithm::EdDSA, Algorithm::RS256, Algorithm::PS256];
    let signature_ok = if !allowed.contains(&header.alg) {
        checks.push(check("signature", Outcome::Fail, format!("algorithm {:?} is not accepted", header.alg)));
        false
    } else {
        let mut validation = Validation::new(header.alg);
        validation.validate_exp = false;
        validation.validate_nbf = false;
        validation.validate_aud = false;
        validation.required_spec_claims.clear();
        let verifies = |key: &DecodingKey| jsonwebtoken::decode::<Value>(jwt, key, &validation).is_ok();
        let (ok, detail) = match &source {
            KeySource::Cairn { key, .. } => (verifies(key), "signed with the issuer's key published by this service"),
            KeySource::Trusted { keys, .. } => {
                let candidates = keys.iter().filter(|k| match (&header.kid, &k.common.key_id) {
                    (Some(kid), Some(key_id)) => kid == key_id || kid.ends_with(&format!("#{key_id}")),
                    _ => true,
                });
                let ok = candidates.filter_map(|k| DecodingKey::from_jwk(k).ok()).any(|k| verifies(&k));
                (ok, "signed with a key of a trusted external issuer")
            }
            KeySource::Unknown => (false, ""),
        };
        match (&source, ok) {
            (KeySource::Unknown, _) => checks.push(check("signature", Outcome::Fail, "no known key matches the token's kid and issuer")),
            (_, true) => checks.push(check("signature", Outcome::Pass, detail)),
            (_, false) => checks.push(check("signature", Outcome::Fail, "the signature does not verify: the credential was altered or signed with another key")),
        }
        ok
    };

    let issuer_kind = match &source {
        KeySource::Cairn { .. } => "cairn",
        KeySource::Trusted { .. } => "trusted",
        KeySource::Unknown => "unknown",
    };
    checks.push(match (&source, &issuer) {
        (KeySource::Cairn { org, .. }, Some(id)) if *id == signing::issuer_id(public_url, *org) => {
            check("issuer", Outcome::Pass, format!("issued by {id}, an institution of this service"))
        }
        (KeySource::Trusted { name, .. }, Some(id)) => check("issuer", Outcome::Pass, format!("{name} ({id}) is a trusted issuer")),
        (KeySource::Cairn { .. }, _) => check("issuer", Outcome::Fail, "the key does not belong to the issuer the credential names"),
        (_, Some(id)) => check("issuer", Outcome::Fail, format!("{id} is not an issuer this service knows")),
        (_, None) => check("issuer", Outcome::Fail, "the credential names no issuer"),
    });
    checks.extend(common_checks(conn, public_url, &doc, now)?);
    let verified = signature_ok && checks.iter().all(|c| c.result != Outcome::Fail);
    Ok(Verification { verified, checks, issuer, issuer_kind, credential: Some(doc) })
}

fn find_key(conn: &mut DbConn, public_url: &str, kid: Option<&str>, issuer: Option<&str>) -> StoreResult<KeySource> {
    let prefix = format!("{public_url}/v1/issuers/");
    if let Some(rest) = kid.and_then(|kid| kid.strip_prefix(&prefix))
        && let Some((org, thumbprint)) = rest.split_once("/jwks#")
        && let Ok(org) = org.parse::<OrgId>()
        && let Some(stored) = keys::by_thumbprint(conn, thumbprint)?
        && stored.org == org
        && let Ok(jwk) = signing::public_jwk(&stored.public_jwk, String::new())
        && let Ok(key) = DecodingKey::from_ec_components(&jwk.x, &jwk.y)
    {
        return Ok(KeySource::Cairn { org, key });
    }
    if let Some(issuer) = issuer
        && let Some(trusted) = trusted_issuers::find_by_issuer(conn, issuer)?
        && let Ok(keys) = parse_jwks(&trusted.jwks)
    {
        return Ok(KeySource::Trusted { name: trusted.name, keys });
    }
    Ok(KeySource::Unknown)
}

fn verify_json(conn: &mut DbConn, public_url: &str, doc: &Value, now: DateTime<Utc>) -> StoreResult<Verification> {
    let issuer = issuer_of(doc);
    // A JSON credential carries no signature Cairn can check unless it is
    // one this service issued: then it must equal the signed original.
    let ours = our_credential(conn, public_url, doc)?;
    let mut checks = Vec::new();
    let (signature_ok, issuer_kind) = match ours {
        Some(stored) if stored.ob3 == *doc => {
            checks.push(check("signature", Outcome::Pass, "identical to the credential this service issued and signed (VC-JWT)"));
            checks.push(check("issuer", Outcome::Pass, format!("issued by {}, an institution of this service", issuer.clone().unwrap_or_default())));
            (true, "cairn")
        }
        Some(_) => {
            checks.push(check("signature", Outcome::Fail, "differs from the credential this service issued under that id: altered"));
            checks.push(check("issuer", Outcome::Pass, "an institution of this service"));
            (false, "cairn")
        }
        None => {
            let detail = if doc.get("proof").is_some() {
                "embedded Data Integrity proofs are not verified by this service; present the VC-JWT instead"
            } else {
                "no signature: present the credential as a VC-JWT"
            };
            checks.push(check("signature", Outcome::Fail, detail));
            let known = match &issuer {
                Some(id) => trusted_issuers::find_by_issuer(conn, id)?.is_some(),
                None => false,
            };
            checks.push(if known {
                check("issuer", Outcome::Pass, "a trusted issuer")
            } else {
                check("issuer", Outcome::Fail, format!("{} is not an issuer this service knows", issuer.clone().unwrap_or_else(|| "the issuer".into())))
            });
            (false, if known { "trusted" } else { "unknown" })
        }
    };
    checks.extend(common_checks(conn, public_url, doc, now)?);
    let verified = signature_ok && checks.iter().all(|c| c.result != Outcome::Fail);
    Ok(Verification { verified, checks, issuer, issuer_kind, credential: Some(doc.clone()) })
}

/// The stored credential a document claims to be, when its issuer is one of
/// ours.
fn our_credential(conn: &mut DbConn, public_url: &str, doc: &Value) -> StoreResult<Option<credentials::Credential>> {
    let Some(id) = doc.get("id").and_then(Value::as_str).and_then(|id| id.strip_prefix("urn:uuid:")) else {
        return Ok(None);
    };
    let Ok(id) = id.parse::<CredentialId>() else { return Ok(None) };
    let found = credentials::find(conn, id)?;
    Ok(found.filter(|c| issuer_of(doc).is_some_and(|issuer| issuer == signing::issuer_id(public_url, c.org))))
}

/// Status, validity window and shape: the same for both presentations.
fn common_checks(conn: &mut DbConn, public_url: &str, doc: &Value, now: DateTime<Utc>) -> StoreResult<Vec<Check>> {
    let mut checks = Vec::new();
    let has_status = doc.get("credentialStatus").is_some();
    checks.push(match our_credential(conn, public_url, doc)? {
        Some(stored) => match stored.status {
            CredentialStatus::Active => check("status", Outcome::Pass, "active: neither revoked nor suspended"),
            CredentialStatus::Suspended => check("status", Outcome::Fail, "suspended by the issuer"),
            CredentialStatus::Revoked => check("status", Outcome::Fail, "revoked by the issuer"),
        },
        None if has_status => check("status", Outcome::Skipped, "the status list is hosted elsewhere and was not fetched"),
        None => check("status", Outcome::Pass, "the credential has no status entry (it cannot be revoked)"),
    });
    let parse = |field: &str| doc.get(field).and_then(Value::as_str).map(DateTime::parse_from_rfc3339);
    checks.push(match (parse("validFrom").or_else(|| parse("issuanceDate")), parse("validUntil").or_else(|| parse("expirationDate"))) {
        (Some(Err(_)), _) | (_, Some(Err(_))) => check("validity", Outcome::Fail, "validFrom or validUntil is not an RFC 3339 time"),
        (Some(Ok(from)), _) if from > now => check("validity", Outcome::Fail, format!("not valid before {from}")),
        (_, Some(Ok(until))) if until <= now => check("validity", Outcome::Fail, format!("expired at {until}")),
        (None, _) => check("validity", Outcome::Fail, "the credential has no validFrom"),
        _ => check("validity", Outcome::Pass, "within its validity window"),
    });
    let problems = cairn_domain::ob3::check_shape(doc);
    checks.push(if problems.is_empty() {
        check("schema", Outcome::Pass, "an Open Badges 3.0 OpenBadgeCredential with the required fields")
    } else {
        check("schema", Outcome::Fail, problems.join("; "))
    });
    Ok(checks)
}
