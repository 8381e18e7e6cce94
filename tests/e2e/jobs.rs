//! Background jobs: a pathway's back-fill and dry runs run in the durable
//! queue, in chunks, report their progress at `GET /v1/jobs/{id}` to those
//! who may see it, and survive the death of their worker.

use cairn_tests::service::jobs;
use cairn_tests::{AchievementBuilder, CHILD_TEST, Institution, IssueRequest, Learner, Pathway, Rule, TestApp};
use serde_json::{Value, json};

/// An institution with a badge, a course and an award for one badge;
/// `qualifying` learners hold the badge, `others` only the course.
struct Setup {
    uni: Institution,
    award: String,
    badge: String,
    qualifying: Vec<Learner>,
    others: Vec<Learner>,
}

fn setup(app: &TestApp, qualifying: usize, others: usize) -> Setup {
    let uni = app.institution("Queue University");
    let badge = uni.achievement(&AchievementBuilder::badge("Queue Badge"));
    let course = uni.achievement(&AchievementBuilder::course("Queue Course"));
    let award = uni.achievement(&AchievementBuilder::award("Queue Award"));
    let learners = app.learners_in_bulk("queue", qualifying + others);
    let (qualifying, others) = learners.split_at(qualifying);
    let mut items: Vec<IssueRequest> = qualifying.iter().map(|l| IssueRequest::new(&badge).to(&l.id).awarded_at("2025-03-01T00:00:00Z")).collect();
    items.extend(others.iter().map(|l| IssueRequest::new(&course).to(&l.id).awarded_at("2025-03-01T00:00:00Z")));
    let issued = uni.batch(&items);
    assert_eq!(issued.status, 200, "{}", issued.text);
    assert_eq!(issued.body["failed"], 0, "{}", issued.text);
    Setup { uni, award, badge, qualifying: qualifying.to_vec(), others: others.to_vec() }
}

fn one_badge(s: &Setup) -> Value {
    Pathway::new("queue-award", "Queue Award", &s.award, Rule::count(1).achievement(&s.badge)).into()
}

/// Each qualifying learner holds exactly one award, the others none.
fn assert_awarded_once(s: &Setup) {
    for learner in &s.qualifying {
        assert_eq!(learner.held(&s.award).len(), 1, "{} holds one award", learner.email);
    }
    for learner in &s.others {
        assert!(learner.held(&s.award).is_empty(), "{} holds no award", learner.email);
    }
}

#[test]
fn a_registration_back_fill_runs_in_chunks_and_reports_its_progress() {
    let app = TestApp::builder().job_chunk(2).spawn();
    let s = setup(&app, 3, 2);
    let registered = s.uni.issuer.post(&s.uni.path("pathways"), &one_badge(&s));
    assert_eq!(registered.status, 201, "{}", registered.text);
    // The pathway itself is in force at once; its job follows.
    let pathway = registered.id();
    assert_eq!(registered.body["version"], 1);
    let link = &registered.body["job"];
    assert!(["queued", "running", "succeeded"].contains(&link["state"].as_str().unwrap()), "{link}");
    assert_eq!(link["url"], app.url(&format!("/v1/jobs/{}", link["id"].as_str().unwrap())));

    let job = s.uni.issuer.wait_for_job(link);
    assert_eq!(job["state"], "succeeded", "{job}");
    assert_eq!(job["kind"], "pathway_backfill");
    assert_eq!(job["pathway"], pathway.as_str());
    assert_eq!(job["learners_total"], 5);
    assert_eq!(job["learners_done"], 5);
    assert_eq!(job["awards_issued"], 3);
    assert_eq!(job["errors"], json!([]));
    assert_eq!(job["result"], Value::Null, "a back-fill has no result figures");
    assert!(job["finished_at"].is_string(), "{job}");
    assert_awarded_once(&s);

    // An update is a job of its own; nobody is awarded twice.
    let updated = s.uni.issuer.put(&format!("/v1/pathways/{pathway}"), &one_badge(&s));
    assert_eq!(updated.status, 200, "{}", updated.text);
    assert_eq!(updated.body["version"], 2);
    assert_ne!(updated.body["job"]["id"], link["id"]);
    let again = s.uni.issuer.wait_for_job(&updated.body["job"]);
    assert_eq!(again["state"], "succeeded", "{again}");
    assert_eq!(again["learners_done"], 5);
    assert_eq!(again["awards_issued"], 0, "{again}");
    assert_awarded_once(&s);
}

