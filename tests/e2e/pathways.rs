//! Pathways through HTTP: registration and its 422s, progress, what-if,
//! automatic awards (exactly once), the revocation cascade through a nested
//! award, and who may do what.

use cairn_tests::TestApp;
use serde_json::{Value, json};

struct School {
    admin: String,
    org: String,
    issuer: String,
    learner_id: String,
    learner: String,
    micro: Vec<String>,
    award: String,
}

fn achievement(app: &TestApp, org: &str, issuer: &str, name: &str, kind: &str) -> String {
    let response = app.post(
        &format!("/v1/orgs/{org}/achievements"),
        Some(issuer),
        &json!({ "name": name, "description": name, "criteria": { "narrative": "Earn it." }, "achievementType": kind }),
    );
    assert_eq!(response.status, 201, "{}", response.text);
    response.id()
}

fn school(app: &TestApp) -> School {
    let admin = app.admin_token();
    let org = app.org(&admin, "Northbrook Schools Association", "institution");
    let (_, issuer) = app.staff(&admin, &org, "pd@northbrook.example", "issuer");
    let (learner_id, learner) = app.learner("teacher@northbrook.example");
    let micro = (1..=4).map(|i| achievement(app, &org, &issuer, &format!("Micro-credential {i}"), "MicroCredential")).collect();
    let award = achievement(app, &org, &issuer, "Professional Learning Award", "Award");
    School { admin, org, issuer, learner_id, learner, micro, award }
}

fn pla_rule(s: &School) -> Value {
    json!({
        "key": "professional-learning-award",
        "name": "Professional Learning Award",
        "description": "Earn 3 micro-credentials within 3 years.",
        "award": s.award,
        "issuance": "automatic",
        "on_constituent_revoked": "revoke",
        "requirement": { "type": "count", "min": 3, "where": { "achievement_type": "MicroCredential" }, "within": "P3Y" }
    })
}

fn issue(app: &TestApp, s: &School, achievement: &str, awarded_at: &str) -> Value {
    let response = app.post(
        &format!("/v1/orgs/{}/credentials", s.org),
        Some(&s.issuer),
        &json!({ "achievement": achievement, "recipient": { "learner": s.learner_id }, "awarded_at": awarded_at }),
    );
    assert_eq!(response.status, 201, "{}", response.text);
    response.body
}

fn awards(app: &TestApp, s: &School, award: &str) -> Vec<Value> {
    let wallet = app.get("/v1/me/wallet", Some(&s.learner));
    wallet.body["credentials"].as_array().unwrap().iter().filter(|c| c["achievement"] == award).cloned().collect()
}

