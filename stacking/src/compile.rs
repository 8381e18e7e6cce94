//! A pathway's rule compiled for evaluation: a flat arena of nodes with
//! selectors resolved against the catalog and nested pathways inlined (a
//! `pathway` node gets the nested rule's root as its only child), so that one
//! allocation search covers the parent and everything it nests (semantic 2:
//! credentials a nested pathway uses are consumed inside the parent).

use std::collections::BTreeMap;
use std::sync::Arc;

use cairn_domain::{AchievementId, CreditUnit, IsoDuration, PathwayId};
use rust_decimal::Decimal;

use crate::error::GraphError;
use crate::input::{CatalogEntry, Pathway};
use crate::limits::{MAX_COMPILED_NODES, MAX_NESTING};
use crate::rule::{Conversions, Requirement, RequirementKind};
use crate::selector::Matcher;
use crate::value::{Fixed, convert_credits, to_fixed};

#[derive(Debug, Clone)]
pub(crate) enum CKind {
    All,
    Any,
    AtLeast(u32),
    Count { min: u32, matcher: Matcher },
    Credits { min: Decimal, unit: CreditUnit, matcher: Matcher, conversions: Arc<Conversions> },
    Pathway(PathwayId),
}

#[derive(Debug, Clone)]
pub(crate) struct CNode {
    pub kind: CKind,
    /// The author's label, or one generated from the rule (`label`).
    pub label: String,
    pub within: Option<IsoDuration>,
    pub children: Vec<usize>,
    /// Nodes with a `within` on the way from this node to the root, self included.
    pub windows: Vec<usize>,
}

impl CNode {
    pub fn type_name(&self) -> &'static str {
        match self.kind {
            CKind::All => "all",
            CKind::Any => "any",
            CKind::AtLeast(_) => "at_least",
            CKind::Count { .. } => "count",
            CKind::Credits { .. } => "credits",
            CKind::Pathway(_) => "pathway",
        }
    }

    pub fn is_leaf(&self) -> bool {
        matches!(self.kind, CKind::Count { .. } | CKind::Credits { .. })
    }

    /// How many children must hold (internal nodes).
    pub fn needed_children(&self) -> usize {
        match self.kind {
            CKind::All => self.children.len(),
            CKind::AtLeast(n) => n as usize,
            _ => 1,
        }
    }
}

/// An open-addressing hash table from achievement keys (`u128`) to their
/// position in a list; ids are random (UUIDv7 ends in random bits), mixed
/// anyway so that sequential test ids spread too.
#[derive(Debug, Clone, Default)]
pub(crate) struct KeyTable {
    /// Position + 1 of the key in the list, 0 for an empty slot.
    slots: Vec<u32>,
    keys: Vec<u128>,
}

impl KeyTable {
    fn new(keys: impl Iterator<Item = u128>) -> Self {
        let keys: Vec<u128> = keys.collect();
        let size = (keys.len() * 2).next_power_of_two().max(8);
        let mut slots = vec![0u32; size];
        for (i, key) in keys.iter().enumerate() {
            let mut at = Self::hash(*key) & (size - 1);
            while slots.get(at).is_some_and(|s| *s != 0) {
                at = (at + 1) & (size - 1);
            }
            if let Some(s) = slots.get_mut(at) {
                *s = u32::try_from(i + 1).unwrap_or(u32::MAX);
            }
        }
        KeyTable { slots, keys }
    }

    fn hash(key: u128) -> usize {
        let mixed = (key as u64) ^ ((key >> 64) as u64);
        (mixed.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 32) as usize
    }

    /// The position of `key` in the list the table was built from.
    pub fn get(&self, key: u128) -> Option<usize> {
        let mask = self.slots.len().checked_sub(1)?;
        let mut at = Self::hash(key) & mask;
        loop {
            let slot = *self.slots.get(at)?;
            if slot == 0 {
                return None;
            }
            let i = slot as usize - 1;
            if self.keys.get(i) == Some(&key) {
                return Some(i);
            }
            at = (at + 1) & mask;
        }
    }
}

/// One leaf an achievement can fill.
#[derive(Debug, Clone, Copy)]
pub(crate) struct IndexHit {
    pub leaf: usize,
    /// What a credential without credits of its own gives the leaf: 1 for
    /// a count leaf, the achievement's catalog credits in the leaf's unit
    /// for a credits leaf (`None`: nothing).
    pub value: Option<Fixed>,
    /// A credits leaf (a credential's own credits replace `value`).
    pub credits: bool,
    /// The leaf's selector has `earned_after` or `earned_before`.
    pub timed: bool,
}

