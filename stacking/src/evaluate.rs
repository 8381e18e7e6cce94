//! Evaluation entry points: one pathway, all pathways, what-if, and the
//! award re-check the service runs when a constituent is revoked.

use std::borrow::Cow;
use std::sync::Arc;

use cairn_domain::{AchievementId, CredentialId, PathwayId};
use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;

use crate::allocate::{Allocation, allocate};
use crate::compile::CKind;
use crate::eligibility::Eligibility;
use crate::error::EvalError;
use crate::graph::PathwayGraph;
use crate::input::{CredentialFact, hypothetical_credential_id};
use crate::limits::DEFAULT_SEARCH_BUDGET;
use crate::outcome::{Explanation, Measure, Outcome, Status};
use crate::partial::best_partial;
use crate::plan::next_steps;
use crate::problem::{Cred, Learner, Problem};
use crate::progress::{View, Views};
use crate::rule::OnConstituentRevoked;
use crate::value::{Fixed, to_decimal};

/// One outcome (or error) per pathway, in topological order.
pub type PathwayOutcomes = Vec<(PathwayId, Result<Outcome, EvalError>)>;

/// Knobs of an evaluation; `Default` is what the service wants.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EvalOptions {
    /// Compute `next` (costs a few extra evaluations for incomplete pathways).
    pub plan_next: bool,
    /// Most search steps per allocation search before `BudgetExceeded`.
    pub budget: u64,
    pub eligibility: Eligibility,
}

impl Default for EvalOptions {
    fn default() -> Self {
        EvalOptions { plan_next: true, budget: DEFAULT_SEARCH_BUDGET, eligibility: Eligibility::Strict }
    }
}

impl EvalOptions {
    /// Status, progress, completed_at and explanation only.
    pub fn without_plan() -> Self {
        EvalOptions { plan_next: false, ..Default::default() }
    }
}

/// Evaluates one pathway for a learner's credentials at `at` (default options).
pub fn evaluate(graph: &PathwayGraph, pathway: PathwayId, credentials: &[CredentialFact], at: DateTime<Utc>) -> Result<Outcome, EvalError> {
    evaluate_with(graph, pathway, credentials, at, &EvalOptions::default())
}

pub fn evaluate_with(
    graph: &PathwayGraph,
    pathway: PathwayId,
    credentials: &[CredentialFact],
    at: DateTime<Utc>,
    options: &EvalOptions,
) -> Result<Outcome, EvalError> {
    let learner = Learner::new(credentials, at, options.eligibility, &[]);
    evaluate_learner(graph, pathway, &learner, at, options)
}

/// Every pathway of the graph for one learner, in topological order (nested
/// pathways first). One pathway failing does not stop the others.
pub fn evaluate_all(graph: &PathwayGraph, credentials: &[CredentialFact], at: DateTime<Utc>, options: &EvalOptions) -> PathwayOutcomes {
    let learner = Learner::new(credentials, at, options.eligibility, &[]);
    graph.topological_order().into_iter().map(|id| (id, evaluate_learner(graph, id, &learner, at, options))).collect()
}

fn hypothetical<'a>(graph: &'a PathwayGraph, add: &[AchievementId], at: DateTime<Utc>) -> Result<Vec<Cred<'a>>, EvalError> {
    add.iter()
        .enumerate()
        .map(|(i, a)| {
            let entry = graph.catalog().get(a).ok_or(EvalError::UnknownAchievement(*a))?;
            Ok(Cred { id: hypothetical_credential_id(i), achievement: *a, date: at, credits: entry.credits.as_ref(), virtual_: false })
        })
        .collect()
}

