//! Credentials whose status lists are hosted by their (trusted, external)
//! issuer: the service fetches the list, checks its signature and reads the
//! bit; a list it cannot have leaves the status unchecked, never "active".

use cairn_domain::status_list::StatusList;
use cairn_tests::service::SigningKey;
use cairn_tests::{AchievementBuilder, Institution, Learner, TestApp, WebServer, jwt_parts};
use serde_json::{Value, json};

const ISSUER: &str = "https://registrar.example/issuer";
const KID: &str = "https://registrar.example/keys#1";

/// The app, an external issuer the administrator trusts (its key), the web
/// server that hosts its status lists, and a credential of this service to
/// dress up as the external issuer's.
struct World {
    app: TestApp,
    key: SigningKey,
    server: WebServer,
    learner: Learner,
    template: Value,
    _lakeside: Institution,
}

fn world() -> World {
    let app = TestApp::spawn();
    let lakeside = app.institution("Lakeside University");
    let learner = app.learner("ada");
    let achievement = lakeside.achievement(&AchievementBuilder::micro("Data Visualisation").description("Charts.").criteria("Four assignments."));
    let issued = lakeside.issue_at(&learner.id, &achievement, "2025-03-01T10:00:00Z");
    let template = jwt_parts(issued["jwt"].as_str().unwrap()).1;
    let key = SigningKey::generate().unwrap();
    let registered = lakeside
        .admin
        .post("/v1/trusted-issuers", &json!({ "issuer_id": ISSUER, "name": "Registrar", "jwks": { "keys": [key.public_jwk(KID.into())] } }));
    assert_eq!(registered.status, 201, "{}", registered.text);
    World { app, key, server: WebServer::start(), learner, template, _lakeside: lakeside }
}

fn sign(key: &SigningKey, payload: &Value) -> String {
    let mut header = jsonwebtoken::Header::new(jsonwebtoken::Algorithm::ES256);
    header.kid = Some(KID.into());
    jsonwebtoken::encode(&header, payload, key.encoding_key()).unwrap()
}

/// An encoded list with the given entries set (multibase, base64url).
fn encoded(set: &[usize]) -> String {
    let mut list = StatusList::new();
    for index in set {
        list.set(*index, true).unwrap();
    }
    list.encode().unwrap()
}

/// A status list credential of the external issuer, as a VC-JWT.
fn list_jwt(w: &World, list_type: &str, purpose: &str, encoded_list: &str) -> String {
    let subject_type = list_type.trim_end_matches("Credential");
    sign(
        &w.key,
        &json!({
            "@context": ["https://www.w3.org/ns/credentials/v2"],
            "type": ["VerifiableCredential", list_type],
            "issuer": ISSUER,
            "validFrom": "2025-01-01T00:00:00Z",
            "credentialSubject": { "type": subject_type, "statusPurpose": purpose, "encodedList": encoded_list, "ttl": 60_000 },
        }),
    )
}

/// The external issuer's VC-JWT for the learner, its status at `list`.
fn credential(w: &World, entry_type: &str, purpose: &str, list: &str, index: usize) -> String {
    let mut doc = w.template.clone();
    doc["id"] = json!(format!("urn:uuid:{}", uuid::Uuid::new_v4()));
    doc["issuer"] = json!({ "id": ISSUER, "type": ["Profile"], "name": "Registrar" });
    doc["iss"] = json!(ISSUER);
    doc.as_object_mut().unwrap().remove("proof");
    doc["credentialStatus"] = json!([{ "id": format!("{list}#{index}"), "type": entry_type, "statusPurpose": purpose, "statusListIndex": index.to_string(), "statusListCredential": list }]);
    sign(&w.key, &doc)
}

