//! Who may call what: every endpoint × every role, including staff of
//! another organisation. Wrong role is 403; a resource the caller may not
//! see is 404 (ids do not leak); no token is 401.

use cairn_tests::{PASSWORD, TestApp, WebServer};
use serde_json::{Value, json};

#[derive(Clone, Copy, Debug)]
enum Who {
    Anonymous,
    Learner,
    Issuer,
    OtherIssuer,
    Employer,
    Admin,
}

const EVERYONE: [Who; 6] = [Who::Anonymous, Who::Learner, Who::Issuer, Who::OtherIssuer, Who::Employer, Who::Admin];

struct Case {
    method: &'static str,
    path: String,
    body: Box<dyn Fn(usize) -> Option<Value>>,
    /// Expected status per entry of `EVERYONE`.
    expect: [u16; 6],
}

fn no_body(_: usize) -> Option<Value> {
    None
}

fn new_org(_: usize) -> Option<Value> {
    Some(json!({ "name": "Matrix Org", "kind": "institution" }))
}

fn new_issuer(n: usize) -> Option<Value> {
    Some(json!({ "email": format!("staff{n}@matrix.example"), "password": PASSWORD, "name": "S", "role": "issuer" }))
}

fn new_learner(n: usize) -> Option<Value> {
    Some(json!({ "email": format!("learner{n}@matrix.example"), "password": PASSWORD, "name": "L" }))
}

fn new_achievement(n: usize) -> Option<Value> {
    Some(json!({
        "name": format!("Matrix achievement {n}"),
        "description": "For the authorisation matrix.",
        "criteria": { "narrative": "Exist." },
        "achievementType": "Badge"
    }))
}

fn reason(_: usize) -> Option<Value> {
    Some(json!({ "reason": "authorisation matrix" }))
}

fn bogus_claim(_: usize) -> Option<Value> {
    Some(json!({ "code": "not-a-real-claim-code" }))
}

fn new_trusted_issuer(n: usize) -> Option<Value> {
    Some(json!({
        "issuer_id": format!("https://issuer{n}.example"),
        "name": "Trusted",
        "jwks": { "keys": [{ "kty": "EC", "crv": "P-256", "x": "f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU", "y": "x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0" }] }
    }))
}

fn sign_in(_: usize) -> Option<Value> {
    Some(json!({ "email": "learner@matrix.example", "password": PASSWORD }))
}

