//! Webhooks against a real receiver on loopback: endpoints registered by
//! staff, deliveries signed by the Standard Webhooks scheme (checked here
//! and by the reference library from PyPI), retried until the receiver
//! answers 2xx with the same `webhook-id`, logged and redelivered; events
//! of one organisation never reach another's endpoint; private addresses
//! refused unless allowed.

use aws_lc_rs::hmac;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use cairn_tests::{AchievementBuilder, Received, TestApp, WebServer};
use serde_json::{Value, json};

/// Checks a delivery's signature the way a receiver would: the secret's
/// bytes, HMAC-SHA256 over `{id}.{timestamp}.{body}`, any `v1,` signature.
fn assert_signed(secret: &str, received: &Received) {
    let key = STANDARD.decode(secret.strip_prefix("whsec_").unwrap()).unwrap();
    let key = hmac::Key::new(hmac::HMAC_SHA256, &key);
    let id = received.header("webhook-id").unwrap();
    let timestamp = received.header("webhook-timestamp").unwrap();
    let age = chrono::Utc::now().timestamp() - timestamp.parse::<i64>().unwrap();
    assert!((-5..300).contains(&age), "timestamp {timestamp} is not now");
    let signed = format!("{id}.{timestamp}.{}", received.text());
    let header = received.header("webhook-signature").unwrap();
    let valid = header.split(' ').filter_map(|s| s.strip_prefix("v1,")).any(|sig| {
        let sig = STANDARD.decode(sig).unwrap();
        hmac::verify(&key, signed.as_bytes(), &sig).is_ok()
    });
    assert!(valid, "signature {header} does not verify");
    let tampered = format!("{id}.{timestamp}.{} ", received.text());
    let sig = STANDARD.decode(header.strip_prefix("v1,").unwrap()).unwrap();
    assert!(hmac::verify(&key, tampered.as_bytes(), &sig).is_err());
}

/// Verifies `received` with the `standardwebhooks` package (tests/webhooks/
/// verify.py) when a python with it is at hand (`CAIRN_TEST_PYTHON`, else
/// `python3`); CI installs it (.ci/webhooks.sh), and under `CI=true` its
/// absence fails the test.
fn verify_with_reference_library(secret: &str, received: &[Received]) {
    let python = std::env::var("CAIRN_TEST_PYTHON").unwrap_or_else(|_| "python3".into());
    let available = std::process::Command::new(&python).args(["-c", "import standardwebhooks"]).output().is_ok_and(|o| o.status.success());
    if !available {
        assert!(std::env::var("CI").as_deref() != Ok("true"), "CI must have the standardwebhooks verifier ({python}; see .ci/webhooks.sh)");
        eprintln!("standardwebhooks is not installed for {python}: the reference check is skipped (CI runs it)");
        return;
    }
    let deliveries: Vec<Value> = received
        .iter()
        .map(|r| {
            let headers: serde_json::Map<String, Value> = ["webhook-id", "webhook-timestamp", "webhook-signature"]
                .iter()
                .map(|name| ((*name).to_owned(), json!(r.header(name).unwrap())))
                .collect();
            json!({ "headers": headers, "body": r.text() })
        })
        .collect();
    let input = json!({ "secret": secret, "deliveries": deliveries }).to_string();
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/webhooks/verify.py");
    let mut child = std::process::Command::new(&python)
        .arg(script)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    std::io::Write::write_all(&mut child.stdin.take().unwrap(), input.as_bytes()).unwrap();
    let output = child.wait_with_output().unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "standardwebhooks refused a delivery:\n{stdout}\n{}", String::from_utf8_lossy(&output.stderr));
    assert_eq!(stdout.lines().filter(|l| l.starts_with("verified ")).count(), received.len(), "{stdout}");
}

