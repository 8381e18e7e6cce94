//! The signature and issuer checks of a credential with an embedded Data
//! Integrity proof: find the key its verification method names (did:key
//! offline, this service's own did:web from the store, another did:web
//! through a resolver, or a trusted issuer's registered keys), check that
//! the key is its issuer's and allowed to assert, then check the proof.
//! Cryptography is checked whoever the issuer is; trust is a separate check.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use cairn_domain::OrgId;
use serde_json::Value;

use crate::services::dids::{self, DidResolver};
use crate::signing::data_integrity::{self, DataIntegrityError, ProofInfo};
use crate::signing::{KeyAlg, did};
use crate::store::{DbConn, StoreResult, keys, trusted_issuers};

/// Who vouches for the issuer of a proof whose key was found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Trust {
    /// An organisation of this service.
    Cairn(OrgId),
    /// An external issuer an administrator registered.
    Trusted(String),
    /// Nobody here: the proof may be valid, the issuer is unknown.
    Unknown,
}

/// A check's verdict: passed or failed, with the reason in words.
pub type Finding = Result<String, String>;

pub struct ProofChecks {
    pub signature: Finding,
    pub issuer: Finding,
    pub trust: Trust,
    /// The proof verified with a key of the issuer.
    pub signature_ok: bool,
}

/// A key found for a verification method, and the DID or URL that controls it.
struct FoundKey {
    key: [u8; 32],
    controller: String,
}

fn issuer_of(doc: &Value) -> Option<String> {
    match doc.get("issuer") {
        Some(Value::String(id)) => Some(id.clone()),
        Some(Value::Object(profile)) => profile.get("id").and_then(Value::as_str).map(str::to_owned),
        _ => None,
    }
}

/// The Ed25519 keys of a trusted issuer's registered JWKS.
fn trusted_ed25519(jwks: &Value) -> Vec<[u8; 32]> {
    let keys = jwks.get("keys").and_then(Value::as_array).cloned().unwrap_or_default();
    keys.iter()
        .filter(|k| k.get("kty").and_then(Value::as_str) == Some("OKP") && k.get("crv").and_then(Value::as_str) == Some("Ed25519"))
        .filter_map(|k| URL_SAFE_NO_PAD.decode(k.get("x")?.as_str()?).ok()?.try_into().ok())
        .collect()
}

/// The key a verification method names, when it can be found; why not otherwise.
fn find_key(
    conn: &mut DbConn,
    public_url: &str,
    resolver: &dyn DidResolver,
    method: &str,
    issuer: Option<&str>,
) -> StoreResult<Result<FoundKey, String>> {
    let controller = method.split('#').next().unwrap_or(method).to_owned();
    if method.starts_with("did:key:") {
        return Ok(did::ed25519_from_did_key(method).map(|key| FoundKey { key, controller }).map_err(|e| e.to_string()));
    }
    if let Some(org) = dids::own_org(public_url, method) {
        let fragment = method.split_once('#').map(|(_, f)| f).unwrap_or_default();
        let stored = keys::by_thumbprint(conn, fragment)?.filter(|k| k.org == org && k.alg == KeyAlg::Ed25519);
        return Ok(match stored {
            Some(_) => did::ed25519_from_multikey(fragment).map(|key| FoundKey { key, controller }).map_err(|e| e.to_string()),
            None => Err(format!("{method} is not a key of that institution")),
        });
    }
    if method.starts_with("did:web:") {
        return Ok(match resolver.resolve(&controller) {
            Ok(document) => key_in_document(&document, &controller, method).map(|key| FoundKey { key, controller }),
            Err(reason) => Err(format!("the DID document of {controller} could not be resolved: {reason}")),
        });
    }
    // An https verification method: only the keys registered for a
    // trusted issuer are known here.
    if let Some(issuer) = issuer
        && let Some(trusted) = trusted_issuers::find_by_issuer(conn, issuer)?
    {
        let fragment = method.split_once('#').map(|(_, f)| f);
        let candidates = trusted_ed25519(&trusted.jwks);
        let key = fragment
            .and_then(|f| did::ed25519_from_multikey(f).ok())
            .filter(|k| candidates.contains(k))
            .or_else(|| if candidates.len() == 1 { candidates.first().copied() } else { None });
        return Ok(key
            .map(|key| FoundKey { key, controller: issuer.to_owned() })
            .ok_or_else(|| format!("no Ed25519 key registered for {issuer} matches {method}")));
    }
    Ok(Err(format!("the key {method} cannot be resolved here (not a did:key or did:web, and its issuer registered no keys)")))
}

/// The Ed25519 key of `method` in a resolved DID document, when the
/// document is `did`'s and lists the method under `assertionMethod`.
fn key_in_document(document: &Value, did: &str, method: &str) -> Result<[u8; 32], String> {
    if document.get("id").and_then(Value::as_str) != Some(did) {
        return Err(format!("the DID document resolved for {did} is another DID's"));
    }
    let absolute = |id: &str| if id.starts_with('#') { format!("{did}{id}") } else { id.to_owned() };
    let asserts = document.get("assertionMethod").and_then(Value::as_array).is_some_and(|methods| {
        methods.iter().any(|m| m.as_str().map(absolute).or_else(|| m.get("id").and_then(Value::as_str).map(absolute)).as_deref() == Some(method))
    });
    if !asserts {
        return Err(format!("{method} is not an assertionMethod of {did}"));
    }
    let listed = document
        .get("verificationMethod")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .chain(document.get("assertionMethod").and_then(Value::as_array).into_iter().flatten().filter(|m| m.is_object()))
        .find(|m| m.get("id").and_then(Value::as_str).map(absolute).as_deref() == Some(method))
        .ok_or_else(|| format!("{method} is not in the DID document of {did}"))?;
    if let Some(multibase) = listed.get("publicKeyMultibase").and_then(Value::as_str) {
        return did::ed25519_from_multikey(multibase).map_err(|e| e.to_string());
    }
    listed
        .pointer("/publicKeyJwk/x")
        .and_then(Value::as_str)
        .filter(|_| listed.pointer("/publicKeyJwk/crv").and_then(Value::as_str) == Some("Ed25519"))
        .and_then(|x| URL_SAFE_NO_PAD.decode(x).ok()?.try_into().ok())
        .ok_or_else(|| format!("{method} is not an Ed25519 key"))
}

