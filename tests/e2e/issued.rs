//! What an institution issued (issue 17 §1): the list with its filters,
//! pages and text search, and status changes of a selection, which obey
//! the single change's rules and cascade and report per credential.

use cairn_tests::{AchievementBuilder, Institution, IssueRequest, PASSWORD, PageClient, Pathway, Rule, TestApp};
use serde_json::{Value, json};

/// A learner registered with a real name (the harness's are all "Learner").
fn named_learner(app: &TestApp, email: &str, name: &str) -> String {
    let response = app.post("/v1/auth/register", None, &json!({ "email": email, "password": PASSWORD, "name": name }));
    assert_eq!(response.status, 201, "{}", response.text);
    response.id()
}

/// The ids of a list response, in order.
fn ids(body: &Value) -> Vec<String> {
    body["items"].as_array().unwrap().iter().map(|i| i["id"].as_str().unwrap().to_owned()).collect()
}

fn list(uni: &Institution, query: &str) -> Vec<String> {
    let response = uni.issuer.get(&format!("{}?{query}", uni.path("credentials")));
    assert_eq!(response.status, 200, "{query}: {}", response.text);
    ids(&response.body)
}

fn encoded(text: &str) -> String {
    form_urlencoded::byte_serialize(text.as_bytes()).collect()
}

/// The 400 a bad parameter gets, naming it.
fn refused_parameter(uni: &Institution, query: &str, field: &str) {
    let response = uni.issuer.get(&format!("{}?{query}", uni.path("credentials")));
    assert_eq!(response.status, 400, "{query}: {}", response.text);
    assert_eq!(response.body["errors"][0]["field"], field, "{query}: {}", response.text);
}

fn bulk(uni: &Institution, credentials: &[&str], action: &str) -> Value {
    let response = uni.issuer.post(&uni.path("credentials/status"), &json!({ "credentials": credentials, "action": action, "reason": "bulk check" }));
    assert_eq!(response.status, 200, "{}", response.text);
    response.body
}

