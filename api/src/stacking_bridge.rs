//! The bridge between stored data and the stacking engine: the pathway
//! graph from the catalog and the registered pathways, a learner's
//! credentials as engine facts, automatic awards and the revocation cascade.
//! Everything here runs inside the caller's transaction.

use std::collections::BTreeSet;

use cairn_domain::{CredentialId, PathwayId, UserId};
use cairn_stacking::{AwardAction, CatalogEntry, CredentialFact, EvalOptions, Issuance, OnConstituentRevoked, PathwayGraph, Status};
use chrono::{DateTime, Utc};
use diesel::Connection;

use crate::issuance::{EvidenceInput, IssueRequest, Issuer, Recipient};
use crate::signing::MasterKey;
use crate::store::achievements::{self, Achievement};
use crate::store::credentials::{self, Credential, CredentialStatus};
use crate::store::{DbConn, StoreError, StoreResult, audit, award_reviews, cascades, pathways};

pub fn catalog_entry(achievement: &Achievement) -> CatalogEntry {
    let d = &achievement.definition;
    CatalogEntry {
        id: achievement.id,
        issuer: achievement.org,
        achievement_type: d.achievement_type.clone(),
        tags: d.tags.iter().map(|t| t.as_str().to_owned()).collect(),
        skills: d.skills(),
        level: d.level,
        credits: d.credits.clone(),
    }
}

/// The whole graph: every catalog entry and every registered pathway.
pub fn load_graph(conn: &mut DbConn) -> StoreResult<PathwayGraph> {
    let catalog: Vec<CatalogEntry> = achievements::all(conn)?.iter().map(catalog_entry).collect();
    let stored: Vec<_> = pathways::all(conn)?.into_iter().map(|p| p.pathway).collect();
    PathwayGraph::load(catalog, stored).map_err(|e| StoreError::Corrupt(format!("stored pathways no longer form a valid graph: {e}")))
}

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

/// After a learner gained a credential of some achievements (or a pathway
/// was registered), issues every automatic award they now complete, once,
/// and queues the awards of `"issuance": "review"` pathways for an issuer's
/// decision, once. Awards can complete further pathways (nesting), so this
/// runs to a fixed point. Returns the award credentials issued.
pub fn award_completed(
    conn: &mut DbConn,
    graph: &PathwayGraph,
    master: &MasterKey,
    public_url: &str,
    learner: UserId,
    mut candidates: BTreeSet<PathwayId>,
    actor: UserId,
) -> StoreResult<Vec<CredentialId>> {
    let mut issued = Vec::new();
    let now = Utc::now();
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
                queue_review(conn, graph, id, learner, &completion, actor)?;
                continue;
            }
            if let Some(award) = issue_award(conn, graph, master, public_url, id, learner, &completion, actor)? {
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
    Some(Completion { completed_at, used: outcome.used().into_iter().collect() })
}

fn queue_review(conn: &mut DbConn, graph: &PathwayGraph, id: PathwayId, learner: UserId, completion: &Completion, actor: UserId) -> StoreResult<()> {
    let Some(pathway) = graph.pathway(id) else { return Ok(()) };
    let stored = pathways::find(conn, id)?.ok_or(StoreError::NotFound("pathway"))?;
    let review = award_reviews::Review {
        id: uuid::Uuid::now_v7(),
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
        created_at: crate::store::time::now(),
    };
    // A savepoint, as for awards: a concurrent request may have queued it.
    match conn.transaction(|conn| award_reviews::insert(conn, &review)) {
        Ok(()) => {}
        Err(StoreError::Conflict(_)) => return Ok(()),
        Err(error) => return Err(error),
    }
    audit::record(
        conn,
        audit::Entry::new(audit::Action::AwardQueue, "award_review", review.id.to_string())
            .actor(actor)
            .org(pathway.issuer)
            .learner(learner)
            .detail(serde_json::json!({ "pathway": id, "version": stored.version, "constituents": review.constituents })),
    )
}

