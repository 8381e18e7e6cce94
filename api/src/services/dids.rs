//! The DID documents of this service's organisations and of the service
//! itself, built from their stored public keys; also how this service
//! resolves its own did:web without a request to itself.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use cairn_domain::OrgId;
use serde_json::Value;
use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use crate::fetch::{Cache, Fetch, Fetched};
use crate::signing::data_integrity;
use crate::state::AppState;

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

/// Resolves another service's DID to its DID document (did:web, over
/// https). Replaceable: tests resolve without a network.
pub trait DidResolver {
    fn resolve(&self, did: &str) -> Result<Value, String>;
}

/// A resolver for where no network may be used: every DID is unresolvable.
pub struct Offline;

impl DidResolver for Offline {
    fn resolve(&self, did: &str) -> Result<Value, String> {
        Err(format!("{did} is not resolved here (no network access for this check)"))
    }
}

/// DID documents resolved before a verification starts (resolution is a
/// network request, which must not run while a database transaction waits).
#[derive(Default)]
pub struct Prefetched(HashMap<String, Result<Value, String>>);

impl DidResolver for Prefetched {
    fn resolve(&self, did: &str) -> Result<Value, String> {
        self.0.get(did).cloned().unwrap_or_else(|| Offline.resolve(did))
    }
}

/// How long a resolved DID document is reused.
const DID_DOCUMENT_TTL: Duration = Duration::from_secs(300);

/// Resolves a did:web over https through `fetcher` (timeout, size cap,
/// no private addresses), reusing what `cache` holds.
pub fn resolve_did_web(fetcher: &dyn Fetch, cache: &Cache<Fetched>, did: &str) -> Result<Value, String> {
    let url = did::did_web_document_url(did).map_err(|e| e.to_string())?;
    let fetched = match cache.get(&url) {
        Some(fetched) => fetched,
        None => {
            let fetched = fetcher.get(&url, "application/did+json, application/json").map_err(|e| e.to_string())?;
            cache.insert(&url, fetched.clone(), DID_DOCUMENT_TTL);
            fetched
        }
    };
    serde_json::from_slice(&fetched.body).map_err(|e| format!("the DID document at {url} is not JSON: {e}"))
}

/// The other services' did:web documents that the proof of `doc` (and,
/// for a presentation, of each credential it encloses) needs, resolved.
pub async fn prefetch(state: Arc<AppState>, public_url: &str, doc: Option<&Value>) -> Prefetched {
    let mut dids = Vec::new();
    if let Some(doc) = doc {
        let enclosed = doc.get("verifiableCredential").map(|v| v.as_array().cloned().unwrap_or_else(|| vec![v.clone()])).unwrap_or_default();
        for item in std::iter::once(doc).chain(enclosed.iter()) {
            if let Ok(info) = data_integrity::proof_info(item) {
                let controller = info.verification_method.split('#').next().unwrap_or_default().to_owned();
                if controller.starts_with("did:web:") && own_org(public_url, &controller).is_none() && !dids.contains(&controller) {
                    dids.push(controller);
                }
            }
        }
    }
    if dids.is_empty() {
        return Prefetched::default();
    }
    // A failed blocking task leaves the DIDs unresolved: their proofs then cannot be checked.
    actix_web::web::block(move || {
        Prefetched(dids.into_iter().map(|d| (d.clone(), resolve_did_web(state.fetcher.as_ref(), &state.fetch_cache, &d))).collect())
    })
    .await
    .unwrap_or_default()
}

/// The organisation a DID of this service names, if it is one.
pub fn own_org(public_url: &str, did_or_method: &str) -> Option<OrgId> {
    let did = did_or_method.split('#').next()?;
    let prefix = format!("{}:v1:issuers:", did::platform_did(public_url));
    did.strip_prefix(&prefix)?.parse().ok()
}
