//! Imports of what learners already hold: Open Badges 2.0 hosted assertions
//! (served by an issuer's web server on loopback) and badges baked into PNG
//! and SVG images.

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::sync::{Arc, Mutex};

use cairn_domain::Email;
use cairn_tests::service::{SigningKey, email_identity_hash};
use cairn_tests::{AchievementBuilder, Learner, PASSWORD, Response, TestApp};
use serde_json::{Value, json};

/// An issuer's web server on loopback: JSON documents by path, or a status.
struct IssuerSite {
    base: String,
    documents: Arc<Mutex<HashMap<String, (u16, String)>>>,
}

impl IssuerSite {
    fn start() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let documents: Arc<Mutex<HashMap<String, (u16, String)>>> = Arc::default();
        let served = documents.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(mut stream) = stream else { continue };
                let mut reader = BufReader::new(stream.try_clone().unwrap());
                let mut request_line = String::new();
                if reader.read_line(&mut request_line).is_err() {
                    continue;
                }
                // The rest of the head; a GET has no body.
                let mut line = String::new();
                while reader.read_line(&mut line).is_ok_and(|n| n > 0) && line != "\r\n" {
                    line.clear();
                }
                let path = request_line.split_whitespace().nth(1).unwrap_or("/").to_owned();
                let (status, body) = served.lock().unwrap().get(&path).cloned().unwrap_or((404, "{}".into()));
                let _ = write!(
                    stream,
                    "HTTP/1.1 {status} X\r\nContent-Type: application/ld+json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                    body.len()
                );
            }
        });
        IssuerSite { base, documents }
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    fn serve(&self, path: &str, document: &Value) {
        self.documents.lock().unwrap().insert(path.to_owned(), (200, document.to_string()));
    }

    fn gone(&self, path: &str) {
        self.documents.lock().unwrap().insert(path.to_owned(), (410, "{}".into()));
    }

    /// Serves the issuer profile and a BadgeClass, and a hosted assertion
    /// of it at `/assertions/{name}` for `email` (hashed, salted); returns
    /// the assertion.
    fn host_assertion(&self, name: &str, email: &str, extra: Value) -> Value {
        self.serve(
            "/issuer",
            &json!({ "@context": "https://w3id.org/openbadges/v2", "type": "Issuer", "id": self.url("/issuer"),
                "name": "Old Town College", "url": self.url("/"), "email": "badges@oldtown.example" }),
        );
        self.serve(
            "/badges/charts",
            &json!({ "@context": "https://w3id.org/openbadges/v2", "type": "BadgeClass", "id": self.url("/badges/charts"),
                "name": "Chart Making", "description": "Makes clear charts.", "image": self.url("/badges/charts.png"),
                "criteria": { "narrative": "Four charts." }, "issuer": self.url("/issuer") }),
        );
        let salt = "deadsea";
        let mut assertion = json!({
            "@context": "https://w3id.org/openbadges/v2", "type": "Assertion", "id": self.url(&format!("/assertions/{name}")),
            "recipient": { "type": "email", "hashed": true, "salt": salt, "identity": email_identity_hash(&Email::parse(email).unwrap(), salt) },
            "badge": self.url("/badges/charts"), "verification": { "type": "hosted" }, "issuedOn": "2024-05-01T12:00:00Z",
        });
        for (key, value) in extra.as_object().cloned().unwrap_or_default() {
            assertion[key] = value;
        }
        self.serve(&format!("/assertions/{name}"), &assertion);
        assertion
    }
}

fn check<'a>(verification: &'a Value, name: &str) -> (&'a str, &'a str) {
    let found = verification["checks"].as_array().and_then(|checks| checks.iter().find(|c| c["check"] == name));
    let found = found.unwrap_or_else(|| panic!("no {name} check in {verification}"));
    (found["result"].as_str().unwrap(), found["detail"].as_str().unwrap())
}

