//! E-mail verification (issue 11, item 2): registering an address does not
//! make it the learner's; credentials issued to it wait in the claim flow
//! until the learner confirms it with the code mailed to it.

use cairn_tests::service::DEMO_PASSWORD;
use cairn_tests::{AchievementBuilder, Institution, IssueRequest, PASSWORD, Pathway, Rule, TestApp, verification_code_in};
use serde_json::{Value, json};

/// An institution with an issuer and two achievements.
struct Lakeside {
    lakeside: Institution,
    achievements: [String; 2],
}

fn institution(app: &TestApp) -> Lakeside {
    let lakeside = app.institution("Lakeside University");
    let achievements = ["Statistics", "Data Visualisation"].map(|name| lakeside.achievement(&AchievementBuilder::micro(name).criteria("Pass.")));
    Lakeside { lakeside, achievements }
}

fn issue_to_email(i: &Lakeside, achievement: &str, email: &str) -> Value {
    i.lakeside.issue_with(&IssueRequest::new(achievement).to_email(email))
}

#[test]
fn an_unconfirmed_address_collects_nothing_until_its_owner_confirms_it_over_smtp() {
    let app = TestApp::builder().with_mail_sink().spawn();
    let i = institution(&app);
    let learner = app.learner_unconfirmed("victim@example.org");
    let id = learner.id.clone();
    let me = learner.get("/v1/me");
    assert_eq!(me.body["email_verified"], false, "{}", me.text);

    // The registration mail went through the SMTP server on loopback.
    let mails = app.mails_to("victim@example.org");
    assert_eq!(mails.len(), 1, "one verification mail");
    assert!(mails[0].contains("Subject: Confirm your e-mail address"), "{}", mails[0]);
    let code = verification_code_in(&mails[0]).unwrap();

    // Issued to the address: it waits for a claim, not in the registrant's wallet.
    let waiting = issue_to_email(&i, &i.achievements[0], "victim@example.org");
    assert!(waiting["learner"].is_null(), "{waiting}");
    let claim_code = waiting["claim_code"].as_str().expect("a claim code").to_owned();
    assert!(learner.credential_ids().is_empty(), "the credential must not land in an unconfirmed account");

    // Wrong codes change nothing.
    for wrong in ["", "not-the-code", &format!("{code}x")] {
        app.post("/v1/auth/verify-email", None, &json!({ "code": wrong })).assert_problem(422);
    }
    assert_eq!(learner.get("/v1/me").body["email_verified"], false);

    // The code from the delivered mail confirms the address and moves the
    // waiting credential in, re-signed with the learner as subject.
    let confirmed = app.post("/v1/auth/verify-email", None, &json!({ "code": code }));
    assert_eq!(confirmed.status, 200, "{}", confirmed.text);
    assert_eq!(confirmed.body["account"]["id"], id.as_str());
    assert_eq!(confirmed.body["account"]["email_verified"], true);
    let claimed = confirmed.body["claimed"].as_array().unwrap();
    assert_eq!(claimed.len(), 1, "{}", confirmed.text);
    assert_eq!(claimed[0]["id"], waiting["id"]);
    assert_eq!(claimed[0]["learner"], id.as_str());
    assert_eq!(claimed[0]["ob3"]["credentialSubject"]["id"], format!("urn:uuid:{id}"));
    assert_eq!(claimed[0]["verification"]["verified"], true, "{}", claimed[0]);
    assert_eq!(learner.credential_ids(), vec![waiting["id"].as_str().unwrap().to_owned()]);
    assert_eq!(learner.get("/v1/me").body["email_verified"], true);

    // Single use; and the moved credential's claim code is spent.
    let reused = app.post("/v1/auth/verify-email", None, &json!({ "code": code }));
    reused.assert_problem(422);
    assert_eq!(reused.body["errors"][0]["field"], "code");
    learner.post("/v1/me/claims", &json!({ "code": claim_code })).assert_problem(404);

    // From now on the address is theirs: a new issue lands directly.
    let direct = issue_to_email(&i, &i.achievements[1], "Victim@Example.org");
    assert_eq!(direct["learner"], id.as_str(), "{direct}");
    assert!(direct.get("claim_code").is_none());
    assert_eq!(learner.credential_ids().len(), 2);
    // No further verification mail went out (the notifications of the
    // issues are another matter: tests/e2e/notifications.rs).
    assert_eq!(app.mails_to("victim@example.org").iter().filter(|m| verification_code_in(m).is_some()).count(), 1);
}

