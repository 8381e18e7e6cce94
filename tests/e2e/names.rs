//! Names, not ids (issue 12, items 4 and 5 over HTTP): outcomes name their
//! pathway, every explanation node has a label, `next` and `candidates`
//! carry achievement names, the graph labels its nodes with names, and an
//! unfinished pathway counts each credential once.

use cairn_tests::{AchievementBuilder, Pathway, Rule, TestApp};
use serde_json::{Value, json};

fn labels(node: &Value, out: &mut Vec<String>) {
    out.push(node["label"].as_str().unwrap_or_else(|| panic!("a node without a label: {node}")).to_owned());
    for child in node["of"].as_array().into_iter().flatten() {
        labels(child, out);
    }
}

#[test]
fn outcomes_and_graphs_speak_in_names() {
    let app = TestApp::spawn();
    let lakeside = app.institution("Lakeside University");
    let ada = app.learner("ada");
    let basics = lakeside.achievement(&AchievementBuilder::micro("Coaching Basics").credits("2", "ECTS"));
    let feedback = lakeside.achievement(&AchievementBuilder::micro("Feedback Conversations").credits("2", "ECTS"));
    let award = lakeside.achievement(&AchievementBuilder::award("Coaching Award"));
    let rule = Rule::all([
        Rule::count(2).of_type("MicroCredential").within("P3Y"),
        Rule::credits("3", "ECTS").of_type("MicroCredential").label("Three credits"),
    ]);
    let pathway = lakeside.pathway(&Pathway::new("coaching-award", "Coaching Award", &award, rule));
    lakeside.issue(&ada.id, &basics);

    let outcome = ada.progress(&pathway);
    assert_eq!(outcome["name"], "Coaching Award");
    assert_eq!(outcome["key"], "coaching-award");
    let mut all = Vec::new();
    labels(&outcome["requirement"], &mut all);
    assert_eq!(all, ["all of 2", "2 micro-credentials within 3 years", "Three credits"], "{outcome}");
    let count = &outcome["requirement"]["of"][0];
    let candidates: Vec<&Value> = count["candidates"].as_array().unwrap().iter().collect();
    let names: Vec<&str> = count["candidate_names"].as_array().unwrap().iter().map(|n| n.as_str().unwrap()).collect();
    assert_eq!(candidates.len(), names.len());
    let feedback_at = candidates.iter().position(|id| **id == json!(feedback)).expect("Feedback Conversations is a candidate");
    assert_eq!(names[feedback_at], "Feedback Conversations");
    let step =
        outcome["next"].as_array().unwrap().iter().find(|s| s["achievements"] == json!([feedback])).expect("next names Feedback Conversations");
    assert_eq!(step["names"], json!(["Feedback Conversations"]));

    let graph = app.get(&format!("/v1/pathways/{pathway}/graph"), None).assert_status(200).body.clone();
    let node_labels: Vec<&str> = graph["nodes"].as_array().unwrap().iter().map(|n| n["label"].as_str().unwrap()).collect();
    for name in ["Coaching Basics", "Feedback Conversations", "Coaching Award"] {
        assert!(node_labels.contains(&name), "graph nodes {node_labels:?} lack {name}");
    }
    let dot = app.get(&format!("/v1/pathways/{pathway}/graph?format=dot"), None).assert_status(200).text.clone();
    assert!(dot.contains("label=\"Feedback Conversations\""), "{dot}");
    assert!(!dot.contains("MicroCredential "), "DOT still names nodes by type and id: {dot}");
}

/// One credential that matches both children of an unfinished `all` fills
/// one of them, not both: the learner is not told both requirements are met.
#[test]
fn an_unfinished_pathway_counts_each_credential_once() {
    let app = TestApp::spawn();
    let lakeside = app.institution("Lakeside University");
    let ada = app.learner("ada");
    let basics = lakeside.achievement(&AchievementBuilder::micro("Coaching Basics").credits("2", "ECTS"));
    let award = lakeside.achievement(&AchievementBuilder::award("Coaching Award"));
    let rule = Rule::all([Rule::count(1).of_type("MicroCredential"), Rule::credits("2", "ECTS").of_type("MicroCredential")]);
    let pathway = lakeside.pathway(&Pathway::new("coaching-award", "Coaching Award", &award, rule));
    let credential = lakeside.issue(&ada.id, &basics)["id"].as_str().unwrap().to_owned();

    let outcome = ada.progress(&pathway);
    assert_eq!(outcome["status"], "in_progress");
    let children = outcome["requirement"]["of"].as_array().unwrap();
    let satisfied = children.iter().filter(|c| c["satisfied"] == json!(true)).count();
    assert_eq!(satisfied, 1, "one credential satisfies one child, not both: {outcome}");
    let uses = children.iter().filter(|c| c["used"].as_array().unwrap().contains(&json!(credential))).count();
    assert_eq!(uses, 1, "the credential is used under one child only: {outcome}");
    let progress = outcome["progress"].as_f64().unwrap();
    assert!((progress - 0.5).abs() < 1e-9, "half of the need is met, not 0.99 or 1: {progress}");
}
