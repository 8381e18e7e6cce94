//! Property tests on small random catalogs, rules and learners: determinism,
//! invariance under reordering, monotone progress, and agreement with a
//! brute-force reference that enumerates every allocation.

#![expect(clippy::unwrap_used, reason = "tests fail loudly on a broken fixture")]

use cairn_domain::{AchievementId, AchievementType, CredentialId, Credits, OrgId, PathwayId};
use cairn_stacking::{CatalogEntry, CredentialFact, EvalOptions, Explanation, Outcome, Pathway, PathwayGraph, PathwayRule, Status, evaluate_with};
use chrono::{DateTime, Months, TimeZone, Utc};
use proptest::prelude::*;
use serde_json::{Value, json};
use uuid::Uuid;

const ACHIEVEMENTS: usize = 5;

fn ach(i: usize) -> AchievementId {
    AchievementId::from(Uuid::from_u128(0x1000 + i as u128))
}
fn org() -> OrgId {
    OrgId::from(Uuid::from_u128(0x9))
}
fn credits_of(i: usize) -> u32 {
    (i % 3) as u32 + 1
}
fn base() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2020, 1, 1, 0, 0, 0).unwrap()
}
fn month(m: u32) -> DateTime<Utc> {
    base().checked_add_months(Months::new(m)).unwrap()
}
fn at() -> DateTime<Utc> {
    month(120)
}

/// A small rule; `Nested` becomes a separate pathway referenced by id.
#[derive(Debug, Clone)]
enum R {
    Count { min: u32, achs: Vec<usize>, within: Option<u32> },
    Credits { min: u32, achs: Vec<usize>, within: Option<u32> },
    All(Vec<R>, Option<u32>),
    Any(Vec<R>, Option<u32>),
    AtLeast(u32, Vec<R>, Option<u32>),
    Nested(Box<R>),
}

fn subset() -> impl Strategy<Value = Vec<usize>> {
    proptest::sample::subsequence((0..ACHIEVEMENTS).collect::<Vec<_>>(), 1..=3)
}
fn window() -> impl Strategy<Value = Option<u32>> {
    prop_oneof![3 => Just(None), 1 => (6u32..36).prop_map(Some)]
}

fn leaf() -> impl Strategy<Value = R> {
    prop_oneof![
        (subset(), window(), 1u32..=3).prop_map(|(achs, within, m)| {
            let min = m.min(achs.len() as u32);
            R::Count { min, achs, within }
        }),
        (subset(), window(), 1u32..=6).prop_map(|(achs, within, m)| {
            let total: u32 = achs.iter().map(|&i| credits_of(i)).sum();
            R::Credits { min: m.min(total), achs, within }
        }),
    ]
}

fn rule() -> impl Strategy<Value = R> {
    leaf().prop_recursive(2, 8, 3, |inner| {
        prop_oneof![
            (prop::collection::vec(inner.clone(), 1..=3), window()).prop_map(|(of, w)| R::All(of, w)),
            (prop::collection::vec(inner.clone(), 1..=3), window()).prop_map(|(of, w)| R::Any(of, w)),
            (prop::collection::vec(inner.clone(), 1..=3), window(), 1u32..=3).prop_map(|(of, w, k)| {
                let k = k.min(of.len() as u32);
                R::AtLeast(k, of, w)
            }),
            inner.prop_map(|r| R::Nested(Box::new(r))),
        ]
    })
}

/// (achievement, month, verified)
fn creds() -> impl Strategy<Value = Vec<(usize, u32, bool)>> {
    prop::collection::vec((0..ACHIEVEMENTS, 0u32..72, prop::bool::weighted(0.9)), 0..=6)
}

struct World {
    graph: PathwayGraph,
    target: PathwayId,
}

fn within_json(w: Option<u32>, mut v: Value) -> Value {
    if let Some(m) = w {
        v["within"] = json!(format!("P{m}M"));
    }
    v
}

