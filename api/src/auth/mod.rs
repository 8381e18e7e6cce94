//! Authentication: password hashing, the service's access tokens and the
//! caller they name. Who may call a handler is stated at the edge
//! (`http::caller`).

pub mod caller;
pub mod password;
pub mod token;

pub use caller::Caller;
pub use password::{Password, PasswordHasher};
pub use token::{AccessTokens, Claims, TokenError};
