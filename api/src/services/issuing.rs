//! The issuing use case: `POST /v1/orgs/{org}/credentials` and its batch
//! form. A credential is issued by its institution (`issuer`), then settled
//! (`awards::after_change`): awards it completes are issued, awards the
//! cascade suspended that it restores are reinstated. One request loads the
//! institution and the pathway graph once, reads the clock once (its
//! context) and renders the verification of what it signed without reading
//! the VC-JWT back.

use std::collections::BTreeMap;

use cairn_domain::{AchievementId, OrgId, UserId};
use cairn_stacking::PathwayGraph;

use crate::services::Context;
use crate::services::awards::{self, AwardError, Change};
use crate::services::events::{self, Event, EventKind};
pub use crate::services::issuer::{
    EvidenceInput, IssueError, IssueRequest, Issued, Issuer, Issuers, MAX_EVIDENCE, Recipient, achievement_doc, issuer_profile, org_signer, render,
};
use crate::services::issuer::{Prepared, resolve_recipient};
use crate::services::records::CredentialView;
use crate::store::achievements::Achievement;
use crate::store::credentials::Credential;
use crate::store::{DbConn, StoreError, idempotency, status_lists};

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
    let (_, graph) = ctx.graph(conn)?;
    issue(conn, ctx, &mut issuers, &graph, org, request)
}

/// Issues every request of a batch, with the institution and the graph
/// loaded once for all of them. Returns each item's outcome in order; a
/// failed item leaves nothing behind. The batch is issued together
/// (`issue_together`); should that fail past the items' own checks (a
/// store error, an award that cannot be issued), it is undone and the
/// items are issued one by one, each in its own savepoint, so that the
/// failure is the failing item's alone.
pub fn issue_batch(
    conn: &mut DbConn,
    ctx: &Context,
    org: OrgId,
    requests: Vec<IssueRequest>,
) -> Result<Vec<Result<CredentialView, IssuingError>>, IssueError> {
    use diesel::Connection;
    let mut issuers = Issuers::default();
    issuers.get(conn, ctx, org)?;
    let (_, graph) = ctx.graph(conn)?;
    match conn.transaction(|conn| issue_together(conn, ctx, &mut issuers, &graph, org, &requests)) {
        Ok(outcomes) => Ok(outcomes),
        Err(error) => {
            tracing::warn!(%error, "the batch is issued item by item");
            Ok(requests.into_iter().map(|request| conn.transaction(|conn| issue(conn, ctx, &mut issuers, &graph, org, request))).collect())
        }
    }
}

/// Checks every request of a batch exactly as `issue_batch` does (the same
/// `check`: achievement, recipient, dates, credits, evidence) and issues
/// nothing: a dry run. The caller runs it in a transaction it does not
/// need to keep (it writes nothing; PostgreSQL takes the holders' locks).
pub fn validate_batch(conn: &mut DbConn, ctx: &Context, org: OrgId, requests: &[IssueRequest]) -> Result<Vec<Result<(), IssuingError>>, IssueError> {
    let mut issuers = Issuers::default();
    let issuer = issuers.get(conn, ctx, org)?;
    let checked = check_all(conn, ctx, &issuer, requests);
    Ok(checked.outcomes.into_iter().map(|outcome| outcome.map(|_| ())).collect())
}

/// A batch's items checked: each item's accepted index or why it was
/// refused, with what the checks loaded (reused to sign and settle).
struct Checked {
    catalog: BTreeMap<AchievementId, Option<Achievement>>,
    holders: BTreeMap<UserId, Context>,
    outcomes: Vec<Result<usize, IssuingError>>,
    accepted: Vec<Accepted>,
}

