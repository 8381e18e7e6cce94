//! The catalog, issuing, claiming, batches, status changes, verification,
//! imports and the audit log, through HTTP.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use cairn_tests::service::SigningKey;
use cairn_tests::{AchievementBuilder, Institution, IssueRequest, Learner, Response, Session, TestApp, jwt_parts};
use serde_json::{Value, json};

/// An institution with an issuer, a learner, and one achievement.
struct World {
    lakeside: Institution,
    learner: Learner,
    achievement: String,
}

fn achievement_json(name: &str) -> AchievementBuilder {
    AchievementBuilder::micro(name)
        .description("Design clear charts for analytical audiences.")
        .criteria("Complete four assignments and a capstone.")
        .level("intermediate")
        .credits("2.5", "ECTS")
        .validity("P2Y")
        .issuing_message("Congratulations!")
        .tags(&["data"])
        .skill_with_code("Data visualisation", "https://skills.example/dv", "DV-1")
}

fn world(app: &TestApp) -> World {
    let lakeside = app.institution("Lakeside University");
    let learner = app.learner("ada");
    let achievement = lakeside.achievement(&achievement_json("Data Visualisation"));
    World { learner, lakeside, achievement }
}

fn issue(w: &World, body: &Value) -> Response {
    w.lakeside.try_issue(body)
}

fn issue_to_learner(w: &World) -> Value {
    w.lakeside.issue_with(&IssueRequest::new(&w.achievement).to(&w.learner.id).awarded_at("2025-03-01T10:00:00Z"))
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
    let list = app.get(&w.lakeside.path("achievements"), None);
    assert_eq!(list.body["items"].as_array().unwrap().len(), 1);

    let other_issuer = app.institution("Other University").issuer;
    other_issuer.post(&w.lakeside.path("achievements"), &achievement_json("Sneaky")).assert_problem(404);
    w.learner.post(&w.lakeside.path("achievements"), &achievement_json("Sneaky")).assert_problem(403);
    let bad = achievement_json("Bad").set("achievementType", "Sticker");
    let rejected = w.lakeside.issuer.post(&w.lakeside.path("achievements"), &bad);
    rejected.assert_problem(422);
    assert_eq!(rejected.body["errors"][0]["field"], "achievementType");
    assert_eq!(app.get(&w.lakeside.path("achievements"), None).body["items"].as_array().unwrap().len(), 1);
}

