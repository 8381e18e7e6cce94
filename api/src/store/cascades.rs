//! Which awards the cascade suspended (and because of which constituent).
//! The cascade's rule is stateless (the award's status follows from the
//! statuses of the learner's credentials); this table only tells an award
//! the cascade suspended, which it reinstates once its pathway holds again,
//! from one an issuer suspended directly, which stays suspended until an
//! issuer reinstates it.

use cairn_domain::CredentialId;
use diesel::prelude::*;

use super::connection::DbConn;
use super::error::{StoreError, StoreResult};
use super::schema::cascade_suspensions;
use super::time;

/// Notes that `award` was suspended by the cascade because `cause` was
/// suspended or revoked (idempotent).
pub fn record(conn: &mut DbConn, award: CredentialId, cause: CredentialId, now: chrono::DateTime<chrono::Utc>) -> StoreResult<()> {
    let exists: i64 = cascade_suspensions::table
        .filter(cascade_suspensions::award_credential_id.eq(award.to_string()))
        .filter(cascade_suspensions::cause_credential_id.eq(cause.to_string()))
        .count()
        .get_result(conn)
        .map_err(StoreError::from_query)?;
    if exists == 0 {
        diesel::insert_into(cascade_suspensions::table)
            .values((
                cascade_suspensions::award_credential_id.eq(award.to_string()),
                cascade_suspensions::cause_credential_id.eq(cause.to_string()),
                cascade_suspensions::created_at.eq(time::to_db(now)),
            ))
            .execute(conn)
            .map_err(StoreError::from_query)?;
    }
    Ok(())
}

/// Whether the cascade suspended `award` (rather than an issuer).
pub fn suspended_by_cascade(conn: &mut DbConn, award: CredentialId) -> StoreResult<bool> {
    let count: i64 = cascade_suspensions::table
        .filter(cascade_suspensions::award_credential_id.eq(award.to_string()))
        .count()
        .get_result(conn)
        .map_err(StoreError::from_query)?;
    Ok(count > 0)
}

/// Forgets why `award` was suspended: it was reinstated or revoked.
pub fn clear(conn: &mut DbConn, award: CredentialId) -> StoreResult<()> {
    diesel::delete(cascade_suspensions::table.filter(cascade_suspensions::award_credential_id.eq(award.to_string())))
        .execute(conn)
        .map_err(StoreError::from_query)?;
    Ok(())
}
