//! Stacking engine benchmarks (see BENCHMARKS.md for figures). They run
//! with mimalloc, the allocator of the service binary.
//!
//! Synthetic world: 4 institutions, 200 catalog achievements (types, 20
//! tags, credits in ECTS or hours), 100 pathways of about 10 nodes each
//! (count with a 3-year window, credits with a conversion, any, at_least,
//! a nested pathway for a tenth of them). Learners: credentials drawn from a
//! fixed pseudo-random sequence, so every run measures the same work.

#![expect(clippy::unwrap_used, reason = "a benchmark fails loudly on a broken fixture")]

use std::hint::black_box;
use std::time::Duration;

use cairn_domain::{AchievementId, AchievementType, CredentialId, Credits, Level, OrgId, PathwayId};
use cairn_stacking::{CatalogEntry, CredentialFact, EvalOptions, Pathway, PathwayGraph, PathwayRule, evaluate_all, evaluate_with};
use chrono::{DateTime, Duration as Days, TimeZone, Utc};
use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use serde_json::json;
use uuid::Uuid;

// The allocator the service runs with (api/src/main.rs).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

struct Lcg(u64);
impl Lcg {
    fn next(&mut self, n: u64) -> u64 {
        self.0 = self.0.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        (self.0 >> 33) % n
    }
}

const N_ACH: usize = 200;
const N_TAGS: usize = 20;

fn ach(i: usize) -> AchievementId {
    AchievementId::from(Uuid::from_u128(0x1_0000 + i as u128))
}
fn org(i: usize) -> OrgId {
    OrgId::from(Uuid::from_u128(0x10 + i as u128))
}
fn start() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2018, 1, 1, 0, 0, 0).unwrap()
}
fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap()
}

fn catalog() -> Vec<CatalogEntry> {
    let types = [AchievementType::MicroCredential, AchievementType::Course, AchievementType::Badge, AchievementType::Certificate];
    (0..N_ACH)
        .map(|i| CatalogEntry {
            id: ach(i),
            name: String::new(),
            issuer: org(i % 4),
            achievement_type: types[i % 4].clone(),
            tags: vec![format!("t{}", i % N_TAGS), format!("t{}", (i * 7) % N_TAGS)],
            skills: vec![format!("https://skills.example/{}", i % 30)],
            level: Some(Level::ALL[i % 4]),
            credits: Some(if i % 5 == 0 {
                Credits::parse(&format!("{}", 25 * (1 + i % 4)), "hours").unwrap()
            } else {
                Credits::parse(&format!("{}", 1 + i % 6), "ECTS").unwrap()
            }),
        })
        .collect()
}

/// An award achievement of the catalog.
fn award_entry(id: AchievementId, issuer: OrgId) -> CatalogEntry {
    CatalogEntry {
        id,
        name: String::new(),
        issuer,
        achievement_type: AchievementType::Award,
        tags: vec![],
        skills: vec![],
        level: None,
        credits: None,
    }
}

/// A 10-node rule (root + 9), varied by `k`.
fn typical_rule(k: usize, award: AchievementId, nested: Option<PathwayId>) -> PathwayRule {
    let t = |d: usize| format!("t{}", (k + d) % N_TAGS);
    let first = match nested {
        Some(p) => json!({"type": "pathway", "pathway": p.to_string()}),
        None => json!({"type": "count", "min": 2, "where": {"tags": [t(0), t(1)]}}),
    };
    PathwayRule::from_value(json!({
        "key": format!("pathway-{k}"), "name": format!("Pathway {k}"), "award": award.to_string(),
        "conversions": {"hours": {"ECTS": "0.04"}},
        "requirement": {"type": "all", "of": [
            first,
            {"type": "count", "min": 3, "within": "P3Y", "where": {"tags": [t(2), t(3), t(4)]}},
            {"type": "credits", "min": "10", "unit": "ECTS", "where": {"issuer": org(k % 4).to_string()}},
            {"type": "any", "of": [
                {"type": "count", "min": 1, "where": {"achievement": ach((k * 3) % N_ACH).to_string()}},
                {"type": "count", "min": 1, "where": {"skill": format!("https://skills.example/{}", k % 30), "min_level": "intermediate"}}
            ]},
            {"type": "at_least", "min": 2, "of": [
                {"type": "count", "min": 1, "where": {"tags": [t(5)]}},
                {"type": "count", "min": 1, "where": {"tags": [t(6)]}},
                {"type": "count", "min": 1, "where": {"tags": [t(7)]}}
            ]}
        ]}
    }))
    .unwrap()
}