#[test]
fn issuing_to_a_learner_signs_an_open_badge() {
    let app = TestApp::spawn();
    let w = world(&app);
    let credential = issue_to_learner(&w);
    assert_eq!(credential["status"], "active");
    assert_eq!(credential["learner"], w.learner.id.as_str());
    assert_eq!(credential["awarded_at"], "2025-03-01T10:00:00Z");
    assert_eq!(credential["valid_until"], "2027-03-01T10:00:00Z", "the achievement's P2Y policy applies");
    assert_eq!(credential["issuing_message"], "Congratulations!");
    let ob3 = &credential["ob3"];
    assert!(ob3["type"].as_array().unwrap().contains(&json!("OpenBadgeCredential")));
    let host = app.base.trim_start_matches("http://").replace(':', "%3A");
    assert_eq!(ob3["issuer"]["id"], format!("did:web:{host}:v1:issuers:{}", w.lakeside.org), "the issuer is the institution's did:web");
    assert_eq!(ob3["credentialSubject"]["id"], format!("urn:uuid:{}", w.learner.id));
    assert_eq!(credential["verification"]["verified"], true, "{}", credential["verification"]);

    let jwt = credential["jwt"].as_str().unwrap();
    let (header, _) = jwt_parts(jwt);
    assert_eq!(header["alg"], "ES256");
    let kid = header["kid"].as_str().unwrap();
    assert!(kid.starts_with(&format!("{}/v1/issuers/{}/jwks#", app.base, w.lakeside.org)));
    let claims = jwt_parts(jwt).1;
    assert_eq!(claims["iss"], ob3["issuer"]["id"]);
    assert_eq!(claims["jti"], ob3["id"]);
    assert_eq!(claims["sub"], ob3["credentialSubject"]["id"]);
    assert!(claims["nbf"].is_i64() && claims["exp"].is_i64());

    // The kid resolves to the key.
    let jwks = app.get(&format!("/v1/issuers/{}/jwks", w.lakeside.org), None);
    assert!(jwks.body["keys"].as_array().unwrap().iter().any(|k| k["kid"] == kid && k["crv"] == "P-256"));
    let all = app.get("/.well-known/jwks.json", None);
    assert!(all.body["keys"].as_array().unwrap().iter().any(|k| k["kid"] == kid));
    let profile = app.get(&format!("/v1/issuers/{}", w.lakeside.org), None);
    assert_eq!(profile.status, 200);
    assert_eq!(profile.body["id"], ob3["issuer"]["id"]);
    assert_eq!(profile.body["name"], "Lakeside University");

    // The did:web resolves to a DID document whose Ed25519 key made the
    // embedded Data Integrity proof, under `assertionMethod`.
    let proof = &ob3["proof"];
    assert_eq!((proof["type"].as_str(), proof["cryptosuite"].as_str()), (Some("DataIntegrityProof"), Some("eddsa-rdfc-2022")));
    assert_eq!(proof["proofPurpose"], "assertionMethod");
    let did = app.get(&format!("/v1/issuers/{}/did.json", w.lakeside.org), None);
    assert_eq!(did.status, 200);
    assert_eq!(did.body["id"], ob3["issuer"]["id"]);
    let method = proof["verificationMethod"].as_str().unwrap();
    assert!(did.body["assertionMethod"].as_array().unwrap().iter().any(|m| m == method), "{}", did.body);
    let listed = did.body["verificationMethod"].as_array().unwrap();
    assert!(listed.iter().any(|m| m["id"] == method && m["type"] == "Multikey" && m["publicKeyMultibase"].as_str().unwrap().starts_with("z6Mk")));
    assert!(listed.iter().any(|m| m["publicKeyMultibase"].as_str().unwrap().starts_with("zDn")), "the P-256 key is listed too");
    app.get("/v1/issuers/01a233ae-bd56-7081-b82f-f628ca1ff6ce/did.json", None).assert_problem(404);

    // The holder sees it; others do not.
    let id = credential["id"].as_str().unwrap();
    assert_eq!(w.learner.get(&format!("/v1/credentials/{id}")).status, 200);
    assert_eq!(w.lakeside.issuer.get(&format!("/v1/credentials/{id}")).status, 200);
    let other_learner = app.learner("eve@example.org");
    other_learner.get(&format!("/v1/credentials/{id}")).assert_problem(404);
    let wallet = w.learner.get("/v1/me/wallet");
    assert_eq!(wallet.body["credentials"].as_array().unwrap().len(), 1);
    assert_eq!(other_learner.get("/v1/me/wallet").body["credentials"].as_array().unwrap().len(), 0);
}

#[test]
fn bad_issue_requests_are_422_and_issue_nothing() {
    let app = TestApp::spawn();
    let w = world(&app);
    let cases = [
        (json!({ "achievement": w.achievement, "recipient": {} }), "recipient"),
        (json!({ "achievement": w.achievement, "recipient": { "learner": w.learner.id, "email": "a@b.example" } }), "recipient"),
        (json!({ "achievement": "01234567-89ab-7def-8123-456789abcdef", "recipient": { "learner": w.learner.id } }), "achievement"),
        (json!({ "achievement": w.achievement, "recipient": { "learner": "01234567-89ab-7def-8123-456789abcdef" } }), "recipient.learner"),
        (json!({ "achievement": w.achievement, "recipient": { "learner": w.learner.id }, "awarded_at": "2999-01-01T00:00:00Z" }), "awarded_at"),
        (
            json!({ "achievement": w.achievement, "recipient": { "learner": w.learner.id }, "awarded_at": "2025-01-01T00:00:00Z", "valid_until": "2024-01-01T00:00:00Z" }),
            "valid_until",
        ),
        (json!({ "achievement": w.achievement, "recipient": { "learner": w.learner.id }, "awarded_at": "yesterday" }), "awarded_at"),
        (json!({ "achievement": w.achievement, "recipient": { "email": "not-an-email" } }), "recipient.email"),
    ];
    for (body, field) in cases {
        let response = issue(&w, &body);
        response.assert_problem(422);
        assert_eq!(response.body["errors"][0]["field"], field, "{body}: {}", response.text);
    }
    assert_eq!(w.learner.get("/v1/me/wallet").body["credentials"].as_array().unwrap().len(), 0);
}

