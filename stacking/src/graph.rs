//! The pathway graph: achievements and pathways as nodes, with
//! "contributes to" (achievement → pathway, selectors resolved against the
//! catalog), "requires" (nested pathway → parent) and "awards" (pathway → its
//! award achievement) edges. Registration validates a pathway (semantic 7).
//!
//! Cycles are looked for among pathway dependencies: a `pathway` node, or a
//! selector that names another pathway's award achievement explicitly
//! (`achievement` / `achievements`). Broad selectors (type, tags, issuer) are
//! left out of cycle detection on purpose: "3 badges of this issuer" would
//! otherwise be a cycle as soon as the issuer's awards are badges. A pathway's
//! selectors never match its own award.

use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::fmt::Write as _;

use cairn_domain::{AchievementId, PathwayId};
use petgraph::Direction;
use petgraph::stable_graph::{NodeIndex, StableDiGraph};
use petgraph::visit::{EdgeRef, IntoEdgeReferences};
use serde::Serialize;

use crate::compile::{CKind, CompiledRule, compile};
use crate::error::GraphError;
use crate::input::{CatalogEntry, Pathway};
use crate::rule::{Requirement, RequirementKind};
use crate::selector::{Matcher, matches_entry};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(tag = "kind", content = "id", rename_all = "lowercase")]
pub enum GraphNode {
    Achievement(AchievementId),
    Pathway(PathwayId),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum EdgeKind {
    /// A credential of the achievement can count toward the pathway.
    ContributesTo,
    /// The (source) pathway is nested in the (target) pathway.
    Requires,
    /// The pathway awards the achievement.
    Awards,
}

/// Catalog and pathways, validated and compiled. Cheap to query; rebuild or
/// `register` when a pathway or the catalog changes.
#[derive(Debug, Clone, Default)]
pub struct PathwayGraph {
    catalog: BTreeMap<AchievementId, CatalogEntry>,
    pathways: BTreeMap<PathwayId, Pathway>,
    pub(crate) compiled: BTreeMap<PathwayId, CompiledRule>,
    graph: StableDiGraph<GraphNode, EdgeKind>,
    index: BTreeMap<GraphNode, NodeIndex>,
}

impl PathwayGraph {
    /// A graph over a catalog, with no pathways yet.
    pub fn new(catalog: impl IntoIterator<Item = CatalogEntry>) -> Self {
        let mut g = PathwayGraph { catalog: catalog.into_iter().map(|e| (e.id, e)).collect(), ..Default::default() };
        g.rebuild_edges();
        g
    }

    /// A graph with every pathway registered; the order of `pathways` does
    /// not matter. Fails on the first invalid pathway (by id order).
    pub fn build(catalog: impl IntoIterator<Item = CatalogEntry>, pathways: impl IntoIterator<Item = Pathway>) -> Result<Self, GraphError> {
        Self::assemble(catalog, pathways, Self::validate)
    }

    /// The stored graph: every pathway checked for what compiling and
    /// evaluating need (known ids, no cycle), not re-judged for whether it can
    /// be satisfied. That judgement is made at registration and can grow
    /// stricter between versions; a rule stored under an older one must not
    /// stop the graph from loading (it then simply never completes).
    pub fn load(catalog: impl IntoIterator<Item = CatalogEntry>, pathways: impl IntoIterator<Item = Pathway>) -> Result<Self, GraphError> {
        Self::assemble(catalog, pathways, Self::validate_structure)
    }

    /// Every pathway checked with `validate` (in id order), then compiled.
    fn assemble(
        catalog: impl IntoIterator<Item = CatalogEntry>,
        pathways: impl IntoIterator<Item = Pathway>,
        validate: fn(&Self, &Pathway) -> Result<(), GraphError>,
    ) -> Result<Self, GraphError> {
        let mut g = PathwayGraph::new(catalog);
        g.pathways = pathways.into_iter().map(|p| (p.id, p)).collect();
        for p in g.pathways.values() {
            validate(&g, p)?;
        }
        g.recompile()?;
        Ok(g)
    }

    /// Validates `pathway` against the current catalog and pathways (as if it
    /// replaced the one with the same id) without changing the graph.
    pub fn check(&self, pathway: &Pathway) -> Result<(), GraphError> {
        let mut next = self.clone();
        next.pathways.insert(pathway.id, pathway.clone());
        next.validate(pathway)?;
        next.check_dependents(pathway.id)?;
        next.recompile()
    }

