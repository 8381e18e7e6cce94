//! Awards with many constituents: a pathway needing 40 credentials is
//! awarded whatever completes it (an issue, a claim, a reinstatement, a
//! pathway update), and the award's evidence names all 40. The evidence cap
//! is for what issuers send, not for awards.

use std::collections::BTreeSet;

use cairn_tests::{AchievementBuilder, Institution, IssueRequest, Learner, Pathway, Rule, TestApp};
use serde_json::{Value, json};

const PARTS: usize = 40;

struct Big {
    poly: Institution,
    learner: Learner,
    parts: Vec<String>,
    award: String,
}

fn big(app: &TestApp) -> Big {
    let poly = app.institution("Open Polytechnic");
    let learner = app.learner("marathon");
    let parts = (1..=PARTS).map(|i| poly.achievement(&AchievementBuilder::course(&format!("Unit {i}")))).collect();
    let award = poly.achievement(&AchievementBuilder::new("Diploma of Forty Units", "Diploma"));
    Big { poly, learner, parts, award }
}

/// Forty distinct courses; `earned_after` narrows the selector.
fn rule(b: &Big, earned_after: Option<&str>) -> Value {
    let mut requirement = Rule::count(PARTS as u32).of_type("Course");
    if let Some(after) = earned_after {
        requirement = requirement.earned_after(after);
    }
    Pathway::new("forty-units", "Diploma of Forty Units", &b.award, requirement).into()
}

/// Issues one credential of each of `parts` to the learner in one batch;
/// returns their ids.
fn issue_all(b: &Big, parts: &[String]) -> Vec<String> {
    let items: Vec<IssueRequest> = parts.iter().map(|p| IssueRequest::new(p).to(&b.learner.id).awarded_at("2025-06-01T00:00:00Z")).collect();
    let response = b.poly.batch(&items);
    assert_eq!(response.status, 200, "{}", response.text.chars().take(500).collect::<String>());
    assert_eq!(response.body["failed"], 0, "{}", response.text.chars().take(2000).collect::<String>());
    response.body["results"].as_array().unwrap().iter().map(|r| r["credential"]["id"].as_str().unwrap().to_owned()).collect()
}

fn issue_one(b: &Big, part: &str) -> String {
    b.poly.issue_at(&b.learner.id, part, "2025-06-01T00:00:00Z")["id"].as_str().unwrap().to_owned()
}

/// Exactly one award, active and verifying, whose evidence names exactly
/// `constituents`.
fn assert_awarded_with(app: &TestApp, b: &Big, constituents: &[String]) {
    let found = b.learner.held(&b.award);
    assert_eq!(found.len(), 1, "one award: {found:?}");
    let award = &found[0];
    assert_eq!(award["status"], "active");
    assert_eq!(award["verification"]["verified"], true, "{}", award["verification"]);
    let evidence = award["ob3"]["evidence"].as_array().unwrap();
    assert_eq!(evidence.len(), PARTS, "one evidence entry per constituent");
    let named: BTreeSet<String> = evidence.iter().map(|e| e["id"].as_str().unwrap().to_owned()).collect();
    let expected: BTreeSet<String> = constituents.iter().map(|id| app.url(&format!("/v1/credentials/{id}"))).collect();
    assert_eq!(named, expected);
    // The signed form carries the same evidence.
    let verified = app.post("/v1/verify", None, &json!({ "jwt": award["jwt"] }));
    assert_eq!(verified.body["verified"], true, "{}", verified.text);
}

#[test]
fn the_fortieth_credential_issued_completes_a_forty_credential_award() {
    let app = TestApp::spawn();
    let b = big(&app);
    b.poly.pathway(&rule(&b, None));
    let mut held = issue_all(&b, &b.parts[..PARTS - 1]);
    assert!(b.learner.held(&b.award).is_empty());
    held.push(issue_one(&b, &b.parts[PARTS - 1]));
    assert_awarded_with(&app, &b, &held);
    // Later credentials still issue (the award is not retried into a 422).
    issue_one(&b, &b.parts[0]);
    assert_eq!(b.learner.held(&b.award).len(), 1);
}

#[test]
fn a_claim_completes_a_forty_credential_award() {
    let app = TestApp::spawn();
    let b = big(&app);
    b.poly.pathway(&rule(&b, None));
    let mut held = issue_all(&b, &b.parts[..PARTS - 1]);
    // The last one was sent to an address that has no account.
    let sent = b.poly.try_issue(&json!({ "achievement": b.parts[PARTS - 1], "recipient": { "email": "old-address@elsewhere.example" }, "awarded_at": "2025-06-01T00:00:00Z" }));
    assert_eq!(sent.status, 201, "{}", sent.text);
    assert!(b.learner.held(&b.award).is_empty());
    let claimed = b.learner.post("/v1/me/claims", &json!({ "code": sent.body["claim_code"] }));
    assert_eq!(claimed.status, 200, "{}", claimed.text);
    held.push(sent.id());
    assert_awarded_with(&app, &b, &held);
}

#[test]
fn a_reinstatement_completes_a_forty_credential_award() {
    let app = TestApp::spawn();
    let b = big(&app);
    let held = issue_all(&b, &b.parts);
    let suspend = b.poly.issuer.post(&format!("/v1/credentials/{}/suspend", held[7]), &json!({ "reason": "under review" }));
    assert_eq!(suspend.status, 200, "{}", suspend.text);
    // Registered while one is suspended: 39 hold, no award yet.
    b.poly.pathway(&rule(&b, None));
    assert!(b.learner.held(&b.award).is_empty());
    let reinstate = b.poly.issuer.post(&format!("/v1/credentials/{}/reinstate", held[7]), &json!({ "reason": "cleared" }));
    assert_eq!(reinstate.status, 200, "{}", reinstate.text);
    assert_awarded_with(&app, &b, &held);
}

#[test]
fn a_pathway_update_completes_a_forty_credential_award() {
    let app = TestApp::spawn();
    let b = big(&app);
    let held = issue_all(&b, &b.parts);
    // First only credentials earned from 2026 count: none of these.
    let id = b.poly.pathway(&rule(&b, Some("2026-01-01T00:00:00Z")));
    assert!(b.learner.held(&b.award).is_empty());
    let updated = b.poly.issuer.put_and_wait(&format!("/v1/pathways/{id}"), &rule(&b, None));
    assert_eq!(updated.status, 200, "{}", updated.text);
    assert_eq!(updated.body["version"], 2);
    assert_awarded_with(&app, &b, &held);
}
