//! Verification of credentials and presentations.

pub mod check;
