//! `--demo` shows the whole system working: institutions, catalogs,
//! pathways from real programmes, and learners at different stages.

use cairn_tests::{Session, TestApp};

const PASSWORD: &str = "cairn-demo-password";

fn status_of(app: &TestApp, token: &Session, key: &str) -> Option<String> {
    let progress = token.get("/v1/me/progress");
    assert_eq!(progress.status, 200, "{}", progress.text);
    let pathways: Vec<(String, String)> = progress.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| (o["pathway"].as_str().unwrap().to_owned(), o["status"].as_str().unwrap().to_owned()))
        .collect();
    pathways.into_iter().find_map(|(id, status)| {
        let rule = app.get(&format!("/v1/pathways/{id}"), None).body;
        (rule["key"] == key).then_some(status)
    })
}

#[test]
fn the_demo_has_learners_at_every_stage() {
    let app = TestApp::demo();
    let ada = app.session(app.token("ada@learners.example", PASSWORD));
    let ben = app.session(app.token("ben@learners.example", PASSWORD));
    let chen = app.session(app.token("chen@learners.example", PASSWORD));
    assert_eq!(status_of(&app, &ada, "professional-learning-award").as_deref(), Some("complete"));
    assert_eq!(status_of(&app, &ben, "professional-learning-award").as_deref(), Some("in_progress"));
    assert_eq!(status_of(&app, &ben, "applied-data-analysis").as_deref(), Some("in_progress"));
    assert_eq!(status_of(&app, &chen, "applied-data-analysis").as_deref(), Some("complete"));
    assert_eq!(status_of(&app, &chen, "scientific-inquiry").as_deref(), Some("in_progress"));
    // Completed pathways were awarded automatically.
    let wallet = ada.get("/v1/me/wallet").body;
    assert!(wallet["credentials"].as_array().unwrap().iter().any(|c| c["ob3"]["name"] == "Professional Learning Award"));
    // The employer side: Chen is discoverable with an attested job.
    let recruiter = app.session(app.token("recruiter@acme-analytics.example", PASSWORD));
    let talent = recruiter.get("/v1/talent?skill=https%3A%2F%2Fskills.example%2Fstatistics");
    assert_eq!(talent.status, 200, "{}", talent.text);
    let names: Vec<&str> = talent.body["items"].as_array().unwrap().iter().map(|i| i["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["Chen Wei"]);
    let chen_wallet = chen.get("/v1/me/wallet").body;
    assert_eq!(chen_wallet["employment"][0]["verified"], true);
    assert_eq!(ben.get("/v1/me/wallet").body["employment"][0]["verified"], false);
    // Staff of every demo organisation can sign in.
    for staff in [
        "issuer@northbrook-schools.example",
        "issuer@lakeside-university.example",
        "issuer@riverside-k12.example",
        "recruiter@acme-analytics.example",
        "admin@cairn.example",
    ] {
        app.token(staff, PASSWORD);
    }
}