fn import(learner: &Learner, body: &Value) -> Response {
    learner.post("/v1/me/credentials/import", body)
}

fn import_image(app: &TestApp, learner: &Learner, content_type: &str, bytes: &[u8]) -> Response {
    let token = app.token(&learner.email, PASSWORD);
    app.call_raw("POST", "/v1/me/credentials/import", Some(&token), content_type, bytes)
}

fn trust(app: &TestApp, site: &IssuerSite) {
    let jwk = SigningKey::generate().unwrap().public_jwk("k1".into());
    let registered =
        app.admin().post("/v1/trusted-issuers", &json!({ "issuer_id": site.url("/issuer"), "name": "Old Town College", "jwks": { "keys": [jwk] } }));
    assert_eq!(registered.status, 201, "{}", registered.text);
}

/// A 1x1 PNG, with an `openbadges` iTXt chunk holding `baked` if given.
fn png(baked: Option<&str>) -> Vec<u8> {
    let mut out = Vec::new();
    let mut encoder = png::Encoder::new(&mut out, 1, 1);
    encoder.set_color(png::ColorType::Rgba);
    encoder.add_itxt_chunk("Software".into(), "cairn tests".into()).unwrap();
    if let Some(baked) = baked {
        encoder.add_itxt_chunk("openbadges".into(), baked.into()).unwrap();
    }
    let mut writer = encoder.write_header().unwrap();
    writer.write_image_data(&[0, 128, 255, 255]).unwrap();
    writer.finish().unwrap();
    out
}

#[test]
fn a_hosted_ob2_assertion_is_authentic_and_verifies_once_its_issuer_is_trusted() {
    let app = TestApp::spawn();
    let learner = app.learner("ada");
    let site = IssuerSite::start();
    let assertion = site.host_assertion("1", &learner.email, json!({}));

    // Fetched from its issuer's origin and identical, but its issuer is no one registered here.
    let untrusted = import(&learner, &json!({ "credential": assertion }));
    assert_eq!(untrusted.status, 201, "{}", untrusted.text);
    let verification = &untrusted.body["verification"];
    let (result, detail) = check(verification, "signature");
    assert_eq!(result, "pass", "{verification}");
    assert_eq!(detail, format!("hosted by its issuer at {}: fetched and identical", site.base));
    assert_eq!(check(verification, "issuer").0, "fail");
    assert_eq!(check(verification, "holder").0, "pass", "{verification}");
    assert_eq!(verification["issuer_kind"], "unknown");
    assert_eq!(untrusted.body["verified"], false);

    // Trusted: the same assertion, given by its URL, verifies.
    trust(&app, &site);
    let by_url = import(&learner, &json!({ "url": site.url("/assertions/1") }));
    assert_eq!(by_url.status, 201, "{}", by_url.text);
    assert_eq!(by_url.body["verified"], true, "{}", by_url.text);
    assert_eq!(by_url.body["holder"], true);
    assert_eq!(by_url.body["verification"]["issuer_kind"], "trusted");
    assert_eq!(by_url.body["issuer"], site.url("/issuer"));
    assert_eq!(by_url.body["issuer_name"], "Old Town College");
    assert_eq!(by_url.body["achievement_name"], "Chart Making");
    assert_eq!(by_url.body["awarded_at"], "2024-05-01T12:00:00Z");
    for name in ["status", "validity", "schema"] {
        assert_eq!(check(&by_url.body["verification"], name).0, "pass", "{name}: {}", by_url.text);
    }
    // Its BadgeClass and issuer profile are kept with it.
    assert_eq!(by_url.body["credential"]["badge"]["issuer"]["name"], "Old Town College");

    // The same assertion as JSON is the same import.
    let again = import(&learner, &json!({ "credential": assertion }));
    assert_eq!(again.status, 200, "{}", again.text);
    assert_eq!(again.body["id"], by_url.body["id"]);

    // A verifier checks it the same way.
    let verified = app.post("/v1/verify", None, &json!({ "credential": assertion }));
    assert_eq!(verified.body["verified"], true, "{}", verified.text);

    // Baked into an SVG (OB 2.0: the assertion's URL in `verify`, its JSON inside).
    let other = site.host_assertion("2", &learner.email, json!({}));
    let svg = format!(
        r#"<?xml version="1.0" encoding="UTF-8"?>
<svg xmlns="http://www.w3.org/2000/svg" xmlns:openbadges="http://openbadges.org" width="10" height="10">
  <openbadges:assertion verify="{}"><![CDATA[{}]]></openbadges:assertion>
  <rect width="10" height="10"/>
</svg>"#,
        site.url("/assertions/2"),
        other
    );
    let baked = import_image(&app, &learner, "image/svg+xml", svg.as_bytes());
    assert_eq!(baked.status, 201, "{}", baked.text);
    assert_eq!(baked.body["verified"], true, "{}", baked.text);
    assert_eq!(baked.body["credential"]["id"], site.url("/assertions/2"));

    // Someone else's assertion is authentic, but not the learner's.
    let eve = site.host_assertion("3", "eve@example.org", json!({}));
    let theirs = import(&learner, &json!({ "credential": eve }));
    assert_eq!(theirs.body["verified"], false);
    assert_eq!(theirs.body["holder"], false);
    assert_eq!(check(&theirs.body["verification"], "signature").0, "pass");
}

