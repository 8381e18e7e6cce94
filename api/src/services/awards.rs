//! The bridge between stored data and the stacking engine: the pathway
//! graph from the catalog and the registered pathways, a learner's
//! credentials as engine facts, automatic awards and the award cascade
//! (one stateless rule, `recheck_awards`).
//! Everything here runs inside the caller's transaction, at the caller's
//! instant (`Context::now`). The use cases enter through `after_change`
//! (a learner gained or lost a credential) and `award_pathway_to` (a
//! pathway's back-fill job, one learner at a time).

use std::collections::BTreeSet;

use cairn_domain::{CredentialId, PathwayId, UserId};
use cairn_stacking::{AwardStanding, CredentialFact, EvalOptions, Issuance, OnConstituentRevoked, PathwayGraph, Status};
use chrono::{DateTime, Utc};
use diesel::Connection;

use crate::services::events::{self, Event, EventKind};
use crate::services::issuer::{EvidenceInput, IssueError, IssueRequest, Issuers, Recipient};
use crate::services::{Context, progress};
use crate::store::credentials::{self, Credential, CredentialStatus};
use crate::store::{DbConn, StoreError, StoreResult, audit, award_constituents, award_reviews, cascades, pathways};

/// Why awarding or the cascade stopped.
#[derive(Debug, thiserror::Error)]
pub enum AwardError {
    /// A pathway of the graph has no stored row.
    #[error("pathway not found")]
    PathwayNotFound,
    /// Concurrent requests kept changing the award's status.
    #[error("award {0} keeps changing concurrently; retry")]
    Contended(CredentialId),
    /// Issuing an award failed.
    #[error(transparent)]
    Issue(#[from] IssueError),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// For savepoints (`Connection::transaction`).
impl From<diesel::result::Error> for AwardError {
    fn from(error: diesel::result::Error) -> Self {
        AwardError::Store(StoreError::from_query(error))
    }
}

impl AwardError {
    /// A concurrent request wrote the same row first (a unique key).
    fn is_conflict(&self) -> bool {
        matches!(self, AwardError::Store(StoreError::Conflict(_)) | AwardError::Issue(IssueError::Store(StoreError::Conflict(_))))
    }
}

/// Takes `learner`'s lock (PostgreSQL; SQLite writers are serial anyway)
/// before a use case changes or adds their credentials, and returns the
/// context to go on with. A request that held the lock first may have
/// recorded a status change later than this request read the clock: the
/// instant then moves forward to that change (no clock is read), so the
/// holder's history stays in order and the cascade evaluates it whole.
pub fn lock_holder(conn: &mut DbConn, ctx: &Context, learner: UserId) -> StoreResult<Context> {
    credentials::lock_holder(conn, learner)?;
    let latest = credentials::latest_event_of_learner(conn, learner)?;
    Ok(not_before(ctx, latest))
}

/// `ctx` at `latest` when that is later.
pub fn not_before(ctx: &Context, latest: Option<DateTime<Utc>>) -> Context {
    let mut ctx = ctx.clone();
    if let Some(latest) = latest
        && latest > ctx.now
    {
        ctx.now = latest;
    }
    ctx
}

/// What settling a change did.
#[derive(Debug, Default)]
pub struct Settled {
    /// Awards whose status the cascade changed.
    pub changed: Vec<CredentialId>,
    /// Awards issued (automatic pathways now complete).
    pub issued: Vec<CredentialId>,
}

/// The one rule after a learner gained or lost credentials (`changed`,
/// their statuses already written): every award built on them gets the
/// status its pathway gives now (semantic 9, `recheck_awards`), and when
/// they gained something, what is now complete is awarded (or queued for
/// review); both run to a fixed point. The caller holds the learner's lock.
pub fn after_change(
    conn: &mut DbConn,
    ctx: &Context,
    graph: &PathwayGraph,
    issuers: &mut Issuers,
    learner: UserId,
    changed: &[&Credential],
    change: Change,
) -> Result<Settled, AwardError> {
    let mut settled = Settled::default();
    let mut candidates = BTreeSet::new();
    for credential in changed {
        let affected: BTreeSet<PathwayId> = graph.affected_by_achievement(credential.achievement).into_iter().collect();
        settled.changed.extend(recheck_awards(conn, ctx, graph, learner, &affected, credential.id, change)?);
        candidates.extend(affected);
    }
    if change.gains() {
        settled.issued = award_completed(conn, ctx, graph, issuers, learner, candidates)?;
    }
    progress::after_change(conn, &ctx.graphs, learner, ctx.now)?;
    Ok(settled)
}

/// One learner of a pathway's back-fill (a chunk of the job that follows a
/// registration or update; the pathway is already in `graph` and stored):
/// when the learner completes it now, it is awarded (or queued for review),
/// and so is what that award completes in turn. Once: an award already
/// recorded is not issued again, so a retried chunk issues nothing twice.
pub fn award_pathway_to(
    conn: &mut DbConn,
    ctx: &Context,
    graph: &PathwayGraph,
    issuers: &mut Issuers,
    learner: UserId,
    pathway: PathwayId,
) -> Result<Vec<CredentialId>, AwardError> {
    credentials::lock_holder(conn, learner)?;
    let issued = award_completed(conn, ctx, graph, issuers, learner, BTreeSet::from([pathway]))?;
    // Awards are facts of other pathways, and the pathway itself is new to
    // the learner's stored outcomes.
    progress::after_change(conn, &ctx.graphs, learner, ctx.now)?;
    Ok(issued)
}

pub use crate::services::facts::learner_facts;
pub use crate::store::graph::{catalog_entry, load as load_graph};

/// After a learner gained a credential of some achievements (or a pathway
/// was registered), issues every automatic award they now complete, once,
/// and queues the awards of `"issuance": "review"` pathways for an issuer's
/// decision, once. Awards can complete further pathways (nesting), so this
/// runs to a fixed point. Returns the award credentials issued.
fn award_completed(
    conn: &mut DbConn,
    ctx: &Context,
    graph: &PathwayGraph,
    issuers: &mut Issuers,
    learner: UserId,
    mut candidates: BTreeSet<PathwayId>,
) -> Result<Vec<CredentialId>, AwardError> {
    let mut issued = Vec::new();
    let now = ctx.now;
    // Each round awards at least one pathway or stops; bounded by the graph size.
    for _ in 0..=graph.pathways().count() {
        if candidates.is_empty() {
            break;
        }
        let facts = learner_facts(conn, learner)?;
        let mut next_round = BTreeSet::new();
        for id in graph.topological_order().into_iter().filter(|id| candidates.contains(id)) {
            let Some(pathway) = graph.pathway(id) else { continue };
            if pathways::find_award(conn, id, learner)?.is_some() {
                continue;
            }
            let review = pathway.rule.issuance == Issuance::Review;
            if review && award_reviews::find_for(conn, id, learner)?.is_some() {
                continue;
            }
            let Some(completion) = completion(graph, id, &facts, now) else { continue };
            if review {
                queue_review(conn, ctx, graph, id, learner, &completion)?;
                continue;
            }
            if let Some(award) = issue_award(conn, ctx, graph, issuers, id, learner, &completion)? {
                issued.push(award);
                next_round.extend(graph.affected_by_achievement(pathway.rule.award));
            }
        }
        if next_round.is_empty() {
            break;
        }
        candidates = next_round;
    }
    Ok(issued)
}

/// A completed pathway: when, and with which credentials.
pub struct Completion {
    pub completed_at: DateTime<Utc>,
    pub used: Vec<CredentialId>,
    /// The achievement name of each of `used`, in the same order (the
    /// award's evidence names its constituents by them).
    pub names: Vec<String>,
}

/// Whether `pathway` is complete for these facts at `now`.
pub fn completion(graph: &PathwayGraph, pathway: PathwayId, facts: &[CredentialFact], now: DateTime<Utc>) -> Option<Completion> {
    let outcome = match cairn_stacking::evaluate_with(graph, pathway, facts, now, &EvalOptions::without_plan()) {
        Ok(outcome) => outcome,
        Err(error) => {
            tracing::warn!(%pathway, %error, "pathway not evaluated");
            return None;
        }
    };
    let (Status::Complete, Some(completed_at)) = (outcome.status, outcome.completed_at) else { return None };
    let used: Vec<CredentialId> = outcome.used().into_iter().collect();
    let names = used
        .iter()
        .map(|id| {
            facts
                .iter()
                .find(|f| f.id == *id)
                .and_then(|f| graph.catalog().get(&f.achievement))
                .map_or_else(|| format!("urn:uuid:{id}"), |entry| entry.name.clone())
        })
        .collect();
    Some(Completion { completed_at, used, names })
}

fn queue_review(
    conn: &mut DbConn,
    ctx: &Context,
    graph: &PathwayGraph,
    id: PathwayId,
    learner: UserId,
    completion: &Completion,
) -> Result<(), AwardError> {
    let Some(pathway) = graph.pathway(id) else { return Ok(()) };
    let stored = pathways::find(conn, id)?.ok_or(AwardError::PathwayNotFound)?;
    let review = award_reviews::Review {
        id: cairn_domain::ReviewId::new(),
        pathway: id,
        learner,
        org: pathway.issuer,
        version: stored.version,
        completed_at: completion.completed_at,
        constituents: completion.used.clone(),
        status: award_reviews::ReviewStatus::Pending,
        reason: None,
        decided_by: None,
        decided_at: None,
        award: None,
        created_at: ctx.now,
    };
    // A savepoint, as for awards: a concurrent request may have queued it.
    match conn.transaction(|conn| award_reviews::insert(conn, &review)) {
        Ok(()) => {}
        Err(StoreError::Conflict(_)) => return Ok(()),
        Err(error) => return Err(error.into()),
    }
    audit::record(
        conn,
        audit::Entry::new(audit::Action::AwardQueue, "award_review", review.id.to_string())
            .at(ctx.now)
            .actor(ctx.actor)
            .org(pathway.issuer)
            .learner(learner)
            .detail(serde_json::json!({ "pathway": id, "version": stored.version, "constituents": review.constituents })),
    )?;
    events::publish(conn, ctx, &[Event::new(ctx, pathway.issuer, EventKind::ReviewQueued { review: review.id, pathway: id, learner })])?;
    Ok(())
}

/// Issues the award of `id` to `learner` for `completion`, once: None when
/// a concurrent request issued it first.
pub fn issue_award(
    conn: &mut DbConn,
    ctx: &Context,
    graph: &PathwayGraph,
    issuers: &mut Issuers,
    id: PathwayId,
    learner: UserId,
    completion: &Completion,
) -> Result<Option<CredentialId>, AwardError> {
    let Some(pathway) = graph.pathway(id) else { return Ok(None) };
    let stored = pathways::find(conn, id)?.ok_or(AwardError::PathwayNotFound)?;
    let issuer = issuers.get(conn, ctx, pathway.issuer)?;
    let public_url = &ctx.public_url;
    let evidence = completion
        .used
        .iter()
        .zip(&completion.names)
        .map(|(credential, name)| EvidenceInput {
            id: cairn_domain::HttpUrl::parse(&format!("{public_url}/v1/credentials/{credential}")).ok(),
            name: Some(name.clone()),
            narrative: None,
            description: Some(format!("Constituent credential of the pathway `{}`", pathway.rule.key)),
        })
        .collect();
    let request = IssueRequest {
        achievement: pathway.rule.award,
        recipient: Recipient { learner: Some(learner), email: None },
        awarded_at: Some(completion.completed_at),
        valid_until: None,
        evidence,
        credits_earned: None,
    };
    // A savepoint: when a concurrent request awarded it first (the
    // primary key of `awards`), this one steps back and moves on.
    let version = stored.version;
    let attempt = conn.transaction(|conn| {
        let award = issuer.issue_award(conn, ctx, request)?.credential;
        pathways::insert_award(conn, &pathways::Award { pathway: id, learner, version, credential: award.id }, ctx.now)?;
        award_constituents::set(conn, award.id, &completion.used)?;
        Ok::<_, AwardError>(award)
    });
    let award = match attempt {
        Ok(award) => award,
        Err(error) if error.is_conflict() && pathways::find_award(conn, id, learner)?.is_some() => return Ok(None),
        Err(error) => return Err(error),
    };
    audit::record(
        conn,
        audit::Entry::new(audit::Action::AwardIssue, "credential", award.id.to_string())
            .at(ctx.now)
            .actor(ctx.actor)
            .org(pathway.issuer)
            .learner(learner)
            .detail(serde_json::json!({ "pathway": id, "version": version, "learner": learner, "constituents": completion.used })),
    )?;
    events::publish(conn, ctx, &[Event::new(ctx, pathway.issuer, EventKind::AwardEarned { credential: award.id, pathway: id, learner })])?;
    Ok(Some(award.id))
}

/// What happened to a learner's credential (for the re-check's reasons).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Change {
    Issued,
    Suspended,
    Reinstated,
    Revoked,
}

impl Change {
    /// Whether the learner gained a credential in force (so pathways may
    /// complete), rather than lost one.
    pub fn gains(self) -> bool {
        matches!(self, Change::Issued | Change::Reinstated)
    }

