//! Issuer signing: the master key that encrypts organisations' private keys
//! at rest, per-organisation ES256 keys and VC-JWT signing, Ed25519 keys and
//! Data Integrity proofs, DIDs.

pub mod data_integrity;
pub mod did;
pub mod jsonld;
pub mod keys;
mod master_key;

pub use master_key::{MasterKey, MasterKeyError};

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use cairn_domain::OrgId;
use jsonwebtoken::{Algorithm, Header};

use crate::signing::data_integrity::{DataIntegrityError, Ed25519Signer};
use crate::signing::keys::{PublicJwk, SigningKey};

/// What a stored key signs with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyAlg {
    /// ECDSA P-256: VC-JWTs.
    Es256,
    /// Ed25519: Data Integrity proofs (eddsa-rdfc-2022).
    Ed25519,
}

impl KeyAlg {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Es256 => "ES256",
            Self::Ed25519 => "Ed25519",
        }
    }
}

impl std::str::FromStr for KeyAlg {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "ES256" => Ok(Self::Es256),
            "Ed25519" => Ok(Self::Ed25519),
            other => Err(format!("unknown key algorithm {other:?}")),
        }
    }
}

/// A freshly generated key, ready to store.
pub struct NewKey {
    /// The key's id in storage: the RFC 7638 thumbprint of an ES256 key,
    /// the Multikey of an Ed25519 key.
    pub id: String,
    /// PKCS#8, sealed with the master key.
    pub sealed_private_key: String,
    /// The public JWK as JSON, without `kid` (it is a URL built at the edge).
    pub public_jwk: String,
}

/// A new organisation's keys: one for VC-JWTs, one for Data Integrity proofs.
pub struct NewOrgKey {
    pub es256: NewKey,
    pub ed25519: NewKey,
}

