//! The rule-language decisions of docs/rule-language.md that live in the
//! service rather than the engine: a nested award kept under `keep` does not
//! make its parent hold, satisfiability is judged against the catalog at
//! registration (and dates are not compared with the clock), and `?at=`
//! reads each credential's status history.

use cairn_tests::TestApp;
use serde_json::{Value, json};

struct Org {
    org: String,
    issuer: String,
    learner_id: String,
    learner: String,
}

fn org(app: &TestApp) -> Org {
    let admin = app.admin_token();
    let org = app.org(&admin, "Rule Language College", "institution");
    let (_, issuer) = app.staff(&admin, &org, "registrar@rules.example", "issuer");
    let (learner_id, learner) = app.learner("learner@rules.example");
    Org {
        org,
        issuer,
        learner_id,
        learner,
    }
}

fn achievement(app: &TestApp, o: &Org, name: &str, kind: &str, tags: &[&str]) -> String {
    let response = app.post(
        &format!("/v1/orgs/{}/achievements", o.org),
        Some(&o.issuer),
        &json!({ "name": name, "description": name, "criteria": { "narrative": "Earn it." }, "achievementType": kind, "tags": tags }),
    );
    assert_eq!(response.status, 201, "{}", response.text);
    response.id()
}

fn register(app: &TestApp, o: &Org, rule: &Value) -> String {
    let response = app.post(
        &format!("/v1/orgs/{}/pathways", o.org),
        Some(&o.issuer),
        rule,
    );
    assert_eq!(response.status, 201, "{}", response.text);
    response.id()
}

fn issue(app: &TestApp, o: &Org, achievement: &str, awarded_at: &str) -> String {
    let response = app.post(
        &format!("/v1/orgs/{}/credentials", o.org),
        Some(&o.issuer),
        &json!({ "achievement": achievement, "recipient": { "learner": o.learner_id }, "awarded_at": awarded_at }),
    );
    assert_eq!(response.status, 201, "{}", response.text);
    response.id()
}

fn status(app: &TestApp, o: &Org, credential: &str, action: &str) {
    let response = app.post(
        &format!("/v1/credentials/{credential}/{action}"),
        Some(&o.issuer),
        &json!({ "reason": "checking" }),
    );
    assert_eq!(response.status, 200, "{}", response.text);
}

/// The statuses of the learner's credentials of `achievement`.
fn award_status(app: &TestApp, o: &Org, achievement: &str) -> Vec<String> {
    let wallet = app.get("/v1/me/wallet", Some(&o.learner)).body;
    wallet["credentials"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["achievement"] == achievement)
        .map(|c| c["status"].as_str().unwrap().to_owned())
        .collect()
}

#[test]
fn a_nested_award_kept_under_keep_does_not_make_the_parent_hold() {
    let app = TestApp::spawn();
    let o = org(&app);
    let micro: Vec<String> = (0..3)
        .map(|i| achievement(&app, &o, &format!("Micro {i}"), "MicroCredential", &[]))
        .collect();
    let course = achievement(&app, &o, "Capstone", "Course", &[]);
    let inner_award = achievement(&app, &o, "Inner award", "Award", &[]);
    let outer_award = achievement(&app, &o, "Outer award", "Certificate", &[]);
    let inner = register(
        &app,
        &o,
        &json!({
            "key": "inner", "name": "Inner", "award": inner_award, "on_constituent_revoked": "keep",
            "requirement": { "type": "count", "min": 3, "where": { "achievement_type": "MicroCredential" } }
        }),
    );
    let outer = register(
        &app,
        &o,
        &json!({
            "key": "outer", "name": "Outer", "award": outer_award, "on_constituent_revoked": "revoke",
            "requirement": { "type": "all", "of": [
                { "type": "pathway", "pathway": inner },
                { "type": "count", "min": 1, "where": { "achievement": course } }
            ] }
        }),
    );
    issue(&app, &o, &course, "2024-01-01T00:00:00Z");
    let first = issue(&app, &o, &micro[0], "2024-02-01T00:00:00Z");
    let second = issue(&app, &o, &micro[1], "2024-03-01T00:00:00Z");
    issue(&app, &o, &micro[2], "2024-04-01T00:00:00Z");
    assert_eq!(award_status(&app, &o, &inner_award), ["active"]);
    assert_eq!(award_status(&app, &o, &outer_award), ["active"]);

    // Suspension under `keep`: the inner award stays as it is; the outer
    // pathway (`revoke`) no longer holds, so its award is suspended.
    status(&app, &o, &second, "suspend");
    assert_eq!(
        award_status(&app, &o, &inner_award),
        ["active"],
        "keep: a suspension leaves the award alone"
    );
    assert_eq!(award_status(&app, &o, &outer_award), ["suspended"]);
    status(&app, &o, &second, "reinstate");
    assert_eq!(award_status(&app, &o, &outer_award), ["active"]);

    // Revocation: the inner award is kept, but the parent evaluates the
    // nested rule on credentials, not the kept award, so it no longer holds.
    status(&app, &o, &first, "revoke");
    assert_eq!(
        award_status(&app, &o, &inner_award),
        ["active"],
        "keep: the award stays"
    );
    assert_eq!(
        award_status(&app, &o, &outer_award),
        ["revoked"],
        "the kept nested award does not hold the parent"
    );
    let progress = app
        .get(&format!("/v1/me/progress/{outer}"), Some(&o.learner))
        .body;
    assert_eq!(progress["status"], "in_progress", "{progress}");
    assert_eq!(progress["requirement"]["of"][0]["type"], "pathway");
    assert_eq!(
        progress["requirement"]["of"][0]["satisfied"], false,
        "{progress}"
    );
    let inner_progress = app
        .get(&format!("/v1/me/progress/{inner}"), Some(&o.learner))
        .body;
    assert_eq!(
        inner_progress["status"], "in_progress",
        "the kept award's own pathway does not hold either"
    );
}

