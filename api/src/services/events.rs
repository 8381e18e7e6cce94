//! What happened, for the people and systems outside who want to know:
//! learners by e-mail (`notifications`) and institutions' or employers'
//! endpoints (`webhooks`). A use case publishes its events inside the
//! transaction that made the change, and each consumer writes its own
//! durable deliveries in that same transaction: an event is delivered
//! if and only if its change committed, and a retried request that
//! changed nothing publishes nothing.

pub mod kinds;

pub use kinds::{Event, EventKind};

use crate::services::Context;
use crate::services::{notifications, webhooks};
use crate::store::{DbConn, StoreResult};

/// Hands `events` to every consumer, in the caller's transaction.
pub fn publish(conn: &mut DbConn, ctx: &Context, events: &[Event]) -> StoreResult<()> {
    if events.is_empty() {
        return Ok(());
    }
    notifications::on_events(conn, ctx, events)?;
    webhooks::on_events(conn, ctx, events)?;
    Ok(())
}
