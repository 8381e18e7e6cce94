//! Persistence. One diesel code base for SQLite and PostgreSQL through
//! `#[derive(MultiConnection)]`; the backend is chosen from the URL scheme.
//! Handlers never see a connection: they call `Store::read` / `Store::write`
//! with a closure over one of the query modules below, which runs on the
//! blocking pool so the async executor never waits on the database.

pub mod achievement_images;
pub mod achievements;
pub mod audit;
pub mod award_constituents;
pub mod award_reviews;
pub mod cascades;
mod connection;
pub mod credentials;
pub mod email_verifications;
pub mod employment;
mod error;
pub mod follows;
pub mod graph;
pub mod graph_version;
pub mod idempotency;
pub mod imports;
pub mod issued;
pub mod jobs;
pub mod keys;
mod lease;
pub mod mail_outbox;
pub mod mail_recipients;
pub mod migrate;
pub mod notification_prefs;
pub mod org_counts;
pub mod orgs;
pub mod outcomes;
pub mod pathways;
pub mod rate_limits;
pub mod schema;
pub mod sessions;
pub mod shares;
pub mod skills;
pub mod status_lists;
pub mod time;
pub mod trusted_issuers;
pub mod users;
pub mod webhooks;

use std::time::Duration;

use diesel::r2d2::{Pool, PooledConnection};

pub use connection::{Backend, DatabaseUrl, DbConn, DbConnManager, InvalidDatabaseUrl};
pub use error::{StoreError, StoreResult};

/// The connection pool plus what it connects to.
#[derive(Clone)]
pub struct Store {
    pool: Pool<DbConnManager>,
    backend: Backend,
}

impl Store {
    /// Runs pending migrations, then opens the pool.
    pub fn open(url: &DatabaseUrl) -> StoreResult<Self> {
        migrate::run_pending(url)?;
        let max_size = match url.backend() {
            // One writer at a time anyway; a few readers share the WAL.
            Backend::Sqlite => 8,
            Backend::Postgres => 16,
        };
        let pool = Pool::builder().max_size(max_size).connection_timeout(Duration::from_secs(10)).build(DbConnManager::new(url.clone()))?;
        let store = Self { pool, backend: url.backend() };
        // Awards issued before `award_constituents` existed get their rows
        // from their signed evidence, once (SQL cannot read that JSON
        // portably, so no migration does it).
        let filled = store.write_blocking(award_constituents::backfill)?;
        if filled > 0 {
            tracing::info!(filled, "recorded the constituents of awards issued before award_constituents");
        }
        Ok(store)
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    fn connection(&self) -> StoreResult<PooledConnection<DbConnManager>> {
        Ok(self.pool.get()?)
    }

    /// Runs `work` on a pooled connection, off the async executor.
    pub async fn read<T, F>(&self, work: F) -> StoreResult<T>
    where
        T: Send + 'static,
        F: FnOnce(&mut DbConn) -> StoreResult<T> + Send + 'static,
    {
        let store = self.clone();
        run_blocking(move || {
            let mut conn = store.connection()?;
            work(&mut conn)
        })
        .await
    }

    /// Runs `work` in one write transaction (`BEGIN IMMEDIATE` on SQLite, so
    /// concurrent writers queue on the lock instead of failing mid-way).
    /// Any error rolls everything back: nothing is half-written.
    pub async fn write<T, F>(&self, work: F) -> StoreResult<T>
    where
        T: Send + 'static,
        F: FnOnce(&mut DbConn) -> StoreResult<T> + Send + 'static,
    {
        let store = self.clone();
        run_blocking(move || {
            let mut conn = store.connection()?;
            connection::write_transaction(&mut conn, work)
        })
        .await
    }

    /// `read` for a use case with its own error type.
    pub async fn read_as<T, E, F>(&self, work: F) -> Result<T, E>
    where
        T: Send + 'static,
        E: From<StoreError> + Send + 'static,
        F: FnOnce(&mut DbConn) -> Result<T, E> + Send + 'static,
    {
        let store = self.clone();
        run_blocking(move || {
            let mut conn = store.connection()?;
            work(&mut conn)
        })
        .await
    }

    /// `write` for a use case with its own error type: any error, a
    /// business rule's included, rolls everything back.
    pub async fn write_as<T, E, F>(&self, work: F) -> Result<T, E>
    where
        T: Send + 'static,
        E: From<StoreError> + Send + 'static,
        F: FnOnce(&mut DbConn) -> Result<T, E> + Send + 'static,
    {
        let store = self.clone();
        run_blocking(move || {
            let mut conn = store.connection()?;
            connection::write_transaction(&mut conn, work)
        })
        .await
    }

    /// `write_blocking` for a use case with an error of its own.
    pub fn write_blocking_as<T, E: From<StoreError>>(&self, work: impl FnOnce(&mut DbConn) -> Result<T, E>) -> Result<T, E> {
        let mut conn = self.connection()?;
        connection::write_transaction(&mut conn, work)
    }

    /// `write` on the current thread, for start-up and the CLI (never from
    /// async code).
    pub fn write_blocking<T>(&self, work: impl FnOnce(&mut DbConn) -> StoreResult<T>) -> StoreResult<T> {
        let mut conn = self.connection()?;
        connection::write_transaction(&mut conn, work)
    }

    /// A cheap query proving the database answers.
    pub async fn ping(&self) -> StoreResult<()> {
        self.read(connection::ping).await
    }
}

async fn run_blocking<T, E, F>(work: F) -> Result<T, E>
where
    T: Send + 'static,
    E: From<StoreError> + Send + 'static,
    F: FnOnce() -> Result<T, E> + Send + 'static,
{
    match tokio::task::spawn_blocking(work).await {
        Ok(result) => result,
        Err(error) => Err(StoreError::Join(error.to_string()).into()),
    }
}