#[test]
fn three_micro_credentials_within_three_years_earn_the_award_once() {
    let app = TestApp::spawn();
    let s = school(&app);
    let registered = app.post(&format!("/v1/orgs/{}/pathways", s.org), Some(&s.issuer), &pla_rule(&s));
    assert_eq!(registered.status, 201, "{}", registered.text);
    assert_eq!(registered.body["version"], 1);
    let pathway = registered.id();
    assert_eq!(app.get(&format!("/v1/pathways/{pathway}"), None).body["rule"]["requirement"]["within"], "P3Y");

    // Spread over more than three years: 2019, 2022, 2023 is not three in one window.
    issue(&app, &s, &s.micro[0], "2019-01-15T00:00:00Z");
    issue(&app, &s, &s.micro[1], "2022-03-01T00:00:00Z");
    issue(&app, &s, &s.micro[2], "2023-01-01T00:00:00Z");
    let progress = app.get(&format!("/v1/me/progress/{pathway}"), Some(&s.learner));
    assert_eq!(progress.status, 200, "{}", progress.text);
    assert_eq!(progress.body["status"], "in_progress");
    let partial = progress.body["progress"].as_f64().unwrap();
    assert!(partial > 0.0 && partial < 1.0, "{partial}");
    assert_eq!(progress.body["requirement"]["need"], 3);
    assert_eq!(progress.body["requirement"]["have"], 2, "the best window holds two: {}", progress.body);
    assert!(!progress.body["next"].as_array().unwrap().is_empty(), "what to earn next: {}", progress.body);
    assert!(awards(&app, &s, &s.award).is_empty());

    // What-if: a fourth in mid-2024 makes 2022-03 .. 2024-06 hold three.
    let what_if = app.post("/v1/me/what-if", Some(&s.learner), &json!({ "add": [s.micro[3]], "at": "2024-06-01T00:00:00Z" }));
    assert_eq!(what_if.status, 200, "{}", what_if.text);
    let hypothetical = what_if.body["items"].as_array().unwrap().iter().find(|o| o["pathway"] == pathway.as_str()).unwrap();
    assert_eq!(hypothetical["status"], "complete", "{hypothetical}");
    assert!(awards(&app, &s, &s.award).is_empty(), "what-if stores nothing");

    issue(&app, &s, &s.micro[3], "2024-06-01T00:00:00Z");
    let done = app.get(&format!("/v1/me/progress/{pathway}"), Some(&s.learner)).body;
    assert_eq!(done["status"], "complete");
    assert_eq!(done["progress"], 1.0);
    assert_eq!(done["completed_at"], "2024-06-01T00:00:00Z");
    let issued = awards(&app, &s, &s.award);
    assert_eq!(issued.len(), 1, "the award is issued automatically");
    assert_eq!(issued[0]["awarded_at"], "2024-06-01T00:00:00Z", "awarded_at = completed_at");
    let evidence = issued[0]["ob3"]["evidence"].as_array().unwrap();
    assert_eq!(evidence.len(), 3, "evidence names the constituents");

    // More credentials (the same achievement again, too) never award it twice.
    issue(&app, &s, &s.micro[0], "2024-07-01T00:00:00Z");
    assert_eq!(awards(&app, &s, &s.award).len(), 1);
    // `?at=` evaluates in the past.
    let before = app.get(&format!("/v1/me/progress/{pathway}?at=2023-01-01T00:00:00Z"), Some(&s.learner)).body;
    assert_eq!(before["status"], "in_progress");
    let list = app.get("/v1/me/progress", Some(&s.learner));
    assert!(list.body["items"].as_array().unwrap().iter().any(|o| o["pathway"] == pathway.as_str()));
}

#[test]
fn revoking_a_constituent_revokes_the_award_and_the_nested_award_above_it() {
    let app = TestApp::spawn();
    let s = school(&app);
    let master = achievement(&app, &s.org, &s.issuer, "Master Teacher", "Certificate");
    let pla = app.post(&format!("/v1/orgs/{}/pathways", s.org), Some(&s.issuer), &pla_rule(&s)).id();
    let nested = app.post(
        &format!("/v1/orgs/{}/pathways", s.org),
        Some(&s.issuer),
        &json!({
            "key": "master-teacher", "name": "Master Teacher", "award": master,
            "requirement": { "type": "all", "of": [
                { "type": "pathway", "pathway": pla },
                { "type": "count", "min": 1, "where": { "achievement": s.micro[3] } }
            ] }
        }),
    );
    assert_eq!(nested.status, 201, "{}", nested.text);
    let first = issue(&app, &s, &s.micro[0], "2024-01-01T00:00:00Z");
    issue(&app, &s, &s.micro[1], "2024-02-01T00:00:00Z");
    issue(&app, &s, &s.micro[2], "2024-03-01T00:00:00Z");
    assert_eq!(awards(&app, &s, &s.award).len(), 1);
    assert!(awards(&app, &s, &master).is_empty());
    issue(&app, &s, &s.micro[3], "2024-04-01T00:00:00Z");
    assert_eq!(awards(&app, &s, &master).len(), 1, "the nested award follows");

    // Revoking micro[0]: the inner pathway still holds with micro[1..=3],
    // but then micro[3] is consumed by it (semantic 2), so the outer
    // pathway, which also needs micro[3], no longer holds.
    let id = first["id"].as_str().unwrap();
    let revoked = app.post(&format!("/v1/credentials/{id}/revoke"), Some(&s.issuer), &json!({ "reason": "issued in error" }));
    assert_eq!(revoked.status, 200, "{}", revoked.text);
    assert_eq!(awards(&app, &s, &s.award)[0]["status"], "active");
    assert_eq!(awards(&app, &s, &master)[0]["status"], "revoked", "the nested award above is revoked");
    // Revoking micro[1] leaves two: the inner award goes too.
    let second = awards(&app, &s, &s.micro[1])[0]["id"].as_str().unwrap().to_owned();
    app.post(&format!("/v1/credentials/{second}/revoke"), Some(&s.issuer), &json!({ "reason": "issued in error" }));
    assert_eq!(awards(&app, &s, &s.award)[0]["status"], "revoked");
    let log = app.get(&format!("/v1/orgs/{}/audit", s.org), Some(&s.issuer)).body;
    let revocations: Vec<&Value> = log["items"].as_array().unwrap().iter().filter(|e| e["action"] == "award.revoke").collect();
    assert_eq!(revocations.len(), 2);
    assert!(revocations[0]["detail"]["reason"].as_str().unwrap().contains(id), "the reason names the constituent: {}", revocations[0]);
    assert!(revocations[1]["detail"]["reason"].as_str().unwrap().contains(&second), "{}", revocations[1]);
    // The learner's history of the award says why.
    let award_id = awards(&app, &s, &s.award)[0]["id"].as_str().unwrap().to_owned();
    let verified = app.post("/v1/verify", None, &json!({ "jwt": awards(&app, &s, &s.award)[0]["jwt"] })).body;
    assert_eq!(verified["verified"], false, "{award_id} is revoked");
}

