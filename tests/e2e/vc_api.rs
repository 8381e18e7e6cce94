//! The W3C VC API (VCALM) endpoints: issue, verify, update the status of
//! and verify presentations of Open Badges 3.0 credentials, through HTTP.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use cairn_tests::{AchievementBuilder, Institution, Learner, Response, TestApp, did_key_credential, in_days};
use serde_json::{Value, json};

struct World {
    app: TestApp,
    lakeside: Institution,
    learner: Learner,
    achievement: String,
}

fn world() -> World {
    let app = TestApp::spawn();
    let lakeside = app.institution("Lakeside University");
    let learner = app.learner("ada@example.com");
    let achievement = lakeside.achievement(&AchievementBuilder::micro("Data Visualisation").validity("P2Y"));
    World { app, lakeside, learner, achievement }
}

impl World {
    /// A VC API issue request for the learner.
    fn request(&self) -> Value {
        json!({
            "credential": {
                "@context": ["https://www.w3.org/ns/credentials/v2", "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"],
                "type": ["VerifiableCredential", "OpenBadgeCredential"],
                "validFrom": "2026-01-15T09:00:00Z",
                "credentialSubject": {
                    "type": ["AchievementSubject"],
                    "id": format!("urn:uuid:{}", self.learner.id),
                    "achievement": { "id": format!("{}/v1/achievements/{}", self.app.base, self.achievement) }
                }
            },
            "options": {}
        })
    }

    fn issue(&self) -> Value {
        let issued = self.lakeside.issuer.post("/credentials/issue", &self.request());
        assert_eq!(issued.status, 201, "{}", issued.text);
        issued.body["verifiableCredential"].clone()
    }

    fn verify(&self, credential: &Value) -> Value {
        let verified = self.app.post("/credentials/verify", None, &json!({ "verifiableCredential": credential }));
        assert_eq!(verified.status, 200, "{}", verified.text);
        verified.body
    }

    fn update_status(&self, credential_id: &str, purpose: &str, status: bool) -> Response {
        let body = json!({
            "credentialId": credential_id,
            "credentialStatus": { "type": "BitstringStatusListEntry", "statusPurpose": purpose },
            "status": status
        });
        self.lakeside.issuer.post("/credentials/status", &body)
    }
}

fn titles(list: &Value) -> Vec<String> {
    list.as_array().unwrap().iter().map(|p| p["title"].as_str().unwrap().to_owned()).collect()
}

fn field_of(response: &Response) -> String {
    response.body["errors"][0]["field"].as_str().unwrap_or_default().to_owned()
}

#[test]
fn a_credential_issued_through_the_vc_api_verifies_until_it_is_revoked() {
    let w = world();
    let credential = w.issue();
    // The OB 3.0 credential as stored: its status entries and its Data Integrity proof.
    assert_eq!(credential["type"], json!(["VerifiableCredential", "OpenBadgeCredential"]));
    assert_eq!(credential["validFrom"], "2026-01-15T09:00:00Z");
    assert_eq!(credential["credentialSubject"]["id"], format!("urn:uuid:{}", w.learner.id));
    assert_eq!(credential["credentialStatus"].as_array().unwrap().len(), 2);
    assert_eq!(credential["proof"]["type"], "DataIntegrityProof");
    assert_eq!(credential["proof"]["cryptosuite"], "eddsa-rdfc-2022");
    let id = credential["id"].as_str().unwrap().to_owned();
    let held = w.learner.credential_ids();
    assert_eq!(held, vec![id.strip_prefix("urn:uuid:").unwrap().to_owned()], "issued into the learner's wallet");

    let result = w.verify(&credential);
    assert_eq!(result["verified"], true, "{result}");
    assert_eq!(result["errors"], json!([]));
    assert_eq!(result["warnings"], json!([]), "an institution of this service is trusted");
    assert_eq!(result["issuerTrust"], "cairn");
    for check in ["proof", "issuer", "credentialStatus", "validFrom", "credentialSchema"] {
        assert!(result["checks"].as_array().unwrap().contains(&json!(check)), "{check} in {result}");
    }

    let revoked = w.update_status(&id, "revocation", true);
    assert_eq!(revoked.status, 200, "{}", revoked.text);
    assert_eq!(revoked.body, json!({ "credentialId": id, "status": "revoked" }));
    let result = w.verify(&credential);
    assert_eq!(result["verified"], false);
    assert_eq!(titles(&result["errors"]), ["Credential revoked"]);
    assert_eq!(result["errors"][0]["type"], "https://cairn.dev/problems/vc/revoked");
    assert_eq!(result["problemDetails"], result["errors"]);
    // Revocation is final, through this API as through Cairn's own.
    w.update_status(&id, "revocation", true).assert_problem(409);
    w.update_status(&id, "revocation", false).assert_problem(422);
    w.update_status(&id, "suspension", true).assert_problem(409);
}

