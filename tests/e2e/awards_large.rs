//! Awards with many constituents: a pathway needing 40 credentials is
//! awarded whatever completes it (an issue, a claim, a reinstatement, a
//! pathway update), and the award's evidence names all 40. The evidence cap
//! is for what issuers send, not for awards.

use std::collections::BTreeSet;

use cairn_tests::TestApp;
use serde_json::{Value, json};

const PARTS: usize = 40;

struct Big {
    org: String,
    issuer: String,
    learner_id: String,
    learner: String,
    parts: Vec<String>,
    award: String,
}

fn achievement(app: &TestApp, org: &str, issuer: &str, name: &str, kind: &str) -> String {
    let response = app.post(
        &format!("/v1/orgs/{org}/achievements"),
        Some(issuer),
        &json!({ "name": name, "description": name, "criteria": { "narrative": "Earn it." }, "achievementType": kind }),
    );
    assert_eq!(response.status, 201, "{}", response.text);
    response.id()
}

fn big(app: &TestApp) -> Big {
    let admin = app.admin_token();
    let org = app.org(&admin, "Open Polytechnic", "institution");
    let (_, issuer) = app.staff(&admin, &org, "registrar@open-poly.example", "issuer");
    let (learner_id, learner) = app.learner("marathon@example.org");
    let parts = (1..=PARTS)
        .map(|i| achievement(app, &org, &issuer, &format!("Unit {i}"), "Course"))
        .collect();
    let award = achievement(app, &org, &issuer, "Diploma of Forty Units", "Diploma");
    Big {
        org,
        issuer,
        learner_id,
        learner,
        parts,
        award,
    }
}

/// Forty distinct courses; `extra` narrows the selector.
fn rule(b: &Big, extra: Value) -> Value {
    let mut selector = json!({ "achievement_type": "Course" });
    if let (Some(selector), Some(extra)) = (selector.as_object_mut(), extra.as_object()) {
        selector.extend(extra.clone());
    }
    json!({ "key": "forty-units", "name": "Diploma of Forty Units", "award": b.award,
            "requirement": { "type": "count", "min": PARTS, "where": selector } })
}

fn register(app: &TestApp, b: &Big, rule: &Value) -> String {
    let response = app.post(
        &format!("/v1/orgs/{}/pathways", b.org),
        Some(&b.issuer),
        rule,
    );
    assert_eq!(response.status, 201, "{}", response.text);
    response.id()
}