#[test]
fn the_list_filters_pages_and_searches() {
    let app = TestApp::spawn();
    let uni = app.institution("Issued University");
    let other = app.institution("Other University");
    let x = uni.achievement(&AchievementBuilder::micro("Data X"));
    let y = uni.achievement(&AchievementBuilder::micro("Data Y"));
    let ada = named_learner(&app, "ada@issued.example", "Ada Lovelace");
    let bob = named_learner(&app, "bob@issued.example", "Bob Stone");
    let c1 = uni.issue(&ada, &x)["id"].as_str().unwrap().to_owned();
    let c2 = uni.issue(&ada, &y)["id"].as_str().unwrap().to_owned();
    let c3 = uni.issue_with(&IssueRequest::new(&x).to_email("Waiting@Example.org"))["id"].as_str().unwrap().to_owned();
    let c4 = uni.issue(&bob, &y)["id"].as_str().unwrap().to_owned();
    let theirs_achievement = other.achievement(&AchievementBuilder::micro("Elsewhere"));
    let theirs = other.issue(&ada, &theirs_achievement)["id"].as_str().unwrap().to_owned();

    // Newest first, only this institution's, each with its recipient and history.
    let all = uni.issuer.get(&uni.path("credentials"));
    assert_eq!(all.status, 200, "{}", all.text);
    assert_eq!(ids(&all.body), vec![c4.clone(), c3.clone(), c2.clone(), c1.clone()]);
    assert_eq!(all.body["next_cursor"], Value::Null);
    let items = all.body["items"].as_array().unwrap();
    let first = &items[3];
    assert_eq!(first["achievement"], json!({ "id": x, "name": "Data X" }));
    assert_eq!(first["recipient"], json!({ "learner": ada, "name": "Ada Lovelace", "email": "ada@issued.example", "claimed": true }));
    assert_eq!(first["status"], "active");
    assert_eq!(first["award"], Value::Null);
    assert!(first["issued_at"].is_string() && first["awarded_at"].is_string(), "{first}");
    assert_eq!(first["history"].as_array().unwrap().len(), 1, "{first}");
    assert_eq!(first["history"][0]["status"], "active");
    assert_eq!(first["history"][0]["reason"], "issued");
    assert_eq!(first["history"][0]["actor"]["id"], uni.issuer.id);
    assert!(first.get("jwt").is_none() && first.get("ob3").is_none(), "no documents in the list: {first}");
    let waiting = &items[1];
    assert_eq!(waiting["recipient"], json!({ "learner": null, "name": null, "email": "waiting@example.org", "claimed": false }));

    // Filters.
    assert_eq!(list(&uni, &format!("achievement={x}")), vec![c3.clone(), c1.clone()]);
    assert_eq!(list(&uni, &format!("learner={ada}")), vec![c2.clone(), c1.clone()]);
    assert_eq!(list(&uni, "email=ADA%40Issued.example"), vec![c2.clone(), c1.clone()], "any case");
    assert_eq!(list(&uni, "email=waiting%40EXAMPLE.org"), vec![c3.clone()], "the address a credential waits at");
    assert_eq!(list(&uni, &format!("achievement={x}&learner={ada}")), vec![c1.clone()], "filters combine");
    assert_eq!(list(&uni, "status=&q=&achievement="), vec![c4.clone(), c3.clone(), c2.clone(), c1.clone()], "empty is no filter");
    uni.change(&c2, "suspend");
    uni.change(&c4, "revoke");
    assert_eq!(list(&uni, "status=suspended"), vec![c2.clone()]);
    assert_eq!(list(&uni, "status=revoked"), vec![c4.clone()]);
    assert_eq!(list(&uni, "status=active"), vec![c3.clone(), c1.clone()]);
    let suspended = uni.issuer.get(&format!("{}?status=suspended", uni.path("credentials"))).body;
    let history = suspended["items"][0]["history"].as_array().unwrap().clone();
    assert_eq!(history.len(), 2, "{history:?}");
    assert_eq!(history[1]["status"], "suspended");
    assert_eq!(history[1]["reason"], "checking");
    assert_eq!(history[1]["actor"]["id"], uni.issuer.id);

    // The issue date range: after is inclusive, before exclusive.
    let issued_at = |id: &str| items.iter().find(|i| i["id"] == id).unwrap()["issued_at"].as_str().unwrap().to_owned();
    let at2 = encoded(&issued_at(&c2));
    assert_eq!(list(&uni, &format!("issued_after={at2}")), vec![c4.clone(), c3.clone(), c2.clone()]);
    assert_eq!(list(&uni, &format!("issued_before={at2}")), vec![c1.clone()]);
    let at4 = encoded(&issued_at(&c4));
    assert_eq!(list(&uni, &format!("issued_after={at2}&issued_before={at4}")), vec![c3.clone(), c2.clone()]);

    // Text search over the recipient's name and addresses, any case.
    assert_eq!(list(&uni, "q=LOVEL"), vec![c2.clone(), c1.clone()]);
    assert_eq!(list(&uni, "q=stone"), vec![c4.clone()]);
    assert_eq!(list(&uni, "q=waiting%40"), vec![c3.clone()]);
    assert_eq!(list(&uni, "q=issued.example"), vec![c4.clone(), c2.clone(), c1.clone()]);
    assert_eq!(list(&uni, "q=%25"), Vec::<String>::new(), "% is a character, not a wildcard");
    assert_eq!(list(&uni, "q=a_a"), Vec::<String>::new(), "_ is a character, not a wildcard");

    // Pages follow the cursor to the end.
    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    for _ in 0..10 {
        let query = match &cursor {
            Some(c) => format!("limit=1&cursor={c}"),
            None => "limit=1".to_owned(),
        };
        let page = uni.issuer.get(&format!("{}?{query}", uni.path("credentials")));
        assert_eq!(page.status, 200, "{}", page.text);
        seen.extend(ids(&page.body));
        match page.body["next_cursor"].as_str() {
            Some(next) => cursor = Some(next.to_owned()),
            None => break,
        }
    }
    assert_eq!(seen, vec![c4.clone(), c3.clone(), c2.clone(), c1.clone()]);
    assert_eq!(list(&uni, &format!("status=active&limit=1&cursor={c3}")), vec![c1.clone()], "a cursor under a filter");

    // An empty or inverted date range is a valid question with no answer
    // (each bound is valid alone; schemathesis found the 400 it gave).
    assert_eq!(list(&uni, &format!("issued_after={at4}&issued_before={at2}")), Vec::<String>::new());
    assert_eq!(list(&uni, &format!("issued_after={at2}&issued_before={at2}")), Vec::<String>::new());
    // Nothing follows a cursor that is not in the list: another
    // institution's credential tells nothing (schemathesis found the 400).
    assert_eq!(list(&uni, &format!("cursor={theirs}")), Vec::<String>::new());

    // Bad values are refused, naming the parameter.
    refused_parameter(&uni, "status=gone", "status");
    refused_parameter(&uni, "achievement=not-an-id", "achievement");
    refused_parameter(&uni, "learner=42", "learner");
    refused_parameter(&uni, "email=not-an-address", "email");
    refused_parameter(&uni, "issued_after=yesterday", "issued_after");
    refused_parameter(&uni, &format!("q={}", "a".repeat(201)), "q");
    refused_parameter(&uni, "limit=0", "limit");
    refused_parameter(&uni, "colour=red", "colour");
}