/// Polls endpoint `hook`'s log until its newest delivery is in `state`.
fn wait_for_state(staff: &cairn_tests::Staff, org: &str, hook: &str, state: &str) -> Value {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    loop {
        let log = staff.get(&format!("/v1/orgs/{org}/webhooks/{hook}/deliveries"));
        assert_eq!(log.status, 200, "{}", log.text);
        let newest = log.body["items"][0].clone();
        if newest["state"] == state {
            return newest;
        }
        assert!(std::time::Instant::now() < deadline, "the delivery never became {state}: {}", log.text);
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
}

#[test]
fn a_receiver_that_fails_twice_gets_the_event_on_the_third_try_signed() {
    let app = TestApp::spawn();
    let receiver = WebServer::start();
    receiver.serve("/hook", 204, "text/plain", "");
    let uni = app.institution("Webhook University");
    let issuer = &uni.issuer;
    let created = issuer.post(
        &format!("/v1/orgs/{}/webhooks", uni.org),
        &json!({ "url": receiver.url("/hook"), "events": ["credential.issued", "credential.revoked"], "description": "registrar" }),
    );
    assert_eq!(created.status, 201, "{}", created.text);
    let secret = created.body["secret"].as_str().unwrap().to_owned();
    assert!(secret.starts_with("whsec_") && STANDARD.decode(&secret[6..]).unwrap().len() >= 24, "{secret}");
    let hook = created.id();
    let shown = issuer.get(&format!("/v1/orgs/{}/webhooks/{hook}", uni.org));
    assert_eq!(shown.body["events"], json!(["credential.issued", "credential.revoked"]));
    assert!(shown.body.get("secret").is_none() && !shown.text.contains(&secret[6..]), "the secret is shown once: {}", shown.text);

    receiver.script("/hook", &[500, 503]);
    let learner = app.learner("hooked@example.org");
    let achievement = uni.achievement(&AchievementBuilder::micro("Hooked"));
    let credential = uni.issue(&learner.id, &achievement)["id"].as_str().unwrap().to_owned();

    let received = receiver.wait_for("/hook", 3);
    assert_eq!(received.iter().map(|r| r.status).collect::<Vec<_>>(), [500, 503, 204]);
    let id = received[0].header("webhook-id").unwrap().to_owned();
    assert!(received.iter().all(|r| r.header("webhook-id") == Some(id.as_str()) && r.method == "POST"), "one stable webhook-id");
    assert!(received.iter().all(|r| r.text() == received[0].text()), "the same message each time");
    for r in &received {
        assert_signed(&secret, r);
    }
    let payload: Value = serde_json::from_slice(&received[0].body).unwrap();
    assert_eq!(payload["type"], "credential.issued");
    assert_eq!(payload["data"]["credential_id"], credential.as_str());
    assert_eq!(payload["data"]["credential_url"], app.url(&format!("/v1/credentials/{credential}")));
    assert_eq!(payload["data"]["org_id"], uni.org.as_str());
    assert!(chrono::DateTime::parse_from_rfc3339(payload["timestamp"].as_str().unwrap()).is_ok());

    // The log: one delivery, three attempts, delivered.
    let delivery = wait_for_state(issuer, &uni.org, &hook, "delivered");
    assert_eq!(delivery["event_id"], id.as_str());
    assert_eq!(delivery["event"], "credential.issued");
    let codes: Vec<&Value> = delivery["attempts"].as_array().unwrap().iter().map(|a| &a["status_code"]).collect();
    assert_eq!(codes, [&json!(500), &json!(503), &json!(204)]);
    assert!(delivery["attempts"][0]["error"].as_str().unwrap().contains("500"));

    // Redelivery: the same message once more.
    let delivery_id = delivery["id"].as_str().unwrap();
    let queued = issuer.post(&format!("/v1/orgs/{}/webhooks/{hook}/deliveries/{delivery_id}/redeliver", uni.org), &json!({}));
    assert_eq!(queued.status, 202, "{}", queued.text);
    let again = receiver.wait_for("/hook", 4);
    assert_eq!(again[3].header("webhook-id"), Some(id.as_str()));
    assert_eq!(again[3].text(), received[0].text());
    assert_signed(&secret, &again[3]);

    // A revocation is subscribed to; a suspension is not.
    let other = uni.issue(&learner.id, &achievement)["id"].as_str().unwrap().to_owned();
    uni.change(&other, "suspend");
    uni.change(&credential, "revoke");
    let all = receiver.wait_for("/hook", 6);
    // Deliveries are sent concurrently: the two arrive in either order.
    let payloads: Vec<Value> = all[4..].iter().map(|r| serde_json::from_slice::<Value>(&r.body).unwrap()).collect();
    let mut types: Vec<&str> = payloads.iter().map(|p| p["type"].as_str().unwrap()).collect();
    types.sort_unstable();
    assert_eq!(types, ["credential.issued", "credential.revoked"]);
    let revoked = payloads.iter().find(|p| p["type"] == "credential.revoked").unwrap();
    assert_eq!(revoked["data"]["credential_id"], credential.as_str());
    assert_eq!(revoked["data"]["status"], "revoked");
    verify_with_reference_library(&secret, &all[3..]);
}

#[test]
fn events_of_one_organisation_never_reach_another() {
    let app = TestApp::spawn();
    let receiver = WebServer::start();
    receiver.serve("/a", 200, "text/plain", "");
    receiver.serve("/b", 200, "text/plain", "");
    let a = app.institution("Alpha College");
    let b = app.institution("Beta College");
    for (uni, path) in [(&a, "/a"), (&b, "/b")] {
        let created =
            uni.issuer.post(&format!("/v1/orgs/{}/webhooks", uni.org), &json!({ "url": receiver.url(path), "events": ["credential.issued"] }));
        assert_eq!(created.status, 201, "{}", created.text);
    }
    let learner = app.learner("both@example.org");
    let from_a = a.issue(&learner.id, &a.achievement(&AchievementBuilder::micro("Alpha")))["id"].as_str().unwrap().to_owned();
    receiver.wait_for("/a", 1);
    let from_b = b.issue(&learner.id, &b.achievement(&AchievementBuilder::micro("Beta")))["id"].as_str().unwrap().to_owned();
    let at_b = receiver.wait_for("/b", 1);
    let at_a = receiver.received("/a");
    assert_eq!((at_a.len(), at_b.len()), (1, 1));
    assert_eq!(serde_json::from_slice::<Value>(&at_a[0].body).unwrap()["data"]["credential_id"], from_a.as_str());
    assert_eq!(serde_json::from_slice::<Value>(&at_b[0].body).unwrap()["data"]["credential_id"], from_b.as_str());
    // B's staff do not see A's endpoints.
    let hooks_a = a.issuer.get(&format!("/v1/orgs/{}/webhooks", a.org));
    assert_eq!(hooks_a.body["items"].as_array().unwrap().len(), 1);
    b.issuer.get(&format!("/v1/orgs/{}/webhooks", a.org)).assert_problem(404);
}

#[test]
fn a_disabled_endpoint_gets_nothing_new_and_keeps_its_log() {
    let app = TestApp::spawn();
    let receiver = WebServer::start();
    receiver.serve("/hook", 200, "text/plain", "");
    let uni = app.institution("Gamma College");
    let hook =
        uni.issuer.post(&format!("/v1/orgs/{}/webhooks", uni.org), &json!({ "url": receiver.url("/hook"), "events": ["credential.issued"] })).id();
    let learner = app.learner("gamma@example.org");
    let achievement = uni.achievement(&AchievementBuilder::micro("Gamma"));
    uni.issue(&learner.id, &achievement);
    let log = format!("/v1/orgs/{}/webhooks/{hook}/deliveries", uni.org);
    assert_eq!(uni.issuer.get(&log).body["items"].as_array().unwrap().len(), 1, "written with the issue");
    let disabled = uni.issuer.delete(&format!("/v1/orgs/{}/webhooks/{hook}", uni.org));
    assert_eq!(disabled.status, 200, "{}", disabled.text);
    assert!(disabled.body["disabled_at"].is_string());
    uni.issue(&learner.id, &achievement);
    assert_eq!(uni.issuer.get(&log).body["items"].as_array().unwrap().len(), 1, "nothing new for a disabled endpoint");
    let listed = uni.issuer.get(&format!("/v1/orgs/{}/webhooks", uni.org));
    assert!(listed.body["items"][0]["disabled_at"].is_string());
}

#[test]
fn registrations_are_validated() {
    let app = TestApp::spawn();
    let uni = app.institution("Delta College");
    let employer = app.employer("Delta Employer");
    let receiver = WebServer::start();
    let url = receiver.url("/hook");
    let register = |staff: &cairn_tests::Staff, org: &str, body: Value| staff.post(&format!("/v1/orgs/{org}/webhooks"), &body);
    let field_of = |response: &cairn_tests::Response| {
        response.assert_problem(422);
        response.body["errors"][0]["field"].as_str().unwrap().to_owned()
    };
    for (body, field) in [
        (json!({ "url": "ftp://example.org/hook", "events": ["credential.issued"] }), "url"),
        (json!({ "url": "not a url", "events": ["credential.issued"] }), "url"),
        (json!({ "url": url, "events": [] }), "events"),
        (json!({ "url": url, "events": ["credential.exploded"] }), "events"),
        (json!({ "url": url, "events": ["share_request.granted"] }), "events"),
        (json!({ "url": url, "events": ["credential.issued"], "description": "x".repeat(501) }), "description"),
    ] {
        assert_eq!(field_of(&register(&uni.issuer, &uni.org, body.clone())), field, "{body}");
    }
    assert_eq!(field_of(&register(&employer.staff, &employer.org, json!({ "url": url, "events": ["credential.issued"] }))), "events");
    let granted = register(&employer.staff, &employer.org, json!({ "url": url, "events": ["share_request.granted"] }));
    assert_eq!(granted.status, 201, "{}", granted.text);
    assert!(uni.issuer.get(&format!("/v1/orgs/{}/webhooks", uni.org)).body["items"].as_array().unwrap().is_empty(), "refusals changed nothing");
    // A cap on endpoints per organisation.
    for n in 0..20 {
        let created = register(&uni.issuer, &uni.org, json!({ "url": format!("{url}{n}"), "events": ["credential.issued"] }));
        assert_eq!(created.status, 201, "{}", created.text);
    }
    register(&uni.issuer, &uni.org, json!({ "url": url, "events": ["credential.issued"] })).assert_problem(409);
}

#[test]
fn private_addresses_are_refused_unless_allowed() {
    let app = TestApp::builder().refuse_private().spawn();
    let uni = app.institution("Epsilon College");
    let receiver = WebServer::start();
    for url in [
        receiver.url("/hook"),
        "http://localhost:9/hook".into(),
        "http://10.1.2.3/hook".into(),
        "http://[::1]/hook".into(),
        "http://169.254.169.254/latest".into(),
    ] {
        let refused = uni.issuer.post(&format!("/v1/orgs/{}/webhooks", uni.org), &json!({ "url": url, "events": ["credential.issued"] }));
        refused.assert_problem(422);
        assert_eq!(refused.body["errors"][0]["field"], "url", "{url}: {}", refused.text);
    }
    // The harness's usual app allows them (CAIRN_WEBHOOKS_ALLOW_PRIVATE=true).
    let allowing = TestApp::spawn();
    let other = allowing.institution("Zeta College");
    let allowed =
        other.issuer.post(&format!("/v1/orgs/{}/webhooks", other.org), &json!({ "url": receiver.url("/hook"), "events": ["credential.issued"] }));
    assert_eq!(allowed.status, 201, "{}", allowed.text);
}

#[test]
fn the_page_registers_an_endpoint_shows_its_secret_once_and_its_deliveries() {
    let app = TestApp::spawn();
    let receiver = WebServer::start();
    receiver.serve("/hook", 204, "text/plain", "");
    let uni = app.institution("Page College");
    let browser = cairn_tests::PageClient::signed_in(&app, &uni.issuer.email, cairn_tests::PASSWORD);
    let url = receiver.url("/hook");
    let registered = browser.submit("/webhooks", "/webhooks", &[("url", url.as_str()), ("event", "credential.issued")]);
    registered.assert_page(201).assert_contains("whsec_");
    let secret = registered.text.split("value=\"whsec_").nth(1).unwrap().split('"').next().unwrap().to_owned();
    let secret = format!("whsec_{secret}");
    browser.get("/webhooks").assert_page(200).assert_contains(&url).assert_not_contains("whsec_");
    // Nothing chosen: the form again, nothing registered.
    browser.submit("/webhooks", "/webhooks", &[("url", url.as_str())]).assert_page(422).assert_contains("Choose at least one event.");

    let hook = uni.issuer.get(&format!("/v1/orgs/{}/webhooks", uni.org)).body["items"][0]["id"].as_str().unwrap().to_owned();
    let learner = app.learner("paged@example.org");
    uni.issue(&learner.id, &uni.achievement(&AchievementBuilder::micro("Paged")));
    let first = receiver.wait_for("/hook", 1);
    assert_signed(&secret, &first[0]);
    wait_for_state(&uni.issuer, &uni.org, &hook, "delivered");
    let log = browser.get(&format!("/webhooks/{hook}"));
    log.assert_page(200).assert_contains("A credential was issued").assert_contains("Delivered").assert_contains("answered 204");
    let delivery = log.text.split("data-delivery=\"").nth(1).unwrap().split('"').next().unwrap().to_owned();
    browser
        .submit(&format!("/webhooks/{hook}"), &format!("/webhooks/{hook}/deliveries/{delivery}/redeliver"), &[])
        .assert_redirect(&format!("/webhooks/{hook}"));
    let again = receiver.wait_for("/hook", 2);
    assert_eq!(again[1].header("webhook-id"), first[0].header("webhook-id"));
    browser.submit("/webhooks", &format!("/webhooks/{hook}/disable"), &[]).assert_redirect("/webhooks");
    browser.get("/webhooks").assert_contains("Disabled");
}

#[test]
fn deliveries_queued_when_the_service_is_killed_are_delivered_once_after_the_restart() {
    // The worker looks for due deliveries when it starts and then only
    // every minute: what is issued meanwhile stays queued, unsent.
    let app = TestApp::builder().child_process(&[("CAIRN_WEBHOOK_POLL_MS", "60000")]).spawn();
    let receiver = WebServer::start();
    receiver.serve("/hook", 204, "text/plain", "");
    let uni = app.institution("Restart College");
    let created =
        uni.issuer.post(&format!("/v1/orgs/{}/webhooks", uni.org), &json!({ "url": receiver.url("/hook"), "events": ["credential.issued"] }));
    assert_eq!(created.status, 201, "{}", created.text);
    let secret = created.body["secret"].as_str().unwrap().to_owned();
    let hook = created.id();
    let learner = app.learner("restart@example.org");
    let achievement = uni.achievement(&AchievementBuilder::micro("Restarted"));
    let issued: Vec<String> = (0..2).map(|_| uni.issue(&learner.id, &achievement)["id"].as_str().unwrap().to_owned()).collect();
    let log = uni.issuer.get(&format!("/v1/orgs/{}/webhooks/{hook}/deliveries", uni.org));
    let states: Vec<&Value> = log.body["items"].as_array().unwrap().iter().map(|d| &d["state"]).collect();
    assert_eq!(states, [&json!("pending"), &json!("pending")], "{}", log.text);

    app.kill_service();
    assert!(receiver.received("/hook").is_empty(), "nothing was sent before the kill");
    app.restart_service();

    let received = receiver.wait_for("/hook", 2);
    // Time for a second send of either, were there one.
    std::thread::sleep(std::time::Duration::from_millis(500));
    let received_now = receiver.received("/hook");
    assert_eq!(received_now.len(), 2, "one request per delivery");
    let mut ids: Vec<&str> = received.iter().map(|r| r.header("webhook-id").unwrap()).collect();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), 2, "one webhook-id per event");
    let mut credentials: Vec<String> =
        received.iter().map(|r| serde_json::from_slice::<Value>(&r.body).unwrap()["data"]["credential_id"].as_str().unwrap().to_owned()).collect();
    credentials.sort_unstable();
    let mut expected = issued.clone();
    expected.sort_unstable();
    assert_eq!(credentials, expected);
    for r in &received {
        assert_signed(&secret, r);
    }
    let delivered = wait_for_state(&uni.issuer, &uni.org, &hook, "delivered");
    assert_eq!(delivered["attempts"].as_array().unwrap().len(), 1, "{delivered}");
    let log = uni.issuer.get(&format!("/v1/orgs/{}/webhooks/{hook}/deliveries", uni.org));
    assert!(
        log.body["items"].as_array().unwrap().iter().all(|d| d["state"] == "delivered" && d["attempts"].as_array().unwrap().len() == 1),
        "{}",
        log.text
    );
}

