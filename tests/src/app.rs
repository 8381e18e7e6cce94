//! The app builder: a fresh database, the real service on a free port, and
//! the raw HTTP calls every client is built on.

use std::ops::Deref;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, mpsc};
use std::thread::JoinHandle;

use cairn_domain::{DisplayName, Email, Role};
use diesel::{Connection, PgConnection, RunQueryDsl};
use serde_json::{Value, json};

use crate::clients::{Admin, Employer, Institution, Learner, Session};
use crate::http::Response;
use crate::mail::{MailSink, addressed_to, outbox_messages, verification_code_in};
use crate::process::{ChildService, free_port};
use crate::service::{
    AdminBootstrap, Config, DEFAULT_FROM, DatabaseUrl, DeliverySettings, FetchSettings, JobSettings, MailConfig, OutboxSettings, Password,
    PasswordHasher, start, users,
};
use crate::{ADMIN_EMAIL, ADMIN_PASSWORD, PASSWORD};

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
                let mut conn =
                    PgConnection::establish(&server).unwrap_or_else(|e| panic!("CAIRN_TEST_DATABASE_URL is set but PostgreSQL is unreachable: {e}"));
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

/// Where the service sends mail.
#[derive(Debug, Clone, Default)]
enum Mail {
    /// The outbox folder in `data_dir`.
    #[default]
    Outbox,
    /// A [`MailSink`] started for the app.
    Sink,
    /// This `CAIRN_SMTP_URL`.
    Url(String),
}

/// How to start a [`TestApp`] beyond the defaults: `TestApp::builder()
/// .demo().with_mail_sink().spawn()`.
#[derive(Debug, Clone, Default)]
#[must_use]
pub struct TestAppBuilder {
    demo: bool,
    mail: Mail,
    job_chunk: Option<usize>,
    job_pause: Option<std::time::Duration>,
    /// The mail worker's first retry delay and attempts.
    mail_retry: Option<(std::time::Duration, u32)>,
    /// Run the service as a child process with these extra settings.
    child: Option<Vec<(String, String)>>,
    /// Refuse outbound requests to loopback and private addresses, as in
    /// production (the harness allows them: its receivers are on loopback).
    refuse_private: bool,
}

impl TestAppBuilder {
    /// Load the `--demo` data.
    pub fn demo(mut self) -> Self {
        self.demo = true;
        self
    }

    /// Start an SMTP server on loopback and send mail to it (plain SMTP);
    /// [`TestApp::mails_to`] reads what it received.
    pub fn with_mail_sink(mut self) -> Self {
        self.mail = Mail::Sink;
        self
    }

    /// Send mail to this SMTP URL (one where nothing listens, say).
    pub fn smtp_url(mut self, url: impl Into<String>) -> Self {
        self.mail = Mail::Url(url.into());
        self
    }

    /// Learners per chunk of a background job.
    pub fn job_chunk(mut self, learners: usize) -> Self {
        self.job_chunk = Some(learners);
        self
    }

    /// A pause between the chunks of a background job (jobs that last).
    pub fn job_pause(mut self, pause: std::time::Duration) -> Self {
        self.job_pause = Some(pause);
        self
    }

    /// The mail worker's wait after a first failed attempt (doubled after
    /// each further one) and its attempts before giving up. Without it:
    /// 50 ms and 10 attempts (the worker polls every 20 ms in tests).
    pub fn mail_retry(mut self, base: std::time::Duration, max_attempts: u32) -> Self {
        self.mail_retry = Some((base, max_attempts));
        self
    }

    /// Refuse loopback and private addresses for webhooks and fetches (no
    /// `CAIRN_WEBHOOKS_ALLOW_PRIVATE`).
    pub fn refuse_private(mut self) -> Self {
        self.refuse_private = true;
        self
    }