#[test]
fn bad_rules_are_rejected_with_the_problem_named() {
    let app = TestApp::spawn();
    let s = school(&app);
    let post = |rule: &Value| app.post(&format!("/v1/orgs/{}/pathways", s.org), Some(&s.issuer), rule);
    let mut unknown = pla_rule(&s);
    unknown["requirement"] = json!({ "type": "count", "min": 1, "where": { "achievement": "01234567-89ab-7def-8123-456789abcdef" } });
    let response = post(&unknown);
    response.assert_problem(422);
    assert!(response.body["detail"].as_str().unwrap().contains("01234567-89ab-7def-8123-456789abcdef"), "{}", response.text);

    let mut impossible = pla_rule(&s);
    impossible["requirement"]["min"] = json!(10);
    post(&impossible).assert_problem(422);

    let mut malformed = pla_rule(&s);
    malformed["requirement"]["min"] = json!(0);
    let response = post(&malformed);
    response.assert_problem(422);
    assert!(response.body["errors"][0]["field"].as_str().unwrap().starts_with("requirement"), "{}", response.text);

    // A cycle: A requires B, then B is changed to require A.
    let a = post(&pla_rule(&s)).id();
    let b_award = achievement(&app, &s.org, &s.issuer, "B award", "Award");
    let b_rule = |requirement: Value| json!({ "key": "b", "name": "B", "award": b_award, "requirement": requirement });
    let b = post(&b_rule(json!({ "type": "pathway", "pathway": a }))).id();
    let mut a_rule = pla_rule(&s);
    a_rule["requirement"] = json!({ "type": "pathway", "pathway": b });
    let cycle = app.call("PUT", &format!("/v1/pathways/{a}"), Some(&s.issuer), Some(&a_rule));
    cycle.assert_problem(422);
    assert!(cycle.body["detail"].as_str().unwrap().contains("cycle"), "{}", cycle.text);
    assert_eq!(app.get(&format!("/v1/pathways/{a}"), None).body["version"], 1, "a rejected update changes nothing");

    // Another institution's award cannot be used.
    let other = app.org(&s.admin, "Other", "institution");
    let (_, other_issuer) = app.staff(&s.admin, &other, "x@other.example", "issuer");
    app.post(&format!("/v1/orgs/{other}/pathways"), Some(&other_issuer), &json!({
        "key": "steal", "name": "Steal", "award": s.award, "requirement": { "type": "count", "min": 1, "where": { "achievement_type": "MicroCredential" } }
    }))
    .assert_problem(422);
}

