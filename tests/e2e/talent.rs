//! Talent search by verified skill, opt-in only; share requests.

use cairn_tests::Learner;
use serde_json::json;

use crate::sharing::{SKILL_CODE, SKILL_URL, World, in_days};

fn found(w: &World, query: &str) -> Vec<String> {
    let response = w.employer.get(&format!("/v1/talent?{query}"));
    assert_eq!(response.status, 200, "{}", response.text);
    response.body["items"].as_array().unwrap().iter().map(|i| i["learner"].as_str().unwrap().to_owned()).collect()
}

fn skill_query(skill: &str) -> String {
    format!("skill={}", skill.replace(':', "%3A").replace('/', "%2F"))
}

#[test]
fn talent_search_finds_only_opted_in_learners_with_active_verified_credentials() {
    let w = World::new();
    let app = &w.app;
    let opt_in = |token: &Learner, body: serde_json::Value| {
        let response = token.put("/v1/me/discoverable", &body);
        assert_eq!(response.status, 200, "{}", response.text);
        response.body
    };

    // Found: opted in for every skill, holds an aligned credential.
    let found_token = app.learner("found@example.com");
    let credential = w.issue(&w.aligned, &found_token.id);
    opt_in(&found_token, json!({ "discoverable": true }));
    // Opted in for this skill only: found too.
    let chosen_token = app.learner("chosen@example.com");
    w.issue(&w.aligned, &chosen_token.id);
    assert_eq!(opt_in(&chosen_token, json!({ "discoverable": true, "skills": [SKILL_URL] })), json!({ "discoverable": true, "skills": [SKILL_URL] }));
    // Opted in, then out.
    let out_token = app.learner("out@example.com");
    w.issue(&w.aligned, &out_token.id);
    opt_in(&out_token, json!({ "discoverable": true }));
    assert_eq!(opt_in(&out_token, json!({ "discoverable": false })), json!({ "discoverable": false }));
    // Never opted in.
    let never_id = app.learner("never@example.com").id;
    w.issue(&w.aligned, &never_id);
    // Opted in for another skill only.
    let other_skill_token = app.learner("other-skill@example.com");
    w.issue(&w.aligned, &other_skill_token.id);
    opt_in(&other_skill_token, json!({ "discoverable": true, "skills": ["https://skills.example/welding"] }));
    // Opted in, but the credential was revoked.
    let revoked_token = app.learner("revoked@example.com");
    let revoked = w.issue(&w.aligned, &revoked_token.id);
    opt_in(&revoked_token, json!({ "discoverable": true }));
    let revoke = w.northfield.issuer.post(&format!("/v1/credentials/{}/revoke", revoked["id"].as_str().unwrap()), &json!({ "reason": "error" }));
    assert_eq!(revoke.status, 200, "{}", revoke.text);
    // Opted in, but the only aligned credential is an unverified import
    // (someone else's credential, altered).
    let import_token = app.learner("import@example.com");
    let mut altered = credential["ob3"].clone();
    altered["name"] = json!("Data Visualisation (forged)");
    let imported = import_token.post("/v1/me/credentials/import", &json!({ "credential": altered }));
    assert_eq!(imported.status, 201, "{}", imported.text);
    assert_eq!(imported.body["verified"], false);
    opt_in(&import_token, json!({ "discoverable": true }));
    // Opted in with only a credential of no alignment.
    let plain_token = app.learner("plain@example.com");
    w.issue(&w.plain, &plain_token.id);
    opt_in(&plain_token, json!({ "discoverable": true }));

    let mut expected = vec![found_token.id.clone(), chosen_token.id.clone()];
    expected.sort();
    assert_eq!(found(&w, &skill_query(SKILL_URL)), expected);
    // A per-skill opt-in names the exact key searched: `chosen` opted in by
    // URL, so a search by the alignment's code does not find them.
    assert_eq!(found(&w, &format!("skill={SKILL_CODE}")), vec![found_token.id.clone()]);
    for absent in [&out_token.id, &never_id, &other_skill_token.id, &revoked_token.id, &import_token.id, &plain_token.id] {
        assert!(!expected.contains(absent));
    }

    // The item carries the matching credential and how to ask for a share;
    // it never carries the credential document or the e-mail address.
    let page = w.employer.get(&format!("/v1/talent?skill={SKILL_CODE}"));
    let item = page.body["items"].as_array().unwrap().iter().find(|i| i["learner"] == found_token.id.as_str()).unwrap();
    assert_eq!(item["credentials"][0]["id"], credential["id"]);
    assert_eq!(item["credentials"][0]["level"], "advanced");
    assert_eq!(item["request_share"]["body"]["learner"], found_token.id.as_str());
    assert!(!page.text.contains("found@example.com") && !page.text.contains("eyJ"), "{}", page.text);

    // Levels: the achievement is advanced.
    assert_eq!(found(&w, &format!("{}&min_level=advanced", skill_query(SKILL_URL))), expected);
    assert_eq!(found(&w, &format!("{}&min_level=expert", skill_query(SKILL_URL))), Vec::<String>::new());
    w.employer.get(&format!("/v1/talent?skill={SKILL_CODE}&min_level=godlike")).assert_problem(400);
    w.employer.get("/v1/talent").assert_problem(400);

    // Paging.
    let first = w.employer.get(&format!("/v1/talent?{}&limit=1", skill_query(SKILL_URL)));
    assert_eq!(first.body["items"].as_array().unwrap().len(), 1);
    let cursor = first.body["next_cursor"].as_str().unwrap();
    let second = w.employer.get(&format!("/v1/talent?{}&limit=1&cursor={cursor}", skill_query(SKILL_URL)));
    assert_eq!(second.body["items"][0]["learner"], expected[1].as_str());
    assert_eq!(second.body["next_cursor"], serde_json::Value::Null);

    // Only employers may search; the learner sees each time they were shown.
    let learner = app.learner("curious@example.com");
    learner.get(&format!("/v1/talent?skill={SKILL_CODE}")).assert_problem(403);
    w.northfield.issuer.get(&format!("/v1/talent?skill={SKILL_CODE}")).assert_problem(403);
    app.get(&format!("/v1/talent?skill={SKILL_CODE}"), None).assert_problem(401);
    let audit = found_token.get("/v1/me/audit");
    let matches = audit.body["items"].as_array().unwrap().iter().filter(|e| e["action"] == "talent.match").count();
    assert!(matches >= 5, "every search that showed the learner is logged: {}", audit.text);
    let audit = out_token.get("/v1/me/audit");
    assert!(audit.body["items"].as_array().unwrap().iter().all(|e| e["action"] != "talent.match"));
}

