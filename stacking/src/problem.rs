//! One evaluation's input, prepared: the learner's eligible credentials in a
//! stable order, and for every leaf of a compiled rule the credentials it
//! could use, grouped by achievement (count and credits both count an
//! achievement once).

use cairn_domain::{AchievementId, CredentialId, Credits};
use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;

use crate::compile::{CKind, CompiledRule};
use crate::eligibility::{Eligibility, is_eligible};
use crate::graph::PathwayGraph;
use crate::input::CredentialFact;
use crate::value::convert_credits;

#[derive(Debug, Clone)]
pub(crate) struct Cred<'a> {
    pub id: CredentialId,
    pub achievement: AchievementId,
    pub date: DateTime<Utc>,
    pub credits: Option<&'a Credits>,
    /// A hypothetical credential added by the planner.
    pub virtual_: bool,
}

/// The learner's eligible credentials at an instant, sorted by (date, id).
#[derive(Debug, Clone)]
pub(crate) struct Learner<'a> {
    pub creds: Vec<Cred<'a>>,
    /// (achievement, index into `creds`), sorted.
    pub by_achievement: Vec<(AchievementId, usize)>,
}

impl<'a> Learner<'a> {
    pub fn new(
        graph: &'a PathwayGraph,
        facts: &'a [CredentialFact],
        at: DateTime<Utc>,
        mode: Eligibility,
        extra: &[Cred<'a>],
    ) -> Self {
        let mut creds: Vec<Cred> = facts
            .iter()
            .filter(|f| is_eligible(f, at, mode))
            .map(|f| Cred {
                id: f.id,
                achievement: f.achievement,
                date: f.awarded_at,
                credits: f.credits.as_ref().or_else(|| graph.catalog().get(&f.achievement).and_then(|e| e.credits.as_ref())),
                virtual_: false,
            })
            .chain(extra.iter().cloned())
            .collect();
        // A stable order whatever the input order; duplicate ids count once.
        creds.sort_by(|a, b| {
            (a.date, a.id, a.achievement, a.virtual_).cmp(&(b.date, b.id, b.achievement, b.virtual_))
        });
        creds.dedup_by(|b, a| a.id == b.id);
        let mut by_achievement: Vec<(AchievementId, usize)> =
            creds.iter().enumerate().map(|(i, c)| (c.achievement, i)).collect();
        by_achievement.sort_unstable();
        Learner { creds, by_achievement }
    }
}

/// The credentials one achievement offers a leaf: a range of `LeafData::slots`.
#[derive(Debug, Clone)]
pub(crate) struct Group {
    pub start: usize,
    pub end: usize,
    pub best_value: Decimal,
}

#[derive(Debug, Clone, Default)]
pub(crate) struct LeafData {
    /// (credential index, value in the leaf's measure), grouped by
    /// achievement, each group by date then id.
    pub slots: Vec<(usize, Decimal)>,
    /// Ordered by earliest member date, then achievement.
    pub groups: Vec<Group>,
    /// Sum of `best_value` from group i to the end (credits pruning).
    pub suffix_best: Vec<Decimal>,
    /// Whether this leaf measures credits (else count).
    pub credits: bool,
    pub need: Decimal,
    /// For count leaves: how many distinct achievements.
    pub need_count: usize,
    /// With a `within` on the leaf itself: per slot, the end (microseconds)
    /// of the window that slot's credential opens.
    pub window_end: Vec<i64>,
}

impl LeafData {
    pub fn members(&self, g: &Group) -> &[(usize, Decimal)] {
        self.slots.get(g.start..g.end).unwrap_or(&[])
    }
}

#[derive(Debug)]
pub(crate) struct Problem<'a> {
    pub rule: &'a CompiledRule,
    pub learner: &'a Learner<'a>,
    /// Indexed by node; `Some` for leaves.
    pub leaves: Vec<Option<LeafData>>,
    /// For `within` nodes: candidate indices under the node, by date.
    pub under: Vec<Vec<usize>>,
    /// Per credential: award instant in microseconds (fast comparisons).
    pub stamp: Vec<i64>,
    /// Per credential: how many leaves could use it.
    pub uses: Vec<u16>,
    /// Credentials some leaf could use, in order.
    pub relevant: Vec<usize>,
    pub any_virtual: bool,
}

