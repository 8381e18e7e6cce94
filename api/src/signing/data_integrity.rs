//! Embedded Data Integrity proofs: `DataIntegrityProof` with the
//! `eddsa-rdfc-2022` cryptosuite (signed and verified), and the older
//! `Ed25519Signature2020` (verified). Both hash the RDFC-1.0 canonical form
//! of the proof options and of the document with SHA-256 and sign the
//! concatenation (proof options first) with Ed25519.

use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::signature::{ED25519, Ed25519KeyPair, KeyPair, UnparsedPublicKey};
use chrono::{DateTime, SecondsFormat, Utc};
use serde_json::{Map, Value};

use crate::signing::did;
use crate::signing::jsonld::{self, JsonLdError};

#[derive(Debug, thiserror::Error)]
pub enum DataIntegrityError {
    #[error("the document has no embedded proof")]
    NoProof,
    #[error("proof type not supported: {0} (supported: DataIntegrityProof with eddsa-rdfc-2022, Ed25519Signature2020)")]
    Unsupported(String),
    #[error("the proof is malformed: {0}")]
    Malformed(&'static str),
    #[error(transparent)]
    JsonLd(#[from] JsonLdError),
    #[error("the proof's signature does not verify: the document or its proof was altered, or signed with another key")]
    BadSignature,
    #[error("Ed25519 key generation failed")]
    Generate,
    #[error("the stored key is not a valid Ed25519 PKCS#8 key")]
    MalformedKey,
}

/// The proof suites read here.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Suite {
    EddsaRdfc2022,
    Ed25519Signature2020,
}

impl Suite {
    pub fn name(self) -> &'static str {
        match self {
            Self::EddsaRdfc2022 => "eddsa-rdfc-2022",
            Self::Ed25519Signature2020 => "Ed25519Signature2020",
        }
    }
}

/// An Ed25519 key pair that signs proofs, with its verification method.
pub struct Ed25519Signer {
    pkcs8: Vec<u8>,
    pair: Ed25519KeyPair,
    /// The URL of the key in its controller's DID document.
    pub verification_method: String,
}

impl Ed25519Signer {
    /// A new key in PKCS#8 (to be sealed and stored).
    pub fn generate_pkcs8() -> Result<Vec<u8>, DataIntegrityError> {
        Ed25519KeyPair::generate_pkcs8(&SystemRandom::new()).map(|d| d.as_ref().to_vec()).map_err(|_| DataIntegrityError::Generate)
    }

    pub fn from_pkcs8(pkcs8: &[u8], verification_method: String) -> Result<Self, DataIntegrityError> {
        let pair = Ed25519KeyPair::from_pkcs8(pkcs8).map_err(|_| DataIntegrityError::MalformedKey)?;
        Ok(Self { pkcs8: pkcs8.to_vec(), pair, verification_method })
    }

    pub fn pkcs8(&self) -> &[u8] {
        &self.pkcs8
    }

    pub fn public_key(&self) -> [u8; 32] {
        let mut key = [0u8; 32];
        key.copy_from_slice(&self.pair.public_key().as_ref()[..32]);
        key
    }

    /// The public key as a Multikey (`z6Mk...`).
    pub fn multikey(&self) -> String {
        did::ed25519_multikey(&self.public_key())
    }

    /// `doc` with an `eddsa-rdfc-2022` proof for `assertionMethod`, created
    /// at `created` (whole seconds, as XML Schema dateTime).
    pub fn sign(&self, doc: &Value, created: DateTime<Utc>) -> Result<Value, DataIntegrityError> {
        let Value::Object(unsecured) = doc else { return Err(DataIntegrityError::Malformed("the document is not a JSON object")) };
        let mut options = Map::new();
        options.insert("type".into(), "DataIntegrityProof".into());
        options.insert("cryptosuite".into(), Suite::EddsaRdfc2022.name().into());
        options.insert("created".into(), created.to_rfc3339_opts(SecondsFormat::Secs, true).into());
        options.insert("verificationMethod".into(), self.verification_method.clone().into());
        options.insert("proofPurpose".into(), "assertionMethod".into());
        let hash = hash_data(unsecured, &options)?;
        let signature = self.pair.sign(&hash);
        options.insert("proofValue".into(), format!("z{}", bs58::encode(signature.as_ref()).into_string()).into());
        let mut secured = unsecured.clone();
        secured.insert("proof".into(), Value::Object(options));
        Ok(Value::Object(secured))
    }
}

