//! One evaluation's input, prepared: the learner's eligible credentials in a
//! stable order and, for one compiled rule, the credentials each leaf could
//! use, grouped by achievement (count and credits both count an achievement
//! once).
//!
//! Inside a problem, credentials are numbered by their position among the
//! credentials some leaf of the rule can use ("local" indices), in (date,
//! id) order: a threshold date is then a prefix, a window an index range.
//! Leaves keep their data in a few shared arrays (ranges per leaf), so that
//! preparing a problem costs a handful of allocations whatever the rule.

use std::cell::Cell;

use cairn_domain::{AchievementId, CredentialId, Credits};
use chrono::{DateTime, Utc};
use rust_decimal::Decimal;

use crate::bits;
use crate::compile::{CKind, CompiledRule};
use crate::eligibility::{Eligibility, is_eligible};
use crate::input::CredentialFact;
use crate::value::{Fixed, convert_credits, to_fixed};

#[derive(Debug, Clone, Copy)]
pub(crate) struct Cred<'a> {
    pub id: CredentialId,
    pub achievement: AchievementId,
    pub date: DateTime<Utc>,
    /// The credential's own credits (`credits_earned`); without them a
    /// leaf counts the achievement's catalog credits.
    pub credits: Option<&'a Credits>,
    /// A hypothetical credential added by the planner.
    pub virtual_: bool,
}

/// The learner's eligible credentials at an instant, sorted by (date, id).
#[derive(Debug, Clone)]
pub(crate) struct Learner<'a> {
    pub creds: Vec<Cred<'a>>,
    /// Per credential: its award instant in microseconds.
    pub stamp: Vec<i64>,
    /// Per credential: its achievement as `u128` (the key of rule indexes).
    pub key: Vec<u128>,
}

impl<'a> Learner<'a> {
    pub fn new(facts: &'a [CredentialFact], at: DateTime<Utc>, mode: Eligibility, extra: &[Cred<'a>]) -> Self {
        let mut creds = Vec::with_capacity(facts.len() + extra.len());
        creds.extend(facts.iter().filter(|f| is_eligible(f, at, mode)).map(|f| Cred {
            id: f.id,
            achievement: f.achievement,
            date: f.awarded_at,
            credits: f.credits.as_ref(),
            virtual_: false,
        }));
        creds.extend_from_slice(extra);
        Learner::from_creds(creds)
    }

    /// The learner with `extra` added, when it sorts after every
    /// credential (a later date): what [`Learner::from_creds`] would give,
    /// without sorting again. `None` otherwise.
    pub fn with_last(&self, extra: Cred<'a>) -> Option<Self> {
        let stamp = extra.date.timestamp_micros();
        if self.stamp.last().is_some_and(|&s| s >= stamp) {
            return None;
        }
        let mut out = self.clone();
        out.stamp.push(stamp);
        out.key.push(extra.achievement.as_uuid().as_u128());
        out.creds.push(extra);
        Some(out)
    }

    /// Puts credentials in the stable order; duplicate ids count once.
    pub fn from_creds(all: Vec<Cred<'a>>) -> Self {
        // Sort small keys (date, position), then the rare runs of equal
        // dates by (id, achievement).
        let mut order: Vec<(i64, u32)> =
            all.iter().enumerate().map(|(i, c)| (c.date.timestamp_micros(), u32::try_from(i).unwrap_or(u32::MAX))).collect();
        order.sort_unstable();
        let tie = |i: u32| all.get(i as usize).map(|c| (c.id, c.achievement, c.virtual_));
        let mut run = 0;
        while run < order.len() {
            let stamp = order.get(run).map(|k| k.0);
            let end = run + order.get(run..).map_or(0, |rest| rest.iter().take_while(|k| Some(k.0) == stamp).count());
            if end - run > 1
                && let Some(same) = order.get_mut(run..end)
            {
                same.sort_unstable_by_key(|k| tie(k.1));
            }
            run = end.max(run + 1);
        }
        // Duplicate ids (adjacent now) count once.
        let id = |i: u32| all.get(i as usize).map(|c| c.id);
        order.dedup_by(|b, a| a.0 == b.0 && id(a.1) == id(b.1));
        let stamp = order.iter().map(|k| k.0).collect();
        let creds: Vec<Cred<'a>> = order.iter().filter_map(|k| all.get(k.1 as usize).copied()).collect();
        let key = creds.iter().map(|c| c.achievement.as_uuid().as_u128()).collect();
        Learner { creds, stamp, key }
    }
}

