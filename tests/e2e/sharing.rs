//! Shares: scoped, expiring, revocable links with a view log, and the
//! signed presentation they carry.

pub use cairn_tests::in_days;
use cairn_tests::{AchievementBuilder, Employer, Institution, Pathway, Rule, TestApp};
use serde_json::{Value, json};

pub const SKILL_URL: &str = "https://skills.example/data-visualisation";
pub const SKILL_CODE: &str = "DV-1";

/// An institution with an issuer, an employer with staff, and a catalog of
/// one aligned achievement (advanced) and one plain badge.
pub struct World {
    pub app: TestApp,
    pub northfield: Institution,
    pub employer: Employer,
    pub aligned: String,
    pub plain: String,
}

impl World {
    pub fn new() -> Self {
        let app = TestApp::spawn();
        let northfield = app.institution("Northfield University");
        let employer = app.employer("Acme Analytics");
        let aligned = northfield.achievement(
            &AchievementBuilder::micro("Data Visualisation").description("Charts.").criteria("A dashboard.").level("advanced").skill_with_code(
                "Data visualisation",
                SKILL_URL,
                SKILL_CODE,
            ),
        );
        let plain = northfield.achievement(&AchievementBuilder::badge("Teamwork").description("Works well.").criteria("Observed."));
        World { app, northfield, employer, aligned, plain }
    }

    /// Issues `achievement` to `learner`; returns the credential JSON.
    pub fn issue(&self, achievement: &str, learner: &str) -> Value {
        self.northfield.issue_at(learner, achievement, "2026-03-01T09:00:00Z")
    }
}

fn path_of(url: &str, app: &TestApp) -> String {
    app.path_of(url).to_owned()
}

fn ids(list: &Value) -> Vec<String> {
    let mut ids: Vec<String> = list.as_array().unwrap().iter().map(|c| c["id"].as_str().unwrap().to_owned()).collect();
    ids.sort();
    ids
}

#[test]
fn a_share_of_two_credentials_exposes_exactly_those_two_with_a_verifiable_presentation() {
    let w = World::new();
    let app = &w.app;
    let learner = app.learner("ada@example.com");
    let first = w.issue(&w.aligned, &learner.id)["id"].as_str().unwrap().to_owned();
    let second = w.issue(&w.plain, &learner.id)["id"].as_str().unwrap().to_owned();
    let third = w.issue(&w.plain, &learner.id)["id"].as_str().unwrap().to_owned();

    let share = learner.share(&json!({ "credentials": [first, second], "expires_at": in_days(7), "audience": "Acme recruiting" }));
    assert!(share["token"].as_str().unwrap().len() >= 43, "a token with 256 bits");
    assert_eq!(share["url"], format!("{}/v1/shares/{}", app.base, share["token"].as_str().unwrap()));
    let path = path_of(share["url"].as_str().unwrap(), app);

    let opened = app.get(&path, None);
    assert_eq!(opened.status, 200, "{}", opened.text);
    let mut expected = vec![first.clone(), second.clone()];
    expected.sort();
    assert_eq!(ids(&opened.body["credentials"]), expected, "exactly the two chosen credentials");
    assert!(!opened.text.contains(&third), "the third credential is not exposed");
    assert!(opened.body["credentials"].as_array().unwrap().iter().all(|c| c["verification"]["verified"] == true && c["status"] == "active"));
    assert_eq!(opened.body["imported"], json!([]));
    assert_eq!(opened.body["employment"], json!([]));
    assert_eq!(opened.body["learner"]["id"], learner.id.as_str());
    assert!(!opened.text.contains("ada@example.com"), "the share does not reveal the e-mail address");

    // The presentation verifies against the service's published key and
    // encloses exactly the shared VC-JWTs.
    let presentation = app.verify_jws(opened.body["presentation"].as_str().unwrap(), "/.well-known/jwks.json");
    assert_eq!(presentation["iss"], app.base.as_str());
    assert_eq!(presentation["type"], json!(["VerifiablePresentation"]));
    let enclosed = presentation["verifiableCredential"].as_array().unwrap();
    assert_eq!(enclosed.len(), 2);
    for envelope in enclosed {
        let jwt = envelope["id"].as_str().unwrap().strip_prefix("data:application/vc+jwt,").unwrap();
        let verified = app.post("/v1/verify", None, &json!({ "jwt": jwt }));
        assert_eq!(verified.body["verified"], true, "{}", verified.text);
    }

    // An employer opening the link is recorded with their organisation.
    assert_eq!(w.employer.get(&path).status, 200);
    let listed = learner.get("/v1/me/shares");
    assert_eq!(listed.status, 200);
    let mine = &listed.body["items"][0];
    assert_eq!(mine["state"], "active");
    assert_eq!(mine["audience"], "Acme recruiting");
    assert!(mine.get("token").is_none(), "the token is shown only once");
    let views = mine["views"].as_array().unwrap();
    assert_eq!(views.len(), 2);
    assert_eq!(views[0]["viewer"], Value::Null);
    assert_eq!(views[1]["viewer_org"], w.employer.org.as_str());

    // And it is in the learner's own audit log.
    let audit = learner.get("/v1/me/audit");
    let actions: Vec<&str> = audit.body["items"].as_array().unwrap().iter().map(|e| e["action"].as_str().unwrap()).collect();
    assert_eq!(actions.iter().filter(|a| **a == "share.view").count(), 2, "{actions:?}");
    assert!(actions.contains(&"share.create") && actions.contains(&"credential.issue"), "{actions:?}");
}

