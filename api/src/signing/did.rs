//! Decentralized identifiers: the `did:web` of each organisation (derived
//! from the public URL), `did:key` for Ed25519 keys, Multikey encodings and
//! the DID documents this service publishes.
//!
//! did:web resolves over https only. When the public URL is plain http
//! (local use), the DIDs are still did:web, but they resolve only through
//! a resolver that knows this service (Cairn itself, or a verifier given
//! the DID document): see docs/interoperability.md.

use cairn_domain::OrgId;
use serde_json::{Value, json};

/// Multicodec prefixes (varint) of the public keys we encode.
const ED25519_PUB: [u8; 2] = [0xed, 0x01];
const P256_PUB: [u8; 2] = [0x80, 0x24];

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum DidError {
    #[error("not a did:key of an Ed25519 key: {0}")]
    NotEd25519Key(String),
    #[error("not a multibase base58btc value")]
    Multibase,
    #[error("not a did:web: {0}")]
    NotDidWeb(String),
}

/// The did:web method-specific id of a URL without its scheme: the host
/// (a port's colon percent-encoded), then each path segment after a colon.
fn did_web_of(public_url: &str) -> String {
    let rest = public_url.split_once("://").map_or(public_url, |(_, rest)| rest).trim_end_matches('/');
    let (host, path) = rest.split_once('/').unwrap_or((rest, ""));
    let mut did = format!("did:web:{}", host.replace(':', "%3A"));
    for segment in path.split('/').filter(|s| !s.is_empty()) {
        did.push(':');
        did.push_str(segment);
    }
    did
}

/// The service's own DID (its platform key signs share presentations);
/// its document is at `/.well-known/did.json`.
pub fn platform_did(public_url: &str) -> String {
    did_web_of(public_url)
}

/// An organisation's DID; its document is at `/v1/issuers/{org}/did.json`.
pub fn org_did(public_url: &str, org: OrgId) -> String {
    format!("{}:v1:issuers:{org}", did_web_of(public_url))
}

/// Where a did:web's document is published (https, as the method requires).
pub fn did_web_document_url(did: &str) -> Result<String, DidError> {
    let id = did.split('#').next().unwrap_or(did);
    let specific = id.strip_prefix("did:web:").filter(|s| !s.is_empty()).ok_or_else(|| DidError::NotDidWeb(did.to_owned()))?;
    let mut parts = specific.split(':');
    let host = parts.next().unwrap_or_default().replace("%3A", ":").replace("%3a", ":");
    if host.is_empty() || host.contains('/') {
        return Err(DidError::NotDidWeb(did.to_owned()));
    }
    let path: Vec<&str> = parts.collect();
    if path.iter().any(|segment| segment.is_empty() || segment.contains('/')) {
        return Err(DidError::NotDidWeb(did.to_owned()));
    }
    Ok(if path.is_empty() { format!("https://{host}/.well-known/did.json") } else { format!("https://{host}/{}/did.json", path.join("/")) })
}

fn multibase(prefix: [u8; 2], key: &[u8]) -> String {
    let mut bytes = prefix.to_vec();
    bytes.extend_from_slice(key);
    format!("z{}", bs58::encode(bytes).into_string())
}

/// The Multikey (`z6Mk...`) of an Ed25519 public key.
pub fn ed25519_multikey(public_key: &[u8; 32]) -> String {
    multibase(ED25519_PUB, public_key)
}

/// The Multikey (`zDn...`) of a P-256 public key, given its uncompressed
/// coordinates: the compressed point (0x02 or 0x03 by the parity of y, then x).
pub fn p256_multikey(x: &[u8], y: &[u8]) -> String {
    let mut point = vec![if y.last().is_some_and(|b| b & 1 == 1) { 0x03 } else { 0x02 }];
    point.extend_from_slice(x);
    multibase(P256_PUB, &point)
}

/// The Ed25519 public key of a Multikey value (`z6Mk...`).
pub fn ed25519_from_multikey(value: &str) -> Result<[u8; 32], DidError> {
    let encoded = value.strip_prefix('z').ok_or(DidError::Multibase)?;
    let bytes = bs58::decode(encoded).into_vec().map_err(|_| DidError::Multibase)?;
    match bytes.split_at_checked(2) {
        Some((prefix, key)) if prefix == ED25519_PUB => key.try_into().map_err(|_| DidError::NotEd25519Key(value.to_owned())),
        _ => Err(DidError::NotEd25519Key(value.to_owned())),
    }
}

