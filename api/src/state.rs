//! What every handler can reach: the store, keys, limits and the mailer.
//! Below the edge, so handlers and use cases import it and it imports
//! neither.

use crate::auth::{AccessTokens, Password, PasswordHasher};
use crate::signing::MasterKey;
use crate::store::Store;

/// What every handler can reach.
pub struct AppState {
    pub store: Store,
    pub tokens: AccessTokens,
    pub hasher: PasswordHasher,
    /// Seals organisations' private keys.
    pub master: MasterKey,
    /// Signs documents the service issues itself (CLR exports).
    pub platform: crate::signing::OrgSigner,
    /// The URL clients reach the service at, without a trailing slash.
    pub public_url: String,
    /// Talent search: 60 searches a minute per employer account, counted
    /// in the database (`services::rate_limits`).
    pub talent_limiter: crate::rate_limit::RateLimiter,
    /// Outgoing mail (SMTP or the outbox folder).
    pub mailer: crate::mail::Mailer,
    /// Re-sending a verification code: 5 an hour per account, counted in
    /// the database.
    pub verification_limiter: crate::rate_limit::RateLimiter,
    /// The compiled pathway graph, shared by every request of this node.
    pub graphs: std::sync::Arc<crate::graph_cache::GraphCache>,
    /// Outbound GET (status lists, DID documents, hosted badges). Blocking:
    /// call it inside the store's closures or `web::block`.
    pub fetcher: std::sync::Arc<dyn crate::fetch::Fetch>,
    /// Outbound POST of webhook deliveries (same address rule). Blocking.
    pub poster: std::sync::Arc<crate::fetch::HttpPoster>,
    /// Documents fetched from elsewhere by URL: status list credentials
    /// (kept for their `ttl`) and DID documents.
    pub fetch_cache: crate::fetch::Cache<crate::fetch::Fetched>,
}

impl AppState {
    /// Hashes on the blocking pool: argon2 is deliberately slow.
    pub async fn hash_password(&self, password: Password) -> anyhow::Result<String> {
        let hasher = self.hasher.clone();
        Ok(actix_web::web::block(move || hasher.hash(&password)).await??)
    }
}
