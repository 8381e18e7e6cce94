//! The institution console's pages: the overview's figures, the rule editor
//! (registering, the engine's messages at their place, a new version, the
//! dry run's job page), the review queue and the audit log, driven through
//! the forms as a person would, and checked against the API.

use cairn_tests::{AchievementBuilder, Institution, PASSWORD, PageClient, Pathway, Response, Rule, TestApp};
use serde_json::{Value, json};

fn console(app: &TestApp, uni: &Institution) -> PageClient {
    PageClient::signed_in(app, &uni.issuer.email, PASSWORD)
}

/// The number in the element marked `attribute="name"` of a page.
fn figure(page: &Response, attribute: &str, name: &str) -> i64 {
    let marker = format!("{attribute}=\"{name}\">");
    let start = page.text.find(&marker).unwrap_or_else(|| panic!("no {marker} in {}", page.text)) + marker.len();
    page.text[start..].split('<').next().unwrap_or_default().trim().parse().unwrap_or_else(|_| panic!("{name} is no number: {}", page.text))
}

/// The path a redirect goes to.
fn location(response: &Response) -> String {
    assert_eq!(response.status, 303, "{}", response.text);
    response.header("location").unwrap().to_owned()
}

fn rule_text(rule: &Value) -> String {
    serde_json::to_string_pretty(rule).unwrap()
}

#[test]
fn the_overview_counts_what_the_institution_holds() {
    let app = TestApp::spawn();
    let uni = app.institution("Overview University");
    let learner = app.learner("overview-learner");
    let micro = uni.achievement(&AchievementBuilder::micro("Overview Micro"));
    let award = uni.achievement(&AchievementBuilder::award("Overview Award"));
    let ids: Vec<String> = (0..3).map(|_| uni.issue(&learner.id, &micro)["id"].as_str().unwrap().to_owned()).collect();
    uni.change(&ids[1], "suspend");
    uni.change(&ids[2], "revoke");
    uni.pathway(&Pathway::new("overview-review", "Overview Review", &award, Rule::count(1).of_type("MicroCredential")).issuance("review"));
    // Another institution's figures do not count here.
    let other = app.institution("Elsewhere College");
    let elsewhere = other.achievement(&AchievementBuilder::micro("Elsewhere Micro"));
    other.issue(&learner.id, &elsewhere);

    let page = console(&app, &uni).get("/institution");
    page.assert_page(200).assert_contains("Overview University").assert_contains(&format!("href=\"/issuers/{}\"", uni.org));
    for section in [
        "/institution/catalog",
        "/institution/issue",
        "/institution/credentials",
        "/institution/pathways",
        "/institution/reviews",
        "/webhooks",
        "/institution/audit",
    ] {
        page.assert_contains(&format!("href=\"{section}\""));
    }
    let counts: Vec<i64> =
        ["achievements", "issued", "active", "suspended", "revoked", "pathways", "reviews"].iter().map(|n| figure(&page, "data-count", n)).collect();
    assert_eq!(counts, [2, 3, 1, 1, 1, 1, 1], "{}", page.text);
}

