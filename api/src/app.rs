//! Application assembly: state, start-up (migrations, keys, first admin,
//! demo data), the actix-web app and the running server.

use std::net::{SocketAddr, TcpListener};

use actix_web::dev::{Server, ServerHandle};
use actix_web::middleware::{Compress, from_fn};
use actix_web::{App, HttpRequest, HttpResponse, HttpServer, web};
use anyhow::Context;
use cairn_domain::{DisplayName, Role};
use utoipa_actix_web::AppExt;
use utoipa_swagger_ui::SwaggerUi;

use crate::auth::{AccessTokens, PasswordHasher};
use crate::config::{AdminBootstrap, Config};
use crate::http::problem::ApiError;
use crate::http::{self, openapi};
use crate::services::jobs::{self, JobSignal};
use crate::services::worker::{self, Workers};
use crate::signing::MasterKey;
use crate::signing::data_integrity::Ed25519Signer;
use crate::signing::did;
use crate::signing::keys::{KeyError, SigningKey, load_or_create_pkcs8};
use crate::signing::{KeyAlg, NewKey};
use crate::state::AppState;
use crate::store::{Store, StoreError, keys, users};
use crate::{demo, telemetry};

/// Opens the database (applying migrations), loads or creates the token key,
/// creates the first admin on an empty database and loads demo data.
/// Blocking: call it off the async executor.
pub fn prepare(config: &Config, public_url: String) -> anyhow::Result<AppState> {
    std::fs::create_dir_all(&config.data_dir).with_context(|| format!("cannot create the data directory {}", config.data_dir.display()))?;
    let store = Store::open(&config.database).with_context(|| format!("cannot open the database {}", config.database))?;
    let key = SigningKey::load_or_create(&config.data_dir.join("access-token-key.p8"))?;
    // A key of its own: access tokens and exported records are different trust decisions.
    let platform_key = SigningKey::load_or_create(&config.data_dir.join("platform-key.p8"))?;
    let platform_ed25519 =
        load_or_create_pkcs8(&config.data_dir.join("platform-ed25519-key.p8"), || Ed25519Signer::generate_pkcs8().map_err(|_| KeyError::Generate))?;
    let platform_ed25519 = Ed25519Signer::from_pkcs8(&platform_ed25519, String::new())?;
    let platform_method = format!("{}#{}", did::platform_did(&public_url), platform_ed25519.multikey());
    let platform = crate::signing::OrgSigner {
        kid: format!("{public_url}/.well-known/jwks.json#{}", platform_key.thumbprint()),
        key: platform_key,
        data_integrity: Ed25519Signer::from_pkcs8(platform_ed25519.pkcs8(), platform_method)?,
    };
    let state = AppState {
        store,
        tokens: AccessTokens::new(key, public_url.clone()),
        hasher: PasswordHasher::new()?,
        master: MasterKey::load(&config.data_dir)?,
        platform,
        public_url,
        talent_limiter: crate::rate_limit::RateLimiter::talent_search(),
        mailer: crate::mail::Mailer::new(&config.mail, &config.data_dir)?,
        verification_limiter: crate::rate_limit::RateLimiter::verification_resend(),
        graphs: std::sync::Arc::default(),
        fetcher: std::sync::Arc::new(crate::fetch::HttpFetcher::new(config.fetch)),
        fetch_cache: crate::fetch::Cache::new(1000),
        poster: std::sync::Arc::new(crate::fetch::HttpPoster::new(crate::fetch::PostSettings {
            timeout: config.webhooks.timeout,
            allow_private: config.fetch.allow_private,
        })),
    };
    match &config.mail.smtp {
        Some(smtp) => tracing::info!(smtp = %smtp, "outgoing mail goes to the SMTP server"),
        None => {
            tracing::info!(outbox = %config.data_dir.join("outbox").display(), "no SMTP server configured: outgoing mail is written to the outbox")
        }
    }
    add_missing_ed25519_keys(&state)?;
    if let Some(admin) = &config.admin {
        bootstrap_admin(&state, admin)?;
    }
    if config.demo {
        demo::load(&state)?;
    }
    Ok(state)
}

/// Gives each organisation created before Data Integrity proofs its
/// Ed25519 key (keys need the master key, which migrations do not have).
fn add_missing_ed25519_keys(state: &AppState) -> anyhow::Result<()> {
    let master = state.master.clone();
    let added = state.store.write_blocking(move |conn| {
        let missing = keys::orgs_without_ed25519(conn)?;
        for org in &missing {
            let key = NewKey::ed25519(&master).map_err(|e| StoreError::Corrupt(e.to_string()))?;
            keys::insert_one(conn, *org, KeyAlg::Ed25519, key)?;
        }
        Ok(missing.len())
    })?;
    if added > 0 {
        tracing::info!(organisations = added, "created Ed25519 keys for Data Integrity proofs");
    }
    Ok(())
}