/// Issues the award of `id` to `learner` for `completion`, once: None when
/// a concurrent request issued it first.
#[allow(clippy::too_many_arguments)]
pub fn issue_award(
    conn: &mut DbConn,
    graph: &PathwayGraph,
    master: &MasterKey,
    public_url: &str,
    id: PathwayId,
    learner: UserId,
    completion: &Completion,
    actor: UserId,
) -> StoreResult<Option<CredentialId>> {
    let Some(pathway) = graph.pathway(id) else { return Ok(None) };
    let stored = pathways::find(conn, id)?.ok_or(StoreError::NotFound("pathway"))?;
    let issuer = Issuer::load(conn, master, public_url, pathway.issuer)?;
    let evidence = completion
        .used
        .iter()
        .map(|credential| EvidenceInput {
            id: cairn_domain::HttpUrl::parse(&format!("{public_url}/v1/credentials/{credential}")).ok(),
            name: Some(format!("urn:uuid:{credential}")),
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
        let award = issuer.issue_award(conn, request, actor)?.credential;
        pathways::insert_award(conn, &pathways::Award { pathway: id, learner, version, credential: award.id })?;
        Ok::<_, StoreError>(award)
    });
    let award = match attempt {
        Ok(award) => award,
        Err(StoreError::Conflict(_)) if pathways::find_award(conn, id, learner)?.is_some() => return Ok(None),
        Err(error) => return Err(error),
    };
    audit::record(
        conn,
        audit::Entry::new(audit::Action::AwardIssue, "credential", award.id.to_string())
            .actor(actor)
            .org(pathway.issuer)
            .learner(learner)
            .detail(serde_json::json!({ "pathway": id, "version": version, "learner": learner, "constituents": completion.used })),
    )?;
    Ok(Some(award.id))
}

/// How a constituent was lost.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Loss {
    /// Final: awards that no longer hold are revoked.
    Revoked,
    /// Temporary: awards that no longer hold are suspended, and restored
    /// when the constituent is reinstated.
    Suspended,
}

/// After a constituent was revoked or suspended: re-checks every award of
/// that learner that depended on it; per `on_constituent_revoked`, revokes
/// (or, for a suspension, suspends) awards that no longer hold, with a
/// reason naming the constituent, and cascades to awards built on those.
/// Returns the awards changed.
pub fn cascade_loss(conn: &mut DbConn, graph: &PathwayGraph, credential: &Credential, loss: Loss, actor: UserId) -> StoreResult<Vec<CredentialId>> {
    let Some(learner) = credential.learner else { return Ok(Vec::new()) };
    let mut changed = Vec::new();
    let mut queue = vec![credential.clone()];
    let now = Utc::now();
    while let Some(lost) = queue.pop() {
        let affected: BTreeSet<PathwayId> = graph.affected_by_achievement(lost.achievement).into_iter().collect();
        let facts = learner_facts(conn, learner)?;
        for award in pathways::awards_of(conn, learner)? {
            if !affected.contains(&award.pathway) {
                continue;
            }
            let Some(pathway) = graph.pathway(award.pathway) else { continue };
            let Some(award_credential) = credentials::find(conn, award.credential)? else { continue };
            let already = match loss {
                Loss::Revoked => award_credential.status == CredentialStatus::Revoked,
                Loss::Suspended => award_credential.status != CredentialStatus::Active,
            };
            if already || pathway.rule.on_constituent_revoked != OnConstituentRevoked::Revoke {
                continue;
            }
            let check = match cairn_stacking::check_award(graph, award.pathway, &facts, lost.id, now) {
                Ok(check) => check,
                Err(error) => {
                    tracing::warn!(pathway = %award.pathway, %error, "award not re-checked");
                    continue;
                }
            };
            let AwardAction::Revoke { .. } = check.action else { continue };
            let (status, action, reason) = match loss {
                Loss::Revoked => (
                    CredentialStatus::Revoked,
                    audit::Action::AwardRevoke,
                    format!("constituent credential {} was revoked and the pathway no longer holds", lost.id),
                ),
                Loss::Suspended => (
                    CredentialStatus::Suspended,
                    audit::Action::AwardSuspend,
                    format!("constituent credential {} was suspended and the pathway no longer holds", lost.id),
                ),
            };
            let applies = |current: CredentialStatus| match loss {
                Loss::Revoked => current != CredentialStatus::Revoked,
                Loss::Suspended => current == CredentialStatus::Active,
            };
            let Some(award_credential) = change_award_status(conn, award_credential, status, &reason, actor, applies)? else { continue };
            if loss == Loss::Suspended {
                cascades::record(conn, award_credential.id, lost.id)?;
            }
            audit::record(
                conn,
                audit::Entry::new(action, "credential", award_credential.id.to_string())
                    .actor(actor)
                    .org(award_credential.org)
                    .learner(award_credential.learner)
                    .detail(serde_json::json!({ "pathway": award.pathway, "reason": reason, "constituent": lost.id })),
            )?;
            changed.push(award_credential.id);
            queue.push(award_credential);
        }
    }
    Ok(changed)
}

