//! The HTTP contract at the edge: 405 with `Allow`, query and body errors
//! that name the parameter or field, and an OpenAPI document that states
//! the statuses the edge really answers.

use cairn_tests::{PASSWORD, TestApp};
use serde_json::{Value, json};

const DATE_TIME_EXPECTED: &str = "expected an RFC 3339 date-time such as 2026-12-01T00:00:00Z";

/// The first `errors` entry of a problem.
fn first_error(body: &Value) -> (String, String) {
    let error = &body["errors"][0];
    (
        error["field"].as_str().unwrap_or_else(|| panic!("no errors[0].field in {body}")).to_owned(),
        error["message"].as_str().unwrap_or_default().to_owned(),
    )
}

#[test]
fn wrong_methods_are_405_with_allow() {
    let app = TestApp::spawn();
    let admin = app.admin();
    let response = admin.delete("/v1/me");
    response.assert_problem(405);
    assert_eq!(response.header("allow"), Some("GET"));
    assert_eq!(response.body["type"], "https://cairn.dev/problems/method-not-allowed");

    let response = app.call("GET", "/v1/auth/token", None, None);
    response.assert_problem(405);
    assert_eq!(response.header("allow"), Some("POST"));

    // A templated path, with an id that names nothing: the method is still wrong.
    let response = app.call("POST", "/v1/me/following/00000000-0000-0000-0000-000000000000", None, None);
    response.assert_problem(405);
    assert_eq!(response.header("allow"), Some("PUT, DELETE"));

    // A path the API does not serve at all stays 404.
    app.call("DELETE", "/v1/nothing-here", None, None).assert_problem(404);
}

#[test]
fn every_documented_path_answers_an_undocumented_method_with_its_allow_list() {
    let app = TestApp::spawn();
    let spec = app.get("/openapi.json", None).body;
    let paths = spec["paths"].as_object().expect("paths");
    let mut checked = 0;
    for (template, item) in paths {
        let documented: Vec<String> =
            ["get", "put", "post", "delete", "patch"].iter().filter(|m| item.get(**m).is_some()).map(|m| m.to_ascii_uppercase()).collect();
        assert!(!documented.contains(&"PATCH".to_owned()), "{template}: pick another probe method");
        let path = template
            .split('/')
            .map(|segment| if segment.starts_with('{') { "00000000-0000-0000-0000-000000000000" } else { segment })
            .collect::<Vec<_>>()
            .join("/");
        let response = app.call("PATCH", &path, None, None);
        response.assert_problem(405);
        let mut allowed: Vec<String> = response.header("allow").unwrap_or_default().split(", ").map(str::to_owned).collect();
        allowed.sort();
        let mut expected = documented.clone();
        expected.sort();
        assert_eq!(allowed, expected, "Allow for {template}");
        checked += 1;
    }
    assert!(checked > 30, "only {checked} paths checked");
}

#[test]
fn query_errors_name_the_parameter_and_the_expected_format() {
    let app = TestApp::spawn();
    let learner = app.learner("query@learners.example");

    let response = learner.get("/v1/me/progress?at=2026-01-01");
    response.assert_problem(400);
    assert_eq!(first_error(&response.body), ("at".to_owned(), DATE_TIME_EXPECTED.to_owned()));
    assert_eq!(learner.get("/v1/me/progress?at=2026-01-01T00:00:00Z").status, 200);

    let response = learner.get("/v1/me/shares?cursor=garbage!");
    response.assert_problem(400);
    let (field, message) = first_error(&response.body);
    assert_eq!(field, "cursor");
    assert!(message.contains("next_cursor"), "{message}");

    let response = learner.get("/v1/me/shares?limit=abc");
    response.assert_problem(400);
    let (field, message) = first_error(&response.body);
    assert_eq!(field, "limit");
    assert!(message.contains("integer"), "{message}");
    let response = learner.get("/v1/me/shares?limit=0");
    response.assert_problem(400);
    assert_eq!(first_error(&response.body).0, "limit");

    let response = learner.get("/v1/me/shares?surprise=1");
    response.assert_problem(400);
    assert_eq!(first_error(&response.body).0, "surprise");
}