/// Creates the first administrator when the database has no account yet.
fn bootstrap_admin(state: &AppState, admin: &AdminBootstrap) -> anyhow::Result<()> {
    let password_hash = state.hasher.hash(&admin.password)?;
    let email = admin.email.clone();
    let name = DisplayName::parse("Administrator")?;
    let created = state.store.write_blocking(move |conn| {
        if users::count(conn)? > 0 {
            return Ok(false);
        }
        users::insert(conn, users::NewAccount { email, name, password_hash, role: Role::Admin, org: None, email_verified: true }, None)?;
        Ok(true)
    })?;
    if created {
        tracing::info!(email = %admin.email, "created the first administrator");
    }
    Ok(())
}

/// A started server: its address, a handle to stop it, and the queue
/// workers beside it.
pub struct RunningServer {
    pub addr: SocketAddr,
    pub public_url: String,
    pub handle: ServerHandle,
    pub server: Server,
    pub workers: Workers,
}

impl RunningServer {
    /// Serves until the server stops (SIGTERM or ctrl-c, gracefully, or
    /// `handle.stop`), then stops the workers and waits for them: each
    /// finishes what it holds or gives it back, so none is left mid-call
    /// to the database when the process exits.
    pub async fn run(self) -> std::io::Result<()> {
        let served = self.server.await;
        self.workers.stop().await;
        tracing::info!("Cairn stopped");
        served
    }
}

/// Binds, prepares the state and starts serving, with the queue workers.
/// Call `run` to serve until stopped.
pub async fn start(config: Config) -> anyhow::Result<RunningServer> {
    let listener = TcpListener::bind(&config.bind).with_context(|| format!("cannot listen on {}", config.bind))?;
    let addr = listener.local_addr()?;
    let public_url = config.public_url.clone().unwrap_or_else(|| format!("http://{addr}"));
    let workers = config.workers;
    let jobs = config.jobs;
    let outbox = config.outbox;
    let webhooks = config.webhooks;
    let url = public_url.clone();
    let state = tokio::task::spawn_blocking(move || prepare(&config, url)).await??;
    let state = web::Data::new(state);
    // One worker per durable queue runs beside the server until it stops
    // (`RunningServer::run`): the job worker takes up queued jobs and those
    // whose worker died, this process's or another node's; the mail worker
    // delivers the outbox; the webhook worker sends due deliveries, of any
    // node.
    let signal = JobSignal::default();
    let (stopper, stop) = worker::stop_signal();
    let app_state = state.clone().into_inner();
    let queue_workers = Workers::new(
        stopper,
        vec![
            actix_web::rt::spawn(jobs::work(app_state.clone(), signal.clone(), jobs, stop.clone())),
            actix_web::rt::spawn(crate::services::outbox::work(app_state.clone(), outbox, stop.clone())),
            actix_web::rt::spawn(crate::services::webhooks::delivery::work(app_state, webhooks, stop)),
        ],
    );
    let signal = web::Data::new(signal);
    let mut server = HttpServer::new(move || build_app(state.clone(), signal.clone())).listen(listener)?;
    if let Some(workers) = workers {
        server = server.workers(workers.max(1));
    }
    let server = server.run();
    tracing::info!(%addr, %public_url, "Cairn is listening");
    Ok(RunningServer { addr, public_url, handle: server.handle(), server, workers: queue_workers })
}

fn build_app(
    state: web::Data<AppState>,
    signal: web::Data<JobSignal>,
) -> App<
    impl actix_web::dev::ServiceFactory<
        actix_web::dev::ServiceRequest,
        Config = (),
        Response = actix_web::dev::ServiceResponse<impl actix_web::body::MessageBody>,
        Error = actix_web::Error,
        InitError = (),
    >,
> {
    let (app, _spec) = App::new()
        // Before the API: a browser opening a share link gets the page.
        .configure(crate::web::configure_negotiated)
        .into_utoipa_app()
        .openapi(openapi::base())
        .app_data(state)
        .app_data(signal)
        .app_data(web::PathConfig::default().error_handler(|_, _| ApiError::NotFound("resource".into()).into()))
        .configure(http::configure)
        .split_for_parts();
    app.configure(crate::web::configure)
        .service(openapi::openapi_json)
        .service(openapi::docs_redirect)
        .service(SwaggerUi::new("/docs/{_:.*}").config(utoipa_swagger_ui::Config::from("/openapi.json")))
        .default_service(web::to(unmatched))
        .wrap(from_fn(http::nul_guard::refuse_nul))
        .wrap(Compress::default())
        .wrap(from_fn(telemetry::log_requests))
}

/// No route took the request: 405 with `Allow` when the path is one the API
/// serves under other methods, 404 otherwise.
async fn unmatched(req: HttpRequest) -> HttpResponse {
    let method = req.method().to_string();
    let error = match openapi::allowed_methods(req.path()) {
        Some(allow) if !allow.contains(&method) => ApiError::MethodNotAllowed { method, allow },
        _ => ApiError::NotFound("resource".into()),
    };
    actix_web::ResponseError::error_response(&error)
}
