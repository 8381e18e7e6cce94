//! The catalog, issuing, claiming, batches, status changes, verification,
//! imports and the audit log, through HTTP.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use cairn_tests::{Response, TestApp};
use serde_json::{Value, json};

/// An institution with an issuer, a learner, and one achievement.
struct World {
    admin: String,
    org: String,
    issuer: String,
    learner_id: String,
    learner: String,
    achievement: String,
}

fn achievement_json(name: &str) -> Value {
    json!({
        "name": name,
        "description": "Design clear charts for analytical audiences.",
        "criteria": { "narrative": "Complete four assignments and a capstone." },
        "achievementType": "MicroCredential",
        "level": "intermediate",
        "credits": { "amount": "2.5", "unit": "ECTS" },
        "validity": "P2Y",
        "issuingMessage": "Congratulations!",
        "tags": ["data"],
        "alignments": [{ "targetName": "Data visualisation", "targetUrl": "https://skills.example/dv", "targetCode": "DV-1" }]
    })
}

fn world(app: &TestApp) -> World {
    let admin = app.admin_token();
    let org = app.org(&admin, "Lakeside University", "institution");
    let (_, issuer) = app.staff(&admin, &org, "registrar@lakeside.example", "issuer");
    let (learner_id, learner) = app.learner("ada@example.org");
    let created = app.post(&format!("/v1/orgs/{org}/achievements"), Some(&issuer), &achievement_json("Data Visualisation"));
    assert_eq!(created.status, 201, "{}", created.text);
    World { admin, org, issuer, learner_id, learner, achievement: created.id() }
}

fn issue(app: &TestApp, w: &World, body: &Value) -> Response {
    app.post(&format!("/v1/orgs/{}/credentials", w.org), Some(&w.issuer), body)
}

fn issue_to_learner(app: &TestApp, w: &World) -> Value {
    let response = issue(app, w, &json!({ "achievement": w.achievement, "recipient": { "learner": w.learner_id }, "awarded_at": "2025-03-01T10:00:00Z" }));
    assert_eq!(response.status, 201, "{}", response.text);
    response.body
}

fn jwt_claims(jwt: &str) -> Value {
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(jwt.split('.').nth(1).unwrap()).unwrap()).unwrap()
}

fn check<'a>(verification: &'a Value, name: &str) -> &'a str {
    verification["checks"].as_array().unwrap().iter().find(|c| c["check"] == name).unwrap()["result"].as_str().unwrap()
}

#[test]
fn the_catalog_is_published_by_issuers_and_read_by_anyone() {
    let app = TestApp::spawn();
    let w = world(&app);
    let one = app.get(&format!("/v1/achievements/{}", w.achievement), None);
    assert_eq!(one.status, 200);
    assert_eq!(one.body["name"], "Data Visualisation");
    assert_eq!(one.body["credits"], json!({ "amount": "2.5", "unit": "ECTS" }));
    assert_eq!(one.body["level"], "intermediate");
    assert_eq!(one.body["validity"], "P2Y");
    let list = app.get(&format!("/v1/orgs/{}/achievements", w.org), None);
    assert_eq!(list.body["items"].as_array().unwrap().len(), 1);

    let other_org = app.org(&w.admin, "Other University", "institution");
    let (_, other_issuer) = app.staff(&w.admin, &other_org, "x@other.example", "issuer");
    app.post(&format!("/v1/orgs/{}/achievements", w.org), Some(&other_issuer), &achievement_json("Sneaky")).assert_problem(404);
    app.post(&format!("/v1/orgs/{}/achievements", w.org), Some(&w.learner), &achievement_json("Sneaky")).assert_problem(403);
    let mut bad = achievement_json("Bad");
    bad["achievementType"] = json!("Sticker");
    let rejected = app.post(&format!("/v1/orgs/{}/achievements", w.org), Some(&w.issuer), &bad);
    rejected.assert_problem(422);
    assert_eq!(rejected.body["errors"][0]["field"], "achievementType");
    assert_eq!(app.get(&format!("/v1/orgs/{}/achievements", w.org), None).body["items"].as_array().unwrap().len(), 1);
}

