//! The catalog of an institution.

pub mod create;
pub mod get;
pub mod list;
