//! Authentication and authorisation: password hashing, access tokens, and
//! the caller extractors through which every handler states who may call it.

pub mod caller;
pub mod keys;
pub mod password;
pub mod token;

pub use caller::{Admin, AnyAccount, Caller, Employer, Issuer, Learner, MaybeAccount};
pub use password::{Password, PasswordHasher};
pub use token::{AccessTokens, Claims, TokenError};
