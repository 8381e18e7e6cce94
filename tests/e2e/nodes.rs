//! Two API nodes on one database (PostgreSQL, or one SQLite file in WAL
//! mode): two servers in this process, each with its own in-memory state, as
//! behind a balancer. What one node changes, the other's next request sees
//! (no waiting: a stale cache fails these tests), and per-account limits
//! hold across both.

use cairn_domain::UserId;
use cairn_tests::service::{RateLimiter, Store, rate_limits};
use cairn_tests::{AchievementBuilder, Learner, Pathway, Response, Rule, TestApp};
use chrono::{DateTime, Duration, TimeZone, Utc};
use serde_json::{Value, json};

/// The outcome of `pathway` in the learner's progress list, if listed.
fn listed(learner: &Learner, pathway: &str) -> Option<Value> {
    let progress = learner.get("/v1/me/progress");
    assert_eq!(progress.status, 200, "{}", progress.text);
    progress.body["items"].as_array().unwrap().iter().find(|o| o["pathway"] == pathway).cloned()
}

fn micro_pathway(key: &str, award: &str, min: u32) -> Value {
    Pathway::new(key, key, award, Rule::count(min).of_type("MicroCredential")).issuance("automatic").into()
}

#[test]
fn a_pathway_changed_on_one_node_is_evaluated_by_the_others_next_request() {
    let a = TestApp::spawn();
    let b = a.second_node();
    let school = a.institution("Northbrook Schools Association");
    let learner = a.learner("teacher@northbrook.example");
    let micro: Vec<String> = (1..=5).map(|i| school.achievement(&AchievementBuilder::micro(&format!("Micro-credential {i}")))).collect();
    let award = school.achievement(&AchievementBuilder::award("Professional Learning Award"));
    school.issue_at(&learner.id, &micro[0], "2026-01-10T00:00:00Z");
    school.issue_at(&learner.id, &micro[1], "2026-02-10T00:00:00Z");
    // Node B evaluates before the pathway exists (whatever it keeps, it
    // keeps it without the pathway).
    let on_b = learner.on(&b);
    assert_eq!(on_b.get("/v1/me/progress").status, 200);

    // Registered on A, read on B at once.
    let pathway = school.pathway(&micro_pathway("professional-learning-award", &award, 3));
    let outcome = on_b.progress(&pathway);
    assert_eq!(outcome["status"], "in_progress", "{outcome}");
    assert_eq!((outcome["requirement"]["have"].as_u64(), outcome["requirement"]["need"].as_u64()), (Some(2), Some(3)), "{outcome}");
    assert_eq!(listed(&on_b, &pathway).map(|o| o["status"].clone()), Some(json!("in_progress")));

    // The credential that completes it is issued on B: awarded once, seen on both.
    school.on(&b).issue_at(&learner.id, &micro[2], "2026-03-10T00:00:00Z");
    assert_eq!(on_b.held(&award).len(), 1, "B awarded it");
    assert_eq!(learner.held(&award).len(), 1, "A sees the one award");
    assert_eq!(learner.progress(&pathway)["status"], "complete");
    school.issue_at(&learner.id, &micro[0], "2026-04-10T00:00:00Z");
    assert_eq!(on_b.held(&award).len(), 1, "never twice");

    // An update on B is A's next evaluation; an achievement published on A
    // is a candidate in B's next one.
    let second_award = school.achievement(&AchievementBuilder::award("Senior Learning Award"));
    let senior = school.pathway(&micro_pathway("senior-learning-award", &second_award, 4));
    assert_eq!(learner.progress(&senior)["requirement"]["need"], 4);
    let updated = school.on(&b).issuer.put(&format!("/v1/pathways/{senior}"), &micro_pathway("senior-learning-award", &second_award, 5));
    assert_eq!(updated.status, 200, "{}", updated.text);
    assert_eq!(updated.body["version"], 2);
    let outcome = learner.progress(&senior);
    assert_eq!((outcome["requirement"]["have"].as_u64(), outcome["requirement"]["need"].as_u64()), (Some(3), Some(5)), "{outcome}");
    let candidates = |outcome: &Value| outcome["requirement"]["candidates"].as_array().unwrap().len();
    assert_eq!(candidates(&on_b.progress(&senior)), 5);
    let sixth = school.achievement(&AchievementBuilder::micro("Micro-credential 6"));
    let outcome = on_b.progress(&senior);
    assert_eq!(candidates(&outcome), 6, "{outcome}");
    assert!(outcome["requirement"]["candidates"].as_array().unwrap().contains(&json!(sixth)), "{outcome}");
}