#[test]
fn issuing_to_a_learner_signs_an_open_badge() {
    let app = TestApp::spawn();
    let w = world(&app);
    let credential = issue_to_learner(&app, &w);
    assert_eq!(credential["status"], "active");
    assert_eq!(credential["learner"], w.learner_id.as_str());
    assert_eq!(credential["awarded_at"], "2025-03-01T10:00:00Z");
    assert_eq!(credential["valid_until"], "2027-03-01T10:00:00Z", "the achievement's P2Y policy applies");
    assert_eq!(credential["issuing_message"], "Congratulations!");
    let ob3 = &credential["ob3"];
    assert!(ob3["type"].as_array().unwrap().contains(&json!("OpenBadgeCredential")));
    assert_eq!(ob3["issuer"]["id"], format!("{}/v1/issuers/{}", app.base, w.org));
    assert_eq!(ob3["credentialSubject"]["id"], format!("urn:uuid:{}", w.learner_id));
    assert_eq!(credential["verification"]["verified"], true, "{}", credential["verification"]);

    let jwt = credential["jwt"].as_str().unwrap();
    let header: Value = serde_json::from_slice(&URL_SAFE_NO_PAD.decode(jwt.split('.').next().unwrap()).unwrap()).unwrap();
    assert_eq!(header["alg"], "ES256");
    let kid = header["kid"].as_str().unwrap();
    assert!(kid.starts_with(&format!("{}/v1/issuers/{}/jwks#", app.base, w.org)));
    let claims = jwt_claims(jwt);
    assert_eq!(claims["iss"], ob3["issuer"]["id"]);
    assert_eq!(claims["jti"], ob3["id"]);
    assert_eq!(claims["sub"], ob3["credentialSubject"]["id"]);
    assert!(claims["nbf"].is_i64() && claims["exp"].is_i64());

    // The kid resolves to the key.
    let jwks = app.get(&format!("/v1/issuers/{}/jwks", w.org), None);
    assert!(jwks.body["keys"].as_array().unwrap().iter().any(|k| k["kid"] == kid && k["crv"] == "P-256"));
    let all = app.get("/.well-known/jwks.json", None);
    assert!(all.body["keys"].as_array().unwrap().iter().any(|k| k["kid"] == kid));
    let profile = app.get(&format!("/v1/issuers/{}", w.org), None);
    assert_eq!(profile.status, 200);
    assert_eq!(profile.body["id"], ob3["issuer"]["id"]);
    assert_eq!(profile.body["name"], "Lakeside University");

    // The holder sees it; others do not.
    let id = credential["id"].as_str().unwrap();
    assert_eq!(app.get(&format!("/v1/credentials/{id}"), Some(&w.learner)).status, 200);
    assert_eq!(app.get(&format!("/v1/credentials/{id}"), Some(&w.issuer)).status, 200);
    let (_, other_learner) = app.learner("eve@example.org");
    app.get(&format!("/v1/credentials/{id}"), Some(&other_learner)).assert_problem(404);
    let wallet = app.get("/v1/me/wallet", Some(&w.learner));
    assert_eq!(wallet.body["credentials"].as_array().unwrap().len(), 1);
    assert_eq!(app.get("/v1/me/wallet", Some(&other_learner)).body["credentials"].as_array().unwrap().len(), 0);
}

#[test]
fn bad_issue_requests_are_422_and_issue_nothing() {
    let app = TestApp::spawn();
    let w = world(&app);
    let cases = [
        (json!({ "achievement": w.achievement, "recipient": {} }), "recipient"),
        (json!({ "achievement": w.achievement, "recipient": { "learner": w.learner_id, "email": "a@b.example" } }), "recipient"),
        (json!({ "achievement": "01234567-89ab-7def-8123-456789abcdef", "recipient": { "learner": w.learner_id } }), "achievement"),
        (json!({ "achievement": w.achievement, "recipient": { "learner": "01234567-89ab-7def-8123-456789abcdef" } }), "recipient.learner"),
        (json!({ "achievement": w.achievement, "recipient": { "learner": w.learner_id }, "awarded_at": "2999-01-01T00:00:00Z" }), "awarded_at"),
        (json!({ "achievement": w.achievement, "recipient": { "learner": w.learner_id }, "awarded_at": "2025-01-01T00:00:00Z", "valid_until": "2024-01-01T00:00:00Z" }), "valid_until"),
        (json!({ "achievement": w.achievement, "recipient": { "learner": w.learner_id }, "awarded_at": "yesterday" }), "awarded_at"),
        (json!({ "achievement": w.achievement, "recipient": { "email": "not-an-email" } }), "recipient.email"),
    ];
    for (body, field) in cases {
        let response = issue(&app, &w, &body);
        response.assert_problem(422);
        assert_eq!(response.body["errors"][0]["field"], field, "{body}: {}", response.text);
    }
    assert_eq!(app.get("/v1/me/wallet", Some(&w.learner)).body["credentials"].as_array().unwrap().len(), 0);
}