fn to_json(r: &R, pathways: &mut Vec<Pathway>) -> Value {
    let ids = |achs: &[usize]| achs.iter().map(|&i| ach(i).to_string()).collect::<Vec<_>>();
    match r {
        R::Count { min, achs, within } => within_json(*within, json!({"type": "count", "min": min, "where": {"achievements": ids(achs)}})),
        R::Credits { min, achs, within } => {
            within_json(*within, json!({"type": "credits", "min": min.to_string(), "unit": "ECTS", "where": {"achievements": ids(achs)}}))
        }
        R::All(of, w) | R::Any(of, w) | R::AtLeast(_, of, w) => {
            let of: Vec<Value> = of.iter().map(|c| to_json(c, pathways)).collect();
            let mut v = match r {
                R::All(..) => json!({"type": "all", "of": of}),
                R::Any(..) => json!({"type": "any", "of": of}),
                R::AtLeast(k, ..) => json!({"type": "at_least", "min": k, "of": of}),
                _ => unreachable!(),
            };
            if let Some(m) = w {
                v["within"] = json!(format!("P{m}M"));
            }
            v
        }
        R::Nested(inner) => {
            let id = register(inner, pathways);
            json!({"type": "pathway", "pathway": id.to_string()})
        }
    }
}

fn register(r: &R, pathways: &mut Vec<Pathway>) -> PathwayId {
    let requirement = to_json(r, pathways);
    let n = pathways.len();
    let id = PathwayId::from(Uuid::from_u128(0x5000 + n as u128));
    let award = AchievementId::from(Uuid::from_u128(0x8000 + n as u128));
    let rule = PathwayRule::from_value(json!({
        "key": format!("p{n}"), "name": "p", "award": award.to_string(), "requirement": requirement
    }))
    .unwrap();
    pathways.push(Pathway { id, issuer: org(), rule });
    id
}

fn world(r: &R) -> World {
    let mut pathways = Vec::new();
    let target = register(r, &mut pathways);
    let mut catalog: Vec<CatalogEntry> = (0..ACHIEVEMENTS)
        .map(|i| CatalogEntry {
            id: ach(i),
            name: String::new(),
            issuer: org(),
            achievement_type: AchievementType::MicroCredential,
            tags: vec![],
            skills: vec![],
            level: None,
            credits: Some(Credits::parse(&credits_of(i).to_string(), "ECTS").unwrap()),
        })
        .collect();
    for n in 0..pathways.len() {
        catalog.push(CatalogEntry {
            id: AchievementId::from(Uuid::from_u128(0x8000 + n as u128)),
            name: String::new(),
            issuer: org(),
            achievement_type: AchievementType::Award,
            tags: vec![],
            skills: vec![],
            level: None,
            credits: None,
        });
    }
    World { graph: PathwayGraph::build(catalog, pathways).unwrap(), target }
}

fn facts(list: &[(usize, u32, bool)]) -> Vec<CredentialFact> {
    list.iter()
        .enumerate()
        .map(|(i, &(a, m, verified))| CredentialFact {
            verified,
            ..CredentialFact::earned(CredentialId::from(Uuid::from_u128(0x100 + i as u128)), ach(a), month(m))
        })
        .collect()
}

fn run(w: &World, facts: &[CredentialFact]) -> Outcome {
    let options = EvalOptions { plan_next: false, ..Default::default() };
    evaluate_with(&w.graph, w.target, facts, at(), &options).unwrap()
}

/// Whether the `used` lists of the children of every node are disjoint
/// (one allocation: a credential counts under one subtree at most).
fn siblings_disjoint(e: &Explanation) -> bool {
    let mut seen = std::collections::BTreeSet::new();
    e.of.iter().all(|child| child.used.iter().all(|id| seen.insert(*id))) && e.of.iter().all(siblings_disjoint)
}

// ---- brute-force reference -------------------------------------------------

/// A flattened tree: leaves numbered in order.
fn leaves<'a>(r: &'a R, out: &mut Vec<&'a R>) {
    match r {
        R::Count { .. } | R::Credits { .. } => out.push(r),
        R::All(of, _) | R::Any(of, _) | R::AtLeast(_, of, _) => of.iter().for_each(|c| leaves(c, out)),
        R::Nested(inner) => leaves(inner, out),
    }
}

struct C {
    ach: usize,
    month: u32,
}

