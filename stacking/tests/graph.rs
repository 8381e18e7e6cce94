//! The pathway graph: registration, updates, ordering, affected pathways,
//! export; and the API pieces the service calls around it.

#![expect(clippy::unwrap_used, reason = "tests fail loudly on a broken fixture")]

use cairn_domain::{AchievementId, AchievementType, CredentialId, OrgId, PathwayId};
use cairn_stacking::{
    CatalogEntry, CredentialFact, EvalOptions, GraphError, Pathway, PathwayGraph, PathwayRule, Status, evaluate, evaluate_all,
    hypothetical_credential_id, what_if,
};
use chrono::{TimeZone, Utc};
use serde_json::json;
use uuid::Uuid;

fn a(i: u128) -> AchievementId {
    AchievementId::from(Uuid::from_u128(0x100 + i))
}
fn p(i: u128) -> PathwayId {
    PathwayId::from(Uuid::from_u128(0x200 + i))
}
fn org() -> OrgId {
    OrgId::from(Uuid::from_u128(1))
}
fn entry(id: AchievementId, t: AchievementType) -> CatalogEntry {
    CatalogEntry { id, name: String::new(), issuer: org(), achievement_type: t, tags: vec![], skills: vec![], level: None, credits: None }
}

/// m1..m3 micro-credentials; awards a(11), a(12), a(13) for p1..p3.
fn base() -> PathwayGraph {
    let mut catalog: Vec<CatalogEntry> = (1..=3).map(|i| entry(a(i), AchievementType::MicroCredential)).collect();
    catalog.extend((11..=13).map(|i| entry(a(i), AchievementType::Award)));
    PathwayGraph::new(catalog)
}

fn pathway(i: u128, requirement: serde_json::Value) -> Pathway {
    let rule = PathwayRule::from_value(json!({
        "key": format!("p{i}"), "name": format!("P{i}"), "award": a(10 + i).to_string(), "requirement": requirement
    }))
    .unwrap();
    Pathway { id: p(i), issuer: org(), rule }
}

fn count(ids: &[u128]) -> serde_json::Value {
    let ids: Vec<String> = ids.iter().map(|&i| a(i).to_string()).collect();
    json!({"type": "count", "min": 1, "where": {"achievements": ids}})
}

#[test]
fn ordering_affected_and_export() {
    let mut g = base();
    g.register(pathway(1, count(&[1]))).unwrap();
    // p2 counts p1's award by id and m2; p3 nests p2.
    g.register(pathway(2, json!({"type": "all", "of": [count(&[11]), count(&[2])]}))).unwrap();
    g.register(pathway(3, json!({"type": "pathway", "pathway": p(2).to_string()}))).unwrap();
    assert_eq!(g.topological_order(), vec![p(1), p(2), p(3)]);
    assert_eq!(g.affected_by_achievement(a(1)), vec![p(1), p(2), p(3)]);
    assert_eq!(g.affected_by_achievement(a(2)), vec![p(2), p(3)]);
    assert_eq!(g.affected_by_achievement(a(3)), Vec::<PathwayId>::new());

    let full = g.to_json(None);
    assert_eq!(full["nodes"].as_array().unwrap().len(), 9);
    let focused = g.to_json(Some(p(3)));
    let ids: Vec<&str> = focused["nodes"].as_array().unwrap().iter().map(|n| n["id"].as_str().unwrap()).collect();
    assert!(ids.contains(&p(2).to_string().as_str()) && !ids.contains(&p(1).to_string().as_str()));
    assert!(focused["edges"].as_array().unwrap().iter().any(|e| e["kind"] == "requires"));
    let dot = g.to_dot(Some(p(2)));
    assert!(dot.starts_with("digraph pathways {"));
    assert!(dot.contains(&format!("\"{}\" -> \"{}\"", a(2), p(2))));
}

