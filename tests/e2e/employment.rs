//! Employment records: self-asserted by the learner, attested by the employer.

use serde_json::json;

use crate::sharing::World;

#[test]
fn employment_is_self_asserted_until_the_employer_attests_it() {
    let w = World::new();
    let app = &w.app;
    let learner = app.learner("ada@example.com");
    let added = learner.post(
        "/v1/me/employment",
        &json!({
            "employer_name": "Acme Analytics", "employer_org": w.employer.org, "title": "Data Analyst",
            "start_date": "2024-02-01", "end_date": "2026-06-30", "skills": ["DV-1"]
        }),
    );
    assert_eq!(added.status, 201, "{}", added.text);
    assert_eq!(added.body["verified"], false);
    let id = added.id();
    let wallet = learner.get("/v1/me/wallet");
    assert_eq!(wallet.body["employment"][0]["id"], id.as_str());
    assert_eq!(wallet.body["employment"][0]["verified"], false);

    // Who may attest: only staff of the employer the record names.
    let other = app.employer("Other Employer").staff;
    other.post(&format!("/v1/employment/{id}/attest"), &json!({})).assert_problem(404);
    w.northfield.issuer.post(&format!("/v1/employment/{id}/attest"), &json!({})).assert_problem(403);
    learner.post(&format!("/v1/employment/{id}/attest"), &json!({})).assert_problem(403);
    other.get(&format!("/v1/orgs/{}/employment", w.employer.org)).assert_problem(404);
    let queue = w.employer.get(&format!("/v1/orgs/{}/employment", w.employer.org));
    assert_eq!(queue.body["items"][0]["id"], id.as_str());

    let attested = w.employer.post(&format!("/v1/employment/{id}/attest"), &json!({}));
    assert_eq!(attested.status, 200, "{}", attested.text);
    assert_eq!(attested.body["verified"], true);
    let jws = attested.body["attestation"]["jwt"].as_str().unwrap();
    let claims = app.verify_jws(jws, &format!("/v1/issuers/{}/jwks", w.employer.org));
    assert_eq!(claims["employment"]["title"], "Data Analyst");
    assert_eq!(claims["sub"], format!("urn:uuid:{}", added.body["learner"].as_str().unwrap()));
    w.employer.post(&format!("/v1/employment/{id}/attest"), &json!({})).assert_problem(409);
    assert_eq!(learner.get("/v1/me/wallet").body["employment"][0]["verified"], true);

    // In the CLR export, as an achievement of the subject.
    let clr = learner.get("/v1/me/clr");
    let achievement = &clr.body["credentialSubject"]["achievement"][0];
    assert_eq!(achievement["achievementType"], "ext:Employment");
    assert!(achievement["description"].as_str().unwrap().contains("attested by Acme Analytics"));

    // In the learner's audit log.
    let audit = learner.get("/v1/me/audit");
    assert!(audit.body["items"].as_array().unwrap().iter().any(|e| e["action"] == "employment.attest"));

    // Deleting: only one's own.
    let eve = app.learner("eve@example.com");
    eve.delete(&format!("/v1/me/employment/{id}")).assert_problem(404);
    assert_eq!(learner.delete(&format!("/v1/me/employment/{id}")).status, 204);
    assert_eq!(learner.get("/v1/me/wallet").body["employment"], json!([]));
}

#[test]
fn impossible_employment_records_are_rejected() {
    let w = World::new();
    let app = &w.app;
    let learner = app.learner("ada@example.com");
    let cases = [
        json!({ "employer_name": "Acme", "title": "Analyst", "start_date": "2024-02-01", "end_date": "2023-01-01" }),
        json!({ "employer_name": "Acme", "title": "Analyst", "start_date": "2024-02-30" }),
        json!({ "employer_name": "", "title": "Analyst", "start_date": "2024-02-01" }),
        json!({ "employer_name": "Acme", "title": "Analyst", "start_date": "2024-02-01", "salary": 1 }),
        // An institution is not an employer organisation.
        json!({ "employer_name": "Northfield", "employer_org": w.northfield.org, "title": "Analyst", "start_date": "2024-02-01" }),
    ];
    for body in cases {
        let response = learner.post("/v1/me/employment", &body);
        assert!(matches!(response.status, 400 | 422), "{body}: {} {}", response.status, response.text);
        response.assert_problem(response.status);
    }
    assert_eq!(learner.get("/v1/me/wallet").body["employment"], json!([]));
}
