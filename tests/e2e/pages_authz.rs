//! The authorisation matrix of the web face, beside the API's (`authz.rs`):
//! every page and form, opened by everyone who might try. Signed out, a page
//! that needs an account sends the visitor to sign-in and back; the wrong
//! role gets a 403 page; another person's resource is a 404 page, as the
//! API answers.

use cairn_tests::{ADMIN_EMAIL, ADMIN_PASSWORD, AchievementBuilder, PASSWORD, PageClient, Pathway, Response, Rule, TestApp, WebServer, csrf_token};
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
const ISSUERS_422: [Expect; 7] = issuers_get(Page(422));

/// The console's form answer for the issuer (and a 403 for other roles).
const fn issuers_get(expect: Expect) -> [Expect; 7] {
    [SignIn, FORBIDDEN, FORBIDDEN, expect, FORBIDDEN, FORBIDDEN, FORBIDDEN]
}

enum Method {
    Get,
    /// A form sent with the visitor's CSRF token (from the verifier page,
    /// which everyone may open), with these fields.
    Form(Vec<(&'static str, String)>),
    /// A form sent without a CSRF token.
    ForgedForm,
    /// A `multipart/form-data` form with the visitor's CSRF token and this
    /// file: (file name, bytes).
    Upload(&'static str, &'static [u8]),
    /// The same without a CSRF token.
    ForgedUpload(&'static str, &'static [u8]),
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

fn upload(path: impl Into<String>, bytes: &'static [u8], expect: [Expect; 7]) -> Case {
    Case { method: Method::Upload("badge.svg", bytes), path: path.into(), expect }
}

/// A badge image the catalog's image form accepts.
const BADGE_SVG: &[u8] = br##"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 10 10"><circle cx="5" cy="5" r="4" fill="#1f6f78"/></svg>"##;

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
    // The console: a review the owner's credential queued, and a dry run's job.
    let review_award = uni.achievement(&AchievementBuilder::award("Matrix Review Award"));
    uni.pathway(
        &Pathway::new("matrix-review", "Matrix Review", &review_award, Rule::count(1).matching("achievement_type", "MicroCredential"))
            .issuance("review"),
    );
    let review = uni.issuer.get(&uni.path("award-reviews?status=pending")).body["items"][0]["id"].as_str().unwrap().to_owned();
    let dry_run = uni.issuer.post(&format!("/v1/pathways/{pathway}/dry-run"), &app.get(&format!("/v1/pathways/{pathway}"), None).body["rule"]);
    let job = dry_run.body["id"].as_str().unwrap_or_else(|| panic!("{}", dry_run.text)).to_owned();

    // Webhooks of the institution: one with a delivery, one to disable.
    let receiver = WebServer::start();
    receiver.serve("/hook", 204, "text/plain", "");
    let new_hook = json!({ "url": receiver.url("/hook"), "events": ["credential.issued"] });
    let hook = uni.issuer.post(&format!("/v1/orgs/{org}/webhooks"), &new_hook).id();
    let hook_to_disable = uni.issuer.post(&format!("/v1/orgs/{org}/webhooks"), &new_hook).id();
    uni.issue(&owner.id, &micro);
    let hook_delivery = uni.issuer.get(&format!("/v1/orgs/{org}/webhooks/{hook}/deliveries")).body["items"][0]["id"].as_str().unwrap().to_owned();
    let hook_form = || vec![("url", receiver.url("/hook")), ("event", "credential.issued".to_owned())];

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
        get("/institution", ISSUERS),
        get("/institution/pathways", ISSUERS),
        get("/institution/pathways/new", ISSUERS),
        get(format!("/institution/pathways/{pathway}"), ISSUERS),
        get(format!("/institution/jobs/{job}"), ISSUERS),
        get("/institution/reviews", ISSUERS),
        get("/institution/audit", ISSUERS),
        // Bad rules and an empty reason change nothing: the forms again, 422.
        form("/institution/pathways/new", vec![("rule", "{".to_owned())], issuers_get(Page(422))),
        form(format!("/institution/pathways/{pathway}"), vec![("rule", "{".to_owned())], issuers_get(Page(422))),
        form(format!("/institution/reviews/{review}/reject"), vec![("reason", String::new())], issuers_get(Page(422))),
        form(format!("/institution/reviews/{review}/approve"), vec![], issuers_get(to("/institution/reviews?decided=approved"))),
        Case { method: Method::ForgedForm, path: "/institution/pathways/new".into(), expect: issuers_get(FORBIDDEN) },
        Case { method: Method::ForgedForm, path: format!("/institution/reviews/{review}/reject"), expect: issuers_get(FORBIDDEN) },
        // The institution's issued list and its status form (the org is the session's).
        get("/institution/credentials", ISSUERS),
        form(
            "/institution/credentials/status",
            vec![("credential", credential.clone()), ("action", "suspend".to_owned()), ("reason", "page matrix".to_owned())],
            ISSUERS,
        ),
        Case {
            method: Method::ForgedForm,
            path: "/institution/credentials/status".into(),
            expect: [SignIn, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN],
        },
        // The console's Issue page: the issuer's own institution, from the session.
        get("/institution/issue", ISSUERS),
        form("/institution/issue", vec![("achievement", micro.clone()), ("recipient", "matrix-new@example.org".to_owned())], ISSUERS),
        Case {
            method: Method::ForgedForm,
            path: "/institution/issue".into(),
            expect: [SignIn, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN],
        },
        get(format!("/wallet/credentials/{credential}/baked.png"), OWNER_FILE),
        get(format!("/wallet/credentials/{credential}/baked.svg"), OWNER_FILE),
        // The console's catalog (a form without a name, a retire without the confirmation: 422).
        get("/institution/catalog", ISSUERS),
        get("/institution/catalog/new", ISSUERS),
        get(format!("/institution/catalog/{micro}"), ISSUERS),
        form("/institution/catalog/new", vec![("name", String::new())], ISSUERS_422),
        form(format!("/institution/catalog/{micro}"), vec![("name", String::new())], ISSUERS_422),
        form(format!("/institution/catalog/{micro}/retire"), vec![], ISSUERS_422),
        // Its badge image form (multipart): uploaded, a file that is no image (422), no token (403).
        upload(format!("/institution/catalog/{micro}/image"), BADGE_SVG, issuers_get(to(&format!("/institution/catalog/{micro}?image=1")))),
        upload(format!("/institution/catalog/{micro}/image"), b"GIF89a", ISSUERS_422),
        Case {
            method: Method::ForgedUpload("badge.svg", BADGE_SVG),
            path: format!("/institution/catalog/{micro}/image"),
            expect: issuers_get(FORBIDDEN),
        },
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
        form(
            "/settings/notifications",
            vec![("issued", "true".to_owned())],
            [SignIn, to("/settings?saved=1"), to("/settings?saved=1"), FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN],
        ),
        Case {
            method: Method::ForgedForm,
            path: "/settings/notifications".into(),
            expect: [SignIn, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN],
        },
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
        // Webhooks: staff of institutions and employers, each their own organisation's.
        get("/webhooks", [SignIn, FORBIDDEN, FORBIDDEN, OK, OK, OK, FORBIDDEN]),
        get(format!("/webhooks/{hook}"), [SignIn, FORBIDDEN, FORBIDDEN, OK, HIDDEN, HIDDEN, FORBIDDEN]),
        // An employer cannot subscribe to credential events (422, the form again).
        form("/webhooks", hook_form(), [SignIn, FORBIDDEN, FORBIDDEN, Page(201), Page(422), Page(422), FORBIDDEN]),
        form(
            format!("/webhooks/{hook}/deliveries/{hook_delivery}/redeliver"),
            vec![],
            [SignIn, FORBIDDEN, FORBIDDEN, to(&format!("/webhooks/{hook}")), HIDDEN, HIDDEN, FORBIDDEN],
        ),
        form(format!("/webhooks/{hook_to_disable}/disable"), vec![], [SignIn, FORBIDDEN, FORBIDDEN, to("/webhooks"), HIDDEN, HIDDEN, FORBIDDEN]),
        Case {
            method: Method::ForgedForm,
            path: "/webhooks".into(),
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
                Method::Upload(name, bytes) => {
                    let token = csrf_token(&browser.get("/verify").text);
                    browser.post_multipart(&case.path, &[("csrf", &token)], Some(("file", name, "image/svg+xml", bytes)))
                }
                Method::ForgedUpload(name, bytes) => browser.post_multipart(&case.path, &[], Some(("file", name, "image/svg+xml", bytes))),
            };
            if let Some(why) = mismatch(&response, &case.path, expected) {
                failures.push(format!("{} as {who:?}: {why}", case.path));
            }
        }
    }
    assert!(failures.is_empty(), "page authorisation matrix failures:\n{}", failures.join("\n"));
}

