//! The issuing use case: `POST /v1/orgs/{org}/credentials` and its batch
//! form. A credential is issued by its institution (`issuer`), then settled
//! (`awards::after_change`): awards it completes are issued, awards the
//! cascade suspended that it restores are reinstated. One request loads the
//! institution and the pathway graph once, reads the clock once (its
//! context) and renders the verification of what it signed without reading
//! the VC-JWT back.

use cairn_domain::OrgId;
use cairn_stacking::PathwayGraph;

use crate::services::Context;
use crate::services::issuer::resolve_recipient;
use crate::services::awards::{self, AwardError, Change};
pub use crate::services::issuer::{
    EvidenceInput, IssueError, IssueRequest, Issued, Issuer, Issuers, MAX_EVIDENCE, Recipient, achievement_doc, issuer_profile, org_signer,
    render,
};
use crate::services::records::CredentialView;
use crate::store::achievements::Achievement;
use crate::store::{DbConn, StoreError, idempotency};

#[derive(Debug, thiserror::Error)]
pub enum IssuingError {
    /// The credential was refused (or could not be signed or stored).
    #[error(transparent)]
    Refused(#[from] IssueError),
    /// Awarding what the new credential completes failed.
    #[error(transparent)]
    Awards(#[from] AwardError),
    /// An `Idempotency-Key` replayed with another request.
    #[error("this key was already used with a different request")]
    IdempotencyKeyReused,
}

impl From<StoreError> for IssuingError {
    fn from(error: StoreError) -> Self {
        IssuingError::Refused(IssueError::Store(error))
    }
}

/// For savepoints (`Connection::transaction`).
impl From<diesel::result::Error> for IssuingError {
    fn from(error: diesel::result::Error) -> Self {
        IssuingError::Refused(IssueError::Store(StoreError::from_query(error)))
    }
}

/// Issues one credential as `POST /v1/orgs/{org}/credentials` asks: the
/// institution and the pathway graph are loaded once, then `issue`.
pub fn issue_one(conn: &mut DbConn, ctx: &Context, org: OrgId, request: IssueRequest) -> Result<CredentialView, IssuingError> {
    let mut issuers = Issuers::default();
    issuers.get(conn, ctx, org)?;
    let graph = awards::load_graph(conn)?;
    issue(conn, ctx, &mut issuers, &graph, org, request)
}

/// Issues every request of a batch, each in its own savepoint (a failure
/// undoes that item only), with the institution and the graph loaded once
/// for all of them. Returns each item's outcome in order.
pub fn issue_batch(
    conn: &mut DbConn,
    ctx: &Context,
    org: OrgId,
    requests: Vec<IssueRequest>,
) -> Result<Vec<Result<CredentialView, IssuingError>>, IssueError> {
    use diesel::Connection;
    let mut issuers = Issuers::default();
    issuers.get(conn, ctx, org)?;
    let graph = awards::load_graph(conn)?;
    Ok(requests.into_iter().map(|request| conn.transaction(|conn| issue(conn, ctx, &mut issuers, &graph, org, request))).collect())
}

/// One credential issued and settled: awards it completes are issued, and
/// awards the cascade suspended that it restores are reinstated (semantic 9).
pub fn issue(
    conn: &mut DbConn,
    ctx: &Context,
    issuers: &mut Issuers,
    graph: &PathwayGraph,
    org: OrgId,
    request: IssueRequest,
) -> Result<CredentialView, IssuingError> {
    let (issued, achievement, ctx) = issue_and_settle(conn, ctx, issuers, graph, org, request)?;
    let message = achievement.definition.issuing_message.map(|m| m.as_str().to_owned());
    Ok(issued.into_view(ctx.now, message))
}

/// `issue` without rendering (the demo loads its data through it). Returns
/// the context the credential was issued in (its instant may follow the
/// holder's latest change, see `awards::lock_holder`).
pub fn issue_and_settle(
    conn: &mut DbConn,
    ctx: &Context,
    issuers: &mut Issuers,
    graph: &PathwayGraph,
    org: OrgId,
    request: IssueRequest,
) -> Result<(Issued, Achievement, Context), IssuingError> {
    let issuer = issuers.get(conn, ctx, org)?;
    // The cap is on what callers send; an award names every constituent.
    if request.evidence.len() > MAX_EVIDENCE {
        return Err(IssueError::TooMuchEvidence.into());
    }
    let achievement = issuer.achievement(conn, request.achievement)?;
    let (learner, email) = resolve_recipient(conn, &request.recipient)?;
    // A new credential takes part in the award cascade (it may restore an
    // award the cascade suspended), so it queues behind the holder's status
    // changes, as they queue behind each other (PostgreSQL): the holder's
    // lock first, then the status lists.
    let ctx = match learner {
        Some(learner) => awards::lock_holder(conn, ctx, learner)?,
        None => ctx.clone(),
    };
    let issued = issuer.issue_to(conn, &ctx, request, &achievement, learner, email)?;
    if let Some(learner) = issued.credential.learner {
        awards::after_change(conn, &ctx, graph, issuers, learner, &[&issued.credential], Change::Issued)?;
    }
    Ok((issued, achievement, ctx))
}

/// Replays the stored response of an `Idempotency-Key` already used by the
/// actor with this request, refuses it with another request, or runs
/// `work` and stores its response (status and body) in the same
/// transaction: a retry sees both or neither.
pub fn idempotent<E>(
    conn: &mut DbConn,
    ctx: &Context,
    key: Option<&str>,
    request_hash: String,
    status: u16,
    work: impl FnOnce(&mut DbConn) -> Result<String, E>,
) -> Result<(u16, String), E>
where
    E: From<IssuingError> + From<StoreError>,
{
    if let Some(key) = key
        && let Some(stored) = idempotency::find(conn, ctx.actor, key)?
    {
        if stored.request_hash != request_hash {
            return Err(IssuingError::IdempotencyKeyReused.into());
        }
        return Ok((stored.status, stored.response));
    }
    let response = work(conn)?;
    if let Some(key) = key {
        idempotency::save(conn, ctx.actor, key, &idempotency::Stored { request_hash, status, response: response.clone() })?;
    }
    Ok((status, response))
}

