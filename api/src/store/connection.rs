//! The multi-backend connection, its URL and its pool manager.

use std::fmt;
use std::path::{Path, PathBuf};

use diesel::connection::{AnsiTransactionManager, SimpleConnection, TransactionManager};
use diesel::{Connection, PgConnection, RunQueryDsl, SqliteConnection};

use super::error::{StoreError, StoreResult};

#[derive(diesel::MultiConnection)]
pub enum DbConn {
    Sqlite(SqliteConnection),
    Postgres(PgConnection),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    pub fn as_str(self) -> &'static str {
        match self {
            Backend::Sqlite => "sqlite",
            Backend::Postgres => "postgres",
        }
    }
}

/// A database location, parsed: `postgres://…` / `postgresql://…`, or
/// `sqlite://path` / a bare file path for SQLite.
#[derive(Clone, PartialEq, Eq)]
pub enum DatabaseUrl {
    Sqlite(PathBuf),
    Postgres(String),
}

#[derive(Debug, thiserror::Error)]
pub enum InvalidDatabaseUrl {
    #[error("the database URL is empty")]
    Empty,
    #[error("unsupported database URL scheme `{0}` (expected postgres://, sqlite:// or a file path)")]
    Scheme(String),
}

impl DatabaseUrl {
    pub fn parse(raw: &str) -> Result<Self, InvalidDatabaseUrl> {
        let raw = raw.trim();
        if raw.is_empty() {
            return Err(InvalidDatabaseUrl::Empty);
        }
        if raw.starts_with("postgres://") || raw.starts_with("postgresql://") {
            return Ok(DatabaseUrl::Postgres(raw.to_owned()));
        }
        if let Some(path) = raw.strip_prefix("sqlite://") {
            if path.is_empty() {
                return Err(InvalidDatabaseUrl::Empty);
            }
            return Ok(DatabaseUrl::Sqlite(PathBuf::from(path)));
        }
        match raw.split_once("://") {
            Some((scheme, _)) => Err(InvalidDatabaseUrl::Scheme(scheme.to_owned())),
            None => Ok(DatabaseUrl::Sqlite(PathBuf::from(raw))),
        }
    }

    pub fn sqlite_file(path: &Path) -> Self {
        DatabaseUrl::Sqlite(path.to_path_buf())
    }

    pub fn backend(&self) -> Backend {
        match self {
            DatabaseUrl::Sqlite(_) => Backend::Sqlite,
            DatabaseUrl::Postgres(_) => Backend::Postgres,
        }
    }

    /// Opens one connection, with the per-connection settings applied.
    pub fn connect(&self) -> Result<DbConn, diesel::ConnectionError> {
        match self {
            DatabaseUrl::Sqlite(path) => connect_sqlite(path).map(DbConn::Sqlite),
            DatabaseUrl::Postgres(url) => PgConnection::establish(url).map(DbConn::Postgres),
        }
    }
}

/// Never prints a PostgreSQL password.
impl fmt::Debug for DatabaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DatabaseUrl::Sqlite(path) => write!(f, "sqlite://{}", path.display()),
            DatabaseUrl::Postgres(url) => f.write_str(&redact_password(url)),
        }
    }
}

impl fmt::Display for DatabaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self, f)
    }
}

fn redact_password(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else { return url.to_owned() };
    let Some((userinfo, host)) = rest.split_once('@') else { return url.to_owned() };
    match userinfo.split_once(':') {
        Some((user, _)) => format!("{scheme}://{user}:***@{host}"),
        None => url.to_owned(),
    }
}

pub(super) fn connect_sqlite(path: &Path) -> Result<SqliteConnection, diesel::ConnectionError> {
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent).map_err(|e| diesel::ConnectionError::BadConnection(format!("cannot create {}: {e}", parent.display())))?;
    }
    let mut conn = SqliteConnection::establish(&path.to_string_lossy())?;
    // busy_timeout first: switching to WAL itself may wait on a lock.
    conn.batch_execute(
        "PRAGMA busy_timeout = 10000;
         PRAGMA journal_mode = WAL;
         PRAGMA synchronous = NORMAL;
         PRAGMA foreign_keys = ON;",
    )
    .map_err(|e| diesel::ConnectionError::BadConnection(e.to_string()))?;
    Ok(conn)
}

pub struct DbConnManager {
    url: DatabaseUrl,
}

impl DbConnManager {
    pub fn new(url: DatabaseUrl) -> Self {
        Self { url }
    }
}

impl diesel::r2d2::ManageConnection for DbConnManager {
    type Connection = DbConn;
    type Error = diesel::r2d2::Error;