#[test]
fn pathways_are_registered_by_their_institution_and_progress_is_private() {
    let app = TestApp::spawn();
    let s = school(&app);
    let other = app.org(&s.admin, "Other", "institution");
    let (_, other_issuer) = app.staff(&s.admin, &other, "x@other.example", "issuer");
    app.post(&format!("/v1/orgs/{}/pathways", s.org), Some(&other_issuer), &pla_rule(&s)).assert_problem(404);
    app.post(&format!("/v1/orgs/{}/pathways", s.org), Some(&s.learner), &pla_rule(&s)).assert_problem(403);
    let pathway = app.post(&format!("/v1/orgs/{}/pathways", s.org), Some(&s.issuer), &pla_rule(&s)).id();
    app.call("PUT", &format!("/v1/pathways/{pathway}"), Some(&other_issuer), Some(&pla_rule(&s))).assert_problem(404);
    let updated = app.call("PUT", &format!("/v1/pathways/{pathway}"), Some(&s.issuer), Some(&pla_rule(&s)));
    assert_eq!(updated.body["version"], 2);
    assert_eq!(app.get(&format!("/v1/orgs/{}/pathways", s.org), None).body["items"].as_array().unwrap().len(), 1);
    let graph = app.get(&format!("/v1/pathways/{pathway}/graph"), None);
    assert!(graph.body["nodes"].is_array() && graph.body["edges"].is_array(), "{}", graph.text);
    let dot = app.get(&format!("/v1/pathways/{pathway}/graph?format=dot"), None);
    assert!(dot.text.starts_with("digraph"), "{}", dot.text);

    // Progress is the caller's own; staff cannot call it.
    issue(&app, &s, &s.micro[0], "2024-01-01T00:00:00Z");
    let (_, other_learner) = app.learner("someone@example.org");
    assert_eq!(app.get(&format!("/v1/me/progress/{pathway}"), Some(&other_learner)).body["status"], "not_started");
    app.get(&format!("/v1/me/progress/{pathway}"), Some(&s.issuer)).assert_problem(403);
    app.get("/v1/me/progress", None).assert_problem(401);
    app.post("/v1/me/what-if", Some(&s.learner), &json!({ "add": ["01234567-89ab-7def-8123-456789abcdef"] })).assert_problem(422);
}

#[test]
fn concurrent_completing_requests_award_exactly_once() {
    let app = TestApp::spawn();
    let s = school(&app);
    app.post(&format!("/v1/orgs/{}/pathways", s.org), Some(&s.issuer), &pla_rule(&s));
    issue(&app, &s, &s.micro[0], "2024-01-01T00:00:00Z");
    issue(&app, &s, &s.micro[1], "2024-02-01T00:00:00Z");
    // Four requests race to add the third.
    std::thread::scope(|scope| {
        for i in 0..4 {
            let (app, s) = (&app, &s);
            scope.spawn(move || {
                let achievement = if i % 2 == 0 { &s.micro[2] } else { &s.micro[3] };
                issue(app, s, achievement, "2024-03-01T00:00:00Z");
            });
        }
    });
    assert_eq!(awards(&app, &s, &s.award).len(), 1);
}

#[test]
fn the_clr_export_links_constituents_to_their_award() {
    let app = TestApp::spawn();
    let s = school(&app);
    app.post(&format!("/v1/orgs/{}/pathways", s.org), Some(&s.issuer), &pla_rule(&s));
    for (i, date) in ["2025-01-01T00:00:00Z", "2025-02-01T00:00:00Z", "2025-03-01T00:00:00Z"].iter().enumerate() {
        issue(&app, &s, &s.micro[i], date);
    }
    let clr = app.get("/v1/me/clr", Some(&s.learner));
    assert_eq!(clr.status, 200, "{}", clr.text);
    assert_eq!(clr.body["type"], json!(["VerifiableCredential", "ClrCredential"]));
    assert_eq!(clr.body["credentialSubject"]["id"], format!("urn:uuid:{}", s.learner_id));
    assert_eq!(clr.body["credentialSubject"]["verifiableCredential"].as_array().unwrap().len(), 4, "three constituents and the award");
    let associations = clr.body["credentialSubject"]["association"].as_array().unwrap();
    assert_eq!(associations.len(), 3);
    let award_url = format!("{}/v1/achievements/{}", app.base, s.award);
    assert!(associations.iter().all(|a| a["associationType"] == "isPartOf" && a["targetId"] == award_url.as_str()));
    // The signed form verifies against the service's published key.
    let jwt = app.get("/v1/me/clr?format=jwt", Some(&s.learner));
    assert_eq!(jwt.content_type, "application/vc+jwt");
    let header: Value = serde_json::from_slice(&base64::Engine::decode(&base64::engine::general_purpose::URL_SAFE_NO_PAD, jwt.text.split('.').next().unwrap()).unwrap()).unwrap();
    let jwks = app.get("/.well-known/jwks.json", None).body;
    assert!(jwks["keys"].as_array().unwrap().iter().any(|k| k["kid"] == header["kid"]), "the CLR's key is published");
}

