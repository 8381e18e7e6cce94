//! The learner's sharing pages (links, employers' requests, the
//! talent-search opt-in, the activity log) and the page a share link opens
//! in a browser, with who may use them.

use cairn_tests::{AchievementBuilder, PASSWORD, PageClient, Pathway, Rule, TestApp, in_days};
use serde_json::json;

const SKILL_URL: &str = "https://skills.example/data-visualisation";

/// The text between `start` and the next `end` after it in `html`.
fn between<'a>(html: &'a str, start: &str, end: &str) -> &'a str {
    let from = html.find(start).unwrap_or_else(|| panic!("no {start:?} in {html}")) + start.len();
    html[from..].split(end).next().unwrap_or_default()
}

/// The list item of share `id` on `/shares`.
fn share_item<'a>(html: &'a str, id: &str) -> &'a str {
    between(html, &format!("data-share=\"{id}\">"), "</li>")
}

/// The card of credential `id` on a share page.
fn shared_card<'a>(html: &'a str, id: &str) -> &'a str {
    between(html, &format!("data-credential=\"{id}\""), "</article>")
}

const JSON_ACCEPTS: [&str; 3] = ["application/json", "*/*", "application/json, text/html;q=0.5"];

#[test]
fn a_share_made_with_the_form_opens_as_a_page_in_a_browser_and_as_json_for_programs() {
    let app = TestApp::spawn();
    let learner = app.learner("share-form");
    let uni = app.institution("Northfield University");
    let aligned = uni.achievement(&AchievementBuilder::micro("Data Visualisation").skill_with_code("Data visualisation", SKILL_URL, "DV-1"));
    let plain = uni.achievement(&AchievementBuilder::badge("Teamwork"));
    let shared = uni.issue(&learner.id, &aligned)["id"].as_str().unwrap().to_owned();
    let kept = uni.issue(&learner.id, &plain)["id"].as_str().unwrap().to_owned();

    let browser = PageClient::signed_in(&app, &learner.email, PASSWORD);
    let page = browser.get("/shares");
    page.assert_page(200)
        .assert_contains("<form id=\"share-form\" method=\"post\" action=\"/shares\"")
        .assert_contains(&format!("name=\"credential\" value=\"{shared}\""))
        .assert_contains(&format!("name=\"credential\" value=\"{kept}\""))
        .assert_contains(&format!("name=\"skill\" value=\"{SKILL_URL}\""))
        .assert_contains("<option value=\"30\" selected>30 days</option>")
        .assert_contains("<option value=\"90\">90 days</option>")
        .assert_contains("Who is it for?");

    let created =
        browser.submit("/shares", "/shares", &[("scope", "credentials"), ("credential", &shared), ("days", "7"), ("audience", "Acme recruiting")]);
    assert_eq!(created.status, 303, "{}", created.text);
    let location = created.header("location").unwrap().to_owned();
    let share_id = location.strip_prefix("/shares?created=").unwrap_or_else(|| panic!("{location}")).to_owned();
    let after = browser.get(&location);
    after.assert_page(200).assert_contains("data-copy=\"#share-link\"");
    let url = between(&after.text, "<input id=\"share-link\" class=\"public-url\" readonly value=\"", "\"").to_owned();
    assert!(url.contains("/v1/shares/"), "{url}");
    // Shown once: the cookie that carried it is gone.
    assert!(!browser.get(&location).text.contains("id=\"share-link\""), "the link is shown only once");
    let path = app.path_of(&url).to_owned();

    // A signed-out browser gets the page.
    let visitor = PageClient::new(&app);
    let opened = visitor.get(&path);
    opened.assert_page(200).assert_contains("<h1>Learner</h1>");
    let card = shared_card(&opened.text, &shared);
    assert!(card.contains("data-state=\"verified\""), "{card}");
    for text in ["Data Visualisation", "Northfield University", "Verified now: signature, issuer, status, not expired"] {
        assert!(card.contains(text), "the card does not say {text:?}: {card}");
    }
    assert!(!opened.text.contains(&kept), "only the chosen credential is shown");
    let token = path.rsplit('/').next().unwrap();
    opened.assert_contains(&format!("<a id=\"presentation-download\" class=\"button secondary\" href=\"/shared/{token}/presentation\""));
    let presentation = visitor.get(&format!("/shared/{token}/presentation"));
    assert_eq!(presentation.status, 200, "{}", presentation.text);
    assert!(presentation.content_type.starts_with("application/vp+jwt"), "{}", presentation.content_type);
    assert!(presentation.header("content-disposition").is_some_and(|d| d.starts_with("attachment")), "{:?}", presentation.headers);
    let (header, claims) = cairn_tests::jwt_parts(&presentation.text);
    assert_eq!(header["typ"], "vp+jwt");
    assert_eq!(claims["verifiableCredential"].as_array().unwrap().len(), 1);

    // Programs keep getting the JSON at the same address.
    for accept in JSON_ACCEPTS {
        let json = visitor.get_accepting(&path, accept);
        assert_eq!(json.status, 200, "{accept}: {}", json.text);
        assert!(json.content_type.starts_with("application/json"), "{accept}: {}", json.content_type);
        assert_eq!(json.body["credentials"][0]["id"], shared.as_str(), "{accept}");
    }
    let plain_client = app.get(&path, None);
    assert_eq!(plain_client.body["share"], share_id.as_str(), "a client without Accept gets JSON: {}", plain_client.text);

    // The learner's list says what, for whom, until when and how often opened.
    let list = browser.get("/shares");
    let item = share_item(&list.text, &share_id);
    for text in ["Acme recruiting", "Credential: Data Visualisation", "created ", "expires in ", "opened 6 times", "Active", "Revoke"] {
        assert!(item.contains(text), "the share does not say {text:?}: {item}");
    }
}