#[test]
fn a_credential_issued_to_an_email_is_claimed_once() {
    let app = TestApp::spawn();
    let w = world(&app);
    let issued = issue(&app, &w, &json!({ "achievement": w.achievement, "recipient": { "email": "newcomer@example.org" } }));
    assert_eq!(issued.status, 201, "{}", issued.text);
    assert!(issued.body["learner"].is_null());
    let code = issued.body["claim_code"].as_str().unwrap().to_owned();
    assert!(issued.body["ob3"]["credentialSubject"]["identifier"].is_array(), "{}", issued.body["ob3"]);

    // Unconfirmed: confirming the address would move the credential in by itself
    // (tests/e2e/email.rs); here the claim code does it.
    let (newcomer_id, newcomer) = app.learner_unconfirmed("newcomer@example.org");
    // A wrong code reveals nothing.
    app.post("/v1/me/claims", Some(&newcomer), &json!({ "code": "wrong" })).assert_problem(404);
    // Only learners claim.
    app.post("/v1/me/claims", Some(&w.issuer), &json!({ "code": code })).assert_problem(403);
    let claimed = app.post("/v1/me/claims", Some(&newcomer), &json!({ "code": code }));
    assert_eq!(claimed.status, 200, "{}", claimed.text);
    assert_eq!(claimed.body["learner"], newcomer_id.as_str());
    assert_eq!(claimed.body["ob3"]["credentialSubject"]["id"], format!("urn:uuid:{newcomer_id}"));
    assert_eq!(claimed.body["verification"]["verified"], true);
    app.post("/v1/me/claims", Some(&w.learner), &json!({ "code": code })).assert_problem(404);
    assert_eq!(app.get("/v1/me/wallet", Some(&newcomer)).body["credentials"].as_array().unwrap().len(), 1);

    // An address that already has a learner account goes straight to the wallet.
    let direct = issue(&app, &w, &json!({ "achievement": w.achievement, "recipient": { "email": "ADA@example.org" } }));
    assert_eq!(direct.body["learner"], w.learner_id.as_str());
    assert!(direct.body.get("claim_code").is_none());
}

#[test]
fn a_retried_issue_with_the_same_idempotency_key_issues_once() {
    let app = TestApp::spawn();
    let w = world(&app);
    let body = json!({ "achievement": w.achievement, "recipient": { "learner": w.learner_id } });
    let send = |key: &str, body: &Value| {
        let response = ureq::post(&app.url(&format!("/v1/orgs/{}/credentials", w.org)))
            .set("Authorization", &format!("Bearer {}", w.issuer))
            .set("Idempotency-Key", key)
            .send_json(body);
        Response::from(response)
    };
    let first = send("retry-1", &body);
    let second = send("retry-1", &body);
    assert_eq!(first.status, 201);
    assert_eq!(second.status, 201);
    assert_eq!(first.body["id"], second.body["id"]);
    assert_eq!(first.body["jwt"], second.body["jwt"]);
    let mut other = body.clone();
    other["awarded_at"] = json!("2024-01-01T00:00:00Z");
    send("retry-1", &other).assert_problem(422);
    assert_eq!(app.get("/v1/me/wallet", Some(&w.learner)).body["credentials"].as_array().unwrap().len(), 1);
    assert_ne!(send("retry-2", &body).body["id"], first.body["id"]);
}

