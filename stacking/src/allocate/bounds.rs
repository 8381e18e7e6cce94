//! What the search may still do: which credentials a node may use (the
//! threshold, those taken, the windows chosen) and the bounds that prune
//! (each node on its own, then all of them together: `hall`).

use super::{Key, Partial, Search};
use crate::bits;
use crate::compile::CKind;
use crate::hall::Matching;
use crate::problem::Leaf;
use crate::value::Fixed;

impl Search<'_, '_> {
    // ---- which credentials a node may still use ----

    pub(super) fn key_with(&self, cred: usize) -> Option<Key> {
        let c = self.p.cred(cred)?;
        let mut key = self.key;
        if c.virtual_ {
            key.hypothetical += 1;
            let credits = c.credits.as_ref().map(|cr| cr.amount()).unwrap_or_default();
            key.hypothetical_credits = key.hypothetical_credits.saturating_add(credits);
        }
        key.latest = key.latest.max(Some(c.date));
        Some(key)
    }

    /// Recomputes `usable`: below the threshold, not taken, and (branch and
    /// bound) able to lead to a better key than the best so far.
    pub(super) fn refresh_usable(&mut self) {
        for (i, u) in self.usable.iter_mut().enumerate() {
            *u = bits::range_word(i, 0, self.lim) & !self.used.get(i).copied().unwrap_or(0);
        }
        // Threshold mode stops at the first solution: no key to beat.
        if let (Some(best), false) = (&self.best, self.first_only) {
            let worse: Vec<usize> = bits::ones(&self.usable).filter(|&c| self.key_with(c).is_none_or(|k| k >= best.key)).collect();
            for c in worse {
                bits::unset(&mut self.usable, c);
            }
        }
    }

    pub(super) fn is_usable(&self, cred: usize) -> bool {
        bits::get(&self.usable, cred)
    }

    /// The range every credential under `node` must lie in: the
    /// intersection of the windows chosen on its way to the root.
    pub(super) fn range(&self, node: usize) -> (usize, usize) {
        let mut out = (0usize, self.lim);
        if let Some(n) = self.p.rule.nodes.get(node) {
            for &w in &n.windows {
                if let Some(Some((lo, hi))) = self.ranges.get(w) {
                    out = (out.0.max(*lo), out.1.min(*hi));
                }
            }
        }
        out
    }

    pub(super) fn allowed(&self, cred: usize, (lo, hi): (usize, usize)) -> bool {
        cred >= lo && cred < hi && self.is_usable(cred)
    }

    /// Word `i` of `set`, restricted to usable credentials in `range`.
    pub(super) fn masked(&self, set: &[u64], i: usize, (lo, hi): (usize, usize)) -> u64 {
        set.get(i).copied().unwrap_or(0) & self.usable.get(i).copied().unwrap_or(0) & bits::range_word(i, lo, hi)
    }

    /// A node with a `within` whose window is not chosen yet.
    pub(super) fn open_window(&self, node: usize) -> bool {
        self.p.rule.nodes.get(node).is_some_and(|n| n.within.is_some()) && self.ranges.get(node).is_some_and(Option::is_none)
    }

    /// The next window worth trying for `node` after `last` (the last one
    /// considered), as (start, end): one per distinct start date, skipping
    /// a window that holds nothing the previous one does not (its
    /// credentials are a subset, so any solution in it is one in the
    /// previous window too).
    pub(super) fn next_window(&self, node: usize, range: (usize, usize), mut last: Option<(usize, usize)>) -> Option<(usize, usize)> {
        let p = self.p;
        let cands = p.cands(node);
        let from = last.map_or(range.0, |(s, _)| s + 1);
        for c in bits::ones_from(cands, from) {
            if !self.allowed(c, range) {
                continue;
            }
            if last.is_some_and(|(s, _)| p.stamp.get(s) == p.stamp.get(c)) {
                continue;
            }
            let end = p.window_end(node, c).min(range.1);
            let new = match last {
                None => true,
                Some((_, prev_end)) => (0..p.words).any(|i| self.masked(cands, i, (prev_end, end)) != 0),
            };
            if new {
                return Some((c, end));
            }
            last = Some((c, end));
        }
        None
    }

    // ---- bounds ----

    /// Distinct achievements among groups `group..` with a credential allowed in `range`.
    pub(super) fn open_groups(&self, leaf: &Leaf, group: usize, range: (usize, usize)) -> usize {
        let p = self.p;
        let groups = p.groups(leaf);
        if group > 0 {
            // Filling a leaf: count its groups from `group` on, one by one.
            return groups.iter().skip(group).filter(|g| p.members(**g).iter().any(|(c, _)| self.allowed(*c, range))).count();
        }
        // Single-credential groups by counting bits, the others one by one.
        let singles = p.single_bits(leaf);
        let single: usize = (0..p.words).map(|i| self.masked(singles, i, range).count_ones() as usize).sum();
        if leaf.singletons {
            return single;
        }
        let multi =
            p.multi(leaf).iter().filter(|&&g| groups.get(g).is_some_and(|m| p.members(*m).iter().any(|(c, _)| self.allowed(*c, range)))).count();
        single + multi
    }