/// Moves an award to `target` by the same conditional update as a direct
/// status change. When a concurrent request changed the award first (the
/// update finds another status), the award is read again and the change is
/// made only if it still `applies` to the status found: an award revoked
/// meanwhile stays revoked. Returns the award as changed, or None when the
/// change no longer applies.
fn change_award_status(
    conn: &mut DbConn,
    mut award: Credential,
    target: CredentialStatus,
    reason: &str,
    actor: UserId,
    applies: impl Fn(CredentialStatus) -> bool,
) -> StoreResult<Option<Credential>> {
    // Each retry follows a committed change, and statuses only move
    // forward to `revoked`, so a few rounds always settle.
    for _ in 0..4 {
        if !applies(award.status) {
            return Ok(None);
        }
        match credentials::set_status(conn, award.id, award.status, target, reason, Some(actor)) {
            Ok(()) => {
                award.status = target;
                return Ok(Some(award));
            }
            Err(StoreError::Conflict(_)) => match credentials::find(conn, award.id)? {
                Some(current) => award = current,
                None => return Ok(None),
            },
            Err(error) => return Err(error),
        }
    }
    Err(StoreError::Conflict(format!("award {} keeps changing concurrently; retry", award.id)))
}

/// After a constituent was reinstated: reinstates the awards the cascade
/// suspended because of it, when their pathway holds again, and then the
/// awards suspended because of those. An award that still does not hold
/// (another constituent is suspended too) waits for that one. Returns the
/// awards reinstated.
pub fn restore_after_reinstate(conn: &mut DbConn, graph: &PathwayGraph, credential: &Credential, actor: UserId) -> StoreResult<Vec<CredentialId>> {
    let Some(learner) = credential.learner else { return Ok(Vec::new()) };
    let mut restored = Vec::new();
    let mut queue = vec![credential.id];
    let now = Utc::now();
    let awards = pathways::awards_of(conn, learner)?;
    while let Some(cause) = queue.pop() {
        for award_id in cascades::take_caused_by(conn, cause)? {
            let Some(award_credential) = credentials::find(conn, award_id)? else { continue };
            if award_credential.status != CredentialStatus::Suspended {
                continue;
            }
            let Some(award) = awards.iter().find(|a| a.credential == award_id) else { continue };
            let facts = learner_facts(conn, learner)?;
            if completion(graph, award.pathway, &facts, now).is_none() {
                // Still short: wait for the constituents that are still suspended.
                for constituent in constituents_of(&award_credential.ob3) {
                    if credentials::find(conn, constituent)?.is_some_and(|c| c.status == CredentialStatus::Suspended) {
                        cascades::record(conn, award_id, constituent)?;
                    }
                }
                continue;
            }
            let reason = format!("constituent credential {cause} was reinstated and the pathway holds again");
            let applies = |current: CredentialStatus| current == CredentialStatus::Suspended;
            let Some(award_credential) = change_award_status(conn, award_credential, CredentialStatus::Active, &reason, actor, applies)? else { continue };
            audit::record(
                conn,
                audit::Entry::new(audit::Action::AwardReinstate, "credential", award_id.to_string())
                    .actor(actor)
                    .org(award_credential.org)
                    .learner(award_credential.learner)
                    .detail(serde_json::json!({ "pathway": award.pathway, "reason": reason, "constituent": cause })),
            )?;
            restored.push(award_id);
            queue.push(award_id);
        }
    }
    Ok(restored)
}

/// The constituents an award credential names in its `evidence` (each is
/// `{public_url}/v1/credentials/{id}`), in the award's order.
pub fn constituents_of(award_ob3: &serde_json::Value) -> Vec<CredentialId> {
    award_ob3["evidence"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|evidence| evidence["id"].as_str())
        .filter_map(|url| url.rsplit('/').next())
        .filter_map(|id| id.parse().ok())
        .collect()
}