#[test]
fn satisfiability_is_judged_against_the_catalog_at_registration() {
    let app = TestApp::spawn();
    let o = org(&app);
    let award = achievement(&app, &o, "Award", "Award", &[]);
    let tagged = |tag: &str| {
        json!({
            "key": "tagged", "name": "Tagged", "award": award,
            "requirement": { "type": "count", "min": 1, "where": { "tags": [tag] } }
        })
    };
    // No achievement has the tag yet: nothing could ever match.
    let refused = app.post(
        &format!("/v1/orgs/{}/pathways", o.org),
        Some(&o.issuer),
        &tagged("robotics"),
    );
    refused.assert_problem(422);
    let detail = refused.body["detail"].as_str().unwrap();
    assert!(detail.contains("can never be satisfied"), "{detail}");
    assert!(
        detail.contains("requirement"),
        "the 422 names the node: {detail}"
    );
    // Once the catalog has one, the same rule is accepted.
    achievement(&app, &o, "Robot building", "MicroCredential", &["robotics"]);
    register(&app, &o, &tagged("robotics"));

    // Dates are not compared with the clock: an earned_after in the future is
    // accepted, and nothing counts before it.
    let micro = achievement(&app, &o, "Micro", "MicroCredential", &[]);
    let later_award = achievement(&app, &o, "Later award", "Award", &[]);
    let later = register(
        &app,
        &o,
        &json!({
            "key": "later", "name": "Later", "award": later_award,
            "requirement": { "type": "count", "min": 1, "where": { "achievement": micro, "earned_after": "2999-01-01T00:00:00Z" } }
        }),
    );
    issue(&app, &o, &micro, "2024-01-01T00:00:00Z");
    let progress = app
        .get(&format!("/v1/me/progress/{later}"), Some(&o.learner))
        .body;
    assert_eq!(progress["status"], "not_started", "{progress}");
}

#[test]
fn a_credential_revoked_today_still_counts_at_an_earlier_at() {
    let app = TestApp::spawn();
    let o = org(&app);
    let micro: Vec<String> = (0..2)
        .map(|i| achievement(&app, &o, &format!("Micro {i}"), "MicroCredential", &[]))
        .collect();
    let award = achievement(&app, &o, "Pair", "Award", &[]);
    let pathway = register(
        &app,
        &o,
        &json!({
            "key": "pair", "name": "Pair", "award": award,
            "requirement": { "type": "count", "min": 2, "where": { "achievement_type": "MicroCredential" } }
        }),
    );
    issue(&app, &o, &micro[0], "2024-01-01T00:00:00Z");
    let second = issue(&app, &o, &micro[1], "2024-03-01T00:00:00Z");
    status(&app, &o, &second, "revoke");
    assert_eq!(award_status(&app, &o, &award), ["revoked"]);

    let now = app
        .get(&format!("/v1/me/progress/{pathway}"), Some(&o.learner))
        .body;
    assert_eq!(now["status"], "in_progress", "{now}");
    let then = app
        .get(
            &format!("/v1/me/progress/{pathway}?at=2025-01-01T00:00:00Z"),
            Some(&o.learner),
        )
        .body;
    assert_eq!(
        then["status"], "complete",
        "revoked only today: it counted then: {then}"
    );
    assert_eq!(then["completed_at"], "2024-03-01T00:00:00Z");
    assert_eq!(
        then["requirement"]["used"].as_array().unwrap().len(),
        2,
        "{then}"
    );
}
