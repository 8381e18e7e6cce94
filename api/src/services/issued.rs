//! What an institution issued: the list (filtered, newest first, each
//! credential with its history) and status changes of a selection. A bulk
//! change is the single change (`credential_status::change`) once per
//! credential, each in its own transaction, so one credential's failure
//! undoes nothing of the others; the answer says per credential what
//! happened, the awards its cascade moved included.

use std::collections::BTreeSet;

use cairn_domain::{CredentialId, OrgId};

use crate::services::Context;
use crate::services::credential_status::{self, StatusError};
use crate::store::credentials::{self, CredentialStatus};
use crate::store::issued::{self, Filter, HistoryEntry, IssuedRow};
use crate::store::{Store, StoreError};

/// Most credentials one bulk change names.
pub const MAX_BULK: usize = 500;

#[derive(Debug, thiserror::Error)]
pub enum IssuedError {
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// One credential of the list with its history, oldest entry first.
pub struct Listed {
    pub row: IssuedRow,
    pub history: Vec<HistoryEntry>,
}

/// Up to `limit` credentials of `org` matching `filter`, newest issued
/// first, after the credential `after`: two queries whatever the page size
/// (the rows, then every history of the page).
pub async fn list(store: &Store, org: OrgId, filter: Filter, after: Option<CredentialId>, limit: i64) -> Result<Vec<Listed>, IssuedError> {
    store
        .read_as(move |conn| {
            let rows = issued::list(conn, org, &filter, after, limit)?;
            let ids: Vec<CredentialId> = rows.iter().map(|r| r.id).collect();
            let mut histories = issued::histories(conn, &ids)?;
            Ok(rows.into_iter().map(|row| Listed { history: histories.remove(&row.id).unwrap_or_default(), row }).collect())
        })
        .await
}

/// An award whose status a change's cascade moved, as it is now.
#[derive(Debug, Clone)]
pub struct Cascaded {
    pub credential: CredentialId,
    pub status: CredentialStatus,
}

/// What happened to one credential of a bulk change.
#[derive(Debug)]
pub enum Outcome {
    /// Moved to the target status, with what its cascade did.
    Changed { status: CredentialStatus, cascade: Vec<Cascaded>, awards_issued: Vec<CredentialId> },
    /// Already in the target status: nothing to do.
    Unchanged { status: CredentialStatus },
    /// The state machine does not allow it (revoked is final).
    Refused { status: CredentialStatus, error: StatusError },
    /// No such credential in the institution (another's is not found either).
    NotFound,
    /// The change failed (busy database, a concurrent change); nothing of it was kept.
    Failed { error: StatusError },
}

pub struct BulkResult {
    pub credential: CredentialId,
    pub outcome: Outcome,
}

/// Moves each of `ids` (distinct, in the order given) of institution `org`
/// to `target` for `reason` (trimmed, 1 to 1,000 characters: the edge
/// checks), one transaction each, at the one instant of `ctx`.
pub async fn change_many(
    store: &Store,
    ctx: Context,
    org: OrgId,
    ids: Vec<CredentialId>,
    target: CredentialStatus,
    reason: String,
) -> Vec<BulkResult> {
    let mut results = Vec::with_capacity(ids.len());
    for id in ids {
        let (ctx, reason) = (ctx.clone(), reason.clone());
        let done = store
            .write_as(move |conn| {
                let changed = credential_status::change_reporting(conn, &ctx, org, id, target, &reason)?;
                // The cascade may pass an award twice (nested pathways); each is reported once, as it ends.
                let mut seen = BTreeSet::new();
                let mut cascade = Vec::new();
                for award in changed.awards_changed.into_iter().filter(|a| seen.insert(*a)) {
                    if let Some(now) = credentials::find(conn, award)? {
                        cascade.push(Cascaded { credential: award, status: now.status });
                    }
                }
                Ok::<_, StatusError>(Outcome::Changed { status: changed.credential.status, cascade, awards_issued: changed.awards_issued })
            })
            .await;
        let outcome = match done {
            Ok(outcome) => outcome,
            Err(StatusError::NotFound) => Outcome::NotFound,
            Err(StatusError::NotAllowed { from, to }) if from == to => Outcome::Unchanged { status: from },
            Err(error @ StatusError::NotAllowed { from, .. }) => Outcome::Refused { status: from, error },
            Err(error) => Outcome::Failed { error },
        };
        results.push(BulkResult { credential: id, outcome });
    }
    results
}
