//! The end-to-end harness: starts the real service (the same `start` the
//! binary uses) on a free port against a fresh database, and talks to it over
//! HTTP as a client would.
//!
//! The database is a new SQLite file per test, or, when
//! `CAIRN_TEST_DATABASE_URL` names a PostgreSQL database, a new schema in it
//! per test (dropped afterwards).

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::PathBuf;
use std::sync::mpsc;
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

/// A running service for one test.
pub struct TestApp {
    pub base: String,
    pub data_dir: PathBuf,
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
        Self::start(false)
    }

    /// Starts the service with `--demo` data.
    pub fn spawn_demo() -> Self {
        Self::start(true)
    }

    fn start(demo: bool) -> Self {
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
        TestApp { base, data_dir: dir.path().to_path_buf(), handle, thread: Some(thread), agent, _db: db, _dir: dir }
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

    /// Registers a learner; returns (id, token).
    pub fn learner(&self, email: &str) -> (String, String) {
        let response =
            self.post("/v1/auth/register", None, &json!({ "email": email, "password": PASSWORD, "name": "Learner" }));
        assert_eq!(response.status, 201, "{}", response.text);
        (response.id(), self.token(email, PASSWORD))
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
