//! A client per role. Each holds the app and its access token and sends it
//! with every request ([`Session`]); the role types add the typed helpers
//! of what that role does.

use std::ops::Deref;

use serde_json::{Value, json};

use crate::PASSWORD;
use crate::app::TestApp;
use crate::fixtures::{AchievementBuilder, Body, IssueRequest};
use crate::http::Response;

/// A signed-in caller.
#[derive(Clone)]
pub struct Session {
    pub app: TestApp,
    pub token: String,
}

impl Session {
    pub(crate) fn new(app: TestApp, token: String) -> Self {
        Session { app, token }
    }

    /// The same caller talking to another node of the service.
    pub fn on(&self, node: &TestApp) -> Session {
        Session::new(node.clone(), self.token.clone())
    }

    pub fn get(&self, path: &str) -> Response {
        self.app.get(path, Some(&self.token))
    }

    pub fn post(&self, path: &str, body: &impl Body) -> Response {
        self.app.post(path, Some(&self.token), &body.body())
    }

    pub fn put(&self, path: &str, body: &impl Body) -> Response {
        self.app.call("PUT", path, Some(&self.token), Some(&body.body()))
    }

    /// A PUT without a body.
    pub fn put_empty(&self, path: &str) -> Response {
        self.app.call("PUT", path, Some(&self.token), None)
    }

    pub fn delete(&self, path: &str) -> Response {
        self.app.call("DELETE", path, Some(&self.token), None)
    }

    /// A POST with an `Idempotency-Key`.
    pub fn post_with_key(&self, path: &str, key: &str, body: &impl Body) -> Response {
        self.app.call_with("POST", path, Some(&self.token), &[("Idempotency-Key", key)], Some(&body.body()))
    }

    /// Waits until the job `job` names (a `{id, url}` object, as in a 202
    /// body or a pathway's `job`) has finished; returns it as
    /// `GET /v1/jobs/{id}` shows it then.
    pub fn wait_for_job(&self, job: &Value) -> Value {
        let url = job["url"].as_str().unwrap_or_else(|| panic!("no job url in {job}"));
        self.app.wait_for_job(self.app.path_of(url), &self.token)
    }

    /// Sends a PUT and, when it answers 200 with a `job` (a pathway
    /// update), waits for that job to succeed.
    pub fn put_and_wait(&self, path: &str, body: &impl Body) -> Response {
        let response = self.put(path, body);
        self.finish_job_of(&response);
        response
    }

    /// Waits for the job in a successful response's `job`, if any; it must
    /// succeed.
    pub fn finish_job_of(&self, response: &Response) {
        if (200..300).contains(&response.status) && response.body["job"].is_object() {
            let job = self.wait_for_job(&response.body["job"]);
            assert_eq!(job["state"], "succeeded", "{job}");
        }
    }

    /// `/v1/me`.
    pub fn me(&self) -> Value {
        let me = self.get("/v1/me");
        assert_eq!(me.status, 200, "{}", me.text);
        me.body
    }
}

macro_rules! session_deref {
    ($($role:ty),*) => {$(
        impl Deref for $role {
            type Target = Session;

            fn deref(&self) -> &Session {
                &self.session
            }
        }
    )*};
}

session_deref!(Admin, Learner, Staff);

/// The administrator.
#[derive(Clone)]
pub struct Admin {
    session: Session,
}

impl Admin {
    pub(crate) fn new(session: Session) -> Self {
        Admin { session }
    }

    /// Creates an organisation (`institution` or `employer`); returns its id.
    pub fn org(&self, name: &str, kind: &str) -> String {
        let response = self.post("/v1/orgs", &json!({ "name": name, "kind": kind }));
        assert_eq!(response.status, 201, "{}", response.text);
        response.id()
    }

    /// Creates a member of staff of `org` with `role`.
    pub fn staff(&self, org: &str, email: &str, role: &str) -> Staff {
        let response = self.post(&format!("/v1/orgs/{org}/members"), &json!({ "email": email, "password": PASSWORD, "name": "Staff", "role": role }));
        assert_eq!(response.status, 201, "{}", response.text);
        let token = self.app.token(email, PASSWORD);
        Staff { session: self.app.session(token), id: response.id(), email: email.to_owned() }
    }
}

/// A member of an organisation's staff.
#[derive(Clone)]
pub struct Staff {
    session: Session,
    pub id: String,
    pub email: String,
}

impl Staff {
    /// The same member of staff on another node of the service.
    pub fn on(&self, node: &TestApp) -> Staff {
        Staff { session: self.session.on(node), ..self.clone() }
    }
}

/// A learner account.
#[derive(Clone)]
pub struct Learner {
    session: Session,
    pub id: String,
    pub email: String,
}

