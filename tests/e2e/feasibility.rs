//! Registration refuses rules that can never be satisfied because of their
//! dates (issue 13, section 2): `earned_after` / `earned_before` that cannot
//! lie in one `within` window, directly or through a nested pathway, and the
//! update of a nested pathway that would make its parent impossible. And the
//! credits decision of section 3: the catalog amounts are no upper bound.

use cairn_tests::TestApp;
use serde_json::{Value, json};

struct School {
    org: String,
    issuer: String,
    learner_id: String,
    learner: String,
}

fn school(app: &TestApp) -> School {
    let admin = app.admin_token();
    let org = app.org(&admin, "Northbrook Schools Association", "institution");
    let (_, issuer) = app.staff(&admin, &org, "pd@northbrook.example", "issuer");
    let (learner_id, learner) = app.learner("teacher@northbrook.example");
    School {
        org,
        issuer,
        learner_id,
        learner,
    }
}

fn achievement(app: &TestApp, s: &School, name: &str, kind: &str, credits: Option<&str>) -> String {
    let mut body = json!({ "name": name, "description": name, "criteria": { "narrative": "Earn it." }, "achievementType": kind });
    if let Some(amount) = credits {
        body["credits"] = json!({ "amount": amount, "unit": "ECTS" });
    }
    let response = app.post(
        &format!("/v1/orgs/{}/achievements", s.org),
        Some(&s.issuer),
        &body,
    );
    assert_eq!(response.status, 201, "{}", response.text);
    response.id()
}

fn rule(app: &TestApp, s: &School, key: &str, requirement: Value) -> Value {
    let award = achievement(app, s, &format!("{key} award"), "Award", None);
    json!({ "key": key, "name": key, "award": award, "issuance": "automatic", "requirement": requirement })
}

fn dated(achievement: &str, after: Option<&str>, before: Option<&str>) -> Value {
    let mut selector = json!({ "achievement": achievement });
    if let Some(a) = after {
        selector["earned_after"] = json!(a);
    }
    if let Some(b) = before {
        selector["earned_before"] = json!(b);
    }
    json!({ "type": "count", "min": 1, "where": selector })
}

fn issue(app: &TestApp, s: &School, achievement: &str, awarded_at: &str, credits: Option<&str>) {
    let mut body = json!({ "achievement": achievement, "recipient": { "learner": s.learner_id }, "awarded_at": awarded_at });
    if let Some(amount) = credits {
        body["credits_earned"] = json!({ "amount": amount, "unit": "ECTS" });
    }
    let response = app.post(
        &format!("/v1/orgs/{}/credentials", s.org),
        Some(&s.issuer),
        &body,
    );
    assert_eq!(response.status, 201, "{}", response.text);
}

fn holds_award(app: &TestApp, s: &School, rule: &Value) -> bool {
    let wallet = app.get("/v1/me/wallet", Some(&s.learner));
    wallet.body["credentials"]
        .as_array()
        .unwrap()
        .iter()
        .any(|c| c["achievement"] == rule["award"])
}

fn detail(response: &cairn_tests::Response) -> String {
    response.assert_problem(422);
    response.body["detail"]
        .as_str()
        .unwrap_or_default()
        .to_owned()
}

#[test]
fn dates_that_no_window_can_hold_are_refused_with_the_contradiction_named() {
    let app = TestApp::spawn();
    let s = school(&app);
    let x = achievement(&app, &s, "X", "Course", None);
    let y = achievement(&app, &s, "Y", "Course", None);
    let impossible = rule(
        &app,
        &s,
        "impossible",
        json!({ "type": "all", "within": "P1Y", "of": [
        dated(&x, None, Some("2021-12-02T00:00:00Z")), dated(&y, Some("2024-12-01T00:00:00Z"), None)] }),
    );
    let response = app.post(
        &format!("/v1/orgs/{}/pathways", s.org),
        Some(&s.issuer),
        &impossible,
    );
    let text = detail(&response);
    assert!(
        text.contains("requirement: can never be satisfied"),
        "{text}"
    );
    assert!(
        text.contains(
            "requirement.of[1] needs a credential earned on or after 2024-12-01T00:00:00Z"
        ),
        "{text}"
    );
    assert!(
        text.contains("requirement.of[0] one earned before 2021-12-02T00:00:00Z"),
        "{text}"
    );
    assert!(text.contains("one window of P1Y"), "{text}");
    // The dry run judges it the same way; nothing is registered.
    let dry = app.post(
        &format!("/v1/orgs/{}/pathways/dry-run", s.org),
        Some(&s.issuer),
        &impossible,
    );
    assert!(detail(&dry).contains("one window of P1Y"), "{}", dry.text);
    assert_eq!(
        app.get(&format!("/v1/orgs/{}/pathways", s.org), None).body["items"],
        json!([])
    );

    // A near miss is still accepted: the same dates in a P3Y window.
    let mut wide = impossible.clone();
    wide["requirement"]["within"] = json!("P3Y");
    let registered = app.post(
        &format!("/v1/orgs/{}/pathways", s.org),
        Some(&s.issuer),
        &wide,
    );
    assert_eq!(registered.status, 201, "{}", registered.text);
    issue(&app, &s, &x, "2021-12-01T00:00:00Z", None);
    issue(&app, &s, &y, "2024-12-01T00:00:00Z", None);
    assert!(
        holds_award(&app, &s, &wide),
        "the wider window completes and awards it"
    );
}