#[test]
fn a_batch_with_bad_items_issues_the_good_ones() {
    let app = TestApp::spawn();
    let w = world(&app);
    let good = json!({ "achievement": w.achievement, "recipient": { "learner": w.learner_id } });
    let items = json!([
        good,
        { "achievement": "01234567-89ab-7def-8123-456789abcdef", "recipient": { "learner": w.learner_id } },
        good,
        { "achievement": w.achievement, "recipient": { "learner": w.learner_id }, "unknown": true },
        { "achievement": w.achievement, "recipient": { "email": "batch@example.org" } },
    ]);
    let response = app.post(&format!("/v1/orgs/{}/credentials/batch", w.org), Some(&w.issuer), &json!({ "items": items }));
    assert_eq!(response.status, 200, "{}", response.text);
    assert_eq!(response.body["issued"], 3);
    assert_eq!(response.body["failed"], 2);
    let results = response.body["results"].as_array().unwrap();
    assert_eq!(results[1]["outcome"], "failed");
    assert_eq!(results[1]["error"]["errors"][0]["field"], "achievement");
    assert_eq!(results[3]["error"]["status"], 422);
    assert!(results[4]["credential"]["claim_code"].is_string());
    assert_eq!(app.get("/v1/me/wallet", Some(&w.learner)).body["credentials"].as_array().unwrap().len(), 2);

    // A batch of 1,000 is accepted.
    let many: Vec<Value> = (0..1000).map(|_| good.clone()).collect();
    let big = app.post(&format!("/v1/orgs/{}/credentials/batch", w.org), Some(&w.issuer), &json!({ "items": many }));
    assert_eq!(big.status, 200, "{}", big.text.chars().take(300).collect::<String>());
    assert_eq!(big.body["issued"], 1000);
    app.post(&format!("/v1/orgs/{}/credentials/batch", w.org), Some(&w.issuer), &json!({ "items": [] })).assert_problem(422);
}

fn status_bit(app: &TestApp, list_url: &str, index: u64) -> bool {
    let path = list_url.strip_prefix(&app.base).unwrap();
    let list = app.get_with_header(path, "Accept", "application/json");
    assert_eq!(list.status, 200, "{}", list.text);
    assert_eq!(list.content_type, "application/json");
    let encoded = list.body["credentialSubject"]["encodedList"].as_str().unwrap();
    let bits = cairn_domain::status_list::StatusList::decode(encoded).unwrap();
    bits.get(index as usize).unwrap()
}