/// Three learners, one micro-credential each and the pathway that awards it
/// with `"on_constituent_revoked": "revoke"`.
struct Awarded {
    uni: Institution,
    award: String,
    pathway: String,
    /// Per learner: (learner id, constituent credential, award credential).
    held: Vec<(String, String, String)>,
}

fn awarded(app: &TestApp, learners: usize) -> Awarded {
    let uni = app.institution("Cascade Institute");
    let micro = uni.achievement(&AchievementBuilder::micro("Foundations"));
    let award = uni.achievement(&AchievementBuilder::award("Foundations Award"));
    let rule = Pathway::new("foundations", "Foundations", &award, Rule::count(1).achievement(&micro))
        .description("one micro-credential")
        .issuance("automatic")
        .on_constituent_revoked("revoke");
    let pathway = uni.pathway(&rule);
    let held = (0..learners)
        .map(|n| {
            let learner = app.learner(&format!("cascade-{n}"));
            let constituent = uni.issue(&learner.id, &micro)["id"].as_str().unwrap().to_owned();
            let award_id = learner.held(&award)[0]["id"].as_str().unwrap().to_owned();
            (learner.id.clone(), constituent, award_id)
        })
        .collect();
    Awarded { uni, award, pathway, held }
}

fn status_of(uni: &Institution, credential: &str) -> String {
    let response = uni.issuer.get(&format!("/v1/credentials/{credential}"));
    assert_eq!(response.status, 200, "{}", response.text);
    response.body["status"].as_str().unwrap().to_owned()
}

