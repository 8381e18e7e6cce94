//! Placeholder until issue 17's webhooks part lands: consumes published events.

use crate::services::Context;
use crate::services::events::kinds::Event;
use crate::store::{DbConn, StoreResult};

/// Writes the deliveries `events` call for, in the caller's transaction.
pub fn on_events(_conn: &mut DbConn, _ctx: &Context, _events: &[Event]) -> StoreResult<()> {
    Ok(())
}
