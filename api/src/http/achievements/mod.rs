//! The catalog of an institution.

pub mod create;
pub mod get;
pub mod image;
pub mod list;
pub mod retire;
pub mod update;
pub mod versions;
