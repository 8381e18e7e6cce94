//! What Cairn shows as verified must be true: hostile input, imports of
//! someone else's credential, status entries, presentations.

use cairn_tests::service::SigningKey;
use cairn_tests::{AchievementBuilder, Institution, Learner, Response, TestApp, jwt_parts};
use serde_json::{Value, json};

/// An institution with an issuer, a learner and one achievement.
struct World {
    lakeside: Institution,
    learner: Learner,
    achievement: String,
}

fn world(app: &TestApp) -> World {
    let lakeside = app.institution("Lakeside University");
    let learner = app.learner("ada");
    let achievement = lakeside.achievement(
        &AchievementBuilder::micro("Data Visualisation")
            .description("Design clear charts.")
            .criteria("Four assignments.")
            .skill("Data visualisation", "https://skills.example/dv"),
    );
    World { learner, lakeside, achievement }
}

fn issue_to(w: &World, learner: &str) -> Value {
    w.lakeside.issue_at(learner, &w.achievement, "2025-03-01T10:00:00Z")
}

fn assert_field(response: &Response, status: u16, field: &str) {
    response.assert_problem(status);
    let fields: Vec<&str> = response.body["errors"].as_array().map_or(Vec::new(), |e| e.iter().filter_map(|e| e["field"].as_str()).collect());
    assert!(fields.contains(&field), "expected an error naming `{field}`: {}", response.text);
}

#[test]
fn nul_characters_are_refused_naming_the_field_and_change_nothing() {
    let app = TestApp::spawn();
    let w = world(&app);
    let credential = issue_to(&w, &w.learner.id);
    let id = credential["id"].as_str().unwrap();

    let register =
        app.post("/v1/auth/register", None, &json!({ "email": "nul@example.org", "password": "password-for-tests", "name": "Nul\u{0}Byte" }));
    assert_field(&register, 422, "name");
    app.post("/v1/auth/token", None, &json!({ "email": "nul@example.org", "password": "password-for-tests" })).assert_problem(401);

    let achievement = w.lakeside.issuer.post(
        &w.lakeside.path("achievements"),
        &json!({ "name": "Bad", "description": "x", "criteria": { "narrative": "a\u{0}b" }, "achievementType": "Badge" }),
    );
    assert_field(&achievement, 422, "criteria.narrative");
    let catalog = app.get(&w.lakeside.path("achievements"), None);
    assert_eq!(catalog.body["items"].as_array().unwrap().len(), 1);

    let evidence = w.lakeside.try_issue(
        &json!({ "achievement": w.achievement, "recipient": { "learner": w.learner.id }, "evidence": [{ "name": "ok" }, { "narrative": "\u{0}" }] }),
    );
    assert_field(&evidence, 422, "evidence[1].narrative");

    let revoke = w.lakeside.issuer.post(&format!("/v1/credentials/{id}/revoke"), &json!({ "reason": "typo\u{0}" }));
    assert_field(&revoke, 422, "reason");
    assert_eq!(w.learner.get(&format!("/v1/credentials/{id}")).body["status"], "active");

    let wallet = w.learner.get("/v1/me/wallet");
    assert_eq!(wallet.body["credentials"].as_array().unwrap().len(), 1, "{}", wallet.text);
}

#[test]
fn nul_characters_in_paths_and_queries_are_refused() {
    let app = TestApp::spawn();
    let w = world(&app);
    let employer = app.employer("Acme").staff;
    assert_field(&employer.get("/v1/talent?skill=a%00b"), 400, "query");
    app.get("/v1/status-lists/%00", None).assert_problem(404);
    assert_field(&app.get(&w.lakeside.path("achievements?cursor=%00"), None), 400, "query");
    // An escaped percent sign followed by `00` is ordinary text.
    assert_eq!(employer.get("/v1/talent?skill=%2500").status, 200);
}