impl Learner {
    pub(crate) fn new(session: Session, id: String, email: String) -> Self {
        Learner { session, id, email }
    }

    /// The same learner on another node of the service.
    pub fn on(&self, node: &TestApp) -> Learner {
        Learner { session: self.session.on(node), ..self.clone() }
    }

    /// Confirms the address with the code from the newest verification mail.
    pub fn confirm_email(&self) {
        let code = self.app.verification_code(&self.email);
        let confirmed = self.app.post("/v1/auth/verify-email", None, &json!({ "code": code }));
        assert_eq!(confirmed.status, 200, "confirming {}: {}", self.email, confirmed.text);
    }

    /// `/v1/me/wallet`.
    pub fn wallet(&self) -> Value {
        let wallet = self.get("/v1/me/wallet");
        assert_eq!(wallet.status, 200, "{}", wallet.text);
        wallet.body
    }

    /// The credentials in the wallet.
    pub fn credentials(&self) -> Vec<Value> {
        self.wallet()["credentials"].as_array().unwrap().clone()
    }

    /// The ids of the credentials in the wallet.
    pub fn credential_ids(&self) -> Vec<String> {
        self.credentials().iter().map(|c| c["id"].as_str().unwrap().to_owned()).collect()
    }

    /// The wallet's credentials of `achievement` (an award is held at most once).
    pub fn held(&self, achievement: &str) -> Vec<Value> {
        self.credentials().into_iter().filter(|c| c["achievement"] == achievement).collect()
    }

    /// The statuses of the wallet's credentials of `achievement`.
    pub fn statuses(&self, achievement: &str) -> Vec<String> {
        self.held(achievement).iter().map(|c| c["status"].as_str().unwrap().to_owned()).collect()
    }

    /// The status of the one credential of `achievement` (an award).
    pub fn award_status(&self, achievement: &str) -> String {
        let held = self.held(achievement);
        assert_eq!(held.len(), 1, "exactly one award: {held:?}");
        held[0]["status"].as_str().unwrap().to_owned()
    }

    /// The outcome of `pathway` (`/v1/me/progress/{pathway}`).
    pub fn progress(&self, pathway: &str) -> Value {
        let progress = self.get(&format!("/v1/me/progress/{pathway}"));
        assert_eq!(progress.status, 200, "{}", progress.text);
        progress.body
    }

    /// Creates a share; returns it (with its token and URL).
    pub fn share(&self, body: &impl Body) -> Value {
        let response = self.post("/v1/me/shares", body);
        assert_eq!(response.status, 201, "{}", response.text);
        response.body
    }

    /// Opens a share by its URL, as anyone (no token).
    pub fn open_share(&self, share: &Value) -> Response {
        self.app.get(self.app.path_of(share["url"].as_str().unwrap()), None)
    }

    /// The constituents a share shows for the award credential `award_id`
    /// (a new share of that award, opened).
    pub fn shared_constituents(&self, award_id: &str) -> Vec<String> {
        let share = self.share(&json!({ "credentials": [award_id], "expires_at": crate::in_days(1) }));
        let opened = self.open_share(&share);
        assert_eq!(opened.status, 200, "{}", opened.text);
        let award = opened.body["awards"].as_array().unwrap().iter().find(|a| a["credential"] == award_id).cloned().unwrap();
        award["constituents"].as_array().unwrap().iter().map(|c| c["credential"].as_str().unwrap().to_owned()).collect()
    }
}

/// An institution and its issuer.
#[derive(Clone)]
pub struct Institution {
    pub app: TestApp,
    pub admin: Admin,
    pub org: String,
    pub name: String,
    pub issuer: Staff,
}

/// `Lakeside University` → `lakeside-university`.
fn slug(name: &str) -> String {
    name.split(|c: char| !c.is_ascii_alphanumeric()).filter(|w| !w.is_empty()).map(str::to_ascii_lowercase).collect::<Vec<_>>().join("-")
}

impl Institution {
    pub(crate) fn create(admin: &Admin, name: &str) -> Self {
        let org = admin.org(name, "institution");
        let issuer = admin.staff(&org, &format!("issuer@{}.example", slug(name)), "issuer");
        Institution { app: admin.app.clone(), admin: admin.clone(), org, name: name.to_owned(), issuer }
    }

    /// The same institution and staff on another node of the service.
    pub fn on(&self, node: &TestApp) -> Institution {
        let admin = Admin::new(self.admin.session.on(node));
        Institution { app: node.clone(), admin, issuer: self.issuer.on(node), ..self.clone() }
    }