/// Node 0 is the root.
#[derive(Debug, Clone, Default)]
pub(crate) struct CompiledRule {
    pub nodes: Vec<CNode>,
    pub leaves: Vec<usize>,
    /// Every achievement some leaf accepts (as `u128`) with the range of
    /// `index_leaves` naming those leaves: with `lookup`, one probe per
    /// credential finds every leaf it can fill.
    pub index: Vec<(u128, u32, u32)>,
    pub index_leaves: Vec<IndexHit>,
    /// Finds an achievement's entry in `index` in one probe or two.
    pub lookup: KeyTable,
    /// Per node: what it stands for in the Hall bound when pending (see
    /// `hall`): `all` and nested pathways their children's parts, an
    /// `any`/`at_least` with a real choice and a leaf themselves.
    pub parts: Vec<Vec<usize>>,
    /// Per node: its weight in its parent's progress, the credentials (or
    /// credits nodes: one) it needs (DESIGN.md: means weighted by need).
    pub weights: Vec<f64>,
    /// Some leaf measures credits.
    pub has_credits: bool,
    /// Per leaf node: its minimum as the search counts it (achievements, or
    /// credits as `Fixed`).
    pub need_fixed: Vec<Fixed>,
    /// Per node: one past the last node of its subtree (a node's subtree
    /// is the range of the arena that starts at it).
    pub subtree_end: Vec<usize>,
    /// Every catalog achievement some leaf would accept, sorted (the planner's pool).
    pub candidates: Vec<AchievementId>,
    /// An empty candidate list to share (an `Arc` allocates even when empty).
    pub no_candidates: Arc<[AchievementId]>,
    pub no_names: Arc<[String]>,
}

impl CompiledRule {
    fn finish(&mut self, catalog: &BTreeMap<AchievementId, CatalogEntry>) {
        let mut pairs: Vec<(u128, usize, Option<Fixed>)> = Vec::new();
        for &leaf in &self.leaves {
            match self.nodes.get(leaf).map(|n| &n.kind) {
                Some(CKind::Count { matcher, .. }) => {
                    pairs.extend(matcher.achievements.iter().map(|a| (a.as_uuid().as_u128(), leaf, None)));
                }
                Some(CKind::Credits { matcher, unit, conversions, .. }) => {
                    pairs.extend(matcher.achievements.iter().map(|a| {
                        let value = catalog
                            .get(a)
                            .and_then(|e| e.credits.as_ref())
                            .and_then(|c| convert_credits(c, unit, conversions))
                            .map(|v| to_fixed(v, false));
                        (a.as_uuid().as_u128(), leaf, value)
                    }));
                }
                _ => {}
            }
        }
        pairs.sort_unstable();
        pairs.dedup_by(|b, a| (a.0, a.1) == (b.0, b.1));
        self.index.clear();
        self.index_leaves.clear();
        for (key, leaf, catalog_value) in pairs {
            let at = self.index_leaves.len() as u32;
            let (value, credits, timed) = match self.nodes.get(leaf).map(|n| &n.kind) {
                Some(CKind::Credits { matcher, .. }) => (catalog_value, true, matcher.is_timed()),
                Some(CKind::Count { matcher, .. }) => (Some(1), false, matcher.is_timed()),
                _ => (None, false, false),
            };
            self.index_leaves.push(IndexHit { leaf, value, credits, timed });
            match self.index.last_mut() {
                Some(last) if last.0 == key => last.2 = at + 1,
                _ => self.index.push((key, at, at + 1)),
            }
        }
        self.lookup = KeyTable::new(self.index.iter().map(|e| e.0));
        let len = self.nodes.len();
        let mut parts: Vec<Vec<usize>> = vec![Vec::new(); len];
        // Children come after their parent in the arena: fill bottom-up.
        for i in (0..len).rev() {
            let Some(n) = self.nodes.get(i) else { continue };
            let split = match n.kind {
                CKind::All | CKind::Pathway(_) => true,
                CKind::AtLeast(k) => k as usize >= n.children.len(),
                CKind::Any => n.children.len() == 1,
                CKind::Count { .. } | CKind::Credits { .. } => false,
            };
            let mine = if split { n.children.iter().flat_map(|&c| parts.get(c).cloned().unwrap_or_default()).collect() } else { vec![i] };
            if let Some(slot) = parts.get_mut(i) {
                *slot = mine;
            }
        }
        self.parts = parts;
        let mut weights = vec![1.0; len];
        for i in (0..len).rev() {
            let Some(n) = self.nodes.get(i) else { continue };
            let mut child_w: Vec<f64> = n.children.iter().map(|&c| weights.get(c).copied().unwrap_or(1.0)).collect();
            let w = match &n.kind {
                CKind::Count { min, .. } => f64::from(*min),
                CKind::Credits { .. } | CKind::Pathway(_) => 1.0,
                CKind::All => child_w.iter().sum(),
                CKind::Any | CKind::AtLeast(_) => {
                    child_w.sort_by(f64::total_cmp);
                    child_w.iter().take(n.needed_children()).sum()
                }
            };
            if let Some(slot) = weights.get_mut(i) {
                *slot = f64::max(w, 1.0);
            }
        }
        self.weights = weights;
        self.has_credits = self.nodes.iter().any(|n| matches!(n.kind, CKind::Credits { .. }));
        self.need_fixed = self
            .nodes
            .iter()
            .map(|n| match &n.kind {
                CKind::Count { min, .. } => Fixed::from(*min),
                CKind::Credits { min, .. } => to_fixed(*min, true),
                _ => 0,
            })
            .collect();
        let mut subtree_end: Vec<usize> = (1..=len).collect();
        for i in (0..len).rev() {
            let end = self.nodes.get(i).and_then(|n| n.children.last()).and_then(|&c| subtree_end.get(c).copied());
            if let (Some(end), Some(slot)) = (end, subtree_end.get_mut(i)) {
                *slot = end;
            }
        }
        self.subtree_end = subtree_end;
        self.candidates = self.all_candidates();
        self.no_candidates = Arc::from([]);
        self.no_names = Arc::from([]);
    }