    /// Adds or replaces (an update) a pathway after validating it.
    pub fn register(&mut self, pathway: Pathway) -> Result<(), GraphError> {
        let mut next = self.clone();
        next.pathways.insert(pathway.id, pathway.clone());
        next.validate(&pathway)?;
        next.check_dependents(pathway.id)?;
        next.recompile()?;
        *self = next;
        Ok(())
    }

    /// Removes a pathway (fails when another pathway nests it).
    pub fn remove(&mut self, id: PathwayId) -> Result<Option<Pathway>, GraphError> {
        if let Some(parent) = self.pathways.values().find(|p| p.id != id && self.deps(p).contains(&id)) {
            return Err(GraphError::InUse { id, by: parent.rule.key.clone() });
        }
        let removed = self.pathways.remove(&id);
        self.recompile()?;
        Ok(removed)
    }

    /// Adds or replaces a catalog entry and re-resolves every selector.
    pub fn upsert_achievement(&mut self, entry: CatalogEntry) -> Result<(), GraphError> {
        self.catalog.insert(entry.id, entry);
        self.recompile()
    }

    pub fn catalog(&self) -> &BTreeMap<AchievementId, CatalogEntry> {
        &self.catalog
    }

    pub fn pathway(&self, id: PathwayId) -> Option<&Pathway> {
        self.pathways.get(&id)
    }

    /// Every pathway, by id.
    pub fn pathways(&self) -> impl Iterator<Item = &Pathway> {
        self.pathways.values()
    }

    /// Pathways ordered so that a nested pathway (or one whose award another
    /// names) comes before the pathways that depend on it; ties by id.
    pub fn topological_order(&self) -> Vec<PathwayId> {
        let mut indegree: BTreeMap<PathwayId, usize> = self.pathways.keys().map(|id| (*id, 0)).collect();
        let mut dependents: BTreeMap<PathwayId, Vec<PathwayId>> = BTreeMap::new();
        for p in self.pathways.values() {
            for dep in self.deps(p) {
                if let Some(d) = indegree.get_mut(&p.id) {
                    *d += 1;
                }
                dependents.entry(dep).or_default().push(p.id);
            }
        }
        let mut ready: BTreeSet<PathwayId> = indegree.iter().filter(|(_, d)| **d == 0).map(|(id, _)| *id).collect();
        let mut order = Vec::with_capacity(self.pathways.len());
        while let Some(id) = ready.pop_first() {
            order.push(id);
            for dependent in dependents.get(&id).into_iter().flatten() {
                if let Some(d) = indegree.get_mut(dependent) {
                    *d = d.saturating_sub(1);
                    if *d == 0 {
                        ready.insert(*dependent);
                    }
                }
            }
        }
        order
    }

    /// Pathways whose outcome can change when a credential of `achievement`
    /// is issued, revoked, suspended or expires: those whose selectors match
    /// it, and transitively those nesting them or counting their awards.
    pub fn affected_by_achievement(&self, achievement: AchievementId) -> Vec<PathwayId> {
        self.downstream(GraphNode::Achievement(achievement)).into_iter().collect()
    }

    /// Pathways whose outcome can change when pathway `pathway`'s rule
    /// changes: the pathway itself, and transitively those nesting it or
    /// counting its awards.
    pub fn affected_by_pathway(&self, pathway: PathwayId) -> Vec<PathwayId> {
        let mut out = self.downstream(GraphNode::Pathway(pathway));
        if let Some(p) = self.pathways.get(&pathway) {
            out.extend(self.downstream(GraphNode::Achievement(p.rule.award)));
            out.insert(pathway);
        }
        out.into_iter().collect()
    }

    /// The pathways reachable from `from` along the graph's edges.
    fn downstream(&self, from: GraphNode) -> BTreeSet<PathwayId> {
        let Some(start) = self.index.get(&from) else {
            return BTreeSet::new();
        };
        let mut seen = BTreeSet::new();
        let mut queue = VecDeque::from([*start]);
        let mut out = BTreeSet::new();
        while let Some(node) = queue.pop_front() {
            for edge in self.graph.edges_directed(node, Direction::Outgoing) {
                let target = edge.target();
                if seen.insert(target) {
                    if let Some(GraphNode::Pathway(id)) = self.graph.node_weight(target) {
                        out.insert(*id);
                    }
                    queue.push_back(target);
                }
            }
        }
        out
    }