    /// Run the service as a child process (the `cairn serve` code path, its
    /// settings from the environment), which [`TestApp::kill_service`]
    /// kills and [`TestApp::restart_service`] starts again; `settings` are
    /// further `CAIRN_*` variables for it.
    pub fn child_process(mut self, settings: &[(&str, &str)]) -> Self {
        self.child = Some(settings.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect());
        self
    }

    fn spawn_child(settings: Vec<(String, String)>) -> TestApp {
        let dir = tempfile::tempdir().unwrap();
        let db = TestDb::fresh(dir.path());
        let port = free_port();
        let base = format!("http://127.0.0.1:{port}");
        let mut env: Vec<(String, String)> = [
            ("CAIRN_BIND", format!("127.0.0.1:{port}")),
            ("CAIRN_PUBLIC_URL", base.clone()),
            ("CAIRN_DATA_DIR", dir.path().display().to_string()),
            ("CAIRN_DATABASE_URL", db.url.to_string()),
            ("CAIRN_ADMIN_EMAIL", ADMIN_EMAIL.to_owned()),
            ("CAIRN_ADMIN_PASSWORD", ADMIN_PASSWORD.to_owned()),
            ("CAIRN_WORKERS", "1".to_owned()),
            ("CAIRN_WEBHOOKS_ALLOW_PRIVATE", "true".to_owned()),
            ("CAIRN_WEBHOOK_RETRY_BASE_MS", "5".to_owned()),
            ("CAIRN_WEBHOOK_POLL_MS", "20".to_owned()),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v))
        .collect();
        env.extend(settings);
        let child = ChildService::start(env, dir.path(), base.clone());
        // No pooled connections: a killed service leaves them dead.
        let agent = ureq::AgentBuilder::new().redirects(0).max_idle_connections(0).build();
        TestApp(Arc::new(Running {
            public_url: base.clone(),
            base,
            data_dir: dir.path().to_path_buf(),
            mail_sink: None,
            server: Server::Child(Mutex::new(child)),
            agent,
            config: None,
            db: Arc::new(db),
            _dir: Arc::new(dir),
        }))
    }

    pub fn spawn(self) -> TestApp {
        let Self { demo, mail, job_chunk, job_pause, mail_retry, child, refuse_private } = self;
        if let Some(settings) = child {
            return Self::spawn_child(settings);
        }
        let sink = matches!(mail, Mail::Sink).then(MailSink::start);
        let smtp_url = match mail {
            Mail::Outbox => None,
            Mail::Sink => sink.as_ref().map(MailSink::url),
            Mail::Url(url) => Some(url),
        };
        let dir = tempfile::tempdir().unwrap();
        let db = TestDb::fresh(dir.path());
        let config = Config {
            bind: "127.0.0.1:0".into(),
            public_url: None,
            data_dir: dir.path().to_path_buf(),
            database: db.url.clone(),
            admin: Some(AdminBootstrap { email: Email::parse(ADMIN_EMAIL).unwrap(), password: Password::parse(ADMIN_PASSWORD.into()).unwrap() }),
            demo,
            workers: Some(1),
            mail: MailConfig::parse(smtp_url.as_deref(), DEFAULT_FROM).unwrap(),
            jobs: JobSettings {
                chunk: job_chunk.unwrap_or(JobSettings::default().chunk),
                pause: job_pause.unwrap_or(JobSettings::default().pause),
                ..JobSettings::default()
            },
            outbox: {
                let (retry_base, max_attempts) = mail_retry.unwrap_or((std::time::Duration::from_millis(50), 10));
                OutboxSettings { poll: std::time::Duration::from_millis(20), retry_base, max_attempts, ..OutboxSettings::default() }
            },
            // The test servers (status lists, issuers' documents) listen on loopback.
            fetch: FetchSettings { allow_private: !refuse_private, timeout: std::time::Duration::from_secs(2), ..FetchSettings::default() },
            // Retries after milliseconds, not minutes (the schedule's proportions kept).
            webhooks: DeliverySettings {
                retry_base: std::time::Duration::from_millis(5),
                poll: std::time::Duration::from_millis(20),
                timeout: std::time::Duration::from_secs(2),
                ..DeliverySettings::default()
            },
        };
        let node = Node::start(config.clone());
        TestApp(Arc::new(Running {
            public_url: node.base.clone(),
            base: node.base,
            data_dir: dir.path().to_path_buf(),
            mail_sink: sink.map(Arc::new),
            server: Server::Thread { handle: node.handle, thread: Mutex::new(Some(node.thread)) },
            agent: ureq::AgentBuilder::new().redirects(0).build(),
            config: Some(config),
            db: Arc::new(db),
            _dir: Arc::new(dir),
        }))
    }
}

