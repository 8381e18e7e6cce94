//! The exact allocation search (semantics 2–6).
//!
//! Depth-first search over the requirement tree. Pending nodes are kept in
//! a list; structure is settled before any credential is taken: a node with
//! a `within` first branches over where its window starts (the earliest
//! credential used under it), which turns the window into a range of
//! credentials every leaf below must stay in; an `all` adds its children;
//! an `any`/`at_least` branches over which children to satisfy. Then leaves
//! are filled, the one with the least slack first: a `count` leaf branches
//! over which distinct achievements (and which credential of each) fill
//! it, a `credits` leaf over which subset reaches its minimum. A credential
//! is taken at most once (semantic 2).
//!
//! Windows as ranges: a solution whose earliest credential under a node is
//! `s` lies inside `[s, s + within]`, and any credentials inside that range
//! fit the window (semantic 4), so branching over `s` is exact and the
//! window needs no further bookkeeping.
//!
//! `completed_at` (semantic 6) is the smallest threshold T such that the
//! root can be satisfied with credentials awarded by T; credentials are in
//! date order, so a threshold is a prefix. `run` starts where the root's own
//! leaves could first hold, bisects with the cheap per-node check, goes up
//! with the Hall bound, then needs only a first solution per threshold
//! (usually at the first one tried; it gallops up when the bounds were
//! loose). With hypothetical credentials (the planner) the key (hypothetical
//! count, their credits, latest date) is minimised by plain branch and bound
//! instead.
//!
//! Pruning, all exact (`bounds`): every pending node must still be
//! satisfiable on its own with the credentials left, all of them together
//! must pass the Hall bound (`hall`), and credits leaves must reach their
//! minimum without the credentials the other leaves need in every way. The
//! first steps of an attempt skip the bounds (most attempts that succeed do
//! so on their first path). A credential no other leaf can use is taken
//! rather than skipped (taking the earliest such group never hurts). A step
//! budget turns an adversarial rule into an error instead of a hang.

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;

use crate::bits;
use crate::compile::CKind;
use crate::hall::Matching;
use crate::limits::MAX_ALLOCATED;
use crate::problem::Problem;
use crate::value::Fixed;

mod bounds;

/// What is minimised, in order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct Key {
    pub hypothetical: u32,
    pub hypothetical_credits: Decimal,
    pub latest: Option<DateTime<Utc>>,
}

/// Steps of an attempt taken without bounds (see `Search::lazy`).
const LAZY_STEPS: u64 = 64;

const ZERO_KEY: Key = Key { hypothetical: 0, hypothetical_credits: Decimal::ZERO, latest: None };

#[derive(Debug, Clone)]
pub(crate) struct Allocation {
    pub key: Key,
    /// (leaf node, local credential), sorted.
    pub assigned: Vec<(usize, usize)>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct OutOfBudget;

/// Why a search stops early.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Halt {
    Budget,
    /// First-solution mode found one.
    Found,
}

/// A leaf being filled: it still needs `need` more (achievements or
/// credits) from its groups `group..`.
#[derive(Debug, Clone, Copy)]
struct Partial {
    leaf: usize,
    group: usize,
    need: Fixed,
}

/// The best allocation satisfying the root of `p`, if any (see `Search::run`).
pub(crate) fn allocate(p: &Problem<'_>, budget: u64) -> Result<Option<Allocation>, OutOfBudget> {
    // A leaf the root needs that cannot hold even on its own: nothing to search.
    let Some(alone) = p.earliest_alone() else { return Ok(None) };
    Search::new(p, budget).run(alone)
}

pub(crate) struct Search<'p, 'a> {
    p: &'p Problem<'a>,
    /// Credentials taken (bit set).
    used: Vec<u64>,
    assigned: Vec<(usize, usize)>,
    /// Per node with a `within`: the chosen window as a range [lo, hi).
    ranges: Vec<Option<(usize, usize)>>,
    /// Key before each take.
    keys: Vec<Key>,
    key: Key,
    best: Option<Allocation>,
    steps: u64,
    budget: u64,
    /// Only credentials with a local index below this are usable (a
    /// threshold date is a prefix of the date order).
    lim: usize,
    /// Stop at the first solution (threshold mode).
    first_only: bool,
    /// `steps` when the current attempt started.
    attempt_from: u64,
    /// Scratch: usable credentials at the current step (bit set).
    usable: Vec<u64>,
    /// Scratch: credentials the other demands use in every way (see `bounds`).
    forced: Vec<u64>,
    matching: Matching,
}