#[test]
fn a_dry_run_answers_202_with_the_job_and_its_result_when_finished() {
    let app = TestApp::builder().job_chunk(2).spawn();
    let s = setup(&app, 3, 2);
    let started = s.uni.issuer.post(&s.uni.path("pathways/dry-run"), &one_badge(&s));
    assert_eq!(started.status, 202, "{}", started.text);
    let id = started.id();
    assert_eq!(started.header("location"), Some(format!("/v1/jobs/{id}").as_str()));
    assert_eq!(started.body["url"], app.url(&format!("/v1/jobs/{id}")));
    assert!(started.body["state"].is_string(), "{}", started.text);

    let job = s.uni.issuer.wait_for_job(&started.body);
    assert_eq!(job["state"], "succeeded", "{job}");
    assert_eq!(job["kind"], "dry_run_new");
    assert_eq!((job["learners_done"].clone(), job["learners_total"].clone(), job["awards_issued"].clone()), (json!(5), json!(5), json!(0)));
    let result = &job["result"];
    assert_eq!(result["learners_evaluated"], 5, "{job}");
    assert_eq!(result["would_complete"], 3);
    assert_eq!(result["already_awarded"], 0);
    assert_eq!(result["in_progress"], 0);
    assert!(result["evaluated_at"].is_string());
    for learner in &s.qualifying {
        assert!(learner.held(&s.award).is_empty(), "a dry run awards nobody");
    }

    // A dry run of a change counts who already holds the current version's award.
    let pathway = s.uni.pathway(&one_badge(&s));
    let change = s.uni.issuer.post(&format!("/v1/pathways/{pathway}/dry-run"), &one_badge(&s));
    assert_eq!(change.status, 202, "{}", change.text);
    let job = s.uni.issuer.wait_for_job(&change.body);
    assert_eq!(job["kind"], "dry_run_change");
    assert_eq!(job["result"]["would_complete"], 3, "{job}");
    assert_eq!(job["result"]["already_awarded"], 3, "{job}");
    assert_eq!(app.get(&format!("/v1/pathways/{pathway}"), None).body["version"], 1, "a dry run changes nothing");
}

#[test]
fn a_job_is_seen_by_its_starter_and_the_staff_of_its_institution_only() {
    let app = TestApp::spawn();
    let s = setup(&app, 1, 0);
    let started = s.uni.issuer.post(&s.uni.path("pathways/dry-run"), &one_badge(&s));
    assert_eq!(started.status, 202, "{}", started.text);
    let path = format!("/v1/jobs/{}", started.id());
    // The starter, and another issuer of the same institution.
    s.uni.issuer.wait_for_job(&started.body);
    let colleague = s.uni.another_issuer("colleague@queue.example");
    let seen = colleague.get(&path);
    assert_eq!(seen.status, 200, "{}", seen.text);
    assert_eq!(seen.body["id"], started.body["id"]);
    // Nobody else: another institution's issuer, a learner, the administrator.
    let elsewhere = app.institution("Elsewhere");
    elsewhere.issuer.get(&path).assert_problem(404);
    s.qualifying[0].get(&path).assert_problem(404);
    app.admin().get(&path).assert_problem(404);
    app.get(&path, None).assert_problem(401);
    // An unknown or malformed id is the same 404.
    s.uni.issuer.get("/v1/jobs/01234567-89ab-7def-8123-456789abcdef").assert_problem(404);
    s.uni.issuer.get("/v1/jobs/not-a-job").assert_problem(404);
}

#[test]
fn a_retried_chunk_issues_no_award_twice() {
    let app = TestApp::builder().job_chunk(2).spawn();
    let s = setup(&app, 3, 1);
    let registered = s.uni.issuer.post(&s.uni.path("pathways"), &one_badge(&s));
    let job = s.uni.issuer.wait_for_job(&registered.body["job"]);
    assert_eq!(job["awards_issued"], 3, "{job}");
    // As if the worker had died after issuing but before recording the
    // chunks: the job is queued again from the start, its awards kept.
    let id = job["id"].as_str().unwrap();
    let mut conn = app.database_url().connect().unwrap();
    diesel::RunQueryDsl::execute(
        diesel::sql_query(format!(
            "UPDATE jobs SET state = 'queued', cursor = NULL, learners_done = 0, awards_issued = 0, finished_at = NULL WHERE id = '{id}'"
        )),
        &mut conn,
    )
    .unwrap();
    let rerun = s.uni.issuer.wait_for_job(&registered.body["job"]);
    assert_eq!(rerun["state"], "succeeded", "{rerun}");
    assert_eq!(rerun["learners_done"], 4);
    assert_eq!(rerun["awards_issued"], 0, "every award already existed: {rerun}");
    assert_eq!(rerun["attempts"], 2);
    assert_awarded_once(&s);
}