#[test]
fn evidence_and_an_end_of_validity_are_taken_from_the_credential() {
    let w = world();
    let mut request = w.request();
    request["credential"]["validUntil"] = json!("2030-01-01T00:00:00Z");
    request["credential"]["evidence"] =
        json!([{ "type": ["Evidence"], "id": "https://portfolio.example/ada/charts", "name": "Capstone", "genre": "Project" }]);
    let issued = w.lakeside.issuer.post("/credentials/issue", &request);
    assert_eq!(issued.status, 201, "{}", issued.text);
    let credential = &issued.body["verifiableCredential"];
    assert_eq!(credential["validUntil"], "2030-01-01T00:00:00Z");
    assert_eq!(credential["evidence"][0]["id"], "https://portfolio.example/ada/charts");
    assert_eq!(credential["evidence"][0]["name"], "Capstone");
    assert_eq!(w.verify(credential)["verified"], true);

    request["credential"]["evidence"] = json!([{ "id": "not a url" }]);
    let refused = w.lakeside.issuer.post("/credentials/issue", &request);
    refused.assert_problem(422);
    assert_eq!(field_of(&refused), "credential.evidence[0]");
    request["credential"]["evidence"] = json!([{ "type": "Evidence" }]);
    let refused = w.lakeside.issuer.post("/credentials/issue", &request);
    refused.assert_problem(422);
    assert_eq!(field_of(&refused), "credential.evidence[0]", "{}", refused.text);
    request["credential"]["evidence"] = json!([]);
    request["credential"]["validUntil"] = json!("2025-01-01T00:00:00Z");
    let refused = w.lakeside.issuer.post("/credentials/issue", &request);
    refused.assert_problem(422);
    assert_eq!(field_of(&refused), "credential.validUntil");
}

#[test]
fn suspension_is_set_and_cleared_through_the_status_purpose() {
    let w = world();
    let credential = w.issue();
    let id = credential["id"].as_str().unwrap();
    let bare = id.strip_prefix("urn:uuid:").unwrap();
    assert_eq!(w.update_status(id, "suspension", true).body["status"], "suspended");
    let result = w.verify(&credential);
    assert_eq!(result["verified"], false);
    assert_eq!(titles(&result["errors"]), ["Credential suspended"]);
    // The bare id names the credential as well; clearing the bit reinstates.
    let reinstated = w.update_status(bare, "suspension", false);
    assert_eq!(reinstated.status, 200, "{}", reinstated.text);
    assert_eq!(reinstated.body["status"], "active");
    assert_eq!(w.verify(&credential)["verified"], true);
    let status = w.lakeside.issuer.get(&format!("/v1/credentials/{bare}"));
    assert_eq!(status.body["status"], "active");
}