impl<'p, 'a> Search<'p, 'a> {
    pub fn new(p: &'p Problem<'a>, budget: u64) -> Self {
        let nodes = p.rule.nodes.len();
        Search {
            p,
            used: vec![0; p.words],
            assigned: Vec::with_capacity(32),
            ranges: vec![None; nodes],
            keys: Vec::with_capacity(32),
            key: ZERO_KEY,
            best: None,
            steps: 0,
            budget,
            lim: p.creds.len(),
            first_only: false,
            attempt_from: 0,
            usable: vec![0; p.words],
            forced: vec![0; p.words],
            matching: Matching::new(p.words),
        }
    }

    /// The best allocation satisfying the root, if any; `alone` is
    /// `Problem::earliest_alone`, where the threshold search starts.
    ///
    /// With real credentials only, the key is the latest date, so the
    /// search runs by threshold: the smallest date T such that the root is
    /// satisfiable with credentials awarded by T is `completed_at`. The
    /// bounds give a lower bound for T (usually exact), and each threshold
    /// needs only a first solution. With hypothetical credentials (the
    /// planner), it is a plain branch and bound.
    fn run(mut self, alone: usize) -> Result<Option<Allocation>, OutOfBudget> {
        if self.p.any_virtual {
            self.attempt(self.p.creds.len(), false)?;
            return Ok(self.take_best());
        }
        // Thresholds: the end of each run of equal dates.
        let stamp = &self.p.stamp;
        let cuts: Vec<usize> = (1..=stamp.len()).filter(|&i| stamp.get(i) != stamp.get(i - 1)).collect();
        let Some(&last) = cuts.last() else { return Ok(None) };
        let cut = |i: usize| cuts.get(i).copied().unwrap_or(last);
        if !self.root_bounds(last) {
            return Ok(None);
        }
        // The smallest threshold passing the bounds, searched from where
        // the root's own leaves could first hold.
        let from = cuts.partition_point(|&c| c < alone);
        // Bisect with the cheap check of each node on its own (`last`
        // passes), then go up from there with the Hall bound as well.
        let (mut lo, mut hi) = (from.min(cuts.len() - 1), cuts.len() - 1);
        while lo < hi {
            let mid = lo + (hi - lo) / 2;
            self.reset(cut(mid));
            self.refresh_usable();
            if self.possible(0) { hi = mid } else { lo = mid + 1 }
        }
        let hall = |s: &mut Self, i: usize| Ok(s.root_bounds(cut(i)));
        let Some(lo) = self.first_true(lo, cuts.len(), hall)? else { return Ok(None) };
        // Then the smallest threshold with a solution, usually `lo` itself.
        let mut found = None;
        let attempt = |s: &mut Self, i: usize| {
            let ok = s.attempt(cut(i), true)?;
            if ok {
                found = s.take_best();
            }
            Ok(ok)
        };
        self.first_true(lo, cuts.len(), attempt)?;
        Ok(found)
    }

    /// The smallest index in `from..len` at which `test` holds, for a test
    /// that fails up to some index and holds from there on: gallops up from
    /// `from` (the answer is usually close), then bisects.
    fn first_true(
        &mut self,
        from: usize,
        len: usize,
        mut test: impl FnMut(&mut Self, usize) -> Result<bool, OutOfBudget>,
    ) -> Result<Option<usize>, OutOfBudget> {
        let Some(end) = len.checked_sub(1) else { return Ok(None) };
        let mut failed: Option<usize> = None;
        let mut at = from.min(end);
        let mut step = 1;
        let mut holds = loop {
            if test(self, at)? {
                break at;
            }
            failed = Some(at);
            if at == end {
                return Ok(None);
            }
            at = (at + step).min(end);
            step *= 2;
        };
        while let Some(f) = failed
            && holds - f > 1
        {
            let mid = f + (holds - f) / 2;
            if test(self, mid)? {
                holds = mid;
            } else {
                failed = Some(mid);
            }
        }
        Ok(Some(holds))
    }

    fn take_best(&mut self) -> Option<Allocation> {
        self.best.take().map(|mut b| {
            b.assigned.sort_unstable();
            b
        })
    }

    fn reset(&mut self, lim: usize) {
        self.used.iter_mut().for_each(|u| *u = 0);
        self.assigned.clear();
        self.ranges.iter_mut().for_each(|r| *r = None);
        self.keys.clear();
        self.key = ZERO_KEY;
        self.best = None;
        self.lim = lim;
    }

    fn root_bounds(&mut self, lim: usize) -> bool {
        self.reset(lim);
        self.bounds(&[0], None)
    }