/// One started server.
struct Node {
    /// The address it listens on, as a URL.
    base: String,
    handle: actix_web::dev::ServerHandle,
    thread: JoinHandle<()>,
}

impl Node {
    /// Starts the service on a thread of its own (its own actix system).
    fn start(config: Config) -> Self {
        let (tx, rx) = mpsc::channel();
        let thread = std::thread::spawn(move || {
            let system = actix_web::rt::System::new();
            system.block_on(async move {
                match start(config).await {
                    Ok(running) => {
                        tx.send(Ok((format!("http://{}", running.addr), running.handle.clone()))).unwrap();
                        let _ = running.run().await;
                    }
                    Err(error) => tx.send(Err(format!("{error:#}"))).unwrap(),
                }
            });
        });
        let (base, handle) = rx.recv().unwrap().unwrap_or_else(|e| panic!("the service did not start: {e}"));
        Node { base, handle, thread }
    }
}

/// A running service for one test. Cheap to clone: every client holds one,
/// and the service stops when the last goes.
#[derive(Clone)]
pub struct TestApp(Arc<Running>);

/// What a [`TestApp`] derefs to.
pub struct Running {
    /// Where this node listens.
    pub base: String,
    /// The URL the service names in its documents: `base`, or for a
    /// [`TestApp::second_node`] the first node's (one service, as behind a
    /// balancer).
    pub public_url: String,
    pub data_dir: PathBuf,
    /// The SMTP server the service sends to, when built `with_mail_sink`.
    pub mail_sink: Option<Arc<MailSink>>,
    server: Server,
    agent: ureq::Agent,
    /// What the node was started with (another node starts from it); None
    /// for a child process.
    config: Option<Config>,
    // Dropped after the server has stopped (in `drop`), before its folder;
    // shared by every node on the database, dropped with the last.
    db: Arc<TestDb>,
    _dir: Arc<tempfile::TempDir>,
}

/// Where the service runs.
enum Server {
    /// On a thread of the test process (the usual case).
    Thread { handle: actix_web::dev::ServerHandle, thread: Mutex<Option<JoinHandle<()>>> },
    /// As a child process that a test can kill.
    Child(Mutex<ChildService>),
}

impl Deref for TestApp {
    type Target = Running;

    fn deref(&self) -> &Running {
        &self.0
    }
}

impl Running {
    /// Stops the server, then waits until it and its queue workers have
    /// stopped (the server thread awaits `RunningServer::run`, which waits
    /// for the workers). Not graceful: tests hold keep-alive connections
    /// that would delay a graceful stop by the whole shutdown timeout. A
    /// second call does nothing.
    fn stop(&self) {
        match &self.server {
            Server::Thread { handle, thread } => {
                drop(handle.stop(false));
                if let Some(thread) = thread.lock().unwrap().take() {
                    let _ = thread.join();
                }
            }
            Server::Child(child) => child.lock().unwrap().kill(),
        }
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        self.stop();
    }
}

impl TestApp {
    pub fn builder() -> TestAppBuilder {
        TestAppBuilder::default()
    }

    /// Starts the service with a first administrator.
    pub fn spawn() -> Self {
        Self::builder().spawn()
    }

    /// Stops this node's service and its workers and waits until they have;
    /// its database and data directory stay for the test to read.
    pub fn stop_service(&self) {
        self.0.stop();
    }

