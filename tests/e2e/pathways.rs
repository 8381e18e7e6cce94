//! Pathways through HTTP: registration and its 422s, progress, what-if,
//! automatic awards (exactly once), the revocation cascade through a nested
//! award, and who may do what.

use cairn_tests::{AchievementBuilder, Institution, Learner, Pathway, Rule, TestApp, jwt_parts};
use serde_json::{Value, json};

struct School {
    northbrook: Institution,
    learner: Learner,
    micro: Vec<String>,
    award: String,
}

fn school(app: &TestApp) -> School {
    let northbrook = app.institution("Northbrook Schools Association");
    let learner = app.learner("teacher@northbrook.example");
    let micro = (1..=4).map(|i| northbrook.achievement(&AchievementBuilder::micro(&format!("Micro-credential {i}")))).collect();
    let award = northbrook.achievement(&AchievementBuilder::award("Professional Learning Award"));
    School { learner, northbrook, micro, award }
}

fn pla_rule(s: &School) -> Value {
    Pathway::new("professional-learning-award", "Professional Learning Award", &s.award, Rule::count(3).of_type("MicroCredential").within("P3Y"))
        .description("Earn 3 micro-credentials within 3 years.")
        .issuance("automatic")
        .on_constituent_revoked("revoke")
        .into()
}

fn issue(s: &School, achievement: &str, awarded_at: &str) -> Value {
    s.northbrook.issue_at(&s.learner.id, achievement, awarded_at)
}

#[test]
fn three_micro_credentials_within_three_years_earn_the_award_once() {
    let app = TestApp::spawn();
    let s = school(&app);
    let registered = s.northbrook.try_pathway(&pla_rule(&s));
    assert_eq!(registered.status, 201, "{}", registered.text);
    assert_eq!(registered.body["version"], 1);
    let pathway = registered.id();
    assert_eq!(app.get(&format!("/v1/pathways/{pathway}"), None).body["rule"]["requirement"]["within"], "P3Y");

    // Spread over more than three years: 2019, 2022, 2023 is not three in one window.
    issue(&s, &s.micro[0], "2019-01-15T00:00:00Z");
    issue(&s, &s.micro[1], "2022-03-01T00:00:00Z");
    issue(&s, &s.micro[2], "2023-01-01T00:00:00Z");
    let progress = s.learner.get(&format!("/v1/me/progress/{pathway}"));
    assert_eq!(progress.status, 200, "{}", progress.text);
    assert_eq!(progress.body["status"], "in_progress");
    let partial = progress.body["progress"].as_f64().unwrap();
    assert!(partial > 0.0 && partial < 1.0, "{partial}");
    assert_eq!(progress.body["requirement"]["need"], 3);
    assert_eq!(progress.body["requirement"]["have"], 2, "the best window holds two: {}", progress.body);
    assert!(!progress.body["next"].as_array().unwrap().is_empty(), "what to earn next: {}", progress.body);
    assert!(s.learner.held(&s.award).is_empty());

    // What-if: a fourth in mid-2024 makes 2022-03 .. 2024-06 hold three.
    let what_if = s.learner.post("/v1/me/what-if", &json!({ "add": [s.micro[3]], "at": "2024-06-01T00:00:00Z" }));
    assert_eq!(what_if.status, 200, "{}", what_if.text);
    let hypothetical = what_if.body["items"].as_array().unwrap().iter().find(|o| o["pathway"] == pathway.as_str()).unwrap();
    assert_eq!(hypothetical["status"], "complete", "{hypothetical}");
    assert!(s.learner.held(&s.award).is_empty(), "what-if stores nothing");

    issue(&s, &s.micro[3], "2024-06-01T00:00:00Z");
    let done = s.learner.get(&format!("/v1/me/progress/{pathway}")).body;
    assert_eq!(done["status"], "complete");
    assert_eq!(done["progress"], 1.0);
    assert_eq!(done["completed_at"], "2024-06-01T00:00:00Z");
    let issued = s.learner.held(&s.award);
    assert_eq!(issued.len(), 1, "the award is issued automatically");
    assert_eq!(issued[0]["awarded_at"], "2024-06-01T00:00:00Z", "awarded_at = completed_at");
    let evidence = issued[0]["ob3"]["evidence"].as_array().unwrap();
    assert_eq!(evidence.len(), 3, "evidence names the constituents");

    // More credentials (the same achievement again, too) never award it twice.
    issue(&s, &s.micro[0], "2024-07-01T00:00:00Z");
    assert_eq!(s.learner.held(&s.award).len(), 1);
    // `?at=` evaluates in the past.
    let before = s.learner.get(&format!("/v1/me/progress/{pathway}?at=2023-01-01T00:00:00Z")).body;
    assert_eq!(before["status"], "in_progress");
    let list = s.learner.get("/v1/me/progress");
    assert!(list.body["items"].as_array().unwrap().iter().any(|o| o["pathway"] == pathway.as_str()));
}

