//! Pathways: registering and changing stacking rules, and dry runs that say
//! what a rule would do before it is switched on. The rule itself is stored
//! (and in force for new credentials) at once; the work over every learner,
//! the back-fill of awards or the dry run's evaluation, is a background job
//! (`services::jobs`) that this enqueues in the same transaction.

use cairn_domain::{OrgId, PathwayId};
use cairn_stacking::{EvalError, GraphError, Pathway, PathwayGraph, PathwayRule};

use crate::services::awards::{self, AwardError};
use crate::services::jobs::{self, DryRunParams, JobError, Work};
use crate::services::{Context, progress};
use crate::store::jobs::Job;
use crate::store::pathways::{self, StoredPathway};
use crate::store::{DbConn, StoreError, achievements, follows};

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
    /// The award named is retired: a new pathway (or a pathway changed to
    /// award it) would issue what the institution stopped issuing.
    #[error("the award achievement is retired; a pathway cannot start awarding it")]
    AwardRetired,
    #[error(transparent)]
    Awards(#[from] AwardError),
    #[error(transparent)]
    Jobs(#[from] JobError),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Registers `rule` as a new pathway of institution `org`, and enqueues the
/// job that awards learners who already complete it.
pub fn register(conn: &mut DbConn, ctx: &Context, org: OrgId, rule: PathwayRule) -> Result<(StoredPathway, Job), PathwayError> {
    let pathway = Pathway { id: PathwayId::new(), issuer: org, rule };
    with(conn, &pathway)?;
    refuse_retired_award(conn, &pathway, None)?;
    let stored = pathways::insert(conn, &pathway, ctx.actor, ctx.now)?;
    let job = jobs::enqueue(conn, ctx, org, &Work::PathwayBackfill { pathway: pathway.id })?;
    Ok((stored, job))
}

/// Replaces the rule of pathway `id` of institution `org` (a new version);
/// awards already earned keep their version, and the job it enqueues awards
/// learners who complete the new one.
pub fn update(conn: &mut DbConn, ctx: &Context, org: OrgId, id: PathwayId, rule: PathwayRule) -> Result<(StoredPathway, Job), PathwayError> {
    let current = current(conn, org, id)?;
    let pathway = Pathway { id, issuer: current.pathway.issuer, rule };
    with(conn, &pathway)?;
    refuse_retired_award(conn, &pathway, Some(&current))?;
    let stored = pathways::update(conn, &current, &pathway, ctx.actor, ctx.now)?;
    let job = jobs::enqueue(conn, ctx, org, &Work::PathwayBackfill { pathway: id })?;
    Ok((stored, job))
}

/// A dry run of `rule` as a new pathway of institution `org`: validated
/// now, evaluated for every learner by a job (at this instant), not saved.
pub fn dry_run_new(conn: &mut DbConn, ctx: &Context, org: OrgId, rule: PathwayRule) -> Result<Job, PathwayError> {
    let pathway = Pathway { id: PathwayId::new(), issuer: org, rule };
    with(conn, &pathway)?;
    Ok(jobs::enqueue(conn, ctx, org, &Work::DryRunNew(params(ctx, &pathway)))?)
}

/// A dry run of `rule` in place of pathway `id`'s current one.
pub fn dry_run_change(conn: &mut DbConn, ctx: &Context, org: OrgId, id: PathwayId, rule: PathwayRule) -> Result<Job, PathwayError> {
    let current = current(conn, org, id)?;
    let pathway = Pathway { id, issuer: current.pathway.issuer, rule };
    with(conn, &pathway)?;
    Ok(jobs::enqueue(conn, ctx, org, &Work::DryRunChange(params(ctx, &pathway)))?)
}

fn params(ctx: &Context, pathway: &Pathway) -> DryRunParams {
    DryRunParams { pathway: pathway.id, org: pathway.issuer, rule: pathway.rule.to_value(), at: ctx.now }
}

/// Checks that `pathway` fits the stored graph (registered, or replacing
/// its namesake): no cycle, nothing unknown, satisfiable.
fn with(conn: &mut DbConn, pathway: &Pathway) -> Result<(), PathwayError> {
    let mut graph: PathwayGraph = awards::load_graph(conn)?;
    graph.register(pathway.clone())?;
    Ok(())
}

/// Refuses a retired award, unless the pathway already awarded it: learners
/// were working toward what it promised (docs/guide-institution.md).
fn refuse_retired_award(conn: &mut DbConn, pathway: &Pathway, current: Option<&StoredPathway>) -> Result<(), PathwayError> {
    let award = pathway.rule.award;
    if current.is_some_and(|c| c.pathway.rule.award == award) {
        return Ok(());
    }
    match achievements::find(conn, award)? {
        Some(achievement) if achievement.retired_at.is_some() => Err(PathwayError::AwardRetired),
        _ => Ok(()),
    }
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