    fn verb(self) -> &'static str {
        match self {
            Change::Issued => "issued",
            Change::Suspended => "suspended",
            Change::Reinstated => "reinstated",
            Change::Revoked => "revoked",
        }
    }
}

/// Semantic 9, one rule for taking away and restoring: after `cause`'s
/// status changed (or it was issued), every award of its holder whose
/// pathway is in `affected` and says `"on_constituent_revoked": "revoke"` is
/// moved to the status its pathway gives now (`award_standing`): active when
/// it holds with the credentials in force (expiry aside: expiry never takes
/// an issued award), suspended when it would with the suspended ones
/// reinstated, revoked otherwise. Revoked is final. An award an issuer
/// suspended directly is not reinstated by the rule (only revoked when
/// lost). `"keep"` awards are left as they are. Awards count as constituents
/// of other pathways, so this runs to a fixed point. The constituents
/// recorded for an active award are replaced when one of them is no longer
/// in force. Returns the awards whose status changed.
fn recheck_awards(
    conn: &mut DbConn,
    ctx: &Context,
    graph: &PathwayGraph,
    learner: UserId,
    affected: &BTreeSet<PathwayId>,
    cause: CredentialId,
    change: Change,
) -> Result<Vec<CredentialId>, AwardError> {
    let order: Vec<PathwayId> = graph.topological_order().into_iter().filter(|id| affected.contains(id)).collect();
    let mut changed = Vec::new();
    // Nested pathways first, and the facts are read again after each
    // change, so one pass settles; the second only confirms. Bounded by
    // the graph size.
    for _ in 0..=graph.pathways().count() {
        let awards: Vec<pathways::Award> = pathways::awards_of(conn, learner)?;
        let mut facts: Option<Vec<CredentialFact>> = None;
        let mut round_changed = false;
        for id in &order {
            let Some(award) = awards.iter().find(|a| a.pathway == *id) else { continue };
            let Some(pathway) = graph.pathway(*id) else { continue };
            if pathway.rule.on_constituent_revoked != OnConstituentRevoked::Revoke {
                // `keep`: the award stays as it is, whatever its constituents do.
                continue;
            }
            let Some(award_credential) = credentials::find(conn, award.credential)? else { continue };
            if award_credential.status == CredentialStatus::Revoked {
                continue;
            }
            let facts_now = match facts.take() {
                Some(facts) => facts,
                None => learner_facts(conn, learner)?,
            };
            // Every change of this request is recorded at its instant, so
            // evaluating at that instant sees them all (an event at the
            // instant is in effect).
            let standing = cairn_stacking::award_standing(graph, *id, &facts_now, ctx.now);
            facts = Some(facts_now);
            let standing = match standing {
                Ok(standing) => standing,
                Err(error) => {
                    tracing::warn!(pathway = %id, %error, "award not re-checked");
                    continue;
                }
            };
            if settle_award(conn, ctx, *id, award_credential, &standing, cause, change)? {
                changed.push(award.credential);
                round_changed = true;
                facts = None;
            }
        }
        if !round_changed {
            break;
        }
    }
    Ok(changed)
}

