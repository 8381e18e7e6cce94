//! The master key: 32 random bytes from `CAIRN_MASTER_KEY` (base64url) or
//! `master.key` in the data directory (created on first start, mode 0600).
//! It seals organisations' private keys with AES-256-GCM, so a copy of the
//! database alone does not reveal them.

use std::path::Path;

use aws_lc_rs::aead::{AES_256_GCM, Aad, LessSafeKey, NONCE_LEN, Nonce, UnboundKey};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

#[derive(Debug, thiserror::Error)]
pub enum MasterKeyError {
    #[error("CAIRN_MASTER_KEY must be 32 bytes, base64url-encoded")]
    Malformed,
    #[error("master key file {0}: {1}")]
    Io(String, std::io::Error),
    #[error("no randomness available")]
    Random,
    #[error("a sealed key could not be opened (wrong master key, or corrupt data)")]
    Open,
}

#[derive(Clone)]
pub struct MasterKey {
    bytes: [u8; 32],
}

impl std::fmt::Debug for MasterKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("MasterKey(***)")
    }
}

impl MasterKey {
    pub fn from_base64(text: &str) -> Result<Self, MasterKeyError> {
        let decoded = URL_SAFE_NO_PAD.decode(text.trim()).map_err(|_| MasterKeyError::Malformed)?;
        let bytes: [u8; 32] = decoded.try_into().map_err(|_| MasterKeyError::Malformed)?;
        Ok(Self { bytes })
    }

    /// `CAIRN_MASTER_KEY` when set, else the file in `data_dir`.
    pub fn load(data_dir: &Path) -> Result<Self, MasterKeyError> {
        match std::env::var("CAIRN_MASTER_KEY") {
            Ok(text) if !text.is_empty() => Self::from_base64(&text),
            _ => Self::load_or_create_file(&data_dir.join("master.key")),
        }
    }

    fn load_or_create_file(path: &Path) -> Result<Self, MasterKeyError> {
        let io = |e| MasterKeyError::Io(path.display().to_string(), e);
        match std::fs::read_to_string(path) {
            Ok(text) => Self::from_base64(&text),
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
                let mut bytes = [0u8; 32];
                aws_lc_rs::rand::fill(&mut bytes).map_err(|_| MasterKeyError::Random)?;
                let mut options = std::fs::OpenOptions::new();
                options.write(true).create_new(true);
                #[cfg(unix)]
                {
                    use std::os::unix::fs::OpenOptionsExt;
                    options.mode(0o600);
                }
                match options.open(path) {
                    Ok(mut file) => {
                        use std::io::Write;
                        file.write_all(URL_SAFE_NO_PAD.encode(bytes).as_bytes()).map_err(io)?;
                        file.sync_all().map_err(io)?;
                        Ok(Self { bytes })
                    }
                    Err(error) if error.kind() == std::io::ErrorKind::AlreadyExists => Self::from_base64(&std::fs::read_to_string(path).map_err(io)?),
                    Err(error) => Err(io(error)),
                }
            }
            Err(error) => Err(io(error)),
        }
    }

    fn cipher(&self) -> Result<LessSafeKey, MasterKeyError> {
        UnboundKey::new(&AES_256_GCM, &self.bytes).map(LessSafeKey::new).map_err(|_| MasterKeyError::Malformed)
    }

    /// base64url(nonce ‖ ciphertext ‖ tag).
    pub fn seal(&self, plaintext: &[u8]) -> Result<String, MasterKeyError> {
        let mut nonce = [0u8; NONCE_LEN];
        aws_lc_rs::rand::fill(&mut nonce).map_err(|_| MasterKeyError::Random)?;
        let mut buffer = plaintext.to_vec();
        self.cipher()?
            .seal_in_place_append_tag(Nonce::assume_unique_for_key(nonce), Aad::empty(), &mut buffer)
            .map_err(|_| MasterKeyError::Random)?;
        let mut out = nonce.to_vec();
        out.extend_from_slice(&buffer);
        Ok(URL_SAFE_NO_PAD.encode(out))
    }

    pub fn open(&self, sealed: &str) -> Result<Vec<u8>, MasterKeyError> {
        let bytes = URL_SAFE_NO_PAD.decode(sealed).map_err(|_| MasterKeyError::Open)?;
        if bytes.len() < NONCE_LEN {
            return Err(MasterKeyError::Open);
        }
        let (nonce, ciphertext) = bytes.split_at(NONCE_LEN);
        let nonce: [u8; NONCE_LEN] = nonce.try_into().map_err(|_| MasterKeyError::Open)?;
        let mut buffer = ciphertext.to_vec();
        let plaintext =
            self.cipher()?.open_in_place(Nonce::assume_unique_for_key(nonce), Aad::empty(), &mut buffer).map_err(|_| MasterKeyError::Open)?;
        Ok(plaintext.to_vec())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sealed_keys_open_only_with_the_same_master_key() {
        let master = MasterKey::from_base64(&URL_SAFE_NO_PAD.encode([7u8; 32])).unwrap();
        let other = MasterKey::from_base64(&URL_SAFE_NO_PAD.encode([8u8; 32])).unwrap();
        let sealed = master.seal(b"private key bytes").unwrap();
        assert!(!sealed.contains("private"));
        assert_eq!(master.open(&sealed).unwrap(), b"private key bytes");
        assert!(matches!(other.open(&sealed), Err(MasterKeyError::Open)));
        assert!(matches!(master.open("AAAA"), Err(MasterKeyError::Open)));
        assert!(MasterKey::from_base64("short").is_err());
    }
}
