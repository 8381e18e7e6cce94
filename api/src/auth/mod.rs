//! Authentication: password hashing and the service's access tokens. Who
//! may call a handler is stated at the edge (`http::caller`).

pub mod password;
pub mod token;

pub use password::{Password, PasswordHasher};
pub use token::{AccessTokens, Claims, TokenError};
