//! Service configuration: the `serve` flags, each also an environment
//! variable (see DESIGN.md, "Configuration"). Parsed once into `Config`.

use std::path::PathBuf;

use cairn_domain::Email;
use clap::Args;

use crate::auth::Password;
use crate::store::DatabaseUrl;

/// Flags shared by every command that opens the database.
#[derive(Debug, Clone, Args)]
pub struct DataArgs {
    /// Directory for the SQLite database and the service's keys.
    #[arg(long, env = "CAIRN_DATA_DIR", default_value = "./cairn-data")]
    pub data_dir: PathBuf,
    /// `postgres://…` for PostgreSQL, or `sqlite://path` / a file path for
    /// SQLite. Default: `cairn.db` in the data directory.
    #[arg(long, env = "CAIRN_DATABASE_URL", hide_env_values = true)]
    pub database_url: Option<String>,
}

#[derive(Debug, Clone, Args)]
pub struct ServeArgs {
    /// Address and port to listen on.
    #[arg(long, env = "CAIRN_BIND", default_value = "127.0.0.1:8080")]
    pub bind: String,
    /// The URL clients reach the service at (used in issued credentials and
    /// token issuers). Default: `http://` + the bind address.
    #[arg(long, env = "CAIRN_PUBLIC_URL")]
    pub public_url: Option<String>,
    #[command(flatten)]
    pub data: DataArgs,
    /// Load example institutions, achievements, pathways and learners into
    /// an empty database.
    #[arg(long)]
    pub demo: bool,
    /// HTTP worker threads (default: one per CPU core).
    #[arg(long, env = "CAIRN_WORKERS")]
    pub workers: Option<usize>,
    /// SMTP server for outgoing mail: `smtp://host:port` (plain),
    /// `smtps://host:port` (implicit TLS) or `smtp://host:port?tls=starttls`,
    /// with `user:password@` before the host when it needs a login. Without
    /// it, each message is written to `<data-dir>/outbox/` as an `.eml` file.
    #[arg(long, env = "CAIRN_SMTP_URL", hide_env_values = true)]
    pub smtp_url: Option<String>,
    /// The sender of outgoing mail.
    #[arg(long, env = "CAIRN_MAIL_FROM", default_value = crate::mail::DEFAULT_FROM)]
    pub mail_from: String,
    /// Learners per chunk of a background job (each chunk is one transaction).
    #[arg(long, env = "CAIRN_JOB_CHUNK", default_value_t = 500, value_parser = clap::value_parser!(u32).range(1..=100_000))]
    pub job_chunk: u32,
    /// Seconds a worker's claim on a job lasts without a chunk recorded; a
    /// job whose worker died is taken over after this.
    #[arg(long, env = "CAIRN_JOB_LEASE_SECONDS", default_value_t = 30, value_parser = clap::value_parser!(u64).range(1..=3600))]
    pub job_lease_seconds: u64,
    /// Milliseconds a worker pauses between chunks (0: none), to leave more
    /// of the database to requests.
    #[arg(long, env = "CAIRN_JOB_PAUSE_MS", default_value_t = 0, value_parser = clap::value_parser!(u64).range(0..=60_000))]
    pub job_pause_ms: u64,
    /// Milliseconds the mail worker waits before it looks for due mail again.
    #[arg(long, env = "CAIRN_MAIL_POLL_MS", default_value_t = 1000, value_parser = clap::value_parser!(u64).range(10..=60_000))]
    pub mail_poll_ms: u64,
    /// Milliseconds before a failed mail is tried again; doubled after each
    /// further failure (capped at six hours).
    #[arg(long, env = "CAIRN_MAIL_RETRY_BASE_MS", default_value_t = 60_000, value_parser = clap::value_parser!(u64).range(10..=3_600_000))]
    pub mail_retry_base_ms: u64,
    /// Attempts at a mail before it is given up on.
    #[arg(long, env = "CAIRN_MAIL_MAX_ATTEMPTS", default_value_t = 10, value_parser = clap::value_parser!(u32).range(1..=30))]
    pub mail_max_attempts: u32,
    /// Seconds the mail worker's claim on a message lasts; a message whose
    /// worker died is sent by another after this. Keep it well above the
    /// SMTP timeout (15 s) times the messages of one claim (10).
    #[arg(long, env = "CAIRN_MAIL_LEASE_SECONDS", default_value_t = 300, value_parser = clap::value_parser!(u64).range(1..=3600))]
    pub mail_lease_seconds: u64,
    /// Let webhooks and fetches (status lists, DID documents, hosted
    /// badges) reach loopback and private addresses. For tests only.
    #[arg(long, env = "CAIRN_WEBHOOKS_ALLOW_PRIVATE")]
    pub webhooks_allow_private: bool,
    /// Milliseconds before a failed webhook delivery's first retry; later
    /// retries keep the Standard Webhooks proportions (5 s: 5 s, 5 min,
    /// 30 min, 2 h, 5 h, 10 h, 10 h). Shorter for tests.
    #[arg(long, env = "CAIRN_WEBHOOK_RETRY_BASE_MS", default_value_t = 5000, value_parser = clap::value_parser!(u64).range(1..=3_600_000))]
    pub webhook_retry_base_ms: u64,
    /// Milliseconds an idle webhook worker waits before it looks again.
    #[arg(long, env = "CAIRN_WEBHOOK_POLL_MS", default_value_t = 1000, value_parser = clap::value_parser!(u64).range(10..=60_000))]
    pub webhook_poll_ms: u64,
    /// Milliseconds one webhook attempt may take in all.
    #[arg(long, env = "CAIRN_WEBHOOK_TIMEOUT_MS", default_value_t = 10_000, value_parser = clap::value_parser!(u64).range(100..=60_000))]
    pub webhook_timeout_ms: u64,
    /// Milliseconds an outbound fetch may take in all (connect, send, read).
    #[arg(long, env = "CAIRN_FETCH_TIMEOUT_MS", default_value_t = 5000, value_parser = clap::value_parser!(u64).range(100..=60_000))]
    pub fetch_timeout_ms: u64,
    /// The largest document an outbound fetch reads, in bytes.
    #[arg(long, env = "CAIRN_FETCH_MAX_BYTES", default_value_t = 1024 * 1024, value_parser = clap::value_parser!(u64).range(1024..=64 * 1024 * 1024))]
    pub fetch_max_bytes: u64,
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("CAIRN_DATABASE_URL: {0}")]
    DatabaseUrl(#[from] crate::store::InvalidDatabaseUrl),
    #[error("CAIRN_PUBLIC_URL: {0}")]
    PublicUrl(String),
    #[error("CAIRN_ADMIN_EMAIL: {0}")]
    AdminEmail(cairn_domain::account::InvalidEmail),
    #[error("CAIRN_ADMIN_PASSWORD: {0}")]
    AdminPassword(crate::auth::password::InvalidPassword),
    #[error("CAIRN_ADMIN_EMAIL and CAIRN_ADMIN_PASSWORD must be set together")]
    AdminIncomplete,
    #[error("{0}")]
    Mail(#[from] crate::mail::MailError),
}

/// The first administrator, created on an empty database.
#[derive(Debug, Clone)]
pub struct AdminBootstrap {
    pub email: Email,
    pub password: Password,
}

#[derive(Debug, Clone)]
pub struct Config {
    pub bind: String,
    /// Without a trailing slash. `None`: `http://` + the address actually bound.
    pub public_url: Option<String>,
    pub data_dir: PathBuf,
    pub database: DatabaseUrl,
    pub admin: Option<AdminBootstrap>,
    pub demo: bool,
    /// HTTP worker threads; default one per core.
    pub workers: Option<usize>,
    /// Outgoing mail: SMTP, or the outbox folder in the data directory.
    pub mail: crate::mail::MailConfig,
    /// How the background job worker works the queue.
    pub jobs: crate::services::jobs::JobSettings,
    /// How the mail worker works the outbox.
    pub outbox: crate::services::outbox::OutboxSettings,
    /// Outbound fetches: timeout, size cap, private addresses (webhooks too).
    pub fetch: crate::fetch::FetchSettings,
    /// How the webhook worker sends and retries.
    pub webhooks: crate::services::webhooks::delivery::DeliverySettings,
}

impl DataArgs {
    pub fn database(&self) -> Result<DatabaseUrl, ConfigError> {
        Ok(match &self.database_url {
            Some(raw) => DatabaseUrl::parse(raw)?,
            None => DatabaseUrl::sqlite_file(&self.data_dir.join("cairn.db")),
        })
    }
}

impl Config {
    /// Builds the configuration from `serve` flags and the admin variables
    /// (read from the environment only, so the password never appears in a
    /// process listing).
    pub fn from_args(args: &ServeArgs) -> Result<Self, ConfigError> {
        let admin = admin_from_env(std::env::var("CAIRN_ADMIN_EMAIL").ok(), std::env::var("CAIRN_ADMIN_PASSWORD").ok())?;
        Self::new(args, admin)
    }

    pub fn new(args: &ServeArgs, admin: Option<AdminBootstrap>) -> Result<Self, ConfigError> {
        let public_url = match &args.public_url {
            Some(url) => {
                let parsed = cairn_domain::HttpUrl::parse(url).map_err(|e| ConfigError::PublicUrl(e.to_string()))?;
                Some(parsed.as_str().trim_end_matches('/').to_owned())
            }
            None => None,
        };
        Ok(Config {
            bind: args.bind.clone(),
            public_url,
            data_dir: args.data.data_dir.clone(),
            database: args.data.database()?,
            admin,
            demo: args.demo,
            workers: args.workers,
            mail: crate::mail::MailConfig::parse(args.smtp_url.as_deref(), &args.mail_from)?,
            jobs: crate::services::jobs::JobSettings {
                chunk: usize::try_from(args.job_chunk).unwrap_or(500),
                lease: std::time::Duration::from_secs(args.job_lease_seconds),
                pause: std::time::Duration::from_millis(args.job_pause_ms),
            },
            outbox: crate::services::outbox::OutboxSettings {
                poll: std::time::Duration::from_millis(args.mail_poll_ms),
                retry_base: std::time::Duration::from_millis(args.mail_retry_base_ms),
                max_attempts: args.mail_max_attempts,
                lease: std::time::Duration::from_secs(args.mail_lease_seconds),
            },
            fetch: crate::fetch::FetchSettings {
                timeout: std::time::Duration::from_millis(args.fetch_timeout_ms),
                max_bytes: usize::try_from(args.fetch_max_bytes).unwrap_or(usize::MAX),
                allow_private: args.webhooks_allow_private,
                ..crate::fetch::FetchSettings::default()
            },
            webhooks: crate::services::webhooks::delivery::DeliverySettings {
                retry_base: std::time::Duration::from_millis(args.webhook_retry_base_ms),
                poll: std::time::Duration::from_millis(args.webhook_poll_ms),
                timeout: std::time::Duration::from_millis(args.webhook_timeout_ms),
                ..crate::services::webhooks::delivery::DeliverySettings::default()
            },
        })
    }
}

pub fn admin_from_env(email: Option<String>, password: Option<String>) -> Result<Option<AdminBootstrap>, ConfigError> {
    match (email.filter(|e| !e.is_empty()), password.filter(|p| !p.is_empty())) {
        (None, None) => Ok(None),
        (Some(email), Some(password)) => Ok(Some(AdminBootstrap {
            email: Email::parse(&email).map_err(ConfigError::AdminEmail)?,
            password: Password::parse(password).map_err(ConfigError::AdminPassword)?,
        })),
        _ => Err(ConfigError::AdminIncomplete),
    }
}
