//! W3C Bitstring Status List v1.0: a bitstring of at least 131,072 entries,
//! GZIP-compressed and multibase-encoded (base64url without padding, `u`
//! prefix). Index 0 is the most significant bit of the first byte.

use std::io::{Read, Write};

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Utc};
use serde_json::{Value, json};

use crate::ob3::{IssuerProfile, OB_CONTEXT, StatusPurpose, VC_CONTEXT, profile_json, timestamp};

/// Entries in every list Cairn publishes (the specification's minimum).
pub const MIN_ENTRIES: usize = 131_072;
/// Largest list accepted when decoding (16 Mi entries = 2 MiB), so a hostile
/// list cannot exhaust memory.
pub const MAX_BYTES: usize = 2 * 1024 * 1024;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StatusListError {
    #[error("index {0} is outside the list")]
    OutOfRange(usize),
    #[error("the encoded list must start with the multibase prefix `u`")]
    Prefix,
    #[error("the encoded list is not base64url")]
    Base64,
    #[error("the encoded list is not valid GZIP data")]
    Gzip,
    #[error("the decoded list is larger than {MAX_BYTES} bytes")]
    TooLarge,
    #[error("the decoded list is smaller than {MIN_ENTRIES} entries")]
    TooSmall,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatusList {
    bytes: Vec<u8>,
}

impl Default for StatusList {
    fn default() -> Self {
        Self::new()
    }
}

impl StatusList {
    pub fn new() -> Self {
        Self { bytes: vec![0; MIN_ENTRIES / 8] }
    }

    pub fn len(&self) -> usize {
        self.bytes.len() * 8
    }

    pub fn is_empty(&self) -> bool {
        self.bytes.is_empty()
    }

    pub fn set(&mut self, index: usize, value: bool) -> Result<(), StatusListError> {
        let byte = self.bytes.get_mut(index / 8).ok_or(StatusListError::OutOfRange(index))?;
        let mask = 0x80u8 >> (index % 8);
        if value {
            *byte |= mask
        } else {
            *byte &= !mask
        }
        Ok(())
    }

    pub fn get(&self, index: usize) -> Result<bool, StatusListError> {
        let byte = self.bytes.get(index / 8).ok_or(StatusListError::OutOfRange(index))?;
        Ok(byte & (0x80u8 >> (index % 8)) != 0)
    }

    pub fn encode(&self) -> Result<String, StatusListError> {
        let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        encoder.write_all(&self.bytes).map_err(|_| StatusListError::Gzip)?;
        let compressed = encoder.finish().map_err(|_| StatusListError::Gzip)?;
        Ok(format!("u{}", URL_SAFE_NO_PAD.encode(compressed)))
    }

    pub fn decode(encoded: &str) -> Result<Self, StatusListError> {
        let body = encoded.strip_prefix('u').ok_or(StatusListError::Prefix)?;
        let compressed = URL_SAFE_NO_PAD.decode(body).map_err(|_| StatusListError::Base64)?;
        let mut bytes = Vec::new();
        flate2::read::GzDecoder::new(compressed.as_slice()).take(MAX_BYTES as u64 + 1).read_to_end(&mut bytes).map_err(|_| StatusListError::Gzip)?;
        if bytes.len() > MAX_BYTES {
            return Err(StatusListError::TooLarge);
        }
        if bytes.len() * 8 < MIN_ENTRIES {
            return Err(StatusListError::TooSmall);
        }
        Ok(Self { bytes })
    }
}

/// A `BitstringStatusListCredential` for the list at `id`.
pub fn list_credential_json(id: &str, issuer: &IssuerProfile, purpose: StatusPurpose, encoded: &str, valid_from: DateTime<Utc>) -> Value {
    json!({
        "@context": [VC_CONTEXT, OB_CONTEXT],
        "id": id,
        "type": ["VerifiableCredential", "BitstringStatusListCredential"],
        "issuer": profile_json(issuer),
        "validFrom": timestamp(valid_from),
        "credentialSubject": {
            "id": format!("{id}#list"),
            "type": "BitstringStatusList",
            "statusPurpose": purpose.as_str(),
            "encodedList": encoded,
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bits_round_trip_through_the_encoding() {
        let mut list = StatusList::new();
        assert_eq!(list.len(), 131_072);
        for index in [0, 7, 8, 42, 131_071] {
            list.set(index, true).unwrap();
        }
        let encoded = list.encode().unwrap();
        assert!(encoded.starts_with('u'));
        let decoded = StatusList::decode(&encoded).unwrap();
        assert_eq!(decoded, list);
        assert!(decoded.get(42).unwrap() && !decoded.get(43).unwrap());
        list.set(42, false).unwrap();
        assert!(!list.get(42).unwrap());
    }

    #[test]
    fn index_zero_is_the_leftmost_bit() {
        let mut list = StatusList::new();
        list.set(0, true).unwrap();
        list.set(9, true).unwrap();
        assert_eq!(list.bytes[0], 0b1000_0000);
        assert_eq!(list.bytes[1], 0b0100_0000);
        // An empty list compresses to a small document.
        assert!(StatusList::new().encode().unwrap().len() < 300);
    }

    #[test]
    fn malformed_lists_are_errors() {
        assert_eq!(StatusList::new().set(131_072, true), Err(StatusListError::OutOfRange(131_072)));
        assert_eq!(StatusList::decode("H4sI"), Err(StatusListError::Prefix));
        assert_eq!(StatusList::decode("u!!!"), Err(StatusListError::Base64));
        assert_eq!(StatusList::decode("uAAAA"), Err(StatusListError::Gzip));
        let small = StatusList { bytes: vec![0; 10] }.encode().unwrap();
        assert_eq!(StatusList::decode(&small), Err(StatusListError::TooSmall));
        let huge = StatusList { bytes: vec![0; MAX_BYTES + 8] }.encode().unwrap();
        assert_eq!(StatusList::decode(&huge), Err(StatusListError::TooLarge));
    }
}