/// The console of one institution shows nothing of another's: its
/// pathways, reviews, jobs and achievements are 404 pages to the other's issuers, and
/// their forms change nothing.
#[test]
fn another_institutions_console_resources_are_not_found() {
    let app = TestApp::spawn();
    let learner = app.learner("console-learner");
    let uni = app.institution("Console Owner University");
    let other = app.institution("Console Other University");
    let micro = uni.achievement(&AchievementBuilder::micro("Console Micro"));
    let award = uni.achievement(&AchievementBuilder::award("Console Award"));
    uni.issue(&learner.id, &micro);
    let rule =
        Pathway::new("console-review", "Console Review", &award, Rule::count(1).matching("achievement_type", "MicroCredential")).issuance("review");
    let pathway = uni.pathway(&rule);
    let review = uni.issuer.get(&uni.path("award-reviews?status=pending")).body["items"][0]["id"].as_str().unwrap().to_owned();
    let dry_run = uni.issuer.post(&format!("/v1/pathways/{pathway}/dry-run"), &rule);
    let job = dry_run.body["id"].as_str().unwrap_or_else(|| panic!("{}", dry_run.text)).to_owned();
    let rule_text = serde_json::Value::from(rule).to_string();

    let intruder = PageClient::signed_in(&app, &other.issuer.email, PASSWORD);
    let token = csrf_token(&intruder.get("/institution").text);
    let mut failures = Vec::new();
    let mut expect_404 = |what: &str, response: Response| {
        if response.status != 404 || !response.content_type.starts_with("text/html") {
            failures.push(format!("{what}: got {} {}", response.status, response.text));
        }
    };
    expect_404("pathway page", intruder.get(&format!("/institution/pathways/{pathway}")));
    expect_404("achievement page", intruder.get(&format!("/institution/catalog/{micro}")));
    expect_404(
        "badge image upload",
        intruder.post_multipart(
            &format!("/institution/catalog/{micro}/image"),
            &[("csrf", &token)],
            Some(("file", "badge.svg", "image/svg+xml", BADGE_SVG)),
        ),
    );
    expect_404("job page", intruder.get(&format!("/institution/jobs/{job}")));
    expect_404(
        "pathway save",
        intruder.post_form(&format!("/institution/pathways/{pathway}"), &[("csrf", &token), ("rule", &rule_text), ("action", "save")]),
    );
    expect_404(
        "pathway dry run",
        intruder.post_form(&format!("/institution/pathways/{pathway}"), &[("csrf", &token), ("rule", &rule_text), ("action", "dry_run")]),
    );
    expect_404("approve", intruder.post_form(&format!("/institution/reviews/{review}/approve"), &[("csrf", &token)]));
    expect_404("reject", intruder.post_form(&format!("/institution/reviews/{review}/reject"), &[("csrf", &token), ("reason", "not yours")]));
    expect_404("reject without a reason", intruder.post_form(&format!("/institution/reviews/{review}/reject"), &[("csrf", &token), ("reason", "")]));
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    // Its own pages show none of it.
    intruder.get("/institution/reviews").assert_page(200).assert_contains("Nothing is waiting for review");
    intruder.get("/institution/pathways").assert_page(200).assert_not_contains("Console Review");
    intruder.get("/institution/catalog").assert_page(200).assert_not_contains("Console Micro");
    // Nothing changed.
    app.get(&format!("/v1/achievements/{micro}/image"), None).assert_problem(404);
    assert_eq!(app.get(&format!("/v1/pathways/{pathway}"), None).body["version"], 1);
    let pending = uni.issuer.get(&uni.path("award-reviews?status=pending"));
    assert_eq!(pending.body["items"].as_array().unwrap().len(), 1, "{}", pending.text);
}