#[test]
fn revoking_a_constituent_revokes_the_award_and_the_nested_award_above_it() {
    let app = TestApp::spawn();
    let s = school(&app);
    let master = s.northbrook.achievement(&AchievementBuilder::new("Master Teacher", "Certificate"));
    let pla = s.northbrook.try_pathway(&pla_rule(&s)).id();
    let nested = s.northbrook.try_pathway(&json!({
        "key": "master-teacher", "name": "Master Teacher", "award": master,
        "requirement": { "type": "all", "of": [
            { "type": "pathway", "pathway": pla },
            { "type": "count", "min": 1, "where": { "achievement": s.micro[3] } }
        ] }
    }));
    assert_eq!(nested.status, 201, "{}", nested.text);
    let first = issue(&s, &s.micro[0], "2024-01-01T00:00:00Z");
    issue(&s, &s.micro[1], "2024-02-01T00:00:00Z");
    issue(&s, &s.micro[2], "2024-03-01T00:00:00Z");
    assert_eq!(s.learner.held(&s.award).len(), 1);
    assert!(s.learner.held(&master).is_empty());
    issue(&s, &s.micro[3], "2024-04-01T00:00:00Z");
    assert_eq!(s.learner.held(&master).len(), 1, "the nested award follows");

    // Revoking micro[0]: the inner pathway still holds with micro[1..=3],
    // but then micro[3] is consumed by it (semantic 2), so the outer
    // pathway, which also needs micro[3], no longer holds.
    let id = first["id"].as_str().unwrap();
    let revoked = s.northbrook.issuer.post(&format!("/v1/credentials/{id}/revoke"), &json!({ "reason": "issued in error" }));
    assert_eq!(revoked.status, 200, "{}", revoked.text);
    assert_eq!(s.learner.held(&s.award)[0]["status"], "active");
    assert_eq!(s.learner.held(&master)[0]["status"], "revoked", "the nested award above is revoked");
    // Revoking micro[1] leaves two: the inner award goes too.
    let second = s.learner.held(&s.micro[1])[0]["id"].as_str().unwrap().to_owned();
    s.northbrook.issuer.post(&format!("/v1/credentials/{second}/revoke"), &json!({ "reason": "issued in error" }));
    assert_eq!(s.learner.held(&s.award)[0]["status"], "revoked");
    let log = s.northbrook.issuer.get(&s.northbrook.path("audit")).body;
    let revocations: Vec<&Value> = log["items"].as_array().unwrap().iter().filter(|e| e["action"] == "award.revoke").collect();
    assert_eq!(revocations.len(), 2);
    assert!(revocations[0]["detail"]["reason"].as_str().unwrap().contains(id), "the reason names the constituent: {}", revocations[0]);
    assert!(revocations[1]["detail"]["reason"].as_str().unwrap().contains(&second), "{}", revocations[1]);
    // The learner's history of the award says why.
    let award_id = s.learner.held(&s.award)[0]["id"].as_str().unwrap().to_owned();
    let verified = app.post("/v1/verify", None, &json!({ "jwt": s.learner.held(&s.award)[0]["jwt"] })).body;
    assert_eq!(verified["verified"], false, "{award_id} is revoked");
}