#[test]
fn a_skills_share_and_a_whole_record_share_show_what_they_hold() {
    let app = TestApp::spawn();
    let learner = app.learner("share-scopes");
    let uni = app.institution("Northfield University");
    let aligned = uni.achievement(&AchievementBuilder::micro("Data Visualisation").skill_with_code("Data visualisation", SKILL_URL, "DV-1"));
    let plain = uni.achievement(&AchievementBuilder::badge("Teamwork"));
    let award = uni.achievement(&AchievementBuilder::award("Analyst Award").description("Both.").criteria("Earn both."));
    uni.pathway(&Pathway::new("analyst", "Analyst", &award, Rule::all([Rule::count(1).achievement(&aligned), Rule::count(1).achievement(&plain)])));
    let chart = uni.issue(&learner.id, &aligned)["id"].as_str().unwrap().to_owned();
    let team = uni.issue(&learner.id, &plain)["id"].as_str().unwrap().to_owned();
    let job = learner.post("/v1/me/employment", &json!({ "employer_name": "Acme", "title": "Junior Analyst", "start_date": "2025-01-06" }));
    assert_eq!(job.status, 201, "{}", job.text);
    let browser = PageClient::signed_in(&app, &learner.email, PASSWORD);
    let visitor = PageClient::new(&app);
    let open_created = |fields: &[(&str, &str)]| {
        let created = browser.submit("/shares", "/shares", fields);
        assert_eq!(created.status, 303, "{}", created.text);
        let page = browser.get(created.header("location").unwrap());
        let url = between(&page.text, "<input id=\"share-link\" class=\"public-url\" readonly value=\"", "\"").to_owned();
        let opened = visitor.get(app.path_of(&url));
        opened.assert_page(200);
        opened
    };

    let by_skill = open_created(&[("scope", "skills"), ("skill", SKILL_URL), ("days", "30")]);
    assert!(shared_card(&by_skill.text, &chart).contains("data-state=\"verified\""), "{}", by_skill.text);
    assert!(!by_skill.text.contains(&team), "only the aligned credential: {}", by_skill.text);
    assert!(!by_skill.text.contains("Junior Analyst"), "no employment in a skills share");

    let everything = open_created(&[("scope", "everything"), ("days", "90")]);
    for id in [&chart, &team] {
        assert!(shared_card(&everything.text, id).contains("data-state=\"verified\""), "{}", everything.text);
    }
    let awards = between(&everything.text, "<li data-testid=\"award\">", "</li>");
    for text in ["Analyst Award", "Analyst", "Data Visualisation", "Teamwork"] {
        assert!(awards.contains(text), "the award does not say {text:?}: {awards}");
    }
    let job = between(&everything.text, "<li class=\"card\" data-testid=\"employment-card\">", "</li>");
    assert!(job.contains("Junior Analyst") && job.contains("Acme") && job.contains("Self-asserted"), "{job}");
    let list = browser.get("/shares");
    list.assert_contains("Credentials with the skills: https://skills.example/data-visualisation")
        .assert_contains("Everything: every credential and employment record");
}

