//! The events themselves, apart from `publish`, so that the consumers
//! (`notifications`, `webhooks`) name them without importing the module
//! that calls them.

use cairn_domain::{CredentialId, OrgId, PathwayId, ReviewId, ShareId, ShareRequestId, UserId};
use chrono::{DateTime, Utc};
use uuid::Uuid;

use crate::services::Context;
use crate::store::credentials::CredentialStatus;

/// One thing that happened, once: `id` is stable (receivers deduplicate
/// on it), `at` is the instant of the change, `org` the organisation it
/// belongs to (the issuing institution; for share requests the employer).
#[derive(Debug, Clone)]
pub struct Event {
    pub id: Uuid,
    pub at: DateTime<Utc>,
    pub org: OrgId,
    pub kind: EventKind,
}

#[derive(Debug, Clone)]
pub enum EventKind {
    /// A credential was issued by hand, in a batch or through the VC API
    /// (not an award: that is `AwardEarned`). `claim_code` is the
    /// single-use code when it was issued to an address without an
    /// account: the only moment it exists in plain text.
    CredentialIssued { credential: CredentialId, claim_code: Option<String> },
    /// A credential waiting at an address moved into `learner`'s wallet.
    CredentialClaimed { credential: CredentialId, learner: UserId },
    /// A credential (an award too, also through the cascade) was
    /// suspended, revoked or reinstated (`status` is the new one).
    CredentialStatusChanged { credential: CredentialId, status: CredentialStatus, reason: String },
    /// A pathway's award was issued to `learner`.
    AwardEarned { credential: CredentialId, pathway: PathwayId, learner: UserId },
    /// A completed pathway with review issuance waits for the institution.
    ReviewQueued { review: ReviewId, pathway: PathwayId, learner: UserId },
    /// An employer (`org`) asked `learner` for a share.
    ShareRequested { request: ShareRequestId, learner: UserId },
    /// `learner` answered an employer's (`org`) request with `share`.
    ShareRequestGranted { request: ShareRequestId, share: ShareId, learner: UserId },
}

impl EventKind {
    /// The event's stable name, as webhook subscriptions and payloads
    /// spell it.
    pub fn name(&self) -> &'static str {
        match self {
            EventKind::CredentialIssued { .. } => "credential.issued",
            EventKind::CredentialClaimed { .. } => "credential.claimed",
            EventKind::CredentialStatusChanged { status: CredentialStatus::Suspended, .. } => "credential.suspended",
            EventKind::CredentialStatusChanged { status: CredentialStatus::Revoked, .. } => "credential.revoked",
            EventKind::CredentialStatusChanged { status: CredentialStatus::Active, .. } => "credential.reinstated",
            EventKind::AwardEarned { .. } => "award.earned",
            EventKind::ReviewQueued { .. } => "review.queued",
            EventKind::ShareRequested { .. } => "share_request.created",
            EventKind::ShareRequestGranted { .. } => "share_request.granted",
        }
    }
}

impl Event {
    /// An event of `org` at the context's instant, with a new id.
    pub fn new(ctx: &Context, org: OrgId, kind: EventKind) -> Self {
        Self { id: Uuid::now_v7(), at: ctx.now, org, kind }
    }
}
