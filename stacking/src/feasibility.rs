//! Date feasibility at registration (semantic 7): a rule whose `earned_after`
//! / `earned_before` dates cannot all fit in the `within` windows above them
//! can never be satisfied.
//!
//! Every satisfied leaf (`count`, `credits`) uses at least one credential,
//! and all of them lie in its selector's interval [`earned_after`,
//! `earned_before`). A window of duration D on a node holds when every
//! credential used under it satisfies `latest <= earliest + D`
//! ([`IsoDuration::add_to`], as the evaluation does). Each node is summed up,
//! bottom-up and through nested pathways (inlined, like the evaluation), by
//! the ways it can be satisfied, each a pair of necessary conditions:
//! - `after`: some credential it uses was earned at or after this instant;
//! - `before`: some credential it uses was earned strictly before this one.
//!
//! `all` combines its children's ways (the later `after`, the earlier
//! `before`), `any` keeps each alternative's ways, `at_least n` those of
//! every n-subset of its children. A window keeps the ways with
//! `after <= sup{p + D : p < before}`; none left: the rule can never be
//! satisfied. Sound everywhere: a rule is only refused when no choice of
//! credentials can fit (a property test checks it against the evaluation).
//! Precise while there are at most 16 ways per node and 64 subsets per
//! `at_least`; beyond that the ways merge into the loosest (an `at_least`
//! then checks its children's loosest ways: n of them must fit one window),
//! and fewer contradictions are found. Not looked at here: credit amounts,
//! and whether two leaves could need the same credential.

use cairn_domain::{IsoDuration, PathwayId};
use chrono::{DateTime, SecondsFormat, TimeDelta, Utc};

use crate::input::Pathway;
use crate::limits::{MAX_COMPILED_NODES, MAX_NESTING};
use crate::rule::{Requirement, RequirementKind};

/// Why a rule can never be satisfied: the node (its JSON path) and the
/// contradiction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Infeasible {
    pub path: String,
    pub reason: String,
}

/// A bound with the leaf it comes from (for messages).
#[derive(Debug, Clone, PartialEq, Eq)]
struct Bound {
    at: DateTime<Utc>,
    leaf: String,
}

/// Necessary conditions on every way of satisfying a node (`None`: no bound).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
struct Summary {
    /// Some credential used was earned at or after `after.at`.
    after: Option<Bound>,
    /// Some credential used was earned strictly before `before.at`.
    before: Option<Bound>,
}

/// Checks `pathway`'s rule; `nested` finds the pathways it nests (those
/// not found, or nested too deep, are taken as unconstrained).
pub(crate) fn check<'a>(pathway: &'a Pathway, nested: &dyn Fn(PathwayId) -> Option<&'a Pathway>) -> Result<(), Infeasible> {
    let mut walk = Walk { nested, stack: vec![pathway.id], budget: MAX_COMPILED_NODES * 4 };
    walk.node(&pathway.rule.requirement, "requirement").map(|_| ())
}

struct Walk<'a, 'n> {
    nested: &'n dyn Fn(PathwayId) -> Option<&'a Pathway>,
    stack: Vec<PathwayId>,
    /// Nodes left to visit (nesting can repeat a pathway many times);
    /// when it runs out the rest is taken as unconstrained.
    budget: usize,
}

/// Most alternative summaries kept per node; beyond, they merge into the
/// loosest one (still sound, less precise).
const MAX_WAYS: usize = 16;
/// Most `n`-subsets of an `at_least`'s children enumerated one by one.
const MAX_SUBSETS: usize = 64;