#[test]
fn a_window_above_a_nested_pathway_covers_its_dates() {
    let app = TestApp::spawn();
    let s = school(&app);
    let x = achievement(&app, &s, "X", "Course", None);
    let y = achievement(&app, &s, "Y", "Course", None);
    let early_rule = rule(
        &app,
        &s,
        "early",
        dated(&x, None, Some("2022-01-01T00:00:00Z")),
    );
    let early = app
        .post(
            &format!("/v1/orgs/{}/pathways", s.org),
            Some(&s.issuer),
            &early_rule,
        )
        .id();
    let parent = |within: &str| {
        rule(
            &app,
            &s,
            &format!("parent-{}", within.to_lowercase()),
            json!({ "type": "all", "within": within, "of": [
            { "type": "pathway", "pathway": early }, dated(&y, Some("2024-12-01T00:00:00Z"), None)] }),
        )
    };
    let response = app.post(
        &format!("/v1/orgs/{}/pathways", s.org),
        Some(&s.issuer),
        &parent("P2Y"),
    );
    let text = detail(&response);
    assert!(
        text.contains("requirement: can never be satisfied"),
        "{text}"
    );
    assert!(text.contains("requirement.of[0] -> pathway `early` requirement one earned before 2022-01-01T00:00:00Z"), "{text}");
    assert!(
        text.contains(
            "requirement.of[1] needs a credential earned on or after 2024-12-01T00:00:00Z"
        ),
        "{text}"
    );
    assert!(text.contains("one window of P2Y"), "{text}");

    // P4Y holds both: accepted, and completed by credentials three years apart.
    let wide = parent("P4Y");
    let registered = app.post(
        &format!("/v1/orgs/{}/pathways", s.org),
        Some(&s.issuer),
        &wide,
    );
    assert_eq!(registered.status, 201, "{}", registered.text);
    issue(&app, &s, &x, "2021-12-01T00:00:00Z", None);
    issue(&app, &s, &y, "2024-12-01T00:00:00Z", None);
    assert!(holds_award(&app, &s, &wide));

    // Moving the nested pathway's dates earlier would make its parent impossible: refused.
    let mut earlier = early_rule.clone();
    earlier["requirement"] = dated(&x, None, Some("2020-06-01T00:00:00Z"));
    let update = app.call(
        "PUT",
        &format!("/v1/pathways/{early}"),
        Some(&s.issuer),
        Some(&earlier),
    );
    let text = detail(&update);
    assert!(
        text.contains(
            "pathway `parent-p4y` (which nests this one) requirement: can never be satisfied"
        ),
        "{text}"
    );
    assert!(
        text.contains(
            "one earned before 2020-06-01T00:00:00Z: they cannot lie in one window of P4Y"
        ),
        "{text}"
    );
    assert_eq!(
        app.get(&format!("/v1/pathways/{early}"), None).body["version"],
        1,
        "a rejected update changes nothing"
    );
}

#[test]
fn credits_above_the_catalog_amounts_are_accepted_and_a_selector_matching_nothing_is_not() {
    let app = TestApp::spawn();
    let s = school(&app);
    let x = achievement(&app, &s, "X", "MicroCredential", Some("2"));
    let y = achievement(&app, &s, "Y", "MicroCredential", Some("2"));
    // X and Y list 2 ECTS each, but a credential may carry more (credits_earned):
    // 6 ECTS is reachable, so the rule is accepted (it used to be refused with "at most 4 ECTS").
    let six = rule(
        &app,
        &s,
        "six",
        json!({ "type": "credits", "min": "6", "unit": "ECTS", "where": { "achievements": [x, y] } }),
    );
    let registered = app.post(
        &format!("/v1/orgs/{}/pathways", s.org),
        Some(&s.issuer),
        &six,
    );
    assert_eq!(registered.status, 201, "{}", registered.text);
    let pathway = registered.id();
    issue(&app, &s, &x, "2024-01-10T00:00:00Z", Some("6"));
    let progress = app.get(&format!("/v1/me/progress/{pathway}"), Some(&s.learner));
    assert_eq!(progress.body["status"], "complete", "{}", progress.text);
    assert!(
        holds_award(&app, &s, &six),
        "one credential of 6 ECTS satisfies it"
    );

    // No achievement matches at all: refused, naming the node.
    let nothing = rule(
        &app,
        &s,
        "nothing",
        json!({ "type": "all", "of": [
        { "type": "count", "min": 1, "where": { "achievement": x } },
        { "type": "credits", "min": "1", "unit": "ECTS", "where": { "achievement_type": "Certificate" } }] }),
    );
    let response = app.post(
        &format!("/v1/orgs/{}/pathways", s.org),
        Some(&s.issuer),
        &nothing,
    );
    let text = detail(&response);
    assert!(text.ends_with("requirement.of[1]: can never be satisfied: needs 1 ECTS but no achievement in the catalog matches"), "{text}");
}