/// A window end not computed yet.
const UNKNOWN: u32 = u32::MAX;

/// What tells a problem's credentials apart by achievement.
struct Grouping<'g> {
    /// Per local credential: its achievement's entry in the rule index.
    entry: &'g [usize],
    /// Per local credential: the learner holds its achievement more than once.
    repeated: &'g [bool],
}

/// A leaf's credentials: ranges into the problem's shared arrays.
#[derive(Debug, Clone, Default)]
pub(crate) struct Leaf {
    /// Whether this leaf measures credits (else count).
    pub credits: bool,
    /// The minimum as written (explanations).
    pub need: Decimal,
    /// The minimum as the search counts it: achievements, or credits as [`Fixed`].
    pub need_fixed: Fixed,
    /// The fewest credentials that can satisfy the leaf (`usize::MAX`: none can).
    pub fewest: usize,
    /// Every achievement offers one credential: distinct credentials are
    /// distinct achievements, so counting bits counts achievements.
    pub singletons: bool,
    slots: (usize, usize),
    groups: (usize, usize),
    by_value: (usize, usize),
    /// The leaf's node.
    pub node: usize,
    /// Not `singletons`: offset (in words) of the bit set of the credentials
    /// of its single-credential groups.
    singles: usize,
    /// Credits leaves: offset of the suffix sums in `suffix_best`.
    suffix: usize,
    /// Groups (within the leaf) with more than one credential.
    multi: (usize, usize),
}

#[derive(Debug)]
pub(crate) struct Problem<'a> {
    pub rule: &'a CompiledRule,
    pub learner: &'a Learner<'a>,
    /// Local index → index into `learner.creds`.
    pub creds: Vec<usize>,
    /// Per local credential: award instant in microseconds.
    pub stamp: Vec<i64>,
    /// Indexed by node; `Some` for leaves.
    pub leaves: Vec<Option<Leaf>>,
    /// Words of one credential bit set.
    pub words: usize,
    /// Per node, `words` long: credentials some leaf under it could use.
    cand_bits: Vec<u64>,
    /// Per local credential: how many leaves could use it.
    pub uses: Vec<u16>,
    pub any_virtual: bool,
    /// Fewest credentials that can satisfy each node.
    pub min_creds: Vec<usize>,
    /// Per node with a `within`, per credential: the local index just past
    /// the window the credential's date opens; computed when first asked
    /// for (calendar arithmetic is not free, and a complete pathway rarely
    /// needs every window).
    window_ends: Vec<Vec<Cell<u32>>>,
    /// Every leaf's (local credential, value), grouped by achievement, each
    /// group by date; groups ordered by their earliest credential.
    slots: Vec<(usize, Fixed)>,
    /// Every leaf's groups, as ranges of `slots`.
    groups: Vec<(usize, usize)>,
    /// Credits leaves, per group: the sum of the best values of it and the
    /// later groups of its leaf.
    suffix_best: Vec<Fixed>,
    /// Credits leaves: (value, slot, group within the leaf), most valuable first.
    by_value: Vec<(Fixed, usize, usize)>,
    singles: Vec<u64>,
    /// Every leaf's groups of more than one credential (index within the leaf).
    multi: Vec<usize>,
}

