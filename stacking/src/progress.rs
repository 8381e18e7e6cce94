//! Each node on its own: what the learner's credentials give it, ignoring
//! the other nodes. This is what progress and the explanation of an
//! incomplete pathway show. Every quantity here can only grow when a
//! credential is added (more candidates, more windows to choose from, means
//! and maxima of growing values), which is what makes progress monotone.

use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;

use crate::bits;
use crate::compile::CKind;
use crate::problem::Problem;
use crate::value::{Fixed, to_decimal};

/// Credentials by local index, `[lo, hi)`: local indices are in date order,
/// so a window of dates is a range of indices.
type Range = (usize, usize);

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
}

impl<'p, 'a> Views<'p, 'a> {
    pub fn new(p: &'p Problem<'a>) -> Self {
        Views { p }
    }

    /// The view of `node` with every credential it could use.
    pub fn of(&self, node: usize) -> View {
        self.view(node, (0, self.p.creds.len()))
    }

    fn view(&self, node: usize, range: Range) -> View {
        let p = self.p;
        let Some(n) = p.rule.nodes.get(node) else { return empty() };
        if n.within.is_none() {
            return self.inner(node, range);
        }
        let mut best: Option<View> = None;
        let mut last_stamp = None;
        // One window per distinct date a credential under the node was awarded.
        for start in bits::ones(p.cands(node)) {
            if start < range.0 || start >= range.1 {
                continue;
            }
            let stamp = p.stamp.get(start);
            if last_stamp == Some(stamp) {
                continue;
            }
            last_stamp = Some(stamp);
            let window = (start, p.window_end(node, start).min(range.1));
            // Ties go to the later window: the one a new credential can still join.
            let v = self.inner(node, window);
            let better = best.as_ref().is_none_or(|b| (v.satisfied, v.progress) >= (b.satisfied, b.progress));
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
                let weights = &self.p.rule.weights;
                let items: Vec<(f64, f64)> = n
                    .children
                    .iter()
                    .zip(&children)
                    .map(|(&c, v)| (weights.get(c).copied().unwrap_or(1.0), v.progress))
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

    fn leaf(&self, node: usize, (lo, hi): Range) -> View {
        let p = self.p;
        let Some(data) = p.leaf(node) else { return empty() };
        // Per achievement: the earliest credential (count) or the most
        // valuable one, earliest on ties (credits); by credential.
        let mut picks: Vec<(usize, Fixed)> = Vec::new();
        if data.singletons {
            // One credential per achievement, already by credential.
            let slots = p.slots(data);
            let from = slots.partition_point(|(c, _)| *c < lo);
            let to = slots.partition_point(|(c, _)| *c < hi);
            picks.extend_from_slice(slots.get(from..to).unwrap_or(&[]));
        } else {
            for &g in p.groups(data) {
                let mut best: Option<(usize, Fixed)> = None;
                for &(c, v) in p.members(g) {
                    if c < lo || c >= hi {
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
        }
        let total = picks.iter().fold(0 as Fixed, |acc, (_, v)| acc.saturating_add(*v));
        let (have, ratio) = if data.credits {
            let have = to_decimal(total);
            let ratio = if data.need > Decimal::ZERO {
                (have / data.need).min(Decimal::ONE).to_f64().unwrap_or(0.0)
            } else {
                1.0
            };
            (have, ratio)
        } else {
            let need = data.need_fixed.max(1) as f64;
            (Decimal::from(picks.len()), (picks.len() as f64 / need).min(1.0))
        };
        let mut used = Vec::new();
        let mut acc: Fixed = 0;
        for (c, v) in &picks {
            if acc >= data.need_fixed {
                break;
            }
            used.push(*c);
            acc = acc.saturating_add(*v);
        }
        View { progress: ratio, have, satisfied: total >= data.need_fixed, used, children: Vec::new() }
    }
}

fn empty() -> View {
    View { progress: 0.0, have: Decimal::ZERO, satisfied: false, used: Vec::new(), children: Vec::new() }
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