fn world() -> (PathwayGraph, Vec<PathwayId>) {
    let mut cat = catalog();
    let mut pathways: Vec<Pathway> = Vec::new();
    for k in 0..100 {
        let award = AchievementId::from(Uuid::from_u128(0x9_0000 + k as u128));
        cat.push(award_entry(award, org(k % 4)));
        // Every tenth pathway nests the one before it.
        let nested = (k % 10 == 9).then(|| pathways[k - 1].id);
        let id = PathwayId::from(Uuid::from_u128(0x5_0000 + k as u128));
        pathways.push(Pathway { id, issuer: org(k % 4), rule: typical_rule(k, award, nested) });
    }
    let ids = pathways.iter().map(|p| p.id).collect();
    (PathwayGraph::build(cat, pathways).unwrap(), ids)
}

fn learner(seed: u64, n: usize) -> Vec<CredentialFact> {
    let mut rng = Lcg(seed);
    (0..n)
        .map(|i| {
            let mut f = CredentialFact::earned(
                CredentialId::from(Uuid::from_u128(((seed as u128) << 32) + i as u128)),
                ach(rng.next(N_ACH as u64) as usize),
                start() + Days::days(rng.next(8 * 365) as i64),
            );
            match rng.next(20) {
                0 => f.valid_until = Some(start() + Days::days(rng.next(10 * 365) as i64)),
                1 => f.revoked_at = Some(now() - Days::days(30)),
                _ => {}
            }
            f
        })
        .collect()
}

/// `batch` evaluations, learners and pathways taken in turn; how many complete.
fn run_batch(graph: &PathwayGraph, pathways: &[PathwayId], pool: &[Vec<CredentialFact>], batch: usize) -> usize {
    let no_plan = EvalOptions::without_plan();
    (0..batch)
        .filter(|i| {
            let o = evaluate_with(graph, pathways[i % pathways.len()], &pool[i % pool.len()], now(), &no_plan).unwrap();
            o.status == cairn_stacking::Status::Complete
        })
        .count()
}