impl<'a> Problem<'a> {
    pub fn new(rule: &'a CompiledRule, learner: &'a Learner<'a>) -> Self {
        let mut leaves: Vec<Option<LeafData>> = vec![None; rule.nodes.len()];
        let mut under: Vec<Vec<usize>> = vec![Vec::new(); rule.nodes.len()];
        for &leaf in &rule.leaves {
            let Some(node) = rule.nodes.get(leaf) else { continue };
            let (matcher, need, credits_unit) = match &node.kind {
                CKind::Count { min, matcher } => (matcher, Decimal::from(*min), None),
                CKind::Credits { min, unit, matcher, conversions } => (matcher, *min, Some((unit, conversions))),
                _ => continue,
            };
            let mut hits: Vec<(usize, Decimal)> = Vec::new();
            let mut groups: Vec<Group> = Vec::new();
            // Merge the two sorted lists (matcher achievements, learner's
            // credentials by achievement); hits come out grouped.
            let (mut i, mut j) = (0usize, 0usize);
            let (ms, ls) = (&matcher.achievements, &learner.by_achievement);
            while let (Some(m), Some((a, c))) = (ms.get(i), ls.get(j)) {
                match m.cmp(a) {
                    std::cmp::Ordering::Less => i += 1,
                    std::cmp::Ordering::Greater => j += 1,
                    std::cmp::Ordering::Equal => {
                        j += 1;
                        let Some(cred) = learner.creds.get(*c) else { continue };
                        if !matcher.matches_time(cred.date) {
                            continue;
                        }
                        let value = match credits_unit {
                            None => Some(Decimal::ONE),
                            Some((unit, conv)) => cred.credits.and_then(|cr| convert_credits(cr, unit, conv)),
                        };
                        let Some(v) = value.filter(|v| *v > Decimal::ZERO) else { continue };
                        let new_group = hits.last().and_then(|(h, _)| learner.creds.get(*h)).is_none_or(|h| h.achievement != *a)
                            || groups.is_empty();
                        if new_group {
                            groups.push(Group { start: hits.len(), end: hits.len(), best_value: v });
                        }
                        hits.push((*c, v));
                        if let Some(g) = groups.last_mut() {
                            g.end = hits.len();
                            g.best_value = g.best_value.max(v);
                        }
                    }
                }
            }
            // by_achievement is sorted by (achievement, index) and index
            // order is (date, id) order, so each group is already by date.
            groups.sort_by_key(|g| (hits.get(g.start).map(|h| h.0), g.start));
            let mut suffix_best = vec![Decimal::ZERO; groups.len() + 1];
            for i in (0..groups.len()).rev() {
                let best = groups.get(i).map(|g| g.best_value).unwrap_or_default();
                let next = suffix_best.get(i + 1).copied().unwrap_or_default();
                if let Some(slot) = suffix_best.get_mut(i) {
                    *slot = next.saturating_add(best);
                }
            }
            for &w in &node.windows {
                if let Some(list) = under.get_mut(w) {
                    list.extend(hits.iter().map(|m| m.0));
                }
            }
            if let Some(slot) = leaves.get_mut(leaf) {
                let need_count = need.to_usize().unwrap_or(usize::MAX);
                let window_end = match node.within {
                    None => Vec::new(),
                    Some(d) => hits
                        .iter()
                        .map(|(c, _)| {
                            learner
                                .creds
                                .get(*c)
                                .and_then(|cr| d.add_to(cr.date))
                                .map_or(i64::MAX, |e| e.timestamp_micros())
                        })
                        .collect(),
                };
                *slot = Some(LeafData { slots: hits, groups, suffix_best, credits: credits_unit.is_some(), need, need_count, window_end });
            }
        }
        for list in &mut under {
            list.sort_unstable();
            list.dedup();
        }
        let stamp: Vec<i64> = learner.creds.iter().map(|c| c.date.timestamp_micros()).collect();
        let mut uses = vec![0u16; learner.creds.len()];
        for data in leaves.iter().flatten() {
            for &(c, _) in &data.slots {
                if let Some(u) = uses.get_mut(c) {
                    *u = u.saturating_add(1);
                }
            }
        }
        let relevant: Vec<usize> = (0..uses.len()).filter(|&c| uses.get(c).is_some_and(|u| *u > 0)).collect();
        let any_virtual = relevant.iter().any(|&c| learner.creds.get(c).is_some_and(|c| c.virtual_));
        Problem { rule, learner, leaves, under, stamp, uses, relevant, any_virtual }
    }

    pub fn date(&self, cred: usize) -> Option<DateTime<Utc>> {
        self.learner.creds.get(cred).map(|c| c.date)
    }
}