#[test]
fn suspending_a_constituent_suspends_the_awards_and_reinstating_restores_them() {
    let app = TestApp::spawn();
    let s = school(&app);
    let master = achievement(&app, &s.org, &s.issuer, "Master Teacher", "Certificate");
    let pla = app.post(&format!("/v1/orgs/{}/pathways", s.org), Some(&s.issuer), &pla_rule(&s)).id();
    app.post(
        &format!("/v1/orgs/{}/pathways", s.org),
        Some(&s.issuer),
        &json!({ "key": "master-teacher", "name": "Master Teacher", "award": master,
                 "requirement": { "type": "pathway", "pathway": pla } }),
    );
    let first = issue(&app, &s, &s.micro[0], "2024-01-01T00:00:00Z")["id"].as_str().unwrap().to_owned();
    let second = issue(&app, &s, &s.micro[1], "2024-02-01T00:00:00Z")["id"].as_str().unwrap().to_owned();
    issue(&app, &s, &s.micro[2], "2024-03-01T00:00:00Z");
    assert_eq!(awards(&app, &s, &s.award)[0]["status"], "active");
    assert_eq!(awards(&app, &s, &master)[0]["status"], "active");

    let status = |id: &str, action: &str| {
        let response = app.post(&format!("/v1/credentials/{id}/{action}"), Some(&s.issuer), &json!({ "reason": "under review" }));
        assert_eq!(response.status, 200, "{}", response.text);
    };
    // Two constituents suspended: both awards are suspended (not revoked).
    status(&first, "suspend");
    assert_eq!(awards(&app, &s, &s.award)[0]["status"], "suspended");
    assert_eq!(awards(&app, &s, &master)[0]["status"], "suspended", "the nested award follows");
    status(&second, "suspend");
    // Reinstating one is not enough: the pathway still needs the other.
    status(&first, "reinstate");
    assert_eq!(awards(&app, &s, &s.award)[0]["status"], "suspended");
    // Reinstating the other restores the award and the nested one above it.
    status(&second, "reinstate");
    assert_eq!(awards(&app, &s, &s.award)[0]["status"], "active");
    assert_eq!(awards(&app, &s, &master)[0]["status"], "active");
    assert_eq!(awards(&app, &s, &s.award).len(), 1, "restored, not issued again");
    let log = app.get(&format!("/v1/orgs/{}/audit", s.org), Some(&s.issuer)).body;
    let actions: Vec<&str> = log["items"].as_array().unwrap().iter().map(|e| e["action"].as_str().unwrap()).collect();
    assert_eq!(actions.iter().filter(|a| **a == "award.suspend").count(), 2, "{actions:?}");
    assert_eq!(actions.iter().filter(|a| **a == "award.reinstate").count(), 2, "{actions:?}");

    // Revocation stays final: the award is revoked and not restored.
    status(&first, "revoke");
    assert_eq!(awards(&app, &s, &s.award)[0]["status"], "revoked");
    assert_eq!(awards(&app, &s, &master)[0]["status"], "revoked");
    let again = app.post(&format!("/v1/credentials/{first}/reinstate"), Some(&s.issuer), &json!({ "reason": "oops" }));
    again.assert_problem(409);
}

