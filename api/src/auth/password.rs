//! Passwords: a parsed plaintext that never prints, and argon2id hashing.

use std::fmt;

use argon2::password_hash::{PasswordHash, PasswordHasher as _, PasswordVerifier as _, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use serde::Deserialize;

/// A plaintext password from a request. Its `Debug` never shows the text,
/// so it cannot end up in a log by accident.
#[derive(Clone, Deserialize)]
#[serde(try_from = "String")]
pub struct Password(String);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InvalidPassword {
    #[error("a password has at least {0} characters")]
    TooShort(usize),
    #[error("a password has at most {0} bytes")]
    TooLong(usize),
}

impl Password {
    pub const MIN_CHARS: usize = 10;
    /// Bounds the hashing work an attacker can ask for.
    pub const MAX_BYTES: usize = 1024;

    pub fn parse(raw: String) -> Result<Self, InvalidPassword> {
        if raw.chars().count() < Self::MIN_CHARS {
            return Err(InvalidPassword::TooShort(Self::MIN_CHARS));
        }
        if raw.len() > Self::MAX_BYTES {
            return Err(InvalidPassword::TooLong(Self::MAX_BYTES));
        }
        Ok(Self(raw))
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for Password {
    type Error = InvalidPassword;
    fn try_from(raw: String) -> Result<Self, Self::Error> {
        Password::parse(raw)
    }
}

impl fmt::Debug for Password {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Password(***)")
    }
}

#[derive(Debug, thiserror::Error)]
#[error("password hashing failed: {0}")]
pub struct HashError(String);

/// argon2id with the OWASP-recommended parameters (19 MiB, 2 passes).
#[derive(Clone)]
pub struct PasswordHasher {
    argon2: Argon2<'static>,
    /// A hash of a random password, verified against when the account does
    /// not exist so that sign-in takes as long for unknown e-mails.
    decoy: String,
}

impl PasswordHasher {
    pub fn new() -> Result<Self, HashError> {
        let params = Params::new(19 * 1024, 2, 1, None).map_err(|e| HashError(e.to_string()))?;
        let argon2 = Argon2::new(Algorithm::Argon2id, Version::V0x13, params);
        let mut hasher = Self { argon2, decoy: String::new() };
        hasher.decoy = hasher.hash_str(&uuid::Uuid::new_v4().to_string())?;
        Ok(hasher)
    }

    pub fn hash(&self, password: &Password) -> Result<String, HashError> {
        self.hash_str(password.expose())
    }

    fn hash_str(&self, plaintext: &str) -> Result<String, HashError> {
        let mut salt_bytes = [0u8; 16];
        aws_lc_rs::rand::fill(&mut salt_bytes).map_err(|_| HashError("no randomness available".into()))?;
        let salt = SaltString::encode_b64(&salt_bytes).map_err(|e| HashError(e.to_string()))?;
        self.argon2.hash_password(plaintext.as_bytes(), &salt).map(|hash| hash.to_string()).map_err(|e| HashError(e.to_string()))
    }

    /// Whether `plaintext` matches the stored hash. A malformed stored hash
    /// simply does not match.
    pub fn verify(&self, plaintext: &str, stored: &str) -> bool {
        match PasswordHash::new(stored) {
            Ok(parsed) => self.argon2.verify_password(plaintext.as_bytes(), &parsed).is_ok(),
            Err(_) => false,
        }
    }

    /// Spends the same time as a real verification, for unknown accounts.
    pub fn verify_decoy(&self, plaintext: &str) {
        let _ = self.verify(plaintext, &self.decoy);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_verify_and_differ_per_salt() {
        let hasher = PasswordHasher::new().unwrap();
        let password = Password::parse("correct horse battery".into()).unwrap();
        let first = hasher.hash(&password).unwrap();
        let second = hasher.hash(&password).unwrap();
        assert!(first.starts_with("$argon2id$"));
        assert_ne!(first, second);
        assert!(hasher.verify("correct horse battery", &first));
        assert!(!hasher.verify("wrong horse battery", &first));
        assert!(!hasher.verify("correct horse battery", "not a hash"));
    }

    #[test]
    fn passwords_are_bounded_and_never_printed() {
        assert_eq!(Password::parse("short".into()).err(), Some(InvalidPassword::TooShort(10)));
        assert!(Password::parse("x".repeat(2000)).is_err());
        let password = Password::parse("a very secret phrase".into()).unwrap();
        assert!(!format!("{password:?}").contains("secret"));
    }
}