    /// `/v1/orgs/{org}/{rest}`.
    pub fn path(&self, rest: &str) -> String {
        format!("/v1/orgs/{}/{rest}", self.org)
    }

    /// Another issuer of this institution.
    pub fn another_issuer(&self, email: &str) -> Staff {
        self.admin.staff(&self.org, email, "issuer")
    }

    /// Publishes an achievement; returns its id.
    pub fn achievement(&self, achievement: &AchievementBuilder) -> String {
        let response = self.issuer.post(&self.path("achievements"), achievement);
        assert_eq!(response.status, 201, "{}", response.text);
        response.id()
    }

    /// Sends an issue request as the issuer, whatever it answers.
    pub fn try_issue(&self, request: &impl Body) -> Response {
        self.issuer.post(&self.path("credentials"), request)
    }

    /// Issues a credential; returns it.
    pub fn issue_with(&self, request: &IssueRequest) -> Value {
        let response = self.try_issue(request);
        assert_eq!(response.status, 201, "{}", response.text);
        response.body
    }

    /// Issues `achievement` to the learner `to` (an id), awarded now.
    pub fn issue(&self, to: &str, achievement: &str) -> Value {
        self.issue_with(&IssueRequest::new(achievement).to(to))
    }

    /// Issues `achievement` to the learner `to` (an id), awarded at `awarded_at`.
    pub fn issue_at(&self, to: &str, achievement: &str, awarded_at: &str) -> Value {
        self.issue_with(&IssueRequest::new(achievement).to(to).awarded_at(awarded_at))
    }

    /// Issues a batch; the response whatever it says.
    pub fn batch(&self, items: &[IssueRequest]) -> Response {
        let items: Vec<Value> = items.iter().map(Body::body).collect();
        self.issuer.post(&self.path("credentials/batch"), &json!({ "items": items }))
    }

    /// Suspends, reinstates or revokes (`action`) a credential; the response.
    pub fn try_change(&self, credential: &str, action: &str, reason: &str) -> Response {
        self.issuer.post(&format!("/v1/credentials/{credential}/{action}"), &json!({ "reason": reason }))
    }

    /// Suspends, reinstates or revokes (`action`) a credential; must succeed.
    pub fn change(&self, credential: &str, action: &str) -> Value {
        let response = self.try_change(credential, action, "checking");
        assert_eq!(response.status, 200, "{action} {credential}: {}", response.text);
        response.body
    }

    /// Registers a pathway, whatever it answers; when it is registered,
    /// waits until its back-fill job has awarded those who complete it.
    pub fn try_pathway(&self, rule: &impl Body) -> Response {
        let response = self.issuer.post(&self.path("pathways"), rule);
        self.issuer.finish_job_of(&response);
        response
    }

    /// Registers a pathway; returns its id.
    pub fn pathway(&self, rule: &impl Body) -> String {
        let response = self.try_pathway(rule);
        assert_eq!(response.status, 201, "{}", response.text);
        response.id()
    }

    /// Every entry of the institution's audit log, oldest first (all pages).
    pub fn audit(&self) -> Vec<Value> {
        let mut entries = Vec::new();
        let mut cursor: Option<String> = None;
        loop {
            let path = match &cursor {
                Some(c) => self.path(&format!("audit?limit=200&cursor={c}")),
                None => self.path("audit?limit=200"),
            };
            let page = self.issuer.get(&path);
            assert_eq!(page.status, 200, "{}", page.text);
            entries.extend(page.body["items"].as_array().unwrap().iter().cloned());
            match page.body["next_cursor"].as_str() {
                Some(next) => cursor = Some(next.to_owned()),
                None => return entries,
            }
        }
    }

    /// The reasons of the audit entries with `action`, oldest first.
    pub fn audit_reasons(&self, action: &str) -> Vec<String> {
        self.audit().iter().filter(|e| e["action"] == action).map(|e| e["detail"]["reason"].as_str().unwrap_or("").to_owned()).collect()
    }
}

/// An employer organisation and one member of its staff.
#[derive(Clone)]
pub struct Employer {
    pub org: String,
    pub name: String,
    pub staff: Staff,
}

impl Employer {
    pub(crate) fn create(admin: &Admin, name: &str) -> Self {
        let org = admin.org(name, "employer");
        let staff = admin.staff(&org, &format!("hr@{}.example", slug(name)), "employer");
        Employer { org, name: name.to_owned(), staff }
    }

    /// The same employer staff on another node of the service.
    pub fn on(&self, node: &TestApp) -> Employer {
        Employer { staff: self.staff.on(node), ..self.clone() }
    }
}

impl Deref for Employer {
    type Target = Session;

    fn deref(&self) -> &Session {
        &self.staff
    }
}
