//! Signing in: checking an e-mail and password (for an access token or a
//! web session), and the web face's sessions: opened on sign-in, found by
//! the cookie's secret on every page, closed on sign-out.

use cairn_domain::Email;
use chrono::{DateTime, Duration, Utc};

use crate::auth::{Caller, Password};
use crate::services::PublicContext;
use crate::signing::{self, MasterKeyError};
use crate::state::AppState;
use crate::store::users::{self, Account};
use crate::store::{StoreError, sessions};

/// Why signing in or opening a session failed.
#[derive(Debug, thiserror::Error)]
pub enum SessionError {
    /// The same answer for an unknown e-mail and a wrong password.
    #[error("wrong e-mail or password")]
    WrongCredentials,
    #[error("creating the session secret: {0}")]
    Secret(#[source] MasterKeyError),
    #[error("checking the password: {0}")]
    Hashing(#[source] anyhow::Error),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// How long a web session lasts: a working day. Sign-out ends it sooner.
pub const LIFETIME: Duration = Duration::hours(12);

/// The account these credentials belong to. A wrong e-mail and a wrong
/// password cost the same hashing work, so accounts cannot be enumerated.
pub async fn sign_in(state: &AppState, email: Email, password: String) -> Result<Account, SessionError> {
    // No hashing work for absurd inputs: no stored password is this long.
    if password.len() > Password::MAX_BYTES {
        return Err(SessionError::WrongCredentials);
    }
    let found = state.store.read(move |conn| users::find_with_hash(conn, &email)).await?;
    let hasher = state.hasher.clone();
    actix_web::web::block(move || match found {
        Some((account, hash)) if hasher.verify(&password, &hash) => Some(account),
        Some(_) => None,
        None => {
            hasher.verify_decoy(&password);
            None
        }
    })
    .await
    .map_err(|e| SessionError::Hashing(e.into()))?
    .ok_or(SessionError::WrongCredentials)
}

/// A session just opened: the secret goes into the cookie and is never
/// stored; the CSRF token goes into every form.
pub struct Opened {
    pub secret: String,
    pub csrf_token: String,
    pub expires_at: DateTime<Utc>,
}

/// Opens a session for `account` (who just signed in or registered).
pub async fn open(state: &AppState, ctx: PublicContext, account: Account) -> Result<Opened, SessionError> {
    let secret = signing::random_secret().map_err(SessionError::Secret)?;
    let csrf_token = signing::random_secret().map_err(SessionError::Secret)?;
    let secret_hash = signing::hash_secret(&secret);
    let expires_at = ctx.now + LIFETIME;
    let csrf = csrf_token.clone();
    state
        .store
        .write(move |conn| {
            sessions::delete_expired(conn, ctx.now)?;
            sessions::insert(
                conn,
                &sessions::NewSession { secret_hash: &secret_hash, account: &account, csrf_token: &csrf, now: ctx.now, expires_at },
            )
        })
        .await?;
    Ok(Opened { secret, csrf_token, expires_at })
}

/// Who a live session belongs to.
#[derive(Debug, Clone)]
pub struct SignedIn {
    pub caller: Caller,
    /// The account's display name, for the page header.
    pub name: String,
    pub csrf_token: String,
}

/// The live session the cookie's secret opens, if any.
pub async fn find(state: &AppState, now: DateTime<Utc>, secret: String) -> Result<Option<SignedIn>, StoreError> {
    let hash = signing::hash_secret(&secret);
    let found = state.store.read(move |conn| sessions::find_live(conn, &hash, now)).await?;
    Ok(found.map(|(account, csrf_token)| SignedIn {
        caller: Caller { id: account.id, role: account.role, org: account.org },
        name: account.name,
        csrf_token,
    }))
}

/// Ends the session the secret opens (sign-out).
pub async fn close(state: &AppState, secret: String) -> Result<(), StoreError> {
    let hash = signing::hash_secret(&secret);
    state.store.write(move |conn| sessions::delete(conn, &hash)).await
}