#[test]
fn missing_and_malformed_body_fields_are_named_with_their_path() {
    let app = TestApp::spawn();
    let response = app.post("/v1/auth/register", None, &json!({ "email": "noname@learners.example", "password": PASSWORD }));
    response.assert_problem(422);
    let (field, message) = first_error(&response.body);
    assert_eq!(field, "name");
    assert!(message.contains("required"), "{message}");

    // Nested: the path to the missing field.
    let college = app.institution("Contract College");
    let (org, issuer) = (college.org, college.issuer);
    let body = json!({ "name": "Badge", "description": "A badge.", "criteria": {}, "achievementType": "Badge" });
    let response = issuer.post(&format!("/v1/orgs/{org}/achievements"), &body);
    response.assert_problem(422);
    assert_eq!(first_error(&response.body).0, "criteria.narrative");

    // A date in a body says what a date-time looks like.
    let learner = app.learner("dates@learners.example");
    let response = learner.post("/v1/me/what-if", &json!({ "add": [], "at": "2026-01-01" }));
    response.assert_problem(422);
    assert_eq!(first_error(&response.body), ("at".to_owned(), DATE_TIME_EXPECTED.to_owned()));
}

#[test]
fn the_openapi_document_states_the_edge_statuses() {
    let app = TestApp::spawn();
    let spec = app.get("/openapi.json", None).body;
    let (mut secured, mut json_bodies, mut with_path, mut with_query) = (0, 0, 0, 0);
    for (path, item) in spec["paths"].as_object().expect("paths") {
        for (method, operation) in item.as_object().expect("a path item") {
            let responses = operation["responses"].as_object().expect("responses");
            let has = |status: &str| responses.contains_key(status);
            let label = format!("{} {path}", method.to_uppercase());
            if operation["security"].as_array().is_some_and(|s| !s.is_empty()) {
                assert!(has("401"), "{label} needs a token but does not list 401");
                secured += 1;
            }
            if operation["requestBody"]["content"].get("application/json").is_some() {
                for status in ["400", "413", "415", "422"] {
                    assert!(has(status), "{label} takes a JSON body but does not list {status}");
                }
                json_bodies += 1;
            }
            let parameters = operation["parameters"].as_array().cloned().unwrap_or_default();
            if parameters.iter().any(|p| p["in"] == "path") {
                assert!(has("404"), "{label} has a path id but does not list 404");
                with_path += 1;
            }
            if parameters.iter().any(|p| p["in"] == "query") {
                assert!(has("400"), "{label} takes query parameters but does not list 400");
                with_query += 1;
            }
            for (status, response) in responses {
                if status.starts_with('4') {
                    assert!(response["content"].get("application/problem+json").is_some(), "{label} {status} is not a problem document");
                }
            }
        }
    }
    assert!(secured > 30 && json_bodies > 15 && with_path > 20 && with_query > 5, "{secured} {json_bodies} {with_path} {with_query}");

    // The content types the spec names are the ones served.
    let org = app.admin().org("Keys College", "institution");
    for (template, path) in
        [("/.well-known/jwks.json", "/.well-known/jwks.json".to_owned()), ("/v1/issuers/{org}/jwks", format!("/v1/issuers/{org}/jwks"))]
    {
        let documented = spec["paths"][template]["get"]["responses"]["200"]["content"].as_object().expect("content");
        let served = app.get(&path, None);
        assert_eq!(served.status, 200);
        assert!(documented.contains_key(&served.content_type), "{path} serves {} but documents {documented:?}", served.content_type);
        assert_eq!(served.content_type, "application/jwk-set+json");
    }
}
