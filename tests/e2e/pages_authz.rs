//! The authorisation matrix of the web face, beside the API's (`authz.rs`):
//! every page and form, opened by everyone who might try. Signed out, a page
//! that needs an account sends the visitor to sign-in and back; the wrong
//! role gets a 403 page; another person's resource is a 404 page, as the
//! API answers.

use cairn_tests::{ADMIN_EMAIL, ADMIN_PASSWORD, AchievementBuilder, PASSWORD, PageClient, Pathway, Response, Rule, TestApp, csrf_token};
use serde_json::json;

/// Who opens the page, in the order of a case's `expect`.
#[derive(Debug, Clone, Copy)]
enum Who {
    SignedOut,
    /// The learner who holds the credential and made the share.
    Owner,
    OtherLearner,
    Issuer,
    /// The employer who asked the owner for their record.
    Employer,
    OtherEmployer,
    Admin,
}

const EVERYONE: [Who; 7] = [Who::SignedOut, Who::Owner, Who::OtherLearner, Who::Issuer, Who::Employer, Who::OtherEmployer, Who::Admin];

/// What a visitor must get.
#[derive(Debug, Clone)]
enum Expect {
    /// An HTML page with this status.
    Page(u16),
    /// A 200 download (not HTML).
    File,
    /// A redirect to sign-in that comes back here.
    SignIn,
    /// A redirect to exactly this place.
    Redirect(String),
}

use Expect::{Page, SignIn};

const OK: Expect = Page(200);
const FORBIDDEN: Expect = Page(403);
const HIDDEN: Expect = Page(404);
const FILE: Expect = Expect::File;

/// A learner's page: any signed-in learner, no one else.
const LEARNERS: [Expect; 7] = [SignIn, OK, OK, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN];
/// The owner's resource: the owner; another learner finds nothing.
const OWNER: [Expect; 7] = [SignIn, OK, HIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN];
const OWNER_FILE: [Expect; 7] = [SignIn, FILE, HIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN];
const EMPLOYERS: [Expect; 7] = [SignIn, FORBIDDEN, FORBIDDEN, FORBIDDEN, OK, OK, FORBIDDEN];
const PUBLIC: [Expect; 7] = [OK; 7];
/// The institution console: its issuers only.
const ISSUERS: [Expect; 7] = [SignIn, FORBIDDEN, FORBIDDEN, OK, FORBIDDEN, FORBIDDEN, FORBIDDEN];
/// A console form refused for what it holds (422), after the same checks.
const ISSUERS_422: [Expect; 7] = [SignIn, FORBIDDEN, FORBIDDEN, Page(422), FORBIDDEN, FORBIDDEN, FORBIDDEN];

