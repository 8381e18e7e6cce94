//! The review queue: awards of pathways with `"issuance": "review"` wait
//! for an issuer of the institution to approve (the award is issued, as an
//! automatic one would have been) or reject them.

use cairn_domain::{OrgId, ReviewId};

use crate::services::Context;
use crate::services::awards::{self, AwardError, Change};
use crate::services::issuer::Issuers;
use crate::store::award_reviews::{self, Review, ReviewStatus};
use crate::store::{DbConn, StoreError, audit, credentials};

#[derive(Debug, thiserror::Error)]
pub enum ReviewError {
    /// No such review in the institution.
    #[error("award review not found")]
    NotFound,
    #[error("this review was already {}", .0.as_str())]
    AlreadyDecided(ReviewStatus),
    /// A concurrent decision came first.
    #[error("this review was already decided")]
    DecidedConcurrently,
    /// A constituent was lost meanwhile.
    #[error("the learner no longer completes this pathway; reject the review instead")]
    NoLongerComplete,
    #[error("the award was already issued")]
    AlreadyAwarded,
    #[error(transparent)]
    Awards(#[from] AwardError),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Approves review `id` of institution `org`: the award is issued now
/// (`awarded_at` = when the pathway was completed), then settled as any
/// new credential of the learner (it may complete pathways built on it).
pub fn approve(conn: &mut DbConn, ctx: &Context, org: OrgId, id: ReviewId) -> Result<Review, ReviewError> {
    let review = pending(conn, id, org)?;
    let ctx = awards::lock_holder(conn, ctx, review.learner)?;
    let (_, graph) = ctx.graph(conn)?;
    let facts = awards::learner_facts(conn, review.learner)?;
    let completion = awards::completion(&graph, review.pathway, &facts, ctx.now).ok_or(ReviewError::NoLongerComplete)?;
    let mut issuers = Issuers::default();
    let award =
        awards::issue_award(conn, &ctx, &graph, &mut issuers, review.pathway, review.learner, &completion)?.ok_or(ReviewError::AlreadyAwarded)?;
    if !award_reviews::decide(conn, id, ReviewStatus::Approved, None, ctx.actor, Some(award), ctx.now)? {
        return Err(ReviewError::DecidedConcurrently);
    }
    audit::record(
        conn,
        audit::Entry::new(audit::Action::AwardApprove, "award_review", id.to_string())
            .at(ctx.now)
            .actor(ctx.actor)
            .org(org)
            .learner(review.learner)
            .detail(serde_json::json!({ "pathway": review.pathway, "award": award })),
    )?;
    if let Some(award) = credentials::find(conn, award)? {
        awards::after_change(conn, &ctx, &graph, &mut issuers, review.learner, &[&award], Change::Issued)?;
    }
    award_reviews::find(conn, id)?.ok_or(ReviewError::NotFound)
}

/// Rejects review `id` of institution `org` for `reason` (trimmed, 1 to
/// 1,000 characters: the edge checks). The learner is not queued again for
/// this pathway.
pub fn reject(conn: &mut DbConn, ctx: &Context, org: OrgId, id: ReviewId, reason: &str) -> Result<Review, ReviewError> {
    let review = pending(conn, id, org)?;
    if !award_reviews::decide(conn, id, ReviewStatus::Rejected, Some(reason), ctx.actor, None, ctx.now)? {
        return Err(ReviewError::DecidedConcurrently);
    }
    audit::record(
        conn,
        audit::Entry::new(audit::Action::AwardReject, "award_review", id.to_string())
            .at(ctx.now)
            .actor(ctx.actor)
            .org(org)
            .learner(review.learner)
            .detail(serde_json::json!({ "pathway": review.pathway, "reason": reason })),
    )?;
    award_reviews::find(conn, id)?.ok_or(ReviewError::NotFound)
}

/// The review `id` of institution `org`, still pending.
fn pending(conn: &mut DbConn, id: ReviewId, org: OrgId) -> Result<Review, ReviewError> {
    let review = award_reviews::find(conn, id)?.filter(|r| r.org == org).ok_or(ReviewError::NotFound)?;
    if review.status != ReviewStatus::Pending {
        return Err(ReviewError::AlreadyDecided(review.status));
    }
    Ok(review)
}