#[derive(Debug, thiserror::Error)]
pub enum SigningError {
    #[error(transparent)]
    Key(#[from] crate::signing::keys::KeyError),
    #[error(transparent)]
    Master(#[from] MasterKeyError),
    #[error("signing failed: {0}")]
    Sign(#[from] jsonwebtoken::errors::Error),
    #[error("stored public key is malformed: {0}")]
    Jwk(#[from] serde_json::Error),
    #[error("encoding the JWS: {0}")]
    Encode(serde_json::Error),
    #[error(transparent)]
    DataIntegrity(#[from] DataIntegrityError),
}

impl NewOrgKey {
    pub fn generate(master: &MasterKey) -> Result<Self, SigningError> {
        let key = SigningKey::generate()?;
        let public_jwk = serde_json::to_string(&key.public_jwk(String::new()))?;
        let es256 = NewKey { id: key.thumbprint(), sealed_private_key: master.seal(key.pkcs8())?, public_jwk };
        Ok(Self { es256, ed25519: NewKey::ed25519(master)? })
    }
}

impl NewKey {
    /// A new Ed25519 key, sealed.
    pub fn ed25519(master: &MasterKey) -> Result<Self, SigningError> {
        let pkcs8 = Ed25519Signer::generate_pkcs8()?;
        let key = Ed25519Signer::from_pkcs8(&pkcs8, String::new())?;
        let public_jwk = serde_json::json!({ "kty": "OKP", "crv": "Ed25519", "x": URL_SAFE_NO_PAD.encode(key.public_key()) }).to_string();
        Ok(Self { id: key.multikey(), sealed_private_key: master.seal(&pkcs8)?, public_jwk })
    }
}

/// The id of an organisation as an issuer: its did:web, whose document
/// lists its keys (`/v1/issuers/{org}/did.json`). Its OB 3.0 Profile is at
/// `issuer_profile_url`.
pub fn issuer_id(public_url: &str, org: OrgId) -> String {
    did::org_did(public_url, org)
}

/// Where an organisation's OB 3.0 Profile is served.
pub fn issuer_profile_url(public_url: &str, org: OrgId) -> String {
    format!("{public_url}/v1/issuers/{org}")
}

/// Whether `id` names `org` as an issuer: its DID, or the profile URL that
/// credentials issued before DIDs name.
pub fn names_issuer(public_url: &str, org: OrgId, id: &str) -> bool {
    id == issuer_id(public_url, org) || id == issuer_profile_url(public_url, org)
}

/// The verification method of an organisation's Ed25519 key.
pub fn verification_method(public_url: &str, org: OrgId, multikey: &str) -> String {
    format!("{}#{multikey}", did::org_did(public_url, org))
}

/// A key id is a URL that resolves to the JWKS holding the key.
pub fn key_id(public_url: &str, org: OrgId, thumbprint: &str) -> String {
    format!("{public_url}/v1/issuers/{org}/jwks#{thumbprint}")
}

/// A stored public key rendered as a JWK with its URL key id.
pub fn public_jwk(stored: &str, kid: String) -> Result<PublicJwk, SigningError> {
    #[derive(serde::Deserialize)]
    struct Stored {
        x: String,
        y: String,
    }
    let stored: Stored = serde_json::from_str(stored)?;
    Ok(PublicJwk { kty: "EC", crv: "P-256", x: stored.x, y: stored.y, alg: "ES256", key_use: "sig", kid })
}

/// An organisation's private keys, unsealed: the ES256 key with its key id
/// (VC-JWTs) and the Ed25519 key with its verification method (Data
/// Integrity proofs).
pub struct OrgSigner {
    pub kid: String,
    pub key: SigningKey,
    pub data_integrity: Ed25519Signer,
}

impl OrgSigner {
    pub fn unseal(master: &MasterKey, sealed: &str, kid: String, sealed_ed25519: &str, verification_method: String) -> Result<Self, SigningError> {
        let key = SigningKey::from_pkcs8(&master.open(sealed)?)?;
        let data_integrity = Ed25519Signer::from_pkcs8(&master.open(sealed_ed25519)?, verification_method)?;
        Ok(Self { kid, key, data_integrity })
    }

    /// `doc` with an embedded `eddsa-rdfc-2022` proof created at `created`.
    pub fn prove(&self, doc: &serde_json::Value, created: chrono::DateTime<chrono::Utc>) -> Result<serde_json::Value, SigningError> {
        Ok(self.data_integrity.sign(doc, created)?)
    }

    /// Signs `claims` as a compact JWS with ES256, this key's `kid` and
    /// `typ: vc+jwt`.
    pub fn sign(&self, claims: &serde_json::Value) -> Result<String, SigningError> {
        self.sign_typed(claims, "vc+jwt")
    }

    /// Signs with another media type in `typ` (`vp+jwt` for presentations):
    /// the compact JWS `jsonwebtoken::encode` would give, signed with the
    /// key pair parsed once (see `SigningKey`).
    pub fn sign_typed(&self, claims: &serde_json::Value, typ: &str) -> Result<String, SigningError> {
        let mut header = Header::new(Algorithm::ES256);
        header.kid = Some(self.kid.clone());
        header.typ = Some(typ.into());
        let mut jws = URL_SAFE_NO_PAD.encode(serde_json::to_vec(&header).map_err(SigningError::Encode)?);
        jws.push('.');
        URL_SAFE_NO_PAD.encode_string(serde_json::to_vec(claims).map_err(SigningError::Encode)?, &mut jws);
        let signature = self.key.sign_es256(jws.as_bytes())?;
        jws.push('.');
        URL_SAFE_NO_PAD.encode_string(signature, &mut jws);
        Ok(jws)
    }
}

/// The VC-JWT claims for a credential (DESIGN.md): the credential itself as
/// the payload, plus `iss`, `sub`, `jti`, `nbf` and, when it expires, `exp`.
pub fn vc_jwt_claims(
    credential: &serde_json::Value,
    issuer: &str,
    subject: Option<&str>,
    valid_from: chrono::DateTime<chrono::Utc>,
    valid_until: Option<chrono::DateTime<chrono::Utc>>,
) -> serde_json::Value {
    let mut claims = credential.clone();
    if let Some(object) = claims.as_object_mut() {
        object.insert("iss".into(), issuer.into());
        if let Some(subject) = subject {
            object.insert("sub".into(), subject.into());
        }
        if let Some(id) = credential.get("id") {
            object.insert("jti".into(), id.clone());
        }
        object.insert("nbf".into(), valid_from.timestamp().into());
        if let Some(until) = valid_until {
            object.insert("exp".into(), until.timestamp().into());
        }
    }
    claims
}

/// SHA-256 of a secret (claim codes, share tokens), base64url: what is stored.
pub fn hash_secret(secret: &str) -> String {
    let digest = aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, secret.as_bytes());
    URL_SAFE_NO_PAD.encode(digest.as_ref())
}

/// A random, URL-safe secret with 256 bits of entropy.
pub fn random_secret() -> Result<String, MasterKeyError> {
    let mut bytes = [0u8; 32];
    aws_lc_rs::rand::fill(&mut bytes).map_err(|_| MasterKeyError::Random)?;
    Ok(URL_SAFE_NO_PAD.encode(bytes))
}

#[cfg(test)]
mod tests {
    use jsonwebtoken::{Validation, decode, decode_header};

    use super::*;

    /// What `sign_typed` writes is a JWS that jsonwebtoken reads back with
    /// the public key: header (alg, kid, typ) and claims as given.
    #[test]
    fn a_signed_jws_verifies_with_the_public_key() {
        let key = SigningKey::generate().unwrap();
        let public = SigningKey::from_pkcs8(key.pkcs8()).unwrap();
        let ed25519 = Ed25519Signer::from_pkcs8(&Ed25519Signer::generate_pkcs8().unwrap(), String::new()).unwrap();
        let signer = OrgSigner { kid: "https://cairn.test/v1/issuers/x/jwks#k".into(), key, data_integrity: ed25519 };
        let claims = serde_json::json!({ "iss": "https://cairn.test", "nbf": 1, "credentialSubject": { "name": "Ada é" } });
        let jws = signer.sign(&claims).unwrap();
        let header = decode_header(&jws).unwrap();
        assert_eq!((header.alg, header.kid.as_deref(), header.typ.as_deref()), (Algorithm::ES256, Some(signer.kid.as_str()), Some("vc+jwt")));
        let mut validation = Validation::new(Algorithm::ES256);
        validation.required_spec_claims.clear();
        validation.validate_exp = false;
        let read = decode::<serde_json::Value>(&jws, public.decoding_key(), &validation).unwrap();
        assert_eq!(read.claims, claims);
        // Another key's signature does not verify.
        let other = SigningKey::generate().unwrap();
        assert!(decode::<serde_json::Value>(&jws, other.decoding_key(), &validation).is_err());
    }
}