    /// The graph as `{nodes: [...], edges: [...]}`; with `focus`, only the
    /// pathway, what it nests and the achievements that contribute.
    pub fn to_json(&self, focus: Option<PathwayId>) -> serde_json::Value {
        let (nodes, edges) = self.view(focus);
        let nodes: Vec<serde_json::Value> = nodes
            .iter()
            .map(|n| {
                let (kind, id, label) = self.describe(n);
                serde_json::json!({"id": id, "kind": kind, "label": label})
            })
            .collect();
        let edges: Vec<serde_json::Value> =
            edges.iter().map(|(a, b, k)| serde_json::json!({"from": self.describe(a).1, "to": self.describe(b).1, "kind": k})).collect();
        serde_json::json!({"nodes": nodes, "edges": edges})
    }

    /// The same view as Graphviz DOT.
    pub fn to_dot(&self, focus: Option<PathwayId>) -> String {
        let (nodes, edges) = self.view(focus);
        let mut out = String::from("digraph pathways {\n  rankdir=LR;\n");
        for n in &nodes {
            let (kind, id, label) = self.describe(n);
            let shape = if kind == "pathway" { "box" } else { "ellipse" };
            let _ = writeln!(out, "  \"{id}\" [shape={shape}, label=\"{}\"];", dot_escape(&label));
        }
        for (a, b, k) in &edges {
            let style = match k {
                EdgeKind::ContributesTo => "solid",
                EdgeKind::Requires => "bold",
                EdgeKind::Awards => "dashed",
            };
            let _ = writeln!(out, "  \"{}\" -> \"{}\" [style={style}];", self.describe(a).1, self.describe(b).1);
        }
        out.push_str("}\n");
        out
    }

    fn describe(&self, node: &GraphNode) -> (&'static str, String, String) {
        match node {
            GraphNode::Achievement(id) => {
                // The name; an unnamed achievement by its type and id.
                let label = match self.catalog.get(id) {
                    Some(e) if !e.name.trim().is_empty() => e.name.clone(),
                    Some(e) => format!("{} {id}", e.achievement_type),
                    None => id.to_string(),
                };
                ("achievement", id.to_string(), label)
            }
            GraphNode::Pathway(id) => {
                let label = self.pathways.get(id).map(|p| p.rule.name.clone()).unwrap_or_default();
                ("pathway", id.to_string(), label)
            }
        }
    }

    fn view(&self, focus: Option<PathwayId>) -> (Vec<GraphNode>, Vec<(GraphNode, GraphNode, EdgeKind)>) {
        let mut all_edges: Vec<(GraphNode, GraphNode, EdgeKind)> = (&self.graph)
            .edge_references()
            .filter_map(|e| Some((*self.graph.node_weight(e.source())?, *self.graph.node_weight(e.target())?, *e.weight())))
            .collect();
        all_edges.sort_by_key(|(a, b, k)| (*a, *b, *k as u8));
        let keep: BTreeSet<GraphNode> = match focus {
            None => self.index.keys().copied().collect(),
            Some(root) => {
                // Walk backwards from the pathway through what feeds it.
                let mut keep = BTreeSet::from([GraphNode::Pathway(root)]);
                let mut queue = VecDeque::from([GraphNode::Pathway(root)]);
                while let Some(n) = queue.pop_front() {
                    for (a, b, k) in &all_edges {
                        if *b == n
                            && *k != EdgeKind::Awards
                            && keep.insert(*a)
                            && let GraphNode::Pathway(_) = a
                        {
                            queue.push_back(*a);
                        }
                    }
                }
                if let Some(p) = self.pathways.get(&root) {
                    keep.insert(GraphNode::Achievement(p.rule.award));
                }
                keep
            }
        };
        let edges = all_edges.into_iter().filter(|(a, b, _)| keep.contains(a) && keep.contains(b)).collect();
        (keep.into_iter().collect(), edges)
    }

    /// Pathways `p` depends on (for cycles and ordering).
    fn deps(&self, p: &Pathway) -> BTreeSet<PathwayId> {
        let awards: BTreeMap<AchievementId, PathwayId> = self.pathways.values().map(|q| (q.rule.award, q.id)).collect();
        let mut out = BTreeSet::new();
        p.rule.requirement.walk("", &mut |node, _| match &node.kind {
            RequirementKind::Pathway { pathway } => {
                out.insert(*pathway);
            }
            RequirementKind::Count { selector, .. } | RequirementKind::Credits { selector, .. } => {
                for a in selector.named_achievements() {
                    if let Some(q) = awards.get(a) {
                        out.insert(*q);
                    }
                }
            }
            _ => {}
        });
        out
    }

    fn validate(&self, p: &Pathway) -> Result<(), GraphError> {
        self.validate_structure(p)?;
        self.check_satisfiable(&p.rule.requirement, "requirement", p.rule.award)?;
        self.check_dates(p, None)
    }