/// A signing key and its public half as PEM (SPKI), as an OB 2.0
/// CryptographicKey publishes it.
fn key_with_pem() -> (SigningKey, String) {
    use aws_lc_rs::encoding::AsDer;
    use aws_lc_rs::signature::{ECDSA_P256_SHA256_FIXED_SIGNING, EcdsaKeyPair, KeyPair};
    use base64::Engine;
    let key = SigningKey::generate().unwrap();
    let pair = EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, key.pkcs8()).unwrap();
    let der = pair.public_key().as_der().unwrap();
    let pem = format!("-----BEGIN PUBLIC KEY-----\n{}\n-----END PUBLIC KEY-----\n", base64::engine::general_purpose::STANDARD.encode(der.as_ref()));
    (key, pem)
}

#[test]
fn a_signed_ob2_assertion_verifies_with_its_issuers_key_and_revocation_list() {
    let app = TestApp::spawn();
    let learner = app.learner("ada");
    let site = IssuerSite::start();
    let hosted = site.host_assertion("unused", &learner.email, json!({}));
    let (key, pem) = key_with_pem();
    site.serve(
        "/issuer",
        &json!({ "@context": "https://w3id.org/openbadges/v2", "type": "Issuer", "id": site.url("/issuer"), "name": "Old Town College",
            "publicKey": site.url("/keys/1"), "revocationList": site.url("/revocations") }),
    );
    site.serve(
        "/keys/1",
        &json!({ "@context": "https://w3id.org/openbadges/v2", "type": "CryptographicKey", "id": site.url("/keys/1"),
            "owner": site.url("/issuer"), "publicKeyPem": pem }),
    );
    site.serve("/revocations", &json!({ "type": "RevocationList", "id": site.url("/revocations"), "revokedAssertions": [] }));
    trust(&app, &site);
    let sign = |id: &str| {
        let mut assertion = hosted.clone();
        assertion["id"] = json!(id);
        assertion["verification"] = json!({ "type": "SignedBadge", "creator": site.url("/keys/1") });
        jsonwebtoken::encode(&jsonwebtoken::Header::new(jsonwebtoken::Algorithm::ES256), &assertion, key.encoding_key()).unwrap()
    };

    let jws = sign("urn:uuid:0b5c1d8e-8a8f-4c36-9d7e-2d3f4a5b6c01");
    let response = import(&learner, &json!({ "jwt": jws }));
    assert_eq!(response.status, 201, "{}", response.text);
    assert_eq!(response.body["verified"], true, "{}", response.text);
    let (result, detail) = check(&response.body["verification"], "signature");
    assert_eq!(result, "pass");
    assert!(detail.contains(&site.url("/keys/1")), "{detail}");
    assert_eq!(check(&response.body["verification"], "status").0, "pass");
    assert_eq!(response.body["jwt"], jws);
    // Baked into a PNG, the same assertion is the same import.
    let again = import_image(&app, &learner, "image/png", &png(Some(&jws)));
    assert_eq!(again.status, 200, "{}", again.text);
    assert_eq!(again.body["id"], response.body["id"]);

    // On the issuer's revocation list: the status check fails.
    let revoked_id = "urn:uuid:0b5c1d8e-8a8f-4c36-9d7e-2d3f4a5b6c02";
    site.serve("/revocations", &json!({ "type": "RevocationList", "revokedAssertions": [{ "id": revoked_id, "revocationReason": "withdrawn" }] }));
    let response = import(&learner, &json!({ "jwt": sign(revoked_id) }));
    assert_eq!(response.body["verified"], false);
    assert_eq!(check(&response.body["verification"], "signature").0, "pass");
    assert_eq!(check(&response.body["verification"], "status").0, "fail", "{}", response.text);

    // Signed with another key: the signature fails.
    let (stranger, _) = key_with_pem();
    let mut forged = hosted.clone();
    forged["id"] = json!("urn:uuid:0b5c1d8e-8a8f-4c36-9d7e-2d3f4a5b6c03");
    forged["verification"] = json!({ "type": "SignedBadge", "creator": site.url("/keys/1") });
    let forged = jsonwebtoken::encode(&jsonwebtoken::Header::new(jsonwebtoken::Algorithm::ES256), &forged, stranger.encoding_key()).unwrap();
    let response = import(&learner, &json!({ "jwt": forged }));
    assert_eq!(response.body["verified"], false);
    assert_eq!(check(&response.body["verification"], "signature").0, "fail");
}