/// Moves one award to the status `standing` gives it; true when its status
/// changed.
fn settle_award(
    conn: &mut DbConn,
    ctx: &Context,
    pathway: PathwayId,
    award: Credential,
    standing: &AwardStanding,
    cause: CredentialId,
    change: Change,
) -> Result<bool, AwardError> {
    let verb = change.verb();
    let (target, action, reason) = match (standing, award.status) {
        (_, CredentialStatus::Revoked) => return Ok(false),
        (AwardStanding::Holds { used, .. }, CredentialStatus::Active) => {
            keep_allocation(conn, &award, used)?;
            return Ok(false);
        }
        (AwardStanding::Holds { .. }, CredentialStatus::Suspended) => {
            if !cascades::suspended_by_cascade(conn, award.id)? {
                // An issuer's own suspension of the award stays until an issuer lifts it.
                return Ok(false);
            }
            (
                CredentialStatus::Active,
                audit::Action::AwardReinstate,
                format!("constituent credential {cause} was {verb} and the pathway holds again"),
            )
        }
        (AwardStanding::HeldIfReinstated, CredentialStatus::Suspended) => return Ok(false),
        (AwardStanding::HeldIfReinstated, CredentialStatus::Active) => (
            CredentialStatus::Suspended,
            audit::Action::AwardSuspend,
            format!(
                "constituent credential {cause} was {verb} and the pathway no longer holds; it would again if the suspended credentials were reinstated"
            ),
        ),
        (AwardStanding::Lost, _) => (
            CredentialStatus::Revoked,
            audit::Action::AwardRevoke,
            format!("constituent credential {cause} was {verb} and the pathway no longer holds"),
        ),
    };
    let applies = |current: CredentialStatus| match target {
        CredentialStatus::Active => current == CredentialStatus::Suspended,
        CredentialStatus::Suspended => current == CredentialStatus::Active,
        CredentialStatus::Revoked => current != CredentialStatus::Revoked,
    };
    let Some(award) = change_award_status(conn, ctx, award, target, &reason, applies)? else { return Ok(false) };
    match (target, standing) {
        (CredentialStatus::Suspended, _) => cascades::record(conn, award.id, cause, ctx.now)?,
        (CredentialStatus::Active, AwardStanding::Holds { used, .. }) => {
            cascades::clear(conn, award.id)?;
            keep_allocation(conn, &award, used)?;
        }
        _ => cascades::clear(conn, award.id)?,
    }
    audit::record(
        conn,
        audit::Entry::new(action, "credential", award.id.to_string())
            .at(ctx.now)
            .actor(ctx.actor)
            .org(award.org)
            .learner(award.learner)
            .detail(serde_json::json!({ "pathway": pathway, "reason": reason, "constituent": cause })),
    )?;
    let kind = EventKind::CredentialStatusChanged { credential: award.id, status: target, reason };
    events::publish(conn, ctx, &[Event::new(ctx, award.org, kind)])?;
    Ok(true)
}