impl Walk<'_, '_> {
    /// The ways a node can be satisfied: every satisfying choice of
    /// credentials meets at least one of these summaries (never empty).
    fn node(&mut self, req: &Requirement, path: &str) -> Result<Vec<Summary>, Infeasible> {
        if self.budget == 0 {
            return Ok(vec![Summary::default()]);
        }
        self.budget -= 1;
        let here = describe(path, req.label.as_deref());
        let ways = match &req.kind {
            RequirementKind::Count { selector, .. } | RequirementKind::Credits { selector, .. } => {
                let bound = |at| Bound { at, leaf: here.clone() };
                if let (Some(a), Some(b)) = (selector.earned_after, selector.earned_before)
                    && a >= b
                {
                    return Err(Infeasible {
                        path: path.to_owned(),
                        reason: format!("no instant is at or after earned_after {} and before earned_before {}", show(a), show(b)),
                    });
                }
                vec![Summary { after: selector.earned_after.map(bound), before: selector.earned_before.map(bound) }]
            }
            RequirementKind::Pathway { pathway } => self.pathway(*pathway, path)?,
            RequirementKind::All { of } => {
                let mut ways = vec![Summary::default()];
                for (i, child) in of.iter().enumerate() {
                    let child = self.node(child, &format!("{path}.of[{i}]"))?;
                    ways = product(&ways, &child);
                }
                ways
            }
            RequirementKind::Any { of } | RequirementKind::AtLeast { of, .. } => {
                let need = match &req.kind {
                    RequirementKind::AtLeast { min, .. } => *min as usize,
                    _ => 1,
                };
                return self.choice(req, of, need, path, &here);
            }
        };
        match req.within {
            Some(d) => within(ways, d, path),
            None => Ok(ways),
        }
    }

    fn pathway(&mut self, id: PathwayId, path: &str) -> Result<Vec<Summary>, Infeasible> {
        let Some(p) = (self.nested)(id) else {
            return Ok(vec![Summary::default()]);
        };
        if self.stack.contains(&id) || self.stack.len() >= MAX_NESTING {
            return Ok(vec![Summary::default()]);
        }
        self.stack.push(id);
        let inner = format!("{path} -> pathway `{}` requirement", p.rule.key);
        let out = self.node(&p.rule.requirement, &inner);
        self.stack.pop();
        out
    }

    /// `any` (need 1) and `at_least` (need n): children that can never hold
    /// are left out as long as enough remain (as the catalog check does).
    fn choice(&mut self, req: &Requirement, of: &[Requirement], need: usize, path: &str, here: &str) -> Result<Vec<Summary>, Infeasible> {
        let mut ok: Vec<(usize, Vec<Summary>)> = Vec::new();
        let mut first_err = None;
        for (i, child) in of.iter().enumerate() {
            match self.node(child, &format!("{path}.of[{i}]")) {
                Ok(s) => ok.push((i, s)),
                Err(e) => {
                    first_err.get_or_insert(e);
                }
            }
        }
        if ok.len() < need {
            return Err(
                first_err.unwrap_or_else(|| Infeasible { path: path.to_owned(), reason: format!("needs {need} children but has {}", of.len()) })
            );
        }
        let need = need.max(1);
        let too_far = |d: IsoDuration| Infeasible {
            path: path.to_owned(),
            reason: format!(
                "no {need} of the {} children of {here} can be earned within one window of {d} (their earned_after / earned_before dates are too far apart)",
                of.len()
            ),
        };
        if need == 1 {
            // One alternative holds: it has to fit on its own.
            let ways = prune(ok.iter().flat_map(|(_, w)| w.iter().cloned()).collect());
            return match req.within {
                Some(d) => {
                    let fitting: Vec<Summary> = ways.into_iter().filter(|s| fits(s, d)).collect();
                    if fitting.is_empty() {
                        let reasons: Vec<String> =
                            ok.iter().filter_map(|(i, w)| w.first().map(|s| format!("of[{i}]: {}", contradiction(s, d)))).collect();
                        return Err(Infeasible {
                            path: path.to_owned(),
                            reason: format!("no alternative fits in one window of {d}: {}", reasons.join("; ")),
                        });
                    }
                    Ok(fitting)
                }
                None => Ok(ways),
            };
        }
        if binomial(ok.len(), need) <= MAX_SUBSETS {
            // Every `need`-subset of the children, as for an `all`.
            let mut ways = Vec::new();
            for subset in subsets(ok.len(), need) {
                let mut w = vec![Summary::default()];
                for &k in &subset {
                    if let Some((_, child)) = ok.get(k) {
                        w = product(&w, child);
                    }
                }
                ways.extend(w);
            }
            let ways = prune(ways);
            return match req.within {
                Some(d) => {
                    let fitting: Vec<Summary> = ways.into_iter().filter(|s| fits(s, d)).collect();
                    if fitting.is_empty() { Err(too_far(d)) } else { Ok(fitting) }
                }
                None => Ok(ways),
            };
        }
        // Too many subsets: each child by its loosest way.
        let loose: Vec<(usize, Summary)> = ok.iter().map(|(i, w)| (*i, loosest(w))).collect();
        if let Some(d) = req.within
            && !some_n_fit(&loose, need, d)
        {
            return Err(too_far(d));
        }
        // The chosen `need` children include one whose `after` is at least
        // the need-th smallest, and one whose `before` is at most the
        // need-th largest.
        let mut afters: Vec<Option<Bound>> = loose.iter().map(|(_, s)| s.after.clone()).collect();
        afters.sort_by(cmp_after);
        let mut befores: Vec<Option<Bound>> = loose.iter().map(|(_, s)| s.before.clone()).collect();
        befores.sort_by(|a, b| cmp_before(b, a));
        Ok(vec![Summary { after: afters.get(need - 1).cloned().flatten(), before: befores.get(need - 1).cloned().flatten() }])
    }
}