#[test]
fn a_tampered_credential_does_not_verify_and_a_vc_jwt_does() {
    let w = world();
    let credential = w.issue();
    let mut tampered = credential.clone();
    let name = tampered["name"].as_str().unwrap().to_owned();
    let mut chars: Vec<char> = name.chars().collect();
    chars[0] = if chars[0] == 'X' { 'Y' } else { 'X' };
    tampered["name"] = json!(chars.into_iter().collect::<String>());
    let result = w.verify(&tampered);
    assert_eq!(result["verified"], false, "{result}");
    assert!(titles(&result["errors"]).contains(&"Proof not verified".to_owned()), "{result}");

    // The same credential as a compact VC-JWT, bare and enveloped.
    let bare = credential["id"].as_str().unwrap().strip_prefix("urn:uuid:").unwrap().to_owned();
    let jwt = w.lakeside.issuer.get(&format!("/v1/credentials/{bare}")).body["jwt"].as_str().unwrap().to_owned();
    assert_eq!(w.verify(&json!(jwt))["verified"], true);
    let enveloped = json!({
        "@context": "https://www.w3.org/ns/credentials/v2",
        "type": "EnvelopedVerifiableCredential",
        "id": format!("data:application/vc+jwt,{jwt}")
    });
    assert_eq!(w.verify(&enveloped)["verified"], true);
    let returned = w.app.post("/credentials/verify", None, &json!({ "verifiableCredential": jwt, "options": { "returnCredential": true } }));
    assert_eq!(returned.body["credential"]["id"], credential["id"]);
}

#[test]
fn an_untrusted_issuers_valid_proof_verifies_with_a_warning() {
    let w = world();
    let (credential, signer, did) = did_key_credential(&format!("urn:uuid:{}", w.learner.id));
    let result = w.verify(&credential);
    assert_eq!(result["verified"], true, "the proof, status, dates and shape hold: {result}");
    assert_eq!(result["errors"], json!([]));
    assert_eq!(titles(&result["warnings"]), ["issuer not trusted"]);
    assert_eq!(result["warnings"][0]["type"], "https://cairn.dev/problems/vc/issuer-not-trusted");
    assert_eq!(result["issuerTrust"], "unknown");
    assert_eq!(result["issuer"], did.as_str());
    assert!(result["checks"].as_array().unwrap().contains(&json!("proof")), "{result}");

    // One character changed: the proof fails, whoever the issuer.
    let mut tampered = credential.clone();
    tampered["name"] = json!("Teamwork Badge.");
    let result = w.verify(&tampered);
    assert_eq!(result["verified"], false);
    assert!(titles(&result["errors"]).contains(&"Proof not verified".to_owned()), "{result}");

    // Registered as trusted: no warning.
    let jwk = json!({ "kty": "OKP", "crv": "Ed25519", "x": URL_SAFE_NO_PAD.encode(signer.public_key()), "kid": signer.verification_method });
    let registered = w.app.admin().post("/v1/trusted-issuers", &json!({ "issuer_id": did, "name": "Harbour Academy", "jwks": { "keys": [jwk] } }));
    assert_eq!(registered.status, 201, "{}", registered.text);
    let result = w.verify(&credential);
    assert_eq!((result["verified"].as_bool(), &result["warnings"], result["issuerTrust"].as_str()), (Some(true), &json!([]), Some("trusted")));
}

#[test]
fn only_the_institutions_issuers_issue_and_change_status() {
    let w = world();
    let request = w.request();
    w.app.post("/credentials/issue", None, &request).assert_problem(401);
    w.learner.post("/credentials/issue", &request).assert_problem(403);
    let other = w.app.institution("Hillside College");
    // Another institution's catalog entry is not one the caller can issue.
    let refused = other.issuer.post("/credentials/issue", &request);
    refused.assert_problem(422);
    assert_eq!(field_of(&refused), "credential.credentialSubject.achievement.id");

    let id = w.issue()["id"].as_str().unwrap().to_owned();
    let body =
        json!({ "credentialId": id, "credentialStatus": { "type": "BitstringStatusListEntry", "statusPurpose": "revocation" }, "status": true });
    w.learner.post("/credentials/status", &body).assert_problem(403);
    let hidden = other.issuer.post("/credentials/status", &body);
    hidden.assert_problem(404);
    let mut unknown = body.clone();
    unknown["credentialId"] = json!("urn:uuid:01234567-89ab-7def-8123-456789abcdef");
    let missing = other.issuer.post("/credentials/status", &unknown);
    missing.assert_problem(404);
    assert_eq!(hidden.body, missing.body, "someone else's credential looks like no credential");
    let status = w.lakeside.issuer.get(&format!("/v1/credentials/{}", id.strip_prefix("urn:uuid:").unwrap()));
    assert_eq!(status.body["status"], "active", "nothing changed");
}

