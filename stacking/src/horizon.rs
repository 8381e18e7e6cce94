//! How long an outcome stays true without any new event. Time changes an
//! outcome in three ways only: a credential's eligibility (semantic 1)
//! starts or ends (awarded in the future, expiry, a recorded revocation or
//! suspension); a credential earned at the instant of evaluation, as `next`
//! plans them, no longer shares a `within` window with one already held;
//! or that instant crosses an `earned_after`/`earned_before` bound. Windows
//! otherwise compare award dates with each other, never with the instant.

use std::collections::BTreeSet;

use cairn_domain::IsoDuration;
use chrono::{DateTime, Utc};

use crate::graph::PathwayGraph;
use crate::input::CredentialFact;
use crate::rule::{Requirement, RequirementKind, Selector};

/// The earliest instant after `now` at which evaluating `facts` against
/// `graph` could give another outcome than at `now`; `None`: the outcomes
/// stay as they are until the facts or the graph change.
pub fn stable_until(graph: &PathwayGraph, facts: &[CredentialFact], now: DateTime<Utc>) -> Option<DateTime<Utc>> {
    let mut windows = Vec::new();
    let mut bounds = BTreeSet::new();
    for pathway in graph.pathways() {
        collect(&pathway.rule.requirement, &mut windows, &mut bounds);
    }
    let eligibility = facts.iter().flat_map(|f| {
        let suspensions = f.suspensions.iter().flat_map(|(from, until)| [Some(*from), *until]);
        [Some(f.awarded_at), f.valid_until, f.revoked_at].into_iter().chain(suspensions).flatten()
    });
    let window_ends = facts.iter().flat_map(|f| windows.iter().filter_map(move |w: &IsoDuration| w.add_to(f.awarded_at)));
    eligibility.chain(window_ends).chain(bounds).filter(|instant| *instant > now).min()
}

fn collect(requirement: &Requirement, windows: &mut Vec<IsoDuration>, bounds: &mut BTreeSet<DateTime<Utc>>) {
    if let Some(within) = requirement.within
        && !windows.contains(&within)
    {
        windows.push(within);
    }
    let mut selector = |s: &Selector| bounds.extend(s.earned_after.into_iter().chain(s.earned_before));
    match &requirement.kind {
        RequirementKind::All { of } | RequirementKind::Any { of } | RequirementKind::AtLeast { of, .. } => {
            of.iter().for_each(|child| collect(child, windows, bounds));
        }
        RequirementKind::Count { selector: s, .. } | RequirementKind::Credits { selector: s, .. } => selector(s),
        RequirementKind::Pathway { .. } => {}
    }
}

#[cfg(test)]
mod tests {
    use cairn_domain::{AchievementId, CredentialId};
    use chrono::TimeZone;

    use super::*;

    fn graph() -> PathwayGraph {
        PathwayGraph::new([])
    }

    fn t(day: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 1, day, 0, 0, 0).single().unwrap_or_default()
    }

    #[test]
    fn the_earliest_future_boundary_of_any_credential() {
        let mut a = CredentialFact::earned(CredentialId::new(), AchievementId::new(), t(1));
        a.valid_until = Some(t(20));
        let mut b = CredentialFact::earned(CredentialId::new(), AchievementId::new(), t(2));
        b.suspensions = vec![(t(3), Some(t(15)))];
        assert_eq!(stable_until(&graph(), &[a.clone(), b.clone()], t(10)), Some(t(15)));
        assert_eq!(stable_until(&graph(), &[a.clone(), b.clone()], t(15)), Some(t(20)));
        assert_eq!(stable_until(&graph(), &[a.clone(), b], t(20)), None);
        // Awarded in the future: in force from then on.
        let c = CredentialFact::earned(CredentialId::new(), AchievementId::new(), t(25));
        assert_eq!(stable_until(&graph(), &[a, c], t(21)), Some(t(25)));
        assert_eq!(stable_until(&graph(), &[], t(1)), None);
    }
}