#[test]
fn bulk_revoke_cascades_exactly_like_single_revoke() {
    let app = TestApp::spawn();
    let a = awarded(&app, 3);
    let uni = &a.uni;
    let (_, single, single_award) = a.held[0].clone();
    let (_, first, first_award) = a.held[1].clone();
    let (_, second, second_award) = a.held[2].clone();

    // The list includes the awards, marked.
    let awards = uni.issuer.get(&format!("{}?achievement={}", uni.path("credentials"), a.award)).body;
    assert_eq!(awards["items"].as_array().unwrap().len(), 3, "{awards}");
    assert!(awards["items"].as_array().unwrap().iter().all(|i| i["award"]["pathway"] == a.pathway), "{awards}");

    // Single revoke: the award follows.
    uni.change(&single, "revoke");
    assert_eq!(status_of(uni, &single_award), "revoked");

    // Bulk revoke of two constituents: both awards follow, and the answer names them.
    let done = bulk(uni, &[&first, &second], "revoke");
    assert_eq!(done["action"], "revoke");
    assert_eq!(done["changed"], 2, "{done}");
    for (result, (constituent, award)) in done["results"].as_array().unwrap().iter().zip([(&first, &first_award), (&second, &second_award)]) {
        assert_eq!(result["credential"], *constituent);
        assert_eq!(result["outcome"], "changed");
        assert_eq!(result["status"], "revoked");
        assert_eq!(result["cascade"], json!([{ "credential": award, "status": "revoked" }]), "{result}");
        assert_eq!(status_of(uni, award), "revoked");
    }

    // The awards' histories read the same way as after the single revoke.
    let history_of = |award: &str| {
        let listed = uni.issuer.get(&format!("{}?achievement={}&status=revoked", uni.path("credentials"), a.award)).body;
        let item = listed["items"].as_array().unwrap().iter().find(|i| i["id"] == award).cloned().unwrap();
        item["history"].as_array().unwrap().iter().map(|h| (h["status"].clone(), h["reason"].as_str().unwrap().to_owned())).collect::<Vec<_>>()
    };
    let single_history = history_of(&single_award);
    let bulk_history = history_of(&first_award);
    assert_eq!(single_history.len(), 2, "{single_history:?}");
    assert_eq!(bulk_history.len(), 2, "{bulk_history:?}");
    assert_eq!(single_history[1].1.replace(&single, "C"), bulk_history[1].1.replace(&first, "C"), "the same cascade reason");
    assert!(bulk_history[1].1.contains(&first), "the reason names the constituent: {bulk_history:?}");

    // The audit log has the same entries for both ways.
    let revocations = uni.audit_reasons("award.revoke");
    assert_eq!(revocations.len(), 3, "{revocations:?}");
}

#[test]
fn bulk_suspend_and_reinstate_move_the_awards_back_and_forth() {
    let app = TestApp::spawn();
    let a = awarded(&app, 1);
    let uni = &a.uni;
    let (_, constituent, award) = a.held[0].clone();
    let suspended = bulk(uni, &[&constituent], "suspend");
    assert_eq!(suspended["results"][0]["cascade"], json!([{ "credential": award, "status": "suspended" }]), "{suspended}");
    assert_eq!(status_of(uni, &award), "suspended");
    let reinstated = bulk(uni, &[&constituent], "reinstate");
    assert_eq!(reinstated["results"][0]["outcome"], "changed");
    assert_eq!(reinstated["results"][0]["cascade"], json!([{ "credential": award, "status": "active" }]), "{reinstated}");
    assert_eq!(status_of(uni, &award), "active");
}

