//! `stable_until`: an outcome evaluated at `now` is the outcome at every
//! instant before the horizon (what lets the service store outcomes).

#![expect(clippy::unwrap_used, reason = "tests fail loudly on a broken fixture")]

use cairn_domain::{AchievementId, AchievementType, CredentialId, Credits, OrgId, PathwayId};
use cairn_stacking::{CatalogEntry, CredentialFact, EvalOptions, Pathway, PathwayGraph, PathwayRule, evaluate_all, stable_until};
use chrono::{DateTime, Duration, Months, TimeZone, Utc};
use proptest::prelude::*;
use serde_json::json;
use uuid::Uuid;

fn ach(i: usize) -> AchievementId {
    AchievementId::from(Uuid::from_u128(0x1000 + i as u128))
}
fn org() -> OrgId {
    OrgId::from(Uuid::from_u128(0x9))
}
fn month(m: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2020, 1, 1, 0, 0, 0).unwrap().checked_add_months(Months::new(m)).unwrap()
}

fn entry(id: AchievementId, achievement_type: AchievementType, credits: Option<&str>) -> CatalogEntry {
    CatalogEntry {
        id,
        name: format!("A{}", id),
        issuer: org(),
        achievement_type,
        tags: vec!["t".into()],
        skills: vec![],
        level: None,
        credits: credits.map(|c| Credits::parse(c, "ECTS").unwrap()),
    }
}

fn pathway(n: u128, requirement: serde_json::Value) -> Pathway {
    let award = AchievementId::from(Uuid::from_u128(0x8000 + n));
    let rule: PathwayRule = serde_json::from_value(json!({
        "key": format!("p{n}"), "name": format!("P{n}"), "award": award, "requirement": requirement,
    }))
    .unwrap();
    Pathway { id: PathwayId::from(Uuid::from_u128(0x7000 + n)), issuer: org(), rule }
}

/// A windowed count, a credit sum, a pathway nesting the first, and a
/// count between two dates.
fn graph() -> PathwayGraph {
    let mut catalog: Vec<CatalogEntry> = (0..5).map(|i| entry(ach(i), AchievementType::MicroCredential, Some(&(i % 3 + 1).to_string()))).collect();
    for n in 1..=4 {
        catalog.push(entry(AchievementId::from(Uuid::from_u128(0x8000 + n)), AchievementType::Award, None));
    }
    let counted = pathway(1, json!({ "type": "count", "min": 2, "where": { "achievement_type": "MicroCredential" }, "within": "P1Y" }));
    let credits = pathway(2, json!({ "type": "credits", "min": "4", "unit": "ECTS", "where": { "tags": ["t"] } }));
    let nested = pathway(
        3,
        json!({ "type": "all", "of": [
        { "type": "pathway", "pathway": counted.id },
        { "type": "count", "min": 1, "where": { "achievement": ach(4) } },
    ] }),
    );
    let dated = pathway(4, json!({ "type": "count", "min": 2, "where": { "tags": ["t"], "earned_after": month(6), "earned_before": month(30) } }));
    PathwayGraph::build(catalog, [counted, credits, nested, dated]).unwrap()
}

/// (achievement, awarded month, expiry after, revoked at, suspended (from, for))
type Spec = (usize, u32, Option<u32>, Option<u32>, Option<(u32, Option<u32>)>);

fn facts(specs: &[Spec]) -> Vec<CredentialFact> {
    specs
        .iter()
        .enumerate()
        .map(|(i, &(a, m, expiry, revoked, suspended))| CredentialFact {
            valid_until: expiry.map(|e| month(m + 1 + e)),
            revoked_at: revoked.map(month),
            suspensions: suspended.map(|(from, len)| (month(from), len.map(|l| month(from + 1 + l)))).into_iter().collect(),
            ..CredentialFact::earned(CredentialId::from(Uuid::from_u128(0x100 + i as u128)), ach(a), month(m))
        })
        .collect()
}

fn outcomes(graph: &PathwayGraph, facts: &[CredentialFact], at: DateTime<Utc>) -> serde_json::Value {
    let all: Vec<_> = evaluate_all(graph, facts, at, &EvalOptions::default()).into_iter().map(|(_, r)| r.unwrap()).collect();
    serde_json::to_value(all).unwrap()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]
    #[test]
    fn outcomes_hold_until_the_horizon(
        specs in proptest::collection::vec(
            (0usize..5, 0u32..36, proptest::option::of(0u32..24), proptest::option::of(0u32..48), proptest::option::of((0u32..40, proptest::option::of(0u32..12)))),
            0..7,
        ),
        now_month in 0u32..48,
    ) {
        let graph = graph();
        let facts = facts(&specs);
        let now = month(now_month) + Duration::days(3);
        let at_now = outcomes(&graph, &facts, now);
        let horizon = stable_until(&graph, &facts, now);
        let end = horizon.unwrap_or(now + Duration::days(3650));
        prop_assert!(end > now);
        let span = end - now;
        for k in 1..4 {
            let t = now + span * k / 4;
            prop_assert_eq!(&outcomes(&graph, &facts, t), &at_now, "changed at {} before the horizon {:?}", t, horizon);
        }
        prop_assert_eq!(&outcomes(&graph, &facts, end - Duration::seconds(1)), &at_now);
    }
}