/// As [`evaluate_with`], as if the learner had also earned `add` at `at`
/// (hypothetical credentials get [`hypothetical_credential_id`] ids).
pub fn what_if(
    graph: &PathwayGraph,
    pathway: PathwayId,
    credentials: &[CredentialFact],
    add: &[AchievementId],
    at: DateTime<Utc>,
    options: &EvalOptions,
) -> Result<Outcome, EvalError> {
    let extra = hypothetical(graph, add, at)?;
    let learner = Learner::new(credentials, at, options.eligibility, &extra);
    evaluate_learner(graph, pathway, &learner, at, options)
}

/// What-if over every pathway (topological order).
pub fn what_if_all(
    graph: &PathwayGraph,
    credentials: &[CredentialFact],
    add: &[AchievementId],
    at: DateTime<Utc>,
    options: &EvalOptions,
) -> Result<PathwayOutcomes, EvalError> {
    let extra = hypothetical(graph, add, at)?;
    let learner = Learner::new(credentials, at, options.eligibility, &extra);
    Ok(graph.topological_order().into_iter().map(|id| (id, evaluate_learner(graph, id, &learner, at, options))).collect())
}

/// What the service should do with an issued award after a revocation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AwardAction {
    Keep,
    /// Revoke the award; the reason names the constituent.
    Revoke {
        reason: String,
    },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AwardCheck {
    /// The pathway still holds without the revoked credential.
    pub holds: bool,
    /// The credentials it now uses (empty when it no longer holds).
    pub used: Vec<CredentialId>,
    pub completed_at: Option<DateTime<Utc>>,
    pub action: AwardAction,
}

/// Semantic 9: re-checks an issued award of `pathway` once `revoked` is
/// revoked at `at`, counting suspended credentials as if reinstated (and
/// expired ones: expiry never revokes an award already issued). So `holds`
/// says whether the award could still stand, not whether it stands now: for
/// the status an award should have, use [`award_standing`].
pub fn check_award(
    graph: &PathwayGraph,
    pathway: PathwayId,
    credentials: &[CredentialFact],
    revoked: CredentialId,
    at: DateTime<Utc>,
) -> Result<AwardCheck, EvalError> {
    let policy = graph.pathway(pathway).ok_or(EvalError::UnknownPathway(pathway))?.rule.on_constituent_revoked;
    let facts: Vec<CredentialFact> = credentials
        .iter()
        .map(|f| {
            let mut f = f.clone();
            if f.id == revoked {
                f.revoked_at = Some(f.revoked_at.map_or(at, |r| r.min(at)));
            }
            f
        })
        .collect();
    let options = EvalOptions { plan_next: false, eligibility: Eligibility::AwardRetention, ..Default::default() };
    let outcome = evaluate_with(graph, pathway, &facts, at, &options)?;
    let holds = outcome.status == Status::Complete;
    let action = match (holds, policy) {
        (false, OnConstituentRevoked::Revoke) => {
            AwardAction::Revoke { reason: format!("constituent credential {revoked} was revoked and the pathway no longer holds") }
        }
        _ => AwardAction::Keep,
    };
    Ok(AwardCheck { holds, used: if holds { outcome.used() } else { Vec::new() }, completed_at: outcome.completed_at, action })
}

/// Where an issued award stands under the current statuses of the learner's
/// credentials (semantic 9, one rule for taking away and restoring).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AwardStanding {
    /// The pathway holds now with the credentials in force (expiry aside):
    /// the award should be active, held by `used`.
    Holds { used: Vec<CredentialId>, completed_at: Option<DateTime<Utc>> },
    /// It does not hold now, but would if the suspended credentials were
    /// reinstated: the award should be suspended.
    HeldIfReinstated,
    /// It would not hold even then: under `"revoke"` the award is revoked.
    Lost,
}