fn bench(c: &mut Criterion) {
    let (graph, ids) = world();
    let no_plan = EvalOptions::without_plan();

    let mut g = c.benchmark_group("one_learner_100_pathways");
    for n in [50usize, 500] {
        let creds = learner(n as u64, n);
        g.throughput(Throughput::Elements(100));
        g.bench_with_input(BenchmarkId::new("evaluate_all", n), &creds, |b, creds| {
            b.iter(|| black_box(evaluate_all(&graph, creds, now(), &no_plan)))
        });
        g.bench_with_input(BenchmarkId::new("evaluate_all_with_next", n), &creds, |b, creds| {
            b.iter(|| black_box(evaluate_all(&graph, creds, now(), &EvalOptions::default())))
        });
    }
    g.finish();

    // One learner x one pathway, the unit the throughput target is about.
    let mut g = c.benchmark_group("single_evaluation");
    let creds = learner(7, 50);
    g.throughput(Throughput::Elements(1));
    g.bench_function("50_credentials_10_node_rule", |b| b.iter(|| black_box(evaluate_with(&graph, ids[3], &creds, now(), &no_plan).unwrap())));
    g.bench_function("50_credentials_10_node_rule_with_next", |b| {
        b.iter(|| black_box(evaluate_with(&graph, ids[3], &creds, now(), &EvalOptions::default()).unwrap()))
    });
    let (dgraph, did) = disjoint_world();
    g.bench_function("50_credentials_10_node_rule_disjoint_selectors", |b| {
        b.iter(|| black_box(evaluate_with(&dgraph, did, &creds, now(), &no_plan).unwrap()))
    });
    g.finish();

    // Batch: 1,000 distinct learners of 50 credentials, cycled to reach the
    // batch size, each against one typical pathway (rotating over 100).
    let pool: Vec<Vec<CredentialFact>> = (0..1000).map(|s| learner(1000 + s, 50)).collect();
    let mut g = c.benchmark_group("batch_learners");
    g.sample_size(10);
    for batch in [1_000usize, 10_000, 100_000] {
        g.throughput(Throughput::Elements(batch as u64));
        g.bench_with_input(BenchmarkId::from_parameter(batch), &batch, |b, &batch| b.iter(|| black_box(run_batch(&graph, &ids, &pool, batch))));
    }
    g.finish();

    // The same, over the 90 pathways that nest none: every rule exactly the
    // 10 nodes of the target (a nesting one inlines the nested rule: 19).
    let flat: Vec<PathwayId> = ids.iter().enumerate().filter(|(k, _)| k % 10 != 9).map(|(_, id)| *id).collect();
    let mut g = c.benchmark_group("batch_learners_10_node_rules");
    g.sample_size(10);
    for batch in [10_000usize, 100_000] {
        g.throughput(Throughput::Elements(batch as u64));
        g.bench_with_input(BenchmarkId::from_parameter(batch), &batch, |b, &batch| b.iter(|| black_box(run_batch(&graph, &flat, &pool, batch))));
    }
    g.finish();

    // Worst cases for the allocation search.
    let mut g = c.benchmark_group("worst_case_allocation");
    let (hall_graph, hall_id, hall_creds) = hall_violation();
    g.bench_function("hall_violation_14_credentials_7_leaves", |b| {
        b.iter(|| black_box(evaluate_with(&hall_graph, hall_id, &hall_creds, now(), &no_plan).unwrap()))
    });
    let (cont_graph, cont_id, cont_creds) = contested();
    g.bench_function("contested_500_credentials_8_overlapping_leaves_window", |b| {
        b.iter(|| black_box(evaluate_with(&cont_graph, cont_id, &cont_creds, now(), &no_plan).unwrap()))
    });
    let (split_graph, split_id, split_creds) = uneven_split();
    g.bench_function("two_credit_pools_no_exact_split_16_credentials", |b| {
        b.iter(|| black_box(evaluate_with(&split_graph, split_id, &split_creds, now(), &no_plan).unwrap()))
    });
    g.finish();
}

/// The same shape of rule, but every leaf names its own 10 achievements
/// (a program's explicit course lists): no credential fits two leaves.
fn disjoint_world() -> (PathwayGraph, PathwayId) {
    let mut cat = catalog();
    let award = AchievementId::from(Uuid::from_u128(0xA_0002));
    cat.push(award_entry(award, org(0)));
    let list = |k: usize| (0..10).map(|i| ach(k * 10 + i).to_string()).collect::<Vec<_>>();
    let rule = PathwayRule::from_value(json!({
        "key": "disjoint", "name": "disjoint", "award": award.to_string(),
        "conversions": {"hours": {"ECTS": "0.04"}},
        "requirement": {"type": "all", "of": [
            {"type": "count", "min": 2, "where": {"achievements": list(0)}},
            {"type": "count", "min": 3, "within": "P3Y", "where": {"achievements": list(1)}},
            {"type": "credits", "min": "10", "unit": "ECTS", "where": {"achievements": list(2)}},
            {"type": "any", "of": [
                {"type": "count", "min": 1, "where": {"achievements": list(3)}},
                {"type": "count", "min": 1, "where": {"achievements": list(4)}}
            ]},
            {"type": "at_least", "min": 2, "of": [
                {"type": "count", "min": 1, "where": {"achievements": list(5)}},
                {"type": "count", "min": 1, "where": {"achievements": list(6)}},
                {"type": "count", "min": 1, "where": {"achievements": list(7)}}
            ]}
        ]}
    }))
    .unwrap();
    let id = PathwayId::from(Uuid::from_u128(0xB_0002));
    (PathwayGraph::build(cat, [Pathway { id, issuer: org(0), rule }]).unwrap(), id)
}