#[test]
fn bad_rules_are_rejected_with_the_problem_named() {
    let app = TestApp::spawn();
    let s = school(&app);
    let post = |rule: &Value| s.northbrook.try_pathway(rule);
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
    let b_award = s.northbrook.achievement(&AchievementBuilder::award("B award"));
    let b_rule = |requirement: Value| json!({ "key": "b", "name": "B", "award": b_award, "requirement": requirement });
    let b = post(&b_rule(json!({ "type": "pathway", "pathway": a }))).id();
    let mut a_rule = pla_rule(&s);
    a_rule["requirement"] = json!({ "type": "pathway", "pathway": b });
    let cycle = s.northbrook.issuer.put(&format!("/v1/pathways/{a}"), &a_rule);
    cycle.assert_problem(422);
    assert!(cycle.body["detail"].as_str().unwrap().contains("cycle"), "{}", cycle.text);
    assert_eq!(app.get(&format!("/v1/pathways/{a}"), None).body["version"], 1, "a rejected update changes nothing");

    // Another institution's award cannot be used.
    let other_institution = app.institution("Other");
    let other = other_institution.org.clone();
    let other_issuer = other_institution.issuer;
    other_issuer.post(&format!("/v1/orgs/{other}/pathways"), &json!({
        "key": "steal", "name": "Steal", "award": s.award, "requirement": { "type": "count", "min": 1, "where": { "achievement_type": "MicroCredential" } }
    }))
    .assert_problem(422);
}

#[test]
fn pathways_are_registered_by_their_institution_and_progress_is_private() {
    let app = TestApp::spawn();
    let s = school(&app);
    let other_issuer = app.institution("Other").issuer;
    other_issuer.post(&s.northbrook.path("pathways"), &pla_rule(&s)).assert_problem(404);
    s.learner.post(&s.northbrook.path("pathways"), &pla_rule(&s)).assert_problem(403);
    let pathway = s.northbrook.try_pathway(&pla_rule(&s)).id();
    other_issuer.put(&format!("/v1/pathways/{pathway}"), &pla_rule(&s)).assert_problem(404);
    let updated = s.northbrook.issuer.put_and_wait(&format!("/v1/pathways/{pathway}"), &pla_rule(&s));
    assert_eq!(updated.body["version"], 2);
    assert_eq!(app.get(&s.northbrook.path("pathways"), None).body["items"].as_array().unwrap().len(), 1);
    let graph = app.get(&format!("/v1/pathways/{pathway}/graph"), None);
    assert!(graph.body["nodes"].is_array() && graph.body["edges"].is_array(), "{}", graph.text);
    let dot = app.get(&format!("/v1/pathways/{pathway}/graph?format=dot"), None);
    assert!(dot.text.starts_with("digraph"), "{}", dot.text);

    // Progress is the caller's own; staff cannot call it.
    issue(&s, &s.micro[0], "2024-01-01T00:00:00Z");
    let other_learner = app.learner("someone@example.org");
    assert_eq!(other_learner.get(&format!("/v1/me/progress/{pathway}")).body["status"], "not_started");
    s.northbrook.issuer.get(&format!("/v1/me/progress/{pathway}")).assert_problem(403);
    app.get("/v1/me/progress", None).assert_problem(401);
    s.learner.post("/v1/me/what-if", &json!({ "add": ["01234567-89ab-7def-8123-456789abcdef"] })).assert_problem(422);
}

#[test]
fn concurrent_completing_requests_award_exactly_once() {
    let app = TestApp::spawn();
    let s = school(&app);
    s.northbrook.try_pathway(&pla_rule(&s));
    issue(&s, &s.micro[0], "2024-01-01T00:00:00Z");
    issue(&s, &s.micro[1], "2024-02-01T00:00:00Z");
    // Four requests race to add the third.
    std::thread::scope(|scope| {
        for i in 0..4 {
            let s = &s;
            scope.spawn(move || {
                let achievement = if i % 2 == 0 { &s.micro[2] } else { &s.micro[3] };
                issue(s, achievement, "2024-03-01T00:00:00Z");
            });
        }
    });
    assert_eq!(s.learner.held(&s.award).len(), 1);
}