/// Is `r` satisfied when leaf `i` holds the credentials with `assign[c] == i`?
/// `next` numbers the leaves in the same order as `leaves`.
fn sat(r: &R, creds: &[C], assign: &[usize], next: &mut usize) -> (bool, Vec<usize>) {
    let (ok, under, within) = match r {
        R::Count { min, within, .. } | R::Credits { min, within, .. } => {
            let me = *next;
            *next += 1;
            let mine: Vec<usize> = (0..creds.len()).filter(|&c| assign[c] == me).collect();
            let mut achs: Vec<usize> = mine.iter().map(|&c| creds[c].ach).collect();
            achs.sort_unstable();
            achs.dedup();
            let have: u32 = match r {
                R::Count { .. } => achs.len() as u32,
                _ => achs.iter().map(|&a| credits_of(a)).sum(),
            };
            (have >= *min, mine, *within)
        }
        R::All(of, w) | R::Any(of, w) | R::AtLeast(_, of, w) => {
            let mut under = Vec::new();
            let mut count = 0;
            for c in of {
                let (ok, u) = sat(c, creds, assign, next);
                count += ok as usize;
                under.extend(u);
            }
            let need = match r {
                R::All(..) => of.len(),
                R::AtLeast(k, ..) => *k as usize,
                _ => 1,
            };
            (count >= need, under, *w)
        }
        R::Nested(inner) => {
            let (ok, u) = sat(inner, creds, assign, next);
            (ok, u, None)
        }
    };
    let window_ok = match within {
        None => true,
        Some(m) => {
            let min = under.iter().map(|&c| creds[c].month).min();
            let max = under.iter().map(|&c| creds[c].month).max();
            match (min, max) {
                (Some(lo), Some(hi)) => month(hi) <= month(lo).checked_add_months(Months::new(m)).unwrap(),
                _ => true,
            }
        }
    };
    (ok && window_ok, under)
}

/// Earliest completion over every allocation, or None.
fn brute(r: &R, list: &[(usize, u32, bool)]) -> Option<DateTime<Utc>> {
    let mut ls = Vec::new();
    leaves(r, &mut ls);
    let creds: Vec<C> = list.iter().filter(|c| c.2).map(|&(ach, month, _)| C { ach, month }).collect();
    // Options per credential: unused (= ls.len()) or a leaf whose selector matches.
    let options: Vec<Vec<usize>> = creds
        .iter()
        .map(|c| {
            let mut o: Vec<usize> = ls
                .iter()
                .enumerate()
                .filter(|(_, l)| match l {
                    R::Count { achs, .. } | R::Credits { achs, .. } => achs.contains(&c.ach),
                    _ => false,
                })
                .map(|(i, _)| i)
                .collect();
            o.push(ls.len());
            o
        })
        .collect();
    let mut best: Option<u32> = None;
    let mut choice = vec![0usize; creds.len()];
    loop {
        let assign: Vec<usize> = choice.iter().zip(&options).map(|(&k, o)| o[k]).collect();
        let mut next = 0;
        let (ok, _) = sat(r, &creds, &assign, &mut next);
        if ok {
            let latest = (0..creds.len()).filter(|&c| assign[c] < ls.len()).map(|c| creds[c].month).max().unwrap_or(0);
            best = Some(best.map_or(latest, |b| b.min(latest)));
        }
        // Next combination (odometer).
        let mut i = 0;
        loop {
            if i == choice.len() {
                return best.map(month);
            }
            choice[i] += 1;
            if choice[i] < options[i].len() {
                break;
            }
            choice[i] = 0;
            i += 1;
        }
    }
}