impl<'a> Problem<'a> {
    pub fn new(rule: &'a CompiledRule, learner: &'a Learner<'a>) -> Self {
        let nodes = rule.nodes.len();
        // Local numbering: the credentials some leaf can fill (their
        // achievement is in the rule's index), in (date, id) order; and per
        // credential, its index entry (one per achievement).
        let mut creds = Vec::with_capacity(learner.creds.len());
        let mut stamp = Vec::with_capacity(learner.creds.len());
        let mut entry = Vec::with_capacity(learner.creds.len());
        for (c, key) in learner.key.iter().enumerate() {
            if let Some(e) = rule.lookup.get(*key) {
                creds.push(c);
                stamp.push(learner.stamp.get(c).copied().unwrap_or(i64::MAX));
                entry.push(e);
            }
        }
        let n = creds.len();
        let words = bits::words_for(n);

        // Every (leaf, credential, value) with a positive value, in date order.
        let mut found: Vec<(usize, usize, Fixed)> = Vec::with_capacity(4 * n);
        let mut counts = vec![0usize; nodes];
        // Achievements held more than once (index entries seen twice).
        let mut seen = vec![0u8; rule.index.len()];
        for &e in &entry {
            if let Some(k) = seen.get_mut(e) {
                *k = k.saturating_add(1);
            }
        }
        for (local, &c) in creds.iter().enumerate() {
            let Some(cred) = learner.creds.get(c) else { continue };
            let e = entry.get(local).copied().unwrap_or(usize::MAX);
            for_each_hit(rule, e, cred.date, cred.credits, |leaf, v| {
                found.push((leaf, local, v));
                if let Some(k) = counts.get_mut(leaf) {
                    *k += 1;
                }
            });
        }
        // By leaf (a counting sort keeps the date order within each leaf):
        // `counts` becomes each leaf's first slot, then, filled, its end.
        let mut acc = 0usize;
        for k in &mut counts {
            let here = *k;
            *k = acc;
            acc += here;
        }
        let mut slots = vec![(0usize, 0 as Fixed); found.len()];
        for &(leaf, local, v) in &found {
            if let Some(at) = counts.get_mut(leaf) {
                if let Some(slot) = slots.get_mut(*at) {
                    *slot = (local, v);
                }
                *at += 1;
            }
        }
        let leaf_range = |leaf: usize| {
            let from = leaf.checked_sub(1).and_then(|l| counts.get(l)).copied().unwrap_or(0);
            (from, counts.get(leaf).copied().unwrap_or(from))
        };

        let repeated: Vec<bool> = entry.iter().map(|&e| seen.get(e).is_some_and(|k| *k > 1)).collect();
        let mut problem = Problem {
            rule,
            learner,
            creds,
            stamp,
            leaves: vec![None; nodes],
            words,
            cand_bits: vec![0u64; nodes * words],
            uses: vec![0u16; n],
            any_virtual: false,
            min_creds: Vec::new(),
            window_ends: Vec::new(),
            slots,
            groups: Vec::with_capacity(found.len()),
            suffix_best: Vec::new(),
            by_value: if rule.has_credits { Vec::with_capacity(found.len()) } else { Vec::new() },
            singles: Vec::new(),
            multi: Vec::new(),
        };
        let mut first_of_entry: Vec<usize> = Vec::new();
        let grouping = Grouping { entry: &entry, repeated: &repeated };
        for &leaf in &rule.leaves {
            let (need, credits) = match rule.nodes.get(leaf).map(|n| &n.kind) {
                Some(CKind::Count { min, .. }) => (Decimal::from(*min), false),
                Some(CKind::Credits { min, .. }) => (*min, true),
                _ => continue,
            };
            let range = leaf_range(leaf);
            let data = problem.add_leaf(leaf, range, need, credits, &grouping, &mut first_of_entry);
            if let Some(slot) = problem.leaves.get_mut(leaf) {
                *slot = Some(data);
            }
        }
        // Internal nodes: the union of their children (children come after
        // their parent in the arena, so fill bottom-up).
        for node in (0..nodes).rev() {
            let Some(nd) = rule.nodes.get(node) else { continue };
            for &child in &nd.children {
                for w in 0..words {
                    let v = problem.cand_bits.get(child * words + w).copied().unwrap_or(0);
                    if let Some(slot) = problem.cand_bits.get_mut(node * words + w) {
                        *slot |= v;
                    }
                }
            }
        }
        problem.any_virtual = problem.creds.iter().any(|&c| learner.creds.get(c).is_some_and(|c| c.virtual_));
        problem.min_creds = min_creds(rule, &problem.leaves);
        problem.window_ends = rule.nodes.iter().map(|nd| if nd.within.is_some() { vec![Cell::new(UNKNOWN); n] } else { Vec::new() }).collect();
        problem
    }