/// A did:key's Ed25519 public key (`did:key:z6Mk...`, with or without a
/// `#fragment`); resolution of did:key is this decoding, offline.
pub fn ed25519_from_did_key(did: &str) -> Result<[u8; 32], DidError> {
    let id = did.split('#').next().unwrap_or(did);
    let value = id.strip_prefix("did:key:").ok_or_else(|| DidError::NotEd25519Key(did.to_owned()))?;
    ed25519_from_multikey(value)
}

/// The did:key of an Ed25519 public key and its one verification method.
pub fn did_key(public_key: &[u8; 32]) -> (String, String) {
    let multikey = ed25519_multikey(public_key);
    (format!("did:key:{multikey}"), format!("did:key:{multikey}#{multikey}"))
}

/// A verification method of a DID document: its id is the DID, `#`, and
/// the key's Multikey.
pub struct MethodKey {
    pub multikey: String,
}

/// The DID document of `did` with each key as a Multikey verification
/// method, all under `assertionMethod` (they sign credentials).
pub fn document(did: &str, keys: &[MethodKey]) -> Value {
    let methods: Vec<Value> = keys
        .iter()
        .map(|k| json!({ "id": format!("{did}#{}", k.multikey), "type": "Multikey", "controller": did, "publicKeyMultibase": k.multikey }))
        .collect();
    let ids: Vec<Value> = keys.iter().map(|k| Value::String(format!("{did}#{}", k.multikey))).collect();
    json!({
        "@context": ["https://www.w3.org/ns/did/v1", "https://w3id.org/security/multikey/v1"],
        "id": did,
        "verificationMethod": methods,
        "assertionMethod": ids,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn did_web_follows_the_public_url() {
        let org: OrgId = "0190a5d2-7a4f-7cc0-8000-000000000001".parse().unwrap();
        assert_eq!(org_did("https://cairn.example", org), format!("did:web:cairn.example:v1:issuers:{org}"));
        assert_eq!(org_did("http://127.0.0.1:8080/", org), format!("did:web:127.0.0.1%3A8080:v1:issuers:{org}"));
        assert_eq!(org_did("https://x.edu/cairn", org), format!("did:web:x.edu:cairn:v1:issuers:{org}"));
        assert_eq!(platform_did("https://cairn.example"), "did:web:cairn.example");
    }

    #[test]
    fn did_web_documents_are_found_where_the_method_says() {
        assert_eq!(did_web_document_url("did:web:w3c-ccg.github.io").unwrap(), "https://w3c-ccg.github.io/.well-known/did.json");
        assert_eq!(did_web_document_url("did:web:example.com%3A3000:user:alice#key-1").unwrap(), "https://example.com:3000/user/alice/did.json");
        assert!(did_web_document_url("did:key:z6Mk").is_err());
        assert!(did_web_document_url("did:web:").is_err());
        assert!(did_web_document_url("did:web:a.com::x").is_err());
    }

    /// The did:key test vector of the did:key specification (Ed25519).
    #[test]
    fn did_key_round_trips_the_specification_vector() {
        let did = "did:key:z6MkiTBz1ymuepAQ4HEHYSF1H8quG5GLVVQR3djdX3mDooWp";
        let key = ed25519_from_did_key(did).unwrap();
        assert_eq!(did_key(&key).0, did);
        assert_eq!(did_key(&key).1, format!("{did}#z6MkiTBz1ymuepAQ4HEHYSF1H8quG5GLVVQR3djdX3mDooWp"));
        assert!(ed25519_from_did_key("did:key:zDnaerDaTF5BXEavCrfRZEk316dpbLsfPDZ3WJ5hRTPFU2169").is_err(), "a P-256 did:key is no Ed25519 key");
        assert_eq!(ed25519_from_multikey("z6Mk!"), Err(DidError::Multibase));
    }

    #[test]
    fn p256_multikeys_start_with_zdn() {
        let key = p256_multikey(&[7u8; 32], &[1u8; 32]);
        assert!(key.starts_with("zDn"), "{key}");
    }
}
