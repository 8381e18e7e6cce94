//! The exact allocation search (semantics 2–6).
//!
//! Depth-first search over the requirement tree: pending nodes are kept on a
//! stack; an `all` pushes its children, an `any`/`at_least` branches over
//! which children to satisfy, a `count` leaf over which distinct
//! achievements (and which credential of each) fill it, a `credits` leaf over
//! which subset reaches its minimum. A credential is taken at most once
//! (semantic 2); every `within` ancestor of a leaf keeps the earliest and
//! latest date taken under it, and a credential that would stretch it past
//! its window is refused (semantic 4).
//!
//! `completed_at` (semantic 6) is the smallest threshold T such that the
//! root can be satisfied with credentials awarded by T. `run` finds the
//! smallest T that passes the optimistic bound (usually the answer), then
//! needs only a first solution per threshold, bisecting when conflicts make
//! the bound loose. With hypothetical credentials (the planner) the key
//! (hypothetical count, their credits, latest date) is minimised by plain
//! branch and bound instead.
//!
//! Pruning, all exact: before each step every pending node must still be
//! satisfiable with the credentials left, ignoring conflicts (and, for a
//! leaf with its own window, inside one window); the pending nodes together
//! need at least as many credentials as remain (pigeonhole); a credential no
//! other leaf can use, with no window above, is taken rather than skipped
//! (taking the earliest such group never hurts). Candidates are tried
//! earliest first. A step budget turns an adversarial rule into an error
//! instead of a hang.

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;

use crate::compile::CKind;
use crate::limits::MAX_ALLOCATED;
use crate::problem::Problem;

/// What is minimised, in order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct Key {
    pub hypothetical: u32,
    pub hypothetical_credits: Decimal,
    pub latest: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone)]
pub(crate) struct Allocation {
    pub key: Key,
    /// (leaf node, credential index), sorted.
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

#[derive(Clone, Copy)]
struct Window {
    min: DateTime<Utc>,
    max: DateTime<Utc>,
    min_cred: usize,
}

pub(crate) struct Search<'p, 'a> {
    p: &'p Problem<'a>,
    used: Vec<bool>,
    assigned: Vec<(usize, usize)>,
    windows: Vec<Option<Window>>,
    /// Window end per (within node, credential that opens it); lazily filled.
    ends: Vec<Vec<Option<Option<DateTime<Utc>>>>>,
    undo: Vec<(usize, Option<Window>)>,
    /// Per take: undo-log length before it and the key before it.
    frames: Vec<(usize, Key)>,
    key: Key,
    best: Option<Allocation>,
    steps: u64,
    budget: u64,
    /// Fewest credentials each node can be satisfied with.
    min_creds: Vec<usize>,

    /// `best.key.latest` in microseconds (i64::MAX while there is none).
    best_latest: i64,
    /// Only credentials awarded at or before this (microseconds) are usable.
    limit: i64,
    /// Stop at the first solution (threshold mode).
    first_only: bool,
}

impl<'p, 'a> Search<'p, 'a> {
    pub fn new(p: &'p Problem<'a>, budget: u64) -> Self {
        let n = p.learner.creds.len();
        Search {
            p,
            used: vec![false; n],
            assigned: Vec::new(),
            windows: vec![None; p.rule.nodes.len()],
            ends: vec![Vec::new(); p.rule.nodes.len()],
            undo: Vec::new(),
            frames: Vec::new(),
            key: Key { hypothetical: 0, hypothetical_credits: Decimal::ZERO, latest: None },
            best: None,
            steps: 0,
            budget,
            min_creds: min_creds(p),

            best_latest: i64::MAX,
            limit: i64::MAX,
            first_only: false,
        }
    }