    /// Groups a leaf's slots (`range`, in date order) by achievement and
    /// lays out what the search reads of it.
    fn add_leaf(
        &mut self,
        leaf: usize,
        range: (usize, usize),
        need: Decimal,
        credits: bool,
        grouping: &Grouping<'_>,
        first_of_rank: &mut Vec<usize>,
    ) -> Leaf {
        let words = self.words;
        let list = self.slots.get(range.0..range.1).unwrap_or(&[]);
        let singletons = list.iter().all(|(c, _)| grouping.repeated.get(*c) == Some(&false));
        let group_start = self.groups.len();
        if singletons {
            self.groups.extend((range.0..range.1).map(|s| (s, s + 1)));
        } else {
            // Order the slots by (first date of their achievement, date):
            // each achievement's credentials become one run.
            if first_of_rank.len() < self.rule.index.len() {
                first_of_rank.resize(self.rule.index.len(), usize::MAX);
            }
            let rank = |c: usize| grouping.entry.get(c).copied().unwrap_or(usize::MAX);
            for (pos, (c, _)) in list.iter().enumerate() {
                if let Some(f) = first_of_rank.get_mut(rank(*c))
                    && *f == usize::MAX
                {
                    *f = pos;
                }
            }
            let mut keyed: Vec<(usize, usize, (usize, Fixed))> =
                list.iter().enumerate().map(|(pos, s)| (first_of_rank.get(rank(s.0)).copied().unwrap_or(usize::MAX), pos, *s)).collect();
            keyed.sort_unstable_by_key(|k| (k.0, k.1));
            for (c, _) in list {
                if let Some(f) = first_of_rank.get_mut(rank(*c)) {
                    *f = usize::MAX;
                }
            }
            let mut run_start = range.0;
            for (k, (first, _, slot)) in keyed.iter().enumerate() {
                if let Some(s) = self.slots.get_mut(range.0 + k) {
                    *s = *slot;
                }
                let next_first = keyed.get(k + 1).map(|x| x.0);
                if next_first != Some(*first) {
                    self.groups.push((run_start, range.0 + k + 1));
                    run_start = range.0 + k + 1;
                }
            }
        }
        let group_end = self.groups.len();
        let group_count = group_end - group_start;

        // The leaf's credentials as a bit set, and how often each is a candidate.
        for &(c, _) in self.slots.get(range.0..range.1).unwrap_or(&[]) {
            if let Some(u) = self.uses.get_mut(c) {
                *u = u.saturating_add(1);
            }
            if let Some(b) = self.cand_bits.get_mut(leaf * words..(leaf + 1) * words) {
                bits::set(b, c);
            }
        }
        // Achievements held more than once: those groups listed, the others
        // as a bit set (counting bits then counts achievements).
        let multi_start = self.multi.len();
        let singles = self.singles.len();
        if !singletons {
            self.singles.resize(singles + words, 0);
            for gi in (0..group_count).rev() {
                let (s, e) = self.groups.get(group_start + gi).copied().unwrap_or((0, 0));
                if e - s > 1 {
                    self.multi.push(gi);
                } else if let (Some((c, _)), Some(b)) = (self.slots.get(s), self.singles.get_mut(singles..singles + words)) {
                    bits::set(b, *c);
                }
            }
        }
        // Credits: suffix sums of the groups' best values, and every slot
        // by value.
        let need_fixed = self.rule.need_fixed.get(leaf).copied().unwrap_or(Fixed::MAX);
        let suffix_start = self.suffix_best.len();
        let by_value_start = self.by_value.len();
        let fewest = if credits {
            self.suffix_best.resize(suffix_start + group_count, 0);
            let mut acc: Fixed = 0;
            for gi in (0..group_count).rev() {
                let (s, e) = self.groups.get(group_start + gi).copied().unwrap_or((0, 0));
                let members = self.slots.get(s..e).unwrap_or(&[]);
                acc = acc.saturating_add(members.iter().map(|m| m.1).max().unwrap_or(0));
                if let Some(slot) = self.suffix_best.get_mut(suffix_start + gi) {
                    *slot = acc;
                }
                self.by_value.extend(members.iter().enumerate().map(|(k, m)| (m.1, s + k, gi)));
            }
            let list = self.by_value.get_mut(by_value_start..).unwrap_or(&mut []);
            list.sort_unstable_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
            fewest_reaching(list, &self.slots, need_fixed, 0, !singletons, |_| true).unwrap_or(usize::MAX)
        } else {
            usize::try_from(need_fixed).unwrap_or(usize::MAX)
        };
        Leaf {
            credits,
            need,
            need_fixed,
            fewest,
            singletons,
            slots: range,
            groups: (group_start, group_end),
            by_value: (by_value_start, self.by_value.len()),
            node: leaf,
            singles,
            suffix: suffix_start,
            multi: (multi_start, self.multi.len()),
        }
    }

