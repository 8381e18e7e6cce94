//! Public issuer documents: profiles, keys, DID documents, status lists.

pub mod did;
pub mod jwks;
pub mod profile;
pub mod status_list;
