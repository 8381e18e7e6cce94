//! The best partial allocation of an unfinished pathway: the one assignment
//! of credentials to leaves (each credential under one leaf at most) that
//! gives the most progress. The progress and the explanation of an
//! unfinished pathway both come from it, so no figure counts a credential
//! twice.
//!
//! A credential only one leaf can use goes to that leaf (progress only grows
//! with what a leaf sees). The others are branched over, branch and bound:
//! the view with the undecided credentials visible to every leaf that can
//! use them bounds every completion from above. The best value is a maximum
//! over allocations, and adding a credential only adds allocations, so
//! progress stays monotone.
//!
//! When the shared credentials offer more than [`MAX_PARTIAL_CHOICES`]
//! combinations, every leaf sees every credential it can use (each node on
//! its own, the upper bound). That count only grows as credentials are
//! added, and the fallback is never below the exact value: monotone too.

use crate::limits::MAX_PARTIAL_CHOICES;
use crate::problem::Problem;
use crate::progress::{FREE, View, Views};

/// One partial allocation and its view of the root.
pub(crate) struct Partial {
    /// Per local credential: the leaf it counts under ([`FREE`]: whichever
    /// leaf can use it; empty: no allocation, the fallback above).
    pub owner: Vec<u32>,
    pub root: View,
}

/// The best partial allocation of `p` (among equals, the first guess or
/// else the first found in the order of credentials and leaves:
/// deterministic).
pub(crate) fn best_partial(p: &Problem<'_>) -> Partial {
    let ceiling = Views::new(p).of(0);
    let mut leaves_of: Vec<Vec<u32>> = vec![Vec::new(); p.creds.len()];
    for &leaf in &p.rule.leaves {
        let Some(data) = p.leaf(leaf) else { continue };
        let Ok(node) = u32::try_from(leaf) else { continue };
        for &(c, _) in p.slots(data) {
            if p.uses.get(c).is_some_and(|u| *u > 1)
                && let Some(list) = leaves_of.get_mut(c)
            {
                list.push(node);
            }
        }
    }
    let mut shared: Vec<(usize, Vec<u32>)> = leaves_of.into_iter().enumerate().filter(|(_, l)| l.len() > 1).collect();
    let combinations = shared.iter().try_fold(1usize, |acc, (_, l)| acc.checked_mul(l.len()));
    if shared.is_empty() || combinations.is_none_or(|n| n > MAX_PARTIAL_CHOICES) {
        return Partial { owner: Vec::new(), root: ceiling };
    }
    // A first guess: each shared credential under the first leaf whose own
    // view uses it, else its first leaf; tried first by the search too.
    // When no credential is used by two leaves on their own, the guess
    // reaches the ceiling and nothing is left to search.
    let mut preferred = vec![FREE; p.creds.len()];
    prefer(p, 0, &ceiling, &mut preferred);
    let mut guess = vec![FREE; p.creds.len()];
    for (c, leaves) in &mut shared {
        let want = preferred.get(*c).copied().unwrap_or(FREE);
        if let Some(pos) = leaves.iter().position(|l| *l == want)
            && let Some(front) = leaves.get_mut(..=pos)
        {
            front.rotate_right(1);
        }
        if let (Some(g), Some(first)) = (guess.get_mut(*c), leaves.first()) {
            *g = *first;
        }
    }
    let first = Views::masked(p, &guess).of(0);
    if first.progress >= ceiling.progress {
        return Partial { owner: guess, root: first };
    }
    let mut search = Search { p, shared: &shared, owner: vec![FREE; p.creds.len()], ceiling: ceiling.progress, best: (guess, first) };
    search.go(0, ceiling);
    let (owner, root) = search.best;
    Partial { owner, root }
}

/// Per credential, the first leaf (in rule order) whose part of `view`
/// uses it.
fn prefer(p: &Problem<'_>, node: usize, view: &View, out: &mut [u32]) {
    let Some(n) = p.rule.nodes.get(node) else { return };
    if n.is_leaf() {
        let Ok(leaf) = u32::try_from(node) else { return };
        for &c in &view.used {
            if let Some(o) = out.get_mut(c)
                && *o == FREE
            {
                *o = leaf;
            }
        }
        return;
    }
    // A view's children follow the node's (`Views::inner`).
    for (&child, v) in n.children.iter().zip(&view.children) {
        prefer(p, child, v, out);
    }
}

struct Search<'s, 'a> {
    p: &'s Problem<'a>,
    shared: &'s [(usize, Vec<u32>)],
    owner: Vec<u32>,
    /// No allocation beats every leaf seeing everything.
    ceiling: f64,
    /// The best allocation found so far (the first guess to begin with).
    best: (Vec<u32>, View),
}

impl Search<'_, '_> {
    /// Decides the `k`-th shared credential onwards; `bound` is the view
    /// with it and the later ones undecided.
    fn go(&mut self, k: usize, bound: View) {
        let best = &self.best.1;
        if bound.progress <= best.progress || best.progress >= self.ceiling {
            return;
        }
        // Past the end of `shared` every choice is made: a full allocation.
        let Some((c, leaves)) = self.shared.get(k) else {
            self.best = (self.owner.clone(), bound);
            return;
        };
        for &leaf in leaves {
            if let Some(o) = self.owner.get_mut(*c) {
                *o = leaf;
            }
            let view = Views::masked(self.p, &self.owner).of(0);
            self.go(k + 1, view);
        }
        if let Some(o) = self.owner.get_mut(*c) {
            *o = FREE;
        }
    }
}
