//! Errors from the persistence layer; use cases turn them into their own.

/// Errors from the persistence layer. Handlers turn them into problems.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("{0} not found")]
    NotFound(&'static str),
    #[error("{0}")]
    Conflict(String),
    #[error("the database is busy")]
    Busy,
    /// Input that could only be checked against stored data (an unknown
    /// achievement, a recipient who is not a learner).
    #[error("`{field}`: {message}")]
    Invalid { field: String, message: String },
    #[error("database error: {0}")]
    Query(#[from] diesel::result::Error),
    #[error("connection pool: {0}")]
    Pool(#[from] diesel::r2d2::PoolError),
    #[error("migrations: {0}")]
    Migration(String),
    #[error("stored data is inconsistent: {0}")]
    Corrupt(String),
    #[error("background task failed: {0}")]
    Join(String),
}

impl StoreError {
    /// Maps a unique-constraint violation to a conflict with `message`,
    /// leaving every other error as it is.
    pub fn conflict_on_unique(error: diesel::result::Error, message: impl Into<String>) -> Self {
        use diesel::result::{DatabaseErrorKind, Error};
        match error {
            Error::DatabaseError(DatabaseErrorKind::UniqueViolation, _) => StoreError::Conflict(message.into()),
            other => StoreError::from_query(other),
        }
    }

    /// SQLite reports lock contention past `busy_timeout` as a plain error;
    /// callers should see "busy, retry", not an internal error.
    /// PostgreSQL aborts one of two transactions that deadlock or cannot be
    /// serialised: that request lost a race, a conflict the client may
    /// retry, not an internal error.
    pub fn from_query(error: diesel::result::Error) -> Self {
        use diesel::result::{DatabaseErrorKind, Error};
        match &error {
            Error::DatabaseError(_, info) if info.message().contains("database is locked") => StoreError::Busy,
            Error::DatabaseError(DatabaseErrorKind::SerializationFailure, _) => {
                StoreError::Conflict("a concurrent request changed the same data; retry".into())
            }
            Error::DatabaseError(_, info) if info.message().contains("deadlock detected") => {
                StoreError::Conflict("a concurrent request changed the same data; retry".into())
            }
            _ => StoreError::Query(error),
        }
    }
}

pub type StoreResult<T> = Result<T, StoreError>;