    /// How many credentials (a prefix of the date order) the root's own
    /// leaves need before each could hold on its own, ignoring the others:
    /// a lower bound for the threshold. `None` when one of them never can.
    pub fn earliest_alone(&self) -> Option<usize> {
        let mut cut = 0usize;
        for &d in self.rule.parts.first().into_iter().flatten() {
            let Some(leaf) = self.leaf(d) else { continue };
            let own_window = self.rule.nodes.get(d).is_some_and(|n| n.within.is_some());
            let mine = if !leaf.credits && leaf.singletons && own_window {
                self.window_cut(d, leaf)?
            } else if !leaf.credits {
                // The earliest credential of the need-th achievement (groups
                // are ordered by their earliest credential).
                let need = usize::try_from(leaf.need_fixed).unwrap_or(usize::MAX);
                let g = need.checked_sub(1).and_then(|k| self.groups(leaf).get(k))?;
                self.members(*g).first().map_or(0, |(c, _)| c + 1)
            } else if leaf.singletons {
                // Credits in date order until the minimum is reached.
                let mut sum: Fixed = 0;
                let mut at = None;
                for &(c, v) in self.slots(leaf) {
                    sum = sum.saturating_add(v);
                    if sum >= leaf.need_fixed {
                        at = Some(c + 1);
                        break;
                    }
                }
                at?
            } else {
                0
            };
            cut = cut.max(mine);
        }
        Some(cut)
    }

    /// For a count leaf with its own window and one credential per
    /// achievement: how many credentials it needs before some window holds
    /// its minimum on its own. For each first credential, the need-th from
    /// it, if that still falls in the window.
    fn window_cut(&self, node: usize, leaf: &Leaf) -> Option<usize> {
        let need = usize::try_from(leaf.need_fixed).unwrap_or(usize::MAX);
        let slots = self.slots(leaf);
        let mut best = None;
        for (i, &(first, _)) in slots.iter().enumerate() {
            let Some(&(nth, _)) = need.checked_sub(1).and_then(|k| slots.get(i + k)) else { break };
            if nth < self.window_end(node, first) {
                best = Some(best.map_or(nth + 1, |b: usize| b.min(nth + 1)));
            }
        }
        best
    }

    /// The local index just past the window of `node` that opens at the
    /// date of credential `start`.
    pub fn window_end(&self, node: usize, start: usize) -> usize {
        let Some(cell) = self.window_ends.get(node).and_then(|e| e.get(start)) else { return start };
        let known = cell.get();
        if known != UNKNOWN {
            return known as usize;
        }
        let within = self.rule.nodes.get(node).and_then(|n| n.within);
        let end = match (within, self.date(start)) {
            (Some(d), Some(from)) => match d.add_to(from) {
                // Inclusive: a credential awarded exactly at the end fits.
                Some(to) => {
                    let to = to.timestamp_micros();
                    self.stamp.partition_point(|&s| s <= to)
                }
                // An end beyond chrono's range: the window is unbounded.
                None => self.creds.len(),
            },
            _ => start,
        };
        cell.set(u32::try_from(end).unwrap_or(u32::MAX - 1));
        end
    }

