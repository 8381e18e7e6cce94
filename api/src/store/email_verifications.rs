//! Outstanding e-mail verification codes: one per account at most, kept only
//! as a hash, single use, with an expiry.

use cairn_domain::{Email, UserId};
use chrono::{DateTime, Utc};
use diesel::prelude::*;

use super::connection::DbConn;
use super::error::{StoreError, StoreResult};
use super::schema::email_verifications;
use super::time;

/// A code that was presented and matched a stored hash.
#[derive(Debug)]
pub enum Redeemed {
    /// Still valid: the row is gone, the code cannot be used again.
    Valid { user: UserId, email: Email },
    /// Matched but past its expiry (the row is gone too).
    Expired,
}

/// Stores `code_hash` as the account's only outstanding code for `email`,
/// replacing any earlier one (an earlier mail's code stops working).
pub fn replace(conn: &mut DbConn, user: UserId, email: &Email, code_hash: &str, expires_at: DateTime<Utc>) -> StoreResult<()> {
    diesel::delete(email_verifications::table.find(user.to_string())).execute(conn).map_err(StoreError::from_query)?;
    diesel::insert_into(email_verifications::table)
        .values((
            email_verifications::user_id.eq(user.to_string()),
            email_verifications::email.eq(email.as_str()),
            email_verifications::code_hash.eq(code_hash),
            email_verifications::expires_at.eq(time::to_db(expires_at)),
            email_verifications::created_at.eq(time::to_db(time::now())),
        ))
        .execute(conn)
        .map_err(StoreError::from_query)?;
    Ok(())
}

/// Spends the code whose hash is `code_hash`. `None`: no such code (never
/// issued, already used, or replaced by a newer one).
/// Expired means at or before `now`.
pub fn redeem(conn: &mut DbConn, code_hash: &str, now: chrono::DateTime<chrono::Utc>) -> StoreResult<Option<Redeemed>> {
    let row: Option<(String, String, chrono::NaiveDateTime)> = email_verifications::table
        .filter(email_verifications::code_hash.eq(code_hash))
        .select((email_verifications::user_id, email_verifications::email, email_verifications::expires_at))
        .first(conn)
        .optional()
        .map_err(StoreError::from_query)?;
    let Some((user, email, expires_at)) = row else {
        return Ok(None);
    };
    // Conditional on the hash: of two concurrent redemptions only one deletes the row.
    let deleted = diesel::delete(email_verifications::table.find(&user).filter(email_verifications::code_hash.eq(code_hash)))
        .execute(conn)
        .map_err(StoreError::from_query)?;
    if deleted == 0 {
        return Ok(None);
    }
    if time::from_db(expires_at) <= now {
        return Ok(Some(Redeemed::Expired));
    }
    let corrupt = |what: &str, e: &dyn std::fmt::Display| StoreError::Corrupt(format!("email verification {what}: {e}"));
    Ok(Some(Redeemed::Valid { user: user.parse().map_err(|e| corrupt("user", &e))?, email: Email::parse(&email).map_err(|e| corrupt("email", &e))? }))
}