proptest! {
    // 192 cases by default (fast in debug builds); PROPTEST_CASES=5000 for a deeper run.
    #![proptest_config(ProptestConfig {
        cases: std::env::var("PROPTEST_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(192),
        ..ProptestConfig::default()
    })]

    #[test]
    fn agrees_with_brute_force(r in rule(), list in creds()) {
        let w = world(&r);
        let outcome = run(&w, &facts(&list));
        let expected = brute(&r, &list);
        prop_assert_eq!(outcome.status == Status::Complete, expected.is_some(), "rule {:?}", r);
        prop_assert_eq!(outcome.completed_at, expected, "rule {:?}", r);
        prop_assert!((0.0..=1.0).contains(&outcome.progress));
        prop_assert_eq!(outcome.progress == 1.0, outcome.status == Status::Complete);
    }

    #[test]
    fn deterministic_and_order_invariant(r in rule(), list in creds(), seed in any::<u64>()) {
        let w = world(&r);
        let f = facts(&list);
        let first = serde_json::to_string(&run(&w, &f)).unwrap();
        prop_assert_eq!(&first, &serde_json::to_string(&run(&w, &f)).unwrap());
        // A deterministic shuffle from the seed.
        let mut shuffled = f.clone();
        let mut s = seed;
        for i in (1..shuffled.len()).rev() {
            s = s.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            shuffled.swap(i, (s >> 33) as usize % (i + 1));
        }
        prop_assert_eq!(&first, &serde_json::to_string(&run(&w, &shuffled)).unwrap());
        // The planner is deterministic too.
        let planned = |f: &[CredentialFact]| {
            serde_json::to_string(&evaluate_with(&w.graph, w.target, f, at(), &EvalOptions::default()).unwrap()).unwrap()
        };
        prop_assert_eq!(planned(&f), planned(&shuffled));
    }

    #[test]
    fn no_credential_is_used_by_two_siblings(r in rule(), list in creds()) {
        let w = world(&r);
        let outcome = run(&w, &facts(&list));
        prop_assert!(siblings_disjoint(&outcome.requirement), "rule {:?}: {}", r, serde_json::to_string(&outcome).unwrap());
    }

    #[test]
    fn progress_never_decreases_when_a_credential_is_added(
        r in rule(), list in creds(), extra in (0..ACHIEVEMENTS, 0u32..72)
    ) {
        let w = world(&r);
        let before = run(&w, &facts(&list));
        let mut more = list.clone();
        more.push((extra.0, extra.1, true));
        let after = run(&w, &facts(&more));
        prop_assert!(after.progress >= before.progress, "{} -> {} rule {:?}", before.progress, after.progress, r);
        if before.status == Status::Complete {
            prop_assert_eq!(after.status, Status::Complete);
            prop_assert!(after.completed_at <= before.completed_at);
        }
        if before.status == Status::InProgress {
            prop_assert_ne!(after.status, Status::NotStarted);
        }
    }
}

#[test]
fn budget_exhaustion_is_an_error_not_a_hang() {
    // Two credit leaves share sixteen achievements worth even credits (2,
    // 4, ..., 30, and 2 again: 242 in all) and each needs 121. Every bound
    // passes (each leaf alone, and five credentials each out of sixteen),
    // but even credits cannot make 121 exactly, so both would need 122 of
    // the 242: impossible, and only an exhaustive search shows it. With a
    // budget of 1,000 steps it is an error.
    let n = 16;
    let credits = |i: usize| if i == n - 1 { 2 } else { 2 * (i + 1) };
    let catalog: Vec<CatalogEntry> = (0..=n)
        .map(|i| CatalogEntry {
            id: ach(i),
            name: String::new(),
            issuer: org(),
            achievement_type: if i == n { AchievementType::Award } else { AchievementType::MicroCredential },
            tags: vec![],
            skills: vec![],
            level: None,
            credits: (i < n).then(|| Credits::parse(&credits(i).to_string(), "ECTS").unwrap()),
        })
        .collect();
    let ids: Vec<String> = (0..n).map(|i| ach(i).to_string()).collect();
    let pool = json!({"type": "credits", "min": "121", "unit": "ECTS", "where": {"achievements": ids}});
    let rule = PathwayRule::from_value(json!({
        "key": "hard", "name": "hard", "award": ach(n).to_string(),
        "requirement": {"type": "all", "of": [pool.clone(), pool]}
    }))
    .unwrap();
    let id = PathwayId::from(Uuid::from_u128(77));
    let graph = PathwayGraph::build(catalog, [Pathway { id, issuer: org(), rule }]).unwrap();
    let facts: Vec<CredentialFact> =
        (0..n).map(|i| CredentialFact::earned(CredentialId::from(Uuid::from_u128(0x100 + i as u128)), ach(i), month(i as u32))).collect();
    let options = EvalOptions { plan_next: false, budget: 1_000, ..Default::default() };
    let err = evaluate_with(&graph, id, &facts, at(), &options).unwrap_err();
    assert!(err.to_string().contains("exceeded its budget"), "{err}");
    // With the default budget the search finishes and finds it impossible.
    let outcome = evaluate_with(&graph, id, &facts, at(), &EvalOptions::without_plan()).unwrap();
    assert_eq!(outcome.status, Status::InProgress);
    // One credential less on one side and it holds: 120 + 122 = 242.
    let rule = PathwayRule::from_value(json!({
        "key": "fine", "name": "fine", "award": ach(n).to_string(),
        "requirement": {"type": "all", "of": [
            {"type": "credits", "min": "120", "unit": "ECTS", "where": {"achievements": (0..n).map(|i| ach(i).to_string()).collect::<Vec<_>>()}},
            {"type": "credits", "min": "121", "unit": "ECTS", "where": {"achievements": (0..n).map(|i| ach(i).to_string()).collect::<Vec<_>>()}}
        ]}
    }))
    .unwrap();
    let graph = PathwayGraph::build(graph.catalog().values().cloned(), [Pathway { id, issuer: org(), rule }]).unwrap();
    let outcome = evaluate_with(&graph, id, &facts, at(), &EvalOptions::without_plan()).unwrap();
    assert_eq!(outcome.status, Status::Complete);
}