#[test]
fn the_clr_export_links_constituents_to_their_award() {
    let app = TestApp::spawn();
    let s = school(&app);
    s.northbrook.try_pathway(&pla_rule(&s));
    for (i, date) in ["2025-01-01T00:00:00Z", "2025-02-01T00:00:00Z", "2025-03-01T00:00:00Z"].iter().enumerate() {
        issue(&s, &s.micro[i], date);
    }
    let clr = s.learner.get("/v1/me/clr");
    assert_eq!(clr.status, 200, "{}", clr.text);
    assert_eq!(clr.body["type"], json!(["VerifiableCredential", "ClrCredential"]));
    assert_eq!(clr.body["credentialSubject"]["id"], format!("urn:uuid:{}", s.learner.id));
    assert_eq!(clr.body["credentialSubject"]["verifiableCredential"].as_array().unwrap().len(), 4, "three constituents and the award");
    let associations = clr.body["credentialSubject"]["association"].as_array().unwrap();
    assert_eq!(associations.len(), 3);
    let award_url = format!("{}/v1/achievements/{}", app.base, s.award);
    assert!(associations.iter().all(|a| a["associationType"] == "isPartOf" && a["targetId"] == award_url.as_str()));
    // The signed form verifies against the service's published key.
    let jwt = s.learner.get("/v1/me/clr?format=jwt");
    assert_eq!(jwt.content_type, "application/vc+jwt");
    let (header, _) = jwt_parts(&jwt.text);
    let jwks = app.get("/.well-known/jwks.json", None).body;
    assert!(jwks["keys"].as_array().unwrap().iter().any(|k| k["kid"] == header["kid"]), "the CLR's key is published");
}

#[test]
fn suspending_a_constituent_suspends_the_awards_and_reinstating_restores_them() {
    let app = TestApp::spawn();
    let s = school(&app);
    let master = s.northbrook.achievement(&AchievementBuilder::new("Master Teacher", "Certificate"));
    let pla = s.northbrook.try_pathway(&pla_rule(&s)).id();
    s.northbrook.try_pathway(&json!({ "key": "master-teacher", "name": "Master Teacher", "award": master,
                 "requirement": { "type": "pathway", "pathway": pla } }));
    let first = issue(&s, &s.micro[0], "2024-01-01T00:00:00Z")["id"].as_str().unwrap().to_owned();
    let second = issue(&s, &s.micro[1], "2024-02-01T00:00:00Z")["id"].as_str().unwrap().to_owned();
    issue(&s, &s.micro[2], "2024-03-01T00:00:00Z");
    assert_eq!(s.learner.held(&s.award)[0]["status"], "active");
    assert_eq!(s.learner.held(&master)[0]["status"], "active");

    let status = |id: &str, action: &str| {
        let response = s.northbrook.issuer.post(&format!("/v1/credentials/{id}/{action}"), &json!({ "reason": "under review" }));
        assert_eq!(response.status, 200, "{}", response.text);
    };
    // Two constituents suspended: both awards are suspended (not revoked).
    status(&first, "suspend");
    assert_eq!(s.learner.held(&s.award)[0]["status"], "suspended");
    assert_eq!(s.learner.held(&master)[0]["status"], "suspended", "the nested award follows");
    status(&second, "suspend");
    // Reinstating one is not enough: the pathway still needs the other.
    status(&first, "reinstate");
    assert_eq!(s.learner.held(&s.award)[0]["status"], "suspended");
    // Reinstating the other restores the award and the nested one above it.
    status(&second, "reinstate");
    assert_eq!(s.learner.held(&s.award)[0]["status"], "active");
    assert_eq!(s.learner.held(&master)[0]["status"], "active");
    assert_eq!(s.learner.held(&s.award).len(), 1, "restored, not issued again");
    let log = s.northbrook.issuer.get(&s.northbrook.path("audit")).body;
    let actions: Vec<&str> = log["items"].as_array().unwrap().iter().map(|e| e["action"].as_str().unwrap()).collect();
    assert_eq!(actions.iter().filter(|a| **a == "award.suspend").count(), 2, "{actions:?}");
    assert_eq!(actions.iter().filter(|a| **a == "award.reinstate").count(), 2, "{actions:?}");

    // Revocation stays final: the award is revoked and not restored.
    status(&first, "revoke");
    assert_eq!(s.learner.held(&s.award)[0]["status"], "revoked");
    assert_eq!(s.learner.held(&master)[0]["status"], "revoked");
    let again = s.northbrook.issuer.post(&format!("/v1/credentials/{first}/reinstate"), &json!({ "reason": "oops" }));
    again.assert_problem(409);
}

