//! Pathways: registering and changing stacking rules (learners who already
//! complete one are awarded at once), and dry runs that say what a rule
//! would do before it is switched on.

use cairn_domain::{OrgId, PathwayId};
use cairn_stacking::{EvalError, EvalOptions, GraphError, Pathway, PathwayGraph, PathwayRule, Status};
use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;

use crate::services::{Context, progress};
use crate::services::awards::{self, AwardError};
use crate::store::pathways::{self, StoredPathway};
use crate::store::{DbConn, StoreError, credentials, follows};

#[derive(Debug, thiserror::Error)]
pub enum PathwayError {
    /// No such pathway in the institution.
    #[error("pathway not found")]
    NotFound,
    /// A cycle, an unknown achievement or pathway, an award outside the
    /// institution's catalog, a rule that can never be satisfied.
    #[error(transparent)]
    Graph(#[from] GraphError),
    /// The rule could not be evaluated (dry runs).
    #[error(transparent)]
    Evaluation(#[from] EvalError),
    #[error(transparent)]
    Awards(#[from] AwardError),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Registers `rule` as a new pathway of institution `org`; learners who
/// already complete it are awarded at once.
pub fn register(conn: &mut DbConn, ctx: &Context, org: OrgId, rule: PathwayRule) -> Result<StoredPathway, PathwayError> {
    let pathway = Pathway { id: PathwayId::new(), issuer: org, rule };
    let graph = with(conn, &pathway)?;
    let stored = pathways::insert(conn, &pathway, ctx.actor, ctx.now)?;
    awards::award_new_pathway(conn, ctx, &graph, pathway.id)?;
    Ok(stored)
}

/// Replaces the rule of pathway `id` of institution `org` (a new version);
/// awards already earned keep their version, learners who complete the new
/// one are awarded.
pub fn update(conn: &mut DbConn, ctx: &Context, org: OrgId, id: PathwayId, rule: PathwayRule) -> Result<StoredPathway, PathwayError> {
    let current = current(conn, org, id)?;
    let pathway = Pathway { id, issuer: current.pathway.issuer, rule };
    let graph = with(conn, &pathway)?;
    let stored = pathways::update(conn, &current, &pathway, ctx.actor, ctx.now)?;
    awards::award_new_pathway(conn, ctx, &graph, id)?;
    Ok(stored)
}

/// What the pathway would do if registered (or changed) now.
#[derive(Debug, Serialize, ToSchema)]
pub struct DryRun {
    /// Learners holding at least one credential, all evaluated.
    learners_evaluated: u64,
    /// Learners who complete it now (each would be awarded, or queued for
    /// review).
    would_complete: u64,
    /// Of those, learners who already hold an award of the current version.
    already_awarded: u64,
    /// Learners with some progress but not complete.
    in_progress: u64,
    evaluated_at: DateTime<Utc>,
}

/// A dry run of `rule` as a new pathway of institution `org`.
pub fn dry_run_new(conn: &mut DbConn, ctx: &Context, org: OrgId, rule: PathwayRule) -> Result<DryRun, PathwayError> {
    dry_run(conn, ctx, Pathway { id: PathwayId::new(), issuer: org, rule })
}

/// A dry run of `rule` in place of pathway `id`'s current one.
pub fn dry_run_change(conn: &mut DbConn, ctx: &Context, org: OrgId, id: PathwayId, rule: PathwayRule) -> Result<DryRun, PathwayError> {
    let current = current(conn, org, id)?;
    dry_run(conn, ctx, Pathway { id, issuer: current.pathway.issuer, rule })
}

/// Validated like a registration, evaluated for every learner, not saved.
fn dry_run(conn: &mut DbConn, ctx: &Context, pathway: Pathway) -> Result<DryRun, PathwayError> {
    let graph = with(conn, &pathway)?;
    let now = ctx.now;
    let mut result = DryRun { learners_evaluated: 0, would_complete: 0, already_awarded: 0, in_progress: 0, evaluated_at: now };
    for learner in credentials::learners_with_credentials(conn)? {
        let facts = awards::learner_facts(conn, learner)?;
        result.learners_evaluated += 1;
        let outcome = cairn_stacking::evaluate_with(&graph, pathway.id, &facts, now, &EvalOptions::without_plan())?;
        match outcome.status {
            Status::Complete => {
                result.would_complete += 1;
                if pathways::find_award(conn, pathway.id, learner)?.is_some() {
                    result.already_awarded += 1;
                }
            }
            Status::InProgress => result.in_progress += 1,
            Status::NotStarted => {}
        }
    }
    Ok(result)
}

/// The stored graph with `pathway` registered (or replacing its namesake).
fn with(conn: &mut DbConn, pathway: &Pathway) -> Result<PathwayGraph, PathwayError> {
    let mut graph = awards::load_graph(conn)?;
    graph.register(pathway.clone())?;
    Ok(graph)
}

/// Pathway `id`, when institution `org` owns it.
fn current(conn: &mut DbConn, org: OrgId, id: PathwayId) -> Result<StoredPathway, PathwayError> {
    pathways::find(conn, id)?.filter(|p| p.pathway.issuer == org).ok_or(PathwayError::NotFound)
}

/// The learner (the context's actor) follows `pathway`, to see it in their
/// progress before they hold anything toward it (idempotent).
pub fn follow(conn: &mut DbConn, ctx: &Context, pathway: PathwayId) -> Result<(), PathwayError> {
    pathways::find(conn, pathway)?.ok_or(PathwayError::NotFound)?;
    follows::follow(conn, ctx.actor, pathway, ctx.now)?;
    Ok(progress::after_change(conn, &ctx.graphs, ctx.actor, ctx.now)?)
}

/// Stops following `pathway` (idempotent; an unknown pathway is not followed).
pub fn unfollow(conn: &mut DbConn, ctx: &Context, pathway: PathwayId) -> Result<(), PathwayError> {
    follows::unfollow(conn, ctx.actor, pathway)?;
    Ok(progress::after_change(conn, &ctx.graphs, ctx.actor, ctx.now)?)
}
