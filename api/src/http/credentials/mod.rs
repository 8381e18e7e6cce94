//! Issuing credentials and changing their status.

pub mod baked;
pub mod batch;
pub mod bulk_status;
pub mod get;
pub mod issue;
pub mod list;
pub mod status;