/// Semantic 9 as one rule, stateless: whether `pathway` holds at `at` with
/// the credentials neither revoked nor suspended (expired ones count:
/// expiry never takes an award already issued), else whether it would with
/// the suspended ones reinstated. The policy (`on_constituent_revoked`) is
/// the caller's: this says only where the award stands.
pub fn award_standing(
    graph: &PathwayGraph,
    pathway: PathwayId,
    credentials: &[CredentialFact],
    at: DateTime<Utc>,
) -> Result<AwardStanding, EvalError> {
    let in_force = EvalOptions { plan_next: false, eligibility: Eligibility::InForce, ..Default::default() };
    let now = evaluate_with(graph, pathway, credentials, at, &in_force)?;
    if now.status == Status::Complete {
        return Ok(AwardStanding::Holds { used: now.used(), completed_at: now.completed_at });
    }
    let retention = EvalOptions { plan_next: false, eligibility: Eligibility::AwardRetention, ..Default::default() };
    let reinstated = evaluate_with(graph, pathway, credentials, at, &retention)?;
    Ok(if reinstated.status == Status::Complete { AwardStanding::HeldIfReinstated } else { AwardStanding::Lost })
}

pub(crate) fn evaluate_learner(
    graph: &PathwayGraph,
    pathway: PathwayId,
    learner: &Learner,
    at: DateTime<Utc>,
    options: &EvalOptions,
) -> Result<Outcome, EvalError> {
    let rule = graph.compiled.get(&pathway).ok_or(EvalError::UnknownPathway(pathway))?;
    let problem = Problem::new(rule, learner);
    let alloc = allocate(&problem, options.budget).map_err(|_| EvalError::BudgetExceeded { pathway, budget: options.budget })?;
    let complete = alloc.is_some();
    // An unfinished pathway is explained by its best partial allocation; a
    // complete one by its allocation, and views only for the alternatives
    // it did not use.
    let partial = if complete { None } else { Some(best_partial(&problem)) };
    let views = match &partial {
        Some(part) => Views::masked(&problem, &part.owner),
        None => Views::new(&problem),
    };
    let root_view = partial.as_ref().map(|part| &part.root);
    let raw_progress = root_view.as_ref().map_or(1.0, |v| v.progress);
    let progress = final_progress(complete, raw_progress);
    let status = if complete {
        Status::Complete
    } else if raw_progress > 0.0 {
        Status::InProgress
    } else {
        Status::NotStarted
    };
    let mut requirement = explain(&problem, &views, alloc.as_ref(), 0, root_view);
    if !complete {
        requirement.satisfied = false;
    }
    let next = if options.plan_next && !complete { next_steps(graph, rule, learner, at, options.budget, raw_progress) } else { Vec::new() };
    let (name, key) = graph.pathway(pathway).map(|p| (p.rule.name.clone(), p.rule.key.clone())).unwrap_or_default();
    Ok(Outcome { pathway, name, key, status, progress, completed_at: alloc.as_ref().and_then(|a| a.key.latest), requirement, next })
}

/// 1 when complete; otherwise capped at 0.99 and floored to 4 decimals (a
/// monotone map), never shown as 0 when something counts.
pub(crate) fn final_progress(complete: bool, raw: f64) -> f64 {
    if complete {
        return 1.0;
    }
    let capped = raw.clamp(0.0, 0.99);
    let floored = (capped * 10_000.0).floor() / 10_000.0;
    if raw > 0.0 { floored.max(0.0001) } else { 0.0 }
}

/// What an allocation assigns to leaves under `node`: `assigned` is sorted
/// by leaf, and a subtree is a range of nodes. Each credential appears once.
fn assigned_under<'a>(p: &Problem<'_>, alloc: &'a Allocation, node: usize) -> &'a [(usize, usize)] {
    // INVARIANT: `subtree_end` has one entry per node (`CompiledRule::finish`).
    let end = p.rule.subtree_end.get(node).copied().unwrap_or(node);
    let from = alloc.assigned.partition_point(|(l, _)| *l < node);
    let to = alloc.assigned.partition_point(|(l, _)| *l < end);
    alloc.assigned.get(from..to).unwrap_or(&[])
}

