use cairn_tests::{PASSWORD, TestApp};
use serde_json::json;

#[test]
fn admin_creates_an_institution_an_employer_and_their_staff() {
    let app = TestApp::spawn();
    let admin = app.admin();
    let uni = admin.post("/v1/orgs", &json!({ "name": "Lakeside University", "kind": "institution", "url": "https://lakeside.example" }));
    assert_eq!(uni.status, 201, "{}", uni.text);
    assert_eq!(uni.body["kind"], "institution");
    assert_eq!(uni.body["url"], "https://lakeside.example/");
    let uni = uni.id();
    let acme = admin.org("Acme", "employer");

    let issuer = admin.staff(&uni, "registrar@lakeside.example", "issuer");
    let issuer_id = issuer.id.clone();
    let me = issuer.get("/v1/me");
    assert_eq!(me.body["id"], issuer_id.as_str());
    assert_eq!(me.body["role"], "issuer");
    assert_eq!(me.body["org"], uni.as_str());

    let recruiter = admin.staff(&acme, "hr@acme.example", "employer");
    let me = recruiter.get("/v1/me");
    assert_eq!(me.body["role"], "employer");
    assert_eq!(me.body["org"], acme.as_str());

    // Staff see their own organisation and its members.
    assert_eq!(issuer.get(&format!("/v1/orgs/{uni}")).body["name"], "Lakeside University");
    let members = issuer.get(&format!("/v1/orgs/{uni}/members"));
    assert_eq!(members.status, 200);
    assert_eq!(members.body["items"].as_array().unwrap().len(), 1);
    assert_eq!(members.body["items"][0]["email"], "registrar@lakeside.example");
}

#[test]
fn staff_roles_must_fit_the_organisation() {
    let app = TestApp::spawn();
    let admin = app.admin();
    let uni = admin.org("Uni", "institution");
    let acme = admin.org("Acme", "employer");
    let member = |org: &str, role: &str, email: &str| {
        admin.post(&format!("/v1/orgs/{org}/members"), &json!({ "email": email, "password": PASSWORD, "name": "S", "role": role }))
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
    admin.post("/v1/orgs", &json!({ "name": "X", "kind": "club" })).assert_problem(422);
    admin.post("/v1/orgs", &json!({ "name": "X", "kind": "employer", "url": "javascript:alert(1)" })).assert_problem(422);
}