    /// One search with the first `lim` credentials; true when a solution was found.
    fn attempt(&mut self, lim: usize, first_only: bool) -> Result<bool, OutOfBudget> {
        self.reset(lim);
        self.first_only = first_only;
        self.attempt_from = self.steps;
        let mut pending = Vec::with_capacity(16);
        pending.push(0usize);
        match self.solve(&mut pending) {
            Ok(()) | Err(Halt::Found) => Ok(self.best.is_some()),
            Err(Halt::Budget) => Err(OutOfBudget),
        }
    }

    /// The first steps of a threshold attempt skip the bounds: most
    /// attempts that can succeed do so on the first path they try, and the
    /// bounds cost more than those steps. A search that goes on longer gets
    /// them back. (Bounds only prune, so the answer is the same.)
    fn lazy(&self) -> bool {
        self.first_only && self.steps - self.attempt_from < LAZY_STEPS
    }

    fn tick(&mut self) -> Result<(), Halt> {
        self.steps += 1;
        if self.steps > self.budget || self.assigned.len() >= MAX_ALLOCATED { Err(Halt::Budget) } else { Ok(()) }
    }

    // ---- the search ----

    fn try_take(&mut self, leaf: usize, cred: usize) -> bool {
        if !self.allowed(cred, self.range(leaf)) {
            return false;
        }
        let Some(key) = self.key_with(cred) else { return false };
        bits::set(&mut self.used, cred);
        self.keys.push(self.key);
        self.assigned.push((leaf, cred));
        self.key = key;
        true
    }

    fn untake(&mut self) {
        if let Some((_, cred)) = self.assigned.pop() {
            bits::unset(&mut self.used, cred);
        }
        if let Some(key) = self.keys.pop() {
            self.key = key;
        }
    }

    fn record(&mut self) -> Result<(), Halt> {
        let better = self.best.as_ref().is_none_or(|b| self.key < b.key);
        if better {
            self.best = Some(Allocation { key: self.key, assigned: self.assigned.clone() });
        }
        if self.first_only { Err(Halt::Found) } else { Ok(()) }
    }

    fn solve(&mut self, pending: &mut Vec<usize>) -> Result<(), Halt> {
        self.tick()?;
        if self.lazy() {
            self.refresh_usable();
        } else if !self.bounds(pending, None) {
            return Ok(());
        }
        let Some(at) = self.next_node(pending) else {
            return self.record();
        };
        let node = pending.remove(at);
        let result = self.expand(node, pending);
        pending.insert(at, node);
        result
    }

    /// Which pending node to expand: structure first (an internal node, then
    /// a window to choose), the last such; then the leaf with the least slack.
    fn next_node(&self, pending: &[usize]) -> Option<usize> {
        let p = self.p;
        let internal = |n: usize| p.rule.nodes.get(n).is_some_and(|nd| !nd.is_leaf());
        if let Some(i) = pending.iter().rposition(|&n| internal(n) || self.open_window(n)) {
            return Some(i);
        }
        pending.iter().enumerate().min_by_key(|&(i, &n)| (self.slack(n), i)).map(|(i, _)| i)
    }

    /// Allowed credentials beyond what a leaf needs (an ordering
    /// heuristic: it counts credentials, not achievements).
    fn slack(&self, node: usize) -> usize {
        let p = self.p;
        let Some(leaf) = p.leaf(node) else { return usize::MAX };
        let from = p.leaf_bits(leaf);
        let range = self.range(node);
        let open: usize = (0..p.words).map(|i| self.masked(from, i, range).count_ones() as usize).sum();
        // INVARIANT: `min_creds` has one entry per node (`Problem::new`).
        open.saturating_sub(p.min_creds.get(node).copied().unwrap_or(0))
    }

    fn expand(&mut self, node: usize, pending: &mut Vec<usize>) -> Result<(), Halt> {
        let p = self.p;
        let Some(n) = p.rule.nodes.get(node) else { return Ok(()) };
        if self.open_window(node) {
            return self.choose_window(node, pending);
        }
        match &n.kind {
            CKind::All | CKind::Pathway(_) => {
                let len = pending.len();
                pending.extend(n.children.iter().rev().copied());
                let r = self.solve(pending);
                pending.truncate(len);
                r
            }
            CKind::Any | CKind::AtLeast(_) => {
                let options: Vec<usize> = n.children.iter().copied().filter(|&c| self.possible(c)).collect();
                let need = n.needed_children();
                self.choose(&options, 0, need, pending)
            }
            CKind::Count { .. } | CKind::Credits { .. } => {
                let need = p.leaf(node).map_or(0, |l| l.need_fixed);
                self.fill(node, 0, need, pending)
            }
        }
    }

