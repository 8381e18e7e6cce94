//! Each node on its own: what the learner's credentials give it, ignoring
//! the other nodes. This is what progress and the explanation of an
//! incomplete pathway show. Every quantity here can only grow when a
//! credential is added (more candidates, more windows to choose from, means
//! and maxima of growing values), which is what makes progress monotone.

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;

use crate::compile::CKind;
use crate::problem::Problem;

type Range = Option<(DateTime<Utc>, DateTime<Utc>)>;

#[derive(Debug, Clone)]
pub(crate) struct View {
    /// In [0, 1], uncapped by completion.
    pub progress: f64,
    /// Leaves: distinct achievements or credits; internal: satisfied children.
    pub have: Decimal,
    pub satisfied: bool,
    /// Credential indices, sorted.
    pub used: Vec<usize>,
    pub children: Vec<View>,
}

pub(crate) struct Views<'p, 'a> {
    p: &'p Problem<'a>,
    weights: Vec<f64>,
}

impl<'p, 'a> Views<'p, 'a> {
    pub fn new(p: &'p Problem<'a>) -> Self {
        let mut weights = vec![1.0; p.rule.nodes.len()];
        // Children come after their parent in the arena: fill bottom-up.
        for i in (0..p.rule.nodes.len()).rev() {
            let Some(n) = p.rule.nodes.get(i) else { continue };
            let child_w: Vec<f64> = n.children.iter().map(|&c| weights.get(c).copied().unwrap_or(1.0)).collect();
            let w = match &n.kind {
                CKind::Count { min, .. } => f64::from(*min),
                CKind::Credits { .. } | CKind::Pathway(_) => 1.0,
                CKind::All => child_w.iter().sum(),
                CKind::Any | CKind::AtLeast(_) => {
                    let mut sorted = child_w.clone();
                    sorted.sort_by(f64::total_cmp);
                    sorted.iter().take(n.needed_children()).sum()
                }
            };
            if let Some(slot) = weights.get_mut(i) {
                *slot = w.max(1.0);
            }
        }
        Views { p, weights }
    }

    pub fn view(&self, node: usize, range: Range) -> View {
        let Some(n) = self.p.rule.nodes.get(node) else { return empty() };
        let Some(within) = n.within else { return self.inner(node, range) };
        let mut starts: Vec<DateTime<Utc>> = self
            .p
            .under
            .get(node)
            .into_iter()
            .flatten()
            .filter_map(|&c| self.p.date(c))
            .filter(|d| in_range(range, *d))
            .collect();
        starts.dedup();
        let mut best: Option<View> = None;
        for start in starts {
            let end = within.add_to(start).unwrap_or(DateTime::<Utc>::MAX_UTC);
            let window = match range {
                None => (start, end),
                Some((lo, hi)) => (lo.max(start), hi.min(end)),
            };
            // Ties go to the later window: the one a new credential can still join.
            let v = self.inner(node, Some(window));
            let better = best.as_ref().is_none_or(|b| {
                (v.satisfied, v.progress) >= (b.satisfied, b.progress)
            });
            if better {
                best = Some(v);
            }
        }
        best.unwrap_or_else(|| self.inner(node, range))
    }

    fn inner(&self, node: usize, range: Range) -> View {
        let Some(n) = self.p.rule.nodes.get(node) else { return empty() };
        match &n.kind {
            CKind::Count { .. } | CKind::Credits { .. } => self.leaf(node, range),
            CKind::Pathway(_) => {
                let child = n.children.first().map(|&c| self.view(c, range)).unwrap_or_else(empty);
                View {
                    progress: child.progress,
                    have: if child.satisfied { Decimal::ONE } else { Decimal::ZERO },
                    satisfied: child.satisfied,
                    used: child.used.clone(),
                    children: vec![child],
                }
            }
            CKind::All | CKind::Any | CKind::AtLeast(_) => {
                let children: Vec<View> = n.children.iter().map(|&c| self.view(c, range)).collect();
                let items: Vec<(f64, f64)> = n
                    .children
                    .iter()
                    .zip(&children)
                    .map(|(&c, v)| (self.weights.get(c).copied().unwrap_or(1.0), v.progress))
                    .collect();
                let need = n.needed_children();
                let satisfied_children = children.iter().filter(|v| v.satisfied).count();
                let mut used: Vec<usize> = children.iter().flat_map(|v| v.used.iter().copied()).collect();
                used.sort_unstable();
                used.dedup();
                View {
                    progress: best_weighted_mean(&items, need),
                    have: Decimal::from(satisfied_children),
                    satisfied: satisfied_children >= need,
                    used,
                    children,
                }
            }
        }
    }

