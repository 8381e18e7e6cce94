//! The completion planner: which catalog achievements to earn next.
//!
//! 1. Each candidate achievement of the pathway (those some leaf accepts,
//!    at most `MAX_PLAN_CANDIDATES`, not-yet-held first) is tried alone as a
//!    credential earned at `at`: it completes the pathway, or it raises
//!    progress, or it does nothing.
//! 2. When no single achievement completes it, the allocation search runs
//!    with one hypothetical credential per candidate and minimises (number
//!    of hypothetical credentials, their credits, latest date): the smallest
//!    completing set.
//!
//! The list: completing sets first, then single steps forward; within each,
//! fewest achievements, then fewest credits, then id. At most `MAX_NEXT`.

use std::collections::BTreeSet;

use cairn_domain::AchievementId;
use chrono::{DateTime, Utc};
use rust_decimal::Decimal;

use crate::allocate::allocate;
use crate::compile::CompiledRule;
use crate::graph::PathwayGraph;
use crate::input::hypothetical_credential_id;
use crate::label::achievement_name;
use crate::limits::{MAX_NEXT, MAX_PLAN_CANDIDATES};
use crate::outcome::NextStep;
use crate::partial::best_partial;
use crate::problem::{Cred, Learner, Problem, for_each_hit};
use crate::value::Fixed;

/// The leaves a credential fills, with its value there.
type Hits = Vec<(usize, Fixed)>;

pub(crate) fn next_steps<'a>(
    graph: &'a PathwayGraph,
    rule: &CompiledRule,
    learner: &Learner<'a>,
    at: DateTime<Utc>,
    budget: u64,
    progress: f64,
) -> Vec<NextStep> {
    let held: BTreeSet<AchievementId> = learner.creds.iter().map(|c| c.achievement).collect();
    // By (held, id): the candidates are sorted by id, so the achievements
    // not held yet, then the held ones.
    let (mut pool, again): (Vec<AchievementId>, Vec<AchievementId>) = rule.candidates.iter().copied().partition(|a| !held.contains(a));
    pool.extend(again);
    pool.truncate(MAX_PLAN_CANDIDATES);
    let credits_of = |a: &AchievementId| graph.catalog().get(a).and_then(|e| e.credits.as_ref()).map(|c| c.amount()).unwrap_or(Decimal::ZERO);
    let hypothetical = |a: AchievementId, i: usize, virtual_: bool| Cred {
        id: hypothetical_credential_id(usize::MAX / 2 + i),
        achievement: a,
        date: at,
        credits: graph.catalog().get(&a).and_then(|e| e.credits.as_ref()),
        virtual_,
    };
    let with = |extra: Vec<Cred<'a>>| -> Learner<'a> {
        let mut creds = learner.creds.clone();
        creds.extend(extra);
        Learner::from_creds(creds)
    };
    // A hypothetical credential dated after every real one is the last
    // credential of its trial whatever its achievement, so two achievements
    // the learner does not hold that fill the same leaves with the same
    // values give isomorphic trials, hence the same answer: each such
    // class is tried once.
    let last = learner.stamp.last().is_none_or(|&s| s < at.timestamp_micros());
    let mut tried: Vec<(Hits, Option<(bool, f64)>)> = Vec::new();

    // (size, credits, already held, achievements): new achievements before repeats.
    let mut completing: Vec<(usize, Decimal, usize, Vec<AchievementId>)> = Vec::new();
    let mut forward: Vec<(usize, Decimal, usize, Vec<AchievementId>)> = Vec::new();
    let held_count = |set: &[AchievementId]| set.iter().filter(|a| held.contains(a)).count();
    for (i, a) in pool.iter().enumerate() {
        let cred = hypothetical(*a, i, false);
        let class = (last && !held.contains(a)).then(|| {
            let mut hits = Vec::new();
            if let Some(entry) = rule.lookup.get(a.as_uuid().as_u128()) {
                for_each_hit(rule, entry, cred.date, cred.credits, |leaf, v| hits.push((leaf, v)));
            }
            hits
        });
        let known = class.as_ref().and_then(|c| tried.iter().find(|(k, _)| k == c)).map(|(_, r)| *r);
        let result = match known {
            Some(r) => r,
            None => {
                let trial = learner.with_last(cred).unwrap_or_else(|| with(vec![cred]));
                let r = quick(rule, &trial, budget);
                if let Some(c) = class {
                    tried.push((c, r));
                }
                r
            }
        };
        match result {
            Some((true, _)) => completing.push((1, credits_of(a), held_count(&[*a]), vec![*a])),
            Some((false, p)) if p > progress => forward.push((1, credits_of(a), held_count(&[*a]), vec![*a])),
            _ => {}
        }
    }
    if completing.is_empty() && !pool.is_empty() {
        let extra: Vec<Cred> = pool.iter().enumerate().map(|(i, a)| hypothetical(*a, i, true)).collect();
        let trial = with(extra);
        let problem = Problem::new(rule, &trial);
        if let Ok(Some(alloc)) = allocate(&problem, budget) {
            let mut set: Vec<AchievementId> =
                alloc.assigned.iter().filter_map(|(_, c)| problem.cred(*c)).filter(|c| c.virtual_).map(|c| c.achievement).collect();
            set.sort_unstable();
            set.dedup();
            let credits = set.iter().map(credits_of).fold(Decimal::ZERO, |a, b| a.saturating_add(b));
            if !set.is_empty() {
                completing.push((set.len(), credits, held_count(&set), set));
            }
        }
    }
    completing.sort();
    forward.sort();
    completing
        .into_iter()
        .map(|(_, _, _, achievements)| (achievements, true))
        .chain(forward.into_iter().map(|(_, _, _, achievements)| (achievements, false)))
        .take(MAX_NEXT)
        .map(|(achievements, completes)| NextStep {
            names: achievements.iter().map(|a| achievement_name(graph.catalog(), a)).collect(),
            achievements,
            completes,
        })
        .collect()
}

/// Status and uncapped progress only (the planner's inner loop): progress
/// of the best partial allocation, as the outcome reports it.
fn quick(rule: &CompiledRule, learner: &Learner, budget: u64) -> Option<(bool, f64)> {
    let problem = Problem::new(rule, learner);
    let alloc = allocate(&problem, budget).ok()?;
    let progress = if alloc.is_some() { 1.0 } else { best_partial(&problem).root.progress };
    Some((alloc.is_some(), progress))
}