#[test]
fn a_rejected_update_leaves_the_graph_unchanged() {
    let mut g = base();
    g.register(pathway(1, count(&[1]))).unwrap();
    g.register(pathway(2, json!({"type": "pathway", "pathway": p(1).to_string()}))).unwrap();
    // Updating p1 to nest p2 would close a cycle.
    let bad = pathway(1, json!({"type": "pathway", "pathway": p(2).to_string()}));
    let err = g.register(bad.clone()).unwrap_err();
    assert_eq!(err, GraphError::Cycle { cycle: vec!["p1".into(), "p2".into(), "p1".into()] });
    assert!(g.check(&bad).is_err());
    assert_eq!(g.pathway(p(1)).unwrap().rule.requirement, pathway(1, count(&[1])).rule.requirement);
    // Self-nesting is a cycle too.
    let selfish = pathway(3, json!({"type": "pathway", "pathway": p(3).to_string()}));
    assert!(matches!(g.register(selfish), Err(GraphError::Cycle { .. })));
    // p1 is nested in p2: it cannot be removed while p2 exists.
    assert!(matches!(g.clone().remove(p(1)), Err(GraphError::InUse { .. })));
    let mut without = g.clone();
    assert!(without.remove(p(2)).unwrap().is_some());
    assert!(without.remove(p(1)).unwrap().is_some());
    // Duplicate key in the same organisation.
    let mut dup = pathway(3, count(&[2]));
    dup.rule.key = "p1".into();
    assert!(matches!(g.register(dup), Err(GraphError::DuplicateKey { .. })));
    // An award from another organisation.
    let mut foreign = pathway(3, count(&[2]));
    foreign.issuer = OrgId::from(Uuid::from_u128(2));
    assert!(matches!(g.register(foreign), Err(GraphError::AwardNotOwned { .. })));
}

#[test]
fn catalog_changes_re_resolve_selectors() {
    let mut g = base();
    // No course in the catalog yet: unsatisfiable.
    let err = g.register(pathway(1, json!({"type": "count", "min": 1, "where": {"achievement_type": "Course"}})));
    assert!(matches!(err, Err(GraphError::Unsatisfiable { .. })), "{err:?}");
    g.upsert_achievement(entry(a(4), AchievementType::Course)).unwrap();
    g.register(pathway(1, json!({"type": "count", "min": 1, "where": {"achievement_type": "Course"}}))).unwrap();
    let at = Utc.with_ymd_and_hms(2024, 1, 1, 0, 0, 0).unwrap();
    let creds = [CredentialFact::earned(CredentialId::new(), a(4), at)];
    assert_eq!(evaluate(&g, p(1), &creds, at).unwrap().status, Status::Complete);
    assert_eq!(g.affected_by_achievement(a(4)), vec![p(1)]);
}

#[test]
fn what_if_and_evaluate_all() {
    let mut g = base();
    g.register(pathway(1, json!({"type": "all", "of": [count(&[1]), count(&[2])]}))).unwrap();
    g.register(pathway(2, json!({"type": "pathway", "pathway": p(1).to_string()}))).unwrap();
    let at = Utc.with_ymd_and_hms(2024, 1, 1, 0, 0, 0).unwrap();
    let creds = [CredentialFact::earned(CredentialId::new(), a(1), at)];
    let all = evaluate_all(&g, &creds, at, &EvalOptions::default());
    assert_eq!(all.iter().map(|(id, _)| *id).collect::<Vec<_>>(), vec![p(1), p(2)]);
    for (_, outcome) in &all {
        let outcome = outcome.as_ref().unwrap();
        assert_eq!(outcome.status, Status::InProgress);
        assert_eq!(outcome.progress, 0.5);
        assert_eq!(outcome.next[0].achievements, vec![a(2)]);
        assert!(outcome.next[0].completes);
    }
    let hypothetical = what_if(&g, p(2), &creds, &[a(2)], at, &EvalOptions::default()).unwrap();
    assert_eq!(hypothetical.status, Status::Complete);
    assert!(hypothetical.used().contains(&hypothetical_credential_id(0)));
    assert!(what_if(&g, p(2), &creds, &[a(99)], at, &EvalOptions::default()).is_err());
}