#[test]
fn suspension_revocation_and_reinstatement_show_in_status_lists_and_verification() {
    let app = TestApp::spawn();
    let w = world(&app);
    let credential = issue_to_learner(&app, &w);
    let id = credential["id"].as_str().unwrap();
    let jwt = credential["jwt"].as_str().unwrap();
    // Two entries, so that a W3C status check outside Cairn sees suspension too.
    let entries = credential["ob3"]["credentialStatus"].as_array().expect("credentialStatus is an array");
    assert_eq!(entries.len(), 2, "{entries:?}");
    let (status, suspension) = (&entries[0], &entries[1]);
    for entry in entries {
        assert_eq!(entry["type"], "BitstringStatusListEntry");
        let list = entry["statusListCredential"].as_str().unwrap();
        assert_eq!(entry["id"], format!("{list}#{}", entry["statusListIndex"].as_str().unwrap()));
    }
    assert_eq!(status["statusPurpose"], "revocation");
    assert_eq!(suspension["statusPurpose"], "suspension");
    assert_eq!(status["statusListIndex"], suspension["statusListIndex"]);
    let index: u64 = status["statusListIndex"].as_str().unwrap().parse().unwrap();
    assert_eq!(credential["status_lists"]["index"], index);
    let revocation_list = status["statusListCredential"].as_str().unwrap();
    assert_eq!(credential["status_lists"]["revocation"], revocation_list);
    let suspension_list = suspension["statusListCredential"].as_str().unwrap();
    assert_eq!(credential["status_lists"]["suspension"], suspension_list);
    assert!(!status_bit(&app, revocation_list, index));
    let verify = || app.post("/v1/verify", None, &json!({ "jwt": jwt })).body;

    let action = |verb: &str, token: &str| app.post(&format!("/v1/credentials/{id}/{verb}"), Some(token), &json!({ "reason": "checking" }));
    let other_org = app.org(&w.admin, "Other", "institution");
    let (_, other_issuer) = app.staff(&w.admin, &other_org, "o@other.example", "issuer");
    action("revoke", &other_issuer).assert_problem(404);
    action("suspend", &w.learner).assert_problem(403);
    action("reinstate", &w.issuer).assert_problem(409);
    app.post(&format!("/v1/credentials/{id}/suspend"), Some(&w.issuer), &json!({ "reason": " " })).assert_problem(422);

    assert_eq!(action("suspend", &w.issuer).body["status"], "suspended");
    assert!(status_bit(&app, suspension_list, index));
    assert!(!status_bit(&app, revocation_list, index));
    let suspended = verify();
    assert_eq!(suspended["verified"], false);
    assert_eq!(check(&suspended, "status"), "fail");
    assert_eq!(check(&suspended, "signature"), "pass");

    assert_eq!(action("reinstate", &w.issuer).body["status"], "active");
    assert!(!status_bit(&app, suspension_list, index));
    assert_eq!(verify()["verified"], true);

    assert_eq!(action("revoke", &w.issuer).body["status"], "revoked");
    assert!(status_bit(&app, revocation_list, index));
    assert_eq!(check(&verify(), "status"), "fail");
    action("reinstate", &w.issuer).assert_problem(409);
    action("revoke", &w.issuer).assert_problem(409);

    // Signed list: the JWT form verifies as ours.
    let path = revocation_list.strip_prefix(&app.base).unwrap();
    let list_jwt = app.get(&format!("{path}?format=jwt"), None);
    assert_eq!(list_jwt.content_type, "application/vc+jwt");
    assert_eq!(jwt_claims(&list_jwt.text)["type"], json!(["VerifiableCredential", "BitstringStatusListCredential"]));
    // Secured by default: a plain GET (as W3C status checkers send it) and
    // `Accept: application/vc+jwt` get the signed VC-JWT, which verifies
    // against the institution's published key.
    for response in [app.get(path, None), app.get_with_header(path, "Accept", "application/vc+jwt")] {
        assert_eq!(response.content_type, "application/vc+jwt", "{}", response.text);
        let claims = app.verify_jws(&response.text, &format!("/v1/issuers/{}/jwks", w.org));
        assert_eq!(claims["credentialSubject"]["statusPurpose"], "revocation");
    }
    let suspension_path = suspension_list.strip_prefix(&app.base).unwrap();
    let suspension_jwt = app.get(suspension_path, None);
    let claims = app.verify_jws(&suspension_jwt.text, &format!("/v1/issuers/{}/jwks", w.org));
    assert_eq!(claims["credentialSubject"]["statusPurpose"], "suspension");

    // Everything is in the audit log, readable by the issuer.
    let log = app.get(&format!("/v1/orgs/{}/audit", w.org), Some(&w.issuer));
    let actions: Vec<&str> = log.body["items"].as_array().unwrap().iter().map(|e| e["action"].as_str().unwrap()).collect();
    for expected in ["credential.issue", "credential.suspend", "credential.reinstate", "credential.revoke"] {
        assert!(actions.contains(&expected), "{expected} missing from {actions:?}");
    }
    app.get(&format!("/v1/orgs/{}/audit", w.org), Some(&other_issuer)).assert_problem(404);
    app.get(&format!("/v1/orgs/{}/audit", w.org), Some(&w.learner)).assert_problem(404);
}