    fn connect(&self) -> Result<DbConn, Self::Error> {
        self.url.connect().map_err(diesel::r2d2::Error::ConnectionError)
    }

    fn is_valid(&self, conn: &mut DbConn) -> Result<(), Self::Error> {
        ping(conn).map_err(|_| diesel::r2d2::Error::QueryError(diesel::result::Error::BrokenTransactionManager))
    }

    fn has_broken(&self, conn: &mut DbConn) -> bool {
        use diesel::r2d2::R2D2Connection;
        conn.is_broken()
    }
}

pub(super) fn ping(conn: &mut DbConn) -> StoreResult<()> {
    diesel::sql_query("SELECT 1").execute(conn).map_err(StoreError::from_query)?;
    Ok(())
}

/// Serialises writers of one account's data: on PostgreSQL, locks the
/// account's `users` row until the transaction ends, so a second writer
/// waits and then sees the first one's committed rows (read committed).
/// SQLite needs nothing: `BEGIN IMMEDIATE` already admits one writer.
pub(super) fn lock_account(conn: &mut DbConn, account: &str) -> StoreResult<()> {
    if let DbConn::Postgres(inner) = conn {
        // NO KEY: foreign-key checks of rows that reference the account
        // (its key share locks) are not blocked.
        diesel::sql_query("SELECT id FROM users WHERE id = $1 FOR NO KEY UPDATE")
            .bind::<diesel::sql_types::Text, _>(account)
            .execute(inner)
            .map_err(StoreError::from_query)?;
    }
    Ok(())
}

/// Runs `work` inside a transaction. On SQLite the transaction starts with
/// `BEGIN IMMEDIATE` so that it takes the write lock up front: a deferred
/// transaction that reads and then writes can fail with SQLITE_BUSY mid-way.
pub(super) fn write_transaction<T, E: From<StoreError>>(conn: &mut DbConn, work: impl FnOnce(&mut DbConn) -> Result<T, E>) -> Result<T, E> {
    match conn {
        DbConn::Postgres(_) => {
            // diesel's transaction wants an error built from its own; the
            // work's error passes through untouched.
            enum Failed<E> {
                Work(E),
                Db(diesel::result::Error),
            }
            impl<E> From<diesel::result::Error> for Failed<E> {
                fn from(error: diesel::result::Error) -> Self {
                    Failed::Db(error)
                }
            }
            conn.transaction(|conn| work(conn).map_err(Failed::Work)).map_err(|failed| match failed {
                Failed::Work(error) => error,
                Failed::Db(error) => E::from(StoreError::from_query(error)),
            })
        }
        DbConn::Sqlite(inner) => {
            AnsiTransactionManager::begin_transaction_sql(inner, "BEGIN IMMEDIATE").map_err(|e| E::from(StoreError::from_query(e)))?;
            let result = work(conn);
            let DbConn::Sqlite(inner) = conn else {
                return Err(E::from(StoreError::Corrupt("connection changed backend".into())));
            };
            match result {
                Ok(value) => match AnsiTransactionManager::commit_transaction(inner) {
                    Ok(()) => Ok(value),
                    Err(error) => {
                        let _ = AnsiTransactionManager::rollback_transaction(inner);
                        Err(E::from(StoreError::from_query(error)))
                    }
                },
                Err(error) => {
                    AnsiTransactionManager::rollback_transaction(inner).map_err(|e| E::from(StoreError::from_query(e)))?;
                    Err(error)
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_choose_the_backend_by_scheme() {
        assert_eq!(DatabaseUrl::parse("postgres://u@h/db").unwrap().backend(), Backend::Postgres);
        assert_eq!(DatabaseUrl::parse("postgresql://u@h/db").unwrap().backend(), Backend::Postgres);
        assert_eq!(DatabaseUrl::parse("sqlite://data/c.db").unwrap(), DatabaseUrl::Sqlite("data/c.db".into()));
        assert_eq!(DatabaseUrl::parse("./c.db").unwrap(), DatabaseUrl::Sqlite("./c.db".into()));
        assert!(DatabaseUrl::parse("mysql://x").is_err());
        assert!(DatabaseUrl::parse("  ").is_err());
    }

    #[test]
    fn passwords_never_print() {
        let url = DatabaseUrl::parse("postgres://app:s3cret@db:5432/cairn").unwrap();
        assert_eq!(url.to_string(), "postgres://app:***@db:5432/cairn");
        assert!(!format!("{url:?}").contains("s3cret"));
    }
}