/// Every item through `check`, with the achievements, learners and
/// holders' locks of earlier items reused.
fn check_all(conn: &mut DbConn, ctx: &Context, issuer: &Issuer, requests: &[IssueRequest]) -> Checked {
    let mut catalog: BTreeMap<AchievementId, Option<Achievement>> = BTreeMap::new();
    let mut learners: BTreeMap<UserId, bool> = BTreeMap::new();
    let mut holders: BTreeMap<UserId, Context> = BTreeMap::new();
    let mut outcomes: Vec<Result<usize, IssuingError>> = Vec::with_capacity(requests.len());
    let mut accepted: Vec<Accepted> = Vec::new();
    for request in requests {
        let checked = check(conn, ctx, issuer, &mut catalog, &mut learners, &mut holders, request);
        outcomes.push(checked.map(|item| {
            accepted.push(item);
            accepted.len() - 1
        }));
    }
    Checked { catalog, holders, outcomes, accepted }
}

/// A batch item that passed its checks, at its holder's instant.
struct Accepted {
    prepared: Prepared,
    ctx: Context,
}

/// The batch in a few statements: every item is checked (a refused item is
/// its own error and changes nothing), each holder is locked once, the
/// accepted items get their status-list slots in one allocation, are
/// signed in parallel and stored many rows per statement; then each
/// holder's new credentials are settled together, one `after_change` per
/// holder (awards, restored awards) instead of one per credential. An `Err`
/// is a failure that is no single item's (the caller undoes the batch).
fn issue_together(
    conn: &mut DbConn,
    ctx: &Context,
    issuers: &mut Issuers,
    graph: &PathwayGraph,
    org: OrgId,
    requests: &[IssueRequest],
) -> Result<Vec<Result<CredentialView, IssuingError>>, IssuingError> {
    let issuer = issuers.get(conn, ctx, org)?;
    // Each item: its accepted index, or why it was refused.
    let Checked { catalog, holders, outcomes, accepted } = check_all(conn, ctx, &issuer, requests);
    let latest = accepted.iter().map(|a| a.ctx.now).max().unwrap_or(ctx.now);
    let slots = status_lists::allocate_many(conn, org, accepted.len(), latest)?;
    let contexts: Vec<Context> = accepted.iter().map(|a| a.ctx.clone()).collect();
    let to_sign = accepted.into_iter().map(|a| a.prepared).zip(slots).collect();
    let signed = issuer.sign_all(to_sign, |id| catalog.get(&id).and_then(Option::as_ref));
    let signed: Vec<Issued> = signed.into_iter().collect::<Result<_, _>>()?;
    issuer.store(conn, ctx.actor, &signed)?;
    let issued_events: Vec<Event> = signed.iter().map(|issued| issued_event(ctx, org, issued)).collect();
    events::publish(conn, ctx, &issued_events)?;
    // Settled per holder, in the order of the holders' first items.
    let mut order: Vec<UserId> = Vec::new();
    for issued in &signed {
        if let Some(learner) = issued.credential.learner
            && !order.contains(&learner)
        {
            order.push(learner);
        }
    }
    for learner in order {
        let held: Vec<&Credential> = signed.iter().map(|i| &i.credential).filter(|c| c.learner == Some(learner)).collect();
        let holder_ctx = holders.get(&learner).unwrap_or(ctx);
        awards::after_change(conn, holder_ctx, graph, issuers, learner, &held, Change::Issued)?;
    }
    let mut views = signed
        .into_iter()
        .zip(contexts)
        .map(|(issued, item_ctx)| {
            let message = catalog
                .get(&issued.credential.achievement)
                .and_then(Option::as_ref)
                .and_then(|a| a.definition.issuing_message.as_ref())
                .map(|m| m.as_str().to_owned());
            issued.into_view(item_ctx.now, message)
        })
        .map(Some)
        .collect::<Vec<_>>();
    Ok(outcomes
        .into_iter()
        .map(|outcome| {
            let index = outcome?;
            views
                .get_mut(index)
                .and_then(Option::take)
                .ok_or_else(|| IssuingError::Refused(IssueError::Store(StoreError::Corrupt(format!("no credential for batch item {index}")))))
        })
        .collect())
}

