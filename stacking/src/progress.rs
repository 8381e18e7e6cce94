//! Each node on its own: what the learner's credentials give it, ignoring
//! the other nodes. This is what progress and the explanation of an
//! incomplete pathway show. Every quantity here can only grow when a
//! credential is added (more candidates, more windows to choose from, means
//! and maxima of growing values), which is what makes progress monotone.

use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;

use crate::bits;
use crate::compile::CKind;
use crate::problem::{Leaf, Problem};
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

/// In [`Views::masked`]: a credential every leaf that can use it may see.
pub(crate) const FREE: u32 = u32::MAX;

pub(crate) struct Views<'p, 'a> {
    p: &'p Problem<'a>,
    /// Per local credential: the one leaf node that may see it, or [`FREE`];
    /// empty: every leaf sees every credential it can use.
    owner: &'p [u32],
}

impl<'p, 'a> Views<'p, 'a> {
    pub fn new(p: &'p Problem<'a>) -> Self {
        Views { p, owner: &[] }
    }

    /// Views in which credential `c` counts only under the leaf `owner[c]`
    /// (unless [`FREE`]): one partial allocation (see `partial`).
    pub fn masked(p: &'p Problem<'a>, owner: &'p [u32]) -> Self {
        Views { p, owner }
    }

    fn visible(&self, c: usize, leaf: usize) -> bool {
        self.owner.get(c).is_none_or(|&o| o == FREE || o as usize == leaf)
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
        // A leaf is scored per window without building its view.
        let leaf = p.leaf(node);
        let mut best: Option<((bool, f64), Range, Option<View>)> = None;
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
            let (score, view) = match leaf {
                Some(data) => (self.leaf_score(data, window), None),
                None => {
                    let v = self.inner(node, window);
                    ((v.satisfied, v.progress), Some(v))
                }
            };
            // Ties go to the later window: the one a new credential can still join.
            if best.as_ref().is_none_or(|(b, _, _)| score >= *b) {
                best = Some((score, window, view));
            }
        }
        match best {
            Some((_, _, Some(view))) => view,
            Some((_, window, None)) => self.inner(node, window),
            None => self.inner(node, range),
        }
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
                // INVARIANT: `weights` has one entry per node (`CompiledRule::finish`).
                let weight = |c: usize| weights.get(c).copied().unwrap_or(1.0);
                let need = n.needed_children();
                let progress = if need >= children.len() {
                    // Every child counts: the plain need-weighted mean.
                    let (num, den) =
                        n.children.iter().zip(&children).fold((0.0, 0.0), |(num, den), (&c, v)| (num + weight(c) * v.progress, den + weight(c)));
                    if den > 0.0 { num / den } else { 0.0 }
                } else {
                    let items: Vec<(f64, f64)> = n.children.iter().zip(&children).map(|(&c, v)| (weight(c), v.progress)).collect();
                    best_weighted_mean(&items, need)
                };
                let satisfied_children = children.iter().filter(|v| v.satisfied).count();
                let mut used: Vec<usize> = Vec::with_capacity(children.iter().map(|v| v.used.len()).sum());
                for v in &children {
                    used.extend_from_slice(&v.used);
                }
                used.sort_unstable();
                used.dedup();
                View { progress, have: Decimal::from(satisfied_children), satisfied: satisfied_children >= need, used, children }
            }
        }
    }

    /// Per achievement in the range: the earliest credential (count) or
    /// the most valuable one, earliest on ties (credits); by credential.
    fn picks(&self, data: &Leaf, (lo, hi): Range, out: &mut Vec<(usize, Fixed)>) {
        let p = self.p;
        if data.singletons {
            // One credential per achievement, already by credential.
            let inside = self.singles_in(data, (lo, hi));
            if self.owner.is_empty() {
                out.extend_from_slice(inside);
            } else {
                out.extend(inside.iter().filter(|(c, _)| self.visible(*c, data.node)));
            }
            return;
        }
        for &g in p.groups(data) {
            let mut best: Option<(usize, Fixed)> = None;
            for &(c, v) in p.members(g) {
                if c < lo || c >= hi || !self.visible(c, data.node) {
                    continue;
                }
                if best.is_none_or(|(_, bv)| v > bv) {
                    best = Some((c, v));
                }
                if !data.credits {
                    break;
                }
            }
            out.extend(best);
        }
        out.sort_unstable_by_key(|(c, _)| *c);
    }

    /// A leaf of one credential per achievement: its slots in the range
    /// (slots are by credential).
    fn singles_in(&self, data: &Leaf, (lo, hi): Range) -> &'p [(usize, Fixed)] {
        let slots = self.p.slots(data);
        let from = slots.partition_point(|(c, _)| *c < lo);
        let to = slots.partition_point(|(c, _)| *c < hi);
        slots.get(from..to).unwrap_or(&[])
    }

    /// Distinct achievements and their value in the range.
    fn measure(&self, data: &Leaf, range: Range) -> (usize, Fixed) {
        if data.singletons && self.owner.is_empty() {
            let inside = self.singles_in(data, range);
            return (inside.len(), total(inside));
        }
        // What `picks` would choose, counted and summed without being
        // listed (values are positive: the saturating sum is the same in
        // any order).
        let (lo, hi) = range;
        if data.singletons {
            return self
                .singles_in(data, range)
                .iter()
                .filter(|(c, _)| self.visible(*c, data.node))
                .fold((0, 0), |(n, t): (usize, Fixed), (_, v)| (n + 1, t.saturating_add(*v)));
        }
        let p = self.p;
        let (mut count, mut sum): (usize, Fixed) = (0, 0);
        for &g in p.groups(data) {
            let mut best: Option<Fixed> = None;
            for &(c, v) in p.members(g) {
                if c < lo || c >= hi || !self.visible(c, data.node) {
                    continue;
                }
                if best.is_none_or(|bv| v > bv) {
                    best = Some(v);
                }
                if !data.credits {
                    break;
                }
            }
            if let Some(v) = best {
                count += 1;
                sum = sum.saturating_add(v);
            }
        }
        (count, sum)
    }

    /// (satisfied, progress) and `have` of a leaf with `count` achievements worth `total`.
    fn leaf_progress(data: &Leaf, count: usize, total: Fixed) -> ((bool, f64), Decimal) {
        if data.credits {
            let have = to_decimal(total);
            let ratio = if data.need > Decimal::ZERO { (have / data.need).min(Decimal::ONE).to_f64().unwrap_or(0.0) } else { 1.0 };
            ((total >= data.need_fixed, ratio), have)
        } else {
            let need = data.need_fixed.max(1) as f64;
            let satisfied = i128::try_from(count).unwrap_or(i128::MAX) >= data.need_fixed;
            ((satisfied, (count as f64 / need).min(1.0)), Decimal::from(count))
        }
    }

    fn leaf_score(&self, data: &Leaf, range: Range) -> (bool, f64) {
        let (count, total) = self.measure(data, range);
        Self::leaf_progress(data, count, total).0
    }

    fn leaf(&self, node: usize, range: Range) -> View {
        let Some(data) = self.p.leaf(node) else { return empty() };
        let mut picks: Vec<(usize, Fixed)> = Vec::with_capacity(self.p.slots(data).len());
        self.picks(data, range, &mut picks);
        let ((satisfied, progress), have) = Self::leaf_progress(data, picks.len(), total(&picks));
        let mut used = Vec::with_capacity(picks.len());
        let mut acc: Fixed = 0;
        for (c, v) in &picks {
            if acc >= data.need_fixed {
                break;
            }
            used.push(*c);
            acc = acc.saturating_add(*v);
        }
        View { progress, have, satisfied, used, children: Vec::new() }
    }
}

/// The summed value of (credential, value) pairs.
fn total(picks: &[(usize, Fixed)]) -> Fixed {
    picks.iter().fold(0, |acc: Fixed, (_, v)| acc.saturating_add(*v))
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
    let mut order: Vec<usize> = (0..items.len()).collect();
    if k == 0 || k >= items.len() {
        return mean(&order);
    }
    let mut pick = |lambda: f64| {
        order.sort_by(|&a, &b| {
            let score = |i: usize| items.get(i).map(|(w, p)| w * (p - lambda)).unwrap_or(f64::MIN);
            score(b).total_cmp(&score(a)).then(a.cmp(&b))
        });
        mean(order.get(..k).unwrap_or(&[]))
    };
    let mut lambda = pick(1.0);
    for _ in 0..=items.len() {
        let next = pick(lambda);
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