#[test]
fn a_mixed_selection_is_answered_per_credential() {
    let app = TestApp::spawn();
    let uni = app.institution("Mixed University");
    let other = app.institution("Someone Else");
    let learner = app.learner("mixed");
    let micro = uni.achievement(&AchievementBuilder::micro("Mixed"));
    let theirs_micro = other.achievement(&AchievementBuilder::micro("Theirs"));
    let theirs = other.issue(&learner.id, &theirs_micro)["id"].as_str().unwrap().to_owned();
    let revoked = uni.issue(&learner.id, &micro)["id"].as_str().unwrap().to_owned();
    uni.change(&revoked, "revoke");
    let active = uni.issue(&learner.id, &micro)["id"].as_str().unwrap().to_owned();
    let unknown = "01900000-0000-7000-8000-000000000000";

    let done = bulk(&uni, &[&theirs, &revoked, &active, unknown, &active], "revoke");
    assert_eq!(
        (done["changed"].clone(), done["unchanged"].clone(), done["refused"].clone(), done["not_found"].clone(), done["failed"].clone()),
        (json!(1), json!(1), json!(0), json!(2), json!(0)),
        "{done}"
    );
    let results = done["results"].as_array().unwrap();
    assert_eq!(results.len(), 4, "a repeated id counts once: {done}");
    assert_eq!(results[0], json!({ "credential": theirs, "outcome": "not_found" }), "another's credential does not leak");
    assert_eq!(results[1], json!({ "credential": revoked, "outcome": "unchanged", "status": "revoked" }));
    assert_eq!(results[2]["outcome"], "changed");
    assert_eq!(results[2]["status"], "revoked");
    assert_eq!(results[3], json!({ "credential": unknown, "outcome": "not_found" }));
    assert_eq!(status_of(&other, &theirs), "active", "another institution's credential is untouched");

    // Revoked is final: a reinstatement is refused with the single change's problem.
    let refused = bulk(&uni, &[&revoked], "reinstate");
    assert_eq!(refused["refused"], 1, "{refused}");
    assert_eq!(refused["results"][0]["outcome"], "refused");
    assert_eq!(refused["results"][0]["status"], "revoked");
    assert_eq!(refused["results"][0]["error"]["status"], 409);
    assert_eq!(refused["results"][0]["error"]["detail"], "a revoked credential cannot be reinstated");
    let suspend_revoked = bulk(&uni, &[&revoked], "suspend");
    assert_eq!(suspend_revoked["results"][0]["outcome"], "refused", "{suspend_revoked}");

    // Bad requests are refused whole and change nothing.
    let fresh = uni.issue(&learner.id, &micro)["id"].as_str().unwrap().to_owned();
    let many: Vec<String> = (0..501).map(|n| format!("01900000-0000-7000-8000-{n:012}")).collect();
    for (body, field) in [
        (json!({ "credentials": [], "action": "revoke", "reason": "r" }), "credentials"),
        (json!({ "credentials": many, "action": "revoke", "reason": "r" }), "credentials"),
        (json!({ "credentials": [fresh, "not-an-id"], "action": "revoke", "reason": "r" }), "credentials[1]"),
        (json!({ "credentials": [fresh], "action": "delete", "reason": "r" }), "action"),
        (json!({ "credentials": [fresh], "action": "revoke", "reason": "   " }), "reason"),
        (json!({ "credentials": [fresh], "action": "revoke" }), "reason"),
        (json!({ "credentials": [fresh], "action": "revoke", "reason": "r", "extra": 1 }), "extra"),
    ] {
        let response = uni.issuer.post(&uni.path("credentials/status"), &body);
        assert_eq!(response.status, 422, "{body}: {}", response.text);
        assert_eq!(response.body["errors"][0]["field"], field, "{body}: {}", response.text);
    }
    assert_eq!(status_of(&uni, &fresh), "active");
    // Another institution's issuer cannot use this institution's endpoint at all.
    let response = other.issuer.post(&uni.path("credentials/status"), &json!({ "credentials": [fresh], "action": "revoke", "reason": "r" }));
    assert_eq!(response.status, 404, "{}", response.text);
    assert_eq!(status_of(&uni, &fresh), "active");
}