    /// Branches over where the window of `node` starts.
    fn choose_window(&mut self, node: usize, pending: &mut Vec<usize>) -> Result<(), Halt> {
        let range = self.range(node);
        let mut windows = Vec::with_capacity(8);
        while let Some(w) = self.next_window(node, range, windows.last().copied()) {
            windows.push(w);
        }
        for (start, end) in windows {
            if let Some(r) = self.ranges.get_mut(node) {
                *r = Some((start, end));
            }
            let r = if self.possible(node) {
                pending.push(node);
                let r = self.solve(pending);
                pending.pop();
                r
            } else {
                Ok(())
            };
            if let Some(r) = self.ranges.get_mut(node) {
                *r = None;
            }
            r?;
            // The recursion changed `usable`: recompute for the next check.
            self.refresh_usable();
        }
        Ok(())
    }

    fn choose(&mut self, options: &[usize], start: usize, need: usize, pending: &mut Vec<usize>) -> Result<(), Halt> {
        if need == 0 {
            return self.solve(pending);
        }
        let mut i = start;
        while i + need <= options.len() {
            if let Some(&child) = options.get(i) {
                pending.push(child);
                let r = self.choose(options, i + 1, need - 1, pending);
                pending.pop();
                r?;
            }
            i += 1;
        }
        Ok(())
    }

    /// Whether a group's credentials can fill no other leaf: then its
    /// earliest allowed credential is as good as any choice (threshold mode).
    fn exclusive(&self, members: &[(usize, Fixed)]) -> bool {
        !self.p.any_virtual && members.iter().all(|(c, _)| self.p.uses.get(*c).is_some_and(|u| *u <= 1))
    }

    /// Takes `cred` for the leaf and fills the rest if the bounds still hold.
    /// False when the credential could not be taken.
    fn take_then(&mut self, cred: usize, rest: Partial, pending: &mut Vec<usize>) -> Result<bool, Halt> {
        self.tick()?;
        if !self.try_take(rest.leaf, cred) {
            return Ok(false);
        }
        let r = if rest.need <= 0 {
            self.solve(pending)
        } else if self.lazy() {
            self.refresh_usable();
            self.fill(rest.leaf, rest.group, rest.need, pending)
        } else if self.bounds(pending, Some(rest)) {
            self.fill(rest.leaf, rest.group, rest.need, pending)
        } else {
            Ok(())
        };
        self.untake();
        r?;
        // The recursion changed `usable`: recompute for the caller's loop.
        self.refresh_usable();
        Ok(true)
    }

    /// Fills a leaf with `need` more (distinct achievements, or credits)
    /// from groups `group..`, one credential per achievement, groups in
    /// order. Skipping a group is the loop moving on (not a recursive call),
    /// so the stack grows with credentials taken only.
    fn fill(&mut self, leaf: usize, group: usize, need: Fixed, pending: &mut Vec<usize>) -> Result<(), Halt> {
        let p = self.p;
        let Some(data) = p.leaf(leaf) else { return Ok(()) };
        let range = self.range(leaf);
        let count = !data.credits;
        // Count leaves: groups from here on with an allowed credential;
        // fewer than needed ends this branch.
        let mut open_left = if count { self.open_groups(data, group, range) } else { usize::MAX };
        let short = usize::try_from(need).unwrap_or(usize::MAX);
        for (gi, &g) in p.groups(data).iter().enumerate().skip(group) {
            if count && open_left < short {
                break;
            }
            // Credits: the best of every group left cannot reach the need.
            if !count && p.suffix_best(data, gi) < need {
                break;
            }
            let members = p.members(g);
            if !members.iter().any(|(c, _)| self.allowed(*c, range)) {
                continue;
            }
            open_left = open_left.saturating_sub(1);
            let exclusive = self.exclusive(members);
            let mut took = false;
            for &(cred, value) in members {
                if !self.allowed(cred, range) {
                    continue;
                }
                let rest = Partial { leaf, group: gi + 1, need: need.saturating_sub(value) };
                took |= self.take_then(cred, rest, pending)?;
                // Dominance (count): the earliest allowed credential of an
                // exclusive group is as good as any other choice, including
                // skipping the group for a later one.
                if took && exclusive && count {
                    return Ok(());
                }
            }
            // Dominance (credits): the sum is short, so some later group (no
            // earlier than this one) must be taken anyway; adding this
            // exclusive group to such a solution costs nothing.
            if took && exclusive {
                return Ok(());
            }
        }
        Ok(())
    }
}