/// The ways that fit a window of `d`; none is a contradiction at `path`.
fn within(ways: Vec<Summary>, d: IsoDuration, path: &str) -> Result<Vec<Summary>, Infeasible> {
    let count = ways.len();
    let first = ways.first().cloned();
    let fitting: Vec<Summary> = ways.into_iter().filter(|s| fits(s, d)).collect();
    if !fitting.is_empty() {
        return Ok(fitting);
    }
    let example = first.map(|s| contradiction(&s, d)).unwrap_or_default();
    Err(Infeasible {
        path: path.to_owned(),
        reason: if count > 1 {
            format!("none of the {count} ways to satisfy it (choices among alternatives) fits in one window of {d}; for one: {example}")
        } else {
            example
        },
    })
}

/// Every pair of ways combined (both hold): the later `after`, the earlier `before`.
fn product(a: &[Summary], b: &[Summary]) -> Vec<Summary> {
    let mut out = Vec::with_capacity(a.len() * b.len());
    for x in a {
        for y in b {
            out.push(Summary { after: later(x.after.clone(), y.after.clone()), before: earlier(x.before.clone(), y.before.clone()) });
        }
    }
    prune(out)
}

/// Drops ways implied by a looser one; too many merge into the loosest.
fn prune(ways: Vec<Summary>) -> Vec<Summary> {
    let looser = |x: &Summary, y: &Summary| cmp_after(&x.after, &y.after).is_le() && cmp_before(&x.before, &y.before).is_ge();
    let mut out: Vec<Summary> = Vec::new();
    for w in ways {
        if out.iter().any(|o| looser(o, &w)) {
            continue;
        }
        out.retain(|o| !looser(&w, o));
        out.push(w);
    }
    if out.len() > MAX_WAYS { vec![loosest(&out)] } else { out }
}

/// A summary every one of `ways` implies.
fn loosest(ways: &[Summary]) -> Summary {
    let mut iter = ways.iter();
    let Some(first) = iter.next() else {
        return Summary::default();
    };
    let mut out = first.clone();
    for w in iter {
        if cmp_after(&w.after, &out.after).is_lt() {
            out.after = w.after.clone();
        }
        if cmp_before(&w.before, &out.before).is_gt() {
            out.before = w.before.clone();
        }
    }
    out
}

fn binomial(n: usize, k: usize) -> usize {
    let mut r: usize = 1;
    for i in 0..k.min(n) {
        r = r.saturating_mul(n - i) / (i + 1);
    }
    r
}