/// What an embedded proof says about itself, read before its key is found.
#[derive(Debug, Clone)]
pub struct ProofInfo {
    pub suite: Suite,
    pub verification_method: String,
    pub proof_purpose: String,
    pub created: Option<String>,
}

/// The proof `doc` carries (the first one of a supported suite when it has
/// several).
pub fn proof_info(doc: &Value) -> Result<ProofInfo, DataIntegrityError> {
    let (_, proof) = split(doc)?;
    Ok(ProofInfo {
        suite: suite_of(&proof)?,
        verification_method: proof
            .get("verificationMethod")
            .and_then(Value::as_str)
            .ok_or(DataIntegrityError::Malformed("no verificationMethod"))?
            .to_owned(),
        proof_purpose: proof.get("proofPurpose").and_then(Value::as_str).unwrap_or_default().to_owned(),
        created: proof.get("created").and_then(Value::as_str).map(str::to_owned),
    })
}

fn suite_of(proof: &Map<String, Value>) -> Result<Suite, DataIntegrityError> {
    match (proof.get("type").and_then(Value::as_str), proof.get("cryptosuite").and_then(Value::as_str)) {
        (Some("DataIntegrityProof"), Some("eddsa-rdfc-2022")) => Ok(Suite::EddsaRdfc2022),
        (Some("Ed25519Signature2020"), _) => Ok(Suite::Ed25519Signature2020),
        (Some(kind), Some(suite)) => Err(DataIntegrityError::Unsupported(format!("{kind} with cryptosuite {suite}"))),
        (Some(kind), None) => Err(DataIntegrityError::Unsupported(kind.to_owned())),
        (None, _) => Err(DataIntegrityError::Malformed("the proof has no type")),
    }
}

/// The document without its proof, and the proof to check.
type Object = Map<String, Value>;

fn split(doc: &Value) -> Result<(Object, Object), DataIntegrityError> {
    let Value::Object(object) = doc else { return Err(DataIntegrityError::Malformed("the document is not a JSON object")) };
    let mut unsecured = object.clone();
    let proof = match unsecured.remove("proof") {
        None => return Err(DataIntegrityError::NoProof),
        Some(Value::Object(proof)) => proof,
        Some(Value::Array(proofs)) => {
            let objects: Vec<Map<String, Value>> = proofs.into_iter().filter_map(|p| if let Value::Object(p) = p { Some(p) } else { None }).collect();
            let first = objects.first().cloned().ok_or(DataIntegrityError::Malformed("the proof list is empty"))?;
            objects.into_iter().find(|p| suite_of(p).is_ok()).unwrap_or(first)
        }
        Some(_) => return Err(DataIntegrityError::Malformed("the proof is not an object")),
    };
    Ok((unsecured, proof))
}

/// SHA-256 of the canonical proof options (with the document's context)
/// followed by SHA-256 of the canonical document.
fn hash_data(unsecured: &Map<String, Value>, options: &Map<String, Value>) -> Result<Vec<u8>, DataIntegrityError> {
    let mut options = options.clone();
    if let Some(context) = unsecured.get("@context") {
        options.insert("@context".into(), context.clone());
    }
    let sha256 = |text: String| aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, text.as_bytes());
    let mut hash = sha256(jsonld::canonicalize(&Value::Object(options))?).as_ref().to_vec();
    hash.extend_from_slice(sha256(jsonld::canonicalize(&Value::Object(unsecured.clone()))?).as_ref());
    Ok(hash)
}

