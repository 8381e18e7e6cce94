//! Organisations, their staff, trusted issuers and the audit log.

pub mod audit;
pub mod create;
pub mod get;
pub mod list;
pub mod members_create;
pub mod members_list;
pub mod trusted_issuers;
