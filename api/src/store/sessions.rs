//! Web sign-in sessions: the SHA-256 of the cookie's secret, the account,
//! the session's CSRF token and when it ends.

use chrono::{DateTime, Utc};
use diesel::prelude::*;

use super::connection::DbConn;
use super::error::{StoreError, StoreResult};
use super::schema::web_sessions;
use super::time;
use super::users::{self, Account};

/// A session to store.
pub struct NewSession<'a> {
    pub secret_hash: &'a str,
    pub account: &'a Account,
    pub csrf_token: &'a str,
    pub now: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
}

pub fn insert(conn: &mut DbConn, session: &NewSession<'_>) -> StoreResult<()> {
    diesel::insert_into(web_sessions::table)
        .values((
            web_sessions::secret_hash.eq(session.secret_hash),
            web_sessions::user_id.eq(session.account.id.to_string()),
            web_sessions::csrf_token.eq(session.csrf_token),
            web_sessions::created_at.eq(time::to_db(session.now)),
            web_sessions::expires_at.eq(time::to_db(session.expires_at)),
        ))
        .execute(conn)?;
    Ok(())
}

/// The live session with this secret hash: its account and CSRF token.
pub fn find_live(conn: &mut DbConn, secret_hash: &str, now: DateTime<Utc>) -> StoreResult<Option<(Account, String)>> {
    let found: Option<(String, String)> = web_sessions::table
        .filter(web_sessions::secret_hash.eq(secret_hash))
        .filter(web_sessions::expires_at.gt(time::to_db(now)))
        .select((web_sessions::user_id, web_sessions::csrf_token))
        .first(conn)
        .optional()?;
    let Some((user, csrf)) = found else { return Ok(None) };
    let id = user.parse().map_err(|e| StoreError::Corrupt(format!("session user id {user}: {e:?}")))?;
    Ok(users::find(conn, id)?.map(|account| (account, csrf)))
}

/// Ends the session (sign-out); ending one that is gone is no error.
pub fn delete(conn: &mut DbConn, secret_hash: &str) -> StoreResult<()> {
    diesel::delete(web_sessions::table.filter(web_sessions::secret_hash.eq(secret_hash))).execute(conn)?;
    Ok(())
}

/// Forgets sessions that ended before `now`; run when a session opens, so
/// the table holds only live ones and a few stale ones.
pub fn delete_expired(conn: &mut DbConn, now: DateTime<Utc>) -> StoreResult<usize> {
    Ok(diesel::delete(web_sessions::table.filter(web_sessions::expires_at.le(time::to_db(now)))).execute(conn)?)
}
