//! The pathway map: an SVG the server draws from a pathway's explanation
//! tree (the rule compiled against the catalog: requirement nodes, nested
//! pathways, and the catalog achievements that count at each leaf), laid out
//! as a layered tree. Pure: the tree and the learner's states in, markup
//! out. Each state has a colour, a line pattern and a text mark, so colour
//! is never the only signal; the page's legend names them.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use cairn_domain::{AchievementId, PathwayId};
use cairn_stacking::{CredentialFact, Explanation};
use chrono::{DateTime, Utc};

/// What a node means for the learner (`none`: no learner).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NodeState {
    Used,
    Held,
    Missing,
    Expired,
    Revoked,
    None,
}

impl NodeState {
    pub fn as_str(self) -> &'static str {
        match self {
            NodeState::Used => "used",
            NodeState::Held => "held",
            NodeState::Missing => "missing",
            NodeState::Expired => "expired",
            NodeState::Revoked => "revoked",
            NodeState::None => "none",
        }
    }

    /// The text cue drawn before the label.
    pub fn mark(self) -> &'static str {
        match self {
            NodeState::Used => "✓ ",
            NodeState::Held => "– ",
            NodeState::Missing => "○ ",
            NodeState::Expired => "⌛ ",
            NodeState::Revoked => "✗ ",
            NodeState::None => "",
        }
    }

    /// (fill, stroke, dash pattern)
    fn paint(self) -> (&'static str, &'static str, &'static str) {
        match self {
            NodeState::Used => ("#e4f4ea", "#1e6b3a", ""),
            NodeState::Held => ("#e8eef7", "#2f4b73", ""),
            NodeState::Missing => ("#ffffff", "#4a5568", "6 4"),
            NodeState::Expired => ("#fdf1dc", "#7a4b00", "2 3"),
            NodeState::Revoked => ("#fbe8e8", "#a31d1d", "2 3"),
            NodeState::None => ("#ffffff", "#2f4b73", ""),
        }
    }
}

/// Every achievement of the tree with its state for a learner holding
/// `facts` at `now`: used when a credential of it counts in the tree, held
/// when a credential of it is valid but does not count, else expired,
/// revoked or missing.
pub fn states(root: &Explanation, facts: &[CredentialFact], now: DateTime<Utc>) -> BTreeMap<AchievementId, NodeState> {
    let mut used = Vec::new();
    let mut candidates = Vec::new();
    collect(root, &mut used, &mut candidates);
    candidates
        .into_iter()
        .map(|a| {
            let held: Vec<&CredentialFact> = facts.iter().filter(|f| f.achievement == a).collect();
            let state = if held.iter().any(|f| used.contains(&f.id)) {
                NodeState::Used
            } else if held.iter().any(|f| f.revoked_at.is_none_or(|r| r > now) && f.valid_until.is_none_or(|v| v > now)) {
                NodeState::Held
            } else if held.iter().any(|f| f.valid_until.is_some_and(|v| v <= now)) {
                NodeState::Expired
            } else if held.is_empty() {
                NodeState::Missing
            } else {
                NodeState::Revoked
            };
            (a, state)
        })
        .collect()
}

fn collect(node: &Explanation, used: &mut Vec<cairn_domain::CredentialId>, candidates: &mut Vec<AchievementId>) {
    used.extend(node.used.iter().copied());
    candidates.extend(node.candidates.iter().copied());
    for child in &node.of {
        collect(child, used, candidates);
    }
}

/// At most this many achievements drawn under one requirement.
const MAX_LEAVES: usize = 12;
const NODE_W: f64 = 168.0;
const NODE_H: f64 = 48.0;
const COL: f64 = 184.0;
const ROW: f64 = 92.0;
const MARGIN: f64 = 8.0;

enum Shape {
    Pathway { id: PathwayId, name: String, state: NodeState },
    Requirement { label: String, met: Option<bool> },
    Achievement { id: AchievementId, name: String, state: NodeState },
    More(usize),
}