/// The signature and issuer checks of `doc`'s embedded proof.
pub fn check_proof(conn: &mut DbConn, public_url: &str, resolver: &dyn DidResolver, doc: &Value) -> StoreResult<ProofChecks> {
    let issuer = issuer_of(doc);
    let fail = |signature: Finding, trust: Trust, issuer_check: Finding| ProofChecks { signature, issuer: issuer_check, trust, signature_ok: false };
    let info: ProofInfo = match data_integrity::proof_info(doc) {
        Ok(info) => info,
        Err(e) => return Ok(fail(Err(e.to_string()), Trust::Unknown, untrusted_issuer(issuer.as_deref()))),
    };
    let trust = trust_of(conn, public_url, issuer.as_deref())?;
    let issuer_check = issuer_check(&trust, issuer.as_deref());
    if info.proof_purpose != "assertionMethod" {
        let detail = format!("the proof's purpose is {:?}; a credential needs assertionMethod", info.proof_purpose);
        return Ok(fail(Err(detail), trust, issuer_check));
    }
    let found = match find_key(conn, public_url, resolver, &info.verification_method, issuer.as_deref())? {
        Ok(found) => found,
        Err(reason) => return Ok(fail(Err(format!("cannot be checked: {reason}")), trust, issuer_check)),
    };
    if issuer.as_deref() != Some(found.controller.as_str()) {
        let detail = format!("the proof was made with a key of {}, not of the issuer the credential names", found.controller);
        return Ok(fail(Err(detail), trust, issuer_check));
    }
    Ok(match data_integrity::verify(doc, &found.key) {
        Ok(suite) => ProofChecks {
            signature: Ok(format!("a valid {} proof by {}", suite.name(), info.verification_method)),
            issuer: issuer_check,
            trust,
            signature_ok: true,
        },
        Err(DataIntegrityError::BadSignature) => fail(
            Err("tampered: the proof does not verify, so the credential was changed after it was signed (or the proof was made with another key)"
                .to_owned()),
            trust,
            issuer_check,
        ),
        Err(e) => fail(Err(format!("cannot be checked: {e}")), trust, issuer_check),
    })
}

fn trust_of(conn: &mut DbConn, public_url: &str, issuer: Option<&str>) -> StoreResult<Trust> {
    let Some(issuer) = issuer else { return Ok(Trust::Unknown) };
    if let Some(org) = dids::own_org(public_url, issuer) {
        return Ok(Trust::Cairn(org));
    }
    Ok(match trusted_issuers::find_by_issuer(conn, issuer)? {
        Some(trusted) => Trust::Trusted(trusted.name),
        None => Trust::Unknown,
    })
}

fn issuer_check(trust: &Trust, issuer: Option<&str>) -> Finding {
    let id = issuer.unwrap_or_default();
    match trust {
        Trust::Cairn(_) => Ok(format!("issued by {id}, an institution of this service")),
        Trust::Trusted(name) => Ok(format!("{name} ({id}) is a trusted issuer")),
        Trust::Unknown => untrusted_issuer(issuer),
    }
}

fn untrusted_issuer(issuer: Option<&str>) -> Finding {
    match issuer {
        Some(id) => Err(format!("issuer not trusted: {id} is not an issuer this service knows or an administrator registered")),
        None => Err("the credential names no issuer".to_owned()),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    const DID: &str = "did:web:issuer.example";

    fn document(assertion: Value) -> Value {
        json!({
            "id": DID,
            "verificationMethod": [{ "id": "#key-1", "type": "Multikey", "controller": DID, "publicKeyMultibase": "z6MkiTBz1ymuepAQ4HEHYSF1H8quG5GLVVQR3djdX3mDooWp" }],
            "assertionMethod": assertion,
        })
    }

    #[test]
    fn a_key_counts_only_when_it_is_the_dids_and_may_assert() {
        let method = format!("{DID}#key-1");
        let expected = did::ed25519_from_multikey("z6MkiTBz1ymuepAQ4HEHYSF1H8quG5GLVVQR3djdX3mDooWp").unwrap();
        assert_eq!(key_in_document(&document(json!(["#key-1"])), DID, &method), Ok(expected), "relative ids resolve against the DID");
        assert_eq!(key_in_document(&document(json!([method.clone()])), DID, &method), Ok(expected));
        let refused = key_in_document(&document(json!([])), DID, &method).unwrap_err();
        assert!(refused.contains("not an assertionMethod"), "{refused}");
        let other = key_in_document(&document(json!(["#key-1"])), "did:web:someone.else", "did:web:someone.else#key-1").unwrap_err();
        assert!(other.contains("another DID's"), "{other}");
    }
}