#[test]
fn registering_and_disabling_an_endpoint_is_audited_without_the_secret() {
    let app = TestApp::spawn();
    let uni = app.institution("Audited College");
    let other = app.institution("Elsewhere College");
    let url = "http://127.0.0.1:9/audited";
    let created = uni.issuer.post(
        &format!("/v1/orgs/{}/webhooks", uni.org),
        &json!({ "url": url, "events": ["credential.issued", "award.earned"], "description": "registrar" }),
    );
    assert_eq!(created.status, 201, "{}", created.text);
    let secret = created.body["secret"].as_str().unwrap().to_owned();
    let hook = created.id();
    for _ in 0..2 {
        let disabled = uni.issuer.delete(&format!("/v1/orgs/{}/webhooks/{hook}", uni.org));
        assert_eq!(disabled.status, 200, "{}", disabled.text);
    }

    let audit = uni.issuer.get(&format!("/v1/orgs/{}/audit?limit=200", uni.org));
    assert_eq!(audit.status, 200, "{}", audit.text);
    let entries: Vec<&Value> = audit.body["items"].as_array().unwrap().iter().filter(|e| e["subject_type"] == "webhook").collect();
    let actions: Vec<&Value> = entries.iter().map(|e| &e["action"]).collect();
    assert_eq!(actions, [&json!("webhook.register"), &json!("webhook.disable")], "disabled twice, logged once: {}", audit.text);
    for entry in &entries {
        assert_eq!(entry["subject_id"], hook.as_str());
        assert_eq!(entry["actor"], uni.issuer.id.as_str());
        assert_eq!(entry["org"], uni.org.as_str());
        assert_eq!(entry["detail"]["url"], url);
        assert_eq!(entry["detail"]["events"], json!(["credential.issued", "award.earned"]));
    }
    assert!(!audit.text.contains(&secret) && !audit.text.contains(&secret["whsec_".len()..]), "the secret is never logged: {}", audit.text);
    let theirs = other.issuer.get(&format!("/v1/orgs/{}/audit?limit=200", other.org));
    assert!(theirs.body["items"].as_array().unwrap().iter().all(|e| e["subject_type"] != "webhook"), "{}", theirs.text);
}
