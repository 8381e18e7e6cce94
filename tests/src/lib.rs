//! The end-to-end harness: starts the real service (the same `start` the
//! binary uses) on a free port against a fresh database, and talks to it over
//! HTTP as a client would.
//!
//! The database is a new SQLite file per test, or, when
//! `CAIRN_TEST_DATABASE_URL` names a PostgreSQL database, a new schema in it
//! per test (dropped afterwards).

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, mpsc};
use std::thread::JoinHandle;

use cairn_api::config::AdminBootstrap;
use cairn_api::store::DatabaseUrl;
use cairn_api::{Config, auth::Password};
use cairn_domain::Email;
use diesel::{Connection, PgConnection, RunQueryDsl};
use serde_json::{Value, json};

pub const ADMIN_EMAIL: &str = "admin@cairn.test";
pub const ADMIN_PASSWORD: &str = "admin-password-for-tests";
pub const PASSWORD: &str = "password-for-tests";

/// A fresh database for one test.
pub struct TestDb {
    pub url: DatabaseUrl,
    /// For PostgreSQL: the server URL and the schema to drop afterwards.
    postgres: Option<(String, String)>,
}

impl TestDb {
    pub fn fresh(dir: &std::path::Path) -> Self {
        match std::env::var("CAIRN_TEST_DATABASE_URL").ok().filter(|u| !u.is_empty()) {
            Some(server) => {
                let schema = format!("t_{}", uuid::Uuid::new_v4().simple());
                let mut conn = PgConnection::establish(&server)
                    .unwrap_or_else(|e| panic!("CAIRN_TEST_DATABASE_URL is set but PostgreSQL is unreachable: {e}"));
                diesel::sql_query(format!("CREATE SCHEMA {schema}")).execute(&mut conn).unwrap();
                let separator = if server.contains('?') { '&' } else { '?' };
                let url = format!("{server}{separator}options=-csearch_path%3D{schema}");
                TestDb { url: DatabaseUrl::parse(&url).unwrap(), postgres: Some((server, schema)) }
            }
            None => TestDb { url: DatabaseUrl::Sqlite(dir.join("cairn.db")), postgres: None },
        }
    }

    pub fn is_postgres(&self) -> bool {
        self.postgres.is_some()
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        if let Some((server, schema)) = &self.postgres
            && let Ok(mut conn) = PgConnection::establish(server)
        {
            let _ = diesel::sql_query(format!("DROP SCHEMA {schema} CASCADE")).execute(&mut conn);
        }
    }
}

/// How to start a `TestApp` beyond the defaults.
#[derive(Debug, Default, Clone)]
pub struct Spawn {
    /// Load `--demo` data.
    pub demo: bool,
    /// `CAIRN_SMTP_URL`; `None` writes mail to the outbox in `data_dir`.
    pub smtp_url: Option<String>,
}

/// A running service for one test.
pub struct TestApp {
    pub base: String,
    pub data_dir: PathBuf,
    /// The SMTP server the service sends to, when started with `spawn_with_smtp`.
    pub mail_sink: Option<MailSink>,
    handle: actix_web::dev::ServerHandle,
    thread: Option<JoinHandle<()>>,
    agent: ureq::Agent,
    // Dropped last: the server must stop before its database goes.
    _db: TestDb,
    _dir: tempfile::TempDir,
}

impl TestApp {
    /// Starts the service with a first administrator.
    pub fn spawn() -> Self {
        Self::spawn_with(Spawn::default())
    }

    /// Starts the service with `--demo` data.
    pub fn spawn_demo() -> Self {
        Self::spawn_with(Spawn { demo: true, ..Spawn::default() })
    }

    /// Starts an SMTP server on loopback and the service sending mail to it
    /// (plain SMTP); `mail_sink` holds what it received.
    pub fn spawn_with_smtp() -> Self {
        let sink = MailSink::start();
        let mut app = Self::spawn_with(Spawn { smtp_url: Some(sink.url()), ..Spawn::default() });
        app.mail_sink = Some(sink);
        app
    }

