//! The public verifier page and the employer's talent pages.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use cairn_tests::{PASSWORD, PageClient};
use serde_json::json;

use crate::sharing::{SKILL_URL, World, in_days};

/// `jwt` with its achievement's name changed by one character, re-encoded:
/// still a readable JWT, no longer the one signed.
fn tampered(jwt: &str) -> String {
    let parts: Vec<&str> = jwt.split('.').collect();
    let payload = String::from_utf8(URL_SAFE_NO_PAD.decode(parts[1]).unwrap()).unwrap();
    let changed = payload.replacen("Data Visualisation", "Data Visualisatiom", 1);
    assert_ne!(payload, changed);
    format!("{}.{}.{}", parts[0], URL_SAFE_NO_PAD.encode(changed), parts[2])
}

fn verify(browser: &PageClient, credential: &str) -> cairn_tests::Response {
    browser.submit("/verify", "/verify", &[("credential", credential)])
}

#[test]
fn anyone_verifies_a_pasted_credential_and_reads_why_it_fails() {
    let w = World::new();
    let learner = w.app.learner("verify-learner");
    let credential = w.issue(&w.aligned, &learner.id);
    let jwt = credential["jwt"].as_str().unwrap();
    let visitor = PageClient::new(&w.app);
    visitor.get("/verify").assert_page(200).assert_contains("id=\"credential-file\"").assert_contains("pasting works without it");

    let ok = verify(&visitor, jwt);
    ok.assert_page(200)
        .assert_contains("class=\"badge-status verified\">Verified</p>")
        .assert_contains("data-check=\"signature\"")
        .assert_contains("data-check=\"status\"")
        .assert_contains("Data Visualisation")
        .assert_contains("Northfield University")
        .assert_contains("1 March 2026");
    let bad = verify(&visitor, &tampered(jwt));
    bad.assert_page(200).assert_contains("class=\"badge-status failed\">Not verified</p>").assert_contains("Tampered");

    // The JSON with its Data Integrity proof verifies; a changed field is tampering.
    let ob3 = credential["ob3"].clone();
    verify(&visitor, &ob3.to_string()).assert_page(200).assert_contains(">Verified</p>");
    let mut changed = ob3.clone();
    changed["name"] = json!("Data Visualisation (forged)");
    verify(&visitor, &changed.to_string()).assert_page(200).assert_contains(">Not verified</p>").assert_contains("Tampered");

    // Revoked: says so, with the day.
    w.northfield.change(credential["id"].as_str().unwrap(), "revoke");
    let revoked = verify(&visitor, jwt);
    revoked.assert_page(200).assert_contains(">Not verified</p>").assert_contains("Revoked on ");

    // Garbage and nothing: the form again with a message, never a 500.
    verify(&visitor, "hello, is this a badge?").assert_page(422).assert_contains("neither credential JSON nor a VC-JWT");
    verify(&visitor, "{not json").assert_page(422).assert_contains("not valid JSON");
    verify(&visitor, "{\"a\": 1}").assert_page(422).assert_contains("role=\"alert\"");
    verify(&visitor, "   ").assert_page(422).assert_contains("Paste a credential first");
    // Without this visitor's token, the form is refused.
    visitor.post_form("/verify", &[("credential", jwt)]).assert_page(403);
    // Signed in, it works the same.
    let signed_in = PageClient::signed_in(&w.app, &learner.email, PASSWORD);
    verify(&signed_in, jwt).assert_page(200).assert_contains(">Not verified</p>");
}

fn skill_param() -> String {
    form_urlencoded::byte_serialize(SKILL_URL.as_bytes()).collect()
}

#[test]
fn employers_find_talent_ask_for_a_record_and_open_what_was_granted() {
    let w = World::new();
    let app = &w.app;
    let learner = app.learner("talent-page-learner");
    let credential = w.issue(&w.aligned, &learner.id)["id"].as_str().unwrap().to_owned();
    let opt_in = learner.put("/v1/me/discoverable", &json!({ "discoverable": true }));
    assert_eq!(opt_in.status, 200, "{}", opt_in.text);

    // Who may open the pages.
    PageClient::new(app).get("/talent").assert_redirect("/sign-in?next=%2Ftalent");
    PageClient::new(app).get("/talent/requests").assert_redirect("/sign-in?next=%2Ftalent%2Frequests");
    let as_learner = PageClient::signed_in(app, &learner.email, PASSWORD);
    as_learner.get("/talent").assert_page(403);
    as_learner.get("/talent/requests").assert_page(403);

    let employer = PageClient::signed_in(app, &w.employer.staff.email, PASSWORD);
    let picker = employer.get("/talent");
    picker.assert_page(200).assert_contains("<select id=\"skill\" name=\"skill\"").assert_contains(">Data visualisation</option>");
    let search = format!("/talent?skill={}", skill_param());
    let found = employer.get(&search);
    found
        .assert_page(200)
        .assert_contains("Talent: Data visualisation")
        .assert_contains("Data Visualisation")
        .assert_contains("Northfield University");
    found.assert_contains("Request their record");
    assert!(!found.text.contains(&learner.email), "no e-mail address");

    // Ask from the page; the request shows, waiting.
    let sent = employer.submit(&search, "/talent/requests", &[("learner", &learner.id), ("message", "We are hiring analysts.")]);
    sent.assert_redirect("/talent/requests");
    let requests = employer.get("/talent/requests");
    requests.assert_page(200).assert_contains("We are hiring analysts.").assert_contains("Waiting for the learner");
    let request_id = learner.get("/v1/me/share-requests").body["items"][0]["id"].as_str().unwrap().to_owned();
    employer.get(&format!("/talent/requests/{request_id}")).assert_page(409);

    // Granted: the record opens, each credential verified in words.
    let share = learner.post("/v1/me/shares", &json!({ "credentials": [credential], "expires_at": in_days(7), "request": request_id }));
    assert_eq!(share.status, 201, "{}", share.text);
    employer.get("/talent/requests").assert_page(200).assert_contains("Granted").assert_contains(&format!("/talent/requests/{request_id}"));
    let record = employer.get(&format!("/talent/requests/{request_id}"));
    record.assert_page(200).assert_contains("Data Visualisation").assert_contains(">Verified</p>").assert_contains("data-check=\"signature\"");

    // Another employer sees nothing of it.
    let other = app.employer("Other Analytics");
    let rival = PageClient::signed_in(app, &other.staff.email, PASSWORD);
    rival.get(&format!("/talent/requests/{request_id}")).assert_page(404);
    rival.get("/talent/requests").assert_page(200).assert_contains("No requests yet");
    rival.get("/talent/requests/not-an-id").assert_page(404);
}