#[test]
fn bad_input_shows_the_form_again_and_creates_nothing() {
    let app = TestApp::spawn();
    let learner = app.learner("share-bad");
    let other = app.learner("share-bad-other");
    let uni = app.institution("Lakeside College");
    let badge = uni.achievement(&AchievementBuilder::badge("Welding"));
    let mine = uni.issue(&learner.id, &badge)["id"].as_str().unwrap().to_owned();
    let theirs = uni.issue(&other.id, &badge)["id"].as_str().unwrap().to_owned();
    let browser = PageClient::signed_in(&app, &learner.email, PASSWORD);

    let cases: [(&[(&str, &str)], &str); 5] = [
        (&[("days", "30")], "Choose what to share"),
        (&[("scope", "credentials"), ("days", "30")], "Choose at least one credential"),
        (&[("scope", "skills"), ("days", "30")], "Choose at least one skill"),
        (&[("scope", "credentials"), ("credential", &mine), ("days", "365")], "Choose how long the link stays open"),
        (&[("scope", "credentials"), ("credential", &theirs), ("days", "30")], "is not in your wallet"),
    ];
    for (fields, error) in cases {
        let response = browser.submit("/shares", "/shares", fields);
        response.assert_page(422).assert_contains(error).assert_contains("id=\"share-form\"");
    }
    let too_long = "x".repeat(201);
    browser
        .submit("/shares", "/shares", &[("scope", "everything"), ("days", "30"), ("audience", &too_long)])
        .assert_page(422)
        .assert_contains("at most 200 characters");
    assert_eq!(learner.get("/v1/me/shares").body["items"], json!([]), "nothing was created");
}

#[test]
fn revoking_through_the_page_ends_the_link() {
    let app = TestApp::spawn();
    let learner = app.learner("share-revoke");
    let stranger = app.learner("share-revoke-stranger");
    let uni = app.institution("Harbour Institute");
    let badge = uni.achievement(&AchievementBuilder::badge("First Aid"));
    let credential = uni.issue(&learner.id, &badge)["id"].as_str().unwrap().to_owned();
    let share = learner.share(&json!({ "credentials": [credential], "expires_at": in_days(30) }));
    let id = share["id"].as_str().unwrap();
    let path = app.path_of(share["url"].as_str().unwrap()).to_owned();
    let visitor = PageClient::new(&app);
    visitor.get(&path).assert_page(200);

    // Someone else's share is not theirs to revoke.
    let other = PageClient::signed_in(&app, &stranger.email, PASSWORD);
    other.submit("/shares", &format!("/shares/{id}/revoke"), &[]).assert_page(404);
    visitor.get(&path).assert_page(200);

    let browser = PageClient::signed_in(&app, &learner.email, PASSWORD);
    browser.submit("/shares", &format!("/shares/{id}/revoke"), &[]).assert_redirect("/shares");
    visitor.get(&path).assert_page(404).assert_contains("This link is no longer valid");
    visitor.get(&format!("/shared/{}/presentation", path.rsplit('/').next().unwrap())).assert_page(404);
    visitor.get_accepting(&path, "application/json").assert_problem(404);
    visitor.get("/v1/shares/not-a-token").assert_page(404).assert_contains("This link is no longer valid");

    let item = share_item(&browser.get("/shares").text, id).to_owned();
    assert!(item.contains("Revoked"), "{item}");
    assert!(!item.contains("/revoke"), "a revoked share has no revoke form: {item}");
}

#[test]
fn a_credential_revoked_after_sharing_shows_as_revoked() {
    let app = TestApp::spawn();
    let learner = app.learner("share-cred-revoked");
    let uni = app.institution("Riverside Academy");
    let badge = uni.achievement(&AchievementBuilder::badge("Forklift Safety"));
    let credential = uni.issue(&learner.id, &badge)["id"].as_str().unwrap().to_owned();
    let share = learner.share(&json!({ "all": true, "expires_at": in_days(30) }));
    let path = app.path_of(share["url"].as_str().unwrap()).to_owned();
    let visitor = PageClient::new(&app);
    assert!(shared_card(&visitor.get(&path).text, &credential).contains("data-state=\"verified\""));

    uni.change(&credential, "revoke");
    let page = visitor.get(&path);
    page.assert_page(200);
    let card = shared_card(&page.text, &credential);
    assert!(card.contains("data-state=\"revoked\""), "{card}");
    assert!(card.contains("Revoked by the issuer"), "{card}");
    assert!(!card.contains("Verified now"), "{card}");
}