#[test]
fn large_allocations_stay_within_the_stack() {
    // Four count leaves of 250 over 1,000 distinct achievements: the search
    // recurses once per credential taken (1,000 deep) on a test thread.
    let n = 1000;
    let mut catalog: Vec<CatalogEntry> = (0..n)
        .map(|i| CatalogEntry {
            id: ach(i),
            name: String::new(),
            issuer: org(),
            achievement_type: AchievementType::MicroCredential,
            tags: vec![format!("q{}", i % 4)],
            skills: vec![],
            level: None,
            credits: None,
        })
        .collect();
    catalog.push(CatalogEntry {
        id: ach(n),
        name: String::new(),
        issuer: org(),
        achievement_type: AchievementType::Award,
        tags: vec![],
        skills: vec![],
        level: None,
        credits: None,
    });
    let of: Vec<Value> = (0..4).map(|q| json!({"type": "count", "min": 250, "where": {"tags": [format!("q{q}")]}})).collect();
    let rule = PathwayRule::from_value(json!({
        "key": "big", "name": "big", "award": ach(n).to_string(), "requirement": {"type": "all", "of": of}
    }))
    .unwrap();
    let id = PathwayId::from(Uuid::from_u128(78));
    let graph = PathwayGraph::build(catalog, [Pathway { id, issuer: org(), rule }]).unwrap();
    let facts: Vec<CredentialFact> =
        (0..n).map(|i| CredentialFact::earned(CredentialId::from(Uuid::from_u128(0x10000 + i as u128)), ach(i), month((i % 100) as u32))).collect();
    let outcome = evaluate_with(&graph, id, &facts, at(), &EvalOptions::without_plan()).unwrap();
    assert_eq!(outcome.status, Status::Complete);
    assert_eq!(outcome.used().len(), 1000);
}

// Date feasibility at registration, checked against the evaluation.

/// A small rule with dated leaves; every leaf has its own achievement.
#[derive(Debug, Clone)]
enum Dated {
    Leaf(Option<i32>, Option<i32>),
    All(Vec<Dated>, Option<u32>),
    Any(Vec<Dated>, Option<u32>),
    AtLeast(usize, Vec<Dated>, Option<u32>),
    Nested(Box<Dated>, Option<u32>),
}

fn year(y: i32) -> DateTime<Utc> {
    chrono::TimeZone::with_ymd_and_hms(&Utc, y, 1, 1, 0, 0, 0).unwrap()
}

fn gen_rule() -> impl proptest::strategy::Strategy<Value = Dated> {
    use proptest::prelude::*;
    let window = prop_oneof![1 => Just(None), 2 => (1u32..=2).prop_map(Some)];
    let leaf = (proptest::option::weighted(0.6, 2019i32..=2023), proptest::option::weighted(0.6, 2019i32..=2023)).prop_map(|(a, b)| match (a, b) {
        (Some(a), Some(b)) if a >= b => Dated::Leaf(Some(b), Some(a + 1)),
        (a, b) => Dated::Leaf(a, b),
    });
    leaf.prop_recursive(3, 10, 3, move |inner| {
        let kids = proptest::collection::vec(inner.clone(), 1..=3);
        prop_oneof![
            (kids.clone(), window.clone()).prop_map(|(k, w)| Dated::All(k, w)),
            (kids.clone(), window.clone()).prop_map(|(k, w)| Dated::Any(k, w)),
            (kids, window.clone(), 1usize..=3).prop_map(|(k, w, n)| {
                let n = n.min(k.len());
                Dated::AtLeast(n, k, w)
            }),
            (inner, window.clone()).prop_map(|(g, w)| Dated::Nested(Box::new(g), w)),
        ]
    })
}