    /// The learner's credential behind a local index.
    pub fn cred(&self, local: usize) -> Option<&Cred<'a>> {
        self.creds.get(local).and_then(|&c| self.learner.creds.get(c))
    }

    pub fn date(&self, local: usize) -> Option<DateTime<Utc>> {
        self.cred(local).map(|c| c.date)
    }

    // The accessors below slice the shared arrays by ranges `new` and
    // `add_leaf` recorded while filling them.
    // INVARIANT: every such range lies inside its array, so the empty
    // fallbacks never apply (they keep the search panic-free, not correct).

    /// Credentials some leaf under `node` could use, as a bit set.
    pub fn cands(&self, node: usize) -> &[u64] {
        self.cand_bits.get(node * self.words..(node + 1) * self.words).unwrap_or(&[])
    }

    pub fn leaf(&self, node: usize) -> Option<&Leaf> {
        self.leaves.get(node).and_then(Option::as_ref)
    }

    /// A leaf's (credential, value) pairs, grouped by achievement.
    pub fn slots(&self, leaf: &Leaf) -> &[(usize, Fixed)] {
        self.slots.get(leaf.slots.0..leaf.slots.1).unwrap_or(&[])
    }

    /// A leaf's groups (ranges of slots), by earliest credential.
    pub fn groups(&self, leaf: &Leaf) -> &[(usize, usize)] {
        self.groups.get(leaf.groups.0..leaf.groups.1).unwrap_or(&[])
    }

    /// The credentials of one group.
    pub fn members(&self, group: (usize, usize)) -> &[(usize, Fixed)] {
        self.slots.get(group.0..group.1).unwrap_or(&[])
    }

    /// The value a leaf's credential has for it, when it has one.
    pub fn value_of(&self, leaf: &Leaf, cred: usize) -> Option<Fixed> {
        self.slots(leaf).iter().find(|(c, _)| *c == cred).map(|(_, v)| *v)
    }

    /// Credits leaves: the best values of groups `group..`, summed.
    pub fn suffix_best(&self, leaf: &Leaf, group: usize) -> Fixed {
        if group >= leaf.groups.1 - leaf.groups.0 {
            return 0;
        }
        self.suffix_best.get(leaf.suffix + group).copied().unwrap_or(0)
    }

    /// Credits leaves: (value, slot, group within the leaf), most valuable first.
    pub fn by_value(&self, leaf: &Leaf) -> &[(Fixed, usize, usize)] {
        self.by_value.get(leaf.by_value.0..leaf.by_value.1).unwrap_or(&[])
    }

    /// Credits leaves: how many achievements from group `group` on, most
    /// valuable first and each at its best credential `allowed` lets
    /// through, reach `need` (`None`: they all fall short).
    pub fn fewest_reaching(&self, leaf: &Leaf, group: usize, need: Fixed, allowed: impl Fn(usize) -> bool) -> Option<usize> {
        fewest_reaching(self.by_value(leaf), &self.slots, need, group, !leaf.singletons, allowed)
    }

    /// The leaf's credentials from those of its group `group` on.
    pub fn slots_from(&self, leaf: &Leaf, group: usize) -> &[(usize, Fixed)] {
        let start = self.groups(leaf).get(group).map_or(leaf.slots.1, |g| g.0);
        self.slots.get(start..leaf.slots.1).unwrap_or(&[])
    }

    /// The leaf's credentials, as a bit set.
    pub fn leaf_bits(&self, leaf: &Leaf) -> &[u64] {
        self.cands(leaf.node)
    }

    /// The credentials of the leaf's single-credential groups, as a bit set.
    pub fn single_bits(&self, leaf: &Leaf) -> &[u64] {
        if leaf.singletons {
            return self.leaf_bits(leaf);
        }
        self.singles.get(leaf.singles..leaf.singles + self.words).unwrap_or(&[])
    }

    /// The leaf's groups (within the leaf) of more than one credential, in
    /// descending order.
    pub fn multi(&self, leaf: &Leaf) -> &[usize] {
        self.multi.get(leaf.multi.0..leaf.multi.1).unwrap_or(&[])
    }
}