#[test]
fn altered_revoked_or_gone_hosted_assertions_do_not_verify() {
    let app = TestApp::spawn();
    let learner = app.learner("ada");
    let site = IssuerSite::start();
    trust(&app, &site);

    let mut altered = site.host_assertion("1", &learner.email, json!({}));
    altered["issuedOn"] = json!("2020-01-01T00:00:00Z");
    let response = import(&learner, &json!({ "credential": altered }));
    assert_eq!(response.status, 201, "{}", response.text);
    assert_eq!(response.body["verified"], false);
    let (result, detail) = check(&response.body["verification"], "signature");
    assert_eq!(result, "fail");
    assert!(detail.contains("altered"), "{detail}");

    let revoked = site.host_assertion("2", &learner.email, json!({ "revoked": true, "revocationReason": "issued in error" }));
    let response = import(&learner, &json!({ "credential": revoked }));
    assert_eq!(response.status, 201, "{}", response.text);
    assert_eq!(response.body["verified"], false);
    assert_eq!(check(&response.body["verification"], "signature").0, "pass");
    assert_eq!(check(&response.body["verification"], "status"), ("fail", "revoked by the issuer: issued in error"));

    let gone = site.host_assertion("3", &learner.email, json!({}));
    site.gone("/assertions/3");
    let response = import(&learner, &json!({ "credential": gone }));
    assert_eq!(response.body["verified"], false);
    assert_eq!(check(&response.body["verification"], "status").0, "fail", "{}", response.text);

    let expired = site.host_assertion("4", &learner.email, json!({ "expires": "2025-01-01T00:00:00Z" }));
    let response = import(&learner, &json!({ "credential": expired }));
    assert_eq!(response.body["verified"], false);
    assert_eq!(check(&response.body["verification"], "validity").0, "fail");

    // Nothing listens there: reported, not a 500.
    let response = import(&learner, &json!({ "url": "http://127.0.0.1:9/assertions/1" }));
    assert_eq!(response.status, 201, "{}", response.text);
    assert_eq!(check(&response.body["verification"], "signature").0, "fail");

    import(&learner, &json!({ "url": "ftp://example.org/a" })).assert_problem(422);
    import(&learner, &json!({ "url": site.url("/assertions/1"), "credential": altered })).assert_problem(422);
    assert_eq!(learner.wallet()["imported"].as_array().unwrap().len(), 5);
}