    pub fn spawn_with(options: Spawn) -> Self {
        let Spawn { demo, smtp_url } = options;
        let dir = tempfile::tempdir().unwrap();
        let db = TestDb::fresh(dir.path());
        let config = Config {
            bind: "127.0.0.1:0".into(),
            public_url: None,
            data_dir: dir.path().to_path_buf(),
            database: db.url.clone(),
            admin: Some(AdminBootstrap {
                email: Email::parse(ADMIN_EMAIL).unwrap(),
                password: Password::parse(ADMIN_PASSWORD.into()).unwrap(),
            }),
            demo,
            workers: Some(1),
            mail: cairn_api::mail::MailConfig::parse(smtp_url.as_deref(), cairn_api::mail::DEFAULT_FROM).unwrap(),
        };
        let (tx, rx) = mpsc::channel();
        let thread = std::thread::spawn(move || {
            let system = actix_web::rt::System::new();
            system.block_on(async move {
                match cairn_api::start(config).await {
                    Ok(running) => {
                        tx.send(Ok((running.public_url.clone(), running.handle.clone()))).unwrap();
                        let _ = running.server.await;
                    }
                    Err(error) => tx.send(Err(format!("{error:#}"))).unwrap(),
                }
            });
        });
        let (base, handle) = rx.recv().unwrap().unwrap_or_else(|e| panic!("the service did not start: {e}"));
        let agent = ureq::AgentBuilder::new().redirects(0).build();
        TestApp { base, data_dir: dir.path().to_path_buf(), mail_sink: None, handle, thread: Some(thread), agent, _db: db, _dir: dir }
    }