    fn leaf(&self, node: usize, range: Range) -> View {
        let Some(Some(data)) = self.p.leaves.get(node) else { return empty() };
        // Per achievement: the earliest credential (count) or the most
        // valuable one, earliest on ties (credits).
        let mut picks: Vec<(usize, Decimal)> = Vec::new();
        for g in &data.groups {
            let mut best: Option<(usize, Decimal)> = None;
            for &(c, v) in data.members(g) {
                if !self.p.date(c).is_some_and(|d| in_range(range, d)) {
                    continue;
                }
                if best.is_none_or(|(_, bv)| v > bv) {
                    best = Some((c, v));
                }
                if !data.credits {
                    break;
                }
            }
            picks.extend(best);
        }
        picks.sort_unstable_by_key(|(c, _)| *c);
        let have = picks.iter().fold(Decimal::ZERO, |acc, (_, v)| acc.saturating_add(*v));
        let mut used = Vec::new();
        let mut acc = Decimal::ZERO;
        for (c, v) in &picks {
            if acc >= data.need {
                break;
            }
            used.push(*c);
            acc = acc.saturating_add(*v);
        }
        used.sort_unstable();
        let ratio = if data.need > Decimal::ZERO {
            (have / data.need).min(Decimal::ONE).to_f64().unwrap_or(0.0)
        } else {
            1.0
        };
        View { progress: ratio, have, satisfied: have >= data.need, used, children: Vec::new() }
    }
}

fn empty() -> View {
    View { progress: 0.0, have: Decimal::ZERO, satisfied: false, used: Vec::new(), children: Vec::new() }
}

fn in_range(range: Range, d: DateTime<Utc>) -> bool {
    range.is_none_or(|(lo, hi)| lo <= d && d <= hi)
}

/// The largest need-weighted mean over any `k` of the items (weight,
/// progress), by Dinkelbach's iteration: it maximises a ratio exactly over a
/// finite set, and the maximum of monotone functions is monotone.
pub(crate) fn best_weighted_mean(items: &[(f64, f64)], k: usize) -> f64 {
    let mean = |sel: &[usize]| {
        let (num, den) = sel.iter().filter_map(|&i| items.get(i)).fold((0.0, 0.0), |(n, d), (w, p)| (n + w * p, d + w));
        if den > 0.0 { num / den } else { 0.0 }
    };
    let all: Vec<usize> = (0..items.len()).collect();
    if k == 0 || k >= items.len() {
        return mean(&all);
    }
    let pick = |lambda: f64| {
        let mut order = all.clone();
        order.sort_by(|&a, &b| {
            let score = |i: usize| items.get(i).map(|(w, p)| w * (p - lambda)).unwrap_or(f64::MIN);
            score(b).total_cmp(&score(a)).then(a.cmp(&b))
        });
        order.truncate(k);
        order
    };
    let mut lambda = mean(&pick(1.0));
    for _ in 0..=items.len() {
        let next = mean(&pick(lambda));
        if next <= lambda {
            break;
        }
        lambda = next;
    }
    lambda
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn weighted_mean_of_the_best_k() {
        let items = [(1.0, 1.0), (10.0, 0.5), (1.0, 0.0)];
        assert!((best_weighted_mean(&items, 1) - 1.0).abs() < 1e-12);
        // {0, 1}: (1 + 5) / 11
        assert!((best_weighted_mean(&items, 2) - 6.0 / 11.0).abs() < 1e-12);
        assert!((best_weighted_mean(&items, 3) - 6.0 / 12.0).abs() < 1e-12);
    }
}