#[test]
fn talent_search_is_rate_limited_per_account() {
    let w = World::new();
    let mut last = None;
    for _ in 0..61 {
        last = Some(w.employer.get(&format!("/v1/talent?skill={SKILL_CODE}")));
    }
    let last = last.unwrap();
    last.assert_problem(429);
    assert!(last.header("Retry-After").is_some_and(|s| s.parse::<u64>().unwrap() >= 1));
}

#[test]
fn employers_ask_for_a_share_and_open_only_what_was_granted() {
    let w = World::new();
    let app = &w.app;
    let learner = app.learner("ada@example.com");
    let credential = w.issue(&w.aligned, &learner.id)["id"].as_str().unwrap().to_owned();
    let hidden_id = app.learner("hidden@example.com").id;

    // Only a discoverable learner can be asked.
    w.employer.post("/v1/talent/requests", &json!({ "learner": hidden_id, "message": "Hi" })).assert_problem(404);
    learner.put("/v1/me/discoverable", &json!({ "discoverable": true }));
    let request = w.employer.post("/v1/talent/requests", &json!({ "learner": learner.id, "message": "We are hiring analysts." }));
    assert_eq!(request.status, 201, "{}", request.text);
    let request_id = request.id();
    learner.post("/v1/talent/requests", &json!({ "learner": learner.id })).assert_problem(403);

    // Nothing to open until the learner grants it.
    w.employer.get(&format!("/v1/share-requests/{request_id}/record")).assert_problem(409);
    let inbox = learner.get("/v1/me/share-requests");
    assert_eq!(inbox.body["items"][0]["org_name"], "Acme Analytics");
    assert_eq!(inbox.body["items"][0]["status"], "pending");

    let share = learner.post("/v1/me/shares", &json!({ "credentials": [credential], "expires_at": in_days(7), "request": request_id }));
    assert_eq!(share.status, 201, "{}", share.text);
    let record = w.employer.get(&format!("/v1/share-requests/{request_id}/record"));
    assert_eq!(record.status, 200, "{}", record.text);
    assert_eq!(record.body["credentials"][0]["id"], credential.as_str());
    let requests = w.employer.get(&format!("/v1/orgs/{}/share-requests", w.employer.org));
    assert_eq!(requests.body["items"][0]["status"], "granted");

    // Another employer organisation sees none of it.
    let other = app.employer("Other Employer").staff;
    other.get(&format!("/v1/share-requests/{request_id}/record")).assert_problem(404);
    other.get(&format!("/v1/orgs/{}/share-requests", w.employer.org)).assert_problem(404);

    // A granted request cannot be answered again; revoking the share ends access.
    learner.post(&format!("/v1/me/share-requests/{request_id}/decline"), &json!({})).assert_problem(409);
    learner.delete(&format!("/v1/me/shares/{}", share.id()));
    w.employer.get(&format!("/v1/share-requests/{request_id}/record")).assert_problem(404);

    // Declining.
    let second = w.employer.post("/v1/talent/requests", &json!({ "learner": learner.id })).id();
    let declined = learner.post(&format!("/v1/me/share-requests/{second}/decline"), &json!({}));
    assert_eq!(declined.body["status"], "declined", "{}", declined.text);
    w.employer.get(&format!("/v1/share-requests/{second}/record")).assert_problem(409);

    let audit = learner.get("/v1/me/audit");
    let actions: Vec<&str> = audit.body["items"].as_array().unwrap().iter().map(|e| e["action"].as_str().unwrap()).collect();
    for action in ["share_request.create", "share.view", "share_request.answer", "discoverability.set"] {
        assert!(actions.contains(&action), "{action} in {actions:?}");
    }
}
