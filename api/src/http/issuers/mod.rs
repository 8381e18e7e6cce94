//! Public issuer documents: profiles, keys, status lists.

pub mod jwks;
pub mod profile;
pub mod status_list;