#[test]
fn every_endpoint_denies_every_role_it_must() {
    let app = TestApp::spawn();
    let admin = app.admin();
    let a = app.institution("Institution A");
    let org_a = a.org.clone();
    let b = app.institution("Institution B");
    let employer = app.employer("Employer");
    let employer_org = employer.org.clone();
    let (issuer, other_issuer) = (a.issuer, b.issuer);
    let learner = app.learner("learner@matrix.example");
    let achievement = issuer.post(&format!("/v1/orgs/{org_a}/achievements"), &new_achievement(0).unwrap()).id();
    let issue = |learner: &str| json!({ "achievement": achievement, "recipient": { "learner": learner } });
    let first = issuer.post(&format!("/v1/orgs/{org_a}/credentials"), &issue(&learner.id));
    let credential = first.id();
    let revocable = issuer.post(&format!("/v1/orgs/{org_a}/credentials"), &issue(&learner.id)).id();
    let status_list = first.body["ob3"]["credentialStatus"][0]["statusListCredential"].as_str().unwrap().strip_prefix(&app.base).unwrap().to_owned();
    let jwt = first.body["jwt"].as_str().unwrap().to_owned();
    // The issued list and its bulk status change (a credential of its own).
    let bulk_target = issuer.post(&format!("/v1/orgs/{org_a}/credentials"), &issue(&learner.id)).id();
    let bulk = json!({ "credentials": [bulk_target], "action": "suspend", "reason": "authorisation matrix" });
    let bulk_body = Box::new(move |_| Some(bulk.clone())) as Box<dyn Fn(usize) -> Option<Value>>;
    // The catalog's versions, retiring and images (the image upload's raw
    // body has its own matrix in catalog.rs).
    let to_retire = issuer.post(&format!("/v1/orgs/{org_a}/achievements"), &new_achievement(1).unwrap()).id();
    let tiny_svg = br#"<svg xmlns="http://www.w3.org/2000/svg"><circle r="1"/></svg>"#;
    app.call_raw("PUT", &format!("/v1/achievements/{achievement}/image"), Some(&issuer.token), "image/svg+xml", tiny_svg).assert_status(200);
    let single = issue(&learner.id);
    let issue_body = Box::new(move |_| Some(single.clone())) as Box<dyn Fn(usize) -> Option<Value>>;
    let batch = json!({ "items": [issue(&learner.id)] });
    let batch_body = Box::new(move |_| Some(batch.clone())) as Box<dyn Fn(usize) -> Option<Value>>;
    let dry_batch = json!({ "items": [issue(&learner.id)] });
    let dry_run_body = Box::new(move |_| Some(dry_batch.clone())) as Box<dyn Fn(usize) -> Option<Value>>;
    let award = issuer
        .post(
            &format!("/v1/orgs/{org_a}/achievements"),
            &json!({ "name": "Matrix award", "description": "d", "criteria": { "narrative": "n" }, "achievementType": "Award" }),
        )
        .id();
    let pathway_rule = move |n: usize| {
        json!({
            "key": format!("matrix-{n}"), "name": "Matrix", "award": award,
            "requirement": { "type": "count", "min": 1, "where": { "achievement_type": "Badge" } }
        })
    };
    let registered = issuer.post(&format!("/v1/orgs/{org_a}/pathways"), &pathway_rule(0));
    issuer.finish_job_of(&registered);
    let pathway = registered.id();
    // The back-fill job the registration started: its starter's and its institution's.
    let backfill = registered.body["job"]["id"].as_str().unwrap().to_owned();
    let update = pathway_rule(0);
    let update_body = Box::new(move |_| Some(update.clone())) as Box<dyn Fn(usize) -> Option<Value>>;
    let what_if = json!({ "add": [achievement] });
    let what_if_body = Box::new(move |_| Some(what_if.clone())) as Box<dyn Fn(usize) -> Option<Value>>;
    let registered_rule = pathway_rule.clone();
    let new_pathway = move |n: usize| Some(registered_rule(n + 1000));
    let verify = json!({ "jwt": jwt });
    let verify_body = Box::new(move |_| Some(verify.clone())) as Box<dyn Fn(usize) -> Option<Value>>;
    let import = json!({ "jwt": jwt });
    let import_body = Box::new(move |_| Some(import.clone())) as Box<dyn Fn(usize) -> Option<Value>>;

    // The employer-facing parts: employment records, shares, talent search.
    let job = json!({ "employer_name": "Employer", "employer_org": employer_org, "title": "Analyst", "start_date": "2024-01-01" });
    let to_attest = learner.post("/v1/me/employment", &job).id();
    let to_delete = learner.post("/v1/me/employment", &job).id();
    let job_body = Box::new(move |_| Some(job.clone())) as Box<dyn Fn(usize) -> Option<Value>>;
    let in_a_week = (chrono::Utc::now() + chrono::Duration::days(7)).to_rfc3339();
    let share_all = json!({ "all": true, "expires_at": in_a_week });
    let open_share = learner.post("/v1/me/shares", &share_all);
    let share_path = open_share.body["url"].as_str().unwrap().strip_prefix(&app.base).unwrap().to_owned();
    let revocable_share = learner.post("/v1/me/shares", &share_all).id();
    let share_body = Box::new(move |_| Some(share_all.clone())) as Box<dyn Fn(usize) -> Option<Value>>;
    let discoverable = json!({ "discoverable": true });
    learner.put("/v1/me/discoverable", &discoverable);
    let discoverable_body = Box::new(move |_| Some(discoverable.clone())) as Box<dyn Fn(usize) -> Option<Value>>;
    let mail_choice = json!({ "issued": true, "awards": true, "status_changes": false, "share_requests": true });
    let mail_choice_body = Box::new(move |_| Some(mail_choice.clone())) as Box<dyn Fn(usize) -> Option<Value>>;
    let ask = json!({ "learner": learner.id, "message": "matrix" });
    let granted = employer.post("/v1/talent/requests", &ask).id();
    learner.post("/v1/me/shares", &json!({ "all": true, "expires_at": in_a_week, "request": granted }));
    let pending = employer.post("/v1/talent/requests", &ask).id();
    let ask_body = Box::new(move |_| Some(ask.clone())) as Box<dyn Fn(usize) -> Option<Value>>;
    let empty = |_: usize| Some(json!({}));

    // The W3C VC API: issue for the matrix learner, suspend a credential of
    // institution A, verify a VC-JWT and the share's presentation.
    let vc_issue = json!({
        "credential": {
            "type": ["VerifiableCredential", "OpenBadgeCredential"],
            "credentialSubject": { "id": format!("urn:uuid:{}", learner.id), "achievement": { "id": format!("{}/v1/achievements/{achievement}", app.base) } }
        }
    });
    let vc_issue_body = Box::new(move |_| Some(vc_issue.clone())) as Box<dyn Fn(usize) -> Option<Value>>;
    let vc_target = issuer.post(&format!("/v1/orgs/{org_a}/credentials"), &issue(&learner.id)).id();
    let vc_status = json!({
        "credentialId": format!("urn:uuid:{vc_target}"),
        "credentialStatus": { "type": "BitstringStatusListEntry", "statusPurpose": "suspension" },
        "status": true
    });
    let vc_status_body = Box::new(move |_| Some(vc_status.clone())) as Box<dyn Fn(usize) -> Option<Value>>;
    let vc_verify = json!({ "verifiableCredential": jwt });
    let vc_verify_body = Box::new(move |_| Some(vc_verify.clone())) as Box<dyn Fn(usize) -> Option<Value>>;
    let vc_presentation = json!({ "verifiablePresentation": app.get(&share_path, None).body["presentation"] });
    let vc_presentation_body = Box::new(move |_| Some(vc_presentation.clone())) as Box<dyn Fn(usize) -> Option<Value>>;

    // Two review pathways the matrix learner completes at once: one to approve, one to reject.
    let reviews: Vec<String> = ["matrix-review-1", "matrix-review-2"]
        .iter()
        .map(|key| {
            let mut rule = pathway_rule(0);
            rule["key"] = json!(key);
            rule["issuance"] = json!("review");
            let registered = issuer.post(&format!("/v1/orgs/{org_a}/pathways"), &rule);
            issuer.finish_job_of(&registered);
            let queue = issuer.get(&format!("/v1/orgs/{org_a}/award-reviews?status=pending"));
            queue.body["items"].as_array().unwrap().last().unwrap()["id"].as_str().unwrap().to_owned()
        })
        .collect();
    let (to_approve, to_reject) = (reviews[0].clone(), reviews[1].clone());
    let (dry_new_rule, dry_change_rule) = (pathway_rule(5000), pathway_rule(0));
    let dry_new = move |_: usize| Some(dry_new_rule.clone());
    let dry_change = move |_: usize| Some(dry_change_rule.clone());

    // Webhooks: A's endpoints (one to disable) with one delivery, the employer's registration.
    let receiver = WebServer::start();
    receiver.serve("/hook", 204, "text/plain", "");
    let hook_url = receiver.url("/hook");
    let new_hook = move |_: usize| Some(json!({ "url": hook_url, "events": ["credential.issued"] }));
    let hook = issuer.post(&format!("/v1/orgs/{org_a}/webhooks"), &new_hook(0).unwrap()).id();
    let hook_to_disable = issuer.post(&format!("/v1/orgs/{org_a}/webhooks"), &new_hook(0).unwrap()).id();
    issuer.post(&format!("/v1/orgs/{org_a}/credentials"), &issue(&learner.id));
    let hook_delivery = issuer.get(&format!("/v1/orgs/{org_a}/webhooks/{hook}/deliveries")).body["items"][0]["id"].as_str().unwrap().to_owned();
    let employer_hook_url = receiver.url("/employer");
    let new_employer_hook = move |_: usize| Some(json!({ "url": employer_hook_url, "events": ["share_request.granted"] }));

    let token = |who: Who| -> Option<&str> {
        match who {
            Who::Anonymous => None,
            Who::Learner => Some(&learner.token),
            Who::Issuer => Some(&issuer.token),
            Who::OtherIssuer => Some(&other_issuer.token),
            Who::Employer => Some(&employer.token),
            Who::Admin => Some(&admin.token),
        }
    };

    //                              anon learner issuer other employer admin
    let cases = vec![
        Case { method: "GET", path: "/health".into(), body: Box::new(no_body), expect: [200, 200, 200, 200, 200, 200] },
        Case { method: "GET", path: "/openapi.json".into(), body: Box::new(no_body), expect: [200, 200, 200, 200, 200, 200] },
        Case { method: "POST", path: "/v1/auth/register".into(), body: Box::new(new_learner), expect: [201, 201, 201, 201, 201, 201] },
        Case { method: "POST", path: "/v1/auth/token".into(), body: Box::new(sign_in), expect: [200, 200, 200, 200, 200, 200] },
        Case { method: "GET", path: "/v1/me".into(), body: Box::new(no_body), expect: [401, 200, 200, 200, 200, 200] },
        Case { method: "POST", path: "/v1/orgs".into(), body: Box::new(new_org), expect: [401, 403, 403, 403, 403, 201] },
        Case { method: "GET", path: "/v1/orgs".into(), body: Box::new(no_body), expect: [401, 403, 403, 403, 403, 200] },
        Case { method: "GET", path: format!("/v1/orgs/{org_a}"), body: Box::new(no_body), expect: [401, 404, 200, 404, 404, 200] },
        Case { method: "POST", path: format!("/v1/orgs/{org_a}/members"), body: Box::new(new_issuer), expect: [401, 403, 403, 403, 403, 201] },
        Case { method: "GET", path: format!("/v1/orgs/{org_a}/members"), body: Box::new(no_body), expect: [401, 404, 200, 404, 404, 200] },
        // The catalog.
        Case {
            method: "POST",
            path: format!("/v1/orgs/{org_a}/achievements"),
            body: Box::new(new_achievement),
            expect: [401, 403, 201, 404, 403, 403],
        },
        Case { method: "GET", path: format!("/v1/orgs/{org_a}/achievements"), body: Box::new(no_body), expect: [200, 200, 200, 200, 200, 200] },
        Case { method: "GET", path: format!("/v1/achievements/{achievement}"), body: Box::new(no_body), expect: [200, 200, 200, 200, 200, 200] },
        Case {
            method: "PUT",
            path: format!("/v1/achievements/{to_retire}"),
            body: Box::new(new_achievement),
            expect: [401, 403, 200, 404, 403, 403],
        },
        Case {
            method: "GET",
            path: format!("/v1/achievements/{achievement}/versions"),
            body: Box::new(no_body),
            expect: [200, 200, 200, 200, 200, 200],
        },
        Case {
            method: "GET",
            path: format!("/v1/achievements/{achievement}/image"),
            body: Box::new(no_body),
            expect: [200, 200, 200, 200, 200, 200],
        },
        Case {
            method: "POST",
            path: format!("/v1/achievements/{to_retire}/retire"),
            body: Box::new(no_body),
            expect: [401, 403, 200, 404, 403, 403],
        },
        // Issuing and reading credentials.
        Case { method: "POST", path: format!("/v1/orgs/{org_a}/credentials"), body: issue_body, expect: [401, 403, 201, 404, 403, 403] },
        Case { method: "POST", path: format!("/v1/orgs/{org_a}/credentials/batch"), body: batch_body, expect: [401, 403, 200, 404, 403, 403] },
        Case {
            method: "POST",
            path: format!("/v1/orgs/{org_a}/credentials/batch?dry_run=true"),
            body: dry_run_body,
            expect: [401, 403, 200, 404, 403, 403],
        },
        Case { method: "GET", path: format!("/v1/credentials/{credential}"), body: Box::new(no_body), expect: [401, 200, 200, 404, 404, 404] },
        Case { method: "GET", path: format!("/v1/orgs/{org_a}/credentials"), body: Box::new(no_body), expect: [401, 403, 200, 404, 403, 403] },
        Case { method: "POST", path: format!("/v1/orgs/{org_a}/credentials/status"), body: bulk_body, expect: [401, 403, 200, 404, 403, 403] },
        Case {
            method: "GET",
            path: format!("/v1/credentials/{credential}/baked.png"),
            body: Box::new(no_body),
            expect: [401, 200, 200, 404, 404, 404],
        },
        Case {
            method: "GET",
            path: format!("/v1/credentials/{credential}/baked.svg"),
            body: Box::new(no_body),
            expect: [401, 200, 200, 404, 404, 404],
        },
        // Status changes: only the issuing institution's issuers (suspend, then reinstate the same credential).
        Case {
            method: "POST",
            path: format!("/v1/credentials/{credential}/suspend"),
            body: Box::new(reason),
            expect: [401, 403, 200, 404, 403, 403],
        },
        Case {
            method: "POST",
            path: format!("/v1/credentials/{credential}/reinstate"),
            body: Box::new(reason),
            expect: [401, 403, 200, 404, 403, 403],
        },
        Case { method: "POST", path: format!("/v1/credentials/{revocable}/revoke"), body: Box::new(reason), expect: [401, 403, 200, 404, 403, 403] },
        // Public issuer documents.
        Case { method: "GET", path: format!("/v1/issuers/{org_a}"), body: Box::new(no_body), expect: [200, 200, 200, 200, 200, 200] },
        Case { method: "GET", path: format!("/v1/issuers/{org_a}/jwks"), body: Box::new(no_body), expect: [200, 200, 200, 200, 200, 200] },
        Case { method: "GET", path: "/.well-known/jwks.json".into(), body: Box::new(no_body), expect: [200, 200, 200, 200, 200, 200] },
        Case { method: "GET", path: status_list.clone(), body: Box::new(no_body), expect: [200, 200, 200, 200, 200, 200] },
        Case { method: "POST", path: "/v1/verify".into(), body: verify_body, expect: [200, 200, 200, 200, 200, 200] },
        // The W3C VC API. Another institution's issuer cannot name A's
        // achievement (422, as on `/v1/orgs/{org}/credentials` of their own)
        // and does not see A's credential (404).
        Case { method: "POST", path: "/credentials/issue".into(), body: vc_issue_body, expect: [401, 403, 201, 422, 403, 403] },
        Case { method: "POST", path: "/credentials/status".into(), body: vc_status_body, expect: [401, 403, 200, 404, 403, 403] },
        Case { method: "POST", path: "/credentials/verify".into(), body: vc_verify_body, expect: [200, 200, 200, 200, 200, 200] },
        Case { method: "POST", path: "/presentations/verify".into(), body: vc_presentation_body, expect: [200, 200, 200, 200, 200, 200] },
        // The wallet.
        Case { method: "GET", path: "/v1/me/wallet".into(), body: Box::new(no_body), expect: [401, 200, 403, 403, 403, 403] },
        Case { method: "POST", path: "/v1/me/credentials/import".into(), body: import_body, expect: [401, 201, 403, 403, 403, 403] },
        Case { method: "POST", path: "/v1/me/claims".into(), body: Box::new(bogus_claim), expect: [401, 404, 403, 403, 403, 403] },
        // E-mail confirmation: the code is the proof, so anyone may try one (a
        // wrong code is a 422); a new code is for the signed-in learner (whose
        // address is already confirmed here: 409).
        Case { method: "POST", path: "/v1/auth/verify-email".into(), body: Box::new(bogus_claim), expect: [422, 422, 422, 422, 422, 422] },
        Case {
            method: "POST",
            path: "/v1/me/email-verification".into(),
            body: Box::new(|_| Some(json!({}))),
            expect: [401, 409, 403, 403, 403, 403],
        },
        // Administration.
        Case { method: "POST", path: "/v1/trusted-issuers".into(), body: Box::new(new_trusted_issuer), expect: [401, 403, 403, 403, 403, 201] },
        Case { method: "GET", path: "/v1/trusted-issuers".into(), body: Box::new(no_body), expect: [401, 403, 403, 403, 403, 200] },
        Case { method: "GET", path: format!("/v1/orgs/{org_a}/audit"), body: Box::new(no_body), expect: [401, 404, 200, 404, 404, 200] },
        Case { method: "GET", path: "/v1/audit".into(), body: Box::new(no_body), expect: [401, 403, 403, 403, 403, 200] },
        // Pathways and progress.
        Case { method: "POST", path: format!("/v1/orgs/{org_a}/pathways"), body: Box::new(new_pathway), expect: [401, 403, 201, 404, 403, 403] },
        Case { method: "GET", path: format!("/v1/orgs/{org_a}/pathways"), body: Box::new(no_body), expect: [200, 200, 200, 200, 200, 200] },
        Case { method: "GET", path: format!("/v1/pathways/{pathway}"), body: Box::new(no_body), expect: [200, 200, 200, 200, 200, 200] },
        Case { method: "PUT", path: format!("/v1/pathways/{pathway}"), body: update_body, expect: [401, 403, 200, 404, 403, 403] },
        Case { method: "GET", path: format!("/v1/pathways/{pathway}/graph"), body: Box::new(no_body), expect: [200, 200, 200, 200, 200, 200] },
        Case { method: "GET", path: "/v1/me/progress".into(), body: Box::new(no_body), expect: [401, 200, 403, 403, 403, 403] },
        Case { method: "GET", path: format!("/v1/me/progress/{pathway}"), body: Box::new(no_body), expect: [401, 200, 403, 403, 403, 403] },
        Case { method: "POST", path: "/v1/me/what-if".into(), body: what_if_body, expect: [401, 200, 403, 403, 403, 403] },
        Case { method: "GET", path: "/v1/me/clr".into(), body: Box::new(no_body), expect: [401, 200, 403, 403, 403, 403] },
        Case { method: "POST", path: format!("/v1/orgs/{org_a}/pathways/dry-run"), body: Box::new(dry_new), expect: [401, 403, 202, 404, 403, 403] },
        Case { method: "POST", path: format!("/v1/pathways/{pathway}/dry-run"), body: Box::new(dry_change), expect: [401, 403, 202, 404, 403, 403] },
        Case { method: "GET", path: format!("/v1/jobs/{backfill}"), body: Box::new(no_body), expect: [401, 404, 200, 404, 404, 404] },
        Case { method: "GET", path: format!("/v1/orgs/{org_a}/award-reviews"), body: Box::new(no_body), expect: [401, 403, 200, 404, 403, 403] },
        Case {
            method: "POST",
            path: format!("/v1/award-reviews/{to_approve}/approve"),
            body: Box::new(no_body),
            expect: [401, 403, 200, 404, 403, 403],
        },
        Case {
            method: "POST",
            path: format!("/v1/award-reviews/{to_reject}/reject"),
            body: Box::new(reason),
            expect: [401, 403, 200, 404, 403, 403],
        },
        Case { method: "PUT", path: format!("/v1/me/following/{pathway}"), body: Box::new(no_body), expect: [401, 204, 403, 403, 403, 403] },
        Case { method: "DELETE", path: format!("/v1/me/following/{pathway}"), body: Box::new(no_body), expect: [401, 204, 403, 403, 403, 403] },
        Case { method: "GET", path: "/v1/me/audit".into(), body: Box::new(no_body), expect: [401, 200, 403, 403, 403, 403] },
        // Employment records.
        Case { method: "POST", path: "/v1/me/employment".into(), body: job_body, expect: [401, 201, 403, 403, 403, 403] },
        Case { method: "DELETE", path: format!("/v1/me/employment/{to_delete}"), body: Box::new(no_body), expect: [401, 204, 403, 403, 403, 403] },
        Case { method: "GET", path: format!("/v1/orgs/{employer_org}/employment"), body: Box::new(no_body), expect: [401, 403, 403, 403, 200, 403] },
        Case { method: "GET", path: format!("/v1/orgs/{org_a}/employment"), body: Box::new(no_body), expect: [401, 403, 403, 403, 404, 403] },
        Case { method: "POST", path: format!("/v1/employment/{to_attest}/attest"), body: Box::new(empty), expect: [401, 403, 403, 403, 200, 403] },
        // Shares.
        Case { method: "POST", path: "/v1/me/shares".into(), body: share_body, expect: [401, 201, 403, 403, 403, 403] },
        Case { method: "GET", path: "/v1/me/shares".into(), body: Box::new(no_body), expect: [401, 200, 403, 403, 403, 403] },
        Case { method: "GET", path: share_path, body: Box::new(no_body), expect: [200, 200, 200, 200, 200, 200] },
        Case { method: "DELETE", path: format!("/v1/me/shares/{revocable_share}"), body: Box::new(no_body), expect: [401, 204, 403, 403, 403, 403] },
        // Talent search and share requests.
        Case { method: "GET", path: "/v1/me/discoverable".into(), body: Box::new(no_body), expect: [401, 200, 403, 403, 403, 403] },
        Case { method: "PUT", path: "/v1/me/discoverable".into(), body: discoverable_body, expect: [401, 200, 403, 403, 403, 403] },
        Case { method: "GET", path: "/v1/me/notifications".into(), body: Box::new(no_body), expect: [401, 200, 403, 403, 403, 403] },
        Case { method: "PUT", path: "/v1/me/notifications".into(), body: mail_choice_body, expect: [401, 200, 403, 403, 403, 403] },
        Case { method: "GET", path: "/v1/talent?skill=DV-1".into(), body: Box::new(no_body), expect: [401, 403, 403, 403, 200, 403] },
        Case { method: "POST", path: "/v1/talent/requests".into(), body: ask_body, expect: [401, 403, 403, 403, 201, 403] },
        Case {
            method: "GET",
            path: format!("/v1/orgs/{employer_org}/share-requests"),
            body: Box::new(no_body),
            expect: [401, 403, 403, 403, 200, 403],
        },
        Case { method: "GET", path: format!("/v1/share-requests/{granted}/record"), body: Box::new(no_body), expect: [401, 403, 403, 403, 200, 403] },
        Case { method: "GET", path: "/v1/me/share-requests".into(), body: Box::new(no_body), expect: [401, 200, 403, 403, 403, 403] },
        Case {
            method: "POST",
            path: format!("/v1/me/share-requests/{pending}/decline"),
            body: Box::new(empty),
            expect: [401, 200, 403, 403, 403, 403],
        },
        // Webhooks: staff of the organisation only; anyone else is told it does not exist.
        Case { method: "POST", path: format!("/v1/orgs/{org_a}/webhooks"), body: Box::new(new_hook), expect: [401, 404, 201, 404, 404, 404] },
        Case { method: "GET", path: format!("/v1/orgs/{org_a}/webhooks"), body: Box::new(no_body), expect: [401, 404, 200, 404, 404, 404] },
        Case { method: "GET", path: format!("/v1/orgs/{org_a}/webhooks/{hook}"), body: Box::new(no_body), expect: [401, 404, 200, 404, 404, 404] },
        Case {
            method: "GET",
            path: format!("/v1/orgs/{org_a}/webhooks/{hook}/deliveries"),
            body: Box::new(no_body),
            expect: [401, 404, 200, 404, 404, 404],
        },
        Case {
            method: "POST",
            path: format!("/v1/orgs/{org_a}/webhooks/{hook}/deliveries/{hook_delivery}/redeliver"),
            body: Box::new(no_body),
            expect: [401, 404, 202, 404, 404, 404],
        },
        Case {
            method: "DELETE",
            path: format!("/v1/orgs/{org_a}/webhooks/{hook_to_disable}"),
            body: Box::new(no_body),
            expect: [401, 404, 200, 404, 404, 404],
        },
        Case {
            method: "POST",
            path: format!("/v1/orgs/{employer_org}/webhooks"),
            body: Box::new(new_employer_hook),
            expect: [401, 404, 404, 404, 201, 404],
        },
    ];

    let mut failures = Vec::new();
    let mut n = 0;
    for case in &cases {
        for (who, expected) in EVERYONE.iter().zip(case.expect) {
            n += 1;
            let body = (case.body)(n);
            let response = app.call(case.method, &case.path, token(*who), body.as_ref());
            if response.status != expected {
                failures.push(format!("{} {} as {who:?}: expected {expected}, got {} {}", case.method, case.path, response.status, response.text));
            } else if expected >= 400 {
                response.assert_problem(expected);
            }
        }
    }
    assert!(failures.is_empty(), "authorisation matrix failures:\n{}", failures.join("\n"));
}

#[test]
fn hidden_and_missing_resources_look_the_same() {
    let app = TestApp::spawn();
    let org_a = app.institution("A").org;
    let issuer_b = app.institution("B").issuer;
    let hidden = issuer_b.get(&format!("/v1/orgs/{org_a}"));
    let missing = issuer_b.get("/v1/orgs/01234567-89ab-7def-8123-456789abcdef");
    hidden.assert_problem(404);
    missing.assert_problem(404);
    assert_eq!(hidden.body, missing.body);
}
