//! A learner's credentials as the stacking engine sees them: facts with
//! their status history.

use std::collections::HashMap;

use cairn_domain::UserId;
use cairn_stacking::CredentialFact;
use chrono::{DateTime, Utc};

use crate::store::credentials::{self, CredentialStatus, FactRow};
use crate::store::{DbConn, StoreResult};

/// A credential as the engine sees it, with its status history (events in
/// time order).
fn fact(credential: &FactRow, events: &[credentials::StatusEvent]) -> CredentialFact {
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
    Ok(facts_of(conn, &[learner])?.remove(&learner).unwrap_or_default())
}

/// Everything each of `learners` holds, as engine facts (two queries per
/// few hundred learners); learners holding nothing are absent.
pub fn facts_of(conn: &mut DbConn, learners: &[UserId]) -> StoreResult<HashMap<UserId, Vec<CredentialFact>>> {
    let held = credentials::fact_rows(conn, learners)?;
    let mut events = credentials::events_of_learners(conn, learners)?;
    let mut out: HashMap<UserId, Vec<CredentialFact>> = HashMap::new();
    for row in &held {
        out.entry(row.learner).or_default().push(fact(row, events.remove(&row.id).as_deref().unwrap_or_default()));
    }
    Ok(out)
}
