//! The learner's wallet and credential pages: cards with their state in
//! words, downloads, public links, claiming by code, and who may open them.

use cairn_tests::{AchievementBuilder, IssueRequest, PASSWORD, PageClient, TestApp};

/// The text between `start` and the next `end` after it in `html`.
fn between<'a>(html: &'a str, start: &str, end: &str) -> &'a str {
    let from = html.find(start).unwrap_or_else(|| panic!("no {start:?} in {html}")) + start.len();
    html[from..].split(end).next().unwrap_or_default()
}

/// The card of credential `id` in the wallet page.
fn card<'a>(html: &'a str, id: &str) -> &'a str {
    between(html, &format!("data-credential=\"{id}\">"), "</li>")
}

#[test]
fn the_wallet_shows_each_credential_and_its_state_in_words() {
    let app = TestApp::spawn();
    let learner = app.learner("wallet-cards");
    let uni = app.institution("Northfield University");
    let sql = uni.achievement(&AchievementBuilder::micro("SQL Fundamentals").credits("5", "ECTS").level("intermediate"));
    let stats = uni.achievement(&AchievementBuilder::badge("Statistics & Data"));
    let first = uni.issue_with(&IssueRequest::new(&sql).to(&learner.id).credits_earned("5", "ECTS").awarded_at("2024-03-12T10:00:00Z"));
    let second = uni.issue(&learner.id, &stats);
    let first_id = first["id"].as_str().unwrap();
    let second_id = second["id"].as_str().unwrap();

    let browser = PageClient::signed_in(&app, &learner.email, PASSWORD);
    let page = browser.get("/wallet");
    page.assert_page(200).assert_contains("Download my record (CLR)").assert_contains("href=\"/wallet/clr\"");
    let sql_card = card(&page.text, first_id);
    for text in ["SQL Fundamentals", "Northfield University", "awarded 12 March 2024", "5 ECTS", "level intermediate", "Active", "does not expire"] {
        assert!(sql_card.contains(text), "the card does not say {text:?}: {sql_card}");
    }
    assert!(sql_card.contains(&format!("href=\"/wallet/credentials/{first_id}\"")), "{sql_card}");
    assert!(sql_card.contains("aria-label=\"Badge: SQL Fundamentals\""), "a drawn badge names itself: {sql_card}");
    let stats_card = card(&page.text, second_id);
    assert!(stats_card.contains("Statistics &amp; Data"), "{stats_card}");
    assert!(stats_card.contains("<span class=\"badge-status active\">Active</span>"), "{stats_card}");

    // The issuer revokes one through the API; the card says so.
    uni.change(first_id, "revoke");
    let page = browser.get("/wallet");
    let sql_card = card(&page.text, first_id);
    assert!(sql_card.contains("<span class=\"badge-status revoked\">Revoked</span>"), "{sql_card}");
    let detail = browser.get(&format!("/wallet/credentials/{first_id}"));
    detail.assert_page(200).assert_contains("Not revoked or suspended: failed").assert_contains("revoked by the issuer");
}

#[test]
fn only_its_learner_opens_a_credential_page() {
    let app = TestApp::spawn();
    let owner = app.learner("wallet-owner");
    let other = app.learner("wallet-other");
    let uni = app.institution("Lakeside College");
    let achievement =
        uni.achievement(&AchievementBuilder::course("Intro to Rust").description("Ownership and borrowing.").criteria("Pass the exam."));
    let id = uni.issue(&owner.id, &achievement)["id"].as_str().unwrap().to_owned();
    let path = format!("/wallet/credentials/{id}");

    let page = PageClient::signed_in(&app, &owner.email, PASSWORD).get(&path);
    page.assert_page(200)
        .assert_contains("<h1>Intro to Rust</h1>")
        .assert_contains("Ownership and borrowing.")
        .assert_contains("Pass the exam.")
        .assert_contains("Signature is genuine: passed")
        .assert_contains("Issuer is known: passed")
        .assert_contains("Not revoked or suspended: passed");

    let stranger = PageClient::signed_in(&app, &other.email, PASSWORD);
    stranger.get(&path).assert_page(404);
    stranger.get(&format!("{path}/jwt")).assert_page(404);
    stranger.get("/wallet/credentials/not-an-id").assert_page(404);

    let signed_out = PageClient::new(&app);
    signed_out.get("/wallet").assert_redirect("/sign-in?next=%2Fwallet");
    signed_out.get(&path).assert_redirect(&format!("/sign-in?next=%2Fwallet%2Fcredentials%2F{id}"));

    let employer = app.employer("Acme Hiring");
    let hr = PageClient::signed_in(&app, &employer.staff.email, PASSWORD);
    hr.get("/wallet").assert_page(403);
    hr.get(&path).assert_page(403);
}

