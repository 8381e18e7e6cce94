//! A conflict-aware bound for the allocation search (Hall's condition).
//!
//! The requirements still pending must hold together, each credential
//! filling at most one slot (semantic 2). Each pending node becomes demands
//! (`CompiledRule::parts`): a leaf needs some credentials from those it may
//! use (`count`: its minimum; `credits`: the fewest achievements whose best
//! values reach the minimum); an `any`/`at_least` not yet expanded needs the
//! fewest credentials any choice of children needs, from the union of their
//! candidates. When no assignment of distinct credentials meets every demand
//! (a bipartite b-matching, grown by augmenting paths), no allocation exists.
//!
//! The bound ignores the one-credential-per-achievement rule and windows not
//! yet chosen, so it can only ever say "impossible"; the search decides the
//! rest. It is what makes infeasibility cheap to prove when leaves compete
//! for the same credentials: each leaf alone passes, and without it the
//! search would try every way of sharing them out.

use crate::bits::{self, BitRows};

const NONE: u32 = u32::MAX;

/// Scratch space for one search: demands are added, then tested.
#[derive(Debug, Default)]
pub(crate) struct Matching {
    words: usize,
    /// Per demand: credentials it may take.
    allowed: BitRows,
    /// Per demand: credentials it holds.
    owned: BitRows,
    need: Vec<usize>,
    /// Usable credentials nobody holds.
    free: Vec<u64>,
    /// Augmenting-path search: per demand, (previous demand, credential).
    parent: Vec<(u32, u32)>,
    queue: Vec<usize>,
    /// `forced`: demands whose credentials can be freed.
    opened: Vec<bool>,
    /// Demands `feasible` has met so far (more may be added after).
    met: usize,
}

impl Matching {
    pub fn new(words: usize) -> Self {
        // Room for a typical rule's demands, so that the search rarely grows it.
        const DEMANDS: usize = 16;
        Matching {
            words,
            allowed: BitRows::with_capacity(words, DEMANDS),
            owned: BitRows::with_capacity(words, DEMANDS),
            need: Vec::with_capacity(DEMANDS),
            free: Vec::with_capacity(words),
            parent: Vec::with_capacity(DEMANDS),
            queue: Vec::with_capacity(DEMANDS),
            opened: Vec::with_capacity(DEMANDS),
            met: 0,
        }
    }

    /// Starts over with `usable` as the credentials to share out.
    pub fn reset(&mut self, usable: &[u64]) {
        self.allowed.clear();
        self.owned.clear();
        self.need.clear();
        self.free.clear();
        self.free.extend_from_slice(usable);
        self.met = 0;
    }

    /// A new demand for `need` credentials; the caller fills in the
    /// returned set of those it may take (already restricted to usable).
    pub fn demand(&mut self, need: usize) -> &mut [u64] {
        self.need.push(need);
        self.owned.push();
        self.allowed.push()
    }

    /// Can every demand be met at once? Demands added after a successful
    /// call are met on top of the earlier ones.
    pub fn feasible(&mut self) -> bool {
        let w = self.words;
        let more: usize = self.need.iter().skip(self.met).fold(0usize, |a, b| a.saturating_add(*b));
        if more > bits::count(&self.free) {
            return false;
        }
        for d in self.met..self.need.len() {
            // INVARIANT: `need`, `allowed` and `owned` gain a row together (`demand`).
            let mut short = self.need.get(d).copied().unwrap_or(0);
            // Free credentials first: no re-routing.
            for i in 0..w {
                if short == 0 {
                    break;
                }
                let Some(f) = self.free.get(i) else { break };
                let mut x = self.allowed.word(d, i) & f;
                let mut took = 0u64;
                while x != 0 && short > 0 {
                    let bit = x & x.wrapping_neg();
                    took |= bit;
                    x &= x - 1;
                    short -= 1;
                }
                if let Some(o) = self.owned.row_mut(d).get_mut(i) {
                    *o |= took;
                }
                if let Some(f) = self.free.get_mut(i) {
                    *f &= !took;
                }
            }
            while short > 0 {
                if !self.augment(d) {
                    return false;
                }
                short -= 1;
            }
        }
        self.met = self.need.len();
        true
    }

    /// After `feasible`: the credentials every way of meeting the demands
    /// uses (held, and no chain of swaps ends at a free credential). No
    /// other demand can have them.
    pub fn forced(&mut self, out: &mut [u64]) {
        let n = self.need.len();
        // `out` first gathers the credentials that can be freed: free
        // ones, and everything a demand holds once it can take a freeable
        // one instead (each demand is opened once).
        // INVARIANT: `out` and `free` are both `words` long.
        out.copy_from_slice(self.free.get(..out.len()).unwrap_or(&[]));
        self.opened.clear();
        self.opened.resize(n, false);
        loop {
            let mut grew = false;
            for d in 0..n {
                if self.opened.get(d) != Some(&false) {
                    continue;
                }
                let reaches = self.allowed.row(d).iter().zip(out.iter()).any(|(a, o)| a & o != 0);
                if reaches {
                    for (f, o) in out.iter_mut().zip(self.owned.row(d)) {
                        *f |= o;
                    }
                    if let Some(o) = self.opened.get_mut(d) {
                        *o = true;
                    }
                    grew = true;
                }
            }
            if !grew {
                break;
            }
        }
        // Then the held ones that cannot.
        for (i, o) in out.iter_mut().enumerate() {
            let held = (0..n).fold(0u64, |acc, d| acc | self.owned.word(d, i));
            *o = held & !*o;
        }
    }