/// Every leaf a credential of index entry `entry` (an achievement of
/// `rule.index`) awarded at `date` with credits `own` can fill, with the
/// value it has there (positive), in index order.
pub(crate) fn for_each_hit(rule: &CompiledRule, entry: usize, date: DateTime<Utc>, own: Option<&Credits>, mut f: impl FnMut(usize, Fixed)) {
    let Some(&(_, from, to)) = rule.index.get(entry) else { return };
    for hit in rule.index_leaves.get(from as usize..to as usize).unwrap_or(&[]) {
        let in_time = !hit.timed
            || match rule.nodes.get(hit.leaf).map(|n| &n.kind) {
                Some(CKind::Count { matcher, .. } | CKind::Credits { matcher, .. }) => matcher.matches_time(date),
                _ => false,
            };
        if !in_time {
            continue;
        }
        let value = match (hit.credits, own, rule.nodes.get(hit.leaf).map(|n| &n.kind)) {
            (true, Some(own), Some(CKind::Credits { unit, conversions, .. })) => convert_credits(own, unit, conversions).map(|v| to_fixed(v, false)),
            _ => hit.value,
        };
        if let Some(v) = value.filter(|v| *v > 0) {
            f(hit.leaf, v);
        }
    }
}

/// Fewest credentials that can satisfy each node: a `count` its minimum, a
/// `credits` leaf the fewest of its achievements whose best values reach its
/// minimum (`usize::MAX` when none do).
fn min_creds(rule: &CompiledRule, leaves: &[Option<Leaf>]) -> Vec<usize> {
    let mut out = vec![0usize; rule.nodes.len()];
    // Children come after their parent in the arena: fill bottom-up.
    for i in (0..rule.nodes.len()).rev() {
        let Some(n) = rule.nodes.get(i) else { continue };
        let child = |c: &usize| out.get(*c).copied().unwrap_or(0);
        let v = match &n.kind {
            CKind::Count { min, .. } => *min as usize,
            CKind::Credits { .. } => leaves.get(i).and_then(Option::as_ref).map_or(usize::MAX, |l| l.fewest),
            CKind::All | CKind::Pathway(_) => n.children.iter().map(child).fold(0usize, usize::saturating_add),
            CKind::Any | CKind::AtLeast(_) => {
                let mut mins: Vec<usize> = n.children.iter().map(child).collect();
                mins.sort_unstable();
                mins.iter().take(n.needed_children()).fold(0usize, |a, b| a.saturating_add(*b))
            }
        };
        if let Some(slot) = out.get_mut(i) {
            *slot = v;
        }
    }
    out
}

/// How many achievements of a credits leaf, most valuable first and each at
/// its best credential that `allowed` lets through, reach `need`, counting
/// its groups `group..` only; `None` when they all fall short. `by_value`
/// is the leaf's (value, slot, group) list, `slots` the problem's; with
/// `distinct`, a group counts once (else every credential is its own).
fn fewest_reaching(
    by_value: &[(Fixed, usize, usize)],
    slots: &[(usize, Fixed)],
    need: Fixed,
    group: usize,
    distinct: bool,
    allowed: impl Fn(usize) -> bool,
) -> Option<usize> {
    if need <= 0 {
        return Some(0);
    }
    // Groups counted so far: a bit each for the first 64, a list beyond.
    let mut low: u64 = 0;
    let mut high: Vec<usize> = Vec::new();
    let mut sum: Fixed = 0;
    let mut k = 0usize;
    for &(v, slot, g) in by_value {
        if g < group || !slots.get(slot).is_some_and(|(c, _)| allowed(*c)) {
            continue;
        }
        if distinct {
            let again = if g < 64 {
                let again = low & (1u64 << g) != 0;
                low |= 1u64 << g;
                again
            } else if high.contains(&g) {
                true
            } else {
                high.push(g);
                false
            };
            if again {
                continue;
            }
        }
        sum = sum.saturating_add(v);
        k += 1;
        if sum >= need {
            return Some(k);
        }
    }
    None
}