#[test]
fn an_unconfirmed_learner_can_still_redeem_a_claim_code() {
    let app = TestApp::spawn();
    let i = institution(&app);
    let learner = app.learner_unconfirmed("newcomer@example.org");
    let waiting = issue_to_email(&i, &i.achievements[0], "newcomer@example.org");
    let claimed = learner.post("/v1/me/claims", &json!({ "code": waiting["claim_code"] }));
    assert_eq!(claimed.status, 200, "{}", claimed.text);
    assert_eq!(claimed.body["learner"], learner.id.as_str());
    // Confirming later finds nothing left waiting, and leaves the wallet as it is.
    let confirmed = app.post("/v1/auth/verify-email", None, &json!({ "code": app.verification_code("newcomer@example.org") }));
    assert_eq!(confirmed.status, 200, "{}", confirmed.text);
    assert_eq!(confirmed.body["claimed"], json!([]));
    assert_eq!(learner.credential_ids().len(), 1);
}

#[test]
fn confirming_runs_the_automatic_awards_like_a_claim() {
    let app = TestApp::spawn();
    let i = institution(&app);
    let award = i.lakeside.achievement(&AchievementBuilder::award("Data Award").description("Both.").criteria("Earn both."));
    i.lakeside.pathway(
        &Pathway::new("data-award", "Data Award", &award, Rule::count(2).of_type("MicroCredential"))
            .description("Both micro-credentials.")
            .issuance("automatic")
            .on_constituent_revoked("revoke"),
    );
    let learner = app.learner_unconfirmed("maya@example.org");
    for achievement in &i.achievements {
        assert!(issue_to_email(&i, achievement, "maya@example.org")["claim_code"].is_string());
    }
    let confirmed = app.post("/v1/auth/verify-email", None, &json!({ "code": app.verification_code("maya@example.org") }));
    assert_eq!(confirmed.status, 200, "{}", confirmed.text);
    assert_eq!(confirmed.body["claimed"].as_array().unwrap().len(), 2);
    let wallet = learner.get("/v1/me/wallet").body;
    let awards: Vec<&Value> = wallet["credentials"].as_array().unwrap().iter().filter(|c| c["achievement"] == award.as_str()).collect();
    assert_eq!(awards.len(), 1, "the completed pathway's award is issued once: {wallet}");
}

#[test]
fn a_code_confirms_once_under_concurrent_use() {
    let app = TestApp::spawn();
    let i = institution(&app);
    let learner = app.learner_unconfirmed("rae@example.org");
    issue_to_email(&i, &i.achievements[0], "rae@example.org");
    let code = app.verification_code("rae@example.org");
    let statuses: Vec<u16> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..8).map(|_| scope.spawn(|| app.post("/v1/auth/verify-email", None, &json!({ "code": code })).status)).collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    assert_eq!(statuses.iter().filter(|s| **s == 200).count(), 1, "{statuses:?}");
    assert!(statuses.iter().all(|s| *s == 200 || *s == 422 || *s == 503), "{statuses:?}");
    assert_eq!(learner.credential_ids().len(), 1, "the waiting credential moved in once");
}

#[test]
fn a_new_code_replaces_the_old_one_and_resending_is_limited() {
    let app = TestApp::spawn();
    let learner = app.learner_unconfirmed("lin@example.org");
    let first = app.verification_code("lin@example.org");
    let resent = learner.post("/v1/me/email-verification", &json!({}));
    assert_eq!(resent.status, 202, "{}", resent.text);
    assert_eq!(resent.body["email"], "lin@example.org");
    assert!(resent.body["expires_at"].is_string());
    assert_eq!(app.mails_to("lin@example.org").len(), 2);
    let second = app.verification_code("lin@example.org");
    assert_ne!(first, second);
    app.post("/v1/auth/verify-email", None, &json!({ "code": first })).assert_problem(422);
    let confirmed = app.post("/v1/auth/verify-email", None, &json!({ "code": second }));
    assert_eq!(confirmed.status, 200, "{}", confirmed.text);
    // Nothing to resend once confirmed.
    learner.post("/v1/me/email-verification", &json!({})).assert_problem(409);

    // Only learners; and at most 5 an hour.
    app.admin().post("/v1/me/email-verification", &json!({})).assert_problem(403);
    app.post("/v1/me/email-verification", None, &json!({})).assert_problem(401);
    let other = app.learner_unconfirmed("sam@example.org");
    for _ in 0..5 {
        assert_eq!(other.post("/v1/me/email-verification", &json!({})).status, 202);
    }
    let limited = other.post("/v1/me/email-verification", &json!({}));
    limited.assert_problem(429);
    assert!(limited.header("Retry-After").is_some());
    // The refused call replaced nothing: the last mailed code still works.
    let confirmed = app.post("/v1/auth/verify-email", None, &json!({ "code": app.verification_code("sam@example.org") }));
    assert_eq!(confirmed.status, 200, "{}", confirmed.text);
}

