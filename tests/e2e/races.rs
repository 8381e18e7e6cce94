//! Retries and races: a retried batch issues once; concurrent status
//! changes of one credential never undo a revocation; concurrent pathway
//! updates and opt-in changes answer 200 or 409, never 500. Each race fires
//! its requests from threads, one HTTP call each; on PostgreSQL (CI) they
//! really overlap, on SQLite the writes queue on the lock.

use std::sync::Barrier;

use cairn_tests::{Response, TestApp};
use serde_json::{Value, json};

/// Requests fired at once in each race.
const RACERS: usize = 16;

struct World {
    org: String,
    issuer: String,
    learner_id: String,
    learner: String,
    achievement: String,
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

fn world(app: &TestApp) -> World {
    let admin = app.admin_token();
    let org = app.org(&admin, "Riverside College", "institution");
    let (_, issuer) = app.staff(&admin, &org, "registrar@riverside.example", "issuer");
    let (learner_id, learner) = app.learner("grace@example.org");
    let achievement = achievement(app, &org, &issuer, "Statistics", "MicroCredential");
    World {
        org,
        issuer,
        learner_id,
        learner,
        achievement,
    }
}

fn issue(app: &TestApp, w: &World, achievement: &str) -> String {
    let response = app.post(
        &format!("/v1/orgs/{}/credentials", w.org),
        Some(&w.issuer),
        &json!({ "achievement": achievement, "recipient": { "learner": w.learner_id }, "awarded_at": "2025-01-01T00:00:00Z" }),
    );
    assert_eq!(response.status, 201, "{}", response.text);
    response.id()
}

/// Runs `requests` at once (released together by a barrier), one thread
/// and one HTTP call each; returns the responses in request order.
fn race<T: Sync>(requests: &[T], send: impl Fn(&T) -> Response + Sync) -> Vec<Response> {
    let barrier = Barrier::new(requests.len());
    std::thread::scope(|scope| {
        let handles: Vec<_> = requests
            .iter()
            .map(|request| {
                let (barrier, send) = (&barrier, &send);
                scope.spawn(move || {
                    barrier.wait();
                    send(request)
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    })
}

fn statuses(responses: &[Response]) -> Vec<u16> {
    responses.iter().map(|r| r.status).collect()
}

/// Every entry of the organisation's audit log, oldest first.
fn audit_log(app: &TestApp, org: &str, token: &str) -> Vec<Value> {
    let mut entries = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let path = match &cursor {
            Some(c) => format!("/v1/orgs/{org}/audit?limit=200&cursor={c}"),
            None => format!("/v1/orgs/{org}/audit?limit=200"),
        };
        let page = app.get(&path, Some(token));
        assert_eq!(page.status, 200, "{}", page.text);
        entries.extend(page.body["items"].as_array().unwrap().iter().cloned());
        match page.body["next_cursor"].as_str() {
            Some(next) => cursor = Some(next.to_owned()),
            None => return entries,
        }
    }
}

fn post_with_key(app: &TestApp, path: &str, token: &str, key: &str, body: &Value) -> Response {
    Response::from(
        ureq::post(&app.url(path))
            .set("Authorization", &format!("Bearer {token}"))
            .set("Idempotency-Key", key)
            .send_json(body),
    )
}

fn wallet_size(app: &TestApp, token: &str) -> usize {
    app.get("/v1/me/wallet", Some(token)).body["credentials"]
        .as_array()
        .unwrap()
        .len()
}

#[test]
fn a_retried_batch_with_the_same_idempotency_key_issues_once() {
    let app = TestApp::spawn();
    let w = world(&app);
    let path = format!("/v1/orgs/{}/credentials/batch", w.org);
    let item = json!({ "achievement": w.achievement, "recipient": { "learner": w.learner_id } });
    let body = json!({ "items": [item, item, item] });

    let first = post_with_key(&app, &path, &w.issuer, "batch-1", &body);
    assert_eq!(first.status, 200, "{}", first.text);
    assert_eq!(first.body["issued"], 3);
    assert_eq!(wallet_size(&app, &w.learner), 3);
    // The retry gets the first response back and issues nothing.
    let retry = post_with_key(&app, &path, &w.issuer, "batch-1", &body);
    assert_eq!(retry.status, 200, "{}", retry.text);
    assert_eq!(retry.body, first.body, "the same credentials, ids and JWTs");
    assert_eq!(wallet_size(&app, &w.learner), 3);
    // The same key with another body is refused and issues nothing.
    let other = json!({ "items": [item] });
    post_with_key(&app, &path, &w.issuer, "batch-1", &other).assert_problem(422);
    assert_eq!(wallet_size(&app, &w.learner), 3);
    // A batch key replayed on single issuing is not mistaken for it.
    post_with_key(
        &app,
        &format!("/v1/orgs/{}/credentials", w.org),
        &w.issuer,
        "batch-1",
        &item,
    )
    .assert_problem(422);
    assert_eq!(wallet_size(&app, &w.learner), 3);
    // Another key is another batch; no key, as before, issues every time.
    assert_eq!(
        post_with_key(&app, &path, &w.issuer, "batch-2", &other).body["issued"],
        1
    );
    assert_eq!(app.post(&path, Some(&w.issuer), &other).body["issued"], 1);
    assert_eq!(wallet_size(&app, &w.learner), 5);

    // Concurrent retries of one keyed batch: one set of credentials.
    let racing = json!({ "items": [item, item] });
    let responses = race(&[(); RACERS], |_| {
        post_with_key(&app, &path, &w.issuer, "batch-race", &racing)
    });
    let codes = statuses(&responses);
    assert!(codes.iter().all(|s| [200, 409].contains(s)), "{codes:?}");
    let ok: Vec<&Response> = responses.iter().filter(|r| r.status == 200).collect();
    assert!(!ok.is_empty(), "{codes:?}");
    assert!(
        ok.iter().all(|r| r.body == ok[0].body),
        "every success is the first response"
    );
    assert_eq!(wallet_size(&app, &w.learner), 7);
}

/// The status history of a credential as its institution's audit log tells it.
fn status_actions(log: &[Value], credential: &str) -> Vec<String> {
    log.iter()
        .filter(|e| e["subject_id"] == credential)
        .map(|e| e["action"].as_str().unwrap().to_owned())
        .filter(|a| {
            [
                "credential.suspend",
                "credential.revoke",
                "credential.reinstate",
            ]
            .contains(&a.as_str())
        })
        .collect()
}

fn change(app: &TestApp, token: &str, credential: &str, verb: &str) -> Response {
    app.post(
        &format!("/v1/credentials/{credential}/{verb}"),
        Some(token),
        &json!({ "reason": format!("race: {verb}") }),
    )
}

#[test]
fn concurrent_revoke_and_suspend_never_undo_a_revocation() {
    let app = TestApp::spawn();
    let w = world(&app);
    for round in 0..6 {
        let id = issue(&app, &w, &w.achievement);
        let jwt = app
            .get(&format!("/v1/credentials/{id}"), Some(&w.issuer))
            .body["jwt"]
            .as_str()
            .unwrap()
            .to_owned();
        // Every other round starts suspended, and reinstating races too.
        let from_suspended = round % 2 == 1;
        if from_suspended {
            assert_eq!(change(&app, &w.issuer, &id, "suspend").status, 200);
        }
        let verbs: Vec<&str> = (0..RACERS)
            .map(|i| match (from_suspended, i % 2) {
                (_, 0) => "revoke",
                (false, _) => "suspend",
                (true, _) => "reinstate",
            })
            .collect();
        let responses = race(&verbs, |verb| change(&app, &w.issuer, &id, verb));
        let codes = statuses(&responses);
        assert!(
            codes.iter().all(|s| [200, 409].contains(s)),
            "round {round}: {codes:?}"
        );
        for response in responses.iter().filter(|r| r.status == 409) {
            response.assert_problem(409);
        }
        let won = |verb: &str| {
            verbs
                .iter()
                .zip(&responses)
                .filter(|(v, r)| **v == verb && r.status == 200)
                .count()
        };
        // Each change applies at most once: the second of two identical
        // changes finds the status already changed.
        assert!(
            won("revoke") <= 1 && won("suspend") <= 1 && won("reinstate") <= 1,
            "round {round}: {verbs:?} {codes:?}"
        );
        assert!(
            won("revoke") + won("suspend") + won("reinstate") >= 1,
            "round {round}: someone wins: {codes:?}"
        );

        // What the log recorded is exactly what was answered 200, and it is
        // a valid history: nothing after a revocation.
        let log = audit_log(&app, &w.org, &w.issuer);
        let history = status_actions(&log, &id);
        let expected_changes =
            won("revoke") + won("suspend") + won("reinstate") + usize::from(from_suspended);
        assert_eq!(
            history.len(),
            expected_changes,
            "round {round}: {history:?} for {codes:?}"
        );
        if let Some(at) = history.iter().position(|a| a == "credential.revoke") {
            assert_eq!(
                at,
                history.len() - 1,
                "round {round}: a change after the revocation: {history:?}"
            );
        }

        let current = app
            .get(&format!("/v1/credentials/{id}"), Some(&w.issuer))
            .body["status"]
            .as_str()
            .unwrap()
            .to_owned();
        if won("revoke") == 1 {
            // Revoked, and it stays revoked.
            assert_eq!(current, "revoked", "round {round}: {codes:?}");
            change(&app, &w.issuer, &id, "reinstate").assert_problem(409);
            change(&app, &w.issuer, &id, "suspend").assert_problem(409);
            assert_eq!(
                app.get(&format!("/v1/credentials/{id}"), Some(&w.issuer))
                    .body["status"],
                "revoked"
            );
            let verified = app.post("/v1/verify", None, &json!({ "jwt": jwt }));
            assert_eq!(verified.status, 200, "{}", verified.text);
            assert_eq!(
                verified.body["verified"], false,
                "round {round}: a revoked credential verifies: {}",
                verified.text
            );
        } else {
            let expected = if won("suspend") == 1 {
                "suspended"
            } else {
                "active"
            };
            assert_eq!(current, expected, "round {round}: {verbs:?} {codes:?}");
        }
    }
}

/// A pathway of three micro-credentials with the award revoked when a
/// constituent goes; two constituents lost at once, one revoked and one
/// suspended: the award ends revoked, whichever cascade runs first.
#[test]
fn concurrent_cascades_into_one_award_leave_it_revoked() {
    let app = TestApp::spawn();
    let w = world(&app);
    let micro: Vec<String> = (1..=3)
        .map(|i| achievement(&app, &w.org, &w.issuer, &format!("Module {i}"), "Course"))
        .collect();
    let award = achievement(&app, &w.org, &w.issuer, "Data Science Award", "Award");
    let registered = app.post(
        &format!("/v1/orgs/{}/pathways", w.org),
        Some(&w.issuer),
        &json!({ "key": "data-science", "name": "Data Science", "award": award, "on_constituent_revoked": "revoke",
                 "requirement": { "type": "count", "min": 3, "where": { "achievement_type": "Course" } } }),
    );
    assert_eq!(registered.status, 201, "{}", registered.text);
    for round in 0..3 {
        // A fresh learner each round, completing the pathway.
        let (learner_id, learner) = app.learner(&format!("round{round}@example.org"));
        let issue_to = |achievement: &str| {
            let response = app.post(
                &format!("/v1/orgs/{}/credentials", w.org),
                Some(&w.issuer),
                &json!({ "achievement": achievement, "recipient": { "learner": learner_id } }),
            );
            assert_eq!(response.status, 201, "{}", response.text);
            response.id()
        };
        let held: Vec<String> = micro.iter().map(|m| issue_to(m)).collect();
        let awards = || -> Vec<Value> {
            let wallet = app.get("/v1/me/wallet", Some(&learner)).body;
            wallet["credentials"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|c| c["achievement"] == award.as_str())
                .cloned()
                .collect()
        };
        assert_eq!(awards().len(), 1);
        assert_eq!(awards()[0]["status"], "active");

        let verbs: Vec<(&str, &str)> = (0..RACERS)
            .map(|i| {
                if i % 2 == 0 {
                    (held[0].as_str(), "revoke")
                } else {
                    (held[1].as_str(), "suspend")
                }
            })
            .collect();
        let responses = race(&verbs, |(id, verb)| change(&app, &w.issuer, id, verb));
        let codes = statuses(&responses);
        assert!(
            codes.iter().all(|s| [200, 409].contains(s)),
            "round {round}: {codes:?}"
        );
        assert_eq!(
            codes.iter().filter(|s| **s == 200).count(),
            2,
            "one revoke and one suspend apply: {codes:?}"
        );
        let status_of = |id: &str| {
            app.get(&format!("/v1/credentials/{id}"), Some(&w.issuer))
                .body["status"]
                .as_str()
                .unwrap()
                .to_owned()
        };
        assert_eq!(status_of(&held[0]), "revoked");
        assert_eq!(status_of(&held[1]), "suspended");
        let award_credential = awards()[0]["id"].as_str().unwrap().to_owned();
        assert_eq!(
            status_of(&award_credential),
            "revoked",
            "round {round}: the award follows the revocation"
        );
        // Reinstating the suspended constituent does not bring it back.
        assert_eq!(change(&app, &w.issuer, &held[1], "reinstate").status, 200);
        assert_eq!(status_of(&award_credential), "revoked", "round {round}");
        change(&app, &w.issuer, &award_credential, "reinstate").assert_problem(409);
    }
}

/// Two constituents of one award suspended (so the award is), then both
/// reinstated at once: the award comes back, whichever reinstatement
/// commits first; it must not stay suspended with every constituent active.
#[test]
fn concurrent_reinstatements_of_two_constituents_restore_the_award() {
    let app = TestApp::spawn();
    let w = world(&app);
    let micro: Vec<String> = (1..=3)
        .map(|i| achievement(&app, &w.org, &w.issuer, &format!("Module {i}"), "Course"))
        .collect();
    let award = achievement(&app, &w.org, &w.issuer, "Data Science Award", "Award");
    let registered = app.post(
        &format!("/v1/orgs/{}/pathways", w.org),
        Some(&w.issuer),
        &json!({ "key": "data-science", "name": "Data Science", "award": award,
                 "requirement": { "type": "count", "min": 3, "where": { "achievement_type": "Course" } } }),
    );
    assert_eq!(registered.status, 201, "{}", registered.text);
    for round in 0..4 {
        let (learner_id, learner) = app.learner(&format!("back{round}@example.org"));
        let held: Vec<String> = micro
            .iter()
            .map(|m| {
                let response = app.post(
                    &format!("/v1/orgs/{}/credentials", w.org),
                    Some(&w.issuer),
                    &json!({ "achievement": m, "recipient": { "learner": learner_id } }),
                );
                assert_eq!(response.status, 201, "{}", response.text);
                response.id()
            })
            .collect();
        let wallet = app.get("/v1/me/wallet", Some(&learner)).body;
        let award_credential = wallet["credentials"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["achievement"] == award.as_str())
            .unwrap()["id"]
            .as_str()
            .unwrap()
            .to_owned();
        let status_of = |id: &str| {
            app.get(&format!("/v1/credentials/{id}"), Some(&w.issuer))
                .body["status"]
                .as_str()
                .unwrap()
                .to_owned()
        };
        assert_eq!(change(&app, &w.issuer, &held[0], "suspend").status, 200);
        assert_eq!(change(&app, &w.issuer, &held[1], "suspend").status, 200);
        assert_eq!(status_of(&award_credential), "suspended");

        let targets: Vec<&str> = (0..RACERS).map(|i| held[i % 2].as_str()).collect();
        let responses = race(&targets, |id| change(&app, &w.issuer, id, "reinstate"));
        let codes = statuses(&responses);
        assert!(
            codes.iter().all(|s| [200, 409].contains(s)),
            "round {round}: {codes:?}"
        );
        assert_eq!(
            codes.iter().filter(|s| **s == 200).count(),
            2,
            "each constituent reinstated once: {codes:?}"
        );
        assert_eq!(status_of(&held[0]), "active");
        assert_eq!(status_of(&held[1]), "active");
        assert_eq!(
            status_of(&award_credential),
            "active",
            "round {round}: every constituent is active again, so is the award"
        );
    }
}

fn rule(award: &str, edition: usize) -> Value {
    json!({ "key": "analytics", "name": format!("Analytics, edition {edition}"), "award": award,
            "requirement": { "type": "count", "min": 1, "where": { "achievement_type": "Course" } } })
}

#[test]
fn concurrent_pathway_updates_answer_200_or_409_and_keep_versions_contiguous() {
    let app = TestApp::spawn();
    let w = world(&app);
    let award = achievement(&app, &w.org, &w.issuer, "Analytics Award", "Award");
    achievement(&app, &w.org, &w.issuer, "Module A", "Course");
    let created = app.post(
        &format!("/v1/orgs/{}/pathways", w.org),
        Some(&w.issuer),
        &rule(&award, 1),
    );
    assert_eq!(created.status, 201, "{}", created.text);
    let id = created.id();
    let mut total_ok = 0;
    for round in 0..2 {
        let bodies: Vec<Value> = (0..RACERS)
            .map(|i| rule(&award, 100 * (round + 1) + i))
            .collect();
        let responses = race(&bodies, |body| {
            app.call(
                "PUT",
                &format!("/v1/pathways/{id}"),
                Some(&w.issuer),
                Some(body),
            )
        });
        let codes = statuses(&responses);
        assert!(
            codes.iter().all(|s| [200, 409].contains(s)),
            "round {round}: {codes:?} {}",
            responses[0].text
        );
        for response in responses.iter().filter(|r| r.status == 409) {
            response.assert_problem(409);
        }
        let ok: Vec<(&Value, &Response)> = bodies
            .iter()
            .zip(&responses)
            .filter(|(_, r)| r.status == 200)
            .collect();
        assert!(!ok.is_empty(), "round {round}: {codes:?}");
        // Each success got its own version; together they follow the last.
        let mut versions: Vec<i64> = ok
            .iter()
            .map(|(_, r)| r.body["version"].as_i64().unwrap())
            .collect();
        versions.sort_unstable();
        let expected: Vec<i64> = (2 + total_ok..2 + total_ok + ok.len() as i64).collect();
        assert_eq!(versions, expected, "round {round}: {codes:?}");
        total_ok += ok.len() as i64;

        // The pathway now holds the rule of the highest version.
        let current = app.get(&format!("/v1/pathways/{id}"), Some(&w.issuer));
        assert_eq!(current.status, 200, "{}", current.text);
        assert_eq!(current.body["version"], 1 + total_ok);
        let (last_body, _) = ok
            .iter()
            .max_by_key(|(_, r)| r.body["version"].as_i64().unwrap())
            .unwrap();
        assert_eq!(current.body["rule"]["name"], last_body["name"]);
    }
    // The log records each version once, contiguous from 2.
    let mut logged: Vec<i64> = audit_log(&app, &w.org, &w.issuer)
        .iter()
        .filter(|e| e["action"] == "pathway.update" && e["subject_id"] == id.as_str())
        .map(|e| e["detail"]["version"].as_i64().unwrap())
        .collect();
    logged.sort_unstable();
    assert_eq!(logged, (2..=1 + total_ok).collect::<Vec<_>>());
}

#[test]
fn concurrent_discoverable_changes_all_succeed_and_the_last_one_wins() {
    let app = TestApp::spawn();
    let w = world(&app);
    let bodies: Vec<Value> = (0..RACERS)
        .map(|i| match i % 4 {
            0 => json!({ "discoverable": false }),
            1 => json!({ "discoverable": true }),
            2 => json!({ "discoverable": true, "skills": [format!("https://skills.example/s{i}"), "https://skills.example/common"] }),
            _ => json!({ "discoverable": true, "skills": [format!("https://skills.example/s{i}")] }),
        })
        .collect();
    for round in 0..3 {
        let responses = race(&bodies, |body| {
            app.call("PUT", "/v1/me/discoverable", Some(&w.learner), Some(body))
        });
        let codes = statuses(&responses);
        // Replacing one's own setting is last-writer-wins: nothing to refuse.
        assert!(codes.iter().all(|s| *s == 200), "round {round}: {codes:?}");
        for (body, response) in bodies.iter().zip(&responses) {
            let mut sent = body.clone();
            if let Some(skills) = sent.get_mut("skills") {
                let mut sorted: Vec<String> = skills
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|s| s.as_str().unwrap().to_owned())
                    .collect();
                sorted.sort();
                *skills = json!(sorted);
            }
            assert_eq!(response.body, sent, "each answer is its own setting");
        }
        let now = app.get("/v1/me/discoverable", Some(&w.learner));
        assert_eq!(now.status, 200);
        // Exactly one of the settings sent, never a mixture.
        let matches = responses.iter().filter(|r| r.body == now.body).count();
        assert!(
            matches >= 1,
            "round {round}: {} is none of the settings sent",
            now.text
        );
    }
}
