//! Which awards a cascade suspended, and because of which constituent.

use cairn_domain::CredentialId;
use diesel::prelude::*;

use super::schema::cascade_suspensions;
use super::{DbConn, StoreError, StoreResult, time};

/// Notes that `award` was suspended because `cause` was (idempotent).
pub fn record(conn: &mut DbConn, award: CredentialId, cause: CredentialId) -> StoreResult<()> {
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
                cascade_suspensions::created_at.eq(time::to_db(time::now())),
            ))
            .execute(conn)
            .map_err(StoreError::from_query)?;
    }
    Ok(())
}

/// The awards suspended because of `cause`; the records are consumed.
pub fn take_caused_by(conn: &mut DbConn, cause: CredentialId) -> StoreResult<Vec<CredentialId>> {
    let ids: Vec<String> = cascade_suspensions::table
        .filter(cascade_suspensions::cause_credential_id.eq(cause.to_string()))
        .select(cascade_suspensions::award_credential_id)
        .order(cascade_suspensions::award_credential_id.asc())
        .load(conn)
        .map_err(StoreError::from_query)?;
    diesel::delete(cascade_suspensions::table.filter(cascade_suspensions::cause_credential_id.eq(cause.to_string())))
        .execute(conn)
        .map_err(StoreError::from_query)?;
    ids.iter().map(|id| id.parse().map_err(|e| StoreError::Corrupt(format!("cascade award id: {e:?}")))).collect()
}