#[test]
fn bad_bodies_are_problems_naming_what_is_missing() {
    let w = world();
    let issuer = &w.lakeside.issuer;
    let with = |pointer: &str, value: Value| {
        let mut request = w.request();
        let (parent, name) = pointer.rsplit_once('/').unwrap();
        request.pointer_mut(parent).unwrap()[name] = value;
        request
    };
    let cases = [
        (with("/credential/type", json!(["VerifiableCredential"])), "credential.type"),
        (with("/credential/credentialSubject/achievement", json!({})), "credential.credentialSubject.achievement.id"),
        (with("/credential/credentialSubject/achievement/id", json!("https://elsewhere.example/a/1")), "credential.credentialSubject.achievement.id"),
        (with("/credential/credentialSubject/id", json!("did:example:ada")), "credential.credentialSubject.id"),
        (with("/credential/credentialSubject/id", json!("urn:uuid:01234567-89ab-7def-8123-456789abcdef")), "credential.credentialSubject.id"),
        (with("/credential/validFrom", json!("yesterday")), "credential.validFrom"),
        (with("/credential/validFrom", json!("2999-01-01T00:00:00Z")), "credential.validFrom"),
        (with("/credential/issuer", json!("did:web:elsewhere.example")), "credential.issuer"),
        (with("/options", json!({ "surprise": true })), "options.surprise"),
        (json!({ "options": {} }), "credential"),
    ];
    for (body, field) in cases {
        let refused = issuer.post("/credentials/issue", &body);
        refused.assert_problem(422);
        assert_eq!(field_of(&refused), field, "{}", refused.text);
    }
    let mut no_subject = w.request();
    no_subject["credential"]["credentialSubject"].as_object_mut().unwrap().remove("id");
    let refused = issuer.post("/credentials/issue", &no_subject);
    refused.assert_problem(422);
    assert_eq!(field_of(&refused), "credential.credentialSubject.id");
    assert!(refused.body["detail"].as_str().unwrap().contains("urn:uuid:"), "{}", refused.text);
    // By e-mail instead: a claim waits for the address's owner.
    no_subject["options"] = json!({ "recipientEmail": "grace@example.com" });
    let claimable = issuer.post("/credentials/issue", &no_subject);
    assert_eq!(claimable.status, 201, "{}", claimable.text);
    assert!(claimable.body["claimCode"].is_string(), "the claim code, shown once: {}", claimable.text);

    w.app.call_raw("POST", "/credentials/verify", None, "application/json", b"{").assert_problem(400);
    w.app.post("/credentials/verify", None, &json!({})).assert_problem(422);
    w.app.post("/credentials/verify", None, &json!({ "verifiableCredential": 42 })).assert_problem(422);
    w.app.post("/credentials/verify", None, &json!({ "verifiableCredential": { "name": "not a credential" } })).assert_problem(422);
    w.app.post("/presentations/verify", None, &json!({ "verifiablePresentation": [] })).assert_problem(422);
    w.app.post("/presentations/verify", None, &json!({ "verifiablePresentation": { "type": "Something" } })).assert_problem(422);
    let id = w.issue()["id"].as_str().unwrap().to_owned();
    let status = |body: Value| issuer.post("/credentials/status", &body);
    let entry = json!({ "type": "BitstringStatusListEntry", "statusPurpose": "revocation" });
    assert_eq!(field_of(status(json!({ "credentialId": "nope", "credentialStatus": entry, "status": true })).assert_problem(422)), "credentialId");
    let refresh = json!({ "type": "BitstringStatusListEntry", "statusPurpose": "refresh" });
    assert_eq!(
        field_of(status(json!({ "credentialId": id, "credentialStatus": refresh, "status": true })).assert_problem(422)),
        "credentialStatus.statusPurpose"
    );
    let list2021 = json!({ "type": "StatusList2021Entry", "statusPurpose": "revocation" });
    assert_eq!(
        field_of(status(json!({ "credentialId": id, "credentialStatus": list2021, "status": true })).assert_problem(422)),
        "credentialStatus.type"
    );
    status(json!({ "credentialId": id, "credentialStatus": entry })).assert_problem(422);
}

