//! Progress: every learner's outcomes, stored and kept current, so reading
//! them evaluates nothing. Every change that can alter an outcome leaves a
//! mark in its own transaction (the store does it: a credential issued,
//! claimed or changing status, a pathway followed; a pathway or catalog
//! change bumps the graph version). Settling re-evaluates only what the
//! marks and the graph changes can affect (the engine's index from
//! achievement and pathway to the pathways they reach, through nesting)
//! and records until when the result holds by itself
//! (`cairn_stacking::stable_until`). Use cases settle a learner at the end
//! of each change; a reader finding the outcomes out of date settles them
//! first. Learners whose outcomes were never read are not tracked: their
//! first read evaluates everything once.

use std::collections::{BTreeSet, HashMap};

use cairn_domain::{PathwayId, UserId};
use cairn_stacking::{EvalOptions, Outcome, PathwayGraph, Status};
use chrono::{DateTime, Utc};

use crate::graph_cache::GraphCache;
use crate::services::facts::learner_facts;
use crate::store::graph_version::{self, GraphChange, Stamp};
use crate::store::outcomes::{self, Header, Mark, StoredOutcome};
use crate::store::{DbConn, StoreError, StoreResult, credentials, follows};

/// The learner's progress list as stored (the JSON `GET /v1/me/progress`
/// serves), when it is current at `now`; None when it must be settled
/// first. Three small queries: the graph's version, the list with its
/// header, and whether a mark waits.
pub fn current(conn: &mut DbConn, graphs: &GraphCache, learner: UserId, now: DateTime<Utc>) -> StoreResult<Option<String>> {
    let (stamp, _) = graphs.current(conn)?;
    let Some((header, marked, body)) = outcomes::body(conn, learner)? else { return Ok(None) };
    Ok((header.graph_version == stamp.version && holds_at(&header, now) && !marked).then_some(body))
}

/// The stored outcome of `pathway` (its JSON, None when the list leaves it
/// out), when the learner's outcomes are current at `now`; None when they
/// must be settled first.
pub fn current_one(
    conn: &mut DbConn,
    graphs: &GraphCache,
    learner: UserId,
    pathway: PathwayId,
    now: DateTime<Utc>,
) -> StoreResult<Option<Option<String>>> {
    if current(conn, graphs, learner, now)?.is_none() {
        return Ok(None);
    }
    outcomes::one(conn, learner, pathway).map(Some)
}

/// Settles the learner's outcomes at `now`, then the stored outcome of
/// `pathway` (None when the list leaves it out).
pub fn settle_one(conn: &mut DbConn, graphs: &GraphCache, learner: UserId, pathway: PathwayId, now: DateTime<Utc>) -> StoreResult<Option<String>> {
    settle_now(conn, graphs, learner, now)?;
    outcomes::one(conn, learner, pathway)
}

/// A fresh evaluation of what progress lists for the learner at `at`: every
/// pathway they have started or follow, nested pathways first (what the
/// stored outcomes must always equal, and `?at=` serves).
pub fn evaluate_at(conn: &mut DbConn, graph: &PathwayGraph, learner: UserId, at: DateTime<Utc>) -> StoreResult<Vec<Outcome>> {
    let facts = learner_facts(conn, learner)?;
    let followed = follows::followed(conn, learner)?;
    Ok(cairn_stacking::evaluate_all(graph, &facts, at, &EvalOptions::default())
        .into_iter()
        .filter_map(|(id, result)| match result {
            Ok(outcome) => Some(outcome),
            Err(error) => {
                tracing::warn!(pathway = %id, %error, "pathway not evaluated");
                None
            }
        })
        .filter(|o| o.status != Status::NotStarted || followed.contains(&o.pathway))
        .collect())
}

/// Settles the learner's outcomes at `now` and returns the progress list
/// (a write transaction; takes the learner's lock so no change interleaves).
pub fn settle_now(conn: &mut DbConn, graphs: &GraphCache, learner: UserId, now: DateTime<Utc>) -> StoreResult<String> {
    credentials::lock_holder(conn, learner)?;
    let (stamp, graph) = graphs.current(conn)?;
    settle(conn, &graph, &stamp, learner, now)
}

/// After a change to the learner's record: settles their outcomes if they
/// are tracked. The caller holds the learner's lock.
pub fn after_change(conn: &mut DbConn, graphs: &GraphCache, learner: UserId, now: DateTime<Utc>) -> StoreResult<()> {
    let Some(header) = outcomes::header(conn, learner)? else { return Ok(()) };
    let (stamp, graph) = graphs.current(conn)?;
    settle_from(conn, &graph, &stamp, learner, Some(header), now).map(drop)
}