#[test]
fn a_pathway_registered_through_the_form_is_in_force_and_an_edit_makes_a_new_version() {
    let app = TestApp::spawn();
    let uni = app.institution("Form University");
    let micro = uni.achievement(&AchievementBuilder::micro("Form Micro"));
    let award = uni.achievement(&AchievementBuilder::award("Form Award"));
    let browser = console(&app, &uni);
    // The new page starts from an example naming an award of the catalog.
    let blank = browser.get("/institution/pathways/new");
    blank.assert_page(200).assert_contains(&format!("&#34;award&#34;: &#34;{award}&#34;"));

    let rule = Value::from(Pathway::new("form-pathway", "Form Pathway", &award, Rule::count(1).achievement(&micro)));
    let saved = browser.submit("/institution/pathways/new", "/institution/pathways/new", &[("rule", &rule_text(&rule)), ("action", "save")]);
    let place = location(&saved);
    assert!(place.starts_with("/institution/pathways/") && place.contains("?job="), "{place}");
    let id = place.trim_start_matches("/institution/pathways/").split('?').next().unwrap().to_owned();
    let listed = uni.issuer.get(&uni.path("pathways"));
    assert_eq!(listed.body["items"][0]["id"], json!(id), "{}", listed.text);
    assert_eq!(listed.body["items"][0]["version"], 1);

    let edit = browser.get(&place);
    edit.assert_page(200).assert_contains("Saved as version 1").assert_contains("<svg").assert_contains(&format!("data-node=\"{micro}\""));
    browser
        .get("/institution/pathways")
        .assert_page(200)
        .assert_contains("Form Pathway")
        .assert_contains("<code>form-pathway</code>")
        // Only the most specific navigation entry is the current one.
        .assert_contains("href=\"/institution/pathways\" aria-current=\"page\"")
        .assert_not_contains("href=\"/institution\" aria-current");

    let mut changed = rule.clone();
    changed["name"] = json!("Form Pathway, revised");
    let again = browser.submit(&place, &format!("/institution/pathways/{id}"), &[("rule", &rule_text(&changed)), ("action", "save")]);
    let place = location(&again);
    let page = browser.get(&place);
    page.assert_page(200).assert_contains("Form Pathway, revised").assert_contains("<span data-testid=\"version\">2</span>");
    let fetched = app.get(&format!("/v1/pathways/{id}"), None);
    assert_eq!(fetched.body["version"], 2, "{}", fetched.text);
    assert_eq!(fetched.body["rule"]["name"], "Form Pathway, revised", "{}", fetched.text);
}

#[test]
fn a_bad_rule_shows_the_engines_message_at_its_place_and_keeps_the_text() {
    let app = TestApp::spawn();
    let uni = app.institution("Bad Rule University");
    let award = uni.achievement(&AchievementBuilder::award("Bad Rule Award"));
    let browser = console(&app, &uni);
    let rule = Value::from(Pathway::new(
        "bad-rule",
        "Bad Rule",
        &award,
        Rule::at_least(1, [Rule::count(1).of_type("MicroCredential"), Rule::count(0).of_type("Course")]),
    ));
    let text = rule_text(&rule);
    let refused = browser.submit("/institution/pathways/new", "/institution/pathways/new", &[("rule", &text), ("action", "save")]);
    refused
        .assert_page(422)
        .assert_contains("<li data-field=\"requirement.of[1].min\"><code>requirement.of[1].min</code>: must be at least 1</li>")
        .assert_contains("aria-invalid=\"true\"")
        // The text as typed, HTML-escaped in the textarea.
        .assert_contains("&#34;key&#34;: &#34;bad-rule&#34;");
    assert_eq!(uni.issuer.get(&uni.path("pathways")).body["items"], json!([]), "nothing is registered");

    // A syntax error names its line and column.
    let broken = "{\n  \"key\": \"broken\",\n  oops\n}";
    let refused = browser.submit("/institution/pathways/new", "/institution/pathways/new", &[("rule", broken), ("action", "save")]);
    refused.assert_page(422).assert_contains("Not valid JSON: line 3, column 3").assert_contains("oops");

    // An award outside the catalog is the engine's graph check, at `requirement` or `award`.
    let mut unknown = rule.clone();
    unknown["requirement"] = json!({ "type": "count", "min": 1, "where": { "achievement": "0190a000-0000-7000-8000-000000000000" } });
    let refused = browser.submit("/institution/pathways/new", "/institution/pathways/new", &[("rule", &rule_text(&unknown)), ("action", "dry_run")]);
    refused.assert_page(422).assert_contains("0190a000-0000-7000-8000-000000000000");
}