    /// Known award, key, ids, and no cycle.
    fn validate_structure(&self, p: &Pathway) -> Result<(), GraphError> {
        let award = self.catalog.get(&p.rule.award).ok_or(GraphError::UnknownAchievement { path: "award".into(), id: p.rule.award })?;
        if award.issuer != p.issuer {
            return Err(GraphError::AwardNotOwned { id: award.id });
        }
        if let Some(other) = self.pathways.values().find(|q| q.id != p.id && q.issuer == p.issuer && q.rule.key == p.rule.key) {
            return Err(GraphError::DuplicateKey { key: other.rule.key.clone() });
        }
        // Unknown ids, with their path.
        let mut problem = None;
        p.rule.requirement.walk("requirement", &mut |node, path| {
            if problem.is_some() {
                return;
            }
            match &node.kind {
                RequirementKind::Pathway { pathway } if *pathway != p.id && !self.pathways.contains_key(pathway) => {
                    problem = Some(GraphError::UnknownPathway { path: format!("{path}.pathway"), id: *pathway });
                }
                RequirementKind::Count { selector, .. } | RequirementKind::Credits { selector, .. } => {
                    if let Some(a) = selector.achievement.filter(|a| !self.catalog.contains_key(a)) {
                        problem = Some(GraphError::UnknownAchievement { path: format!("{path}.where.achievement"), id: a });
                    }
                    for (i, a) in selector.achievements.iter().flatten().enumerate() {
                        if problem.is_none() && !self.catalog.contains_key(a) {
                            problem = Some(GraphError::UnknownAchievement { path: format!("{path}.where.achievements[{i}]"), id: *a });
                        }
                    }
                }
                _ => {}
            }
        });
        if let Some(problem) = problem {
            return Err(problem);
        }
        if let Some(cycle) = self.find_cycle(p.id) {
            return Err(GraphError::Cycle { cycle });
        }
        Ok(())
    }

    /// Date feasibility (`feasibility`): the `earned_after` / `earned_before`
    /// dates fit the `within` windows above them, nested pathways included.
    /// `nests` names the pathway being registered when `p` is one that nests
    /// it (an update of a nested pathway may make its parents impossible).
    fn check_dates(&self, p: &Pathway, nests: Option<PathwayId>) -> Result<(), GraphError> {
        crate::feasibility::check(p, &|id| self.pathways.get(&id)).map_err(|e| GraphError::Unsatisfiable {
            path: match nests {
                Some(_) => format!("pathway `{}` (which nests this one) {}", p.rule.key, e.path),
                None => e.path,
            },
            reason: e.reason,
        })
    }

    /// The pathways that nest `id`, directly or not, must still be feasible
    /// once `id` changed.
    fn check_dependents(&self, id: PathwayId) -> Result<(), GraphError> {
        let deps: Vec<(PathwayId, BTreeSet<PathwayId>)> = self.pathways.values().map(|q| (q.id, self.deps(q))).collect();
        let mut reached = BTreeSet::from([id]);
        loop {
            let before = reached.len();
            for (q, d) in &deps {
                if !reached.contains(q) && d.iter().any(|x| reached.contains(x)) {
                    reached.insert(*q);
                }
            }
            if reached.len() == before {
                break;
            }
        }
        reached.remove(&id);
        for q in reached {
            if let Some(parent) = self.pathways.get(&q) {
                self.check_dates(parent, Some(id))?;
            }
        }
        Ok(())
    }

    /// A dependency path from `start` back to itself, as pathway keys.
    fn find_cycle(&self, start: PathwayId) -> Option<Vec<String>> {
        fn dfs(g: &PathwayGraph, node: PathwayId, start: PathwayId, path: &mut Vec<PathwayId>, done: &mut BTreeSet<PathwayId>) -> bool {
            let Some(p) = g.pathways.get(&node) else { return false };
            for dep in g.deps(p) {
                if dep == start {
                    path.push(dep);
                    return true;
                }
                if done.insert(dep) {
                    path.push(dep);
                    if dfs(g, dep, start, path, done) {
                        return true;
                    }
                    path.pop();
                }
            }
            false
        }
        let mut path = vec![start];
        let mut done = BTreeSet::new();
        if dfs(self, start, start, &mut path, &mut done) {
            Some(path.iter().map(|id| self.pathways.get(id).map(|p| p.rule.key.clone()).unwrap_or_else(|| id.to_string())).collect())
        } else {
            None
        }
    }

