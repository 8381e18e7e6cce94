//! Employment records: self-asserted by the learner, attested by the employer.

use serde_json::json;

use crate::sharing::World;

#[test]
fn employment_is_self_asserted_until_the_employer_attests_it() {
    let w = World::new();
    let app = &w.app;
    let (_, learner) = app.learner("ada@example.com");
    let added = app.post(
        "/v1/me/employment",
        Some(&learner),
        &json!({
            "employer_name": "Acme Analytics", "employer_org": w.employer_org, "title": "Data Analyst",
            "start_date": "2024-02-01", "end_date": "2026-06-30", "skills": ["DV-1"]
        }),
    );
    assert_eq!(added.status, 201, "{}", added.text);
    assert_eq!(added.body["verified"], false);
    let id = added.id();
    let wallet = app.get("/v1/me/wallet", Some(&learner));
    assert_eq!(wallet.body["employment"][0]["id"], id.as_str());
    assert_eq!(wallet.body["employment"][0]["verified"], false);

    // Who may attest: only staff of the employer the record names.
    let other_org = app.org(&w.admin, "Other Employer", "employer");
    let (_, other) = app.staff(&w.admin, &other_org, "hr@other.example", "employer");
    app.post(&format!("/v1/employment/{id}/attest"), Some(&other), &json!({})).assert_problem(404);
    app.post(&format!("/v1/employment/{id}/attest"), Some(&w.issuer), &json!({})).assert_problem(403);
    app.post(&format!("/v1/employment/{id}/attest"), Some(&learner), &json!({})).assert_problem(403);
    app.get(&format!("/v1/orgs/{}/employment", w.employer_org), Some(&other)).assert_problem(404);
    let queue = app.get(&format!("/v1/orgs/{}/employment", w.employer_org), Some(&w.employer));
    assert_eq!(queue.body["items"][0]["id"], id.as_str());

    let attested = app.post(&format!("/v1/employment/{id}/attest"), Some(&w.employer), &json!({}));
    assert_eq!(attested.status, 200, "{}", attested.text);
    assert_eq!(attested.body["verified"], true);
    let jws = attested.body["attestation"]["jwt"].as_str().unwrap();
    let claims = app.verify_jws(jws, &format!("/v1/issuers/{}/jwks", w.employer_org));
    assert_eq!(claims["employment"]["title"], "Data Analyst");
    assert_eq!(claims["sub"], format!("urn:uuid:{}", added.body["learner"].as_str().unwrap()));
    app.post(&format!("/v1/employment/{id}/attest"), Some(&w.employer), &json!({})).assert_problem(409);
    assert_eq!(app.get("/v1/me/wallet", Some(&learner)).body["employment"][0]["verified"], true);

    // In the CLR export, as an achievement of the subject.
    let clr = app.get("/v1/me/clr", Some(&learner));
    let achievement = &clr.body["credentialSubject"]["achievement"][0];
    assert_eq!(achievement["achievementType"], "ext:Employment");
    assert!(achievement["description"].as_str().unwrap().contains("attested by Acme Analytics"));

    // In the learner's audit log.
    let audit = app.get("/v1/me/audit", Some(&learner));
    assert!(audit.body["items"].as_array().unwrap().iter().any(|e| e["action"] == "employment.attest"));

    // Deleting: only one's own.
    let (_, eve) = app.learner("eve@example.com");
    app.call("DELETE", &format!("/v1/me/employment/{id}"), Some(&eve), None).assert_problem(404);
    assert_eq!(app.call("DELETE", &format!("/v1/me/employment/{id}"), Some(&learner), None).status, 204);
    assert_eq!(app.get("/v1/me/wallet", Some(&learner)).body["employment"], json!([]));
}

#[test]
fn impossible_employment_records_are_rejected() {
    let w = World::new();
    let app = &w.app;
    let (_, learner) = app.learner("ada@example.com");
    let cases = [
        json!({ "employer_name": "Acme", "title": "Analyst", "start_date": "2024-02-01", "end_date": "2023-01-01" }),
        json!({ "employer_name": "Acme", "title": "Analyst", "start_date": "2024-02-30" }),
        json!({ "employer_name": "", "title": "Analyst", "start_date": "2024-02-01" }),
        json!({ "employer_name": "Acme", "title": "Analyst", "start_date": "2024-02-01", "salary": 1 }),
        // An institution is not an employer organisation.
        json!({ "employer_name": "Northfield", "employer_org": w.org, "title": "Analyst", "start_date": "2024-02-01" }),
    ];
    for body in cases {
        let response = app.post("/v1/me/employment", Some(&learner), &body);
        assert!(matches!(response.status, 400 | 422), "{body}: {} {}", response.status, response.text);
        response.assert_problem(response.status);
    }
    assert_eq!(app.get("/v1/me/wallet", Some(&learner)).body["employment"], json!([]));
}