/// The `k`-subsets of `0..n`, as sorted index lists.
fn subsets(n: usize, k: usize) -> Vec<Vec<usize>> {
    let mut out = Vec::new();
    let mut current: Vec<usize> = (0..k).collect();
    if k > n {
        return out;
    }
    loop {
        out.push(current.clone());
        // The rightmost index that can still move right.
        let Some(i) = (0..k).rev().find(|&i| current.get(i).is_some_and(|&c| c < n - k + i)) else {
            break;
        };
        if let Some(c) = current.get_mut(i) {
            *c += 1;
        }
        for j in i + 1..k {
            let prev = current.get(j - 1).copied().unwrap_or(0);
            if let Some(c) = current.get_mut(j) {
                *c = prev + 1;
            }
        }
    }
    out
}

/// Is there a subset of `n` children whose dates fit in one window? For
/// each child taken as the one with the earliest `before`, the children with
/// a later-or-equal `before` whose `after` fits before its window ends.
fn some_n_fit(children: &[(usize, Summary)], n: usize, d: IsoDuration) -> bool {
    children.iter().any(|(_, c)| {
        let end = c.before.as_ref().and_then(|b| window_end(b.at, d));
        let fitting = children
            .iter()
            .filter(|(_, o)| cmp_before(&o.before, &c.before).is_ge())
            .filter(|(_, o)| match (&o.after, &c.before, end) {
                (None, _, _) | (_, None, _) | (_, Some(_), None) => true,
                (Some(a), Some(_), Some(end)) => a.at <= end,
            })
            .count();
        fitting >= n
    })
}

/// Can the summary's bounds lie in one window of `d`?
fn fits(s: &Summary, d: IsoDuration) -> bool {
    match (&s.after, &s.before) {
        (Some(a), Some(b)) => window_end(b.at, d).is_none_or(|end| a.at <= end),
        _ => true,
    }
}

/// The latest instant a window of `d` can reach when it starts before
/// `before`: sup{p + d : p < before}. Calendar addition keeps the time of
/// day while clamping month ends, so it is not monotone within a clamped
/// day: the end of the previous day can reach later than `before - 1ns`.
/// `None`: beyond chrono's range (no bound).
fn window_end(before: DateTime<Utc>, d: IsoDuration) -> Option<DateTime<Utc>> {
    let last = before.checked_sub_signed(TimeDelta::nanoseconds(1))?;
    let a = d.add_to(last)?;
    let day_start = before.date_naive().and_hms_opt(0, 0, 0)?.and_utc();
    let b = day_start.checked_sub_signed(TimeDelta::nanoseconds(1)).and_then(|p| d.add_to(p));
    Some(b.map_or(a, |b| a.max(b)))
}

fn contradiction(s: &Summary, d: IsoDuration) -> String {
    match (&s.after, &s.before) {
        (Some(a), Some(b)) => format!(
            "{} needs a credential earned on or after {} and {} one earned before {}: they cannot lie in one window of {d}",
            a.leaf,
            show(a.at),
            b.leaf,
            show(b.at)
        ),
        _ => "its dates cannot fit".into(),
    }
}

/// `None` is "no bound": the earliest for `after`, the latest for `before`.
fn cmp_after(a: &Option<Bound>, b: &Option<Bound>) -> std::cmp::Ordering {
    a.as_ref().map(|x| x.at).cmp(&b.as_ref().map(|x| x.at))
}

fn cmp_before(a: &Option<Bound>, b: &Option<Bound>) -> std::cmp::Ordering {
    match (a, b) {
        (None, None) => std::cmp::Ordering::Equal,
        (None, Some(_)) => std::cmp::Ordering::Greater,
        (Some(_), None) => std::cmp::Ordering::Less,
        (Some(x), Some(y)) => x.at.cmp(&y.at),
    }
}

fn later(a: Option<Bound>, b: Option<Bound>) -> Option<Bound> {
    match (a, b) {
        (Some(x), Some(y)) => Some(if y.at > x.at { y } else { x }),
        (x, None) => x,
        (None, y) => y,
    }
}

fn earlier(a: Option<Bound>, b: Option<Bound>) -> Option<Bound> {
    match (a, b) {
        (Some(x), Some(y)) => Some(if y.at < x.at { y } else { x }),
        (x, None) => x,
        (None, y) => y,
    }
}