/// The recorded constituents of an award kept active are those of an
/// allocation that holds it now: while every recorded one is in force they
/// still do (statuses are all that changed), otherwise `used`, the
/// allocation the engine found, replaces them.
fn keep_allocation(conn: &mut DbConn, award: &Credential, used: &[CredentialId]) -> StoreResult<()> {
    let recorded = award_constituents::of_award(conn, award)?;
    if recorded == used {
        return Ok(());
    }
    let mut in_force = !recorded.is_empty();
    for id in &recorded {
        if !credentials::find(conn, *id)?.is_some_and(|c| c.status == CredentialStatus::Active) {
            in_force = false;
            break;
        }
    }
    if in_force {
        return Ok(());
    }
    award_constituents::set(conn, award.id, used)
}

/// Moves an award to `target` by the same conditional update as a direct
/// status change. When a concurrent request changed the award first (the
/// update finds another status), the award is read again and the change is
/// made only if it still `applies` to the status found: an award revoked
/// meanwhile stays revoked. Returns the award as changed, or None when the
/// change no longer applies.
fn change_award_status(
    conn: &mut DbConn,
    ctx: &Context,
    mut award: Credential,
    target: CredentialStatus,
    reason: &str,
    applies: impl Fn(CredentialStatus) -> bool,
) -> Result<Option<Credential>, AwardError> {
    // Each retry follows a committed change, and statuses only move
    // forward to `revoked`, so a few rounds always settle.
    for _ in 0..4 {
        if !applies(award.status) {
            return Ok(None);
        }
        match credentials::set_status(conn, award.id, award.status, target, reason, Some(ctx.actor), ctx.now) {
            Ok(()) => {
                award.status = target;
                return Ok(Some(award));
            }
            Err(StoreError::Conflict(_)) => match credentials::find(conn, award.id)? {
                Some(current) => award = current,
                None => return Ok(None),
            },
            Err(error) => return Err(error.into()),
        }
    }
    Err(AwardError::Contended(award.id))
}