/// The job at `path` once its first chunk is recorded, and before its last
/// (the tests that interrupt a job need it in the middle).
fn first_chunk_recorded(s: &Setup, path: &str) -> Value {
    loop {
        let job = s.uni.issuer.get(path);
        assert_eq!(job.status, 200, "{}", job.text);
        assert_ne!(job.body["state"], "succeeded", "the job finished before it could be interrupted: {}", job.text);
        if job.body["learners_done"].as_i64().unwrap() > 0 {
            return job.body;
        }
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
}

/// Kills the service in the middle of a back-fill (`SIGKILL`: the chunk in
/// flight never commits), starts it again on the same database, and sees
/// the job taken up again after its lease ran out, resumed after its
/// cursor, and finished with every award issued exactly once.
#[test]
fn a_job_whose_worker_was_killed_finishes_after_a_restart_with_each_award_issued_once() {
    // Small chunks with a pause between them, so the kill lands mid-job.
    let app = TestApp::builder().child_process(&[("CAIRN_JOB_CHUNK", "4"), ("CAIRN_JOB_LEASE_SECONDS", "1"), ("CAIRN_JOB_PAUSE_MS", "300")]).spawn();
    let s = setup(&app, 24, 8);
    let registered = s.uni.issuer.post(&s.uni.path("pathways"), &one_badge(&s));
    assert_eq!(registered.status, 201, "{}", registered.text);
    let path = app.path_of(registered.body["job"]["url"].as_str().unwrap()).to_owned();

    let before = first_chunk_recorded(&s, &path);
    app.kill_service();
    assert!(before["learners_done"].as_i64().unwrap() < 32, "{before}");
    assert_eq!(before["attempts"], 1);

    app.restart_service();
    // Tokens outlive the restart: the keys are in the data directory.
    let job = s.uni.issuer.wait_for_job(&registered.body["job"]);
    assert_eq!(job["state"], "succeeded", "{job}");
    assert_eq!(job["attempts"], 2, "claimed again after the restart: {job}");
    assert_eq!(job["learners_total"], 32);
    assert_eq!(job["learners_done"], 32, "{job}");
    assert_eq!(job["awards_issued"], 24, "{job}");
    assert_eq!(job["errors"], json!([]));
    assert_awarded_once(&s);
}

/// Stops the service in the middle of a back-fill, as SIGTERM does: the
/// worker finishes its chunk and gives the job back (queued, its claim not
/// counted, no lease left to run out) instead of being cut off; another
/// node then takes it up at once, resumes after the cursor and issues each
/// award once.
#[test]
fn a_job_whose_service_stopped_goes_back_to_the_queue_and_another_node_finishes_it() {
    let app = TestApp::builder().job_chunk(4).job_pause(std::time::Duration::from_millis(300)).spawn();
    let s = setup(&app, 24, 8);
    let registered = s.uni.issuer.post(&s.uni.path("pathways"), &one_badge(&s));
    assert_eq!(registered.status, 201, "{}", registered.text);
    let path = app.path_of(registered.body["job"]["url"].as_str().unwrap()).to_owned();
    let before = first_chunk_recorded(&s, &path);
    app.stop_service();
    let id: cairn_domain::JobId = before["id"].as_str().unwrap().parse().unwrap();
    let mut conn = app.database_url().connect().unwrap();
    let stopped = jobs::find(&mut conn, id).unwrap().unwrap();
    assert_eq!(stopped.state, jobs::JobState::Queued, "given back: {stopped:?}");
    assert_eq!((stopped.lease_owner.as_deref(), stopped.lease_until, stopped.attempts), (None, None, 0), "{stopped:?}");
    assert!(stopped.learners_done > 0 && stopped.learners_done < 32, "stopped between chunks: {stopped:?}");

    let node = app.second_node();
    let s = Setup {
        uni: s.uni.on(&node),
        qualifying: s.qualifying.iter().map(|l| l.on(&node)).collect(),
        others: s.others.iter().map(|l| l.on(&node)).collect(),
        ..s
    };
    let job = s.uni.issuer.wait_for_job(&registered.body["job"]);
    assert_eq!(job["state"], "succeeded", "{job}");
    assert_eq!(job["attempts"], 1, "one claim counted, the other node's: {job}");
    assert_eq!(job["learners_done"], 32, "{job}");
    assert_eq!(job["awards_issued"], 24, "{job}");
    assert_awarded_once(&s);
}

/// Not a test: the service of a child process (see `TestAppBuilder::
/// child_process`). Outside a child it returns at once.
#[test]
#[ignore = "the entry of a child service process, run by tests that kill the service"]
fn serve_as_a_child_process() {
    assert_eq!(CHILD_TEST, concat!(module_path!(), "::serve_as_a_child_process").trim_start_matches("e2e::"));
    cairn_tests::serve_if_child();
}