/// One batch item's checks, in the order `issue_and_settle` makes them,
/// with the achievements, learners and holders' locks of earlier items
/// reused.
fn check(
    conn: &mut DbConn,
    ctx: &Context,
    issuer: &Issuer,
    catalog: &mut BTreeMap<AchievementId, Option<Achievement>>,
    learners: &mut BTreeMap<UserId, bool>,
    holders: &mut BTreeMap<UserId, Context>,
    request: &IssueRequest,
) -> Result<Accepted, IssuingError> {
    if request.evidence.len() > MAX_EVIDENCE {
        return Err(IssueError::TooMuchEvidence.into());
    }
    let achievement = match catalog.get(&request.achievement) {
        Some(found) => found.as_ref(),
        None => {
            let found = match issuer.achievement(conn, request.achievement) {
                Ok(found) => Some(found),
                Err(IssueError::UnknownAchievement) => None,
                Err(error) => return Err(error.into()),
            };
            catalog.entry(request.achievement).or_insert(found).as_ref()
        }
    }
    .ok_or(IssueError::UnknownAchievement)?;
    if achievement.retired_at.is_some() {
        return Err(IssueError::AchievementRetired.into());
    }
    let (learner, email) = match (request.recipient.learner, &request.recipient.email) {
        // A learner named by id, as `resolve_recipient` judges it, once per learner.
        (Some(id), None) => {
            let is_learner = match learners.get(&id) {
                Some(known) => *known,
                None => {
                    let known = match resolve_recipient(conn, &request.recipient) {
                        Ok(_) => true,
                        Err(IssueError::RecipientNotLearner) => false,
                        Err(error) => return Err(error.into()),
                    };
                    *learners.entry(id).or_insert(known)
                }
            };
            if !is_learner {
                return Err(IssueError::RecipientNotLearner.into());
            }
            (Some(id), None)
        }
        _ => resolve_recipient(conn, &request.recipient)?,
    };
    let item_ctx = match learner {
        Some(learner) => match holders.get(&learner) {
            Some(locked) => locked.clone(),
            None => {
                let locked = awards::lock_holder(conn, ctx, learner)?;
                holders.entry(learner).or_insert(locked).clone()
            }
        },
        None => ctx.clone(),
    };
    let prepared = issuer.prepare(&item_ctx, request.clone(), achievement, learner, email)?;
    Ok(Accepted { prepared, ctx: item_ctx })
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
    let achievement = issuer.issuable(conn, request.achievement)?;
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
    events::publish(conn, &ctx, &[issued_event(&ctx, org, &issued)])?;
    if let Some(learner) = issued.credential.learner {
        awards::after_change(conn, &ctx, graph, issuers, learner, &[&issued.credential], Change::Issued)?;
    }
    Ok((issued, achievement, ctx))
}

fn issued_event(ctx: &Context, org: OrgId, issued: &Issued) -> Event {
    Event::new(ctx, org, EventKind::CredentialIssued { credential: issued.credential.id, claim_code: issued.claim_code.clone() })
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
        idempotency::save(conn, ctx.actor, key, &idempotency::Stored { request_hash, status, response: response.clone() }, ctx.now)?;
    }
    Ok((status, response))
}

#[cfg(test)]
mod tests {
    use base64::Engine;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    use cairn_domain::{DisplayName, Email, HttpUrl, OrgKind, Role, UserId};
    use chrono::{DateTime, Duration, Utc};

    use super::*;
    use crate::services::verification::{self, Presented};
    use crate::signing::{MasterKey, NewOrgKey};
    use crate::store::orgs::{self, NewOrganisation};
    use crate::store::users::{self, NewAccount};
    use crate::store::{DatabaseUrl, Store, achievements};

    /// A fresh SQLite database with one institution (with an achievement)
    /// and one learner, removed when dropped.
    struct World {
        path: std::path::PathBuf,
        store: Store,
        ctx: Context,
        org: OrgId,
        achievement: cairn_domain::AchievementId,
        learner: UserId,
    }

