//! Bitstring status lists: each organisation has a revocation list and a
//! suspension list (created as a pair); every credential holds one random
//! index, the same in both lists. A pair is retired once three quarters
//! full, so random assignment stays cheap and indices reveal little.

use cairn_domain::OrgId;
use chrono::{DateTime, Utc};
use diesel::prelude::*;

use super::connection::DbConn;
use super::error::{StoreError, StoreResult};
use super::schema::{credentials, status_lists};
use super::time;

/// Entries per list: the W3C minimum (16 KiB), for herd privacy.
pub const CAPACITY: i64 = 131_072;
const FILL_LIMIT: i64 = CAPACITY / 4 * 3;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    Revocation,
    Suspension,
}

impl Purpose {
    pub fn as_str(self) -> &'static str {
        match self {
            Purpose::Revocation => "revocation",
            Purpose::Suspension => "suspension",
        }
    }
}

#[derive(Debug, Clone)]
pub struct StatusList {
    pub id: String,
    pub org: OrgId,
    pub purpose: Purpose,
    pub created_at: DateTime<Utc>,
}

/// Where one credential's status lives.
#[derive(Debug, Clone)]
pub struct Slot {
    pub revocation_list: String,
    pub suspension_list: String,
    pub index: i64,
}

fn newest(conn: &mut DbConn, org: OrgId, purpose: Purpose) -> StoreResult<Option<String>> {
    status_lists::table
        .filter(status_lists::org_id.eq(org.to_string()))
        .filter(status_lists::purpose.eq(purpose.as_str()))
        .order((status_lists::created_at.desc(), status_lists::id.desc()))
        .select(status_lists::id)
        .first::<String>(conn)
        .optional()
        .map_err(StoreError::from_query)
}

fn create(conn: &mut DbConn, org: OrgId, purpose: Purpose, now: chrono::DateTime<chrono::Utc>) -> StoreResult<String> {
    let id = uuid::Uuid::now_v7().to_string();
    diesel::insert_into(status_lists::table)
        .values((
            status_lists::id.eq(&id),
            status_lists::org_id.eq(org.to_string()),
            status_lists::purpose.eq(purpose.as_str()),
            status_lists::capacity.eq(CAPACITY),
            status_lists::created_at.eq(time::to_db(now)),
        ))
        .execute(conn)
        .map_err(StoreError::from_query)?;
    Ok(id)
}

/// A fresh random slot in the organisation's current pair of lists. Call it
/// inside the write transaction that inserts the credential; a new pair of
/// lists is created at `now`.
pub fn allocate(conn: &mut DbConn, org: OrgId, now: chrono::DateTime<chrono::Utc>) -> StoreResult<Slot> {
    let current = match (newest(conn, org, Purpose::Revocation)?, newest(conn, org, Purpose::Suspension)?) {
        (Some(revocation), Some(suspension)) => {
            let used: i64 = credentials::table
                .filter(credentials::revocation_list_id.eq(&revocation))
                .count()
                .get_result(conn)
                .map_err(StoreError::from_query)?;
            (used < FILL_LIMIT).then_some((revocation, suspension))
        }
        _ => None,
    };
    let (revocation, suspension) = match current {
        Some(pair) => pair,
        None => (create(conn, org, Purpose::Revocation, now)?, create(conn, org, Purpose::Suspension, now)?),
    };
    // At most three quarters full, so each try succeeds with p >= 1/4.
    for _ in 0..64 {
        let index = random_index()?;
        let taken: i64 = credentials::table
            .filter(credentials::revocation_list_id.eq(&revocation))
            .filter(credentials::status_index.eq(index))
            .count()
            .get_result(conn)
            .map_err(StoreError::from_query)?;
        if taken == 0 {
            return Ok(Slot { revocation_list: revocation, suspension_list: suspension, index });
        }
    }
    Err(StoreError::Conflict("could not allocate a status list entry; retry".into()))
}

fn random_index() -> StoreResult<i64> {
    let mut bytes = [0u8; 8];
    aws_lc_rs::rand::fill(&mut bytes).map_err(|_| StoreError::Corrupt("no randomness".into()))?;
    Ok((u64::from_le_bytes(bytes) % CAPACITY as u64) as i64)
}

pub fn find(conn: &mut DbConn, id: &str) -> StoreResult<Option<StatusList>> {
    let row: Option<(String, String, String, chrono::NaiveDateTime)> = status_lists::table
        .find(id)
        .select((status_lists::id, status_lists::org_id, status_lists::purpose, status_lists::created_at))
        .first(conn)
        .optional()
        .map_err(StoreError::from_query)?;
    row.map(|(id, org, purpose, created_at)| {
        Ok(StatusList {
            id,
            org: org.parse().map_err(|e| StoreError::Corrupt(format!("status list org: {e}")))?,
            purpose: match purpose.as_str() {
                "revocation" => Purpose::Revocation,
                _ => Purpose::Suspension,
            },
            created_at: time::from_db(created_at),
        })
    })
    .transpose()
}

/// The indices whose bit is set: revoked credentials on a revocation list,
/// currently suspended ones on a suspension list.
pub fn set_indices(conn: &mut DbConn, list: &StatusList) -> StoreResult<Vec<i64>> {
    match list.purpose {
        Purpose::Revocation => credentials::table
            .filter(credentials::revocation_list_id.eq(&list.id))
            .filter(credentials::status.eq("revoked"))
            .select(credentials::status_index)
            .load(conn),
        Purpose::Suspension => credentials::table
            .filter(credentials::suspension_list_id.eq(&list.id))
            .filter(credentials::status.eq("suspended"))
            .select(credentials::status_index)
            .load(conn),
    }
    .map_err(StoreError::from_query)
}