#[test]
fn review_pathways_queue_the_award_for_an_issuer_to_approve_or_reject() {
    let app = TestApp::spawn();
    let s = school(&app);
    let mut rule = pla_rule(&s);
    rule["issuance"] = json!("review");
    let created = app.post(&format!("/v1/orgs/{}/pathways", s.org), Some(&s.issuer), &rule);
    assert_eq!(created.status, 201, "{}", created.text);
    issue(&app, &s, &s.micro[0], "2024-01-01T00:00:00Z");
    issue(&app, &s, &s.micro[1], "2024-02-01T00:00:00Z");
    issue(&app, &s, &s.micro[2], "2024-03-01T00:00:00Z");
    issue(&app, &s, &s.micro[3], "2024-04-01T00:00:00Z");
    assert!(awards(&app, &s, &s.award).is_empty(), "nothing is issued before the review");
    let queue = app.get(&format!("/v1/orgs/{}/award-reviews?status=pending", s.org), Some(&s.issuer));
    assert_eq!(queue.status, 200, "{}", queue.text);
    let items = queue.body["items"].as_array().unwrap();
    assert_eq!(items.len(), 1, "queued once, although two issues completed it: {}", queue.text);
    assert_eq!(items[0]["completed_at"], "2024-03-01T00:00:00Z");
    let review = items[0]["id"].as_str().unwrap().to_owned();

    // Only the institution's issuers decide.
    let other_org = app.org(&s.admin, "Elsewhere", "institution");
    let (_, other) = app.staff(&s.admin, &other_org, "other@elsewhere.example", "issuer");
    app.post(&format!("/v1/award-reviews/{review}/approve"), Some(&other), &json!({})).assert_problem(404);
    app.post(&format!("/v1/award-reviews/{review}/approve"), Some(&s.learner), &json!({})).assert_problem(403);
    app.get(&format!("/v1/orgs/{}/award-reviews", s.org), Some(&other)).assert_problem(404);

    let approved = app.post(&format!("/v1/award-reviews/{review}/approve"), Some(&s.issuer), &json!({}));
    assert_eq!(approved.status, 200, "{}", approved.text);
    assert_eq!(approved.body["status"], "approved");
    let award = awards(&app, &s, &s.award);
    assert_eq!(award.len(), 1);
    assert_eq!(award[0]["id"], approved.body["award"]);
    assert_eq!(award[0]["awarded_at"], "2024-03-01T00:00:00Z", "awarded when completed");
    app.post(&format!("/v1/award-reviews/{review}/approve"), Some(&s.issuer), &json!({})).assert_problem(409);
    app.post(&format!("/v1/award-reviews/{review}/reject"), Some(&s.issuer), &json!({ "reason": "late" })).assert_problem(409);

    // Rejection: a second learner is queued, rejected, and not queued again.
    let (other_learner, _) = app.learner("second@northbrook.example");
    for (n, micro) in s.micro.iter().take(3).enumerate() {
        let response = app.post(
            &format!("/v1/orgs/{}/credentials", s.org),
            Some(&s.issuer),
            &json!({ "achievement": micro, "recipient": { "learner": other_learner }, "awarded_at": format!("2025-0{}-01T00:00:00Z", n + 1) }),
        );
        assert_eq!(response.status, 201);
    }
    let pending = app.get(&format!("/v1/orgs/{}/award-reviews?status=pending", s.org), Some(&s.issuer));
    let second = pending.body["items"][0]["id"].as_str().unwrap().to_owned();
    app.post(&format!("/v1/award-reviews/{second}/reject"), Some(&s.issuer), &json!({ "reason": "" })).assert_problem(422);
    let rejected = app.post(&format!("/v1/award-reviews/{second}/reject"), Some(&s.issuer), &json!({ "reason": "evidence incomplete" }));
    assert_eq!(rejected.body["status"], "rejected", "{}", rejected.text);
    app.post(
        &format!("/v1/orgs/{}/credentials", s.org),
        Some(&s.issuer),
        &json!({ "achievement": s.micro[3], "recipient": { "learner": other_learner } }),
    );
    let all = app.get(&format!("/v1/orgs/{}/award-reviews", s.org), Some(&s.issuer));
    assert_eq!(all.body["items"].as_array().unwrap().len(), 2);
}