#[test]
fn a_credential_issued_to_an_email_is_claimed_once() {
    let app = TestApp::spawn();
    let w = world(&app);
    let issued = issue(&w, &json!({ "achievement": w.achievement, "recipient": { "email": "newcomer@example.org" } }));
    assert_eq!(issued.status, 201, "{}", issued.text);
    assert!(issued.body["learner"].is_null());
    let code = issued.body["claim_code"].as_str().unwrap().to_owned();
    assert!(issued.body["ob3"]["credentialSubject"]["identifier"].is_array(), "{}", issued.body["ob3"]);

    // Unconfirmed: confirming the address would move the credential in by itself
    // (tests/e2e/email.rs); here the claim code does it.
    let newcomer = app.learner_unconfirmed("newcomer@example.org");
    let newcomer_id = newcomer.id.clone();
    // A wrong code reveals nothing.
    newcomer.post("/v1/me/claims", &json!({ "code": "wrong" })).assert_problem(404);
    // Only learners claim.
    w.lakeside.issuer.post("/v1/me/claims", &json!({ "code": code })).assert_problem(403);
    let claimed = newcomer.post("/v1/me/claims", &json!({ "code": code }));
    assert_eq!(claimed.status, 200, "{}", claimed.text);
    assert_eq!(claimed.body["learner"], newcomer_id.as_str());
    assert_eq!(claimed.body["ob3"]["credentialSubject"]["id"], format!("urn:uuid:{newcomer_id}"));
    assert_eq!(claimed.body["verification"]["verified"], true);
    w.learner.post("/v1/me/claims", &json!({ "code": code })).assert_problem(404);
    assert_eq!(newcomer.get("/v1/me/wallet").body["credentials"].as_array().unwrap().len(), 1);

    // An address that already has a learner account goes straight to the wallet.
    let direct = issue(&w, &json!({ "achievement": w.achievement, "recipient": { "email": "ADA@example.org" } }));
    assert_eq!(direct.body["learner"], w.learner.id.as_str());
    assert!(direct.body.get("claim_code").is_none());
}

#[test]
fn a_retried_issue_with_the_same_idempotency_key_issues_once() {
    let app = TestApp::spawn();
    let w = world(&app);
    let body = json!({ "achievement": w.achievement, "recipient": { "learner": w.learner.id } });
    let send = |key: &str, body: &Value| w.lakeside.issuer.post_with_key(&w.lakeside.path("credentials"), key, body);
    let first = send("retry-1", &body);
    let second = send("retry-1", &body);
    assert_eq!(first.status, 201);
    assert_eq!(second.status, 201);
    assert_eq!(first.body["id"], second.body["id"]);
    assert_eq!(first.body["jwt"], second.body["jwt"]);
    let mut other = body.clone();
    other["awarded_at"] = json!("2024-01-01T00:00:00Z");
    send("retry-1", &other).assert_problem(422);
    assert_eq!(w.learner.get("/v1/me/wallet").body["credentials"].as_array().unwrap().len(), 1);
    assert_ne!(send("retry-2", &body).body["id"], first.body["id"]);
}