#[test]
fn downloads_are_the_signed_credential_and_record() {
    let app = TestApp::spawn();
    let learner = app.learner("wallet-downloads");
    let uni = app.institution("Harbour Institute");
    let achievement = uni.achievement(&AchievementBuilder::micro("Data Cleaning"));
    let id = uni.issue(&learner.id, &achievement)["id"].as_str().unwrap().to_owned();
    let browser = PageClient::signed_in(&app, &learner.email, PASSWORD);

    let jwt = browser.get(&format!("/wallet/credentials/{id}/jwt"));
    assert_eq!(jwt.status, 200, "{}", jwt.text);
    assert!(jwt.content_type.starts_with("text/plain"), "{}", jwt.content_type);
    assert!(jwt.header("content-disposition").is_some_and(|d| d.starts_with("attachment") && d.contains("data-cleaning.jwt")), "{:?}", jwt.headers);
    assert_eq!(jwt.text.split('.').count(), 3, "a compact JWS: {}", jwt.text);
    assert_eq!(app.verify(&jwt.text)["verified"], true);

    let json = browser.get(&format!("/wallet/credentials/{id}/json"));
    assert_eq!(json.status, 200, "{}", json.text);
    assert!(json.content_type.starts_with("application/ld+json"), "{}", json.content_type);
    assert!(json.header("content-disposition").is_some_and(|d| d.starts_with("attachment")), "{:?}", json.headers);
    let doc: serde_json::Value = serde_json::from_str(&json.text).unwrap();
    assert_eq!(doc["credentialSubject"]["achievement"]["name"], "Data Cleaning");
    assert!(doc["proof"].is_object() || doc["proof"].is_array(), "the document carries its proof: {doc}");

    let clr = browser.get("/wallet/clr");
    assert_eq!(clr.status, 200, "{}", clr.text);
    assert!(clr.content_type.starts_with("application/json"), "{}", clr.content_type);
    assert!(clr.header("content-disposition").is_some_and(|d| d.starts_with("attachment")), "{:?}", clr.headers);
    let record: serde_json::Value = serde_json::from_str(&clr.text).unwrap();
    assert!(record["type"].as_array().unwrap().iter().any(|t| t == "ClrCredential"), "{record}");
    assert!(record["proof"].is_object() || record["proof"].is_array(), "the CLR carries its proof: {record}");
}

#[test]
fn a_public_link_opens_as_a_share_and_fills_in_linkedin() {
    let app = TestApp::spawn();
    let learner = app.learner("wallet-public");
    let uni = app.institution("Riverside Academy");
    let achievement = uni.achievement(&AchievementBuilder::badge("Team Leadership"));
    let id = uni.issue(&learner.id, &achievement)["id"].as_str().unwrap().to_owned();
    let path = format!("/wallet/credentials/{id}");
    let browser = PageClient::signed_in(&app, &learner.email, PASSWORD);
    browser.get(&path).assert_page(200).assert_contains("Create a public link");

    let created = browser.submit(&path, &format!("{path}/public-link"), &[]);
    created.assert_page(200).assert_contains("data-copy=\"#public-url\"").assert_contains("<svg").assert_contains("Add to LinkedIn profile");
    let url = between(&created.text, "id=\"public-url\" class=\"public-url\" readonly value=\"", "\"").to_owned();
    assert!(url.contains("/v1/shares/"), "{url}");
    let shared = PageClient::new(&app).get_accepting(app.path_of(&url), "application/json");
    assert_eq!(shared.status, 200, "{}", shared.text);
    assert_eq!(shared.body["credentials"][0]["id"], id.as_str());

    let linkedin = between(&created.text, "class=\"button secondary linkedin\" href=\"", "\"").replace("&amp;", "&");
    assert!(linkedin.starts_with("https://www.linkedin.com/profile/add?startTask=CERTIFICATION_NAME"), "{linkedin}");
    assert!(linkedin.contains("name=Team+Leadership"), "{linkedin}");
    assert!(linkedin.contains("organizationName=Riverside+Academy"), "{linkedin}");
    let cert_url: String = form_urlencoded::byte_serialize(url.as_bytes()).collect();
    assert!(linkedin.contains(&format!("certUrl={cert_url}")), "{linkedin}");
    assert!(linkedin.contains(&format!("certId={id}")), "{linkedin}");

    // Later, the page says a link is live (its address was shown once).
    browser.get(&path).assert_page(200).assert_contains("Live public links to this credential");
}

#[test]
fn claiming_with_a_wrong_code_shows_an_error() {
    let app = TestApp::spawn();
    let learner = app.learner("wallet-claim");
    let browser = PageClient::signed_in(&app, &learner.email, PASSWORD);
    let wrong = browser.submit("/wallet", "/wallet/claim", &[("code", "not-a-real-code")]);
    wrong.assert_page(422).assert_contains("No credential waits for this code").assert_contains("value=\"not-a-real-code\"");
}
