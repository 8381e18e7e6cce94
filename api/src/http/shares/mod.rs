//! Share links, opened shares and employers' share requests.

pub mod mine;
pub mod open;
pub mod requests;