#[test]
fn revocation_and_expiry_take_effect_at_once_and_reveal_nothing() {
    let w = World::new();
    let app = &w.app;
    let learner = app.learner("ada@example.com");
    let credential = w.issue(&w.plain, &learner.id)["id"].as_str().unwrap().to_owned();

    let share = learner.share(&json!({ "credentials": [credential], "expires_at": in_days(30) }));
    let path = path_of(share["url"].as_str().unwrap(), app);
    assert_eq!(app.get(&path, None).status, 200);

    // Another learner cannot revoke it; its owner can, at once.
    let other = app.learner("eve@example.com");
    other.delete(&format!("/v1/me/shares/{}", share["id"].as_str().unwrap())).assert_problem(404);
    let revoked = learner.delete(&format!("/v1/me/shares/{}", share["id"].as_str().unwrap()));
    assert_eq!(revoked.status, 204, "{}", revoked.text);
    let gone = app.get(&path, None);
    gone.assert_problem(404);
    let unknown = app.get("/v1/shares/not-a-real-token-at-all", None);
    assert_eq!(gone.body, unknown.body, "a revoked link looks like an unknown one");

    // Expiry: a link that ends in two seconds stops working when it ends.
    let soon = (chrono::Utc::now() + chrono::Duration::seconds(2)).to_rfc3339();
    let short = learner.share(&json!({ "all": true, "expires_at": soon }));
    let short_path = path_of(short["url"].as_str().unwrap(), app);
    assert_eq!(app.get(&short_path, None).status, 200);
    std::thread::sleep(std::time::Duration::from_millis(2500));
    assert_eq!(app.get(&short_path, None).body, unknown.body);

    let states: Vec<String> =
        learner.get("/v1/me/shares").body["items"].as_array().unwrap().iter().map(|s| s["state"].as_str().unwrap().to_owned()).collect();
    assert_eq!(states, ["revoked", "expired"]);
}

#[test]
fn bad_share_requests_are_rejected_and_create_nothing() {
    let w = World::new();
    let app = &w.app;
    let learner = app.learner("ada@example.com");
    let other_id = app.learner("eve@example.com").id;
    let mine = w.issue(&w.plain, &learner.id)["id"].as_str().unwrap().to_owned();
    let theirs = w.issue(&w.plain, &other_id)["id"].as_str().unwrap().to_owned();
    let cases = [
        json!({ "credentials": [mine], "expires_at": "2020-01-01T00:00:00Z" }),
        json!({ "credentials": [mine], "expires_at": in_days(91) }),
        json!({ "credentials": [mine], "all": true, "expires_at": in_days(1) }),
        json!({ "expires_at": in_days(1) }),
        json!({ "credentials": [], "expires_at": in_days(1) }),
        json!({ "credentials": [theirs], "expires_at": in_days(1) }),
        json!({ "all": true }),
        json!({ "all": true, "expires_at": in_days(1), "everything": true }),
        json!({ "skills": [""], "expires_at": in_days(1) }),
    ];
    for body in cases {
        let response = learner.post("/v1/me/shares", &body);
        assert!(response.status == 422 || response.status == 400, "{body}: {} {}", response.status, response.text);
        response.assert_problem(response.status);
    }
    let someone_elses = learner.post("/v1/me/shares", &json!({ "credentials": [theirs], "expires_at": in_days(1) }));
    assert_eq!(someone_elses.body["errors"][0]["field"], "credentials[0]");
    assert_eq!(learner.get("/v1/me/shares").body["items"], json!([]));
}

#[test]
fn skill_and_whole_record_shares_show_awards_with_their_constituents() {
    let w = World::new();
    let app = &w.app;
    let learner = app.learner("ada@example.com");
    // A pathway: one aligned credential and one teamwork badge earn an award.
    let award = w.northfield.achievement(&AchievementBuilder::award("Analyst Award").description("Both.").criteria("Earn both."));
    let pathway = w.northfield.try_pathway(&Pathway::new(
        "analyst",
        "Analyst",
        &award,
        Rule::all([Rule::count(1).achievement(&w.aligned), Rule::count(1).achievement(&w.plain)]),
    ));
    assert_eq!(pathway.status, 201, "{}", pathway.text);
    let aligned = w.issue(&w.aligned, &learner.id)["id"].as_str().unwrap().to_owned();
    let plain = w.issue(&w.plain, &learner.id)["id"].as_str().unwrap().to_owned();
    learner.post("/v1/me/employment", &json!({ "employer_name": "Acme", "title": "Analyst", "start_date": "2025-01-06" }));

    let by_skill = learner.share(&json!({ "skills": [SKILL_CODE], "expires_at": in_days(1) }));
    let opened = app.get(&path_of(by_skill["url"].as_str().unwrap(), app), None);
    assert_eq!(ids(&opened.body["credentials"]), vec![aligned.clone()], "only the credential aligned to the skill");
    assert_eq!(opened.body["awards"], json!([]));
    assert_eq!(opened.body["employment"], json!([]));

    let everything = learner.share(&json!({ "all": true, "expires_at": in_days(1) }));
    let opened = app.get(&path_of(everything["url"].as_str().unwrap(), app), None);
    assert_eq!(opened.body["credentials"].as_array().unwrap().len(), 3, "two credentials and the award: {}", opened.text);
    assert_eq!(opened.body["employment"].as_array().unwrap().len(), 1);
    let awards = opened.body["awards"].as_array().unwrap();
    assert_eq!(awards.len(), 1);
    assert_eq!(awards[0]["pathway_name"], "Analyst");
    let mut constituents: Vec<String> =
        awards[0]["constituents"].as_array().unwrap().iter().map(|c| c["credential"].as_str().unwrap().to_owned()).collect();
    constituents.sort();
    let mut expected = vec![aligned, plain];
    expected.sort();
    assert_eq!(constituents, expected);
    assert!(awards[0]["constituents"].as_array().unwrap().iter().all(|c| c["shared"] == true && c["status"] == "active"));
}
