//! Issuing credentials and changing their status.

pub mod baked;
pub mod batch;
pub mod get;
pub mod issue;
pub mod status;
