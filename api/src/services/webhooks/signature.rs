//! The Standard Webhooks signature: a secret `whsec_` + base64 of random
//! bytes; each message signed as `v1,` + base64(HMAC-SHA256(secret bytes,
//! "{webhook-id}.{webhook-timestamp}.{body}")).

use aws_lc_rs::hmac;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;

/// Random bytes in a new secret (the scheme asks for 24 to 64).
const SECRET_BYTES: usize = 32;
const PREFIX: &str = "whsec_";

#[derive(Debug, thiserror::Error)]
pub enum SecretError {
    #[error("no randomness available")]
    Random,
    #[error("a webhook secret must be `whsec_` followed by base64")]
    Malformed,
}

/// A new secret in its shown form (`whsec_…`).
pub fn new_secret() -> Result<String, SecretError> {
    let mut bytes = [0u8; SECRET_BYTES];
    aws_lc_rs::rand::fill(&mut bytes).map_err(|_| SecretError::Random)?;
    Ok(format!("{PREFIX}{}", STANDARD.encode(bytes)))
}

/// The key bytes of a shown secret.
pub fn secret_bytes(secret: &str) -> Result<Vec<u8>, SecretError> {
    let encoded = secret.strip_prefix(PREFIX).ok_or(SecretError::Malformed)?;
    STANDARD.decode(encoded).map_err(|_| SecretError::Malformed)
}

/// The `webhook-signature` header value for one message.
pub fn sign(key: &[u8], id: &str, timestamp: i64, body: &str) -> String {
    let key = hmac::Key::new(hmac::HMAC_SHA256, key);
    let tag = hmac::sign(&key, format!("{id}.{timestamp}.{body}").as_bytes());
    format!("v1,{}", STANDARD.encode(tag.as_ref()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signs_the_standard_webhooks_example() {
        // The test vector of the Standard Webhooks reference libraries.
        let key = secret_bytes("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw").unwrap();
        let body = r#"{"test": 2432232314}"#;
        assert_eq!(sign(&key, "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, body), "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
    }

    #[test]
    fn new_secrets_round_trip() {
        let secret = new_secret().unwrap();
        assert!(secret.starts_with("whsec_"));
        assert_eq!(secret_bytes(&secret).unwrap().len(), SECRET_BYTES);
        assert_ne!(secret, new_secret().unwrap());
        assert!(secret_bytes("nope").is_err());
    }
}