/// A windowed `all` (or `any`) on top, where contradictions show.
fn gen_root() -> impl proptest::strategy::Strategy<Value = Dated> {
    use proptest::prelude::*;
    (proptest::collection::vec(gen_rule(), 1..=3), 1u32..=2, proptest::bool::weighted(0.3))
        .prop_map(|(k, w, any)| if any { Dated::Any(k, Some(w)) } else { Dated::All(k, Some(w)) })
}

struct DatedWorld {
    catalog: Vec<CatalogEntry>,
    pathways: Vec<Pathway>,
    leaves: Vec<AchievementId>,
    org: OrgId,
}

impl DatedWorld {
    fn entry(&mut self, t: cairn_domain::AchievementType) -> AchievementId {
        let id = AchievementId::new();
        self.catalog.push(CatalogEntry {
            id,
            name: String::new(),
            issuer: self.org,
            achievement_type: t,
            tags: vec![],
            skills: vec![],
            level: None,
            credits: None,
        });
        id
    }

    fn json(&mut self, g: &Dated) -> Value {
        let within = |v: Value, w: &Option<u32>| {
            let mut v = v;
            if let Some(y) = w {
                v["within"] = json!(format!("P{y}Y"));
            }
            v
        };
        match g {
            Dated::Leaf(a, b) => {
                let id = self.entry(cairn_domain::AchievementType::Course);
                self.leaves.push(id);
                let mut w = json!({"achievement": id.to_string()});
                if let Some(a) = a {
                    w["earned_after"] = json!(year(*a));
                }
                if let Some(b) = b {
                    w["earned_before"] = json!(year(*b));
                }
                json!({"type": "count", "min": 1, "where": w})
            }
            Dated::All(k, w) => {
                let of: Vec<Value> = k.iter().map(|c| self.json(c)).collect();
                within(json!({"type": "all", "of": of}), w)
            }
            Dated::Any(k, w) => {
                let of: Vec<Value> = k.iter().map(|c| self.json(c)).collect();
                within(json!({"type": "any", "of": of}), w)
            }
            Dated::AtLeast(n, k, w) => {
                let of: Vec<Value> = k.iter().map(|c| self.json(c)).collect();
                within(json!({"type": "at_least", "min": n, "of": of}), w)
            }
            Dated::Nested(inner, w) => {
                let requirement = self.json(inner);
                let p = self.pathway(requirement);
                within(json!({"type": "pathway", "pathway": p.to_string()}), w)
            }
        }
    }

    fn pathway(&mut self, requirement: Value) -> PathwayId {
        let award = self.entry(cairn_domain::AchievementType::Award);
        let id = PathwayId::new();
        let key = format!("p{}", self.pathways.len());
        let rule = PathwayRule::from_value(json!({
            "key": key, "name": key, "award": award.to_string(), "requirement": requirement
        }))
        .unwrap();
        self.pathways.push(Pathway { id, issuer: self.org, rule });
        id
    }
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(400))]

    /// Registration soundness for dates against windows (`feasibility`):
    /// a rule the check refuses is never complete, even for a
    /// learner holding every leaf's achievement at every year boundary
    /// (and the instant before it) from 2018 to 2025: more credentials
    /// never undo a completion, and the engine finds an allocation
    /// whenever one exists.
    #[test]
    fn a_refused_rule_is_never_complete(g in gen_root()) {
        let mut w = DatedWorld { catalog: vec![], pathways: vec![], leaves: vec![], org: OrgId::new() };
        let requirement = w.json(&g);
        let target = w.pathway(requirement);
        let graph = PathwayGraph::load(w.catalog.clone(), w.pathways.clone()).unwrap();
        let target_pathway = graph.pathway(target).unwrap().clone();
        if let Err(refused) = graph.check(&target_pathway) {
            let mut creds = Vec::new();
            for a in &w.leaves {
                for y in 2018..=2025 {
                    creds.push(CredentialFact::earned(cairn_domain::CredentialId::new(), *a, year(y)));
                    creds.push(CredentialFact::earned(
                        cairn_domain::CredentialId::new(), *a, year(y) - chrono::TimeDelta::nanoseconds(1)));
                }
            }
            let outcome = evaluate_with(&graph, target, &creds, year(2030), &EvalOptions::without_plan()).unwrap();
            proptest::prop_assert_ne!(outcome.status, Status::Complete,
                "refused ({:?}) but complete: {:?}", refused, g);
        }
    }
}
