//! The learner's own record: wallet, claims, imports, progress, CLR, discoverability, mail.

pub mod claims;
pub mod clr;
pub mod discoverable;
pub mod import;
pub mod notifications;
pub mod progress;
pub mod wallet;