#[test]
fn employers_requests_are_granted_or_declined_through_the_page() {
    let app = TestApp::spawn();
    let learner = app.learner("share-requests");
    let stranger = app.learner("share-requests-stranger");
    let uni = app.institution("Northfield University");
    let badge = uni.achievement(&AchievementBuilder::badge("Data Cleaning"));
    let credential = uni.issue(&learner.id, &badge)["id"].as_str().unwrap().to_owned();
    let employer = app.employer("Acme Analytics");
    assert_eq!(learner.put("/v1/me/discoverable", &json!({ "discoverable": true })).status, 200);
    let ask = |message: &str| {
        let response = employer.post("/v1/talent/requests", &json!({ "learner": learner.id, "message": message }));
        assert_eq!(response.status, 201, "{}", response.text);
        response.id()
    };
    let granted = ask("We are hiring analysts.");
    let declined = ask("Another role.");

    let browser = PageClient::signed_in(&app, &learner.email, PASSWORD);
    let page = browser.get("/shares");
    let item = between(&page.text, &format!("data-request=\"{granted}\">"), "</li>");
    for text in ["Acme Analytics", "We are hiring analysts.", &format!("href=\"/shares?request={granted}\">Grant"), "Decline"] {
        assert!(item.contains(text), "the request does not say {text:?}: {item}");
    }
    assert!(item.contains(&format!("action=\"/shares/requests/{granted}/decline\"")), "{item}");

    // Grant: the form answers the request.
    let answer = format!("/shares?request={granted}");
    browser.get(&answer).assert_page(200).assert_contains(&format!("<input type=\"hidden\" name=\"request\" value=\"{granted}\">"));
    let created = browser.submit(&answer, "/shares", &[("request", &granted), ("scope", "everything"), ("days", "30")]);
    assert_eq!(created.status, 303, "{}", created.text);
    let record = employer.get(&format!("/v1/share-requests/{granted}/record"));
    assert_eq!(record.status, 200, "{}", record.text);
    assert_eq!(record.body["credentials"][0]["id"], credential.as_str());

    // Declining someone else's request is not possible; one's own is.
    let other = PageClient::signed_in(&app, &stranger.email, PASSWORD);
    other.submit("/shares", &format!("/shares/requests/{declined}/decline"), &[]).assert_page(404);
    other.get(&format!("/shares?request={declined}")).assert_page(404);
    browser.submit("/shares", &format!("/shares/requests/{declined}/decline"), &[]).assert_redirect("/shares");
    let statuses: Vec<(String, String)> = learner.get("/v1/me/share-requests").body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| (r["id"].as_str().unwrap().to_owned(), r["status"].as_str().unwrap().to_owned()))
        .collect();
    assert!(statuses.contains(&(granted.clone(), "granted".to_owned())), "{statuses:?}");
    assert!(statuses.contains(&(declined.clone(), "declined".to_owned())), "{statuses:?}");
    let page = browser.get("/shares");
    assert!(!page.text.contains("data-request="), "answered requests leave the list: {}", page.text);
    // An answered request cannot be answered again.
    browser.get(&format!("/shares?request={declined}")).assert_page(404);
    browser.submit("/shares", &format!("/shares/requests/{declined}/decline"), &[]).assert_page(409);
    browser
        .submit("/shares", "/shares", &[("request", &declined), ("scope", "everything"), ("days", "30")])
        .assert_page(409)
        .assert_contains("This share request was already answered.");
    assert_eq!(learner.get("/v1/me/shares").body["items"].as_array().unwrap().len(), 1, "only the granting share exists");
}

#[test]
fn discoverability_is_switched_on_and_off_in_settings() {
    let app = TestApp::spawn();
    let learner = app.learner("settings");
    let browser = PageClient::signed_in(&app, &learner.email, PASSWORD);
    let page = browser.get("/settings");
    page.assert_page(200)
        .assert_contains("<form id=\"discoverable-form\" method=\"post\" action=\"/settings/discoverable\"")
        .assert_contains("<input type=\"checkbox\" name=\"discoverable\" value=\"true\"> ");
    browser.submit("/settings", "/settings/discoverable", &[("discoverable", "true")]).assert_redirect("/settings?saved=1");
    assert_eq!(learner.get("/v1/me/discoverable").body, json!({ "discoverable": true }));
    browser.get("/settings?saved=1").assert_contains("name=\"discoverable\" value=\"true\" checked").assert_contains("Saved.");
    browser.submit("/settings", "/settings/discoverable", &[]).assert_redirect("/settings?saved=1");
    assert_eq!(learner.get("/v1/me/discoverable").body, json!({ "discoverable": false }));
}

