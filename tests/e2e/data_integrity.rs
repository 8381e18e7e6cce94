//! Embedded Data Integrity proofs (eddsa-rdfc-2022): what Cairn issues
//! verifies from its JSON alone, a tampered copy says it was tampered with,
//! and a did:key credential from elsewhere is checked cryptographically
//! whoever issued it, with trust reported separately.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use cairn_tests::{AchievementBuilder, IssueRequest, TestApp, did_key_credential, in_days};
use serde_json::{Value, json};

fn check<'a>(verdict: &'a Value, name: &str) -> (&'a str, &'a str) {
    let found = verdict["checks"].as_array().unwrap().iter().find(|c| c["check"] == name).unwrap_or_else(|| panic!("no {name} check in {verdict}"));
    (found["result"].as_str().unwrap(), found["detail"].as_str().unwrap())
}

#[test]
fn an_issued_credential_verifies_from_its_json_and_a_tampered_copy_says_so() {
    let app = TestApp::spawn();
    let lakeside = app.institution("Lakeside University");
    let learner = app.learner("ada@example.com");
    let achievement = lakeside.achievement(&AchievementBuilder::micro("Coaching Basics"));
    let issued = lakeside.issue_with(&IssueRequest::new(&achievement).to(&learner.id));
    let ob3 = &issued["ob3"];

    let verdict = app.post("/v1/verify", None, &json!({ "credential": ob3 })).body;
    assert_eq!(verdict["verified"], true, "{verdict}");
    let (result, detail) = check(&verdict, "signature");
    assert_eq!(result, "pass");
    assert!(detail.contains("eddsa-rdfc-2022"), "{detail}");
    assert_eq!(verdict["issuer_kind"], "cairn");

    // The wallet shows the same signed document.
    let wallet = learner.get("/v1/me/wallet").body;
    assert_eq!(&wallet["credentials"][0]["ob3"], ob3);

    let mut tampered = ob3.clone();
    tampered["name"] = json!("Coaching Basics!");
    let verdict = app.post("/v1/verify", None, &json!({ "credential": tampered })).body;
    assert_eq!(verdict["verified"], false);
    let (result, detail) = check(&verdict, "signature");
    assert_eq!(result, "fail");
    assert!(detail.starts_with("tampered"), "{detail}");

    // A revoked credential's proof is still valid; its status is not.
    lakeside.issuer.post(&format!("/v1/credentials/{}/revoke", issued["id"].as_str().unwrap()), &json!({ "reason": "issued in error" }));
    let verdict = app.post("/v1/verify", None, &json!({ "credential": ob3 })).body;
    assert_eq!((verdict["verified"].as_bool(), check(&verdict, "signature").0, check(&verdict, "status").0), (Some(false), "pass", "fail"));
}

#[test]
fn a_did_key_credential_is_checked_cryptographically_and_trusted_only_once_registered() {
    let app = TestApp::spawn();
    let learner = app.learner("ada@example.com");
    let (credential, signer, did) = did_key_credential(&format!("urn:uuid:{}", learner.id));

    let imported = learner.post("/v1/me/credentials/import", &json!({ "credential": credential }));
    assert_eq!(imported.status, 201, "{}", imported.text);
    let verification = &imported.body["verification"];
    assert_eq!(imported.body["verified"], false, "an issuer nobody registered: {verification}");
    assert_eq!(check(verification, "signature").0, "pass", "{verification}");
    let (result, detail) = check(verification, "issuer");
    assert_eq!(result, "fail");
    assert!(detail.starts_with("issuer not trusted"), "{detail}");

    // An administrator registers the issuer (its Ed25519 key as a JWK).
    let jwk = json!({ "kty": "OKP", "crv": "Ed25519", "x": URL_SAFE_NO_PAD.encode(signer.public_key()), "kid": signer.verification_method });
    let registered = app.admin().post("/v1/trusted-issuers", &json!({ "issuer_id": did, "name": "Harbour Academy", "jwks": { "keys": [jwk] } }));
    assert_eq!(registered.status, 201, "{}", registered.text);
    let again = learner.post("/v1/me/credentials/import", &json!({ "credential": credential }));
    assert_eq!(again.status, 201, "{}", again.text);
    assert_eq!(again.body["verified"], true, "{}", again.body["verification"]);
    assert_eq!(again.body["verification"]["issuer_kind"], "trusted");

    // One character changed: tampered, and not counted.
    let mut tampered = credential.clone();
    tampered["credentialSubject"]["achievement"]["name"] = json!("Teamwerk");
    let refused = learner.post("/v1/me/credentials/import", &json!({ "credential": tampered }));
    assert_eq!(refused.status, 201, "kept and marked: {}", refused.text);
    assert_eq!(refused.body["verified"], false);
    assert!(check(&refused.body["verification"], "signature").1.starts_with("tampered"));

    // A key that is not the issuer's: the proof's controller must be the issuer.
    let (mut other, _, _) = did_key_credential(&format!("urn:uuid:{}", learner.id));
    other["issuer"]["id"] = json!(did);
    let verdict = app.post("/v1/verify", None, &json!({ "credential": other })).body;
    assert_eq!(verdict["verified"], false);
    assert!(check(&verdict, "signature").1.contains("not of the issuer"), "{verdict}");
}

#[test]
fn share_presentations_and_status_lists_carry_proofs_that_verify() {
    let app = TestApp::spawn();
    let lakeside = app.institution("Lakeside University");
    let learner = app.learner("ada@example.com");
    let achievement = lakeside.achievement(&AchievementBuilder::micro("Coaching Basics"));
    let issued = lakeside.issue_with(&IssueRequest::new(&achievement).to(&learner.id));

    let share = learner.share(&json!({ "all": true, "expires_at": in_days(7) }));
    let opened = app.get(app.path_of(share["url"].as_str().unwrap()), None).body;
    let document = &opened["presentation_document"];
    assert_eq!(document["proof"]["cryptosuite"], "eddsa-rdfc-2022");
    let verdict = app.post("/v1/verify", None, &json!({ "presentation": document })).body;
    assert_eq!(verdict["verified"], true, "{verdict}");
    assert_eq!(verdict["credentials"][0]["verification"]["verified"], true);
    let mut tampered = document.clone();
    tampered["holder"] = json!("urn:uuid:00000000-0000-7000-8000-000000000000");
    let verdict = app.post("/v1/verify", None, &json!({ "presentation": tampered })).body;
    assert_eq!(verdict["verified"], false);

    // The status list as JSON is secured by its institution's proof.
    let list_url = issued["ob3"]["credentialStatus"][0]["statusListCredential"].as_str().unwrap().to_owned();
    let list = app.get_with_header(app.path_of(&list_url), "accept", "application/json").body;
    let verdict = app.post("/v1/verify", None, &json!({ "credential": list })).body;
    assert_eq!(check(&verdict, "signature").0, "pass", "{verdict}");
    assert_eq!(check(&verdict, "issuer").0, "pass");

    // The platform's and the institution's DID documents are public.
    let platform = app.get("/.well-known/did.json", None).body;
    assert_eq!(platform["id"].as_str().unwrap(), document["proof"]["verificationMethod"].as_str().unwrap().split('#').next().unwrap());
}