#[test]
fn review_pathways_queue_the_award_for_an_issuer_to_approve_or_reject() {
    let app = TestApp::spawn();
    let s = school(&app);
    let mut rule = pla_rule(&s);
    rule["issuance"] = json!("review");
    let created = s.northbrook.try_pathway(&rule);
    assert_eq!(created.status, 201, "{}", created.text);
    issue(&s, &s.micro[0], "2024-01-01T00:00:00Z");
    issue(&s, &s.micro[1], "2024-02-01T00:00:00Z");
    issue(&s, &s.micro[2], "2024-03-01T00:00:00Z");
    issue(&s, &s.micro[3], "2024-04-01T00:00:00Z");
    assert!(s.learner.held(&s.award).is_empty(), "nothing is issued before the review");
    let queue = s.northbrook.issuer.get(&s.northbrook.path("award-reviews?status=pending"));
    assert_eq!(queue.status, 200, "{}", queue.text);
    let items = queue.body["items"].as_array().unwrap();
    assert_eq!(items.len(), 1, "queued once, although two issues completed it: {}", queue.text);
    assert_eq!(items[0]["completed_at"], "2024-03-01T00:00:00Z");
    let review = items[0]["id"].as_str().unwrap().to_owned();

    // Only the institution's issuers decide.
    let other = app.institution("Elsewhere").issuer;
    other.post(&format!("/v1/award-reviews/{review}/approve"), &json!({})).assert_problem(404);
    s.learner.post(&format!("/v1/award-reviews/{review}/approve"), &json!({})).assert_problem(403);
    other.get(&s.northbrook.path("award-reviews")).assert_problem(404);

    let approved = s.northbrook.issuer.post(&format!("/v1/award-reviews/{review}/approve"), &json!({}));
    assert_eq!(approved.status, 200, "{}", approved.text);
    assert_eq!(approved.body["status"], "approved");
    let award = s.learner.held(&s.award);
    assert_eq!(award.len(), 1);
    assert_eq!(award[0]["id"], approved.body["award"]);
    assert_eq!(award[0]["awarded_at"], "2024-03-01T00:00:00Z", "awarded when completed");
    s.northbrook.issuer.post(&format!("/v1/award-reviews/{review}/approve"), &json!({})).assert_problem(409);
    s.northbrook.issuer.post(&format!("/v1/award-reviews/{review}/reject"), &json!({ "reason": "late" })).assert_problem(409);

    // Rejection: a second learner is queued, rejected, and not queued again.
    let other_learner = app.learner("second@northbrook.example").id;
    for (n, micro) in s.micro.iter().take(3).enumerate() {
        let response = s.northbrook.try_issue(
            &json!({ "achievement": micro, "recipient": { "learner": other_learner }, "awarded_at": format!("2025-0{}-01T00:00:00Z", n + 1) }),
        );
        assert_eq!(response.status, 201);
    }
    let pending = s.northbrook.issuer.get(&s.northbrook.path("award-reviews?status=pending"));
    let second = pending.body["items"][0]["id"].as_str().unwrap().to_owned();
    s.northbrook.issuer.post(&format!("/v1/award-reviews/{second}/reject"), &json!({ "reason": "" })).assert_problem(422);
    let rejected = s.northbrook.issuer.post(&format!("/v1/award-reviews/{second}/reject"), &json!({ "reason": "evidence incomplete" }));
    assert_eq!(rejected.body["status"], "rejected", "{}", rejected.text);
    s.northbrook.try_issue(&json!({ "achievement": s.micro[3], "recipient": { "learner": other_learner } }));
    let all = s.northbrook.issuer.get(&s.northbrook.path("award-reviews"));
    assert_eq!(all.body["items"].as_array().unwrap().len(), 2);
}