#[test]
fn a_page_of_two_hundred_is_read_in_a_few_queries() {
    // Not timed: the page's histories come in one query, so a full page
    // with several history entries each answers correctly and whole.
    let app = TestApp::spawn();
    let uni = app.institution("Busy University");
    let micro = uni.achievement(&AchievementBuilder::micro("Busy"));
    let learners = app.learners_in_bulk("busy", 4);
    let items: Vec<IssueRequest> = (0..220).map(|n| IssueRequest::new(&micro).to(&learners[n % 4].id)).collect();
    let batch = uni.batch(&items);
    assert_eq!(batch.status, 200, "{}", batch.text);
    let first = batch.body["results"][0]["credential"]["id"].as_str().unwrap().to_owned();
    uni.change(&first, "suspend");
    uni.change(&first, "reinstate");
    let page = uni.issuer.get(&format!("{}?limit=500", uni.path("credentials")));
    assert_eq!(page.status, 200, "{}", page.text);
    assert_eq!(page.body["items"].as_array().unwrap().len(), 200, "capped at 200");
    assert!(page.body["next_cursor"].is_string());
    let rest = uni.issuer.get(&format!("{}?limit=200&cursor={}", uni.path("credentials"), page.body["next_cursor"].as_str().unwrap()));
    let rest_items = rest.body["items"].as_array().unwrap();
    assert_eq!(rest_items.len(), 20);
    let oldest = rest_items.iter().find(|i| i["id"] == first).expect("the first issued is on the last page");
    let statuses: Vec<&str> = oldest["history"].as_array().unwrap().iter().map(|h| h["status"].as_str().unwrap()).collect();
    assert_eq!(statuses, vec!["active", "suspended", "active"]);
    assert!(page.body["items"].as_array().unwrap().iter().all(|i| i["history"].as_array().unwrap().len() == 1));
}

#[test]
fn the_issued_page_searches_and_revokes_a_selection() {
    let app = TestApp::spawn();
    let a = awarded(&app, 2);
    let uni = &a.uni;
    let browser = PageClient::signed_in(&app, &uni.issuer.email, PASSWORD);
    let (_, first, first_award) = a.held[0].clone();
    let (_, second, _) = a.held[1].clone();

    let page = browser.get("/institution/credentials");
    page.assert_page(200).assert_contains("Foundations Award").assert_contains(&format!("value=\"{first}\""));
    browser.get("/institution/credentials?status=revoked").assert_page(200).assert_contains("No credentials match");
    browser
        .get("/institution/credentials?q=cascade-1%40")
        .assert_page(200)
        .assert_contains(&second)
        .assert_not_contains(&format!("value=\"{first}\""));
    browser.get("/institution/credentials?status=gone").assert_page(400);

    // Revoke one through the bulk form: the results say what happened, the award included.
    let done = browser.submit(
        "/institution/credentials",
        "/institution/credentials/status",
        &[("credential", first.as_str()), ("action", "revoke"), ("reason", "Assessment voided")],
    );
    done.assert_page(200).assert_contains("Revoked").assert_contains(&first_award);
    assert_eq!(status_of(uni, &first), "revoked");
    assert_eq!(status_of(uni, &first_award), "revoked", "the cascade ran as for the API");
    // Again: already revoked.
    let again = browser.submit(
        "/institution/credentials",
        "/institution/credentials/status",
        &[("credential", first.as_str()), ("action", "revoke"), ("reason", "Again")],
    );
    again.assert_page(200).assert_contains("Already revoked");
    // A revocation is final: its row offers nothing to choose.
    let listed = browser.get("/institution/credentials?status=revoked");
    listed.assert_page(200).assert_contains(&format!("data-credential=\"{first}\"")).assert_not_contains(&format!("id=\"pick-{first}\""));
    browser.get("/institution/credentials").assert_page(200).assert_contains(&format!("id=\"pick-{second}\""));
    // A row's own button acts on that credential alone.
    let row = browser.submit(
        "/institution/credentials",
        "/institution/credentials/status",
        &[("credential", first.as_str()), ("row", &format!("suspend:{second}")), ("reason", "Checking one")],
    );
    row.assert_page(200).assert_contains("Suspended");
    assert_eq!(status_of(uni, &second), "suspended");
    assert_eq!(status_of(uni, &first), "revoked");
    // Without a reason or a selection, nothing happens and the person is told.
    browser
        .submit("/institution/credentials", "/institution/credentials/status", &[("credential", second.as_str()), ("action", "reinstate")])
        .assert_page(422)
        .assert_contains("reason");
    browser.submit("/institution/credentials", "/institution/credentials/status", &[("action", "revoke"), ("reason", "r")]).assert_page(422);
    assert_eq!(status_of(uni, &second), "suspended");
}