    /// Kills the child process the service runs in (`SIGKILL`).
    pub fn kill_service(&self) {
        self.child().kill();
    }

    /// Starts the killed child again, on the same database, data directory
    /// and port, and waits until it answers.
    pub fn restart_service(&self) {
        self.child().restart();
    }

    fn child(&self) -> std::sync::MutexGuard<'_, ChildService> {
        match &self.server {
            Server::Child(child) => child.lock().unwrap(),
            Server::Thread { .. } => panic!("this app runs in the test process; build it with `child_process`"),
        }
    }

    /// Starts the service with `--demo` data.
    pub fn demo() -> Self {
        Self::builder().demo().spawn()
    }

    /// Another node of the same service: a second server with its own
    /// in-memory state on the same database, data directory (so the same
    /// keys) and mail, naming the same public URL. As two API nodes behind
    /// a balancer: an account made on one signs in on both.
    pub fn second_node(&self) -> TestApp {
        let first = self.config.clone().expect("a second node of an app that runs in the test process");
        let config = Config { bind: "127.0.0.1:0".into(), public_url: Some(self.public_url.clone()), admin: None, demo: false, ..first };
        let node = Node::start(config.clone());
        TestApp(Arc::new(Running {
            base: node.base,
            public_url: self.public_url.clone(),
            data_dir: self.data_dir.clone(),
            mail_sink: self.mail_sink.clone(),
            server: Server::Thread { handle: node.handle, thread: Mutex::new(Some(node.thread)) },
            agent: ureq::AgentBuilder::new().redirects(0).build(),
            config: Some(config),
            db: Arc::clone(&self.db),
            _dir: Arc::clone(&self._dir),
        }))
    }

    /// The administrator the service was started with.
    pub fn admin(&self) -> Admin {
        Admin::new(self.session(self.token(ADMIN_EMAIL, ADMIN_PASSWORD)))
    }

    /// A new learner, address confirmed: `ada` is ada@example.org, a
    /// name with an `@` is the address itself.
    pub fn learner(&self, name: &str) -> Learner {
        let learner = self.learner_unconfirmed(name);
        learner.confirm_email();
        learner
    }

    /// `count` learners created straight in the database (no sign-up, no
    /// mail; address confirmed, password [`PASSWORD`]), then signed in: for
    /// tests that need many. `prefix-0@example.org`, `prefix-1@…`, …
    pub fn learners_in_bulk(&self, prefix: &str, count: usize) -> Vec<Learner> {
        let hash = PasswordHasher::new().unwrap().hash(&Password::parse(PASSWORD.into()).unwrap()).unwrap();
        let mut conn = self.database_url().connect().unwrap();
        (0..count)
            .map(|i| {
                let email = format!("{prefix}-{i}@example.org");
                let account = users::insert(
                    &mut conn,
                    users::NewAccount {
                        email: Email::parse(&email).unwrap(),
                        name: DisplayName::parse("Learner").unwrap(),
                        password_hash: hash.clone(),
                        role: Role::Learner,
                        org: None,
                        email_verified: true,
                    },
                    None,
                )
                .unwrap();
                let token = self.token(&email, PASSWORD);
                Learner::new(self.session(token), account.id.to_string(), email)
            })
            .collect()
    }

    /// A new learner whose address is not confirmed yet.
    pub fn learner_unconfirmed(&self, name: &str) -> Learner {
        let email = if name.contains('@') { name.to_owned() } else { format!("{name}@example.org") };
        let response = self.post("/v1/auth/register", None, &json!({ "email": email, "password": PASSWORD, "name": "Learner" }));
        assert_eq!(response.status, 201, "{}", response.text);
        let token = self.token(&email, PASSWORD);
        Learner::new(self.session(token), response.id(), email)
    }

    /// A new institution (made by the administrator) with one issuer.
    pub fn institution(&self, name: &str) -> Institution {
        Institution::create(&self.admin(), name)
    }

    /// A new employer organisation with one member of staff.
    pub fn employer(&self, name: &str) -> Employer {
        Employer::create(&self.admin(), name)
    }

    /// A client that sends `token`.
    pub fn session(&self, token: String) -> Session {
        Session::new(self.clone(), token)
    }

    /// An access token for `email`.
    pub fn token(&self, email: &str, password: &str) -> String {
        let response = self.post("/v1/auth/token", None, &json!({ "email": email, "password": password }));
        assert_eq!(response.status, 200, "sign-in failed for {email}: {}", response.text);
        response.body["access_token"].as_str().unwrap().to_owned()
    }

    /// The database this service runs on (for tests that open it too).
    pub fn database_url(&self) -> &DatabaseUrl {
        &self.db.url
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// The path of one of this service's URLs.
    pub fn path_of<'a>(&self, url: &'a str) -> &'a str {
        url.strip_prefix(&self.public_url).unwrap_or_else(|| panic!("{url} is not one of {}", self.public_url))
    }

    /// Sends a request; `body` as JSON when given.
    pub fn call(&self, method: &str, path: &str, token: Option<&str>, body: Option<&Value>) -> Response {
        self.call_with(method, path, token, &[], body)
    }

    /// Sends a request with extra headers; `body` as JSON when given.
    pub fn call_with(&self, method: &str, path: &str, token: Option<&str>, headers: &[(&str, &str)], body: Option<&Value>) -> Response {
        let mut request = self.agent.request(method, &self.url(path));
        if let Some(token) = token {
            request = request.set("Authorization", &format!("Bearer {token}"));
        }
        for (name, value) in headers {
            request = request.set(name, value);
        }
        let result = match body {
            Some(body) => request.send_json(body),
            None => request.call(),
        };
        Response::from(result)
    }

    /// Sends a raw body with the given content type.
    pub fn call_raw(&self, method: &str, path: &str, token: Option<&str>, content_type: &str, body: &[u8]) -> Response {
        self.call_raw_with(method, path, token, &[], content_type, body)
    }

    /// Sends a raw body with the given content type and extra headers.
    pub fn call_raw_with(
        &self,
        method: &str,
        path: &str,
        token: Option<&str>,
        headers: &[(&str, &str)],
        content_type: &str,
        body: &[u8],
    ) -> Response {
        let mut request = self.agent.request(method, &self.url(path)).set("Content-Type", content_type);
        if let Some(token) = token {
            request = request.set("Authorization", &format!("Bearer {token}"));
        }
        for (name, value) in headers {
            request = request.set(name, value);
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

    /// Polls the job at `path` (`/v1/jobs/{id}`, read with `token`) until
    /// it has finished, and returns it then. A job that never finishes fails
    /// the test after a generous bound, rather than hanging it.
    pub fn wait_for_job(&self, path: &str, token: &str) -> Value {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(120);
        loop {
            let job = self.get(path, Some(token));
            assert_eq!(job.status, 200, "{path}: {}", job.text);
            if matches!(job.body["state"].as_str(), Some("succeeded" | "failed")) {
                return job.body;
            }
            assert!(std::time::Instant::now() < deadline, "the job never finished: {}", job.text);
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
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

    /// The code in the newest verification mail to `email` (other mail,
    /// such as notifications, may have come since).
    pub fn verification_code(&self, email: &str) -> String {
        let mails = self.mails_to(email);
        assert!(!mails.is_empty(), "no mail was sent to {email}");
        mails
            .iter()
            .rev()
            .find_map(|mail| verification_code_in(mail))
            .unwrap_or_else(|| panic!("no verification code in the mails to {email}:\n{mails:?}"))
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

    /// Verifies a credential's VC-JWT at `/v1/verify`; returns the result.
    pub fn verify(&self, jwt: &str) -> Value {
        let response = self.post("/v1/verify", None, &json!({ "jwt": jwt }));
        assert_eq!(response.status, 200, "{}", response.text);
        response.body
    }
}