#[test]
fn activity_lists_who_opened_a_share_newest_first() {
    let app = TestApp::spawn();
    let learner = app.learner("activity");
    let uni = app.institution("Lakeside College");
    let badge = uni.achievement(&AchievementBuilder::badge("Welding"));
    uni.issue(&learner.id, &badge);
    let share = learner.share(&json!({ "all": true, "expires_at": in_days(30) }));
    PageClient::new(&app).get(app.path_of(share["url"].as_str().unwrap())).assert_page(200);

    let browser = PageClient::signed_in(&app, &learner.email, PASSWORD);
    let page = browser.get("/activity");
    page.assert_page(200);
    let first = between(&page.text, "<li data-testid=\"activity\">", "</li>");
    assert!(first.contains("<strong>Someone with the link</strong>: Opened a share link of yours"), "the newest entry first: {first}");
    assert!(first.contains("(today)"), "{first}");
    let viewed = page.text.find("Opened a share link of yours").unwrap();
    let created = page.text.find("<strong>You</strong>: Created a share link").unwrap();
    let issued = page.text.find("Issued you a credential").unwrap();
    assert!(viewed < created && created < issued, "newest first: {}", page.text);

    // An employer's staff opening the link with their token is named with their organisation.
    let employer = app.employer("Acme Hiring");
    assert_eq!(employer.get(app.path_of(share["url"].as_str().unwrap())).status, 200);
    let first = between(&browser.get("/activity").text, "<li data-testid=\"activity\">", "</li>").to_owned();
    assert!(first.contains("<strong>Staff (Acme Hiring)</strong>: Opened a share link of yours"), "{first}");

    // Fifty entries a page, newest first; older ones follow.
    for _ in 0..50 {
        learner.share(&json!({ "all": true, "expires_at": in_days(1) }));
    }
    let page = browser.get("/activity");
    assert_eq!(page.text.matches("<li data-testid=\"activity\">").count(), 50);
    assert!(!page.text.contains("Issued you a credential"), "the oldest entries are on a later page");
    let older = between(&page.text, "<a href=\"/activity?before=", "\"").to_owned();
    let next = browser.get(&format!("/activity?before={older}"));
    next.assert_page(200).assert_contains("Issued you a credential").assert_contains("Opened a share link of yours");
}

#[test]
fn only_the_learner_uses_the_sharing_pages() {
    let app = TestApp::spawn();
    let learner = app.learner("share-who");
    let signed_out = PageClient::new(&app);
    signed_out.get("/shares").assert_redirect("/sign-in?next=%2Fshares");
    signed_out.get("/shares?request=x").assert_redirect("/sign-in?next=%2Fshares%3Frequest%3Dx");
    signed_out.get("/settings").assert_redirect("/sign-in?next=%2Fsettings");
    signed_out.get("/activity").assert_redirect("/sign-in?next=%2Factivity");

    let employer = app.employer("Acme Hiring");
    let uni = app.institution("Harbour Institute");
    for email in [&employer.staff.email, &uni.issuer.email] {
        let staff = PageClient::signed_in(&app, email, PASSWORD);
        for page in ["/shares", "/settings", "/activity"] {
            staff.get(page).assert_page(403);
        }
    }

    // A form without its CSRF token is refused, and changes nothing.
    let browser = PageClient::signed_in(&app, &learner.email, PASSWORD);
    browser.post_form("/shares", &[("scope", "everything"), ("days", "30")]).assert_page(403);
    browser.post_form("/settings/discoverable", &[("discoverable", "true")]).assert_page(403);
    assert_eq!(learner.get("/v1/me/shares").body["items"], json!([]));
    assert_eq!(learner.get("/v1/me/discoverable").body, json!({ "discoverable": false }));
    // The learner's navigation leads to the pages.
    browser
        .get("/shares")
        .assert_contains("href=\"/shares\" aria-current=\"page\"")
        .assert_contains("href=\"/activity\"")
        .assert_contains("href=\"/settings\"");
}