#[test]
fn a_retried_vc_api_issue_issues_once() {
    let w = world();
    let mut request = w.request();
    request["options"] = json!({ "credentialId": "lakeside-2026-0001" });
    let first = w.lakeside.issuer.post("/credentials/issue", &request);
    let again = w.lakeside.issuer.post("/credentials/issue", &request);
    assert_eq!(first.status, 201, "{}", first.text);
    assert_eq!(again.status, 201);
    assert_eq!(first.body, again.body, "the first response, replayed");
    assert_eq!(w.learner.credential_ids().len(), 1, "issued once");
    request["credential"]["validFrom"] = json!("2026-01-16T09:00:00Z");
    let reused = w.lakeside.issuer.post("/credentials/issue", &request);
    reused.assert_problem(422);
}

#[test]
fn a_share_presentation_verifies_with_a_result_per_credential() {
    let w = world();
    let first = w.issue();
    let second = w.issue();
    let ids: Vec<String> = [&first, &second].iter().map(|c| c["id"].as_str().unwrap().strip_prefix("urn:uuid:").unwrap().to_owned()).collect();
    let share = w.learner.share(&json!({ "credentials": ids, "expires_at": in_days(7) }));
    let opened = w.learner.open_share(&share);
    assert_eq!(opened.status, 200, "{}", opened.text);
    let presentation = opened.body["presentation"].as_str().unwrap().to_owned();

    let verify = |body: Value| {
        let result = w.app.post("/presentations/verify", None, &body);
        assert_eq!(result.status, 200, "{}", result.text);
        result.body
    };
    let result = verify(json!({ "verifiablePresentation": presentation }));
    assert_eq!(result["verified"], true, "{result}");
    assert_eq!(result["checks"], json!(["format", "proof", "holder"]));
    let credentials = result["credentialResults"].as_array().unwrap();
    assert_eq!(credentials.len(), 2);
    assert!(credentials.iter().all(|c| c["verified"] == true && c["errors"] == json!([])), "{result}");
    let enveloped = json!({
        "@context": "https://www.w3.org/ns/credentials/v2",
        "type": "EnvelopedVerifiablePresentation",
        "id": format!("data:application/vp+jwt,{presentation}")
    });
    assert_eq!(verify(json!({ "verifiablePresentation": enveloped }))["verified"], true);
    // The same share as JSON with its Data Integrity proof.
    let document = opened.body["presentation_document"].clone();
    let result = verify(json!({ "verifiablePresentation": document }));
    assert_eq!(result["verified"], true, "{result}");
    assert_eq!(result["credentialResults"].as_array().unwrap().len(), 2);
    let mut altered = document.clone();
    altered["holder"] = json!("urn:uuid:01234567-89ab-7def-8123-456789abcdef");
    let result = verify(json!({ "verifiablePresentation": altered }));
    assert_eq!(result["verified"], false);
    assert!(titles(&result["errors"]).contains(&"Proof not verified".to_owned()), "{result}");

    // A revoked credential inside fails the presentation, and says which.
    w.update_status(&format!("urn:uuid:{}", ids[1]), "revocation", true).assert_status(200);
    let result = verify(json!({ "verifiablePresentation": presentation }));
    assert_eq!(result["verified"], false);
    let of =
        |id: &str| result["credentialResults"].as_array().unwrap().iter().find(|c| c["credentialId"] == format!("urn:uuid:{id}")).cloned().unwrap();
    assert_eq!(of(&ids[0])["verified"], true);
    assert_eq!(titles(&of(&ids[1])["errors"]), ["Credential revoked"]);

    // A tampered presentation's own proof fails.
    let mut parts: Vec<String> = presentation.split('.').map(str::to_owned).collect();
    let mut signature: Vec<char> = parts[2].chars().collect();
    signature[10] = if signature[10] == 'A' { 'B' } else { 'A' };
    parts[2] = signature.into_iter().collect();
    let result = verify(json!({ "verifiablePresentation": parts.join(".") }));
    assert_eq!(result["verified"], false);
    assert!(titles(&result["errors"]).contains(&"Proof not verified".to_owned()), "{result}");
}