fn ids(p: &Problem<'_>, creds: impl ExactSizeIterator<Item = usize>) -> Vec<CredentialId> {
    let mut out: Vec<CredentialId> = Vec::with_capacity(creds.len());
    out.extend(creds.filter_map(|c| p.cred(c).map(|c| c.id)));
    out.sort_unstable();
    out
}

fn explain(p: &Problem<'_>, views: &Views<'_, '_>, alloc: Option<&Allocation>, node: usize, view: Option<&View>) -> Explanation {
    let Some(n) = p.rule.nodes.get(node) else {
        return Explanation {
            kind: Cow::Borrowed("all"),
            label: String::new(),
            satisfied: false,
            have: Measure::Count(0),
            need: Measure::Count(0),
            unit: None,
            within: None,
            pathway: None,
            used: Vec::new(),
            candidates: Arc::clone(&p.rule.no_candidates),
            candidate_names: Arc::clone(&p.rule.no_names),
            of: Vec::new(),
        };
    };
    let used_here = alloc.map_or(&[][..], |a| assigned_under(p, a, node));
    let active = !used_here.is_empty();
    // Nodes the allocation uses are explained by it; others by their view.
    let own_view;
    let view = match (active, view) {
        (true, _) => None,
        (false, Some(v)) => Some(v),
        (false, None) => {
            own_view = views.of(node);
            Some(&own_view)
        }
    };
    let of: Vec<Explanation> =
        n.children.iter().enumerate().map(|(i, &c)| explain(p, views, alloc, c, view.and_then(|v| v.children.get(i)))).collect();
    let view_have = view.map_or(Decimal::ZERO, |v| v.have);
    let view_satisfied = view.is_some_and(|v| v.satisfied);
    let whole = |d: Decimal| Measure::Count(d.trunc().to_u64().unwrap_or(0));
    let (need, unit, matcher) = match &n.kind {
        CKind::Count { min, matcher } => (Measure::Count(u64::from(*min)), None, Some(matcher)),
        CKind::Credits { min, unit, matcher, .. } => (Measure::Credits(min.normalize()), Some(unit.clone()), Some(matcher)),
        _ => (Measure::Count(n.needed_children() as u64), None, None),
    };
    let (candidates, candidate_names) = match matcher {
        Some(m) => (Arc::clone(&m.achievements), Arc::clone(&m.names)),
        None => (Arc::clone(&p.rule.no_candidates), Arc::clone(&p.rule.no_names)),
    };
    let have = if active {
        match &n.kind {
            CKind::Count { .. } => Measure::Count(used_here.len() as u64),
            CKind::Credits { .. } => Measure::Credits(allocated_credits(p, alloc, node).normalize()),
            _ => Measure::Count(of.iter().filter(|e| e.satisfied).count() as u64),
        }
    } else if matches!(n.kind, CKind::Credits { .. }) {
        Measure::Credits(view_have.normalize())
    } else {
        whole(view_have)
    };
    Explanation {
        kind: Cow::Borrowed(n.type_name()),
        label: n.label.clone(),
        satisfied: active || view_satisfied,
        have,
        need,
        unit,
        within: n.within,
        pathway: match n.kind {
            CKind::Pathway(id) => Some(id),
            _ => None,
        },
        used: match (alloc, view) {
            (Some(_), _) | (None, None) => ids(p, used_here.iter().map(|(_, c)| *c)),
            (None, Some(v)) => ids(p, v.used.iter().copied()),
        },
        candidates,
        candidate_names,
        of,
    }
}

fn allocated_credits(p: &Problem<'_>, alloc: Option<&Allocation>, leaf: usize) -> Decimal {
    let Some(alloc) = alloc else { return Decimal::ZERO };
    let Some(data) = p.leaf(leaf) else { return Decimal::ZERO };
    let total =
        alloc.assigned.iter().filter(|(l, _)| *l == leaf).filter_map(|(_, c)| p.value_of(data, *c)).fold(0, |acc: Fixed, v| acc.saturating_add(v));
    to_decimal(total)
}