#[test]
fn outcome_json_has_the_contract_fields() {
    let mut g = base();
    g.register(pathway(
        1,
        json!({"type": "count", "min": 2, "label": "Two of them", "where": {"achievement_type": "MicroCredential"}, "within": "P3Y"}),
    ))
    .unwrap();
    let at = Utc.with_ymd_and_hms(2024, 1, 1, 0, 0, 0).unwrap();
    let c = CredentialId::new();
    let outcome = evaluate(&g, p(1), &[CredentialFact::earned(c, a(1), at)], at).unwrap();
    let v = serde_json::to_value(&outcome).unwrap();
    assert_eq!(v["pathway"], json!(p(1).to_string()));
    assert_eq!(v["status"], "in_progress");
    assert_eq!(v["progress"], 0.5);
    assert_eq!(v["completed_at"], serde_json::Value::Null);
    let r = &v["requirement"];
    assert_eq!(r["type"], "count");
    assert_eq!(r["label"], "Two of them");
    assert_eq!((r["satisfied"].clone(), r["have"].clone(), r["need"].clone()), (json!(false), json!(1), json!(2)));
    assert_eq!(r["used"], json!([c.to_string()]));
    assert_eq!(r["candidates"], json!([a(1).to_string(), a(2).to_string(), a(3).to_string()]));
    assert_eq!(r["of"], json!([]));
    assert_eq!(v["next"][0]["completes"], true);
    // The rule round-trips through its JSON contract form.
    let rule = &g.pathway(p(1)).unwrap().rule;
    assert_eq!(&PathwayRule::from_value(rule.to_value()).unwrap(), rule);
}

#[test]
fn dates_that_cannot_fit_a_window_are_rejected_also_through_nesting_and_updates() {
    let dated = |i: u128, after: Option<&str>, before: Option<&str>| {
        let mut w = json!({"achievement": a(i).to_string()});
        if let Some(x) = after {
            w["earned_after"] = json!(x);
        }
        if let Some(x) = before {
            w["earned_before"] = json!(x);
        }
        json!({"type": "count", "min": 1, "where": w})
    };
    let late = dated(2, Some("2024-12-01T00:00:00Z"), None);
    let mut g = base();
    // The first case: no one-year window holds both.
    let direct = pathway(1, json!({"type": "all", "within": "P1Y", "of": [dated(1, None, Some("2021-12-02T00:00:00Z")), late]}));
    let err = g.check(&direct).unwrap_err();
    assert!(matches!(err, GraphError::Unsatisfiable { ref path, .. } if path == "requirement"), "{err:?}");
    assert_eq!(
        err.to_string(),
        "requirement: can never be satisfied: requirement.of[1] needs a credential earned on or after \
         2024-12-01T00:00:00Z and requirement.of[0] one earned before 2021-12-02T00:00:00Z: they cannot lie in one window of P1Y"
    );

    // Through a nested pathway; a P4Y window fits.
    g.register(pathway(1, dated(1, None, Some("2022-01-01T00:00:00Z")))).unwrap();
    let nest = |within: &str| {
        pathway(
            2,
            json!({"type": "all", "within": within, "of": [
        {"type": "pathway", "pathway": p(1).to_string()}, late]}),
        )
    };
    let err = g.register(nest("P2Y")).unwrap_err();
    assert!(err.to_string().contains("requirement.of[0] -> pathway `p1` requirement one earned before 2022-01-01T00:00:00Z"), "{err}");
    g.register(nest("P4Y")).unwrap();

    // Updating the nested pathway so that its parent can no longer hold is refused too.
    let earlier = pathway(1, dated(1, None, Some("2019-01-01T00:00:00Z")));
    let err = g.register(earlier.clone()).unwrap_err();
    assert!(err.to_string().starts_with("pathway `p2` (which nests this one) requirement: can never be satisfied:"), "{err}");
    assert!(g.check(&earlier).is_err());
    g.register(pathway(1, dated(1, None, Some("2021-01-01T00:00:00Z")))).unwrap();

    // A rule stored before this check still loads (it can simply never
    // complete): a stricter registration must not stop the service.
    let catalog: Vec<CatalogEntry> = g.catalog().values().cloned().collect();
    assert!(PathwayGraph::build(catalog.clone(), [direct.clone()]).is_err());
    let loaded = PathwayGraph::load(catalog, [direct.clone()]).unwrap();
    assert!(loaded.pathway(direct.id).is_some());
}