#[test]
fn a_dry_run_counts_who_would_complete_without_saving_anything() {
    let app = TestApp::spawn();
    let s = school(&app);
    issue(&app, &s, &s.micro[0], "2024-01-01T00:00:00Z");
    issue(&app, &s, &s.micro[1], "2024-02-01T00:00:00Z");
    let (other, _) = app.learner("second@northbrook.example");
    app.post(
        &format!("/v1/orgs/{}/credentials", s.org),
        Some(&s.issuer),
        &json!({ "achievement": s.micro[0], "recipient": { "learner": other } }),
    );
    let mut two = pla_rule(&s);
    two["requirement"]["min"] = json!(2);
    let dry = app.post(&format!("/v1/orgs/{}/pathways/dry-run", s.org), Some(&s.issuer), &two);
    assert_eq!(dry.status, 200, "{}", dry.text);
    assert_eq!(dry.body["learners_evaluated"], 2);
    assert_eq!(dry.body["would_complete"], 1);
    assert_eq!(dry.body["in_progress"], 1);
    assert_eq!(app.get(&format!("/v1/orgs/{}/pathways", s.org), None).body["items"], json!([]), "nothing was registered");
    assert!(awards(&app, &s, &s.award).is_empty(), "nothing was awarded");

    // A change to a registered pathway: three are needed now; two would do.
    let pla = app.post(&format!("/v1/orgs/{}/pathways", s.org), Some(&s.issuer), &pla_rule(&s)).id();
    let change = app.post(&format!("/v1/pathways/{pla}/dry-run"), Some(&s.issuer), &two);
    assert_eq!(change.body["would_complete"], 1, "{}", change.text);
    assert_eq!(app.get(&format!("/v1/pathways/{pla}"), None).body["version"], 1, "the pathway is unchanged");

    // Invalid rules are the same 422 as on registration; other institutions get 404.
    let mut cyclic = two.clone();
    cyclic["requirement"] = json!({ "type": "pathway", "pathway": pla });
    app.post(&format!("/v1/pathways/{pla}/dry-run"), Some(&s.issuer), &cyclic).assert_problem(422);
    let other_org = app.org(&s.admin, "Elsewhere", "institution");
    let (_, other_issuer) = app.staff(&s.admin, &other_org, "other@elsewhere.example", "issuer");
    app.post(&format!("/v1/pathways/{pla}/dry-run"), Some(&other_issuer), &two).assert_problem(404);
    app.post(&format!("/v1/orgs/{}/pathways/dry-run", s.org), Some(&other_issuer), &two).assert_problem(404);
}

#[test]
fn followed_pathways_show_in_progress_before_any_credential() {
    let app = TestApp::spawn();
    let s = school(&app);
    let pla = app.post(&format!("/v1/orgs/{}/pathways", s.org), Some(&s.issuer), &pla_rule(&s)).id();
    let listed = |token: &str| -> Vec<(String, String)> {
        let progress = app.get("/v1/me/progress", Some(token));
        progress.body["items"].as_array().unwrap().iter().map(|o| (o["pathway"].as_str().unwrap().to_owned(), o["status"].as_str().unwrap().to_owned())).collect()
    };
    assert!(listed(&s.learner).is_empty());
    assert_eq!(app.call("PUT", &format!("/v1/me/following/{pla}"), Some(&s.learner), None).status, 204);
    assert_eq!(app.call("PUT", &format!("/v1/me/following/{pla}"), Some(&s.learner), None).status, 204, "following twice is harmless");
    assert_eq!(listed(&s.learner), vec![(pla.clone(), "not_started".to_owned())]);
    app.call("PUT", "/v1/me/following/01234567-89ab-7def-8123-456789abcdef", Some(&s.learner), None).assert_problem(404);
    app.call("PUT", &format!("/v1/me/following/{pla}"), Some(&s.issuer), None).assert_problem(403);
    assert_eq!(app.call("DELETE", &format!("/v1/me/following/{pla}"), Some(&s.learner), None).status, 204);
    assert!(listed(&s.learner).is_empty());
}
