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

use crate::services::dids::{self, DidResolver};
use crate::services::external_status::{self, ListSignature, Summary};
use crate::services::proof_check::{self, Trust};
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
    /// Could not be checked here (e.g. an external status list that could
    /// not be fetched or trusted; the detail says why). Does not fail
    /// verification.
    Skipped,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Check {
    /// `format` (only when the format cannot be verified here), `signature`,
    /// `issuer`, `status`, `validity`, `schema`, and `holder` for imports.
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

/// Input that is no credential at all: refused at the edge (422), never
/// stored as if it were one.
#[derive(Debug, thiserror::Error)]
#[error("not a credential: {0}")]
pub struct NotACredential(&'static str);

fn has_context(doc: &Value, needle: &str) -> bool {
    match doc.get("@context") {
        Some(Value::String(context)) => context.contains(needle),
        Some(Value::Array(contexts)) => contexts.iter().any(|c| c.as_str().is_some_and(|c| c.contains(needle))),
        _ => false,
    }
}

/// An Open Badges 2.0 assertion (its context, its shape, or its type).
pub fn is_ob2(doc: &Value) -> bool {
    has_context(doc, "w3id.org/openbadges/v2") || (doc.get("badge").is_some() && doc.get("recipient").is_some()) || has_type(doc, "Assertion")
}

/// What was presented, as far as it decides how (and whether) it can be
/// verified.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Format {
    /// A VCDM 2.0 VC-JWT: the credential is the payload.
    VcJwt,
    /// Credential JSON (checked against what this service issued, or
    /// reported as unsigned).
    Json,
    /// An Open Badges 2.0 assertion (hosted JSON, or a signed JWS): verified
    /// by fetching from its issuer (`services::ob2`), which this module
    /// does not do.
    OpenBadges2,
    /// A known format this service cannot verify yet; the reason says which.
    Unsupported(String),
}

/// Recognises the presentation, or refuses it as no credential at all.
pub fn recognise(presented: &Presented) -> Result<Format, NotACredential> {
    match presented {
        Presented::Jwt(jwt) => {
            let Some(claims) = decode_payload(jwt.trim()) else {
                // Reported by the signature check: "not a compact JWS".
                return Ok(Format::VcJwt);
            };
            if claims.get("vp").is_some() || has_type(&claims, "VerifiablePresentation") {
                return Err(NotACredential("this is a presentation; verify it with `{\"presentation\": \"<jwt>\"}`"));
            }
            if is_ob2(&claims) {
                return Ok(Format::OpenBadges2);
            }
            if claims.get("vc").is_some() {
                return Ok(Format::Unsupported(
                    "format not supported: W3C VC Data Model 1.1 JWT (the credential in a `vc` claim); \
                     Cairn verifies VC-JWTs whose payload is a VCDM 2.0 credential"
                        .into(),
                ));
            }
            if claims.get("@context").is_none() && claims.get("type").is_none() {
                return Err(NotACredential("the JWT's payload is not a Verifiable Credential (no `@context` or `type`)"));
            }
            Ok(Format::VcJwt)
        }
        Presented::Json(doc) => {
            if is_ob2(doc) {
                return Ok(Format::OpenBadges2);
            }
            if has_type(doc, "VerifiablePresentation") {
                return Err(NotACredential("this is a presentation, not a credential"));
            }
            if doc.get("@context").is_none() || !has_type(doc, "VerifiableCredential") {
                return Err(NotACredential(
                    "expected an Open Badges 3.0 / W3C Verifiable Credential (JSON with `@context` and type `VerifiableCredential`) or a compact VC-JWT",
                ));
            }
            Ok(Format::Json)
        }
    }
}

fn has_type(doc: &Value, wanted: &str) -> bool {
    match doc.get("type") {
        Some(Value::String(t)) => t == wanted,
        Some(Value::Array(types)) => types.iter().any(|t| t.as_str() == Some(wanted)),
        _ => false,
    }
}

/// Runs every check. Blocking (database reads): call inside `Store::read`.
/// Input that is no credential at all verifies as nothing; callers that
/// must refuse it call `recognise` first.
pub fn verify(conn: &mut DbConn, public_url: &str, presented: &Presented, now: DateTime<Utc>) -> StoreResult<Verification> {
    verify_with(conn, public_url, &dids::Offline, presented, now)
}

/// `verify`, resolving other services' DIDs with `resolver`.
pub fn verify_with(
    conn: &mut DbConn,
    public_url: &str,
    resolver: &dyn DidResolver,
    presented: &Presented,
    now: DateTime<Utc>,
) -> StoreResult<Verification> {
    let unsupported = match recognise(presented) {
        Ok(Format::Unsupported(reason)) => Some(reason),
        Ok(Format::OpenBadges2) => {
            Some("an Open Badges 2.0 assertion is verified by fetching it from its issuer, which this check does not do".into())
        }
        _ => None,
    };
    if let Some(reason) = unsupported {
        let doc = match presented {
            Presented::Jwt(jwt) => decode_payload(jwt.trim()),
            Presented::Json(doc) => Some(doc.clone()),
        };
        return Ok(Verification {
            verified: false,
            checks: vec![check("format", Outcome::Fail, reason)],
            issuer: doc.as_ref().and_then(issuer_of),
            issuer_kind: "unknown",
            credential: doc,
        });
    }
    match presented {
        Presented::Jwt(jwt) => verify_jwt(conn, public_url, jwt.trim(), now),
        Presented::Json(doc) if doc.get("proof").is_some() => verify_proof(conn, public_url, resolver, doc, now),
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
            (KeySource::Unknown, _) => checks.push(check(
                "signature",
                Outcome::Fail,
                match &issuer {
                    Some(id) => format!("cannot be checked: {id} is not an issuer this service knows, so no key of theirs is registered here"),
                    None => "cannot be checked: the credential names no issuer".to_owned(),
                },
            )),
            (_, true) => checks.push(check("signature", Outcome::Pass, detail)),
            (_, false) => {
                checks.push(check("signature", Outcome::Fail, "the signature does not verify: the credential was altered or signed with another key"))
            }
        }
        ok
    };

    let issuer_kind = match &source {
        KeySource::Cairn { .. } => "cairn",
        KeySource::Trusted { .. } => "trusted",
        KeySource::Unknown => "unknown",
    };
    checks.push(match (&source, &issuer) {
        (KeySource::Cairn { org, .. }, Some(id)) if signing::names_issuer(public_url, *org, id) => {
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

/// The embedded proof of a status list credential issued by `issuer`.
fn list_proof(source: &KeySource, list: &Value, issuer: Option<&str>) -> ListSignature {
    let info = match signing::data_integrity::proof_info(list) {
        Ok(info) => info,
        Err(e) => return ListSignature::Unverifiable(e.to_string()),
    };
    let controller = info.verification_method.split('#').next().unwrap_or_default();
    let keys: Vec<[u8; 32]> = match source {
        _ if info.verification_method.starts_with("did:key:") && Some(controller) == issuer => {
            signing::did::ed25519_from_did_key(&info.verification_method).into_iter().collect()
        }
        KeySource::Trusted { keys, .. } => keys
            .iter()
            .filter_map(|k| match &k.algorithm {
                jsonwebtoken::jwk::AlgorithmParameters::OctetKeyPair(p) => URL_SAFE_NO_PAD.decode(&p.x).ok()?.try_into().ok(),
                _ => None,
            })
            .collect(),
        _ => {
            return ListSignature::Unverifiable(format!(
                "the key {} is not the issuer's did:key nor a key registered for it",
                info.verification_method
            ));
        }
    };
    if keys.iter().any(|key| signing::data_integrity::verify(list, key).is_ok()) {
        ListSignature::Verified
    } else {
        ListSignature::Invalid("its Data Integrity proof does not verify: altered, or signed with another key".into())
    }
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

/// A JSON credential with an embedded Data Integrity proof.
fn verify_proof(conn: &mut DbConn, public_url: &str, resolver: &dyn DidResolver, doc: &Value, now: DateTime<Utc>) -> StoreResult<Verification> {
    let proof = proof_check::check_proof(conn, public_url, resolver, doc)?;
    let finding = |name, finding: proof_check::Finding| match finding {
        Ok(detail) => check(name, Outcome::Pass, detail),
        Err(detail) => check(name, Outcome::Fail, detail),
    };
    let issuer_kind = match proof.trust {
        Trust::Cairn(_) => "cairn",
        Trust::Trusted(_) => "trusted",
        Trust::Unknown => "unknown",
    };
    let mut checks = vec![finding("signature", proof.signature), finding("issuer", proof.issuer)];
    checks.extend(common_checks(conn, public_url, doc, now)?);
    let verified = proof.signature_ok && checks.iter().all(|c| c.result != Outcome::Fail);
    Ok(Verification { verified, checks, issuer: issuer_of(doc), issuer_kind, credential: Some(doc.clone()) })
}

/// A JSON credential without a proof: verifiable only as a copy of one this
/// service issued.
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
            checks.push(check(
                "signature",
                Outcome::Fail,
                "no signature: the JSON has no embedded proof; present the credential as a VC-JWT or with its proof",
            ));
            let known = match &issuer {
                Some(id) => trusted_issuers::find_by_issuer(conn, id)?.is_some(),
                None => false,
            };
            checks.push(if known {
                check("issuer", Outcome::Pass, "a trusted issuer")
            } else {
                check(
                    "issuer",
                    Outcome::Fail,
                    format!("{} is not an issuer this service knows", issuer.clone().unwrap_or_else(|| "the issuer".into())),
                )
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
    Ok(found.filter(|c| issuer_of(doc).is_some_and(|issuer| signing::names_issuer(public_url, c.org, &issuer))))
}

/// Status, validity window and shape: the same for both presentations.
fn common_checks(conn: &mut DbConn, public_url: &str, doc: &Value, now: DateTime<Utc>) -> StoreResult<Vec<Check>> {
    let stored = our_credential(conn, public_url, doc)?;
    let mut checks = match stored {
        // Revoked or suspended here: say since when (the latest status event).
        Some(c) if c.status != CredentialStatus::Active => {
            let since = credentials::latest_event_of(conn, c.id)?;
            let mut status = status_check(Some(c.status), true);
            if let Some(at) = since {
                status.detail = format!("{} on {}", status.detail, at.format("%Y-%m-%d"));
            }
            vec![status]
        }
        stored => vec![status_check(stored.map(|c| c.status), doc.get("credentialStatus").is_some())],
    };
    checks.extend(window_and_shape(doc, now));
    Ok(checks)
}

/// The status check: the stored status of a credential issued here, else
/// what its document says about its status.
fn status_check(stored: Option<CredentialStatus>, has_status: bool) -> Check {
    match stored {
        Some(CredentialStatus::Active) => check("status", Outcome::Pass, "active: neither revoked nor suspended"),
        Some(CredentialStatus::Suspended) => check("status", Outcome::Fail, "suspended by the issuer"),
        Some(CredentialStatus::Revoked) => check("status", Outcome::Fail, "revoked by the issuer"),
        None if has_status => check("status", Outcome::Skipped, "the status list is hosted elsewhere and was not fetched"),
        None => check("status", Outcome::Pass, "the credential has no status entry (it cannot be revoked)"),
    }
}

/// The validity window at `now` and the Open Badges 3.0 shape.
fn window_and_shape(doc: &Value, now: DateTime<Utc>) -> [Check; 2] {
    let parse = |field: &str| doc.get(field).and_then(Value::as_str).map(DateTime::parse_from_rfc3339);
    let validity = match (parse("validFrom").or_else(|| parse("issuanceDate")), parse("validUntil").or_else(|| parse("expirationDate"))) {
        (Some(Err(_)), _) | (_, Some(Err(_))) => check("validity", Outcome::Fail, "validFrom or validUntil is not an RFC 3339 time"),
        (Some(Ok(from)), _) if from > now => check("validity", Outcome::Fail, format!("not valid before {from}")),
        (_, Some(Ok(until))) if until <= now => check("validity", Outcome::Fail, format!("expired at {until}")),
        (None, _) => check("validity", Outcome::Fail, "the credential has no validFrom"),
        _ => check("validity", Outcome::Pass, "within its validity window"),
    };
    let problems = cairn_domain::ob3::check_shape(doc);
    let schema = if problems.is_empty() {
        check("schema", Outcome::Pass, "an Open Badges 3.0 OpenBadgeCredential with the required fields")
    } else {
        check("schema", Outcome::Fail, problems.join("; "))
    };
    [validity, schema]
}

/// The verification of a credential this service signed a moment ago,
/// from what the signing use case knows instead of reading the VC-JWT
/// back: `payload` is what it signed, with its institution's current key
/// (published in that institution's JWKS) under the issuer id the payload
/// names, and the credential is in `status`. The validity window and the
/// shape are checked on the payload as `verify` checks them, so the result
/// is the one `verify` gives for the JWT at `now`.
pub fn of_just_signed(payload: &Value, status: CredentialStatus, now: DateTime<Utc>) -> Verification {
    let issuer = issuer_of(payload);
    let mut checks = vec![
        check("signature", Outcome::Pass, "signed with the issuer's key published by this service"),
        match &issuer {
            Some(id) => check("issuer", Outcome::Pass, format!("issued by {id}, an institution of this service")),
            None => check("issuer", Outcome::Fail, "the key does not belong to the issuer the credential names"),
        },
        status_check(Some(status), true),
    ];
    checks.extend(window_and_shape(payload, now));
    let verified = checks.iter().all(|c| c.result != Outcome::Fail);
    Verification { verified, checks, issuer, issuer_kind: "cairn", credential: Some(payload.clone()) }
}

/// An `EnvelopedVerifiableCredential` holding a VC-JWT (VC-JOSE-COSE).
pub fn envelope(jwt: &str) -> Value {
    serde_json::json!({
        "@context": VC_V2_CONTEXT,
        "type": "EnvelopedVerifiableCredential",
        "id": format!("{ENVELOPE_PREFIX}{jwt}"),
    })
}

const VC_V2_CONTEXT: &str = "https://www.w3.org/ns/credentials/v2";
const ENVELOPE_PREFIX: &str = "data:application/vc+jwt,";

/// The verdict on a presentation: its own signature and shape, and each
/// enclosed credential with whether its subject is the holder.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PresentationVerification {
    /// True when the presentation's checks and every enclosed credential's
    /// checks passed, and every credential's subject is the holder.
    pub verified: bool,
    /// `format`, `signature` and `holder` of the presentation itself.
    pub checks: Vec<Check>,
    /// The holder the presentation names.
    pub holder: Option<String>,
    pub credentials: Vec<EnclosedVerification>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct EnclosedVerification {
    /// Whether the credential's subject is the presentation's holder.
    pub subject_is_holder: bool,
    pub verification: Verification,
}

/// Verifies a VC-JOSE-COSE presentation (`typ: vp+jwt`) signed by this
/// service's platform key, as share links carry them. Presentations signed
/// by other keys are reported as not verifiable here.
pub fn verify_presentation(
    conn: &mut DbConn,
    public_url: &str,
    platform: &signing::OrgSigner,
    jwt: &str,
    now: DateTime<Utc>,
) -> StoreResult<PresentationVerification> {
    let jwt = jwt.trim();
    let mut checks = Vec::new();
    let (Ok(header), Some(payload)) = (jsonwebtoken::decode_header(jwt), decode_payload(jwt)) else {
        checks.push(check("signature", Outcome::Fail, "not a compact JWS (header.payload.signature)"));
        return Ok(PresentationVerification { verified: false, checks, holder: None, credentials: Vec::new() });
    };
    let typ_ok = header.typ.as_deref() == Some("vp+jwt");
    let shape_ok = typ_ok && has_type(&payload, "VerifiablePresentation") && has_context(&payload, VC_V2_CONTEXT);
    checks.push(if shape_ok {
        check("format", Outcome::Pass, "a VC-JOSE-COSE presentation (typ vp+jwt, VCDM 2.0 VerifiablePresentation)")
    } else if payload.get("vp").is_some() {
        check("format", Outcome::Fail, "format not supported: VC Data Model 1.1 JWT presentation (a `vp` claim)")
    } else {
        check("format", Outcome::Fail, "not a VC-JOSE-COSE presentation: expected typ vp+jwt and a VCDM 2.0 VerifiablePresentation payload")
    });
    let ours = header.kid.as_deref() == Some(platform.kid.as_str()) && header.alg == Algorithm::ES256;
    let signature_ok = ours && {
        let mut validation = Validation::new(Algorithm::ES256);
        validation.validate_exp = false;
        validation.validate_aud = false;
        validation.required_spec_claims.clear();
        jsonwebtoken::decode::<Value>(jwt, platform.key.decoding_key(), &validation).is_ok()
    };
    checks.push(match (ours, signature_ok) {
        (true, true) => check("signature", Outcome::Pass, "signed by this service's platform key (/.well-known/jwks.json)"),
        (true, false) => check("signature", Outcome::Fail, "the signature does not verify: the presentation was altered"),
        (false, _) => check("signature", Outcome::Fail, "cannot be checked: not signed by a key this service knows"),
    });
    let holder = payload.get("holder").and_then(|h| h.as_str().map(str::to_owned).or_else(|| h.get("id").and_then(Value::as_str).map(str::to_owned)));
    checks.push(match &holder {
        Some(id) => check("holder", Outcome::Pass, format!("presented on behalf of {id}")),
        None => check("holder", Outcome::Fail, "the presentation names no holder"),
    });
    let credentials = enclosed_credentials(conn, public_url, &dids::Offline, &payload, holder.as_deref(), now)?;
    let verified = checks.iter().all(|c| c.result != Outcome::Fail) && credentials.iter().all(|c| c.subject_is_holder && c.verification.verified);
    Ok(PresentationVerification { verified, checks, holder, credentials })
}

/// Each credential a presentation encloses (an `EnvelopedVerifiableCredential`
/// holding a VC-JWT, or a credential with an embedded proof), verified,
/// with whether its subject is the holder.
fn enclosed_credentials(
    conn: &mut DbConn,
    public_url: &str,
    resolver: &dyn DidResolver,
    presentation: &Value,
    holder: Option<&str>,
    now: DateTime<Utc>,
) -> StoreResult<Vec<EnclosedVerification>> {
    let entries = match presentation.get("verifiableCredential") {
        Some(Value::Array(entries)) => entries.clone(),
        Some(one) => vec![one.clone()],
        None => Vec::new(),
    };
    let mut credentials = Vec::with_capacity(entries.len());
    for entry in entries {
        let enclosed = entry.get("id").and_then(Value::as_str).and_then(|id| id.strip_prefix(ENVELOPE_PREFIX));
        let verification = match (has_type(&entry, "EnvelopedVerifiableCredential"), enclosed) {
            (true, Some(credential)) => verify_with(conn, public_url, resolver, &Presented::Jwt(credential.to_owned()), now)?,
            (false, _) if entry.get("proof").is_some() => verify_with(conn, public_url, resolver, &Presented::Json(entry.clone()), now)?,
            _ => Verification {
                verified: false,
                checks: vec![check(
                    "format",
                    Outcome::Fail,
                    "neither an EnvelopedVerifiableCredential holding a VC-JWT (data:application/vc+jwt,...) nor a credential with an embedded proof",
                )],
                issuer: None,
                issuer_kind: "unknown",
                credential: Some(entry.clone()),
            },
        };
        let subject_is_holder = match (holder, &verification.credential) {
            (Some(holder), Some(doc)) => crate::services::holder::subject_is(doc, holder),
            _ => false,
        };
        credentials.push(EnclosedVerification { subject_is_holder, verification });
    }
    Ok(credentials)
}

/// Verifies a JSON presentation with an embedded Data Integrity proof: by
/// this service's platform key (share presentations) or by a did:key of its
/// holder (a wallet's), and every credential it encloses.
pub fn verify_presentation_document(
    conn: &mut DbConn,
    public_url: &str,
    resolver: &dyn DidResolver,
    platform: &signing::OrgSigner,
    doc: &Value,
    now: DateTime<Utc>,
) -> StoreResult<PresentationVerification> {
    let mut checks = Vec::new();
    let shape_ok = has_type(doc, "VerifiablePresentation") && has_context(doc, VC_V2_CONTEXT);
    checks.push(if shape_ok {
        check("format", Outcome::Pass, "a VCDM 2.0 VerifiablePresentation with an embedded proof")
    } else {
        check("format", Outcome::Fail, "not a VCDM 2.0 VerifiablePresentation (type VerifiablePresentation, context credentials/v2)")
    });
    let holder = doc.get("holder").and_then(|h| h.as_str().map(str::to_owned).or_else(|| h.get("id").and_then(Value::as_str).map(str::to_owned)));
    let platform_method = &platform.data_integrity.verification_method;
    let signature = match signing::data_integrity::proof_info(doc) {
        Err(e) => check("signature", Outcome::Fail, e.to_string()),
        Ok(info) => {
            let key = if info.verification_method == *platform_method {
                Ok((platform.data_integrity.public_key(), "this service's platform key (/.well-known/did.json)".to_owned()))
            } else if info.verification_method.starts_with("did:key:") && holder.as_deref() == info.verification_method.split('#').next() {
                signing::did::ed25519_from_did_key(&info.verification_method)
                    .map(|k| (k, format!("the holder's key {}", info.verification_method)))
                    .map_err(|e| e.to_string())
            } else {
                Err(format!("{} is neither this service's key nor a did:key of the holder", info.verification_method))
            };
            match key {
                Err(reason) => check("signature", Outcome::Fail, format!("cannot be checked: {reason}")),
                Ok((key, whose)) => match signing::data_integrity::verify(doc, &key) {
                    Ok(suite) => check("signature", Outcome::Pass, format!("a valid {} proof by {whose}", suite.name())),
                    Err(e @ signing::data_integrity::DataIntegrityError::BadSignature) => check("signature", Outcome::Fail, format!("tampered: {e}")),
                    Err(e) => check("signature", Outcome::Fail, format!("cannot be checked: {e}")),
                },
            }
        }
    };
    checks.push(signature);
    checks.push(match &holder {
        Some(id) => check("holder", Outcome::Pass, format!("presented on behalf of {id}")),
        None => check("holder", Outcome::Fail, "the presentation names no holder"),
    });
    let credentials = enclosed_credentials(conn, public_url, resolver, doc, holder.as_deref(), now)?;
    let verified = checks.iter().all(|c| c.result != Outcome::Fail) && credentials.iter().all(|c| c.subject_is_holder && c.verification.verified);
    Ok(PresentationVerification { verified, checks, holder, credentials })
}

/// What a verifier presents: a credential, or a presentation (`vp+jwt`,
/// or JSON with an embedded proof).
pub enum Verifiable {
    Credential(Presented),
    Presentation(String),
    PresentationDocument(Value),
}

/// The verdict on what was presented.
pub enum Verdict {
    Credential(Verification),
    Presentation(PresentationVerification),
}

/// Verifies `what` at the context's instant, for anyone. A credential that
/// does not verify is a verdict, not an error: only the store can fail.
pub async fn verify_any(
    state: std::sync::Arc<crate::state::AppState>,
    ctx: crate::services::PublicContext,
    what: Verifiable,
) -> StoreResult<Verdict> {
    let lists = match &what {
        Verifiable::Credential(presented) => fetch_status_lists(state.clone(), &ctx.public_url, presented).await,
        Verifiable::Presentation(_) | Verifiable::PresentationDocument(_) => external_status::Lists::default(),
    };
    let resolved = match &what {
        Verifiable::Credential(Presented::Json(doc)) | Verifiable::PresentationDocument(doc) => {
            dids::prefetch(state.clone(), &ctx.public_url, Some(doc)).await
        }
        _ => dids::Prefetched::default(),
    };
    let store = state.store.clone();
    store
        .read(move |conn| {
            Ok(match what {
                Verifiable::Credential(presented) => {
                    let mut verification = verify_with(conn, &ctx.public_url, &resolved, &presented, ctx.now)?;
                    apply_external_status(conn, &ctx.public_url, &mut verification, &lists, ctx.now)?;
                    Verdict::Credential(verification)
                }
                Verifiable::Presentation(jwt) => Verdict::Presentation(verify_presentation(conn, &ctx.public_url, &state.platform, &jwt, ctx.now)?),
                Verifiable::PresentationDocument(doc) => {
                    Verdict::Presentation(verify_presentation_document(conn, &ctx.public_url, &resolved, &state.platform, &doc, ctx.now)?)
                }
            })
        })
        .await
}

/// The status lists hosted elsewhere that `presented` names, fetched (the
/// cache first) on the blocking pool. Call it before the store
/// transaction, so no connection or lock is held while a server is slow;
/// then [`apply_external_status`] inside it.
pub async fn fetch_status_lists(state: std::sync::Arc<crate::state::AppState>, public_url: &str, presented: &Presented) -> external_status::Lists {
    let doc = match presented {
        Presented::Jwt(jwt) => decode_payload(jwt.trim()).map(|claims| credential_of(&claims)),
        Presented::Json(doc) => Some(doc.clone()),
    };
    let entries = doc.map(|doc| external_status::external_entries(&doc, public_url)).unwrap_or_default();
    if entries.is_empty() {
        return external_status::Lists::default();
    }
    // A failed blocking task leaves the lists unfetched: the status is then unknown, never "active".
    actix_web::web::block(move || external_status::fetch_lists(state.fetcher.as_ref(), &state.fetch_cache, &entries)).await.unwrap_or_default()
}

/// The status check of a credential whose entries point at lists hosted
/// elsewhere, from `lists` (see [`fetch_status_lists`]): revoked or
/// suspended fails; a list that could not be fetched or trusted leaves the
/// status unchecked (skipped, with the reason), never "not revoked". A
/// credential of this service keeps its stored status.
pub fn apply_external_status(
    conn: &mut DbConn,
    public_url: &str,
    verification: &mut Verification,
    lists: &external_status::Lists,
    now: DateTime<Utc>,
) -> StoreResult<()> {
    let Some(doc) = &verification.credential else { return Ok(()) };
    let entries = external_status::external_entries(doc, public_url);
    if entries.is_empty() || our_credential(conn, public_url, doc)?.is_some() {
        return Ok(());
    }
    // A list must be the credential's issuer's, so its keys are the issuer's.
    let source = match &verification.issuer {
        Some(issuer) => find_key(conn, public_url, None, Some(issuer))?,
        None => KeySource::Unknown,
    };
    let results = external_status::check_entries(&entries, lists, verification.issuer.as_deref(), now, &|list| {
        list_signature(&source, list, verification.issuer.as_deref())
    });
    let status = match external_status::summarize(&results) {
        Summary::NoExternalEntries => return Ok(()),
        Summary::Revoked { list } => check("status", Outcome::Fail, format!("revoked by the issuer (status list {list})")),
        Summary::Suspended { list } => check("status", Outcome::Fail, format!("suspended by the issuer (status list {list})")),
        Summary::Unknown { list, reason } => {
            check("status", Outcome::Skipped, format!("the status could not be checked: {reason} (status list {list})"))
        }
        Summary::Active { lists } => {
            check("status", Outcome::Pass, format!("active: neither revoked nor suspended (status list {})", lists.join(", ")))
        }
    };
    verification.verified &= status.result != Outcome::Fail;
    match verification.checks.iter_mut().find(|c| c.check == "status") {
        Some(existing) => *existing = status,
        None => verification.checks.push(status),
    }
    Ok(())
}

/// Whether a fetched status list credential is signed by its issuer: a
/// VC-JWT with a key of the trusted issuer, or an embedded Data Integrity
/// proof by the issuer's did:key or a registered Ed25519 key.
fn list_signature(source: &KeySource, list: &Value, issuer: Option<&str>) -> ListSignature {
    let jwt = match list {
        Value::String(jwt) => jwt,
        Value::Object(doc) if doc.contains_key("proof") => return list_proof(source, list, issuer),
        _ => return ListSignature::Unverifiable("the status list carries no signature".into()),
    };
    let Ok(header) = jsonwebtoken::decode_header(jwt) else { return ListSignature::Invalid("not a compact JWS".into()) };
    let KeySource::Trusted { keys, .. } = source else {
        return ListSignature::Unverifiable("no key of the issuer is registered here".into());
    };
    if ![Algorithm::ES256, Algorithm::ES384, Algorithm::EdDSA, Algorithm::RS256, Algorithm::PS256].contains(&header.alg) {
        return ListSignature::Invalid(format!("algorithm {:?} is not accepted", header.alg));
    }
    let mut validation = Validation::new(header.alg);
    validation.validate_exp = false;
    validation.validate_nbf = false;
    validation.validate_aud = false;
    validation.required_spec_claims.clear();
    let verified = keys
        .iter()
        .filter(|k| match (&header.kid, &k.common.key_id) {
            (Some(kid), Some(key_id)) => kid == key_id || kid.ends_with(&format!("#{key_id}")),
            _ => true,
        })
        .filter_map(|k| DecodingKey::from_jwk(k).ok())
        .any(|key| jsonwebtoken::decode::<Value>(jwt, &key, &validation).is_ok());
    if verified { ListSignature::Verified } else { ListSignature::Invalid("signed with another key, or altered".into()) }
}
