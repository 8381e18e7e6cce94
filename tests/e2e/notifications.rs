//! E-mail to learners (issue 17, item 4), against a real SMTP server on
//! loopback: each kind of message arrives once with a link that works, a
//! learner who turned a kind off gets none of it, a restart with queued
//! mail loses and duplicates nothing, a failed delivery is retried and in
//! the end given up on.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use cairn_tests::service::mail_outbox::{self, Standing};
use cairn_tests::{
    AchievementBuilder, Institution, IssueRequest, Learner, MailSink, PASSWORD, PageClient, Pathway, Rule, TestApp, addressed_to, free_port,
    header_value, html_part, text_part,
};
use serde_json::json;

/// Waits (bounded, so a broken worker fails the test rather than hangs it)
/// until `check` finds what it looks for.
fn wait_for<T>(what: &str, mut check: impl FnMut() -> Option<T>) -> T {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        if let Some(found) = check() {
            return found;
        }
        assert!(Instant::now() < deadline, "gave up waiting for {what}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Every outbox row, oldest first.
fn outbox(app: &TestApp) -> Vec<Standing> {
    let mut conn = app.database_url().connect().unwrap();
    mail_outbox::standings(&mut conn).unwrap()
}

/// The outbox once nothing in it is queued any more.
fn settled(app: &TestApp) -> Vec<Standing> {
    wait_for("the outbox to settle", || {
        let rows = outbox(app);
        rows.iter().all(|row| row.state != "queued").then_some(rows)
    })
}

fn subject_of(mail: &str) -> String {
    let headers = mail.split("\r\n\r\n").next().unwrap_or_default();
    header_value(headers, "subject").unwrap_or_default()
}

/// The one mail to `email` with `subject`, once it arrived.
fn mail_with(app: &TestApp, email: &str, subject: &str) -> String {
    wait_for(&format!("the mail {subject:?} to {email}"), || app.mails_to(email).into_iter().find(|m| subject_of(m) == subject))
}

/// The URL on the line after `label:` in a mail's text part.
fn link_after(text: &str, label: &str) -> String {
    let after = text.split(&format!("{label}:")).nth(1).unwrap_or_else(|| panic!("no {label:?} in {text}"));
    after.lines().map(str::trim).find(|l| !l.is_empty()).unwrap().to_owned()
}

/// Lakeside with two micro-credentials (the first with an issuing message)
/// and an automatic award for both.
struct Lakeside {
    lakeside: Institution,
    statistics: String,
    visualisation: String,
}

const MESSAGE: &str = "Well done <3 & welcome to the programme!";

fn lakeside(app: &TestApp) -> Lakeside {
    let lakeside = app.institution("Lakeside University");
    let statistics = lakeside.achievement(&AchievementBuilder::micro("Statistics").criteria("Pass.").issuing_message(MESSAGE));
    let visualisation = lakeside.achievement(&AchievementBuilder::micro("Data Visualisation").criteria("Pass."));
    let award = lakeside.achievement(&AchievementBuilder::award("Data Award").description("Both.").criteria("Earn both."));
    lakeside.pathway(
        &Pathway::new("data-award", "Data Award", &award, Rule::count(2).of_type("MicroCredential"))
            .description("Both micro-credentials.")
            .issuance("automatic")
            .on_constituent_revoked("revoke"),
    );
    Lakeside { lakeside, statistics, visualisation }
}

fn award_id(learner: &Learner, except: &[&str]) -> String {
    learner.credential_ids().into_iter().find(|id| !except.contains(&id.as_str())).unwrap()
}

#[test]
fn each_kind_of_mail_arrives_once_with_its_link() {
    let app = TestApp::builder().with_mail_sink().spawn();
    let w = lakeside(&app);
    let ada = app.learner("ada");
    let url = &app.public_url;

    // Issued: the achievement's message, a link to the credential, both parts.
    let statistics = w.lakeside.issue(&ada.id, &w.statistics)["id"].as_str().unwrap().to_owned();
    let mail = mail_with(&app, &ada.email, "You earned Statistics");
    let text = text_part(&mail);
    assert!(text.contains(MESSAGE), "{text}");
    assert_eq!(link_after(&text, "See it in your wallet"), format!("{url}/wallet/credentials/{statistics}"));
    let html = html_part(&mail);
    let escaped = ["Well done &lt;3 &amp; welcome", "Well done &#60;3 &#38; welcome"];
    assert!(escaped.iter().any(|e| html.contains(e)) && !html.contains("<3"), "the HTML part escapes the institution's text: {html}");
    assert!(html.contains(&format!("href=\"{url}/wallet/credentials/{statistics}\"")), "{html}");
    assert!(mail.contains("multipart/alternative"), "{mail}");
    let pages = PageClient::signed_in(&app, &ada.email, PASSWORD);
    pages.get(&format!("/wallet/credentials/{statistics}")).assert_page(200).assert_contains("Statistics");

    // The second completes the pathway: its own mail and the award's.
    let visualisation = w.lakeside.issue(&ada.id, &w.visualisation)["id"].as_str().unwrap().to_owned();
    mail_with(&app, &ada.email, "You earned Data Visualisation");
    let award = award_id(&ada, &[&statistics, &visualisation]);
    let mail = mail_with(&app, &ada.email, "You earned the award Data Award");
    assert_eq!(link_after(&text_part(&mail), "See your award"), format!("{url}/wallet/credentials/{award}"));

    // Status changes, with the reason, to the holder.
    assert_eq!(w.lakeside.try_change(&statistics, "suspend", "Under review").status, 200);
    let text = text_part(&mail_with(&app, &ada.email, "Statistics was suspended"));
    assert!(text.contains("The reason given: Under review"), "{text}");
    assert_eq!(w.lakeside.try_change(&statistics, "reinstate", "Cleared").status, 200);
    assert!(text_part(&mail_with(&app, &ada.email, "Statistics was reinstated")).contains("Cleared"));
    assert_eq!(w.lakeside.try_change(&statistics, "revoke", "Issued in error").status, 200);
    assert!(text_part(&mail_with(&app, &ada.email, "Statistics was revoked")).contains("Issued in error"));
    // The award that stood on it went with it, and says so too.
    mail_with(&app, &ada.email, "Data Award was revoked");

    // A share request: the link opens the answer form for it.
    let northfield = app.employer("Northfield Analytics");
    ada.put("/v1/me/discoverable", &json!({ "discoverable": true }));
    let request = northfield.post("/v1/talent/requests", &json!({ "learner": ada.id, "message": "We are hiring analysts." }));
    assert_eq!(request.status, 201, "{}", request.text);
    let mail = mail_with(&app, &ada.email, "Northfield Analytics asks for a share of your record");
    let text = text_part(&mail);
    assert!(text.contains("We are hiring analysts."), "{text}");
    let link = link_after(&text, "Answer the request");
    assert_eq!(link, format!("{url}/shares?request={}", request.id()));
    pages.get(app.path_of(&link)).assert_page(200).assert_contains(&format!("value=\"{}\"", request.id()));

    // Each arrived once, with an id of its own; nothing else was sent to her.
    let rows = settled(&app);
    assert!(rows.iter().all(|r| r.state == "sent" && !r.has_body), "{rows:?}");
    let mails = app.mails_to(&ada.email);
    let mut subjects: BTreeMap<String, usize> = BTreeMap::new();
    for mail in &mails {
        *subjects.entry(subject_of(mail)).or_default() += 1;
    }
    assert!(subjects.values().all(|n| *n == 1), "{subjects:?}");
    let ids: std::collections::BTreeSet<String> =
        mails.iter().filter_map(|m| header_value(m.split("\r\n\r\n").next().unwrap(), "message-id")).collect();
    assert_eq!(ids.len(), rows.len(), "a Message-ID per outbox row: {ids:?}");
    for row in &rows {
        assert!(ids.iter().any(|id| id.contains(&row.id.to_string())), "the Message-ID is derived from row {}: {ids:?}", row.id);
    }
}

#[test]
fn a_claim_mail_links_to_the_claim_form_and_the_link_claims_it() {
    let app = TestApp::builder().with_mail_sink().spawn();
    let w = lakeside(&app);
    let issued = w.lakeside.issue_with(&IssueRequest::new(&w.statistics).to_email("newcomer@example.org"));
    let id = issued["id"].as_str().unwrap().to_owned();
    let code = issued["claim_code"].as_str().unwrap().to_owned();

    let mail = mail_with(&app, "newcomer@example.org", "Lakeside University issued you Statistics");
    let text = text_part(&mail);
    assert!(text.contains(MESSAGE), "{text}");
    let link = link_after(&text, "Claim your credential");
    let encoded: String = form_urlencoded::byte_serialize(code.as_bytes()).collect();
    assert_eq!(link, format!("{}/wallet?claim={encoded}", app.public_url));
    let path = app.path_of(&link).to_owned();

    // Signed out, the link asks to sign in and comes back to itself.
    let signed_out = PageClient::new(&app).get(&path);
    assert_eq!(signed_out.status, 303, "{}", signed_out.text);
    assert!(signed_out.header("location").is_some_and(|l| l.starts_with("/sign-in?next=")), "{:?}", signed_out.headers);

    // Signed in (with another address: the code is what proves it), the
    // form comes filled in, and sending it claims the credential.
    let learner = app.learner("maria");
    let pages = PageClient::signed_in(&app, &learner.email, PASSWORD);
    pages.get(&path).assert_page(200).assert_contains(&format!("value=\"{code}\""));
    pages.submit(&path, "/wallet/claim", &[("code", &code)]).assert_redirect(&format!("/wallet/credentials/{id}"));
    assert_eq!(learner.credential_ids(), vec![id]);

    // The code is not kept once the mail went out.
    let rows = settled(&app);
    let claim = rows.iter().find(|r| r.recipient_email == "newcomer@example.org").unwrap();
    assert_eq!((claim.state.as_str(), claim.kind.as_str(), claim.has_body), ("sent", "issued", false));
    assert_eq!(app.mails_to("newcomer@example.org").len(), 1);
}

#[test]
fn a_learner_who_turned_a_kind_off_gets_none_of_it() {
    let app = TestApp::builder().with_mail_sink().spawn();
    let w = lakeside(&app);
    let ada = app.learner("ada");
    let all_on = json!({ "issued": true, "awards": true, "status_changes": true, "share_requests": true });
    assert_eq!(ada.get("/v1/me/notifications").body, all_on);

    // Bad input is refused and changes nothing.
    ada.put("/v1/me/notifications", &json!({ "issued": false })).assert_problem(422);
    ada.put("/v1/me/notifications", &json!({ "issued": false, "awards": true, "status_changes": true, "share_requests": true, "security": false }))
        .assert_problem(422);
    ada.put("/v1/me/notifications", &json!({ "issued": "no", "awards": true, "status_changes": true, "share_requests": true })).assert_problem(422);
    assert_eq!(ada.get("/v1/me/notifications").body, all_on);

    let chosen = json!({ "issued": false, "awards": true, "status_changes": false, "share_requests": true });
    let put = ada.put("/v1/me/notifications", &chosen);
    assert_eq!(put.status, 200, "{}", put.text);
    assert_eq!(put.body, chosen);
    assert_eq!(ada.get("/v1/me/notifications").body, chosen);

    // Turned off: no row is even written, so none can be sent.
    let statistics = w.lakeside.issue(&ada.id, &w.statistics)["id"].as_str().unwrap().to_owned();
    assert_eq!(w.lakeside.try_change(&statistics, "suspend", "Under review").status, 200);
    assert!(outbox(&app).iter().all(|r| r.recipient_email != ada.email), "{:?}", outbox(&app));

    // The settings page turns them on again, through the same use case.
    let pages = PageClient::signed_in(&app, &ada.email, PASSWORD);
    pages
        .get("/settings")
        .assert_page(200)
        .assert_contains("name=\"issued\" value=\"true\">")
        .assert_contains("name=\"awards\" value=\"true\" checked");
    pages.submit("/settings", "/settings/notifications", &[("issued", "true")]).assert_redirect("/settings?saved=1");
    assert_eq!(ada.get("/v1/me/notifications").body, json!({ "issued": true, "awards": false, "status_changes": false, "share_requests": false }));
    w.lakeside.issue(&ada.id, &w.visualisation);
    mail_with(&app, &ada.email, "You earned Data Visualisation");
    // Awards now off: the award the second credential completed mailed nothing.
    let rows = settled(&app);
    let hers: Vec<&Standing> = rows.iter().filter(|r| r.recipient_email == ada.email).collect();
    assert_eq!(hers.len(), 1, "{hers:?}");
    assert_eq!(hers[0].kind, "issued");
    assert!(app.mails_to(&ada.email).iter().all(|m| !subject_of(m).contains("award") && !subject_of(m).contains("suspended")));
}

#[test]
fn a_restart_with_queued_mail_loses_nothing_and_sends_nothing_twice() {
    // SMTP is down at first: the mail queues, each attempt failing.
    let port = free_port();
    let smtp = format!("smtp://127.0.0.1:{port}");
    let app = TestApp::builder()
        .child_process(&[
            ("CAIRN_SMTP_URL", smtp.as_str()),
            ("CAIRN_MAIL_POLL_MS", "20"),
            ("CAIRN_MAIL_RETRY_BASE_MS", "10"),
            ("CAIRN_MAIL_MAX_ATTEMPTS", "30"),
            ("CAIRN_MAIL_LEASE_SECONDS", "2"),
        ])
        .spawn();
    let w = lakeside(&app);
    let learners = app.learners_in_bulk("queued", 3);
    for learner in &learners {
        w.lakeside.issue(&learner.id, &w.statistics);
    }
    w.lakeside.issue_with(&IssueRequest::new(&w.statistics).to_email("waiting@example.org"));
    let mut recipients: Vec<String> = learners.iter().map(|l| l.email.clone()).collect();
    recipients.push("waiting@example.org".into());
    wait_for("every message to have failed once", || {
        let rows = outbox(&app);
        (rows.len() == 4 && rows.iter().all(|r| r.attempts >= 1 && r.last_error.is_some())).then_some(())
    });

    app.kill_service();
    let rows = outbox(&app);
    assert!(rows.iter().all(|r| r.state == "queued" && r.has_body), "nothing sent, nothing lost: {rows:?}");
    app.restart_service();
    // SMTP comes up on the address the service was told about.
    let sink = MailSink::start_on(&format!("127.0.0.1:{port}"));

    let rows = settled(&app);
    assert_eq!(rows.len(), 4, "{rows:?}");
    assert!(rows.iter().all(|r| r.state == "sent" && !r.has_body && r.last_error.is_none()), "{rows:?}");
    assert!(rows.iter().all(|r| r.attempts >= 2), "each was retried after the failures: {rows:?}");
    let received = sink.messages();
    assert_eq!(received.len(), 4, "exactly one message per row");
    for email in &recipients {
        assert_eq!(received.iter().filter(|m| addressed_to(m, email)).count(), 1, "one mail to {email}");
    }
}

#[test]
fn once_the_service_stopped_its_mail_worker_claims_nothing() {
    let app = TestApp::spawn();
    let w = lakeside(&app);
    let before = &app.learners_in_bulk("before", 1)[0];
    w.lakeside.issue(&before.id, &w.statistics);
    assert!(settled(&app).iter().any(|r| r.recipient_email == before.email && r.state == "sent"), "the worker was at work");

    // The server and, with it, its workers: `stop_service` returns once they have stopped.
    app.stop_service();
    let mut conn = app.database_url().connect().unwrap();
    let after = mail_outbox::NewMail {
        event: uuid::Uuid::now_v7(),
        kind: "issued",
        recipient_email: "after@example.org".into(),
        recipient: None,
        subject: "After the stop".into(),
        sealed_body: "sealed".into(),
    };
    mail_outbox::insert_many(&mut conn, &[after], chrono::Utc::now()).unwrap();
    // The test worker polls every 20 ms: many polls' time.
    std::thread::sleep(Duration::from_millis(500));
    let rows = outbox(&app);
    let row = rows.iter().find(|r| r.recipient_email == "after@example.org").unwrap();
    assert_eq!((row.state.as_str(), row.attempts, row.last_error.as_deref()), ("queued", 0, None), "claimed after the stop: {rows:?}");
}

/// The leased queue under the outbox (`store::lease`, shared with jobs and
/// webhook deliveries), driven directly: a lease keeps a row to its
/// worker, only the holder records an outcome, a release gives the row
/// back without counting the attempt, and a lease that ran out passes on.
#[test]
fn a_lease_keeps_a_message_to_its_worker_until_released_or_run_out() {
    let app = TestApp::spawn();
    // No worker of the service's own competes for the row.
    app.stop_service();
    let mut conn = app.database_url().connect().unwrap();
    let now = chrono::Utc::now();
    let mail = mail_outbox::NewMail {
        event: uuid::Uuid::now_v7(),
        kind: "issued",
        recipient_email: "leased@example.org".into(),
        recipient: None,
        subject: "Leased".into(),
        sealed_body: "sealed".into(),
    };
    mail_outbox::insert_many(&mut conn, &[mail], now).unwrap();
    let lease = chrono::TimeDelta::seconds(60);
    let attempts = |conn: &mut _| mail_outbox::standings(conn).unwrap()[0].attempts;

    let held = mail_outbox::claim(&mut conn, "a", now, lease, 10).unwrap();
    assert_eq!(held.len(), 1);
    assert_eq!(held[0].attempts, 1, "a claim counts an attempt");
    let id = held[0].id;
    assert!(mail_outbox::claim(&mut conn, "b", now, lease, 10).unwrap().is_empty(), "held by a");
    assert!(!mail_outbox::any_due(&mut conn, now).unwrap());
    assert!(!mail_outbox::mark_sent(&mut conn, id, "b", now).unwrap(), "only the holder records");
    assert_eq!(mail_outbox::release_unsent(&mut conn, &[id], "b", now).unwrap(), 0, "only the holder releases");
    assert_eq!(mail_outbox::release_unsent(&mut conn, &[id], "a", now).unwrap(), 1);
    assert_eq!(attempts(&mut conn), 0, "a released claim is not an attempt");
    assert!(mail_outbox::any_due(&mut conn, now).unwrap(), "due again at once");

    assert_eq!(mail_outbox::claim(&mut conn, "b", now, lease, 10).unwrap().len(), 1);
    let later = now + lease + chrono::TimeDelta::seconds(1);
    let taken = mail_outbox::claim(&mut conn, "c", later, lease, 10).unwrap();
    assert_eq!((taken.len(), taken[0].attempts), (1, 2), "b's lease ran out: c holds it");
    assert!(!mail_outbox::mark_sent(&mut conn, id, "b", later).unwrap(), "b lost it");
    assert!(mail_outbox::mark_sent(&mut conn, id, "c", later).unwrap());
    let row = &mail_outbox::standings(&mut conn).unwrap()[0];
    assert_eq!((row.state.as_str(), row.has_body), ("sent", false));
    assert!(mail_outbox::claim(&mut conn, "d", later + lease * 2, lease, 10).unwrap().is_empty(), "a sent row is never claimed");
}

#[test]
fn a_message_the_server_keeps_refusing_is_given_up_on_with_its_error() {
    let dead = format!("smtp://127.0.0.1:{}", free_port());
    let app = TestApp::builder().smtp_url(dead).mail_retry(Duration::from_millis(10), 3).spawn();
    let w = lakeside(&app);
    let ada = app.learners_in_bulk("refused", 1).remove(0);
    w.lakeside.issue(&ada.id, &w.statistics);
    let rows = settled(&app);
    assert_eq!(rows.len(), 1, "{rows:?}");
    assert_eq!((rows[0].state.as_str(), rows[0].attempts, rows[0].has_body), ("failed", 3, false));
    assert!(rows[0].last_error.as_deref().is_some_and(|e| e.contains("SMTP")), "{rows:?}");
}