/// Checks `doc`'s proof with the Ed25519 `public_key` its verification
/// method resolved to. The caller has checked that the method belongs to
/// the issuer and is allowed for `assertionMethod`.
pub fn verify(doc: &Value, public_key: &[u8; 32]) -> Result<Suite, DataIntegrityError> {
    let (unsecured, mut proof) = split(doc)?;
    let suite = suite_of(&proof)?;
    let value = match proof.remove("proofValue") {
        Some(Value::String(value)) => value,
        _ => return Err(DataIntegrityError::Malformed("no proofValue")),
    };
    // A proof of Data Integrity 1.0 may carry its own @context; the
    // options are hashed with the document's.
    proof.remove("@context");
    let signature = value
        .strip_prefix('z')
        .and_then(|v| bs58::decode(v).into_vec().ok())
        .ok_or(DataIntegrityError::Malformed("proofValue is not base58btc multibase"))?;
    let hash = hash_data(&unsecured, &proof)?;
    UnparsedPublicKey::new(&ED25519, public_key).verify(&hash, &signature).map_err(|_| DataIntegrityError::BadSignature)?;
    Ok(suite)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn signer() -> Ed25519Signer {
        let pkcs8 = Ed25519Signer::generate_pkcs8().unwrap();
        let key = Ed25519Signer::from_pkcs8(&pkcs8, String::new()).unwrap();
        let (_, method) = did::did_key(&key.public_key());
        Ed25519Signer::from_pkcs8(&pkcs8, method).unwrap()
    }

    fn credential() -> Value {
        serde_json::json!({
            "@context": ["https://www.w3.org/ns/credentials/v2", "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"],
            "id": "urn:uuid:0190a5d2-7a4f-7cc0-8000-000000000001",
            "type": ["VerifiableCredential", "OpenBadgeCredential"],
            "issuer": { "id": "did:example:issuer", "type": ["Profile"], "name": "Example" },
            "validFrom": "2025-01-01T00:00:00Z",
            "name": "Teamwork",
            "credentialSubject": {
                "type": ["AchievementSubject"],
                "achievement": { "id": "https://example.com/a/1", "type": ["Achievement"], "name": "Teamwork", "criteria": { "narrative": "Peers." }, "description": "d" }
            }
        })
    }

    #[test]
    fn a_signed_document_verifies_and_any_change_breaks_it() {
        let other = signer();
        let signer = signer();
        let signed = signer.sign(&credential(), Utc::now()).unwrap();
        assert_eq!(signed["proof"]["cryptosuite"], "eddsa-rdfc-2022");
        assert_eq!(verify(&signed, &signer.public_key()).unwrap(), Suite::EddsaRdfc2022);

        let mut altered = signed.clone();
        altered["name"] = "Teamwork!".into();
        assert!(matches!(verify(&altered, &signer.public_key()), Err(DataIntegrityError::BadSignature)));
        let mut altered = signed.clone();
        altered["proof"]["created"] = "2020-01-01T00:00:00Z".into();
        assert!(matches!(verify(&altered, &signer.public_key()), Err(DataIntegrityError::BadSignature)));
        assert!(matches!(verify(&signed, &other.public_key()), Err(DataIntegrityError::BadSignature)));
        assert!(matches!(verify(&credential(), &signer.public_key()), Err(DataIntegrityError::NoProof)));
    }

    /// Key order and whitespace are not signed: the RDF graph is.
    #[test]
    fn reserialising_the_json_keeps_the_proof_valid() {
        let signer = signer();
        let signed = signer.sign(&credential(), Utc::now()).unwrap();
        let text = serde_json::to_string_pretty(&signed).unwrap();
        let reread: Value = serde_json::from_str(&text).unwrap();
        assert!(verify(&reread, &signer.public_key()).is_ok());
    }

    #[test]
    fn unknown_suites_are_named() {
        let mut doc = credential();
        doc["proof"] = serde_json::json!({ "type": "DataIntegrityProof", "cryptosuite": "ecdsa-sd-2023", "verificationMethod": "did:example:1#k", "proofValue": "u" });
        assert!(matches!(proof_info(&doc), Err(DataIntegrityError::Unsupported(s)) if s.contains("ecdsa-sd-2023")));
    }
}