fn describe(path: &str, label: Option<&str>) -> String {
    match label {
        Some(l) => format!("{path} (\"{l}\")"),
        None => path.to_owned(),
    }
}

fn show(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::AutoSi, true)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rule::PathwayRule;
    use cairn_domain::{AchievementId, OrgId};
    use serde_json::{Value, json};

    fn pathway(id: PathwayId, key: &str, requirement: Value) -> Pathway {
        let rule = PathwayRule::from_value(json!({
            "key": key, "name": key, "award": AchievementId::new().to_string(), "requirement": requirement
        }))
        .unwrap();
        Pathway { id, issuer: OrgId::new(), rule }
    }

    fn leaf(after: Option<&str>, before: Option<&str>) -> Value {
        let mut w = json!({"achievement": AchievementId::new().to_string()});
        if let Some(a) = after {
            w["earned_after"] = json!(a);
        }
        if let Some(b) = before {
            w["earned_before"] = json!(b);
        }
        json!({"type": "count", "min": 1, "where": w})
    }

    fn run(requirement: Value) -> Result<(), Infeasible> {
        check(&pathway(PathwayId::new(), "p", requirement), &|_| None)
    }

    const EARLY: &str = "2021-12-02T00:00:00Z";
    const LATE: &str = "2024-12-01T00:00:00Z";

    #[test]
    fn all_with_dates_too_far_apart_for_its_window() {
        let err = run(json!({"type": "all", "within": "P1Y", "of": [leaf(None, Some(EARLY)), leaf(Some(LATE), None)]})).unwrap_err();
        assert_eq!(err.path, "requirement");
        assert!(err.reason.contains("requirement.of[1] needs a credential earned on or after 2024-12-01T00:00:00Z"), "{}", err.reason);
        assert!(err.reason.contains("requirement.of[0] one earned before 2021-12-02T00:00:00Z"), "{}", err.reason);
        assert!(err.reason.contains("window of P1Y"), "{}", err.reason);
        // A window long enough: accepted.
        run(json!({"type": "all", "within": "P3Y", "of": [leaf(None, Some(EARLY)), leaf(Some(LATE), None)]})).unwrap();
        // No window: any spread will do.
        run(json!({"type": "all", "of": [leaf(None, Some(EARLY)), leaf(Some(LATE), None)]})).unwrap();
    }

    #[test]
    fn windows_are_closed_and_earned_before_exclusive() {
        // Exactly one year apart fits (2021-01-01 and 2022-01-01).
        run(json!({"type": "all", "within": "P1Y", "of": [
            leaf(None, Some("2021-01-01T00:00:00.000000001Z")), leaf(Some("2022-01-01T00:00:00Z"), None)]}))
        .unwrap();
        // Earned strictly before 2021-01-01: at most 2020-12-31T23:59:59.999999999, a year later is too early.
        let err = run(json!({"type": "all", "within": "P1Y", "of": [
            leaf(None, Some("2021-01-01T00:00:00Z")), leaf(Some("2022-01-01T00:00:00Z"), None)]}))
        .unwrap_err();
        assert_eq!(err.path, "requirement");
    }

    #[test]
    fn month_end_clamping_is_accounted_for() {
        // Before 2023-02-01: up to 2023-01-31T23:59:59.999999999, + P1M clamps to 2023-02-28.
        run(json!({"type": "all", "within": "P1M", "of": [
            leaf(None, Some("2023-02-01T00:00:00Z")), leaf(Some("2023-02-28T23:59:59Z"), None)]}))
        .unwrap();
        // Before 2023-01-31T01:00: 2023-01-30T23:59:59.999 + P1M = 2023-02-28T23:59:59.999, later
        // than 2023-01-31T00:59 + P1M = 2023-02-28T00:59.
        run(json!({"type": "all", "within": "P1M", "of": [
            leaf(None, Some("2023-01-31T01:00:00Z")), leaf(Some("2023-02-28T12:00:00Z"), None)]}))
        .unwrap();
        let err = run(json!({"type": "all", "within": "P1M", "of": [
            leaf(None, Some("2023-01-31T01:00:00Z")), leaf(Some("2023-03-01T00:00:00Z"), None)]}));
        assert!(err.is_err());
        assert_eq!(
            window_end("2023-01-31T01:00:00Z".parse().unwrap(), "P1M".parse().unwrap()),
            Some("2023-02-28T23:59:59.999999999Z".parse().unwrap())
        );
    }

    #[test]
    fn spread_inside_a_child_counts_against_the_window_above() {
        // The inner `all` needs one credential before 2020 and one after 2024.
        let inner = json!({"type": "all", "of": [leaf(None, Some("2020-01-01T00:00:00Z")), leaf(Some("2024-01-01T00:00:00Z"), None)]});
        let err = run(json!({"type": "all", "within": "P2Y", "of": [inner, leaf(None, None)]})).unwrap_err();
        assert!(err.reason.contains("requirement.of[0].of[1] needs"), "{}", err.reason);
        // On a leaf, a window never conflicts with its own dates.
        run(json!({"type": "count", "min": 1, "within": "P1D",
            "where": {"achievement": AchievementId::new().to_string(), "earned_after": EARLY, "earned_before": LATE}}))
        .unwrap();
    }

    #[test]
    fn any_needs_one_alternative_that_fits() {
        let far = json!({"type": "all", "of": [leaf(None, Some(EARLY)), leaf(Some(LATE), None)]});
        let near = json!({"type": "all", "of": [leaf(None, Some(EARLY)), leaf(Some("2021-06-01T00:00:00Z"), None)]});
        let err = run(json!({"type": "any", "within": "P1Y", "of": [far.clone(), far.clone()]})).unwrap_err();
        assert!(err.reason.starts_with("no alternative fits in one window of P1Y: of[0]:"), "{}", err.reason);
        run(json!({"type": "any", "within": "P1Y", "of": [far.clone(), near.clone()]})).unwrap();
        // Above an `any`, its loosest alternative counts.
        run(json!({"type": "all", "within": "P1Y", "of": [
            {"type": "any", "of": [leaf(None, Some(EARLY)), leaf(Some(LATE), None)]}, leaf(Some(LATE), None)]}))
        .unwrap();
        let err = run(json!({"type": "all", "within": "P1Y", "of": [
            {"type": "any", "of": [leaf(None, Some(EARLY)), leaf(None, Some("2020-01-01T00:00:00Z"))]}, leaf(Some(LATE), None)]}))
        .unwrap_err();
        assert!(err.reason.contains("requirement.of[0].of[0] one earned before 2021-12-02"), "{}", err.reason);
    }

    #[test]
    fn each_choice_among_alternatives_is_judged_on_its_own() {
        // Either alternative alone contradicts the sibling in one year, though
        // their loosest merge would not.
        let either = json!({"type": "any", "of": [leaf(Some("2024-01-01T00:00:00Z"), None), leaf(None, Some("2019-01-01T00:00:00Z"))]});
        let sibling = json!({"type": "all", "of": [leaf(Some("2021-01-01T00:00:00Z"), None), leaf(None, Some("2022-01-01T00:00:00Z"))]});
        let err = run(json!({"type": "all", "within": "P1Y", "of": [either, sibling]})).unwrap_err();
        assert!(
            err.reason.starts_with("none of the 2 ways to satisfy it (choices among alternatives) fits in one window of P1Y; for one: "),
            "{}",
            err.reason
        );
        // With a third alternative that fits, accepted.
        let three =
            json!({"type": "any", "of": [leaf(Some("2024-01-01T00:00:00Z"), None), leaf(None, Some("2019-01-01T00:00:00Z")), leaf(None, None)]});
        let sibling = json!({"type": "all", "of": [leaf(Some("2021-01-01T00:00:00Z"), None), leaf(None, Some("2022-01-01T00:00:00Z"))]});
        run(json!({"type": "all", "within": "P1Y", "of": [three, sibling]})).unwrap();
    }

    #[test]
    fn subsets_and_binomials() {
        assert_eq!(subsets(3, 2), vec![vec![0, 1], vec![0, 2], vec![1, 2]]);
        assert_eq!(subsets(2, 2), vec![vec![0, 1]]);
        assert_eq!(subsets(4, 1).len(), 4);
        assert_eq!(binomial(5, 2), 10);
        assert!(binomial(64, 32) > MAX_SUBSETS);
        for (n, k) in [(5, 2), (6, 3), (7, 1), (4, 4)] {
            assert_eq!(subsets(n, k).len(), binomial(n, k));
        }
    }

    #[test]
    fn at_least_needs_n_children_that_fit_together() {
        let a = leaf(None, Some("2020-01-01T00:00:00Z"));
        let b = leaf(Some("2024-01-01T00:00:00Z"), Some("2025-01-01T00:00:00Z"));
        let c = leaf(Some("2030-01-01T00:00:00Z"), None);
        let err = run(json!({"type": "at_least", "min": 2, "within": "P1Y", "of": [a, b, c]})).unwrap_err();
        assert!(err.reason.starts_with("no 2 of the 3 children"), "{}", err.reason);
        let c2 = leaf(Some("2024-06-01T00:00:00Z"), None);
        run(json!({"type": "at_least", "min": 2, "within": "P1Y", "of": [a, b, c2]})).unwrap();
        run(json!({"type": "at_least", "min": 1, "within": "P1Y", "of": [a, b, c]})).unwrap();
        // Above an at_least 2: the second-earliest `after` and second-latest `before`.
        let err = run(json!({"type": "all", "within": "P1Y", "of": [
            {"type": "at_least", "min": 2, "of": [leaf(Some("2030-01-01T00:00:00Z"), None), leaf(Some("2031-01-01T00:00:00Z"), None), leaf(None, None)]},
            leaf(None, Some("2020-01-01T00:00:00Z"))]}))
        .unwrap_err();
        assert!(err.reason.contains("requirement.of[0].of[0] needs a credential earned on or after 2030"), "{}", err.reason);
    }

    #[test]
    fn through_nested_pathways() {
        let inner_id = PathwayId::new();
        let inner = pathway(
            inner_id,
            "early",
            json!({"type": "all", "of": [
            leaf(None, Some("2022-01-01T00:00:00Z")), leaf(None, Some("2021-06-01T00:00:00Z"))]}),
        );
        let parent = pathway(
            PathwayId::new(),
            "late",
            json!({"type": "all", "within": "P2Y", "of": [
            {"type": "pathway", "pathway": inner_id.to_string()}, {"label": "Recent", "type": "count", "min": 1,
             "where": {"achievement": AchievementId::new().to_string(), "earned_after": LATE}}]}),
        );
        let find = |id: PathwayId| (id == inner_id).then_some(&inner);
        let err = check(&parent, &find).unwrap_err();
        assert_eq!(err.path, "requirement");
        assert!(err.reason.contains("requirement.of[1] (\"Recent\") needs a credential earned on or after 2024-12-01T00:00:00Z"), "{}", err.reason);
        assert!(
            err.reason.contains("requirement.of[0] -> pathway `early` requirement.of[1] one earned before 2021-06-01T00:00:00Z"),
            "{}",
            err.reason
        );
        // A window on the nested pathway's own node works the same.
        let parent4 = pathway(
            PathwayId::new(),
            "late4",
            json!({"type": "all", "within": "P4Y", "of": [
            {"type": "pathway", "pathway": inner_id.to_string()}, leaf(Some(LATE), None)]}),
        );
        check(&parent4, &find).unwrap();
        // An unknown nested pathway is not this module's business.
        check(&parent, &|_| None).unwrap();
    }

    #[test]
    fn a_nesting_cycle_or_deep_nesting_terminates() {
        let id = PathwayId::new();
        let p = pathway(
            id,
            "self",
            json!({"type": "all", "within": "P1Y", "of": [
            {"type": "pathway", "pathway": id.to_string()}, leaf(None, None)]}),
        );
        check(&p, &|q| (q == id).then_some(&p)).unwrap();
    }
}
