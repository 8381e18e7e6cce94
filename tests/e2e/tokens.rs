//! Access tokens that must be refused: tampered, expired, wrong audience,
//! wrong issuer, `alg: none`, signed with another key, malformed.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use cairn_tests::service::SigningKey;
use cairn_tests::{TestApp, jwt_parts};
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde_json::{Value, json};

fn sign_with_kid(claims: &Value, key: &EncodingKey, kid: Option<&str>) -> String {
    let mut header = Header::new(Algorithm::ES256);
    header.kid = kid.map(str::to_owned);
    jsonwebtoken::encode(&header, claims, key).unwrap()
}

#[test]
fn forged_and_stale_tokens_are_refused() {
    let app = TestApp::spawn();
    let good = app.learner("holder@example.org");
    assert_eq!(good.get("/v1/me").status, 200);

    let service_key = SigningKey::load_or_create(&app.data_dir.join("access-token-key.p8")).unwrap();
    // Genuine tokens name the service key by its thumbprint.
    let kid = service_key.thumbprint();
    let sign = |claims: &Value, key: &EncodingKey| sign_with_kid(claims, key, Some(&kid));
    let claims = jwt_parts(&good.token).1;
    let now = chrono::Utc::now().timestamp();

    // Re-signing the genuine claims with the service key is accepted: the
    // refusals below are due to what each one changes, nothing else.
    let resigned = sign(&claims, service_key.encoding_key());
    assert_eq!(app.get("/v1/me", Some(&resigned)).status, 200);

    let mut cases: Vec<(&str, String)> = Vec::new();

    // Payload changed after signing (role escalated to admin).
    let mut escalated = claims.clone();
    escalated["role"] = json!("admin");
    let parts: Vec<&str> = good.token.split('.').collect();
    let tampered = format!("{}.{}.{}", parts[0], URL_SAFE_NO_PAD.encode(escalated.to_string()), parts[2]);
    cases.push(("tampered payload", tampered));

    let mut expired = claims.clone();
    expired["iat"] = json!(now - 7200);
    expired["exp"] = json!(now - 3600);
    cases.push(("expired", sign(&expired, service_key.encoding_key())));

    let mut audience = claims.clone();
    audience["aud"] = json!("some-other-service");
    cases.push(("wrong audience", sign(&audience, service_key.encoding_key())));

    let mut issuer = claims.clone();
    issuer["iss"] = json!("https://evil.example");
    cases.push(("wrong issuer", sign(&issuer, service_key.encoding_key())));

    let mut no_exp = claims.clone();
    no_exp.as_object_mut().unwrap().remove("exp");
    cases.push(("missing exp", sign(&no_exp, service_key.encoding_key())));

    let header = URL_SAFE_NO_PAD.encode(r#"{"alg":"none","typ":"JWT"}"#);
    let mut admin_claims = claims.clone();
    admin_claims["role"] = json!("admin");
    let payload = URL_SAFE_NO_PAD.encode(admin_claims.to_string());
    cases.push(("alg none", format!("{header}.{payload}.")));
    cases.push(("alg none, no signature part", format!("{header}.{payload}")));

    let other_key = SigningKey::generate().unwrap();
    cases.push(("another key", sign(&claims, other_key.encoding_key())));

    let hs256 = jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &EncodingKey::from_secret(b"guess")).unwrap();
    cases.push(("HS256 with a guessed secret", hs256));

    // Signed with the real key, but naming a key the service does not have,
    // or none at all: the kid is pinned like the algorithm.
    cases.push(("unknown kid", sign_with_kid(&claims, service_key.encoding_key(), Some("some-other-key"))));
    cases.push(("no kid", sign_with_kid(&claims, service_key.encoding_key(), None)));

    // Issued or valid only in the future, beyond the leeway of a few seconds.
    let mut future_iat = claims.clone();
    future_iat["iat"] = json!(now + 3600);
    cases.push(("iat in the future", sign(&future_iat, service_key.encoding_key())));
    let mut future_nbf = claims.clone();
    future_nbf["nbf"] = json!(now + 3600);
    cases.push(("nbf in the future", sign(&future_nbf, service_key.encoding_key())));

    cases.push(("garbage", "not.a.jwt".into()));
    cases.push(("empty-ish", "e30".into()));

    for (what, token) in &cases {
        let response = app.get("/v1/me", Some(token));
        assert_eq!(response.status, 401, "{what} token was not refused: {}", response.text);
        response.assert_problem(401);
        assert_eq!(response.header("www-authenticate"), Some("Bearer"), "{what}");
    }

    // Malformed Authorization headers, including a good token without the scheme.
    for header in ["Basic dXNlcjpwYXNz", "Bearer", "Bearer    ", good.token.as_str()] {
        let response = app.get_with_header("/v1/me", "Authorization", header);
        response.assert_problem(401);
    }
}