    /// Static satisfiability: can this node hold with the catalog as it is,
    /// if the learner earned everything? Nested pathways were checked at
    /// their own registration.
    fn check_satisfiable(&self, req: &Requirement, path: &str, award: AchievementId) -> Result<(), GraphError> {
        let unsat = |reason: String| Err(GraphError::Unsatisfiable { path: path.to_owned(), reason });
        match &req.kind {
            RequirementKind::Count { min, selector } => {
                let matching = Matcher::resolve(selector, self.catalog.values(), award).achievements.len();
                if (*min as usize) > matching {
                    return unsat(format!("needs {min} distinct achievements but only {matching} in the catalog match"));
                }
                Ok(())
            }
            RequirementKind::Credits { min, unit, selector } => {
                let entries: Vec<&CatalogEntry> = self.catalog.values().filter(|e| e.id != award && matches_entry(selector, e)).collect();
                // The catalog amounts are no upper bound: an issuer may
                // record `credits_earned` (any amount, any unit) on a
                // credential, and evaluation honours it, so one matching
                // achievement can satisfy any minimum in any unit.
                if entries.is_empty() {
                    return unsat(format!("needs {} {unit} but no achievement in the catalog matches", min.normalize()));
                }
                Ok(())
            }
            RequirementKind::Pathway { .. } => Ok(()),
            RequirementKind::All { of } | RequirementKind::Any { of } | RequirementKind::AtLeast { of, .. } => {
                let mut ok = 0usize;
                let mut first_err = None;
                for (i, child) in of.iter().enumerate() {
                    match self.check_satisfiable(child, &format!("{path}.of[{i}]"), award) {
                        Ok(()) => ok += 1,
                        Err(e) => {
                            if first_err.is_none() {
                                first_err = Some(e);
                            }
                        }
                    }
                }
                let need = match &req.kind {
                    RequirementKind::All { .. } => of.len(),
                    RequirementKind::AtLeast { min, .. } => *min as usize,
                    _ => 1,
                };
                match first_err {
                    Some(e) if ok < need => Err(e),
                    _ => Ok(()),
                }
            }
        }
    }

    fn recompile(&mut self) -> Result<(), GraphError> {
        let mut compiled = BTreeMap::new();
        for p in self.pathways.values() {
            compiled.insert(p.id, compile(p, &self.pathways, &self.catalog)?);
        }
        self.compiled = compiled;
        self.rebuild_edges();
        Ok(())
    }

    fn rebuild_edges(&mut self) {
        let mut graph = StableDiGraph::new();
        let mut index = BTreeMap::new();
        for id in self.catalog.keys() {
            let n = GraphNode::Achievement(*id);
            index.insert(n, graph.add_node(n));
        }
        for id in self.pathways.keys() {
            let n = GraphNode::Pathway(*id);
            index.insert(n, graph.add_node(n));
        }
        for p in self.pathways.values() {
            let Some(&pn) = index.get(&GraphNode::Pathway(p.id)) else { continue };
            if let Some(&an) = index.get(&GraphNode::Achievement(p.rule.award)) {
                graph.add_edge(pn, an, EdgeKind::Awards);
            }
            // Only this pathway's own nodes: nested ones reach it via `Requires`.
            let mut contributing = BTreeSet::new();
            let mut nested = BTreeSet::new();
            if let Some(rule) = self.compiled.get(&p.id) {
                collect_own(rule, 0, &mut contributing, &mut nested);
            }
            for a in contributing {
                if let Some(&an) = index.get(&GraphNode::Achievement(a)) {
                    graph.add_edge(an, pn, EdgeKind::ContributesTo);
                }
            }
            for q in nested {
                if let Some(&qn) = index.get(&GraphNode::Pathway(q)) {
                    graph.add_edge(qn, pn, EdgeKind::Requires);
                }
            }
        }
        self.graph = graph;
        self.index = index;
    }
}

fn collect_own(rule: &CompiledRule, node: usize, achievements: &mut BTreeSet<AchievementId>, nested: &mut BTreeSet<PathwayId>) {
    let Some(n) = rule.nodes.get(node) else { return };
    match &n.kind {
        CKind::Count { matcher, .. } | CKind::Credits { matcher, .. } => {
            achievements.extend(matcher.achievements.iter().copied());
        }
        CKind::Pathway(q) => {
            nested.insert(*q);
            return;
        }
        _ => {}
    }
    for &c in &n.children {
        collect_own(rule, c, achievements, nested);
    }
}

fn dot_escape(text: &str) -> String {
    text.replace('\\', "\\\\").replace('"', "\\\"")
}