fn status(verification: &Value) -> (String, String) {
    let check = verification["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["check"] == "status")
        .unwrap_or_else(|| panic!("no status check: {verification}"));
    (check["result"].as_str().unwrap().to_owned(), check["detail"].as_str().unwrap().to_owned())
}

fn verify(w: &World, jwt: &str) -> Value {
    let response = w.app.post("/v1/verify", None, &json!({ "jwt": jwt }));
    assert_eq!(response.status, 200, "{}", response.text);
    response.body
}

#[test]
fn an_external_bitstring_list_decides_revoked_and_active_and_is_cached() {
    let w = world();
    let list = w.server.url("/status/revocation");
    w.server.serve("/status/revocation", 200, "application/vc+jwt", list_jwt(&w, "BitstringStatusListCredential", "revocation", &encoded(&[5])));

    let revoked = credential(&w, "BitstringStatusListEntry", "revocation", &list, 5);
    let verdict = verify(&w, &revoked);
    assert_eq!(status(&verdict), ("fail".into(), format!("revoked by the issuer (status list {list})")), "{verdict}");
    assert_eq!(verdict["verified"], false);

    let active = credential(&w, "BitstringStatusListEntry", "revocation", &list, 6);
    let verdict = verify(&w, &active);
    assert_eq!(status(&verdict).0, "pass", "{verdict}");
    assert_eq!(verdict["verified"], true, "{verdict}");
    assert_eq!(verdict["issuer_kind"], "trusted");

    // Both verifications, and a third, read the list fetched once (ttl 60 s).
    verify(&w, &revoked);
    assert_eq!(w.server.hits("/status/revocation"), 1);

    // An import checks the same list and keeps the verdict.
    let imported = w.learner.post("/v1/me/credentials/import", &json!({ "jwt": revoked }));
    assert_eq!(imported.status, 201, "{}", imported.text);
    assert_eq!(status(&imported.body["verification"]), ("fail".into(), format!("revoked by the issuer (status list {list})")));
    assert_eq!(imported.body["verified"], false);
    let imported = w.learner.post("/v1/me/credentials/import", &json!({ "jwt": active }));
    assert_eq!(imported.status, 201, "{}", imported.text);
    assert_eq!(status(&imported.body["verification"]).0, "pass", "{}", imported.text);
    assert_eq!(imported.body["verified"], true, "{}", imported.text);
    assert_eq!(w.server.hits("/status/revocation"), 1);
}

#[test]
fn a_status_list_2021_suspension_is_read() {
    let w = world();
    let list = w.server.url("/status/2021");
    // StatusList2021 implementations write base64url without the multibase prefix.
    let unprefixed = encoded(&[42]).trim_start_matches('u').to_owned();
    w.server.serve("/status/2021", 200, "application/vc+jwt", list_jwt(&w, "StatusList2021Credential", "suspension", &unprefixed));
    let suspended = verify(&w, &credential(&w, "StatusList2021Entry", "suspension", &list, 42));
    assert_eq!(status(&suspended), ("fail".into(), format!("suspended by the issuer (status list {list})")), "{suspended}");
    let clear = verify(&w, &credential(&w, "StatusList2021Entry", "suspension", &list, 41));
    assert_eq!(status(&clear).0, "pass", "{clear}");
}

#[test]
fn a_list_that_cannot_be_had_or_trusted_leaves_the_status_unchecked() {
    let w = world();
    let unchecked = |jwt: &str, reason: &str| {
        let verdict = verify(&w, jwt);
        let (result, detail) = status(&verdict);
        assert_eq!(result, "skipped", "{verdict}");
        assert!(detail.starts_with("the status could not be checked: "), "{detail}");
        assert!(detail.contains(reason), "expected {reason:?} in {detail:?}");
        assert_eq!(verdict["verified"], true, "an unchecked status does not fail the credential: {verdict}");
    };

    // The server fails; failures are not cached.
    w.server.serve("/status/broken", 500, "text/plain", "oops");
    let broken = credential(&w, "BitstringStatusListEntry", "revocation", &w.server.url("/status/broken"), 5);
    unchecked(&broken, "the status list could not be fetched: the server answered 500");
    unchecked(&broken, "the server answered 500");
    assert_eq!(w.server.hits("/status/broken"), 2);

    // Nothing listens there.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let nowhere = format!("http://{}/status/1", closed.local_addr().unwrap());
    drop(closed);
    unchecked(&credential(&w, "BitstringStatusListEntry", "revocation", &nowhere, 5), "the status list could not be fetched");

    // Missing, or not a list.
    unchecked(&credential(&w, "BitstringStatusListEntry", "revocation", &w.server.url("/status/missing"), 5), "the server answered 404");
    w.server.serve("/status/garbage", 200, "application/json", "not json at all");
    unchecked(&credential(&w, "BitstringStatusListEntry", "revocation", &w.server.url("/status/garbage"), 5), "neither JSON nor a compact VC-JWT");

    // Signed with a key the issuer never registered: every bit set, yet not "revoked".
    let forger = SigningKey::generate().unwrap();
    let mut header = jsonwebtoken::Header::new(jsonwebtoken::Algorithm::ES256);
    header.kid = Some(KID.into());
    let forged = jsonwebtoken::encode(
        &header,
        &json!({ "type": ["VerifiableCredential", "BitstringStatusListCredential"], "issuer": ISSUER,
                 "credentialSubject": { "type": "BitstringStatusList", "statusPurpose": "revocation", "encodedList": encoded(&[5]) } }),
        forger.encoding_key(),
    )
    .unwrap();
    w.server.serve("/status/forged", 200, "application/vc+jwt", forged);
    unchecked(&credential(&w, "BitstringStatusListEntry", "revocation", &w.server.url("/status/forged"), 5), "signature does not verify");

    // Unsigned JSON.
    let unsigned = json!({ "type": ["VerifiableCredential", "BitstringStatusListCredential"], "issuer": ISSUER,
                           "credentialSubject": { "type": "BitstringStatusList", "statusPurpose": "revocation", "encodedList": encoded(&[5]) } });
    w.server.serve("/status/unsigned", 200, "application/json", unsigned.to_string());
    unchecked(&credential(&w, "BitstringStatusListEntry", "revocation", &w.server.url("/status/unsigned"), 5), "cannot be checked");
}