struct Tree {
    shape: Shape,
    children: Vec<Tree>,
}

/// The map of pathway `pathway` (named `name`) whose rule is `root`;
/// `states` is None without a learner. `id` prefixes the SVG's element ids
/// (a page can show several maps).
pub fn render(
    id: &str,
    pathway: PathwayId,
    name: &str,
    root: &Explanation,
    states: Option<&BTreeMap<AchievementId, NodeState>>,
    title: &str,
) -> String {
    let learner = states.is_some();
    let pathway_state = |met: bool| {
        if !learner {
            NodeState::None
        } else if met {
            NodeState::Used
        } else {
            NodeState::Missing
        }
    };
    let tree = Tree {
        shape: Shape::Pathway { id: pathway, name: name.to_owned(), state: pathway_state(root.satisfied) },
        children: vec![build(root, states, learner)],
    };
    let mut laid = Vec::new();
    let mut slot = 0usize;
    let depth = layout(&tree, 0, &mut slot, &mut laid, None);
    let width = MARGIN * 2.0 + (slot.max(1) as f64 - 1.0) * COL + NODE_W;
    let height = MARGIN * 2.0 + depth as f64 * ROW + NODE_H;
    let mut svg = String::new();
    let _ = write!(
        svg,
        r#"<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-labelledby="{id}-title" viewBox="0 0 {width} {height}" width="{width}" height="{height}" font-family="system-ui, sans-serif" font-size="13"><title id="{id}-title">{}</title>"#,
        escape(title)
    );
    for node in &laid {
        // From the parent's bottom centre to the child's top centre.
        if let Some((px, py)) = node.parent {
            let _ = write!(
                svg,
                r##"<line x1="{}" y1="{}" x2="{}" y2="{}" stroke="#4a5568" stroke-width="1.5"/>"##,
                px,
                py + NODE_H,
                node.x + NODE_W / 2.0,
                node.y
            );
        }
    }
    for node in &laid {
        draw(&mut svg, node);
    }
    svg.push_str("</svg>");
    svg
}

fn build(e: &Explanation, states: Option<&BTreeMap<AchievementId, NodeState>>, learner: bool) -> Tree {
    if e.kind == "pathway"
        && let Some(id) = e.pathway
    {
        let state = if !learner {
            NodeState::None
        } else if e.satisfied {
            NodeState::Used
        } else {
            NodeState::Missing
        };
        let name = e.label.strip_prefix("the pathway ").unwrap_or(&e.label).to_owned();
        return Tree { shape: Shape::Pathway { id, name, state }, children: e.of.iter().map(|c| build(c, states, learner)).collect() };
    }
    let mut children: Vec<Tree> = e.of.iter().map(|c| build(c, states, learner)).collect();
    for (i, (a, n)) in e.candidates.iter().zip(e.candidate_names.iter()).enumerate() {
        if i == MAX_LEAVES {
            children.push(Tree { shape: Shape::More(e.candidates.len() - MAX_LEAVES), children: Vec::new() });
            break;
        }
        let state = states.map_or(NodeState::None, |s| s.get(a).copied().unwrap_or(NodeState::Missing));
        children.push(Tree { shape: Shape::Achievement { id: *a, name: n.clone(), state }, children: Vec::new() });
    }
    Tree { shape: Shape::Requirement { label: e.label.clone(), met: learner.then_some(e.satisfied) }, children }
}

struct Laid<'a> {
    shape: &'a Shape,
    /// Top-left corner.
    x: f64,
    y: f64,
    parent: Option<(f64, f64)>,
}