/// Issues one credential of each of `parts` to the learner in one batch;
/// returns their ids.
fn issue_all(app: &TestApp, b: &Big, parts: &[String]) -> Vec<String> {
    let items: Vec<Value> = parts
        .iter()
        .map(|p| json!({ "achievement": p, "recipient": { "learner": b.learner_id }, "awarded_at": "2025-06-01T00:00:00Z" }))
        .collect();
    let response = app.post(
        &format!("/v1/orgs/{}/credentials/batch", b.org),
        Some(&b.issuer),
        &json!({ "items": items }),
    );
    assert_eq!(
        response.status,
        200,
        "{}",
        response.text.chars().take(500).collect::<String>()
    );
    assert_eq!(
        response.body["failed"],
        0,
        "{}",
        response.text.chars().take(2000).collect::<String>()
    );
    response.body["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["credential"]["id"].as_str().unwrap().to_owned())
        .collect()
}

fn issue_one(app: &TestApp, b: &Big, part: &str) -> String {
    let response = app.post(
        &format!("/v1/orgs/{}/credentials", b.org),
        Some(&b.issuer),
        &json!({ "achievement": part, "recipient": { "learner": b.learner_id }, "awarded_at": "2025-06-01T00:00:00Z" }),
    );
    assert_eq!(response.status, 201, "{}", response.text);
    response.id()
}

fn awards(app: &TestApp, b: &Big) -> Vec<Value> {
    let wallet = app.get("/v1/me/wallet", Some(&b.learner));
    assert_eq!(wallet.status, 200, "{}", wallet.text);
    wallet.body["credentials"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["achievement"] == b.award.as_str())
        .cloned()
        .collect()
}

/// Exactly one award, active and verifying, whose evidence names exactly
/// `constituents`.
fn assert_awarded_with(app: &TestApp, b: &Big, constituents: &[String]) {
    let found = awards(app, b);
    assert_eq!(found.len(), 1, "one award: {found:?}");
    let award = &found[0];
    assert_eq!(award["status"], "active");
    assert_eq!(
        award["verification"]["verified"], true,
        "{}",
        award["verification"]
    );
    let evidence = award["ob3"]["evidence"].as_array().unwrap();
    assert_eq!(evidence.len(), PARTS, "one evidence entry per constituent");
    let named: BTreeSet<String> = evidence
        .iter()
        .map(|e| e["id"].as_str().unwrap().to_owned())
        .collect();
    let expected: BTreeSet<String> = constituents
        .iter()
        .map(|id| app.url(&format!("/v1/credentials/{id}")))
        .collect();
    assert_eq!(named, expected);
    // The signed form carries the same evidence.
    let verified = app.post("/v1/verify", None, &json!({ "jwt": award["jwt"] }));
    assert_eq!(verified.body["verified"], true, "{}", verified.text);
}

#[test]
fn the_fortieth_credential_issued_completes_a_forty_credential_award() {
    let app = TestApp::spawn();
    let b = big(&app);
    register(&app, &b, &rule(&b, json!({})));
    let mut held = issue_all(&app, &b, &b.parts[..PARTS - 1]);
    assert!(awards(&app, &b).is_empty());
    held.push(issue_one(&app, &b, &b.parts[PARTS - 1]));
    assert_awarded_with(&app, &b, &held);
    // Later credentials still issue (the award is not retried into a 422).
    issue_one(&app, &b, &b.parts[0]);
    assert_eq!(awards(&app, &b).len(), 1);
}

#[test]
fn a_claim_completes_a_forty_credential_award() {
    let app = TestApp::spawn();
    let b = big(&app);
    register(&app, &b, &rule(&b, json!({})));
    let mut held = issue_all(&app, &b, &b.parts[..PARTS - 1]);
    // The last one was sent to an address that has no account.
    let sent = app.post(
        &format!("/v1/orgs/{}/credentials", b.org),
        Some(&b.issuer),
        &json!({ "achievement": b.parts[PARTS - 1], "recipient": { "email": "old-address@elsewhere.example" }, "awarded_at": "2025-06-01T00:00:00Z" }),
    );
    assert_eq!(sent.status, 201, "{}", sent.text);
    assert!(awards(&app, &b).is_empty());
    let claimed = app.post(
        "/v1/me/claims",
        Some(&b.learner),
        &json!({ "code": sent.body["claim_code"] }),
    );
    assert_eq!(claimed.status, 200, "{}", claimed.text);
    held.push(sent.id());
    assert_awarded_with(&app, &b, &held);
}

#[test]
fn a_reinstatement_completes_a_forty_credential_award() {
    let app = TestApp::spawn();
    let b = big(&app);
    let held = issue_all(&app, &b, &b.parts);
    let suspend = app.post(
        &format!("/v1/credentials/{}/suspend", held[7]),
        Some(&b.issuer),
        &json!({ "reason": "under review" }),
    );
    assert_eq!(suspend.status, 200, "{}", suspend.text);
    // Registered while one is suspended: 39 hold, no award yet.
    register(&app, &b, &rule(&b, json!({})));
    assert!(awards(&app, &b).is_empty());
    let reinstate = app.post(
        &format!("/v1/credentials/{}/reinstate", held[7]),
        Some(&b.issuer),
        &json!({ "reason": "cleared" }),
    );
    assert_eq!(reinstate.status, 200, "{}", reinstate.text);
    assert_awarded_with(&app, &b, &held);
}

#[test]
fn a_pathway_update_completes_a_forty_credential_award() {
    let app = TestApp::spawn();
    let b = big(&app);
    let held = issue_all(&app, &b, &b.parts);
    // First only credentials earned from 2026 count: none of these.
    let id = register(
        &app,
        &b,
        &rule(&b, json!({ "earned_after": "2026-01-01T00:00:00Z" })),
    );
    assert!(awards(&app, &b).is_empty());
    let updated = app.call(
        "PUT",
        &format!("/v1/pathways/{id}"),
        Some(&b.issuer),
        Some(&rule(&b, json!({}))),
    );
    assert_eq!(updated.status, 200, "{}", updated.text);
    assert_eq!(updated.body["version"], 2);
    assert_awarded_with(&app, &b, &held);
}