/// `count` requests sent at once, spread over the nodes in turn; their statuses.
fn at_once(count: usize, request: impl Fn(usize) -> Response + Sync) -> Vec<u16> {
    std::thread::scope(|scope| {
        let request = &request;
        let handles: Vec<_> = (0..count).map(|i| scope.spawn(move || request(i).status)).collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    })
}

fn assert_limited(response: &Response, max_wait: u64) {
    response.assert_problem(429);
    let wait: u64 = response.header("Retry-After").unwrap().parse().unwrap();
    assert!((1..=max_wait).contains(&wait), "Retry-After {wait}");
}

#[test]
fn the_talent_search_limit_holds_across_nodes() {
    let a = TestApp::spawn();
    let b = a.second_node();
    let employer = a.employer("Acme Analytics");
    let nodes = [employer.on(&a), employer.on(&b)];
    let search = "/v1/talent?skill=data-visualisation";
    // 64 at once, half on each node: exactly the 60 of the minute pass.
    let statuses = at_once(64, |i| nodes[i % 2].get(search));
    assert_eq!(statuses.iter().filter(|s| **s == 200).count(), 60, "{statuses:?}");
    assert_eq!(statuses.iter().filter(|s| **s == 429).count(), 4, "{statuses:?}");
    assert_limited(&nodes[0].get(search), 60);
    assert_limited(&nodes[1].get(search), 60);
    // Per account: another employer's staff still search, on either node.
    let other = a.employer("Other Employer");
    assert_eq!(other.on(&b).get(search).status, 200);
    assert_eq!(other.get(search).status, 200);
}

#[test]
fn the_verification_resend_limit_holds_across_nodes() {
    let a = TestApp::spawn();
    let b = a.second_node();
    let learner = a.learner_unconfirmed("sam@example.org");
    let nodes = [learner.on(&a), learner.on(&b)];
    for i in 0..5 {
        let sent = nodes[i % 2].post("/v1/me/email-verification", &json!({}));
        assert_eq!(sent.status, 202, "resend {i}: {}", sent.text);
    }
    assert_limited(&nodes[1].post("/v1/me/email-verification", &json!({})), 3600);
    assert_limited(&nodes[0].post("/v1/me/email-verification", &json!({})), 3600);
    // The refused calls replaced nothing: the fifth code works, on either node.
    let confirmed = b.post("/v1/auth/verify-email", None, &json!({ "code": a.verification_code("sam@example.org") }));
    assert_eq!(confirmed.status, 200, "{}", confirmed.text);
    assert_eq!(learner.me()["email_verified"], true);
}