#[test]
fn verification_tells_genuine_forged_and_foreign_credentials_apart() {
    let app = TestApp::spawn();
    let w = world(&app);
    let credential = issue_to_learner(&app, &w);
    let jwt = credential["jwt"].as_str().unwrap();

    let genuine = app.post("/v1/verify", None, &json!({ "jwt": jwt }));
    assert_eq!(genuine.status, 200);
    assert_eq!(genuine.body["verified"], true, "{}", genuine.text);
    for name in ["signature", "issuer", "status", "validity", "schema"] {
        assert_eq!(check(&genuine.body, name), "pass", "{name}: {}", genuine.text);
    }
    // The JSON form verifies when it is exactly what was issued.
    assert_eq!(app.post("/v1/verify", None, &json!({ "credential": credential["ob3"] })).body["verified"], true);

    // Altered payload, same signature.
    let parts: Vec<&str> = jwt.split('.').collect();
    let mut claims = jwt_claims(jwt);
    claims["credentialSubject"]["achievement"]["name"] = json!("Rocket Science");
    let forged = format!("{}.{}.{}", parts[0], URL_SAFE_NO_PAD.encode(claims.to_string()), parts[2]);
    let result = app.post("/v1/verify", None, &json!({ "jwt": forged })).body;
    assert_eq!(result["verified"], false);
    assert_eq!(check(&result, "signature"), "fail");
    let mut altered = credential["ob3"].clone();
    altered["credentialSubject"]["achievement"]["name"] = json!("Rocket Science");
    assert_eq!(app.post("/v1/verify", None, &json!({ "credential": altered })).body["verified"], false);

    // Signed by an issuer nobody registered.
    let stranger = cairn_api::signing::keys::SigningKey::generate().unwrap();
    let mut foreign = jwt_claims(jwt);
    foreign["issuer"] = json!({ "id": "https://stranger.example/issuer", "type": ["Profile"], "name": "Stranger" });
    foreign["iss"] = json!("https://stranger.example/issuer");
    let mut header = jsonwebtoken::Header::new(jsonwebtoken::Algorithm::ES256);
    header.kid = Some("https://stranger.example/keys#1".into());
    let foreign_jwt = jsonwebtoken::encode(&header, &foreign, stranger.encoding_key()).unwrap();
    let unknown = app.post("/v1/verify", None, &json!({ "jwt": foreign_jwt })).body;
    assert_eq!(unknown["verified"], false);
    assert_eq!(check(&unknown, "issuer"), "fail");

    // Once an admin registers that issuer's key, the same JWT verifies.
    let jwk = stranger.public_jwk("https://stranger.example/keys#1".into());
    let registered = app.post(
        "/v1/trusted-issuers",
        Some(&w.admin),
        &json!({ "issuer_id": "https://stranger.example/issuer", "name": "Stranger", "jwks": { "keys": [jwk] } }),
    );
    assert_eq!(registered.status, 201, "{}", registered.text);
    let trusted = app.post("/v1/verify", None, &json!({ "jwt": foreign_jwt })).body;
    assert_eq!(check(&trusted, "signature"), "pass", "{trusted}");
    assert_eq!(check(&trusted, "issuer"), "pass");
    assert_eq!(trusted["issuer_kind"], "trusted");
    // Garbage is reported, not a 500.
    assert_eq!(app.post("/v1/verify", None, &json!({ "jwt": "a.b.c" })).body["verified"], false);
    app.post("/v1/verify", None, &json!({})).assert_problem(422);
    app.post("/v1/trusted-issuers", Some(&w.issuer), &json!({ "issuer_id": "x", "name": "x", "jwks": { "keys": [] } })).assert_problem(403);
    app.post("/v1/trusted-issuers", Some(&w.admin), &json!({ "issuer_id": "x", "name": "x", "jwks": { "keys": [] } })).assert_problem(422);
}

#[test]
fn imports_are_kept_with_an_honest_verification_result() {
    let app = TestApp::spawn();
    let w = world(&app);
    let credential = issue_to_learner(&app, &w);
    let ours = app.post("/v1/me/credentials/import", Some(&w.learner), &json!({ "jwt": credential["jwt"] }));
    assert_eq!(ours.status, 201, "{}", ours.text);
    assert_eq!(ours.body["verified"], true);

    let examples = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/standards/examples");
    let mut imported = 1;
    if let Ok(entries) = std::fs::read_dir(&examples) {
        for entry in entries {
            let path = entry.unwrap().path();
            let doc: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
            let response = app.post("/v1/me/credentials/import", Some(&w.learner), &json!({ "credential": doc }));
            assert_eq!(response.status, 201, "{}: {}", path.display(), response.text);
            assert_eq!(response.body["verified"], false, "{} is signed by no issuer this service knows", path.display());
            imported += 1;
        }
    }
    let wallet = app.get("/v1/me/wallet", Some(&w.learner));
    assert_eq!(wallet.body["imported"].as_array().unwrap().len(), imported);
    app.post("/v1/me/credentials/import", Some(&w.issuer), &json!({ "jwt": credential["jwt"] })).assert_problem(403);
}