#[test]
fn credits_are_not_bounded_by_the_catalog_amounts() {
    let two = |id| CatalogEntry { credits: Some(cairn_domain::Credits::parse("2", "ECTS").unwrap()), ..entry(a(id), AchievementType::Course) };
    let mut g = base();
    g.upsert_achievement(two(4)).unwrap();
    g.upsert_achievement(two(5)).unwrap();
    let rule = |where_: serde_json::Value| pathway(1, json!({"type": "credits", "min": "6", "unit": "ECTS", "where": where_}));
    let ids = [a(4).to_string(), a(5).to_string()];
    // 6 ECTS over two achievements of 2 ECTS: one credential carrying 6 can satisfy it.
    g.register(rule(json!({"achievements": ids}))).unwrap();
    let at = Utc.with_ymd_and_hms(2024, 1, 1, 0, 0, 0).unwrap();
    let mut fact = CredentialFact::earned(CredentialId::new(), a(4), at);
    fact.credits = Some(cairn_domain::Credits::parse("6", "ECTS").unwrap());
    assert_eq!(evaluate(&g, p(1), &[fact], at).unwrap().status, Status::Complete);
    // Also in a unit no catalog entry uses (a credential may carry any unit).
    g.check(&pathway(1, json!({"type": "credits", "min": "6", "unit": "hours", "where": {"achievements": ids}}))).unwrap();
    // A selector that matches nothing is refused.
    let err = g.check(&rule(json!({"achievement_type": "Certificate"}))).unwrap_err();
    assert_eq!(err.to_string(), "requirement: can never be satisfied: needs 6 ECTS but no achievement in the catalog matches");
}

#[test]
fn names_label_outcomes_explanations_next_and_the_graph() {
    let named = |i: u128, name: &str, t| CatalogEntry { name: name.to_owned(), ..entry(a(i), t) };
    let mut g = PathwayGraph::new([
        named(1, "Formative Assessment", AchievementType::MicroCredential),
        named(2, "Inclusive Classrooms", AchievementType::MicroCredential),
        entry(a(3), AchievementType::MicroCredential),
        named(11, "Foundations Award", AchievementType::Award),
        named(12, "Professional Learning Award", AchievementType::Award),
    ]);
    g.register(pathway(1, json!({"type": "count", "min": 2, "where": {"achievement_type": "MicroCredential"}, "within": "P3Y"}))).unwrap();
    g.register(pathway(2, json!({"type": "all", "of": [{"type": "pathway", "pathway": p(1).to_string()}, count(&[2])]}))).unwrap();
    let at = Utc.with_ymd_and_hms(2024, 1, 1, 0, 0, 0).unwrap();
    let outcome = evaluate(&g, p(2), &[CredentialFact::earned(CredentialId::new(), a(1), at)], at).unwrap();
    assert_eq!((outcome.name.as_str(), outcome.key.as_str()), ("P2", "p2"));
    let root = &outcome.requirement;
    assert_eq!(root.label, "all of 2");
    assert_eq!(root.of[0].label, "the pathway P1");
    assert_eq!(root.of[0].of[0].label, "2 micro-credentials within 3 years");
    assert_eq!(root.of[1].label, "1 of Inclusive Classrooms");
    // Names beside ids, in the same order; an unnamed achievement by its id.
    let leaf = &root.of[0].of[0];
    assert_eq!(leaf.candidates.len(), leaf.candidate_names.len());
    assert_eq!(&*leaf.candidate_names, ["Formative Assessment", "Inclusive Classrooms", &a(3).to_string()]);
    assert!(!outcome.next.is_empty());
    for step in &outcome.next {
        let want: Vec<String> = step
            .achievements
            .iter()
            .map(|id| Some(g.catalog()[id].name.clone()).filter(|n| !n.is_empty()).unwrap_or_else(|| id.to_string()))
            .collect();
        assert_eq!(step.names, want);
    }
    // The graph, JSON and DOT: names, not "MicroCredential <uuid>".
    let json = g.to_json(Some(p(2)));
    let labels: Vec<&str> = json["nodes"].as_array().unwrap().iter().filter_map(|n| n["label"].as_str()).collect();
    assert!(labels.contains(&"Inclusive Classrooms") && labels.contains(&"P1") && labels.contains(&"P2"), "{labels:?}");
    assert!(labels.contains(&format!("MicroCredential {}", a(3)).as_str()), "an unnamed achievement shows its type and id");
    let dot = g.to_dot(Some(p(2)));
    assert!(dot.contains("label=\"Formative Assessment\"") && dot.contains("label=\"P1\""), "{dot}");
}
