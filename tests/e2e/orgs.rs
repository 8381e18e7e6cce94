use cairn_tests::{PASSWORD, TestApp};
use serde_json::json;

#[test]
fn admin_creates_an_institution_an_employer_and_their_staff() {
    let app = TestApp::spawn();
    let admin = app.admin_token();
    let uni = app.post("/v1/orgs", Some(&admin), &json!({ "name": "Lakeside University", "kind": "institution", "url": "https://lakeside.example" }));
    assert_eq!(uni.status, 201, "{}", uni.text);
    assert_eq!(uni.body["kind"], "institution");
    assert_eq!(uni.body["url"], "https://lakeside.example/");
    let uni = uni.id();
    let acme = app.org(&admin, "Acme", "employer");

    let (issuer_id, issuer) = app.staff(&admin, &uni, "registrar@lakeside.example", "issuer");
    let me = app.get("/v1/me", Some(&issuer));
    assert_eq!(me.body["id"], issuer_id.as_str());
    assert_eq!(me.body["role"], "issuer");
    assert_eq!(me.body["org"], uni.as_str());

    let (_, recruiter) = app.staff(&admin, &acme, "hr@acme.example", "employer");
    let me = app.get("/v1/me", Some(&recruiter));
    assert_eq!(me.body["role"], "employer");
    assert_eq!(me.body["org"], acme.as_str());

    // Staff see their own organisation and its members.
    assert_eq!(app.get(&format!("/v1/orgs/{uni}"), Some(&issuer)).body["name"], "Lakeside University");
    let members = app.get(&format!("/v1/orgs/{uni}/members"), Some(&issuer));
    assert_eq!(members.status, 200);
    assert_eq!(members.body["items"].as_array().unwrap().len(), 1);
    assert_eq!(members.body["items"][0]["email"], "registrar@lakeside.example");
}

#[test]
fn staff_roles_must_fit_the_organisation() {
    let app = TestApp::spawn();
    let admin = app.admin_token();
    let uni = app.org(&admin, "Uni", "institution");
    let acme = app.org(&admin, "Acme", "employer");
    let member = |org: &str, role: &str, email: &str| {
        app.post(&format!("/v1/orgs/{org}/members"), Some(&admin), &json!({ "email": email, "password": PASSWORD, "name": "S", "role": role }))
    };
    let wrong = member(&uni, "employer", "a@uni.example");
    wrong.assert_problem(422);
    assert_eq!(wrong.body["errors"][0]["field"], "role");
    member(&acme, "issuer", "b@acme.example").assert_problem(422);
    // Only staff roles can be created here.
    member(&uni, "admin", "c@uni.example").assert_problem(422);
    member(&uni, "learner", "d@uni.example").assert_problem(422);
    // Unknown and malformed organisation ids.
    member("01234567-89ab-7def-8123-456789abcdef", "issuer", "e@uni.example").assert_problem(404);
    member("not-an-id", "issuer", "f@uni.example").assert_problem(404);
    app.post("/v1/orgs", Some(&admin), &json!({ "name": "X", "kind": "club" })).assert_problem(422);
    app.post("/v1/orgs", Some(&admin), &json!({ "name": "X", "kind": "employer", "url": "javascript:alert(1)" })).assert_problem(422);
}