/// Brings the learner's stored outcomes to `stamp`'s graph at `now`:
/// everything when nothing usable is stored, otherwise the pathways that
/// the marks and the graph changes since the last settle can affect.
/// Returns the progress list they make.
pub fn settle(conn: &mut DbConn, graph: &PathwayGraph, stamp: &Stamp, learner: UserId, now: DateTime<Utc>) -> StoreResult<String> {
    let header = outcomes::header(conn, learner)?;
    settle_from(conn, graph, stamp, learner, header, now)
}

/// [`settle`] from the stored `header` the caller already read.
fn settle_from(
    conn: &mut DbConn,
    graph: &PathwayGraph,
    stamp: &Stamp,
    learner: UserId,
    header: Option<Header>,
    now: DateTime<Utc>,
) -> StoreResult<String> {
    let facts = learner_facts(conn, learner)?;
    let followed = follows::followed(conn, learner)?;
    let options = EvalOptions::default();
    let scope = match header {
        Some(h) if holds_at(&h, now) && h.graph_version <= stamp.version => Some(affected(conn, graph, learner, h.graph_version)?),
        _ => None,
    };
    match scope {
        None => {
            outcomes::clear(conn, learner)?;
            for (id, result) in cairn_stacking::evaluate_all(graph, &facts, now, &options) {
                store(conn, learner, id, result.ok(), &followed)?;
            }
        }
        Some(scope) => {
            for id in scope {
                let result = graph.pathway(id).and_then(|_| cairn_stacking::evaluate_with(graph, id, &facts, now, &options).ok());
                store(conn, learner, id, result, &followed)?;
            }
        }
    }
    let header = Header { graph_version: stamp.version, valid_until: cairn_stacking::stable_until(graph, &facts, now) };
    let body = list(&ordered(graph, outcomes::of_learner(conn, learner)?));
    outcomes::settled(conn, learner, header, &body, now)?;
    Ok(body)
}

/// The progress list (`{"items": [...]}`) of stored outcomes, as served.
fn list(stored: &[StoredOutcome]) -> String {
    let mut body = String::with_capacity(stored.iter().map(|o| o.json.len() + 1).sum::<usize>() + 12);
    body.push_str("{\"items\":[");
    for (i, outcome) in stored.iter().enumerate() {
        if i > 0 {
            body.push(',');
        }
        body.push_str(&outcome.json);
    }
    body.push_str("]}");
    body
}

/// Whether outcomes settled under `header` still hold at `now`.
fn holds_at(header: &Header, now: DateTime<Utc>) -> bool {
    header.valid_until.is_none_or(|until| now < until)
}

/// The pathways whose outcome the learner's marks and the graph changes
/// after `since` can have changed.
fn affected(conn: &mut DbConn, graph: &PathwayGraph, learner: UserId, since: i64) -> StoreResult<BTreeSet<PathwayId>> {
    let mut scope = BTreeSet::new();
    for mark in outcomes::marks(conn, learner)? {
        match mark {
            Mark::Achievement(id) => scope.extend(graph.affected_by_achievement(id)),
            Mark::Pathway(id) => scope.extend(graph.affected_by_pathway(id).into_iter().chain([id])),
        }
    }
    for change in graph_version::changes_since(conn, since)? {
        match change {
            GraphChange::Achievement(id) => scope.extend(graph.affected_by_achievement(id)),
            GraphChange::Pathway(id) => scope.extend(graph.affected_by_pathway(id).into_iter().chain([id])),
        }
    }
    Ok(scope)
}

/// Stores one outcome when progress lists it (started, or followed), and
/// removes it otherwise (or when it could not be evaluated, which progress
/// leaves out too).
fn store(conn: &mut DbConn, learner: UserId, id: PathwayId, outcome: Option<Outcome>, followed: &BTreeSet<PathwayId>) -> StoreResult<()> {
    match outcome {
        Some(outcome) if outcome.status != Status::NotStarted || followed.contains(&id) => {
            let json = serde_json::to_string(&outcome).map_err(|e| StoreError::Corrupt(format!("outcome of pathway {id}: {e}")))?;
            outcomes::put(conn, learner, id, Some(&json))
        }
        _ => outcomes::put(conn, learner, id, None),
    }
}

/// In the graph's topological order (nested pathways first), as a fresh
/// evaluation lists them; outcomes of pathways no longer in the graph are
/// left out.
fn ordered(graph: &PathwayGraph, stored: Vec<StoredOutcome>) -> Vec<StoredOutcome> {
    let order: HashMap<PathwayId, usize> = graph.topological_order().into_iter().enumerate().map(|(i, id)| (id, i)).collect();
    let mut listed: Vec<(usize, StoredOutcome)> = stored.into_iter().filter_map(|o| order.get(&o.pathway).map(|i| (*i, o))).collect();
    listed.sort_by_key(|(i, _)| *i);
    listed.into_iter().map(|(_, o)| o).collect()
}