    impl Drop for World {
        fn drop(&mut self) {
            for suffix in ["", "-wal", "-shm"] {
                let _ = std::fs::remove_file(format!("{}{suffix}", self.path.display()));
            }
        }
    }

    fn world() -> World {
        let path = std::env::temp_dir().join(format!("cairn-issuing-{}.db", uuid::Uuid::now_v7()));
        let store = Store::open(&DatabaseUrl::parse(&path.display().to_string()).unwrap()).unwrap();
        let master = MasterKey::from_base64(&URL_SAFE_NO_PAD.encode([3u8; 32])).unwrap();
        let account = |email: &str, role, org| NewAccount {
            email: Email::parse(email).unwrap(),
            name: DisplayName::parse("Someone").unwrap(),
            password_hash: "not a hash".into(),
            role,
            org,
            email_verified: true,
        };
        let (admin, org, achievement, learner) = store
            .write_blocking(|conn| {
                let admin = users::insert(conn, account("admin@example.org", Role::Admin, None), None)?.id;
                let new = NewOrganisation {
                    name: DisplayName::parse("Lakeside").unwrap(),
                    kind: OrgKind::Institution,
                    url: Some(HttpUrl::parse("https://lakeside.example").unwrap()),
                };
                let org = orgs::insert(conn, new, NewOrgKey::generate(&master).unwrap(), admin)?.id;
                let definition = serde_json::from_value(serde_json::json!({
                    "name": "Statistics", "description": "Tests.", "criteria": { "narrative": "Pass." },
                    "achievementType": "MicroCredential", "validity": "P1Y"
                }))
                .unwrap();
                let achievement = achievements::insert(conn, org, definition, admin, crate::store::time::now())?.id;
                let learner = users::insert(conn, account("ada@example.org", Role::Learner, None), None)?.id;
                Ok((admin, org, achievement, learner))
            })
            .unwrap();
        let ctx =
            Context { now: crate::store::time::now(), actor: admin, public_url: "http://cairn.test".into(), master, graphs: Default::default() };
        World { path, store, ctx, org, achievement, learner }
    }

    fn request(world: &World, learner: Option<UserId>, email: Option<&str>, awarded_at: Option<DateTime<Utc>>) -> IssueRequest {
        IssueRequest {
            achievement: world.achievement,
            recipient: Recipient { learner, email: email.map(|e| Email::parse(e).unwrap()) },
            awarded_at,
            valid_until: None,
            evidence: Vec::new(),
            credits_earned: None,
        }
    }

    /// The verification a fresh credential carries is exactly what reading
    /// its VC-JWT back would say: to a learner, to an address, and expired.
    #[test]
    fn the_verification_of_what_was_just_signed_equals_verifying_it() {
        let world = world();
        let long_ago = world.ctx.now - Duration::days(800);
        let cases = [
            request(&world, Some(world.learner), None, None),
            request(&world, None, Some("newcomer@example.org"), None),
            request(&world, Some(world.learner), None, Some(long_ago)),
        ];
        for (case, request) in cases.into_iter().enumerate() {
            let ctx = world.ctx.clone();
            let (org, public_url) = (world.org, world.ctx.public_url.clone());
            let (fresh, read_back) = world
                .store
                .write_blocking_as(move |conn| {
                    let view = issue_one(conn, &ctx, org, request)?;
                    let read_back = verification::verify(conn, &public_url, &Presented::Jwt(view.jwt.clone()), ctx.now)?;
                    Ok::<_, IssuingError>((view.verification, read_back))
                })
                .unwrap();
            assert_eq!(serde_json::to_value(&fresh).unwrap(), serde_json::to_value(&read_back).unwrap(), "case {case}");
            assert_eq!(fresh.verified, case != 2, "case {case}: only the expired one fails");
        }
    }
}
