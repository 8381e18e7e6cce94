//! Idempotency keys: a retried POST with the same `Idempotency-Key` gets the
//! first response back and creates nothing new. Keys are scoped per account.

use cairn_domain::UserId;
use diesel::prelude::*;

use super::connection::DbConn;
use super::error::{StoreError, StoreResult};
use super::schema::idempotency_keys;
use super::time;

pub struct Stored {
    pub request_hash: String,
    pub status: u16,
    pub response: String,
}

pub fn find(conn: &mut DbConn, user: UserId, key: &str) -> StoreResult<Option<Stored>> {
    let row: Option<(String, i64, String)> = idempotency_keys::table
        .find((user.to_string(), key))
        .select((idempotency_keys::request_hash, idempotency_keys::status, idempotency_keys::response))
        .first(conn)
        .optional()
        .map_err(StoreError::from_query)?;
    Ok(row.map(|(request_hash, status, response)| Stored { request_hash, status: u16::try_from(status).unwrap_or(200), response }))
}

pub fn save(conn: &mut DbConn, user: UserId, key: &str, stored: &Stored, now: chrono::DateTime<chrono::Utc>) -> StoreResult<()> {
    diesel::insert_into(idempotency_keys::table)
        .values((
            idempotency_keys::user_id.eq(user.to_string()),
            idempotency_keys::idem_key.eq(key),
            idempotency_keys::request_hash.eq(&stored.request_hash),
            idempotency_keys::status.eq(i64::from(stored.status)),
            idempotency_keys::response.eq(&stored.response),
            idempotency_keys::created_at.eq(time::to_db(now)),
        ))
        .execute(conn)
        .map_err(|e| StoreError::conflict_on_unique(e, "a request with this Idempotency-Key is in progress; retry"))?;
    Ok(())
}