    /// Can `leaf`, filled from `group` on, still reach `need` inside
    /// `range`? If so, the fewest credentials it takes.
    pub(super) fn leaf_check(&self, leaf: &Leaf, group: usize, need: Fixed, range: (usize, usize)) -> Option<usize> {
        if need <= 0 {
            return Some(0);
        }
        if !leaf.credits {
            let need = usize::try_from(need).unwrap_or(usize::MAX);
            return (self.open_groups(leaf, group, range) >= need).then_some(need);
        }
        self.p.fewest_reaching(leaf, group, need, |c| self.allowed(c, range))
    }

    /// `leaf_check` for a leaf node, trying every window when its own is
    /// not chosen yet (then the fewest credentials over all of them).
    pub(super) fn leaf_node_check(&mut self, node: usize, group: usize, need: Fixed) -> Option<usize> {
        let p = self.p;
        let leaf = p.leaf(node)?;
        let range = self.range(node);
        if !self.open_window(node) {
            return self.leaf_check(leaf, group, need, range);
        }
        let mut best: Option<usize> = None;
        let mut window = None;
        while let Some(w) = self.next_window(node, range, window) {
            window = Some(w);
            if let Some(k) = self.leaf_check(leaf, group, need, w) {
                let k = best.map_or(k, |b| b.min(k));
                best = Some(k);
                // No window can do with fewer (a count leaf always needs its minimum).
                if !leaf.credits || k <= leaf.fewest {
                    break;
                }
            }
        }
        best
    }

    /// Optimistic: ignores conflicts between nodes, and windows of internal
    /// nodes not chosen yet.
    pub(super) fn possible(&mut self, node: usize) -> bool {
        let p = self.p;
        let Some(n) = p.rule.nodes.get(node) else { return false };
        match &n.kind {
            CKind::Count { .. } | CKind::Credits { .. } => {
                let need = p.leaf(node).map_or(0, |l| l.need_fixed);
                self.leaf_node_check(node, 0, need).is_some()
            }
            CKind::Pathway(_) | CKind::All => n.children.iter().all(|&c| self.possible(c)),
            CKind::Any | CKind::AtLeast(_) => {
                let need = n.needed_children();
                let mut ok = 0;
                for &c in &n.children {
                    if self.possible(c) {
                        ok += 1;
                        if ok >= need {
                            return true;
                        }
                    }
                }
                false
            }
        }
    }

    /// Every pending node on its own, and all of them together with the
    /// leaf being filled (Hall).
    ///
    /// Credits leaves come last: first every other demand is met, then the
    /// credentials those use in every way of meeting them are set aside,
    /// and the credits leaves must reach their minimum without them (a
    /// count leaf that needs every credential it can use leaves no credits
    /// to share).
    pub(super) fn bounds(&mut self, pending: &[usize], partial: Option<Partial>) -> bool {
        self.refresh_usable();
        let mut m = std::mem::take(&mut self.matching);
        m.reset(&self.usable);
        let mut ok = self.add_demands(pending, partial, &mut m, false) && m.feasible();
        if ok && self.p.rule.has_credits {
            let mut forced = std::mem::take(&mut self.forced);
            m.forced(&mut forced);
            for (u, f) in self.usable.iter_mut().zip(&forced) {
                *u &= !f;
            }
            ok = self.add_demands(pending, partial, &mut m, true) && m.feasible();
            for (u, f) in self.usable.iter_mut().zip(&forced) {
                *u |= f;
            }
            self.forced = forced;
        }
        self.matching = m;
        ok
    }

    /// The demands of the pending nodes and the leaf being filled: those of
    /// credits leaves (`credits`) or all the others.
    pub(super) fn add_demands(&mut self, pending: &[usize], partial: Option<Partial>, m: &mut Matching, credits: bool) -> bool {
        let p = self.p;
        for &n in pending {
            for &d in p.rule.parts.get(n).into_iter().flatten() {
                let ok = match p.leaf(d) {
                    Some(leaf) if leaf.credits != credits => true,
                    Some(leaf) => self.add_leaf(d, 0, leaf.need_fixed, m),
                    None if credits => true,
                    None => {
                        // An `any`/`at_least` with its choice still open.
                        if !self.possible(d) {
                            return false;
                        }
                        let need = p.min_creds.get(d).copied().unwrap_or(usize::MAX);
                        let range = self.range(d);
                        let cands = p.cands(d);
                        for (i, a) in m.demand(need).iter_mut().enumerate() {
                            *a = self.masked(cands, i, range);
                        }
                        true
                    }
                };
                if !ok {
                    return false;
                }
            }
        }
        match partial {
            Some(pt) if p.leaf(pt.leaf).is_some_and(|l| l.credits == credits) => self.add_leaf(pt.leaf, pt.group, pt.need, m),
            _ => true,
        }
    }

    /// A leaf's own check, then its demand for the Hall bound.
    pub(super) fn add_leaf(&mut self, node: usize, group: usize, need: Fixed, m: &mut Matching) -> bool {
        let Some(k) = self.leaf_node_check(node, group, need) else { return false };
        if k == 0 {
            return true;
        }
        let p = self.p;
        let Some(leaf) = p.leaf(node) else { return false };
        let range = self.range(node);
        let allowed = m.demand(k);
        if group == 0 {
            let from = p.leaf_bits(leaf);
            for (i, a) in allowed.iter_mut().enumerate() {
                *a = self.masked(from, i, range);
            }
        } else {
            // The credentials of groups `group..`.
            for &(c, _) in p.slots_from(leaf, group) {
                if self.allowed(c, range) {
                    bits::set(allowed, c);
                }
            }
        }
        true
    }
}
