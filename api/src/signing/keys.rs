//! ES256 (ECDSA P-256) key pairs: generation with aws-lc-rs, PKCS#8 storage,
//! and the jsonwebtoken keys and public JWK derived from them. Used for the
//! service's access tokens and, later, each organisation's credentials.

use std::fs;
use std::io::Write;
use std::path::Path;

use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::signature::{ECDSA_P256_SHA256_FIXED_SIGNING, EcdsaKeyPair, KeyPair};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::{DecodingKey, EncodingKey};
use serde::Serialize;

#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    #[error("key generation failed")]
    Generate,
    #[error("the stored key is not a valid P-256 PKCS#8 key")]
    Malformed,
    #[error("ECDSA signing failed")]
    Sign,
    #[error("key file {path}: {source}")]
    Io { path: String, source: std::io::Error },
}

/// A P-256 private key and what is derived from it. The parsed key pair
/// is kept: parsing PKCS#8 (what jsonwebtoken does on every `encode`)
/// costs as much as a signature.
pub struct SigningKey {
    pkcs8: Vec<u8>,
    pair: EcdsaKeyPair,
    encoding: EncodingKey,
    decoding: DecodingKey,
    x: String,
    y: String,
}

/// The public half as a JSON Web Key (RFC 7517).
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct PublicJwk {
    pub kty: &'static str,
    pub crv: &'static str,
    pub x: String,
    pub y: String,
    pub alg: &'static str,
    #[serde(rename = "use")]
    pub key_use: &'static str,
    pub kid: String,
}

impl SigningKey {
    pub fn generate() -> Result<Self, KeyError> {
        let document = EcdsaKeyPair::generate_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, &SystemRandom::new()).map_err(|_| KeyError::Generate)?;
        Self::from_pkcs8(document.as_ref())
    }

    pub fn from_pkcs8(pkcs8: &[u8]) -> Result<Self, KeyError> {
        let pair = EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, pkcs8).map_err(|_| KeyError::Malformed)?;
        // An uncompressed SEC1 point: 0x04 || X (32 bytes) || Y (32 bytes).
        let point = pair.public_key().as_ref();
        if point.len() != 65 || point[0] != 0x04 {
            return Err(KeyError::Malformed);
        }
        let x = URL_SAFE_NO_PAD.encode(&point[1..33]);
        let y = URL_SAFE_NO_PAD.encode(&point[33..65]);
        let decoding = DecodingKey::from_ec_components(&x, &y).map_err(|_| KeyError::Malformed)?;
        let encoding = EncodingKey::from_ec_der(pkcs8);
        Ok(Self { pkcs8: pkcs8.to_vec(), pair, encoding, decoding, x, y })
    }

    /// Loads the key stored at `path`, or generates one and stores it there
    /// (readable by the owner only).
    pub fn load_or_create(path: &Path) -> Result<Self, KeyError> {
        Self::from_pkcs8(&load_or_create_pkcs8(path, || Ok(Self::generate()?.pkcs8))?)
    }

    /// An ES256 signature of `message` (JWS form: r || s, 64 bytes).
    pub fn sign_es256(&self, message: &[u8]) -> Result<Vec<u8>, KeyError> {
        let signature = self.pair.sign(&SystemRandom::new(), message).map_err(|_| KeyError::Sign)?;
        Ok(signature.as_ref().to_vec())
    }

    pub fn pkcs8(&self) -> &[u8] {
        &self.pkcs8
    }

    pub fn encoding_key(&self) -> &EncodingKey {
        &self.encoding
    }

    pub fn decoding_key(&self) -> &DecodingKey {
        &self.decoding
    }

    /// The RFC 7638 thumbprint: a stable key id derived from the key itself.
    pub fn thumbprint(&self) -> String {
        let canonical = format!(r#"{{"crv":"P-256","kty":"EC","x":"{}","y":"{}"}}"#, self.x, self.y);
        let digest = aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, canonical.as_bytes());
        URL_SAFE_NO_PAD.encode(digest.as_ref())
    }

    /// The public key as a Multikey (`zDn...`), as DID documents list it.
    pub fn multikey(&self) -> String {
        let point = self.pair.public_key().as_ref();
        crate::signing::did::p256_multikey(&point[1..33], &point[33..65])
    }

    pub fn public_jwk(&self, kid: String) -> PublicJwk {
        PublicJwk { kty: "EC", crv: "P-256", x: self.x.clone(), y: self.y.clone(), alg: "ES256", key_use: "sig", kid }
    }
}

/// The PKCS#8 key stored at `path`, or a new one from `generate` stored
/// there (readable by the owner only). Two processes starting at once
/// agree on the first one written.
pub fn load_or_create_pkcs8(path: &Path, generate: impl FnOnce() -> Result<Vec<u8>, KeyError>) -> Result<Vec<u8>, KeyError> {
    let io = |source| KeyError::Io { path: path.display().to_string(), source };
    match fs::read(path) {
        Ok(bytes) => Ok(bytes),
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
            let key = generate()?;
            if let Some(parent) = path.parent() {
                fs::create_dir_all(parent).map_err(io)?;
            }
            let mut options = fs::OpenOptions::new();
            options.write(true).create_new(true);
            #[cfg(unix)]
            {
                use std::os::unix::fs::OpenOptionsExt;
                options.mode(0o600);
            }
            match options.open(path) {
                Ok(mut file) => {
                    file.write_all(&key).map_err(io)?;
                    file.sync_all().map_err(io)?;
                    Ok(key)
                }
                // Another process created it first: use theirs.
                Err(error) if error.kind() == std::io::ErrorKind::AlreadyExists => fs::read(path).map_err(io),
                Err(error) => Err(io(error)),
            }
        }
        Err(error) => Err(io(error)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_round_trip_through_pkcs8_and_files() {
        let dir = tempfile_dir();
        let path = dir.join("key.pk8");
        let created = SigningKey::load_or_create(&path).unwrap();
        let loaded = SigningKey::load_or_create(&path).unwrap();
        assert_eq!(created.pkcs8(), loaded.pkcs8());
        assert_eq!(created.thumbprint(), loaded.thumbprint());
        assert_ne!(created.thumbprint(), SigningKey::generate().unwrap().thumbprint());
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn garbage_is_not_a_key() {
        assert!(matches!(SigningKey::from_pkcs8(b"nope"), Err(KeyError::Malformed)));
    }

    fn tempfile_dir() -> std::path::PathBuf {
        let dir = std::env::temp_dir().join(format!("cairn-keys-{}", uuid::Uuid::new_v4()));
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }
}
