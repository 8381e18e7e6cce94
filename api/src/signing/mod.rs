//! Issuer signing: the master key that encrypts organisations' private keys
//! at rest, per-organisation ES256 keys, and VC-JWT signing.

pub mod keys;
mod master_key;

pub use master_key::{MasterKey, MasterKeyError};

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use cairn_domain::OrgId;
use jsonwebtoken::{Algorithm, Header};

use crate::signing::keys::{PublicJwk, SigningKey};

/// A freshly generated organisation key, ready to store.
pub struct NewOrgKey {
    /// The RFC 7638 thumbprint: the key's id in storage.
    pub thumbprint: String,
    /// PKCS#8, sealed with the master key.
    pub sealed_private_key: String,
    /// The public JWK as JSON, without `kid` (it is a URL built at the edge).
    pub public_jwk: String,
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
}

impl NewOrgKey {
    pub fn generate(master: &MasterKey) -> Result<Self, SigningError> {
        let key = SigningKey::generate()?;
        let thumbprint = key.thumbprint();
        let public_jwk = serde_json::to_string(&key.public_jwk(String::new()))?;
        Ok(Self { sealed_private_key: master.seal(key.pkcs8())?, thumbprint, public_jwk })
    }
}

/// The URL that identifies an organisation as an issuer; it resolves to
/// its OB 3.0 Profile.
pub fn issuer_id(public_url: &str, org: OrgId) -> String {
    format!("{public_url}/v1/issuers/{org}")
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

/// An organisation's private key, unsealed, with its key id.
pub struct OrgSigner {
    pub kid: String,
    pub key: SigningKey,
}

impl OrgSigner {
    pub fn unseal(master: &MasterKey, sealed: &str, kid: String) -> Result<Self, SigningError> {
        let pkcs8 = master.open(sealed)?;
        Ok(Self { kid, key: SigningKey::from_pkcs8(&pkcs8)? })
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
        let signer = OrgSigner { kid: "https://cairn.test/v1/issuers/x/jwks#k".into(), key };
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