#[test]
fn baked_png_and_svg_badges_issued_here_import_verified() {
    let app = TestApp::spawn();
    let lakeside = app.institution("Lakeside University");
    let learner = app.learner("ada");
    let achievement = lakeside.achievement(&AchievementBuilder::micro("Data Visualisation").description("Charts.").criteria("Four charts."));
    let first = lakeside.issue(&learner.id, &achievement);
    let second = lakeside.issue(&learner.id, &achievement);

    let jwt = first["jwt"].as_str().unwrap();
    let response = import_image(&app, &learner, "image/png", &png(Some(jwt)));
    assert_eq!(response.status, 201, "{}", response.text);
    assert_eq!(response.body["verified"], true, "{}", response.text);
    assert_eq!(response.body["jwt"], jwt);
    assert_eq!(response.body["credential"]["id"], first["ob3"]["id"]);

    // OB 3.0 SVG: the VC-JWT inside <openbadges:credential>.
    let svg = format!(
        r#"<svg xmlns="http://www.w3.org/2000/svg" xmlns:openbadges="https://purl.imsglobal.org/ob/v3p0"><openbadges:credential><![CDATA[{}]]></openbadges:credential></svg>"#,
        second["jwt"].as_str().unwrap()
    );
    let response = import_image(&app, &learner, "image/svg+xml; charset=utf-8", svg.as_bytes());
    assert_eq!(response.status, 201, "{}", response.text);
    assert_eq!(response.body["verified"], true, "{}", response.text);
    assert_eq!(response.body["credential"]["id"], second["ob3"]["id"]);

    // The same badge again (now as its JSON, baked) is the same import.
    let json_svg = format!(
        r#"<svg xmlns="http://www.w3.org/2000/svg" xmlns:openbadges="https://purl.imsglobal.org/ob/v3p0"><openbadges:credential><![CDATA[{}]]></openbadges:credential></svg>"#,
        second["ob3"]
    );
    let response = import_image(&app, &learner, "image/svg+xml", json_svg.as_bytes());
    assert_eq!(response.status, 200, "{}", response.text);
    assert_eq!(learner.wallet()["imported"].as_array().unwrap().len(), 2);
}

#[test]
fn images_without_a_badge_or_that_are_no_images_are_refused() {
    let app = TestApp::spawn();
    let learner = app.learner("ada");
    let field = |response: &Response| response.body["errors"][0]["field"].as_str().unwrap_or_default().to_owned();

    let response = import_image(&app, &learner, "image/png", &png(None));
    response.assert_problem(422);
    assert_eq!(field(&response), "body");
    assert!(response.text.contains("no iTXt chunk with the keyword `openbadges`"), "{}", response.text);

    let response = import_image(&app, &learner, "image/png", b"{\"credential\": {}}");
    response.assert_problem(422);
    assert!(response.text.contains("not a PNG image"), "{}", response.text);

    let response = import_image(&app, &learner, "image/svg+xml", b"<html><body>hello</body></html>");
    response.assert_problem(422);
    assert!(response.text.contains("not an SVG image"), "{}", response.text);

    // A badge that is no credential.
    import_image(&app, &learner, "image/png", &png(Some(r#"{"hello": "world"}"#))).assert_problem(422);
    import_image(&app, &learner, "image/gif", b"GIF89a").assert_problem(415);
    import_image(&app, &learner, "image/png", &vec![0u8; 2 * 1024 * 1024 + 1]).assert_problem(413);
    assert_eq!(learner.wallet()["imported"].as_array().unwrap().len(), 0);
}