#[test]
fn a_counted_limit_opens_a_new_window_once_the_last_has_ended() {
    let app = TestApp::spawn();
    let store = Store::open(app.database_url()).unwrap();
    let limiter = RateLimiter::new("test", 2, Duration::seconds(10));
    let (ada, ben) = (UserId::new(), UserId::new());
    let start = Utc.with_ymd_and_hms(2026, 12, 1, 12, 0, 0).unwrap();
    let hit = |account: UserId, at: DateTime<Utc>| {
        let counted = store.write_blocking(|conn| rate_limits::hit(conn, limiter.bucket(), account, at, limiter.window())).unwrap();
        (counted.count, limiter.admits(counted.window_start, counted.count, at))
    };
    assert_eq!(hit(ada, start), (1, Ok(())));
    assert_eq!(hit(ada, start + Duration::seconds(4)), (2, Ok(())));
    assert_eq!(hit(ada, start + Duration::seconds(7)), (3, Err(3)), "the third waits for the window's end");
    assert_eq!(hit(ben, start + Duration::seconds(7)), (1, Ok(())), "per account");
    assert_eq!(hit(ada, start + Duration::milliseconds(9_999)), (4, Err(1)));
    // The window ends 10 s after its first request: the next opens anew.
    assert_eq!(hit(ada, start + Duration::seconds(10)), (1, Ok(())));
    assert_eq!(hit(ada, start + Duration::seconds(19)), (2, Ok(())));
    assert_eq!(hit(ada, start + Duration::seconds(19)), (3, Err(1)));

    // Ended windows are purged; open ones kept.
    let purge = |at: DateTime<Utc>| store.write_blocking(|conn| rate_limits::purge_ended(conn, limiter.bucket(), at, limiter.window())).unwrap();
    assert_eq!(purge(start + Duration::seconds(18)), 1, "ben's window ended at 17 s");
    assert_eq!(store.write_blocking(|conn| rate_limits::rows(conn, limiter.bucket())).unwrap(), 1);
    assert_eq!(purge(start + Duration::seconds(20)), 1);
    assert_eq!(hit(ada, start + Duration::seconds(20)), (1, Ok(())), "a purged account starts afresh");
}

/// Job work is shared: while node A's worker works one back-fill, node B's
/// worker takes the other from the queue (each worker works one job at a
/// time, so two jobs running at once are two workers). Every award is
/// issued once.
#[test]
fn two_nodes_share_the_job_queue() {
    let a = TestApp::builder().job_chunk(2).job_pause(std::time::Duration::from_millis(250)).spawn();
    let b = a.second_node();
    let school = a.institution("Queue Sharing College");
    let badge = school.achievement(&AchievementBuilder::badge("Shared Badge"));
    let learners = a.learners_in_bulk("shared", 16);
    let items: Vec<cairn_tests::IssueRequest> = learners.iter().map(|l| cairn_tests::IssueRequest::new(&badge).to(&l.id)).collect();
    assert_eq!(school.batch(&items).status, 200);
    let awards: Vec<String> = (0..2).map(|i| school.achievement(&AchievementBuilder::award(&format!("Shared Award {i}")))).collect();
    // Registered without waiting for the jobs (the harness's `pathway` waits).
    let jobs: Vec<Value> = awards
        .iter()
        .enumerate()
        .map(|(i, award)| {
            let rule = Pathway::new(&format!("shared-{i}"), "Shared", award, Rule::count(1).achievement(&badge)).issuance("automatic");
            let registered = school.issuer.post(&school.path("pathways"), &rule);
            assert_eq!(registered.status, 201, "{}", registered.text);
            registered.body["job"].clone()
        })
        .collect();
    let paths: Vec<String> = jobs.iter().map(|j| a.path_of(j["url"].as_str().unwrap()).to_owned()).collect();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    let mut both_running = false;
    while !both_running && std::time::Instant::now() < deadline {
        let states: Vec<Value> = paths.iter().map(|p| a.get(p, Some(&school.issuer.token)).body["state"].clone()).collect();
        both_running = states.iter().all(|s| s == "running");
        if states.iter().all(|s| s == "succeeded") {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    assert!(both_running, "the two jobs never ran at the same time: one worker did both");
    for job in &jobs {
        let done = school.issuer.wait_for_job(job);
        assert_eq!(done["state"], "succeeded", "{done}");
        assert_eq!(done["awards_issued"], 16, "{done}");
    }
    for learner in &learners {
        for award in &awards {
            assert_eq!(learner.on(&b).held(award).len(), 1, "{} holds {award} once", learner.email);
        }
    }
}
