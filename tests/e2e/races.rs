//! Retries and races: a retried batch issues once; concurrent status
//! changes of one credential never undo a revocation; concurrent pathway
//! updates and opt-in changes answer 200 or 409, never 500. Each race fires
//! its requests from threads, one HTTP call each; on PostgreSQL (CI) they
//! really overlap, on SQLite the writes queue on the lock.

use std::sync::Barrier;

use cairn_tests::{AchievementBuilder, Institution, Learner, Response, TestApp};
use serde_json::{Value, json};

/// Requests fired at once in each race.
const RACERS: usize = 16;

struct World {
    riverside: Institution,
    learner: Learner,
    achievement: String,
}

fn world(app: &TestApp) -> World {
    let riverside = app.institution("Riverside College");
    let learner = app.learner("grace");
    let achievement = riverside.achievement(&AchievementBuilder::micro("Statistics"));
    World { riverside, learner, achievement }
}

fn issue(w: &World, achievement: &str) -> String {
    w.riverside.issue_at(&w.learner.id, achievement, "2025-01-01T00:00:00Z")["id"].as_str().unwrap().to_owned()
}

fn change(w: &World, credential: &str, verb: &str) -> Response {
    w.riverside.try_change(credential, verb, &format!("race: {verb}"))
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

#[test]
fn a_retried_batch_with_the_same_idempotency_key_issues_once() {
    let app = TestApp::spawn();
    let w = world(&app);
    let path = format!("/v1/orgs/{}/credentials/batch", w.riverside.org);
    let item = json!({ "achievement": w.achievement, "recipient": { "learner": w.learner.id } });
    let body = json!({ "items": [item, item, item] });

    let first = w.riverside.issuer.post_with_key(&path, "batch-1", &body);
    assert_eq!(first.status, 200, "{}", first.text);
    assert_eq!(first.body["issued"], 3);
    assert_eq!(w.learner.credentials().len(), 3);
    // The retry gets the first response back and issues nothing.
    let retry = w.riverside.issuer.post_with_key(&path, "batch-1", &body);
    assert_eq!(retry.status, 200, "{}", retry.text);
    assert_eq!(retry.body, first.body, "the same credentials, ids and JWTs");
    assert_eq!(w.learner.credentials().len(), 3);
    // The same key with another body is refused and issues nothing.
    let other = json!({ "items": [item] });
    w.riverside.issuer.post_with_key(&path, "batch-1", &other).assert_problem(422);
    assert_eq!(w.learner.credentials().len(), 3);
    // A batch key replayed on single issuing is not mistaken for it.
    w.riverside.issuer.post_with_key(&w.riverside.path("credentials"), "batch-1", &item).assert_problem(422);
    assert_eq!(w.learner.credentials().len(), 3);
    // Another key is another batch; no key, as before, issues every time.
    assert_eq!(w.riverside.issuer.post_with_key(&path, "batch-2", &other).body["issued"], 1);
    assert_eq!(w.riverside.issuer.post(&path, &other).body["issued"], 1);
    assert_eq!(w.learner.credentials().len(), 5);

    // Concurrent retries of one keyed batch: one set of credentials.
    let racing = json!({ "items": [item, item] });
    let responses = race(&[(); RACERS], |_| w.riverside.issuer.post_with_key(&path, "batch-race", &racing));
    let codes = statuses(&responses);
    assert!(codes.iter().all(|s| [200, 409].contains(s)), "{codes:?}");
    let ok: Vec<&Response> = responses.iter().filter(|r| r.status == 200).collect();
    assert!(!ok.is_empty(), "{codes:?}");
    assert!(ok.iter().all(|r| r.body == ok[0].body), "every success is the first response");
    assert_eq!(w.learner.credentials().len(), 7);
}

/// The status history of a credential as its institution's audit log tells it.
fn status_actions(log: &[Value], credential: &str) -> Vec<String> {
    log.iter()
        .filter(|e| e["subject_id"] == credential)
        .map(|e| e["action"].as_str().unwrap().to_owned())
        .filter(|a| ["credential.suspend", "credential.revoke", "credential.reinstate"].contains(&a.as_str()))
        .collect()
}

#[test]
fn concurrent_revoke_and_suspend_never_undo_a_revocation() {
    let app = TestApp::spawn();
    let w = world(&app);
    for round in 0..6 {
        let id = issue(&w, &w.achievement);
        let jwt = w.riverside.issuer.get(&format!("/v1/credentials/{id}")).body["jwt"].as_str().unwrap().to_owned();
        // Every other round starts suspended, and reinstating races too.
        let from_suspended = round % 2 == 1;
        if from_suspended {
            assert_eq!(change(&w, &id, "suspend").status, 200);
        }
        let verbs: Vec<&str> = (0..RACERS)
            .map(|i| match (from_suspended, i % 2) {
                (_, 0) => "revoke",
                (false, _) => "suspend",
                (true, _) => "reinstate",
            })
            .collect();
        let responses = race(&verbs, |verb| change(&w, &id, verb));
        let codes = statuses(&responses);
        assert!(codes.iter().all(|s| [200, 409].contains(s)), "round {round}: {codes:?}");
        for response in responses.iter().filter(|r| r.status == 409) {
            response.assert_problem(409);
        }
        let won = |verb: &str| verbs.iter().zip(&responses).filter(|(v, r)| **v == verb && r.status == 200).count();
        // Each change applies at most once: the second of two identical
        // changes finds the status already changed.
        assert!(won("revoke") <= 1 && won("suspend") <= 1 && won("reinstate") <= 1, "round {round}: {verbs:?} {codes:?}");
        assert!(won("revoke") + won("suspend") + won("reinstate") >= 1, "round {round}: someone wins: {codes:?}");

        // What the log recorded is exactly what was answered 200, and it is
        // a valid history: nothing after a revocation.
        let log = w.riverside.audit();
        let history = status_actions(&log, &id);
        let expected_changes = won("revoke") + won("suspend") + won("reinstate") + usize::from(from_suspended);
        assert_eq!(history.len(), expected_changes, "round {round}: {history:?} for {codes:?}");
        if let Some(at) = history.iter().position(|a| a == "credential.revoke") {
            assert_eq!(at, history.len() - 1, "round {round}: a change after the revocation: {history:?}");
        }

        let current = w.riverside.issuer.get(&format!("/v1/credentials/{id}")).body["status"].as_str().unwrap().to_owned();
        if won("revoke") == 1 {
            // Revoked, and it stays revoked.
            assert_eq!(current, "revoked", "round {round}: {codes:?}");
            change(&w, &id, "reinstate").assert_problem(409);
            change(&w, &id, "suspend").assert_problem(409);
            assert_eq!(w.riverside.issuer.get(&format!("/v1/credentials/{id}")).body["status"], "revoked");
            let verified = app.post("/v1/verify", None, &json!({ "jwt": jwt }));
            assert_eq!(verified.status, 200, "{}", verified.text);
            assert_eq!(verified.body["verified"], false, "round {round}: a revoked credential verifies: {}", verified.text);
        } else {
            let expected = if won("suspend") == 1 { "suspended" } else { "active" };
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
    let micro: Vec<String> = (1..=3).map(|i| w.riverside.achievement(&AchievementBuilder::course(&format!("Module {i}")))).collect();
    let award = w.riverside.achievement(&AchievementBuilder::award("Data Science Award"));
    let registered =
        w.riverside.try_pathway(&json!({ "key": "data-science", "name": "Data Science", "award": award, "on_constituent_revoked": "revoke",
                 "requirement": { "type": "count", "min": 3, "where": { "achievement_type": "Course" } } }));
    assert_eq!(registered.status, 201, "{}", registered.text);
    for round in 0..3 {
        // A fresh learner each round, completing the pathway.
        let learner = app.learner(&format!("round{round}@example.org"));
        let issue_to = |achievement: &str| {
            let response = w.riverside.try_issue(&json!({ "achievement": achievement, "recipient": { "learner": learner.id } }));
            assert_eq!(response.status, 201, "{}", response.text);
            response.id()
        };
        let held: Vec<String> = micro.iter().map(|m| issue_to(m)).collect();
        let awards = || -> Vec<Value> {
            let wallet = learner.get("/v1/me/wallet").body;
            wallet["credentials"].as_array().unwrap().iter().filter(|c| c["achievement"] == award.as_str()).cloned().collect()
        };
        assert_eq!(awards().len(), 1);
        assert_eq!(awards()[0]["status"], "active");

        let verbs: Vec<(&str, &str)> =
            (0..RACERS).map(|i| if i % 2 == 0 { (held[0].as_str(), "revoke") } else { (held[1].as_str(), "suspend") }).collect();
        let responses = race(&verbs, |(id, verb)| change(&w, id, verb));
        let codes = statuses(&responses);
        assert!(codes.iter().all(|s| [200, 409].contains(s)), "round {round}: {codes:?}");
        assert_eq!(codes.iter().filter(|s| **s == 200).count(), 2, "one revoke and one suspend apply: {codes:?}");
        let status_of = |id: &str| w.riverside.issuer.get(&format!("/v1/credentials/{id}")).body["status"].as_str().unwrap().to_owned();
        assert_eq!(status_of(&held[0]), "revoked");
        assert_eq!(status_of(&held[1]), "suspended");
        let award_credential = awards()[0]["id"].as_str().unwrap().to_owned();
        assert_eq!(status_of(&award_credential), "revoked", "round {round}: the award follows the revocation");
        // Reinstating the suspended constituent does not bring it back.
        assert_eq!(change(&w, &held[1], "reinstate").status, 200);
        assert_eq!(status_of(&award_credential), "revoked", "round {round}");
        change(&w, &award_credential, "reinstate").assert_problem(409);
    }
}

/// Two constituents of one award suspended (so the award is), then both
/// reinstated at once: the award comes back, whichever reinstatement
/// commits first; it must not stay suspended with every constituent active.
#[test]
fn concurrent_reinstatements_of_two_constituents_restore_the_award() {
    let app = TestApp::spawn();
    let w = world(&app);
    let micro: Vec<String> = (1..=3).map(|i| w.riverside.achievement(&AchievementBuilder::course(&format!("Module {i}")))).collect();
    let award = w.riverside.achievement(&AchievementBuilder::award("Data Science Award"));
    let registered = w.riverside.try_pathway(&json!({ "key": "data-science", "name": "Data Science", "award": award,
                 "requirement": { "type": "count", "min": 3, "where": { "achievement_type": "Course" } } }));
    assert_eq!(registered.status, 201, "{}", registered.text);
    for round in 0..4 {
        let learner = app.learner(&format!("back{round}@example.org"));
        let held: Vec<String> = micro
            .iter()
            .map(|m| {
                let response = w.riverside.try_issue(&json!({ "achievement": m, "recipient": { "learner": learner.id } }));
                assert_eq!(response.status, 201, "{}", response.text);
                response.id()
            })
            .collect();
        let wallet = learner.get("/v1/me/wallet").body;
        let award_credential =
            wallet["credentials"].as_array().unwrap().iter().find(|c| c["achievement"] == award.as_str()).unwrap()["id"].as_str().unwrap().to_owned();
        let status_of = |id: &str| w.riverside.issuer.get(&format!("/v1/credentials/{id}")).body["status"].as_str().unwrap().to_owned();
        assert_eq!(change(&w, &held[0], "suspend").status, 200);
        assert_eq!(change(&w, &held[1], "suspend").status, 200);
        assert_eq!(status_of(&award_credential), "suspended");

        let targets: Vec<&str> = (0..RACERS).map(|i| held[i % 2].as_str()).collect();
        let responses = race(&targets, |id| change(&w, id, "reinstate"));
        let codes = statuses(&responses);
        assert!(codes.iter().all(|s| [200, 409].contains(s)), "round {round}: {codes:?}");
        assert_eq!(codes.iter().filter(|s| **s == 200).count(), 2, "each constituent reinstated once: {codes:?}");
        assert_eq!(status_of(&held[0]), "active");
        assert_eq!(status_of(&held[1]), "active");
        assert_eq!(status_of(&award_credential), "active", "round {round}: every constituent is active again, so is the award");
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
    let award = w.riverside.achievement(&AchievementBuilder::award("Analytics Award"));
    w.riverside.achievement(&AchievementBuilder::course("Module A"));
    let created = w.riverside.try_pathway(&rule(&award, 1));
    assert_eq!(created.status, 201, "{}", created.text);
    let id = created.id();
    let mut total_ok = 0;
    for round in 0..2 {
        let bodies: Vec<Value> = (0..RACERS).map(|i| rule(&award, 100 * (round + 1) + i)).collect();
        let responses = race(&bodies, |body| w.riverside.issuer.put(&format!("/v1/pathways/{id}"), body));
        let codes = statuses(&responses);
        assert!(codes.iter().all(|s| [200, 409].contains(s)), "round {round}: {codes:?} {}", responses[0].text);
        for response in responses.iter().filter(|r| r.status == 409) {
            response.assert_problem(409);
        }
        let ok: Vec<(&Value, &Response)> = bodies.iter().zip(&responses).filter(|(_, r)| r.status == 200).collect();
        assert!(!ok.is_empty(), "round {round}: {codes:?}");
        // Each success got its own version; together they follow the last.
        let mut versions: Vec<i64> = ok.iter().map(|(_, r)| r.body["version"].as_i64().unwrap()).collect();
        versions.sort_unstable();
        let expected: Vec<i64> = (2 + total_ok..2 + total_ok + ok.len() as i64).collect();
        assert_eq!(versions, expected, "round {round}: {codes:?}");
        total_ok += ok.len() as i64;

        // The pathway now holds the rule of the highest version.
        let current = w.riverside.issuer.get(&format!("/v1/pathways/{id}"));
        assert_eq!(current.status, 200, "{}", current.text);
        assert_eq!(current.body["version"], 1 + total_ok);
        let (last_body, _) = ok.iter().max_by_key(|(_, r)| r.body["version"].as_i64().unwrap()).unwrap();
        assert_eq!(current.body["rule"]["name"], last_body["name"]);
    }
    // The log records each version once, contiguous from 2.
    let mut logged: Vec<i64> = w
        .riverside
        .audit()
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
        let responses = race(&bodies, |body| w.learner.put("/v1/me/discoverable", body));
        let codes = statuses(&responses);
        // Replacing one's own setting is last-writer-wins: nothing to refuse.
        assert!(codes.iter().all(|s| *s == 200), "round {round}: {codes:?}");
        for (body, response) in bodies.iter().zip(&responses) {
            let mut sent = body.clone();
            if let Some(skills) = sent.get_mut("skills") {
                let mut sorted: Vec<String> = skills.as_array().unwrap().iter().map(|s| s.as_str().unwrap().to_owned()).collect();
                sorted.sort();
                *skills = json!(sorted);
            }
            assert_eq!(response.body, sent, "each answer is its own setting");
        }
        let now = w.learner.get("/v1/me/discoverable");
        assert_eq!(now.status, 200);
        // Exactly one of the settings sent, never a mixture.
        let matches = responses.iter().filter(|r| r.body == now.body).count();
        assert!(matches >= 1, "round {round}: {} is none of the settings sent", now.text);
    }
}
