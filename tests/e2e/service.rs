use cairn_tests::TestApp;

#[test]
fn health_reports_the_database_backend() {
    let app = TestApp::spawn();
    let response = app.get("/health", None);
    assert_eq!(response.status, 200);
    assert_eq!(response.body["status"], "ok");
    let expected = if std::env::var("CAIRN_TEST_DATABASE_URL").is_ok_and(|u| !u.is_empty()) { "postgres" } else { "sqlite" };
    assert_eq!(response.body["database"]["backend"], expected);
    assert_eq!(response.body["database"]["ok"], true);
    assert!(response.header("x-request-id").is_some_and(|id| !id.is_empty()));
}

#[test]
fn served_openapi_equals_the_committed_file() {
    let app = TestApp::spawn();
    let response = app.get("/openapi.json", None);
    assert_eq!(response.status, 200);
    let committed: serde_json::Value = serde_json::from_str(include_str!("../../openapi/openapi.json")).expect("committed spec is JSON");
    assert_eq!(response.body, committed, "regenerate with `cargo run -- openapi --write openapi/openapi.json`");
    assert_eq!(response.body["openapi"], "3.1.0");
}

#[test]
fn every_served_route_is_in_the_spec() {
    let app = TestApp::spawn();
    let spec = app.get("/openapi.json", None).body;
    let paths = [
        "/health",
        "/openapi.json",
        "/docs",
        "/v1/auth/register",
        "/v1/auth/token",
        "/v1/me",
        "/v1/orgs",
        "/v1/orgs/{org}",
        "/v1/orgs/{org}/members",
        "/v1/orgs/{org}/achievements",
        "/v1/achievements/{id}",
        "/v1/orgs/{org}/credentials",
        "/v1/orgs/{org}/credentials/batch",
        "/v1/credentials/{id}",
        "/v1/credentials/{id}/revoke",
        "/v1/credentials/{id}/suspend",
        "/v1/credentials/{id}/reinstate",
        "/v1/issuers/{org}",
        "/v1/issuers/{org}/jwks",
        "/.well-known/jwks.json",
        "/v1/status-lists/{id}",
        "/v1/verify",
        "/v1/me/credentials/import",
        "/v1/me/wallet",
        "/v1/me/claims",
        "/v1/trusted-issuers",
        "/v1/orgs/{org}/audit",
        "/v1/audit",
        "/v1/orgs/{org}/pathways",
        "/v1/pathways/{id}",
        "/v1/pathways/{id}/graph",
        "/v1/me/progress",
        "/v1/me/progress/{pathway}",
        "/v1/me/what-if",
        "/v1/jobs/{id}",
    ];
    for path in paths {
        assert!(spec["paths"][path].is_object(), "{path} is missing from the spec");
    }
}

#[test]
fn swagger_ui_renders_offline() {
    let app = TestApp::spawn();
    let redirect = app.get("/docs", None);
    assert_eq!(redirect.status, 308);
    assert_eq!(redirect.header("location"), Some("/docs/"));
    let page = app.get("/docs/", None);
    assert_eq!(page.status, 200);
    assert!(page.content_type.starts_with("text/html"));
    assert!(page.text.contains("swagger-ui"), "not the Swagger UI page");
    let config = app.get("/docs/swagger-initializer.js", None);
    assert_eq!(config.status, 200);
    assert!(config.text.contains("/openapi.json"), "the UI does not load our spec: {}", config.text);
}

#[test]
fn unknown_routes_are_problem_documents() {
    let app = TestApp::spawn();
    app.get("/v1/nothing-here", None).assert_problem(404);
}