enum Method {
    Get,
    /// A form sent with the visitor's CSRF token (from the verifier page,
    /// which everyone may open), with these fields.
    Form(Vec<(&'static str, String)>),
    /// A form sent without a CSRF token.
    ForgedForm,
}

struct Case {
    method: Method,
    path: String,
    expect: [Expect; 7],
}

fn get(path: impl Into<String>, expect: [Expect; 7]) -> Case {
    Case { method: Method::Get, path: path.into(), expect }
}

fn form(path: impl Into<String>, fields: Vec<(&'static str, String)>, expect: [Expect; 7]) -> Case {
    Case { method: Method::Form(fields), path: path.into(), expect }
}

/// How `response` differs from `expected`, if it does.
fn mismatch(response: &Response, path: &str, expected: &Expect) -> Option<String> {
    let html = response.content_type.starts_with("text/html");
    let location = response.header("location").unwrap_or_default();
    let fine = match expected {
        Page(status) => response.status == *status && html,
        Expect::File => response.status == 200 && !html,
        SignIn => {
            let next = form_urlencoded::byte_serialize(path.as_bytes()).collect::<String>();
            response.status == 303 && location == format!("/sign-in?next={next}")
        }
        Expect::Redirect(to) => response.status == 303 && location == to,
    };
    (!fine).then(|| format!("expected {expected:?}, got {} {} location={location:?}", response.status, response.content_type))
}

#[test]
fn every_page_admits_only_its_people() {
    let app = TestApp::spawn();
    let owner = app.learner("pages-owner");
    let other = app.learner("pages-other");
    let uni = app.institution("Matrix University");
    let employer = app.employer("Matrix Employer");
    let other_employer = app.employer("Other Employer");

    let micro = uni.achievement(&AchievementBuilder::micro("Matrix Micro"));
    let award = uni.achievement(&AchievementBuilder::award("Matrix Award"));
    let pathway = uni.pathway(&Pathway::new("matrix", "Matrix Pathway", &award, Rule::count(1).matching("achievement_type", "MicroCredential")));
    let credential = uni.issue(&owner.id, &micro)["id"].as_str().unwrap().to_owned();
    owner.put("/v1/me/discoverable", &json!({ "discoverable": true }));
    let ask = json!({ "learner": owner.id, "message": "May we see your record?" });
    let granted = employer.post("/v1/talent/requests", &ask).id();
    let in_a_week = (chrono::Utc::now() + chrono::Duration::days(7)).to_rfc3339();
    let granting = owner.post("/v1/me/shares", &json!({ "all": true, "expires_at": in_a_week, "request": granted }));
    assert_eq!(granting.status, 201, "{}", granting.text);
    let org = uni.org.clone();
    let pending = employer.post("/v1/talent/requests", &ask).id();
    let to_decline = employer.post("/v1/talent/requests", &ask).id();
    let spare = owner.post("/v1/me/shares", &json!({ "all": true, "expires_at": in_a_week }));
    let spare_id = spare.body["id"].as_str().unwrap().to_owned();
    let share_path = app.path_of(granting.body["url"].as_str().unwrap()).to_owned();
    let share_token = share_path.rsplit('/').next().unwrap().to_owned();

    let mut browsers = Vec::new();
    for who in EVERYONE {
        let (email, password) = match who {
            Who::SignedOut => (None, PASSWORD),
            Who::Owner => (Some(owner.email.as_str()), PASSWORD),
            Who::OtherLearner => (Some(other.email.as_str()), PASSWORD),
            Who::Issuer => (Some(uni.issuer.email.as_str()), PASSWORD),
            Who::Employer => (Some(employer.staff.email.as_str()), PASSWORD),
            Who::OtherEmployer => (Some(other_employer.staff.email.as_str()), PASSWORD),
            Who::Admin => (Some(ADMIN_EMAIL), ADMIN_PASSWORD),
        };
        browsers.push(email.map_or_else(|| PageClient::new(&app), |email| PageClient::signed_in(&app, email, password)));
    }

    let to = |place: &str| Expect::Redirect(place.to_owned());
    let learner_form = || vec![("learner", owner.id.clone()), ("message", "Hello".to_owned())];
    let cases = vec![
        get("/", [OK, to("/wallet"), to("/wallet"), to("/institution"), to("/talent"), to("/talent"), OK]),
        // Signed in, sign-in is done: each goes to their start page.
        get("/sign-in", [OK, to("/wallet"), to("/wallet"), to("/institution"), to("/talent"), to("/talent"), to("/")]),
        get("/register", PUBLIC),
        get("/confirm-email", PUBLIC),
        get("/verify", PUBLIC),
        get("/static/cairn.css", [FILE; 7]),
        get(format!("/pathways/{pathway}"), PUBLIC),
        get(format!("/achievements/{micro}"), PUBLIC),
        get(format!("/issuers/{org}"), PUBLIC),
        get("/wallet", LEARNERS),
        get("/wallet/clr", [SignIn, FILE, FILE, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN]),
        get("/progress", LEARNERS),
        get(format!("/progress/{pathway}"), LEARNERS),
        get(format!("/wallet/credentials/{credential}"), OWNER),
        get(format!("/wallet/credentials/{credential}/jwt"), OWNER_FILE),
        get(format!("/wallet/credentials/{credential}/json"), OWNER_FILE),
        get(format!("/wallet/credentials/{credential}/baked.png"), OWNER_FILE),
        get(format!("/wallet/credentials/{credential}/baked.svg"), OWNER_FILE),
        // The console's catalog (a form without a name, a retire without the confirmation: 422).
        get("/institution/catalog", ISSUERS),
        get("/institution/catalog/new", ISSUERS),
        get(format!("/institution/catalog/{micro}"), ISSUERS),
        form("/institution/catalog/new", vec![("name", String::new())], ISSUERS_422),
        form(format!("/institution/catalog/{micro}"), vec![("name", String::new())], ISSUERS_422),
        form(format!("/institution/catalog/{micro}/retire"), vec![], ISSUERS_422),
        get("/institution", [SignIn, FORBIDDEN, FORBIDDEN, to(&format!("/issuers/{org}")), FORBIDDEN, FORBIDDEN, FORBIDDEN]),
        get("/talent", EMPLOYERS),
        get("/talent/requests", EMPLOYERS),
        get(format!("/talent/requests/{granted}"), [SignIn, FORBIDDEN, FORBIDDEN, FORBIDDEN, OK, HIDDEN, FORBIDDEN]),
        form(format!("/wallet/credentials/{credential}/public-link"), vec![], OWNER),
        form("/wallet/claim", vec![("code", "not-a-code".to_owned())], [SignIn, Page(422), Page(422), FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN]),
        form(
            "/talent/requests",
            learner_form(),
            [SignIn, FORBIDDEN, FORBIDDEN, FORBIDDEN, to("/talent/requests"), to("/talent/requests"), FORBIDDEN],
        ),
        Case {
            method: Method::ForgedForm,
            path: "/talent/requests".into(),
            expect: [SignIn, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN],
        },
        Case { method: Method::ForgedForm, path: "/verify".into(), expect: [FORBIDDEN; 7] },
        // Sharing: the learner's pages and forms, and the share link's page.
        get("/shares", LEARNERS),
        get(format!("/shares?request={pending}"), OWNER),
        get("/settings", LEARNERS),
        get("/activity", LEARNERS),
        get(&share_path, PUBLIC),
        get(format!("/shared/{share_token}/presentation"), [FILE; 7]),
        form(
            "/shares",
            vec![("scope", String::new()), ("days", "30".to_owned())],
            [SignIn, Page(422), Page(422), FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN],
        ),
        form(
            "/settings/discoverable",
            vec![("discoverable", "true".to_owned())],
            [SignIn, to("/settings?saved=1"), to("/settings?saved=1"), FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN],
        ),
        form(format!("/shares/requests/{to_decline}/decline"), vec![], [SignIn, to("/shares"), HIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN]),
        form(format!("/shares/{spare_id}/revoke"), vec![], [SignIn, to("/shares"), HIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN]),
        Case {
            method: Method::ForgedForm,
            path: "/shares".into(),
            expect: [SignIn, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN],
        },
        Case {
            method: Method::ForgedForm,
            path: format!("/shares/{spare_id}/revoke"),
            expect: [SignIn, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN],
        },
    ];

    let mut failures = Vec::new();
    for case in &cases {
        for ((who, browser), expected) in EVERYONE.iter().zip(&browsers).zip(&case.expect) {
            let response = match &case.method {
                Method::Get => browser.get(&case.path),
                Method::Form(fields) => {
                    let token = csrf_token(&browser.get("/verify").text);
                    let mut all = vec![("csrf", token.as_str())];
                    all.extend(fields.iter().map(|(name, value)| (*name, value.as_str())));
                    browser.post_form(&case.path, &all)
                }
                Method::ForgedForm => browser.post_form(&case.path, &[("learner", owner.id.as_str()), ("message", "forged")]),
            };
            if let Some(why) = mismatch(&response, &case.path, expected) {
                failures.push(format!("{} as {who:?}: {why}", case.path));
            }
        }
    }
    assert!(failures.is_empty(), "page authorisation matrix failures:\n{}", failures.join("\n"));
}