#[test]
fn a_retired_award_is_refused_on_the_form_at_its_field() {
    let app = TestApp::spawn();
    let uni = app.institution("Retired Award University");
    uni.achievement(&AchievementBuilder::micro("A Module"));
    let award = uni.achievement(&AchievementBuilder::award("Old Award"));
    uni.issuer.post(&format!("/v1/achievements/{award}/retire"), &json!({})).assert_status(200);
    let browser = console(&app, &uni);
    let rule = Value::from(Pathway::new("old", "Old", &award, Rule::count(1).of_type("MicroCredential")));
    let refused = browser.submit("/institution/pathways/new", "/institution/pathways/new", &[("rule", &rule_text(&rule)), ("action", "save")]);
    refused
        .assert_page(409)
        .assert_contains("<li data-field=\"award\"><code>award</code>: the award achievement is retired")
        .assert_contains("&#34;key&#34;: &#34;old&#34;");
    assert_eq!(uni.issuer.get(&uni.path("pathways")).body["items"], json!([]), "nothing is registered");
}

/// Opens the job page until it says it is done (each opening is what the
/// page's own refresh would do).
fn finished_job(browser: &PageClient, path: &str) -> Response {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(120);
    loop {
        let page = browser.get(path);
        page.assert_page(200);
        if page.text.contains("data-state=\"Done\"") || page.text.contains("data-state=\"Failed\"") {
            return page;
        }
        assert!(page.text.contains("<meta http-equiv=\"refresh\""), "an unfinished job's page refreshes itself: {}", page.text);
        assert!(std::time::Instant::now() < deadline, "the job never finished: {}", page.text);
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
}

#[test]
fn a_dry_run_shows_its_figures_on_the_jobs_page() {
    let app = TestApp::spawn();
    let uni = app.institution("Dry Run University");
    let micro = uni.achievement(&AchievementBuilder::micro("Dry Micro"));
    uni.achievement(&AchievementBuilder::micro("Dry Micro Two"));
    let award = uni.achievement(&AchievementBuilder::award("Dry Award"));
    let done = app.learner("dry-done");
    let _nothing = app.learner("dry-nothing");
    uni.issue(&done.id, &micro);
    let browser = console(&app, &uni);
    let rule = Value::from(Pathway::new("dry-run", "Dry Run", &award, Rule::count(1).achievement(&micro)));
    let started = browser.submit("/institution/pathways/new", "/institution/pathways/new", &[("rule", &rule_text(&rule)), ("action", "dry_run")]);
    let job = location(&started);
    assert!(job.starts_with("/institution/jobs/"), "{job}");
    let page = finished_job(&browser, &job);
    page.assert_contains("Dry run of a new pathway").assert_not_contains("http-equiv=\"refresh\"");
    assert_eq!(figure(&page, "data-figure", "learners_evaluated"), 1, "{}", page.text);
    assert_eq!(figure(&page, "data-figure", "would_complete"), 1);
    assert_eq!(figure(&page, "data-figure", "already_awarded"), 0);
    // The rule tried comes back, to save.
    page.assert_contains("action=\"/institution/pathways/new\"").assert_contains("&#34;key&#34;: &#34;dry-run&#34;");
    assert_eq!(uni.issuer.get(&uni.path("pathways")).body["items"], json!([]), "a dry run registers nothing");
    assert!(done.held(&award).is_empty(), "a dry run awards nothing");

    // A dry run of a change, from the edit page.
    let id = uni.pathway(&rule);
    let mut harder = rule.clone();
    harder["requirement"] = json!({ "type": "count", "min": 2, "where": { "achievement_type": "MicroCredential" } });
    let started = browser.submit(
        &format!("/institution/pathways/{id}"),
        &format!("/institution/pathways/{id}"),
        &[("rule", &rule_text(&harder)), ("action", "dry_run")],
    );
    let page = finished_job(&browser, &location(&started));
    page.assert_contains("Dry run of a changed pathway").assert_contains(&format!("href=\"/institution/pathways/{id}\""));
    assert_eq!(figure(&page, "data-figure", "would_complete"), 0, "{}", page.text);
    assert_eq!(figure(&page, "data-figure", "in_progress"), 1);
    assert_eq!(app.get(&format!("/v1/pathways/{id}"), None).body["version"], 1, "a dry run changes nothing");
}

#[test]
fn reviews_are_approved_and_rejected_from_the_queue() {
    let app = TestApp::spawn();
    let uni = app.institution("Review University");
    let learner = app.learner("review-learner");
    let micro = uni.achievement(&AchievementBuilder::micro("Review Micro"));
    uni.issue(&learner.id, &micro);
    let awards: Vec<String> = (1..=2).map(|i| uni.achievement(&AchievementBuilder::award(&format!("Review Award {i}")))).collect();
    for (i, award) in awards.iter().enumerate() {
        uni.pathway(
            &Pathway::new(&format!("review-{i}"), &format!("Review Pathway {i}"), award, Rule::count(1).achievement(&micro)).issuance("review"),
        );
    }
    let pending = |uni: &Institution| -> Vec<String> {
        let queue = uni.issuer.get(&uni.path("award-reviews?status=pending"));
        queue.body["items"].as_array().unwrap().iter().map(|r| r["id"].as_str().unwrap().to_owned()).collect()
    };
    let ids = pending(&uni);
    assert_eq!(ids.len(), 2);
    let browser = console(&app, &uni);
    let page = browser.get("/institution/reviews");
    page.assert_page(200).assert_contains("Review Pathway 0").assert_contains("Review Pathway 1").assert_contains("review-learner");

    browser
        .submit("/institution/reviews", &format!("/institution/reviews/{}/approve", ids[0]), &[])
        .assert_redirect("/institution/reviews?decided=approved");
    assert_eq!(learner.award_status(&awards[0]), "active");

    // No reason: the form again, the review still waiting.
    let refused = browser.submit("/institution/reviews", &format!("/institution/reviews/{}/reject", ids[1]), &[("reason", "  ")]);
    refused.assert_page(422).assert_contains(&format!("id=\"reason-error-{}\"", ids[1]));
    assert_eq!(pending(&uni), [ids[1].clone()]);
    browser
        .submit("/institution/reviews", &format!("/institution/reviews/{}/reject", ids[1]), &[("reason", "Not enough evidence")])
        .assert_redirect("/institution/reviews?decided=rejected");
    let decided = uni.issuer.get(&uni.path("award-reviews?status=rejected"));
    assert_eq!(decided.body["items"][0]["reason"], "Not enough evidence", "{}", decided.text);
    assert!(learner.held(&awards[1]).is_empty());
    browser.get("/institution/reviews").assert_page(200).assert_contains("Nothing is waiting for review");
    // A decided review cannot be decided again: the API's 409.
    browser.submit("/institution/reviews", &format!("/institution/reviews/{}/approve", ids[1]), &[]).assert_page(409);
}

#[test]
fn the_audit_log_lists_an_issue_newest_first_by_name() {
    let app = TestApp::spawn();
    let uni = app.institution("Audit University");
    let learner = app.learner("audit-learner");
    let micro = uni.achievement(&AchievementBuilder::micro("Audit Micro"));
    let credential = uni.issue(&learner.id, &micro)["id"].as_str().unwrap().to_owned();
    uni.change(&credential, "revoke");
    let page = console(&app, &uni).get("/institution/audit");
    page.assert_page(200).assert_contains("Issued a credential").assert_contains(&format!("credential {credential}"));
    let (issued, revoked, created) = (
        page.text.find("Issued a credential").unwrap(),
        page.text.find("Revoked a credential").unwrap(),
        page.text.find("Added an achievement").unwrap(),
    );
    assert!(revoked < issued && issued < created, "newest first: {}", page.text);
    let issuer_name = uni.issuer.me()["name"].as_str().unwrap().to_owned();
    page.assert_contains(&format!("<strong>{issuer_name}</strong>: Issued a credential"));
    // Another institution's log does not show here.
    let other = app.institution("Quiet College");
    other.achievement(&AchievementBuilder::micro("Quiet Micro"));
    console(&app, &uni).get("/institution/audit").assert_not_contains("Quiet Micro");
}
