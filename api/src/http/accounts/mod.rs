//! Accounts: registration, sign-in, e-mail confirmation, the caller.

pub mod email_verification;
pub mod me;
pub mod register;
pub mod token;