    /// One more credential for demand `d`: a breadth-first search over
    /// demands, `e → f` when `e` may take a credential `f` holds, ending at a
    /// demand that may take a free one; then every credential on the path
    /// moves back one step.
    fn augment(&mut self, d: usize) -> bool {
        let w = self.words;
        let n = self.need.len();
        self.parent.clear();
        self.parent.resize(n, (NONE, NONE));
        self.queue.clear();
        self.queue.push(d);
        if let Some(p) = self.parent.get_mut(d) {
            *p = (d as u32, NONE);
        }
        let mut head = 0;
        while let Some(&e) = self.queue.get(head) {
            head += 1;
            for f in 0..n {
                if self.parent.get(f).is_none_or(|p| p.0 != NONE) {
                    continue;
                }
                // A credential `e` may take that `f` holds.
                let Some(c) = (0..w).find_map(|i| {
                    let x = self.allowed.word(e, i) & self.owned.word(f, i);
                    (x != 0).then(|| i * 64 + x.trailing_zeros() as usize)
                }) else {
                    continue;
                };
                if let Some(p) = self.parent.get_mut(f) {
                    *p = (e as u32, c as u32);
                }
                // Can `f` replace it with a free credential?
                let spare = (0..w).find_map(|i| {
                    // INVARIANT: `free` is `words` long, like every row.
                    let x = self.allowed.word(f, i) & self.free.get(i).copied().unwrap_or(0);
                    (x != 0).then(|| i * 64 + x.trailing_zeros() as usize)
                });
                if let Some(s) = spare {
                    self.give(f, s);
                    bits::unset(&mut self.free, s);
                    let mut g = f;
                    while g != d {
                        let Some(&(prev, c)) = self.parent.get(g) else { return false };
                        self.take_from(g, c as usize);
                        self.give(prev as usize, c as usize);
                        g = prev as usize;
                    }
                    return true;
                }
                self.queue.push(f);
            }
        }
        false
    }

    fn give(&mut self, d: usize, c: usize) {
        bits::set(self.owned.row_mut(d), c);
    }

    fn take_from(&mut self, d: usize, c: usize) {
        bits::unset(self.owned.row_mut(d), c);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn demand(m: &mut Matching, need: usize, creds: &[usize]) {
        let a = m.demand(need);
        for &c in creds {
            bits::set(a, c);
        }
    }

    #[test]
    fn reroutes_to_meet_every_demand() {
        // A may take 0 or 1, B only 0: greedy gives 0 to A; B needs a re-route.
        let mut m = Matching::new(1);
        m.reset(&[0b11]);
        demand(&mut m, 1, &[0, 1]);
        demand(&mut m, 1, &[0]);
        assert!(m.feasible());
    }

    #[test]
    fn finds_a_hall_violation() {
        // Three demands of one each over two credentials.
        let mut m = Matching::new(1);
        m.reset(&[0b11]);
        demand(&mut m, 1, &[0, 1]);
        demand(&mut m, 1, &[0, 1]);
        demand(&mut m, 1, &[1]);
        assert!(!m.feasible());
        // Enough in total, but two demands share one credential.
        let mut m = Matching::new(2);
        m.reset(&[u64::MAX, 1]);
        demand(&mut m, 2, &[0, 64]);
        demand(&mut m, 1, &[64]);
        demand(&mut m, 3, &[1, 2, 3]);
        assert!(!m.feasible());
    }

    #[test]
    fn forced_credentials_are_those_no_swap_frees() {
        // A needs one of {0}, B one of {1, 2}, C one of {2}: C has only 2,
        // so B must take 1: all three are forced.
        let mut m = Matching::new(1);
        m.reset(&[0b111]);
        demand(&mut m, 1, &[0]);
        demand(&mut m, 1, &[1, 2]);
        demand(&mut m, 1, &[2]);
        assert!(m.feasible());
        let mut out = [0u64];
        m.forced(&mut out);
        assert_eq!(out[0], 0b111);
        // With a spare credential 3 that B may take, B's credential is not
        // forced either way.
        let mut m = Matching::new(1);
        m.reset(&[0b1111]);
        demand(&mut m, 1, &[1, 3]);
        demand(&mut m, 1, &[0]);
        assert!(m.feasible());
        m.forced(&mut out);
        assert_eq!(out[0], 0b0001);
        // More demands after a successful call are met on top.
        demand(&mut m, 2, &[1, 2, 3]);
        assert!(m.feasible());
        demand(&mut m, 1, &[1, 3]);
        assert!(!m.feasible());
    }

    #[test]
    fn long_augmenting_paths_across_words() {
        // A chain: D0 {0,1}, D1 {1,65}, D2 {65, 100}; greedy in order takes
        // 0, 1, 65 and D3 {0} must push everyone along.
        let mut m = Matching::new(2);
        m.reset(&[0b11, (1 << 1) | (1 << 36)]);
        demand(&mut m, 1, &[0, 1]);
        demand(&mut m, 1, &[1, 65]);
        demand(&mut m, 1, &[65, 100]);
        demand(&mut m, 1, &[0]);
        assert!(m.feasible());
    }
}
