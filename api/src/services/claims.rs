//! Claims: credentials issued to an e-mail address move into the wallet of
//! the learner who proves the address (a redeemed claim code, or a
//! confirmed address).

use cairn_domain::UserId;

use crate::services::Context;
use crate::services::awards::{self, AwardError, Change};
use crate::services::events::{self, Event, EventKind};
use crate::services::issuer::{IssueError, Issued, Issuers};
use crate::services::records::CredentialView;
use crate::store::credentials::Credential;
use crate::store::{DbConn, StoreError, achievements, audit, credentials};

#[derive(Debug, thiserror::Error)]
pub enum ClaimError {
    /// No unclaimed credential has this code (unknown or already used).
    #[error("claim code not found")]
    UnknownCode,
    /// A waiting credential's achievement is gone.
    #[error("achievement not found")]
    AchievementNotFound,
    /// Re-signing failed (the institution or its key).
    #[error(transparent)]
    Issue(#[from] IssueError),
    #[error(transparent)]
    Awards(#[from] AwardError),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Redeems a claim code (its hash): the credential moves into the wallet of
/// the learner who acts (`ctx.actor`). Returns it as the wallet shows it.
pub fn redeem(conn: &mut DbConn, ctx: &Context, code_hash: &str) -> Result<CredentialView, ClaimError> {
    let waiting = credentials::find_by_claim(conn, code_hash)?.ok_or(ClaimError::UnknownCode)?;
    let (moved, ctx) = move_signed(conn, ctx, ctx.actor, vec![waiting])?;
    let claimed = moved.into_iter().next().ok_or(ClaimError::UnknownCode)?;
    Ok(claimed.into_view(ctx.now, None))
}

/// Moves credentials that wait for an e-mail address into `learner`'s
/// wallet: each is re-signed with the learner as its subject, its claim code
/// spent and the claim audited; then awards are settled as for any new
/// credential. The one path for a redeemed claim code and for a confirmed
/// address (`POST /v1/auth/verify-email`). Returns the moved credentials.
pub fn move_into_wallet(conn: &mut DbConn, ctx: &Context, learner: UserId, waiting: Vec<Credential>) -> Result<Vec<Credential>, ClaimError> {
    Ok(move_signed(conn, ctx, learner, waiting)?.0.into_iter().map(|issued| issued.credential).collect())
}

/// `move_into_wallet`, with what was signed, and the context it ran in.
fn move_signed(conn: &mut DbConn, ctx: &Context, learner: UserId, waiting: Vec<Credential>) -> Result<(Vec<Issued>, Context), ClaimError> {
    if waiting.is_empty() {
        return Ok((Vec::new(), ctx.clone()));
    }
    // The credentials join the holder's cascade: their changes queue
    // behind the holder's others, as issuing does.
    let ctx = awards::lock_holder(conn, ctx, learner)?;
    let mut issuers = Issuers::default();
    let mut moved = Vec::with_capacity(waiting.len());
    for mut credential in waiting {
        let achievement =
            achievements::find_version(conn, credential.achievement, credential.achievement_version)?.ok_or(ClaimError::AchievementNotFound)?;
        let issuer = issuers.get(conn, &ctx, credential.org)?;
        credential.learner = Some(learner);
        let payload = issuer.sign(&achievement, &mut credential)?;
        credentials::claim(conn, credential.id, learner, &credential.ob3, &credential.jwt)?;
        audit::record(
            conn,
            audit::Entry::new(audit::Action::CredentialClaim, "credential", credential.id.to_string())
                .at(ctx.now)
                .actor(learner)
                .org(credential.org)
                .learner(learner),
        )?;
        events::publish(conn, &ctx, &[Event::new(&ctx, credential.org, EventKind::CredentialClaimed { credential: credential.id, learner })])?;
        moved.push(Issued { credential, claim_code: None, payload });
    }
    let (_, graph) = ctx.graph(conn)?;
    // A claimed credential may restore an award the cascade suspended, and
    // complete pathways.
    let changed: Vec<&Credential> = moved.iter().map(|issued| &issued.credential).collect();
    awards::after_change(conn, &ctx, &graph, &mut issuers, learner, &changed, Change::Issued)?;
    Ok((moved, ctx))
}
