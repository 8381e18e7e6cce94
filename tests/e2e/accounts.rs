use cairn_tests::{PASSWORD, TestApp};
use serde_json::json;

#[test]
fn register_sign_in_and_read_me() {
    let app = TestApp::spawn();
    let created = app.post("/v1/auth/register", None, &json!({ "email": "Ada@Example.org", "password": PASSWORD, "name": " Ada " }));
    assert_eq!(created.status, 201, "{}", created.text);
    assert_eq!(created.body["email"], "ada@example.org", "e-mails are normalised");
    assert_eq!(created.body["role"], "learner");
    assert!(created.body.get("password_hash").is_none() && !created.text.contains("argon2"));

    let token = app.post("/v1/auth/token", None, &json!({ "email": "ADA@example.org", "password": PASSWORD }));
    assert_eq!(token.status, 200);
    assert_eq!(token.body["token_type"], "Bearer");
    assert_eq!(token.body["expires_in"], 900);
    let access = token.body["access_token"].as_str().unwrap();

    let me = app.get("/v1/me", Some(access));
    assert_eq!(me.status, 200);
    assert_eq!(me.body["id"], created.body["id"]);
    assert_eq!(me.body["email"], "ada@example.org");
    assert_eq!(me.body["name"], "Ada");
    assert_eq!(me.body["role"], "learner");
    assert!(me.body["org"].is_null());
}

#[test]
fn an_email_has_one_account() {
    let app = TestApp::spawn();
    app.learner("dup@example.org");
    let again = app.post("/v1/auth/register", None, &json!({ "email": "DUP@example.org", "password": PASSWORD, "name": "Other" }));
    again.assert_problem(409);
}

#[test]
fn wrong_password_and_unknown_email_look_the_same() {
    let app = TestApp::spawn();
    app.learner("known@example.org");
    let wrong = app.post("/v1/auth/token", None, &json!({ "email": "known@example.org", "password": "not-the-password" }));
    let unknown = app.post("/v1/auth/token", None, &json!({ "email": "nobody@example.org", "password": "not-the-password" }));
    wrong.assert_problem(401);
    unknown.assert_problem(401);
    assert_eq!(wrong.body["detail"], unknown.body["detail"]);
}

#[test]
fn bad_input_is_a_clear_4xx_and_changes_nothing() {
    let app = TestApp::spawn();
    let register = "/v1/auth/register";
    // Malformed JSON.
    app.call_raw("POST", register, None, "application/json", b"{\"email\":").assert_problem(400);
    // Wrong type: the field is named.
    let wrong_type = app.post(register, None, &json!({ "email": 42, "password": PASSWORD, "name": "X" }));
    wrong_type.assert_problem(422);
    assert_eq!(wrong_type.body["errors"][0]["field"], "email");
    // Unknown field.
    let unknown = app.post(register, None, &json!({ "email": "u@example.org", "password": PASSWORD, "name": "X", "role": "admin" }));
    unknown.assert_problem(422);
    assert_eq!(unknown.body["errors"][0]["field"], "role");
    // Missing field, invalid e-mail, short password, empty name.
    app.post(register, None, &json!({ "email": "u@example.org", "name": "X" })).assert_problem(422);
    let bad_email = app.post(register, None, &json!({ "email": "not-an-email", "password": PASSWORD, "name": "X" }));
    bad_email.assert_problem(422);
    assert_eq!(bad_email.body["errors"][0]["field"], "email");
    let short = app.post(register, None, &json!({ "email": "u@example.org", "password": "short", "name": "X" }));
    assert_eq!(short.body["errors"][0]["field"], "password");
    app.post(register, None, &json!({ "email": "u@example.org", "password": PASSWORD, "name": "  " })).assert_problem(422);
    // Not JSON at all, and a body over the cap.
    app.call_raw("POST", register, None, "text/plain", b"hello").assert_problem(415);
    let huge = format!("{{\"email\":\"u@example.org\",\"password\":\"{PASSWORD}\",\"name\":\"{}\"}}", "x".repeat(300 * 1024));
    app.call_raw("POST", register, None, "application/json", huge.as_bytes()).assert_problem(413);
    // None of it created the account.
    let token = app.post("/v1/auth/token", None, &json!({ "email": "u@example.org", "password": PASSWORD }));
    token.assert_problem(401);
}

#[test]
fn pages_are_capped_and_bad_query_parameters_are_400() {
    let app = TestApp::spawn();
    let admin = app.admin();
    for i in 0..3 {
        admin.org(&format!("Org {i}"), "institution");
    }
    let first = admin.get("/v1/orgs?limit=2");
    assert_eq!(first.status, 200);
    assert_eq!(first.body["items"].as_array().unwrap().len(), 2);
    let cursor = first.body["next_cursor"].as_str().unwrap();
    let second = admin.get(&format!("/v1/orgs?limit=2&cursor={cursor}"));
    assert_eq!(second.body["items"].as_array().unwrap().len(), 1);
    assert!(second.body["next_cursor"].is_null());
    assert_ne!(first.body["items"][0]["id"], second.body["items"][0]["id"]);
    // A limit above the cap is capped, not an error.
    assert_eq!(admin.get("/v1/orgs?limit=100000").status, 200);
    admin.get("/v1/orgs?limit=abc").assert_problem(400);
    admin.get("/v1/orgs?limit=0").assert_problem(400);
    admin.get("/v1/orgs?cursor=garbage!").assert_problem(400);
    admin.get("/v1/orgs?surprise=1").assert_problem(400);
}
