//! Progress pages, pathway maps and the public pathway, achievement and
//! issuer pages, against the demo data.

use cairn_tests::{PageClient, TestApp};

const DEMO: &str = "cairn-demo-password";

#[test]
fn ada_sees_her_progress_map_and_what_if() {
    let app = TestApp::demo();
    let api = app.session(app.token("ada@learners.example", DEMO));
    let ada = PageClient::signed_in(&app, "ada@learners.example", DEMO);
    let page = ada.get("/progress");
    page.assert_page(200);
    for item in api.get("/v1/me/progress").body["items"].as_array().unwrap() {
        let id = item["pathway"].as_str().unwrap();
        let (have, need) = (item["requirement"]["have"].to_string(), item["requirement"]["need"].to_string());
        page.assert_contains(&format!(r#"data-pathway="{id}" value="{}" max="{}""#, have.trim_matches('"'), need.trim_matches('"')));
        page.assert_contains(item["name"].as_str().unwrap());
        // The map: every achievement Ada used is "used".
        let one = ada.get(&format!("/progress/{id}"));
        one.assert_page(200).assert_contains("Professional Learning Award").assert_contains("role=\"img\"");
        let used = one.text.matches(r#"data-state="used""#).count();
        assert!(used >= 3, "the three micro-credentials and the pathway: {}", one.text);
        one.assert_contains(r#"data-state="missing""#);
    }
    // Unknown pathways are 404 pages.
    ada.get("/progress/00000000-0000-7000-8000-000000000000").assert_page(404);
    ada.get("/progress/not-an-id").assert_page(404);
}

#[test]
fn who_may_open_progress_and_public_pages() {
    let app = TestApp::demo();
    PageClient::new(&app).get("/progress").assert_redirect("/sign-in?next=%2Fprogress");
    let recruiter = PageClient::signed_in(&app, "recruiter@acme-analytics.example", DEMO);
    recruiter.get("/progress").assert_page(403);
    let ben = app.session(app.token("ben@learners.example", DEMO));
    let items = ben.get("/v1/me/progress").body["items"].as_array().unwrap().clone();
    let visitor = PageClient::new(&app);
    for item in &items {
        let id = item["pathway"].as_str().unwrap();
        let page = visitor.get(&format!("/pathways/{id}"));
        page.assert_page(200).assert_contains(item["name"].as_str().unwrap());
        assert!(!page.text.contains(r#"data-state="used""#), "no states signed out");
        let rule = app.get(&format!("/v1/pathways/{id}"), None).body;
        let org = rule["org"].as_str().unwrap();
        visitor.get(&format!("/issuers/{org}")).assert_page(200).assert_contains(item["name"].as_str().unwrap());
        let award = rule["rule"]["award"].as_str().unwrap();
        visitor.get(&format!("/achievements/{award}")).assert_page(200);
    }
    // Ben's what-if: Python for Analysts completes Applied Data Analysis.
    let browser = PageClient::signed_in(&app, "ben@learners.example", DEMO);
    let ada_pathway = items.iter().find(|i| i["key"] == "applied-data-analysis").unwrap()["pathway"].as_str().unwrap().to_owned();
    let page = browser.get(&format!("/progress/{ada_pathway}"));
    page.assert_page(200).assert_contains("Python for Analysts");
    let label = "</label>";
    let python = page
        .text
        .split("<li>")
        .find(|item| item.contains(&format!(">Python for Analysts{label}")) && item.contains("name=\"what_if\""))
        .and_then(|item| item.split("value=\"").nth(1))
        .and_then(|rest| rest.split('"').next())
        .unwrap_or_else(|| panic!("no what-if choice for Python for Analysts: {}", page.text))
        .to_owned();
    let with = browser.get(&format!("/progress/{ada_pathway}?what_if={python}"));
    with.assert_page(200)
        .assert_contains("data-testid=\"what-if\"")
        .assert_contains("With Python for Analysts: <strong>complete</strong>")
        .assert_contains(&format!("value=\"{python}\" checked"));
    // The what-if changes nothing: the pathway is still in progress.
    let expected = ben.post("/v1/me/what-if", &serde_json::json!({ "add": [python] }));
    assert_eq!(expected.status, 200, "{}", expected.text);
    let outcome = expected.body["items"].as_array().unwrap().iter().find(|i| i["pathway"] == ada_pathway.as_str()).unwrap().clone();
    assert_eq!(outcome["status"], "complete", "the API agrees with the page: {outcome}");
    browser.get(&format!("/progress/{ada_pathway}")).assert_page(200).assert_not_contains("data-testid=\"what-if\"");
    browser.get(&format!("/progress/{ada_pathway}?what_if=not-an-id")).assert_page(422);
    visitor.get("/pathways/00000000-0000-7000-8000-000000000000").assert_page(404);
    visitor.get("/achievements/00000000-0000-7000-8000-000000000000").assert_page(404);
    visitor.get("/issuers/00000000-0000-7000-8000-000000000000").assert_page(404);
}