#[test]
fn award_dates_outside_a_sane_range_are_refused() {
    let app = TestApp::spawn();
    let w = world(&app);
    let issue = |awarded_at: &str| {
        w.lakeside.try_issue(&json!({ "achievement": w.achievement, "recipient": { "learner": w.learner.id }, "awarded_at": awarded_at }))
    };
    for bad in ["0001-01-01T00:00:00Z", "1899-12-31T23:59:59Z"] {
        assert_field(&issue(bad), 422, "awarded_at");
    }
    let in_an_hour = (chrono::Utc::now() + chrono::Duration::hours(1)).to_rfc3339();
    assert_field(&issue(&in_an_hour), 422, "awarded_at");
    assert_eq!(issue("1900-01-01T00:00:00Z").status, 201);
    let wallet = w.learner.get("/v1/me/wallet");
    assert_eq!(wallet.body["credentials"].as_array().unwrap().len(), 1, "{}", wallet.text);
    let _ = &w.lakeside.admin;
}

fn check<'a>(verification: &'a Value, name: &str) -> &'a Value {
    verification["checks"].as_array().unwrap().iter().find(|c| c["check"] == name).unwrap_or_else(|| panic!("no {name} check in {verification}"))
}

fn in_days(days: i64) -> String {
    (chrono::Utc::now() + chrono::Duration::days(days)).to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

#[test]
fn someone_elses_credential_is_kept_marked_and_never_shown_as_mine() {
    let app = TestApp::spawn();
    let w = world(&app);
    let eve = app.learner("eve@example.org");
    let adas = issue_to(&w, &w.learner.id);
    let jwt = adas["jwt"].as_str().unwrap();

    // Eve imports Ada's genuine credential: kept, but not hers.
    let stolen = eve.post("/v1/me/credentials/import", &json!({ "jwt": jwt }));
    assert_eq!(stolen.status, 201, "{}", stolen.text);
    assert_eq!(stolen.body["holder"], false);
    assert_eq!(stolen.body["verified"], false, "someone else's credential is not verified as the importer's");
    assert_eq!(check(&stolen.body["verification"], "signature")["result"], "pass", "the signature itself is genuine");
    let holder = check(&stolen.body["verification"], "holder");
    assert_eq!(holder["result"], "fail");
    assert!(holder["detail"].as_str().unwrap().contains(&format!("urn:uuid:{}", w.learner.id)), "{holder}");
    let wallet = eve.get("/v1/me/wallet");
    assert_eq!(wallet.body["imported"].as_array().unwrap().len(), 1, "kept and shown in her wallet");

    // Never in her shares, nor in the presentation the service signs for her.
    let share = eve.post("/v1/me/shares", &json!({ "all": true, "expires_at": in_days(7) }));
    assert_eq!(share.status, 201, "{}", share.text);
    let opened = app.get(share.body["url"].as_str().unwrap().strip_prefix(&app.base).unwrap(), None);
    assert_eq!(opened.body["imported"], json!([]), "{}", opened.text);
    let (_, presentation) = jwt_parts(opened.body["presentation"].as_str().unwrap());
    assert_eq!(presentation["verifiableCredential"], json!([]));
    assert!(!opened.text.contains(jwt), "Ada's credential is not in Eve's share");
    let named = eve.post("/v1/me/shares", &json!({ "credentials": [stolen.id()], "expires_at": in_days(7) }));
    assert_field(&named, 422, "credentials[0]");

    // Ada's own import of the same credential is hers; a second import is the
    // same record, not a copy.
    let own = w.learner.post("/v1/me/credentials/import", &json!({ "jwt": jwt }));
    assert_eq!(own.status, 201, "{}", own.text);
    assert_eq!(own.body["holder"], true);
    assert_eq!(own.body["verified"], true);
    let again = w.learner.post("/v1/me/credentials/import", &json!({ "jwt": jwt }));
    assert_eq!(again.status, 200, "{}", again.text);
    assert_eq!(again.body["id"], own.body["id"]);
    let as_json = w.learner.post("/v1/me/credentials/import", &json!({ "credential": adas["ob3"] }));
    assert_eq!(as_json.status, 200, "the same credential as JSON is the same import: {}", as_json.text);
    assert_eq!(as_json.body["id"], own.body["id"]);
    assert_eq!(w.learner.get("/v1/me/wallet").body["imported"].as_array().unwrap().len(), 1);
    let again_eve = eve.post("/v1/me/credentials/import", &json!({ "jwt": jwt }));
    assert_eq!(again_eve.status, 200);
    assert_eq!(eve.get("/v1/me/wallet").body["imported"].as_array().unwrap().len(), 1);
}

#[test]
fn a_credential_naming_my_verified_address_is_mine() {
    let app = TestApp::spawn();
    let w = world(&app);
    // Issued to an address with no account: the subject is a salted hash of it.
    let issued = w.lakeside.try_issue(&json!({ "achievement": w.achievement, "recipient": { "email": "grace@example.org" } }));
    assert_eq!(issued.status, 201, "{}", issued.text);
    let jwt = issued.body["jwt"].as_str().unwrap();
    let grace = app.learner("grace@example.org");
    let eve = app.learner("eve@example.org");
    let hers = grace.post("/v1/me/credentials/import", &json!({ "jwt": jwt }));
    assert_eq!(hers.status, 201, "{}", hers.text);
    assert_eq!(hers.body["holder"], true, "{}", hers.text);
    assert_eq!(check(&hers.body["verification"], "holder")["detail"], "issued to your verified e-mail address");
    let not_eves = eve.post("/v1/me/credentials/import", &json!({ "jwt": jwt }));
    assert_eq!(not_eves.body["holder"], false, "{}", not_eves.text);

    // An address counts only once it is confirmed: registering someone's
    // address does not make their credentials importable as one's own.
    let issued = w.lakeside.try_issue(&json!({ "achievement": w.achievement, "recipient": { "email": "ivan@example.org" } }));
    let jwt = issued.body["jwt"].as_str().unwrap();
    let ivan = app.learner_unconfirmed("ivan@example.org");
    let unconfirmed = ivan.post("/v1/me/credentials/import", &json!({ "jwt": jwt }));
    assert_eq!(unconfirmed.status, 201, "{}", unconfirmed.text);
    assert_eq!(unconfirmed.body["holder"], false, "{}", unconfirmed.text);
    let detail = check(&unconfirmed.body["verification"], "holder")["detail"].as_str().unwrap().to_owned();
    assert!(detail.contains("not one of your verified addresses"), "{detail}");
    let confirmed = app.post("/v1/auth/verify-email", None, &json!({ "code": app.verification_code("ivan@example.org") }));
    assert_eq!(confirmed.status, 200, "{}", confirmed.text);
    let after = ivan.post("/v1/me/credentials/import", &json!({ "jwt": jwt }));
    assert_eq!(after.body["holder"], true, "{}", after.text);
}

#[test]
fn imports_say_honestly_what_they_are() {
    let app = TestApp::spawn();
    let w = world(&app);
    let import = |body: Value| w.learner.post("/v1/me/credentials/import", &body);

    // Not a credential at all: refused, nothing stored.
    assert_field(&import(json!({ "credential": { "hello": "world" } })), 422, "credential");
    assert_field(&import(json!({ "jwt": w.learner.token })), 422, "jwt");
    assert_eq!(w.learner.get("/v1/me/wallet").body["imported"], json!([]));

    let reason = |body: Value| {
        let response = import(body);
        assert_eq!(response.status, 201, "{}", response.text);
        assert_eq!(response.body["verified"], false);
        let format = check(&response.body["verification"], "format");
        assert_eq!(format["result"], "fail");
        format["detail"].as_str().unwrap().to_owned()
    };
    // Open Badges 2.0 is verified by fetching from its issuer (tests/e2e/ob2_imports.rs);
    // an issuer that cannot be reached (`.invalid` never resolves) is reported, not a 500.
    let signature = |body: Value| {
        let response = import(body);
        assert_eq!(response.status, 201, "{}", response.text);
        assert_eq!(response.body["verified"], false);
        let signature = check(&response.body["verification"], "signature");
        assert_eq!(signature["result"], "fail");
        signature["detail"].as_str().unwrap().to_owned()
    };
    let hosted = json!({
        "@context": "https://w3id.org/openbadges/v2", "type": "Assertion", "id": "https://badges.invalid/assertions/1",
        "recipient": { "type": "email", "hashed": false, "identity": "ada@example.org" },
        "badge": "https://badges.invalid/badges/1", "verification": { "type": "hosted" }, "issuedOn": "2024-01-01T00:00:00Z"
    });
    let detail = signature(json!({ "credential": hosted }));
    assert!(detail.starts_with("could not fetch https://badges.invalid/assertions/1"), "{detail}");
    let mut signed = hosted.clone();
    signed["id"] = json!("urn:uuid:2f6b1d1e-2c9a-4a53-9b1a-6f0c8d7e5a41");
    signed["verification"] = json!({ "type": "signed", "creator": "https://badges.invalid/key" });
    let detail = signature(json!({ "credential": signed }));
    assert!(detail.starts_with("a signed Open Badges 2.0 assertion verifies from its JWS"), "{detail}");

    let key = SigningKey::generate().unwrap();
    let mut header = jsonwebtoken::Header::new(jsonwebtoken::Algorithm::ES256);
    header.kid = Some("https://old.example/keys#1".into());
    let vc11 = json!({ "iss": "https://old.example", "sub": "did:example:ada", "vc": {
        "@context": ["https://www.w3.org/2018/credentials/v1"], "type": ["VerifiableCredential"], "credentialSubject": { "id": "did:example:ada" } } });
    let vc11_jwt = jsonwebtoken::encode(&header, &vc11, key.encoding_key()).unwrap();
    let detail = reason(json!({ "jwt": vc11_jwt }));
    assert!(detail.starts_with("format not supported: W3C VC Data Model 1.1 JWT"), "{detail}");
    let ob2_jws = jsonwebtoken::encode(&header, &signed, key.encoding_key()).unwrap();
    let detail = signature(json!({ "jwt": ob2_jws }));
    assert!(detail.starts_with("could not fetch https://badges.invalid/badges/1"), "{detail}");

    // The DCC's did:key example: its eddsa-rdfc-2022 proof is valid, its
    // issuer is nobody this service trusts, and the two are said apart.
    let examples = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/standards/examples/dcc_v2_didkey_basicOBv3.json");
    if let Ok(text) = std::fs::read_to_string(&examples) {
        let doc: Value = serde_json::from_str(&text).unwrap();
        let response = import(json!({ "credential": doc }));
        assert_eq!(response.status, 201, "{}", response.text);
        assert_eq!(response.body["verified"], false);
        let signature = check(&response.body["verification"], "signature");
        assert_eq!(signature["result"], "pass", "{signature}");
        assert!(signature["detail"].as_str().unwrap().starts_with("a valid eddsa-rdfc-2022 proof by did:key:"), "{signature}");
        let issuer = check(&response.body["verification"], "issuer");
        assert!(issuer["detail"].as_str().unwrap().starts_with("issuer not trusted"), "{issuer}");
    }

    // A VC-JWT of an unknown issuer says so, not "no key matches the kid".
    let ob3 = issue_to(&w, &w.learner.id)["ob3"].clone();
    let mut foreign = ob3.clone();
    foreign["issuer"] = json!({ "id": "https://stranger.example/issuer", "type": ["Profile"], "name": "Stranger" });
    let foreign_jwt = jsonwebtoken::encode(&header, &foreign, key.encoding_key()).unwrap();
    let response = import(json!({ "jwt": foreign_jwt }));
    let signature = check(&response.body["verification"], "signature")["detail"].as_str().unwrap().to_owned();
    assert!(signature.contains("https://stranger.example/issuer is not an issuer this service knows"), "{signature}");
}

#[test]
fn share_presentations_are_vc_jose_cose_and_verify_here() {
    let app = TestApp::spawn();
    let w = world(&app);
    let first = issue_to(&w, &w.learner.id);
    let second = issue_to(&w, &w.learner.id);
    let share = w.learner.post("/v1/me/shares", &json!({ "all": true, "expires_at": in_days(7) }));
    let opened = app.get(share.body["url"].as_str().unwrap().strip_prefix(&app.base).unwrap(), None);
    let presentation = opened.body["presentation"].as_str().unwrap().to_owned();
    let (header, payload) = jwt_parts(&presentation);
    assert_eq!(header["typ"], "vp+jwt");
    assert_eq!(header["alg"], "ES256");
    app.verify_jws(&presentation, "/.well-known/jwks.json");
    assert_eq!(payload["type"], json!(["VerifiablePresentation"]));
    assert_eq!(payload["@context"][0], "https://www.w3.org/ns/credentials/v2");
    assert_eq!(payload["holder"], format!("urn:uuid:{}", w.learner.id));
    let enclosed = payload["verifiableCredential"].as_array().unwrap();
    assert_eq!(enclosed.len(), 2);
    let mut jwts: Vec<String> = enclosed
        .iter()
        .map(|e| {
            assert_eq!(e["type"], "EnvelopedVerifiableCredential");
            e["id"].as_str().unwrap().strip_prefix("data:application/vc+jwt,").unwrap().to_owned()
        })
        .collect();
    jwts.sort();
    let mut issued = vec![first["jwt"].as_str().unwrap().to_owned(), second["jwt"].as_str().unwrap().to_owned()];
    issued.sort();
    assert_eq!(jwts, issued);

    let verify = |body: Value| app.post("/v1/verify", None, &body).body;
    let verdict = verify(json!({ "presentation": presentation }));
    assert_eq!(verdict["verified"], true, "{verdict}");
    assert_eq!(verdict["holder"], format!("urn:uuid:{}", w.learner.id));
    assert!(verdict["credentials"].as_array().unwrap().iter().all(|c| c["subject_is_holder"] == true && c["verification"]["verified"] == true));

    // Altered after signing: the signature fails.
    let parts: Vec<&str> = presentation.split('.').collect();
    let mut altered = payload.clone();
    altered["holder"] = json!("urn:uuid:someone-else");
    use base64::Engine;
    let forged = format!("{}.{}.{}", parts[0], base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(altered.to_string()), parts[2]);
    let verdict = verify(json!({ "presentation": forged }));
    assert_eq!(verdict["verified"], false);
    assert_eq!(check(&verdict, "signature")["result"], "fail");

    // Eve wraps Ada's credential in a presentation of her own: not verified,
    // and the credential's subject is not the holder she names.
    let eve_key = SigningKey::generate().unwrap();
    let mut eve_header = jsonwebtoken::Header::new(jsonwebtoken::Algorithm::ES256);
    eve_header.typ = Some("vp+jwt".into());
    let mut eves = payload.clone();
    eves["holder"] = json!("did:example:eve");
    let eves = jsonwebtoken::encode(&eve_header, &eves, eve_key.encoding_key()).unwrap();
    let verdict = verify(json!({ "presentation": eves }));
    assert_eq!(verdict["verified"], false);
    assert!(verdict["credentials"].as_array().unwrap().iter().all(|c| c["subject_is_holder"] == false));

    // Revoking an enclosed credential makes the kept presentation fail.
    let revoked = w.lakeside.issuer.post(&format!("/v1/credentials/{}/revoke", first["id"].as_str().unwrap()), &json!({ "reason": "error" }));
    assert_eq!(revoked.status, 200);
    let verdict = verify(json!({ "presentation": presentation }));
    assert_eq!(verdict["verified"], false);
    assert_eq!(check(&verdict, "signature")["result"], "pass");

    app.post("/v1/verify", None, &json!({ "presentation": presentation, "jwt": first["jwt"] })).assert_problem(422);
    let _ = &w.lakeside.admin;
}
