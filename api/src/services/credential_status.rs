//! Revoke, suspend, reinstate: three verbs over one state machine.
//! active → suspended → active (reinstate); active | suspended → revoked
//! (final: a revoked credential is never reinstated). Each change is
//! recorded with its reason, audited, and cascades to the awards built on
//! the credential (semantic 9).

use cairn_domain::{CredentialId, OrgId};

use crate::services::Context;
use crate::services::awards::{self, AwardError, Change};
use crate::services::events::{self, Event, EventKind};
use crate::services::issuer::Issuers;
use crate::services::verification::{self, Presented, Verification};
use crate::store::credentials::{self, Credential, CredentialStatus};
use crate::store::{DbConn, StoreError, audit, cascades};

#[derive(Debug, thiserror::Error)]
pub enum StatusError {
    /// No such credential in the institution.
    #[error("credential not found")]
    NotFound,
    #[error("a {} credential cannot be {}", from.as_str(), verb(*to))]
    NotAllowed { from: CredentialStatus, to: CredentialStatus },
    #[error(transparent)]
    Awards(#[from] AwardError),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// The verb of a change to `target`, as the API names it.
fn verb(target: CredentialStatus) -> &'static str {
    match target {
        CredentialStatus::Active => "reinstated",
        CredentialStatus::Suspended => "suspended",
        CredentialStatus::Revoked => "revoked",
    }
}

/// A status change made, with what its cascade did.
pub struct Changed {
    /// The credential as it is now.
    pub credential: Credential,
    pub verification: Verification,
    /// The awards built on it whose status the cascade changed.
    pub awards_changed: Vec<CredentialId>,
    /// The awards a reinstatement completed anew.
    pub awards_issued: Vec<CredentialId>,
}

/// Moves credential `id` of institution `org` to `target` for `reason`
/// (trimmed, 1 to 1,000 characters: the edge checks), then settles the
/// awards built on it. Returns the credential as it is now, verified.
pub fn change(
    conn: &mut DbConn,
    ctx: &Context,
    org: OrgId,
    id: CredentialId,
    target: CredentialStatus,
    reason: &str,
) -> Result<(Credential, Verification), StatusError> {
    change_reporting(conn, ctx, org, id, target, reason).map(|changed| (changed.credential, changed.verification))
}

/// `change`, telling what the cascade did (the bulk change reports it).
pub fn change_reporting(
    conn: &mut DbConn,
    ctx: &Context,
    org: OrgId,
    id: CredentialId,
    target: CredentialStatus,
    reason: &str,
) -> Result<Changed, StatusError> {
    let credential = credentials::find(conn, id)?.filter(|c| c.org == org).ok_or(StatusError::NotFound)?;
    // The holder's changes queue behind each other; a credential without a
    // holder has only its own history to keep in order.
    let ctx = match credential.learner {
        Some(learner) => awards::lock_holder(conn, ctx, learner)?,
        None => awards::not_before(ctx, credentials::latest_event_of(conn, id)?),
    };
    if !credentials::transition_allowed(credential.status, target) {
        return Err(StatusError::NotAllowed { from: credential.status, to: target });
    }
    // Conditional on the status just read: a concurrent change that
    // committed in between makes this a 409, never an overwrite.
    credentials::set_status(conn, id, credential.status, target, reason, Some(ctx.actor), ctx.now)?;
    let action = match target {
        CredentialStatus::Active => audit::Action::CredentialReinstate,
        CredentialStatus::Suspended => audit::Action::CredentialSuspend,
        CredentialStatus::Revoked => audit::Action::CredentialRevoke,
    };
    audit::record(
        conn,
        audit::Entry::new(action, "credential", id.to_string())
            .at(ctx.now)
            .actor(ctx.actor)
            .org(credential.org)
            .learner(credential.learner)
            .detail(serde_json::json!({ "reason": reason, "learner": credential.learner })),
    )?;
    let kind = EventKind::CredentialStatusChanged { credential: id, status: target, reason: reason.to_owned() };
    events::publish(conn, &ctx, &[Event::new(&ctx, credential.org, kind)])?;
    let updated = Credential { status: target, ..credential };
    // A direct change of an award credential overrides the cascade's
    // record of having suspended it.
    cascades::clear(conn, id)?;
    // Semantic 9, one rule both ways: every award built on this credential
    // gets the status its pathway gives now; a reinstated credential may
    // also complete pathways anew.
    let mut settled = awards::Settled::default();
    if let Some(learner) = updated.learner {
        let (_, graph) = ctx.graph(conn)?;
        let change = match target {
            CredentialStatus::Active => Change::Reinstated,
            CredentialStatus::Suspended => Change::Suspended,
            CredentialStatus::Revoked => Change::Revoked,
        };
        settled = awards::after_change(conn, &ctx, &graph, &mut Issuers::default(), learner, &[&updated], change)?;
    }
    // Not signed now: verified as stored, as anyone would verify it.
    let verification = verification::verify(conn, &ctx.public_url, &Presented::Jwt(updated.jwt.clone()), ctx.now)?;
    Ok(Changed { credential: updated, verification, awards_changed: settled.changed, awards_issued: settled.issued })
}