    fn all_candidates(&self) -> Vec<AchievementId> {
        let mut out: Vec<AchievementId> = self
            .nodes
            .iter()
            .filter_map(|n| match &n.kind {
                CKind::Count { matcher, .. } | CKind::Credits { matcher, .. } => Some(matcher.achievements.iter()),
                _ => None,
            })
            .flatten()
            .copied()
            .collect();
        out.sort_unstable();
        out.dedup();
        out
    }
}

pub(crate) fn compile(
    pathway: &Pathway,
    pathways: &BTreeMap<PathwayId, Pathway>,
    catalog: &BTreeMap<AchievementId, CatalogEntry>,
) -> Result<CompiledRule, GraphError> {
    let mut out = CompiledRule::default();
    let mut stack = vec![pathway.id];
    add_pathway(pathway, pathways, catalog, &mut out, &mut stack, &[])?;
    out.finish(catalog);
    Ok(out)
}

fn add_pathway(
    pathway: &Pathway,
    pathways: &BTreeMap<PathwayId, Pathway>,
    catalog: &BTreeMap<AchievementId, CatalogEntry>,
    out: &mut CompiledRule,
    stack: &mut Vec<PathwayId>,
    windows: &[usize],
) -> Result<usize, GraphError> {
    let conversions = Arc::new(pathway.rule.conversions.clone());
    let ctx = Ctx { pathways, catalog, conversions, award: pathway.rule.award };
    add_node(&pathway.rule.requirement, &ctx, out, stack, windows)
}

struct Ctx<'a> {
    pathways: &'a BTreeMap<PathwayId, Pathway>,
    catalog: &'a BTreeMap<AchievementId, CatalogEntry>,
    conversions: Arc<Conversions>,
    /// A pathway's selectors never count its own award.
    award: AchievementId,
}

fn add_node(req: &Requirement, ctx: &Ctx<'_>, out: &mut CompiledRule, stack: &mut Vec<PathwayId>, windows: &[usize]) -> Result<usize, GraphError> {
    if out.nodes.len() >= MAX_COMPILED_NODES {
        return Err(GraphError::TooLarge { reason: format!("more than {MAX_COMPILED_NODES} requirement nodes") });
    }
    let index = out.nodes.len();
    let mut my_windows = windows.to_vec();
    if req.within.is_some() {
        my_windows.push(index);
    }
    let kind = match &req.kind {
        RequirementKind::All { .. } => CKind::All,
        RequirementKind::Any { .. } => CKind::Any,
        RequirementKind::AtLeast { min, .. } => CKind::AtLeast(*min),
        RequirementKind::Count { min, selector } => CKind::Count { min: *min, matcher: Matcher::resolve(selector, ctx.catalog.values(), ctx.award) },
        RequirementKind::Credits { min, unit, selector } => CKind::Credits {
            min: *min,
            unit: unit.clone(),
            matcher: Matcher::resolve(selector, ctx.catalog.values(), ctx.award),
            conversions: Arc::clone(&ctx.conversions),
        },
        RequirementKind::Pathway { pathway } => CKind::Pathway(*pathway),
    };
    out.nodes.push(CNode {
        kind,
        label: crate::label::label(req, ctx.catalog, ctx.pathways),
        within: req.within,
        children: Vec::new(),
        windows: my_windows.clone(),
    });
    if out.nodes.get(index).is_some_and(CNode::is_leaf) {
        out.leaves.push(index);
    }
    let mut children = Vec::new();
    match &req.kind {
        RequirementKind::Pathway { pathway } => {
            let Some(nested) = ctx.pathways.get(pathway) else {
                return Err(GraphError::UnknownPathway { path: String::new(), id: *pathway });
            };
            if stack.contains(pathway) || stack.len() >= MAX_NESTING {
                return Err(GraphError::TooLarge { reason: format!("pathways nest deeper than {MAX_NESTING} levels or in a cycle") });
            }
            stack.push(*pathway);
            children.push(add_pathway(nested, ctx.pathways, ctx.catalog, out, stack, &my_windows)?);
            stack.pop();
        }
        _ => {
            for child in req.children() {
                children.push(add_node(child, ctx, out, stack, &my_windows)?);
            }
        }
    }
    if let Some(node) = out.nodes.get_mut(index) {
        node.children = children;
    }
    Ok(index)
}
