//! Per-account request counters, shared by every node on the database: one
//! row per limit ("bucket") and account, holding the current window's start
//! and how many requests it has seen.

use cairn_domain::UserId;
use chrono::{DateTime, Duration, Utc};
use diesel::dsl::case_when;
use diesel::prelude::*;
use diesel::upsert::excluded;

use super::connection::DbConn;
use super::error::{StoreError, StoreResult};
use super::schema::rate_limits;
use super::time;

/// The window a request was counted in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Counted {
    /// When the window opened (at `now` when this request opened it).
    pub window_start: DateTime<Utc>,
    /// Requests counted in it, this one included.
    pub count: i64,
}

/// Counts one request of `account` in `bucket` at `now`, atomically: a
/// window that ended at or before `now` (it opened `window` or longer ago)
/// is replaced by one opening at `now`. Concurrent callers on any node each
/// get their own count.
pub fn hit(conn: &mut DbConn, bucket: &str, account: UserId, now: DateTime<Utc>, window: Duration) -> StoreResult<Counted> {
    let now_db = time::to_db(now);
    let ended = rate_limits::window_start.le(time::to_db(now - window));
    // Both assignments read the row as it was before the update.
    let query = diesel::insert_into(rate_limits::table)
        .values((
            rate_limits::bucket.eq(bucket),
            rate_limits::account_id.eq(account.to_string()),
            rate_limits::window_start.eq(now_db),
            rate_limits::count.eq(1_i64),
        ))
        .on_conflict((rate_limits::bucket, rate_limits::account_id))
        .do_update()
        .set((
            rate_limits::window_start.eq(case_when(ended, excluded(rate_limits::window_start)).otherwise(rate_limits::window_start)),
            rate_limits::count.eq(case_when(ended, 1_i64.into_sql::<diesel::sql_types::BigInt>()).otherwise(rate_limits::count + 1_i64)),
        ))
        .returning((rate_limits::window_start, rate_limits::count));
    // The multi-backend connection has no ON CONFLICT clause; both backends
    // do (SQLite from 3.24, RETURNING from 3.35).
    let (window_start, count): (chrono::NaiveDateTime, i64) = match conn {
        DbConn::Sqlite(inner) => query.get_result(inner),
        DbConn::Postgres(inner) => query.get_result(inner),
    }
    .map_err(StoreError::from_query)?;
    Ok(Counted { window_start: time::from_db(window_start), count })
}

/// Deletes the rows of `bucket` whose window ended at or before `now`: the
/// next request of such an account opens a new window anyway.
pub fn purge_ended(conn: &mut DbConn, bucket: &str, now: DateTime<Utc>, window: Duration) -> StoreResult<usize> {
    diesel::delete(rate_limits::table.filter(rate_limits::bucket.eq(bucket)).filter(rate_limits::window_start.le(time::to_db(now - window))))
        .execute(conn)
        .map_err(StoreError::from_query)
}

/// Rows kept for `bucket` (for tests of the purge).
pub fn rows(conn: &mut DbConn, bucket: &str) -> StoreResult<i64> {
    rate_limits::table.filter(rate_limits::bucket.eq(bucket)).count().get_result(conn).map_err(StoreError::from_query)
}