    /// The best allocation satisfying the root, if any.
    ///
    /// With real credentials only, the key is the latest date, so the
    /// search runs by threshold: the smallest date T such that the root is
    /// satisfiable with credentials awarded by T is `completed_at`. The
    /// optimistic bound gives a lower bound for T (usually exact), and each
    /// threshold needs only a first solution. With hypothetical credentials
    /// (the planner), it is a plain branch and bound.
    pub fn run(mut self) -> Result<Option<Allocation>, OutOfBudget> {
        if self.p.any_virtual {
            self.attempt(i64::MAX, false)?;
            return Ok(self.take_best());
        }
        let mut dates: Vec<i64> = self.p.relevant.iter().filter_map(|&c| self.p.stamp.get(c).copied()).collect();
        dates.sort_unstable();
        dates.dedup();
        let Some(&last) = dates.last() else { return Ok(None) };
        self.reset(last);
        if !self.possible(0) {
            return Ok(None);
        }
        // Smallest threshold passing the optimistic bound.
        let (mut lo, mut hi) = (0usize, dates.len().saturating_sub(1));
        while lo < hi {
            let mid = lo + (hi - lo) / 2;
            self.reset(dates.get(mid).copied().unwrap_or(last));
            if self.possible(0) { hi = mid } else { lo = mid + 1 }
        }
        if self.attempt(dates.get(lo).copied().unwrap_or(last), true)? {
            return Ok(self.take_best());
        }
        if !self.attempt(last, true)? {
            return Ok(None);
        }
        let mut found = self.take_best();
        // Feasible at `hi`, infeasible at `lo`: bisect.
        let (mut lo, mut hi) = (lo, dates.len().saturating_sub(1));
        while hi.saturating_sub(lo) > 1 {
            let mid = lo + (hi - lo) / 2;
            if self.attempt(dates.get(mid).copied().unwrap_or(last), true)? {
                found = self.take_best();
                hi = mid;
            } else {
                lo = mid;
            }
        }
        Ok(found)
    }

    fn take_best(&mut self) -> Option<Allocation> {
        self.best.take().map(|mut b| {
            b.assigned.sort_unstable();
            b
        })
    }

    fn reset(&mut self, limit: i64) {
        self.used.iter_mut().for_each(|u| *u = false);
        self.assigned.clear();
        self.windows.iter_mut().for_each(|w| *w = None);
        self.undo.clear();
        self.frames.clear();
        self.key = Key { hypothetical: 0, hypothetical_credits: Decimal::ZERO, latest: None };
        self.best = None;
        self.best_latest = i64::MAX;
        self.limit = limit;
    }

    /// One search with credentials up to `limit`; true when a solution was found.
    fn attempt(&mut self, limit: i64, first_only: bool) -> Result<bool, OutOfBudget> {
        self.reset(limit);
        self.first_only = first_only;
        let mut pending = vec![0usize];
        if self.possible(0) {
            match self.solve(&mut pending) {
                Ok(()) | Err(Halt::Found) => {}
                Err(Halt::Budget) => return Err(OutOfBudget),
            }
        }
        Ok(self.best.is_some())
    }

    fn tick(&mut self) -> Result<(), Halt> {
        self.steps += 1;
        if self.steps > self.budget || self.assigned.len() >= MAX_ALLOCATED {
            Err(Halt::Budget)
        } else {
            Ok(())
        }
    }

    fn key_with(&self, cred: usize) -> Option<Key> {
        let c = self.p.learner.creds.get(cred)?;
        let mut key = self.key;
        if c.virtual_ {
            key.hypothetical += 1;
            let credits = c.credits.as_ref().map(|cr| cr.amount()).unwrap_or_default();
            key.hypothetical_credits = key.hypothetical_credits.saturating_add(credits);
        }
        key.latest = key.latest.max(Some(c.date));
        Some(key)
    }

    /// Could this credential still be part of a better solution?
    fn usable(&self, cred: usize) -> bool {
        if self.used.get(cred).copied().unwrap_or(true) {
            return false;
        }
        if self.p.stamp.get(cred).is_none_or(|s| *s > self.limit) {
            return false;
        }
        match &self.best {
            None => true,
            // Without hypothetical credentials the key is the latest date.
            Some(_) if !self.p.any_virtual => self.p.stamp.get(cred).is_some_and(|s| *s < self.best_latest),
            Some(best) => self.key_with(cred).is_some_and(|k| k < best.key),
        }
    }

