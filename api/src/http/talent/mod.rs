//! Talent search.

pub mod search;
