//! Verification of credentials and presentations.

pub mod verify;