    /// Optimistic: ignores conflicts between leaves and windows.
    fn possible(&self, node: usize) -> bool {
        let Some(n) = self.p.rule.nodes.get(node) else { return false };
        match &n.kind {
            CKind::Count { .. } | CKind::Credits { .. } => {
                let Some(Some(leaf)) = self.p.leaves.get(node) else { return false };
                if leaf.window_end.is_empty() {
                    return self.leaf_possible(leaf, i64::MIN, i64::MAX);
                }
                // The leaf's own window: some usable credential must open a
                // window holding enough.
                leaf.slots.iter().zip(&leaf.window_end).any(|(&(c, _), &end)| {
                    self.usable(c)
                        && self.p.stamp.get(c).is_some_and(|&start| self.leaf_possible(leaf, start, end))
                })
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

    /// Enough usable credentials awarded in `[from, to]` (ignoring conflicts)?
    fn leaf_possible(&self, leaf: &crate::problem::LeafData, from: i64, to: i64) -> bool {
        let in_range = |c: usize| self.p.stamp.get(c).is_some_and(|s| (from..=to).contains(s)) && self.usable(c);
        if leaf.credits {
            let mut total = Decimal::ZERO;
            for g in &leaf.groups {
                let best = leaf.members(g).iter().filter(|(c, _)| in_range(*c)).map(|(_, v)| *v).max();
                if let Some(v) = best {
                    total = total.saturating_add(v);
                    if total >= leaf.need {
                        return true;
                    }
                }
            }
            false
        } else {
            let mut open = 0usize;
            for g in &leaf.groups {
                if leaf.members(g).iter().any(|(c, _)| in_range(*c)) {
                    open += 1;
                    if open >= leaf.need_count {
                        return true;
                    }
                }
            }
            false
        }
    }

    fn window_end(&mut self, w: usize, opener: usize) -> Option<DateTime<Utc>> {
        let n_creds = self.p.learner.creds.len();
        let cache = self.ends.get_mut(w)?;
        if cache.is_empty() {
            cache.resize(n_creds, None);
        }
        if let Some(Some(end)) = cache.get(opener) {
            return *end;
        }
        let within = self.p.rule.nodes.get(w).and_then(|n| n.within);
        let date = self.p.learner.creds.get(opener).map(|c| c.date);
        // An end beyond chrono's range means the window is unbounded.
        let end = match (within, date) {
            (Some(d), Some(start)) => Some(d.add_to(start).unwrap_or(DateTime::<Utc>::MAX_UTC)),
            _ => None,
        };
        if let Some(slot) = cache.get_mut(opener) {
            *slot = Some(end);
        }
        end
    }

    fn try_take(&mut self, leaf: usize, cred: usize) -> bool {
        if !self.usable(cred) {
            return false;
        }
        let Some(date) = self.p.date(cred) else { return false };
        let Some(node) = self.p.rule.nodes.get(leaf) else { return false };
        let Some(key) = self.key_with(cred) else { return false };
        let mark = self.undo.len();
        for &w in &node.windows {
            let current = self.windows.get(w).copied().flatten();
            let next = match current {
                None => Window { min: date, max: date, min_cred: cred },
                Some(cur) => {
                    let (min, min_cred) = if date < cur.min { (date, cred) } else { (cur.min, cur.min_cred) };
                    Window { min, max: cur.max.max(date), min_cred }
                }
            };
            let fits = self.window_end(w, next.min_cred).is_some_and(|end| next.max <= end);
            if !fits {
                self.rollback(mark);
                return false;
            }
            if let Some(slot) = self.windows.get_mut(w) {
                self.undo.push((w, *slot));
                *slot = Some(next);
            }
        }
        if let Some(u) = self.used.get_mut(cred) {
            *u = true;
        }
        self.frames.push((mark, self.key));
        self.assigned.push((leaf, cred));
        self.key = key;
        true
    }

    fn rollback(&mut self, mark: usize) {
        while self.undo.len() > mark {
            if let Some((w, old)) = self.undo.pop()
                && let Some(slot) = self.windows.get_mut(w) {
                    *slot = old;
                }
        }
    }

    fn untake(&mut self) {
        if let Some((_, cred)) = self.assigned.pop()
            && let Some(u) = self.used.get_mut(cred) {
                *u = false;
            }
        if let Some((mark, key)) = self.frames.pop() {
            self.rollback(mark);
            self.key = key;
        }
    }

    fn record(&mut self) -> Result<(), Halt> {
        let better = self.best.as_ref().is_none_or(|b| self.key < b.key);
        if better {
            self.best_latest = self.key.latest.map_or(i64::MIN, |d| d.timestamp_micros());
            self.best = Some(Allocation { key: self.key, assigned: self.assigned.clone() });
        }
        if self.first_only { Err(Halt::Found) } else { Ok(()) }
    }

    fn solve(&mut self, pending: &mut Vec<usize>) -> Result<(), Halt> {
        self.tick()?;
        if pending.iter().any(|&n| !self.possible(n)) {
            return Ok(());
        }
        // Pigeonhole: the pending nodes need at least this many more credentials.
        let needed: usize = pending.iter().map(|&n| self.min_creds.get(n).copied().unwrap_or(0)).sum();
        if needed > 0 && self.p.relevant.iter().filter(|&&c| self.usable(c)).take(needed).count() < needed {
            return Ok(());
        }
        let Some(node) = pending.pop() else {
            return self.record();
        };
        let result = self.expand(node, pending);
        pending.push(node);
        result
    }

    fn expand(&mut self, node: usize, pending: &mut Vec<usize>) -> Result<(), Halt> {
        let Some(n) = self.p.rule.nodes.get(node) else { return Ok(()) };
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
            CKind::Count { min, .. } => self.pick_count(node, 0, *min as usize, pending),
            CKind::Credits { .. } => self.pick_credits(node, 0, Decimal::ZERO, pending),
        }
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

    /// Fills a count leaf with `need` more distinct achievements from
    /// groups `group..`. Skipping a group is the loop moving on (not a
    /// recursive call), so the stack grows with credentials taken only.
    fn pick_count(&mut self, leaf: usize, group: usize, need: usize, pending: &mut Vec<usize>) -> Result<(), Halt> {
        if need == 0 {
            return self.solve(pending);
        }
        let p = self.p;
        let Some(Some(data)) = p.leaves.get(leaf) else { return Ok(()) };
        let groups = &data.groups;
        // Groups from here on that still have a usable member: fewer than
        // needed ends this branch (checked again as the loop moves on).
        let mut open_left = groups
            .iter()
            .skip(group)
            .filter(|g| data.members(g).iter().any(|(c, _)| self.usable(*c)))
            .count();
        // Dominance (only when the key is the latest date): with no window
        // above this leaf, a group whose credentials no other leaf can use is
        // best filled by its earliest usable credential, and skipping it for
        // a later group never helps (groups are ordered by earliest date).
        let no_windows = !p.any_virtual && p.rule.nodes.get(leaf).is_some_and(|n| n.windows.is_empty());
        for (gi, g) in groups.iter().enumerate().skip(group) {
            if open_left < need {
                break;
            }
            let members = data.members(g);
            if !members.iter().any(|(c, _)| self.usable(*c)) {
                continue;
            }
            open_left -= 1;
            let exclusive = no_windows && members.iter().all(|(c, _)| p.uses.get(*c).is_some_and(|u| *u <= 1));
            if exclusive {
                if let Some(&(cred, _)) = members.iter().find(|(c, _)| self.usable(*c)) {
                    self.tick()?;
                    if self.try_take(leaf, cred) {
                        let r = self.pick_count(leaf, gi + 1, need - 1, pending);
                        self.untake();
                        return r;
                    }
                }
                continue;
            }
            for &(cred, _) in members {
                self.tick()?;
                if self.try_take(leaf, cred) {
                    let r = self.pick_count(leaf, gi + 1, need - 1, pending);
                    self.untake();
                    r?;
                }
            }
        }
        Ok(())
    }

    /// Fills a credits leaf from groups `group..` until the sum reaches the
    /// minimum (one credential per achievement).
    fn pick_credits(&mut self, leaf: usize, group: usize, sum: Decimal, pending: &mut Vec<usize>) -> Result<(), Halt> {
        let p = self.p;
        let Some(Some(data)) = p.leaves.get(leaf) else { return Ok(()) };
        if sum >= data.need {
            return self.solve(pending);
        }
        let no_windows = !p.any_virtual && p.rule.nodes.get(leaf).is_some_and(|n| n.windows.is_empty());
        for (gi, g) in data.groups.iter().enumerate().skip(group) {
            let rest = data.suffix_best.get(gi).copied().unwrap_or_default();
            if sum.saturating_add(rest) < data.need {
                break;
            }
            let members = data.members(g);
            let mut took = false;
            for &(cred, value) in members {
                self.tick()?;
                if self.try_take(leaf, cred) {
                    took = true;
                    let r = self.pick_credits(leaf, gi + 1, sum.saturating_add(value), pending);
                    self.untake();
                    r?;
                }
            }
            // Dominance, as in `pick_count`: the sum is short, so some later
            // group (no earlier than this one) must be taken anyway; adding
            // this exclusive group to such a solution costs nothing.
            let exclusive = no_windows && members.iter().all(|(c, _)| p.uses.get(*c).is_some_and(|u| *u <= 1));
            if took && exclusive {
                return Ok(());
            }
        }
        Ok(())
    }
}

/// Fewest credentials that can satisfy each node (credits leaves: 1).
fn min_creds(p: &Problem<'_>) -> Vec<usize> {
    let mut out = vec![0usize; p.rule.nodes.len()];
    // Children come after their parent in the arena: fill bottom-up.
    for i in (0..p.rule.nodes.len()).rev() {
        let Some(n) = p.rule.nodes.get(i) else { continue };
        let mut child: Vec<usize> = n.children.iter().map(|&c| out.get(c).copied().unwrap_or(0)).collect();
        let v = match &n.kind {
            CKind::Count { min, .. } => *min as usize,
            CKind::Credits { .. } => 1,
            CKind::All | CKind::Pathway(_) => child.iter().sum(),
            CKind::Any | CKind::AtLeast(_) => {
                child.sort_unstable();
                child.iter().take(n.needed_children()).sum()
            }
        };
        if let Some(slot) = out.get_mut(i) {
            *slot = v;
        }
    }
    out
}