#[test]
fn a_dry_run_counts_who_would_complete_without_saving_anything() {
    let app = TestApp::spawn();
    let s = school(&app);
    issue(&s, &s.micro[0], "2024-01-01T00:00:00Z");
    issue(&s, &s.micro[1], "2024-02-01T00:00:00Z");
    let other = app.learner("second@northbrook.example").id;
    s.northbrook.try_issue(&json!({ "achievement": s.micro[0], "recipient": { "learner": other } }));
    let mut two = pla_rule(&s);
    two["requirement"]["min"] = json!(2);
    let started = s.northbrook.issuer.post(&s.northbrook.path("pathways/dry-run"), &two);
    assert_eq!(started.status, 202, "{}", started.text);
    let job = s.northbrook.issuer.wait_for_job(&started.body);
    assert_eq!(job["state"], "succeeded", "{job}");
    let dry = &job["result"];
    assert_eq!(dry["learners_evaluated"], 2);
    assert_eq!(dry["would_complete"], 1);
    assert_eq!(dry["in_progress"], 1);
    assert_eq!(app.get(&s.northbrook.path("pathways"), None).body["items"], json!([]), "nothing was registered");
    assert!(s.learner.held(&s.award).is_empty(), "nothing was awarded");

    // A change to a registered pathway: three are needed now; two would do.
    let pla = s.northbrook.try_pathway(&pla_rule(&s)).id();
    let started = s.northbrook.issuer.post(&format!("/v1/pathways/{pla}/dry-run"), &two);
    assert_eq!(started.status, 202, "{}", started.text);
    let change = s.northbrook.issuer.wait_for_job(&started.body);
    assert_eq!(change["result"]["would_complete"], 1, "{change}");
    assert_eq!(app.get(&format!("/v1/pathways/{pla}"), None).body["version"], 1, "the pathway is unchanged");

    // Invalid rules are the same 422 as on registration; other institutions get 404.
    let mut cyclic = two.clone();
    cyclic["requirement"] = json!({ "type": "pathway", "pathway": pla });
    s.northbrook.issuer.post(&format!("/v1/pathways/{pla}/dry-run"), &cyclic).assert_problem(422);
    let other_issuer = app.institution("Elsewhere").issuer;
    other_issuer.post(&format!("/v1/pathways/{pla}/dry-run"), &two).assert_problem(404);
    other_issuer.post(&s.northbrook.path("pathways/dry-run"), &two).assert_problem(404);
}

#[test]
fn followed_pathways_show_in_progress_before_any_credential() {
    let app = TestApp::spawn();
    let s = school(&app);
    let pla = s.northbrook.try_pathway(&pla_rule(&s)).id();
    let listed = |token: &Learner| -> Vec<(String, String)> {
        let progress = token.get("/v1/me/progress");
        progress.body["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|o| (o["pathway"].as_str().unwrap().to_owned(), o["status"].as_str().unwrap().to_owned()))
            .collect()
    };
    assert!(listed(&s.learner).is_empty());
    assert_eq!(s.learner.put_empty(&format!("/v1/me/following/{pla}")).status, 204);
    assert_eq!(s.learner.put_empty(&format!("/v1/me/following/{pla}")).status, 204, "following twice is harmless");
    assert_eq!(listed(&s.learner), vec![(pla.clone(), "not_started".to_owned())]);
    s.learner.put_empty("/v1/me/following/01234567-89ab-7def-8123-456789abcdef").assert_problem(404);
    s.northbrook.issuer.put_empty(&format!("/v1/me/following/{pla}")).assert_problem(403);
    assert_eq!(s.learner.delete(&format!("/v1/me/following/{pla}")).status, 204);
    assert!(listed(&s.learner).is_empty());
}