#[test]
fn the_outbox_holds_one_eml_per_message_and_the_log_does_not_need_the_code() {
    let app = TestApp::spawn();
    app.learner_unconfirmed("ola@example.org");
    let files: Vec<_> = std::fs::read_dir(app.data_dir.join("outbox")).unwrap().map(|e| e.unwrap().path()).collect();
    assert_eq!(files.len(), 1, "{files:?}");
    assert_eq!(files[0].extension().unwrap(), "eml");
    let text = std::fs::read_to_string(&files[0]).unwrap();
    assert!(text.contains("From: Cairn <no-reply@localhost>"), "{text}");
    assert!(verification_code_in(&text).is_some_and(|c| c.len() >= 32), "{text}");
}

#[test]
fn registration_succeeds_when_the_mail_server_is_down_and_the_code_can_be_resent_later() {
    // A port with nothing listening.
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let app = TestApp::builder().smtp_url(format!("smtp://127.0.0.1:{port}")).spawn();
    let registered = app.post("/v1/auth/register", None, &json!({ "email": "kim@example.org", "password": PASSWORD, "name": "Kim" }));
    assert_eq!(registered.status, 201, "{}", registered.text);
    assert_eq!(registered.body["email_verified"], false);
    let learner = app.session(app.token("kim@example.org", PASSWORD));
    assert_eq!(learner.get("/v1/me").body["email_verified"], false);
    // Asking again while the server is still down says so, without losing anything.
    learner.post("/v1/me/email-verification", &json!({})).assert_problem(500);
    assert_eq!(learner.get("/v1/me").status, 200);
}

#[test]
fn accounts_made_by_an_administrator_and_demo_learners_count_as_confirmed() {
    let app = TestApp::spawn();
    let admin = app.admin();
    assert_eq!(admin.get("/v1/me").body["email_verified"], true);
    let staff = app.institution("Acme").issuer;
    assert_eq!(staff.get("/v1/me").body["email_verified"], true);

    let demo = TestApp::demo();
    let ada = demo.token("ada@learners.example", DEMO_PASSWORD);
    assert_eq!(demo.get("/v1/me", Some(&ada)).body["email_verified"], true);
}

mod backfill {
    use cairn_tests::TestDb;
    use cairn_tests::service::DatabaseUrl;
    use diesel::sql_types::BigInt;
    use diesel::{Connection, PgConnection, QueryableByName, RunQueryDsl, SqliteConnection};
    use diesel_migrations::{EmbeddedMigrations, MigrationHarness, embed_migrations};

    const SQLITE: EmbeddedMigrations = embed_migrations!("../migrations/sqlite");
    const POSTGRES: EmbeddedMigrations = embed_migrations!("../migrations/postgres");
    const VERIFICATION: &str = "20261201000006";

    #[derive(QueryableByName)]
    struct Count {
        #[diesel(sql_type = BigInt)]
        n: i64,
    }

    /// Reverts down to before the e-mail verification migration, adds an
    /// account as it was then, migrates again; returns (verified, total).
    macro_rules! round_trip {
        ($conn:expr, $migrations:expr) => {{
            let conn = $conn;
            conn.run_pending_migrations($migrations).unwrap();
            loop {
                let reverted = conn.revert_last_migration($migrations).unwrap();
                if reverted.to_string() == VERIFICATION {
                    break;
                }
            }
            diesel::sql_query(
                "INSERT INTO users (id, email, name, password_hash, role, org_id, created_at) \
                 VALUES ('018f0000-0000-7000-8000-000000000001', 'old@example.org', 'Old', 'x', 'learner', NULL, '2026-01-01 00:00:00')",
            )
            .execute(conn)
            .unwrap();
            conn.run_pending_migrations($migrations).unwrap();
            let mut count = |sql: &str| diesel::sql_query(sql).get_result::<Count>(conn).unwrap().n;
            let verified = count("SELECT COUNT(*) AS n FROM users WHERE email_verified_at IS NOT NULL");
            (verified, count("SELECT COUNT(*) AS n FROM users"))
        }};
    }

    /// Accounts that predate the rule keep their addresses.
    #[test]
    fn existing_accounts_are_marked_verified_by_the_migration() {
        let dir = tempfile::tempdir().unwrap();
        let db = TestDb::fresh(dir.path());
        let (verified, total) = match &db.url {
            DatabaseUrl::Sqlite(path) => round_trip!(&mut SqliteConnection::establish(&path.to_string_lossy()).unwrap(), SQLITE),
            DatabaseUrl::Postgres(raw) => {
                round_trip!(&mut PgConnection::establish(raw).unwrap(), POSTGRES)
            }
        };
        assert_eq!((verified, total), (1, 1));
    }
}
