//! The learner's own record: wallet, claims, imports, progress, CLR, discoverability.

pub mod claims;
pub mod clr;
pub mod discoverable;
pub mod import;
pub mod progress;
pub mod wallet;
