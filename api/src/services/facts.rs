//! A learner's credentials as the stacking engine sees them: facts with
//! their status history.

use cairn_domain::UserId;
use cairn_stacking::CredentialFact;
use chrono::{DateTime, Utc};

use crate::store::credentials::{self, Credential, CredentialStatus};
use crate::store::{DbConn, StoreResult};

/// A credential as the engine sees it, with its status history (events in
/// time order).
fn fact(credential: &Credential, events: &[credentials::StatusEvent]) -> CredentialFact {
    let mut revoked_at = None;
    let mut suspensions = Vec::new();
    let mut suspended_since: Option<DateTime<Utc>> = None;
    for event in events {
        match event.status {
            CredentialStatus::Revoked => revoked_at = revoked_at.or(Some(event.at)),
            CredentialStatus::Suspended => suspended_since = suspended_since.or(Some(event.at)),
            CredentialStatus::Active => {
                if let Some(from) = suspended_since.take() {
                    suspensions.push((from, Some(event.at)));
                }
            }
        }
    }
    if let Some(from) = suspended_since {
        suspensions.push((from, None));
    }
    CredentialFact {
        id: credential.id,
        achievement: credential.achievement,
        awarded_at: credential.awarded_at,
        valid_until: credential.valid_until,
        revoked_at,
        suspensions,
        // Issued here, so signed by a key this service holds.
        verified: true,
        credits: credential.credits_earned.clone(),
    }
}

/// Everything the learner holds, as engine facts (two queries).
pub fn learner_facts(conn: &mut DbConn, learner: UserId) -> StoreResult<Vec<CredentialFact>> {
    let held = credentials::for_learner(conn, learner)?;
    let mut events = credentials::events_of_learner(conn, learner)?;
    Ok(held.iter().map(|c| fact(c, events.remove(&c.id).as_deref().unwrap_or_default())).collect())
}

