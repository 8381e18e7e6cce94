//! The DID documents of this service's organisations and of the service
//! itself, built from their stored public keys; also how this service
//! resolves its own did:web without a request to itself.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use cairn_domain::OrgId;
use serde_json::Value;

use crate::signing::did::{self, MethodKey};
use crate::signing::{KeyAlg, OrgSigner};
use crate::store::{DbConn, StoreError, StoreResult, keys, orgs};

/// The Multikey of a stored public key.
fn multikey(stored: &keys::StoredKey) -> StoreResult<String> {
    match stored.alg {
        KeyAlg::Ed25519 => Ok(stored.thumbprint.clone()),
        KeyAlg::Es256 => {
            #[derive(serde::Deserialize)]
            struct Point {
                x: String,
                y: String,
            }
            let corrupt = |what: &str| StoreError::Corrupt(format!("stored P-256 key {}: {what}", stored.thumbprint));
            let point: Point = serde_json::from_str(&stored.public_jwk).map_err(|e| corrupt(&e.to_string()))?;
            let x = URL_SAFE_NO_PAD.decode(point.x).map_err(|e| corrupt(&e.to_string()))?;
            let y = URL_SAFE_NO_PAD.decode(point.y).map_err(|e| corrupt(&e.to_string()))?;
            Ok(did::p256_multikey(&x, &y))
        }
    }
}

/// An organisation's DID document: every key it has signed with (Ed25519
/// for Data Integrity proofs, P-256 for VC-JWTs), each an
/// `assertionMethod`. `None` when there is no such organisation.
pub fn org_document(conn: &mut DbConn, public_url: &str, org: OrgId) -> StoreResult<Option<Value>> {
    if orgs::find(conn, org)?.is_none() {
        return Ok(None);
    }
    let stored = keys::list(conn, Some(org), None)?;
    let methods = stored.iter().map(|k| multikey(k).map(|multikey| MethodKey { multikey })).collect::<StoreResult<Vec<_>>>()?;
    Ok(Some(did::document(&did::org_did(public_url, org), &methods)))
}

/// The service's own DID document: the platform's keys, which sign CLR
/// exports and share presentations.
pub fn platform_document(public_url: &str, platform: &OrgSigner) -> Value {
    let methods = [MethodKey { multikey: platform.data_integrity.multikey() }, MethodKey { multikey: platform.key.multikey() }];
    did::document(&did::platform_did(public_url), &methods)
}

/// The organisation a DID of this service names, if it is one.
pub fn own_org(public_url: &str, did_or_method: &str) -> Option<OrgId> {
    let did = did_or_method.split('#').next()?;
    let prefix = format!("{}:v1:issuers:", did::platform_did(public_url));
    did.strip_prefix(&prefix)?.parse().ok()
}
