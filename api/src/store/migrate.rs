//! Embedded migrations, one set per backend (`migrations/sqlite`,
//! `migrations/postgres`). Applied at start-up and by `cairn migrate`.

use diesel_migrations::{EmbeddedMigrations, MigrationHarness, embed_migrations};

use super::connection::DatabaseUrl;
use super::connection::connect_sqlite;
use super::error::{StoreError, StoreResult};

const SQLITE: EmbeddedMigrations = embed_migrations!("../migrations/sqlite");
const POSTGRES: EmbeddedMigrations = embed_migrations!("../migrations/postgres");

fn migration_error(error: impl std::fmt::Display) -> StoreError {
    StoreError::Migration(error.to_string())
}

/// Applies every pending migration; returns the names of those applied.
pub fn run_pending(url: &DatabaseUrl) -> StoreResult<Vec<String>> {
    let applied = match url {
        DatabaseUrl::Sqlite(path) => {
            let mut conn = connect_sqlite(path).map_err(migration_error)?;
            conn.run_pending_migrations(SQLITE).map_err(migration_error)?.iter().map(ToString::to_string).collect()
        }
        DatabaseUrl::Postgres(raw) => {
            let mut conn = pg_connect(raw)?;
            conn.run_pending_migrations(POSTGRES).map_err(migration_error)?.iter().map(ToString::to_string).collect()
        }
    };
    Ok(applied)
}

/// Reverts every applied migration, newest first; returns their names.
/// Used by the migration round-trip test and by `cairn migrate --revert-all`.
pub fn revert_all(url: &DatabaseUrl) -> StoreResult<Vec<String>> {
    let reverted = match url {
        DatabaseUrl::Sqlite(path) => {
            let mut conn = connect_sqlite(path).map_err(migration_error)?;
            conn.revert_all_migrations(SQLITE).map_err(migration_error)?.iter().map(ToString::to_string).collect()
        }
        DatabaseUrl::Postgres(raw) => {
            let mut conn = pg_connect(raw)?;
            conn.revert_all_migrations(POSTGRES).map_err(migration_error)?.iter().map(ToString::to_string).collect()
        }
    };
    Ok(reverted)
}

fn pg_connect(raw: &str) -> StoreResult<diesel::PgConnection> {
    use diesel::Connection;
    diesel::PgConnection::establish(raw).map_err(migration_error)
}