/// Leaves take the next column; a parent sits above the middle of its
/// children. Returns the deepest layer.
fn layout<'a>(tree: &'a Tree, depth: usize, slot: &mut usize, out: &mut Vec<Laid<'a>>, parent: Option<usize>) -> usize {
    let index = out.len();
    out.push(Laid { shape: &tree.shape, x: 0.0, y: MARGIN + depth as f64 * ROW, parent: None });
    let mut deepest = depth;
    let first = *slot;
    for child in &tree.children {
        deepest = deepest.max(layout(child, depth + 1, slot, out, Some(index)));
    }
    let column = if tree.children.is_empty() {
        *slot += 1;
        first as f64
    } else {
        (first as f64 + (*slot as f64 - 1.0)) / 2.0
    };
    let x = MARGIN + column * COL;
    if let Some(me) = out.get_mut(index) {
        me.x = x;
    }
    // Children point to their parent's bottom centre once it is placed.
    let centre = x + NODE_W / 2.0;
    let y = MARGIN + depth as f64 * ROW;
    for node in out.iter_mut().skip(index + 1) {
        if node.parent.is_none() && node.y == y + ROW {
            node.parent = Some((centre, y));
        }
    }
    let _ = parent;
    deepest
}

fn draw(svg: &mut String, node: &Laid<'_>) {
    let (x, y) = (node.x, node.y);
    let (open, state, text, radius) = match node.shape {
        Shape::Pathway { id, name, state } => {
            (format!(r#"<g class="node pathway" data-node="{id}" data-state="{}">"#, state.as_str()), *state, name.clone(), 4.0)
        }
        Shape::Achievement { id, name, state } => {
            (format!(r#"<g class="node achievement" data-node="{id}" data-state="{}">"#, state.as_str()), *state, name.clone(), 22.0)
        }
        Shape::Requirement { label, met } => {
            let (mark, attr) = match met {
                Some(true) => ("✓ ", r#" data-met="true""#),
                Some(false) => ("○ ", r#" data-met="false""#),
                None => ("", ""),
            };
            (format!(r#"<g class="requirement"{attr}>"#), NodeState::None, format!("{mark}{label}"), 0.0)
        }
        Shape::More(n) => (r#"<g class="more">"#.to_owned(), NodeState::None, crate::web::words::more_achievements(*n), 0.0),
    };
    let label = match node.shape {
        Shape::Pathway { .. } | Shape::Achievement { .. } => format!("{}{text}", state.mark()),
        _ => text,
    };
    let (fill, stroke, dash) = state.paint();
    svg.push_str(&open);
    let _ = write!(svg, "<title>{}</title>", escape(&label));
    let dash = if dash.is_empty() { String::new() } else { format!(r#" stroke-dasharray="{dash}""#) };
    let _ = write!(
        svg,
        r#"<rect x="{x}" y="{y}" width="{NODE_W}" height="{NODE_H}" rx="{radius}" fill="{fill}" stroke="{stroke}" stroke-width="2"{dash}/>"#
    );
    let lines = wrap(&label, 22, 2);
    let count = lines.len() as f64;
    for (i, line) in lines.iter().enumerate() {
        let ty = y + NODE_H / 2.0 + (i as f64 - (count - 1.0) / 2.0) * 16.0 + 4.5;
        let _ = write!(svg, r##"<text x="{}" y="{ty}" text-anchor="middle" fill="#1d2433">{}</text>"##, x + NODE_W / 2.0, escape(line));
    }
    svg.push_str("</g>");
}

/// Up to `lines` lines of up to `width` characters; the rest cut with "…".
fn wrap(text: &str, width: usize, lines: usize) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut current = String::new();
    for word in text.split_whitespace() {
        if !current.is_empty() && current.chars().count() + 1 + word.chars().count() > width {
            out.push(std::mem::take(&mut current));
        }
        if !current.is_empty() {
            current.push(' ');
        }
        current.push_str(word);
    }
    if !current.is_empty() {
        out.push(current);
    }
    if out.len() > lines {
        out.truncate(lines);
        if let Some(last) = out.last_mut() {
            last.push('…');
        }
    }
    for line in &mut out {
        if line.chars().count() > width + 1 {
            *line = line.chars().take(width).collect::<String>() + "…";
        }
    }
    out
}

/// Text and attribute escaping for the SVG built here (quick-xml's, which
/// also escapes both quotes).
pub fn escape(text: &str) -> String {
    quick_xml::escape::escape(text).into_owned()
}

#[cfg(test)]
mod tests {
    use std::borrow::Cow;

    use cairn_domain::CredentialId;
    use cairn_stacking::Measure;

    use super::*;

    fn leaf(label: &str, candidates: &[(AchievementId, &str)], used: Vec<CredentialId>) -> Explanation {
        Explanation {
            kind: Cow::Borrowed("count"),
            label: label.to_owned(),
            satisfied: false,
            have: Measure::Count(used.len() as u64),
            need: Measure::Count(2),
            unit: None,
            within: None,
            pathway: None,
            used,
            candidates: candidates.iter().map(|(a, _)| *a).collect::<Vec<_>>().into(),
            candidate_names: candidates.iter().map(|(_, n)| (*n).to_owned()).collect::<Vec<_>>().into(),
            of: Vec::new(),
        }
    }

    #[test]
    fn nodes_states_and_escaping() {
        let (a, b, c) = (AchievementId::new(), AchievementId::new(), AchievementId::new());
        let now = Utc::now();
        let used = CredentialId::new();
        let root = leaf("2 of <these> & more", &[(a, "Coaching <Basics> & Co"), (b, "Feedback"), (c, "Listening")], vec![used]);
        let mut expired = CredentialFact::earned(CredentialId::new(), b, now - chrono::Duration::days(400));
        expired.valid_until = Some(now - chrono::Duration::days(1));
        let facts = vec![CredentialFact::earned(used, a, now - chrono::Duration::days(10)), expired];
        let states = states(&root, &facts, now);
        assert_eq!(states.get(&a), Some(&NodeState::Used));
        assert_eq!(states.get(&b), Some(&NodeState::Expired));
        assert_eq!(states.get(&c), Some(&NodeState::Missing));
        let pathway = PathwayId::new();
        let svg = render("m", pathway, "Award", &root, Some(&states), "Map of Award");
        assert_eq!(svg.matches(r#"<g class="node"#).count(), 4, "the pathway and three achievements: {svg}");
        assert!(svg.contains(&format!(r#"data-node="{a}" data-state="used""#)));
        assert!(svg.contains(&format!(r#"data-node="{b}" data-state="expired""#)));
        assert!(svg.contains(&format!(r#"data-node="{c}" data-state="missing""#)));
        assert!(svg.contains("Coaching &lt;Basics&gt; &amp; Co"), "{svg}");
        assert!(!svg.contains("<Basics>") && !svg.contains("<these>"));
        assert!(svg.contains(r#"role="img" aria-labelledby="m-title""#));
        // Without a learner every node is "none".
        let plain = render("p", pathway, "Award", &root, None, "Map");
        assert_eq!(plain.matches(r#"data-state="none""#).count(), 4);
    }

    #[test]
    fn edges_join_the_centres_of_parent_and_child() {
        let root = leaf("1 of these", &[(AchievementId::new(), "Only")], Vec::new());
        let svg = render("m", PathwayId::new(), "Award", &root, None, "Map");
        // A chain of one node per layer: every node sits in column 0, so each
        // edge is vertical at the nodes' centre.
        let centre = MARGIN + NODE_W / 2.0;
        let edges: Vec<&str> = svg.match_indices("<line ").map(|(i, _)| &svg[i..]).collect();
        assert_eq!(edges.len(), 2, "{svg}");
        for edge in edges {
            assert!(edge.starts_with(&format!(r#"<line x1="{centre}" y1=""#)), "{edge}");
            assert!(edge.contains(&format!(r#" x2="{centre}" "#)), "{edge}");
        }
    }

    #[test]
    fn long_labels_wrap_and_are_cut() {
        assert_eq!(wrap("Certificate in Applied Data Analysis", 22, 2), ["Certificate in Applied", "Data Analysis"]);
        assert_eq!(wrap("a b c d e f g h i j k l m n o p q r s t u v w x y z a b c d e f", 10, 2).len(), 2);
    }
}