    /// The database this service runs on (for tests that open it too).
    pub fn database_url(&self) -> &DatabaseUrl {
        &self._db.url
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// Sends a request; `body` as JSON when given.
    pub fn call(&self, method: &str, path: &str, token: Option<&str>, body: Option<&Value>) -> Response {
        let mut request = self.agent.request(method, &self.url(path));
        if let Some(token) = token {
            request = request.set("Authorization", &format!("Bearer {token}"));
        }
        let result = match body {
            Some(body) => request.send_json(body),
            None => request.call(),
        };
        Response::from(result)
    }

    /// Sends a raw body with the given content type.
    pub fn call_raw(&self, method: &str, path: &str, token: Option<&str>, content_type: &str, body: &[u8]) -> Response {
        let mut request = self.agent.request(method, &self.url(path)).set("Content-Type", content_type);
        if let Some(token) = token {
            request = request.set("Authorization", &format!("Bearer {token}"));
        }
        Response::from(request.send_bytes(body))
    }

    /// A GET with one header set verbatim.
    pub fn get_with_header(&self, path: &str, name: &str, value: &str) -> Response {
        Response::from(self.agent.get(&self.url(path)).set(name, value).call())
    }

    pub fn get(&self, path: &str, token: Option<&str>) -> Response {
        self.call("GET", path, token, None)
    }

    pub fn post(&self, path: &str, token: Option<&str>, body: &Value) -> Response {
        self.call("POST", path, token, Some(body))
    }

    pub fn token(&self, email: &str, password: &str) -> String {
        let response = self.post("/v1/auth/token", None, &json!({ "email": email, "password": password }));
        assert_eq!(response.status, 200, "sign-in failed for {email}: {}", response.text);
        response.body["access_token"].as_str().unwrap().to_owned()
    }

    pub fn admin_token(&self) -> String {
        self.token(ADMIN_EMAIL, ADMIN_PASSWORD)
    }

    /// Registers a learner and confirms their address with the code from
    /// the verification mail; returns (id, token).
    pub fn learner(&self, email: &str) -> (String, String) {
        let (id, token) = self.learner_unconfirmed(email);
        let confirmed = self.post("/v1/auth/verify-email", None, &json!({ "code": self.verification_code(email) }));
        assert_eq!(confirmed.status, 200, "confirming {email}: {}", confirmed.text);
        (id, token)
    }

    /// Registers a learner without confirming the address; returns (id, token).
    pub fn learner_unconfirmed(&self, email: &str) -> (String, String) {
        let response =
            self.post("/v1/auth/register", None, &json!({ "email": email, "password": PASSWORD, "name": "Learner" }));
        assert_eq!(response.status, 201, "{}", response.text);
        (response.id(), self.token(email, PASSWORD))
    }

    /// Every message sent to `email`, oldest first, as delivered: from the
    /// SMTP sink when the app has one, else from the outbox folder.
    pub fn mails_to(&self, email: &str) -> Vec<String> {
        let all = match &self.mail_sink {
            Some(sink) => sink.messages(),
            None => outbox_messages(&self.data_dir.join("outbox")),
        };
        all.into_iter().filter(|text| addressed_to(text, email)).collect()
    }

    /// The code in the newest verification mail to `email`.
    pub fn verification_code(&self, email: &str) -> String {
        let mails = self.mails_to(email);
        let last = mails.last().unwrap_or_else(|| panic!("no mail was sent to {email}"));
        verification_code_in(last).unwrap_or_else(|| panic!("no verification code in the mail to {email}:\n{last}"))
    }

    /// Creates an organisation as the admin; returns its id.
    pub fn org(&self, admin: &str, name: &str, kind: &str) -> String {
        let response = self.post("/v1/orgs", Some(admin), &json!({ "name": name, "kind": kind }));
        assert_eq!(response.status, 201, "{}", response.text);
        response.id()
    }

    /// Creates a staff member of `org`; returns (id, token).
    pub fn staff(&self, admin: &str, org: &str, email: &str, role: &str) -> (String, String) {
        let response = self.post(
            &format!("/v1/orgs/{org}/members"),
            Some(admin),
            &json!({ "email": email, "password": PASSWORD, "name": "Staff", "role": role }),
        );
        assert_eq!(response.status, 201, "{}", response.text);
        (response.id(), self.token(email, PASSWORD))
    }

    /// Verifies a compact ES256 JWS against the JWKS the service publishes
    /// at `jwks_path` (the key chosen by `kid`), and returns its payload.
    pub fn verify_jws(&self, jws: &str, jwks_path: &str) -> Value {
        let header = jsonwebtoken::decode_header(jws).unwrap();
        assert_eq!(header.alg, jsonwebtoken::Algorithm::ES256);
        let kid = header.kid.expect("a kid");
        let jwks = self.get(jwks_path, None);
        assert_eq!(jwks.status, 200, "{}", jwks.text);
        let jwk = jwks.body["keys"]
            .as_array()
            .unwrap()
            .iter()
            .find(|k| kid == k["kid"].as_str().unwrap_or_default() || kid.ends_with(&format!("#{}", k["kid"].as_str().unwrap_or_default())))
            .unwrap_or_else(|| panic!("no key {kid} in {}", jwks.text))
            .clone();
        let jwk: jsonwebtoken::jwk::Jwk = serde_json::from_value(jwk).unwrap();
        let key = jsonwebtoken::DecodingKey::from_jwk(&jwk).unwrap();
        let mut validation = jsonwebtoken::Validation::new(jsonwebtoken::Algorithm::ES256);
        validation.required_spec_claims.clear();
        validation.validate_aud = false;
        validation.validate_exp = false;
        jsonwebtoken::decode::<Value>(jws, &key, &validation).unwrap_or_else(|e| panic!("{jws} does not verify: {e}")).claims
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        // Not graceful: tests hold keep-alive connections that would delay a
        // graceful stop by the whole shutdown timeout. The command is sent
        // at once; the server thread ends when it has stopped.
        drop(self.handle.stop(false));
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// A response, whatever its status.
#[derive(Debug)]
pub struct Response {
    pub status: u16,
    pub content_type: String,
    pub headers: Vec<(String, String)>,
    pub text: String,
    /// The body parsed as JSON, or `Null` when it is not JSON.
    pub body: Value,
}

impl Response {
    pub fn id(&self) -> String {
        self.body["id"].as_str().unwrap_or_else(|| panic!("no id in {}", self.text)).to_owned()
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }

    /// Asserts this is an RFC 9457 problem with `status`.
    pub fn assert_problem(&self, status: u16) -> &Self {
        assert_eq!(self.status, status, "expected {status}, got {}: {}", self.status, self.text);
        assert_eq!(self.content_type, "application/problem+json", "{}", self.text);
        assert_eq!(self.body["status"], status);
        assert!(self.body["type"].as_str().is_some_and(|t| !t.is_empty()), "{}", self.text);
        assert!(self.body["title"].is_string() && self.body["detail"].is_string(), "{}", self.text);
        self
    }
}

impl From<Result<ureq::Response, ureq::Error>> for Response {
    fn from(result: Result<ureq::Response, ureq::Error>) -> Self {
        let response = match result {
            Ok(response) => response,
            Err(ureq::Error::Status(_, response)) => response,
            Err(error) => panic!("transport error: {error}"),
        };
        let status = response.status();
        let content_type = response.content_type().to_owned();
        let headers = response
            .headers_names()
            .into_iter()
            .filter_map(|name| response.header(&name).map(|value| (name.clone(), value.to_owned())))
            .collect();
        let text = response.into_string().unwrap_or_default();
        let body = serde_json::from_str(&text).unwrap_or(Value::Null);
        Response { status, content_type, headers, text, body }
    }
}

/// The messages in an outbox folder, oldest first (the file names sort by time).
pub fn outbox_messages(dir: &Path) -> Vec<String> {
    let Ok(entries) = std::fs::read_dir(dir) else { return Vec::new() };
    let mut paths: Vec<PathBuf> =
        entries.map(|e| e.unwrap().path()).filter(|p| p.extension().is_some_and(|x| x == "eml")).collect();
    paths.sort();
    paths.iter().map(|p| std::fs::read_to_string(p).unwrap()).collect()
}

/// Whether the message's headers name `email` as its recipient.
pub fn addressed_to(message: &str, email: &str) -> bool {
    let headers = message.split("\r\n\r\n").next().unwrap_or_default().to_lowercase();
    let email = email.to_lowercase();
    headers.lines().any(|l| l.starts_with("to:") && (l.contains(&format!("<{email}>")) || l.trim_end() == format!("to: {email}")))
}

/// The code on the first non-empty line after the mail's code intro.
pub fn verification_code_in(message: &str) -> Option<String> {
    let after = message.split(cairn_api::mail::message::CODE_INTRO).nth(1)?;
    after.lines().map(str::trim).find(|l| !l.is_empty()).map(str::to_owned)
}

/// A real SMTP server on loopback (plain SMTP) that keeps every message it
/// receives. Its thread serves until the test process ends.
#[derive(Clone)]
pub struct MailSink {
    addr: std::net::SocketAddr,
    received: Arc<Mutex<Vec<String>>>,
}

#[derive(Clone)]
struct SinkHandler {
    received: Arc<Mutex<Vec<String>>>,
    current: Vec<u8>,
}

impl mailin_embedded::Handler for SinkHandler {
    fn data_start(&mut self, _domain: &str, _from: &str, _is8bit: bool, _to: &[String]) -> mailin_embedded::Response {
        self.current.clear();
        mailin_embedded::response::OK
    }

    fn data(&mut self, buf: &[u8]) -> std::io::Result<()> {
        self.current.extend_from_slice(buf);
        Ok(())
    }

    fn data_end(&mut self) -> mailin_embedded::Response {
        let text = String::from_utf8_lossy(&std::mem::take(&mut self.current)).into_owned();
        self.received.lock().unwrap().push(text);
        mailin_embedded::response::OK
    }
}

impl MailSink {
    pub fn start() -> Self {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let received = Arc::new(Mutex::new(Vec::new()));
        let mut server = mailin_embedded::Server::new(SinkHandler { received: received.clone(), current: Vec::new() });
        server.with_name("mail-sink.test").with_num_threads(2).with_tcp_listener(listener);
        std::thread::spawn(move || {
            let _ = server.serve();
        });
        MailSink { addr, received }
    }

    /// `CAIRN_SMTP_URL` for this server.
    pub fn url(&self) -> String {
        format!("smtp://{}", self.addr)
    }

    /// Every message received so far, in order, as sent (headers and body).
    pub fn messages(&self) -> Vec<String> {
        self.received.lock().unwrap().clone()
    }
}
