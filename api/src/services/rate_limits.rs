//! Counting a request against a per-account limit, in the database so the
//! limit holds across every node on it.

use crate::rate_limit::RateLimiter;
use crate::services::Context;
use crate::store::{Store, StoreError, rate_limits};

/// Why a request was not admitted.
#[derive(Debug, thiserror::Error)]
pub enum LimitError {
    #[error("too many requests; try again in {retry_after} s")]
    Exceeded { retry_after: u64 },
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Counts one request of the context's actor against `limiter`, at the
/// context's instant, in a transaction of its own: a refused or failed
/// request still counts, as it did with the per-process counters.
pub async fn check(store: &Store, ctx: &Context, limiter: RateLimiter) -> Result<(), LimitError> {
    let (account, now) = (ctx.actor, ctx.now);
    let counted = store.write(move |conn| rate_limits::hit(conn, limiter.bucket(), account, now, limiter.window())).await?;
    if counted.count == 1 {
        // A window opened: now and then is often enough to drop the rows of
        // accounts that stopped calling. Outside the counting transaction,
        // so it never holds a counter's row lock while it deletes others;
        // a failure only leaves rows for the next purge.
        if let Err(error) = store.write(move |conn| rate_limits::purge_ended(conn, limiter.bucket(), now, limiter.window())).await {
            tracing::warn!(%error, bucket = limiter.bucket(), "could not delete ended rate-limit windows");
        }
    }
    limiter.admits(counted.window_start, counted.count, now).map_err(|retry_after| LimitError::Exceeded { retry_after })
}
