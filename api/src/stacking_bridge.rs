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
use crate::store::{DbConn, StoreError, StoreResult, audit, pathways};

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
    PathwayGraph::build(catalog, stored).map_err(|e| StoreError::Corrupt(format!("stored pathways no longer form a valid graph: {e}")))
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
/// was registered), issues every automatic award they now complete, once.
/// Awards can complete further pathways (nesting), so this runs to a fixed
/// point. Returns the award credentials issued.
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
            if pathway.rule.issuance != Issuance::Automatic || pathways::find_award(conn, id, learner)?.is_some() {
                continue;
            }
            let outcome = match cairn_stacking::evaluate_with(graph, id, &facts, now, &EvalOptions::without_plan()) {
                Ok(outcome) => outcome,
                Err(error) => {
                    tracing::warn!(pathway = %id, %error, "pathway not evaluated for automatic award");
                    continue;
                }
            };
            let (Status::Complete, Some(completed_at)) = (outcome.status, outcome.completed_at) else { continue };
            let stored = pathways::find(conn, id)?.ok_or(StoreError::NotFound("pathway"))?;
            let issuer = Issuer::load(conn, master, public_url, pathway.issuer)?;
            let used = outcome.used();
            let evidence = used
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
                awarded_at: Some(completed_at),
                valid_until: None,
                evidence,
                credits_earned: None,
            };
            // A savepoint: when a concurrent request awarded it first (the
            // primary key of `awards`), this one steps back and moves on.
            let version = stored.version;
            let attempt = conn.transaction(|conn| {
                let award = issuer.issue(conn, request, actor)?.credential;
                pathways::insert_award(conn, &pathways::Award { pathway: id, learner, version, credential: award.id })?;
                Ok::<_, StoreError>(award)
            });
            let award = match attempt {
                Ok(award) => award,
                Err(StoreError::Conflict(_)) if pathways::find_award(conn, id, learner)?.is_some() => continue,
                Err(error) => return Err(error),
            };
            audit::record(
                conn,
                audit::Entry::new(audit::Action::AwardIssue, "credential", award.id.to_string())
                    .actor(actor)
                    .org(pathway.issuer)
                    .learner(learner)
                    .detail(serde_json::json!({ "pathway": id, "version": version, "learner": learner, "constituents": used })),
            )?;
            issued.push(award.id);
            next_round.extend(graph.affected_by_achievement(pathway.rule.award));
        }
        if next_round.is_empty() {
            break;
        }
        candidates = next_round;
    }
    Ok(issued)
}

/// After a constituent was revoked or suspended: re-checks every award of
/// that learner that depended on it; per `on_constituent_revoked`, revokes
/// awards that no longer hold, with a reason naming the constituent, and
/// cascades to awards built on those. Returns the awards revoked.
pub fn cascade_revocation(conn: &mut DbConn, graph: &PathwayGraph, credential: &Credential, actor: UserId) -> StoreResult<Vec<CredentialId>> {
    let Some(learner) = credential.learner else { return Ok(Vec::new()) };
    let mut revoked = Vec::new();
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
            if award_credential.status == CredentialStatus::Revoked {
                continue;
            }
            let check = match cairn_stacking::check_award(graph, award.pathway, &facts, lost.id, now) {
                Ok(check) => check,
                Err(error) => {
                    tracing::warn!(pathway = %award.pathway, %error, "award not re-checked");
                    continue;
                }
            };
            let AwardAction::Revoke { reason } = check.action else { continue };
            if pathway.rule.on_constituent_revoked != OnConstituentRevoked::Revoke {
                continue;
            }
            credentials::set_status(conn, award_credential.id, CredentialStatus::Revoked, &reason, Some(actor))?;
            audit::record(
                conn,
                audit::Entry::new(audit::Action::AwardRevoke, "credential", award_credential.id.to_string())
                    .actor(actor)
                    .org(award_credential.org)
                    .learner(award_credential.learner)
                    .detail(serde_json::json!({ "pathway": award.pathway, "reason": reason, "constituent": lost.id })),
            )?;
            revoked.push(award_credential.id);
            queue.push(award_credential);
        }
    }
    Ok(revoked)
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