/// Six leaves need 2 each of 10 credentials, a seventh 2 of 14: impossible,
/// but every cheap bound passes, so the search must exhaust it.
fn hall_violation() -> (PathwayGraph, PathwayId, Vec<CredentialFact>) {
    let n = 14;
    let mut cat = catalog();
    cat.truncate(n);
    let award = AchievementId::from(Uuid::from_u128(0xA_0000));
    cat.push(award_entry(award, org(0)));
    let ids = |k: usize| (0..k).map(|i| ach(i).to_string()).collect::<Vec<_>>();
    let mut of = vec![json!({"type": "count", "min": 2, "where": {"achievements": ids(10)}}); 6];
    of.push(json!({"type": "count", "min": 2, "where": {"achievements": ids(14)}}));
    let rule = PathwayRule::from_value(json!({
        "key": "hall", "name": "hall", "award": award.to_string(), "requirement": {"type": "all", "of": of}
    }))
    .unwrap();
    let id = PathwayId::from(Uuid::from_u128(0xB_0000));
    let graph = PathwayGraph::build(cat, [Pathway { id, issuer: org(0), rule }]).unwrap();
    let creds =
        (0..n).map(|i| CredentialFact::earned(CredentialId::from(Uuid::from_u128(i as u128 + 1)), ach(i), start() + Days::days(i as i64))).collect();
    (graph, id, creds)
}

/// Two credits leaves over the same 16 achievements worth even credits (2,
/// 4, ..., 30 and 2 again: 242), each needing 121: every bound passes, but
/// no subset makes 121 exactly, so the search must try the ways of sharing
/// them out (the adversarial case of the property tests' budget test).
fn uneven_split() -> (PathwayGraph, PathwayId, Vec<CredentialFact>) {
    let n = 16;
    let mut cat: Vec<CatalogEntry> = (0..n)
        .map(|i| CatalogEntry {
            id: ach(i),
            name: String::new(),
            issuer: org(0),
            achievement_type: AchievementType::MicroCredential,
            tags: vec![],
            skills: vec![],
            level: None,
            credits: Some(Credits::parse(&(if i == n - 1 { 2 } else { 2 * (i + 1) }).to_string(), "ECTS").unwrap()),
        })
        .collect();
    let award = AchievementId::from(Uuid::from_u128(0xA_0003));
    cat.push(award_entry(award, org(0)));
    let ids: Vec<String> = (0..n).map(|i| ach(i).to_string()).collect();
    let pool = json!({"type": "credits", "min": "121", "unit": "ECTS", "where": {"achievements": ids}});
    let rule = PathwayRule::from_value(json!({
        "key": "split", "name": "split", "award": award.to_string(),
        "requirement": {"type": "all", "of": [pool.clone(), pool]}
    }))
    .unwrap();
    let id = PathwayId::from(Uuid::from_u128(0xB_0003));
    let graph = PathwayGraph::build(cat, [Pathway { id, issuer: org(0), rule }]).unwrap();
    let creds =
        (0..n).map(|i| CredentialFact::earned(CredentialId::from(Uuid::from_u128(i as u128 + 1)), ach(i), start() + Days::days(i as i64))).collect();
    (graph, id, creds)
}

/// 500 credentials over 200 achievements; 8 overlapping tag leaves under a
/// 2-year window, satisfiable, with many equivalent allocations.
fn contested() -> (PathwayGraph, PathwayId, Vec<CredentialFact>) {
    let mut cat = catalog();
    let award = AchievementId::from(Uuid::from_u128(0xA_0001));
    cat.push(award_entry(award, org(0)));
    let of: Vec<_> = (0..8).map(|k| json!({"type": "count", "min": 3, "where": {"tags": [format!("t{k}"), format!("t{}", k + 1)]}})).collect();
    let rule = PathwayRule::from_value(json!({
        "key": "contested", "name": "contested", "award": award.to_string(),
        "requirement": {"type": "all", "within": "P2Y", "of": of}
    }))
    .unwrap();
    let id = PathwayId::from(Uuid::from_u128(0xB_0001));
    let graph = PathwayGraph::build(cat, [Pathway { id, issuer: org(0), rule }]).unwrap();
    (graph, id, learner(99, 500))
}

fn config() -> Criterion {
    Criterion::default().warm_up_time(Duration::from_secs(1)).measurement_time(Duration::from_secs(3))
}

criterion_group! { name = benches; config = config(); targets = bench }
criterion_main!(benches);
