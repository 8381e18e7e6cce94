//! Employment records and attestations.

pub mod records;