#[test]
fn a_batch_with_bad_items_issues_the_good_ones() {
    let app = TestApp::spawn();
    let w = world(&app);
    let good = json!({ "achievement": w.achievement, "recipient": { "learner": w.learner.id } });
    let items = json!([
        good,
        { "achievement": "01234567-89ab-7def-8123-456789abcdef", "recipient": { "learner": w.learner.id } },
        good,
        { "achievement": w.achievement, "recipient": { "learner": w.learner.id }, "unknown": true },
        { "achievement": w.achievement, "recipient": { "email": "batch@example.org" } },
    ]);
    let response = w.lakeside.issuer.post(&w.lakeside.path("credentials/batch"), &json!({ "items": items }));
    assert_eq!(response.status, 200, "{}", response.text);
    assert_eq!(response.body["issued"], 3);
    assert_eq!(response.body["failed"], 2);
    let results = response.body["results"].as_array().unwrap();
    assert_eq!(results[1]["outcome"], "failed");
    assert_eq!(results[1]["error"]["errors"][0]["field"], "achievement");
    assert_eq!(results[3]["error"]["status"], 422);
    assert!(results[4]["credential"]["claim_code"].is_string());
    assert_eq!(w.learner.get("/v1/me/wallet").body["credentials"].as_array().unwrap().len(), 2);

    // A batch of 1,000 is accepted.
    let many: Vec<Value> = (0..1000).map(|_| good.clone()).collect();
    let big = w.lakeside.issuer.post(&w.lakeside.path("credentials/batch"), &json!({ "items": many }));
    assert_eq!(big.status, 200, "{}", big.text.chars().take(300).collect::<String>());
    assert_eq!(big.body["issued"], 1000);
    w.lakeside.issuer.post(&w.lakeside.path("credentials/batch"), &json!({ "items": [] })).assert_problem(422);
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
    let credential = issue_to_learner(&w);
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

    let action = |verb: &str, token: &Session| token.post(&format!("/v1/credentials/{id}/{verb}"), &json!({ "reason": "checking" }));
    let other_issuer = app.institution("Other").issuer;
    action("revoke", &other_issuer).assert_problem(404);
    action("suspend", &w.learner).assert_problem(403);
    action("reinstate", &w.lakeside.issuer).assert_problem(409);
    w.lakeside.issuer.post(&format!("/v1/credentials/{id}/suspend"), &json!({ "reason": " " })).assert_problem(422);

    assert_eq!(action("suspend", &w.lakeside.issuer).body["status"], "suspended");
    assert!(status_bit(&app, suspension_list, index));
    assert!(!status_bit(&app, revocation_list, index));
    let suspended = verify();
    assert_eq!(suspended["verified"], false);
    assert_eq!(check(&suspended, "status"), "fail");
    assert_eq!(check(&suspended, "signature"), "pass");

    assert_eq!(action("reinstate", &w.lakeside.issuer).body["status"], "active");
    assert!(!status_bit(&app, suspension_list, index));
    assert_eq!(verify()["verified"], true);

    assert_eq!(action("revoke", &w.lakeside.issuer).body["status"], "revoked");
    assert!(status_bit(&app, revocation_list, index));
    assert_eq!(check(&verify(), "status"), "fail");
    action("reinstate", &w.lakeside.issuer).assert_problem(409);
    action("revoke", &w.lakeside.issuer).assert_problem(409);

    // Signed list: the JWT form verifies as ours.
    let path = revocation_list.strip_prefix(&app.base).unwrap();
    let list_jwt = app.get(&format!("{path}?format=jwt"), None);
    assert_eq!(list_jwt.content_type, "application/vc+jwt");
    assert_eq!(jwt_parts(&list_jwt.text).1["type"], json!(["VerifiableCredential", "BitstringStatusListCredential"]));
    // Secured by default: a plain GET (as W3C status checkers send it) and
    // `Accept: application/vc+jwt` get the signed VC-JWT, which verifies
    // against the institution's published key.
    for response in [app.get(path, None), app.get_with_header(path, "Accept", "application/vc+jwt")] {
        assert_eq!(response.content_type, "application/vc+jwt", "{}", response.text);
        let claims = app.verify_jws(&response.text, &format!("/v1/issuers/{}/jwks", w.lakeside.org));
        assert_eq!(claims["credentialSubject"]["statusPurpose"], "revocation");
    }
    let suspension_path = suspension_list.strip_prefix(&app.base).unwrap();
    let suspension_jwt = app.get(suspension_path, None);
    let claims = app.verify_jws(&suspension_jwt.text, &format!("/v1/issuers/{}/jwks", w.lakeside.org));
    assert_eq!(claims["credentialSubject"]["statusPurpose"], "suspension");

    // Everything is in the audit log, readable by the issuer.
    let log = w.lakeside.issuer.get(&w.lakeside.path("audit"));
    let actions: Vec<&str> = log.body["items"].as_array().unwrap().iter().map(|e| e["action"].as_str().unwrap()).collect();
    for expected in ["credential.issue", "credential.suspend", "credential.reinstate", "credential.revoke"] {
        assert!(actions.contains(&expected), "{expected} missing from {actions:?}");
    }
    other_issuer.get(&w.lakeside.path("audit")).assert_problem(404);
    w.learner.get(&w.lakeside.path("audit")).assert_problem(404);
}

#[test]
fn verification_tells_genuine_forged_and_foreign_credentials_apart() {
    let app = TestApp::spawn();
    let w = world(&app);
    let credential = issue_to_learner(&w);
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
    let mut claims = jwt_parts(jwt).1;
    claims["credentialSubject"]["achievement"]["name"] = json!("Rocket Science");
    let forged = format!("{}.{}.{}", parts[0], URL_SAFE_NO_PAD.encode(claims.to_string()), parts[2]);
    let result = app.post("/v1/verify", None, &json!({ "jwt": forged })).body;
    assert_eq!(result["verified"], false);
    assert_eq!(check(&result, "signature"), "fail");
    let mut altered = credential["ob3"].clone();
    altered["credentialSubject"]["achievement"]["name"] = json!("Rocket Science");
    assert_eq!(app.post("/v1/verify", None, &json!({ "credential": altered })).body["verified"], false);

    // Signed by an issuer nobody registered.
    let stranger = SigningKey::generate().unwrap();
    let mut foreign = jwt_parts(jwt).1;
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
    let registered = w
        .lakeside
        .admin
        .post("/v1/trusted-issuers", &json!({ "issuer_id": "https://stranger.example/issuer", "name": "Stranger", "jwks": { "keys": [jwk] } }));
    assert_eq!(registered.status, 201, "{}", registered.text);
    let trusted = app.post("/v1/verify", None, &json!({ "jwt": foreign_jwt })).body;
    assert_eq!(check(&trusted, "signature"), "pass", "{trusted}");
    assert_eq!(check(&trusted, "issuer"), "pass");
    assert_eq!(trusted["issuer_kind"], "trusted");
    // Garbage is reported, not a 500.
    assert_eq!(app.post("/v1/verify", None, &json!({ "jwt": "a.b.c" })).body["verified"], false);
    app.post("/v1/verify", None, &json!({})).assert_problem(422);
    w.lakeside.issuer.post("/v1/trusted-issuers", &json!({ "issuer_id": "x", "name": "x", "jwks": { "keys": [] } })).assert_problem(403);
    w.lakeside.admin.post("/v1/trusted-issuers", &json!({ "issuer_id": "x", "name": "x", "jwks": { "keys": [] } })).assert_problem(422);
}

#[test]
fn imports_are_kept_with_an_honest_verification_result() {
    let app = TestApp::spawn();
    let w = world(&app);
    let credential = issue_to_learner(&w);
    let ours = w.learner.post("/v1/me/credentials/import", &json!({ "jwt": credential["jwt"] }));
    assert_eq!(ours.status, 201, "{}", ours.text);
    assert_eq!(ours.body["verified"], true);

    let examples = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/standards/examples");
    let mut imported = 1;
    if let Ok(entries) = std::fs::read_dir(&examples) {
        for entry in entries {
            let path = entry.unwrap().path();
            let doc: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
            let response = w.learner.post("/v1/me/credentials/import", &json!({ "credential": doc }));
            assert_eq!(response.status, 201, "{}: {}", path.display(), response.text);
            assert_eq!(response.body["verified"], false, "{} is signed by no issuer this service knows", path.display());
            imported += 1;
        }
    }
    let wallet = w.learner.get("/v1/me/wallet");
    assert_eq!(wallet.body["imported"].as_array().unwrap().len(), imported);
    w.lakeside.issuer.post("/v1/me/credentials/import", &json!({ "jwt": credential["jwt"] })).assert_problem(403);
}
