//! Organisations' signing keys (private halves sealed by the master key).

use cairn_domain::OrgId;
use chrono::{DateTime, Utc};
use diesel::prelude::*;

use super::connection::DbConn;
use super::error::{StoreError, StoreResult};
use super::schema::org_keys;
use super::time;
use crate::signing::NewOrgKey;

pub struct StoredKey {
    pub thumbprint: String,
    pub org: OrgId,
    pub sealed_private_key: String,
    pub public_jwk: String,
    pub created_at: DateTime<Utc>,
}

type Row = (String, String, String, String, chrono::NaiveDateTime);

fn from_row((kid, org, private_key, public_jwk, created_at): Row) -> StoreResult<StoredKey> {
    Ok(StoredKey {
        thumbprint: kid,
        org: org.parse().map_err(|e| StoreError::Corrupt(format!("key org: {e}")))?,
        sealed_private_key: private_key,
        public_jwk,
        created_at: time::from_db(created_at),
    })
}

pub fn insert(conn: &mut DbConn, org: OrgId, key: NewOrgKey) -> StoreResult<()> {
    diesel::insert_into(org_keys::table)
        .values((
            org_keys::kid.eq(key.thumbprint),
            org_keys::org_id.eq(org.to_string()),
            org_keys::private_key.eq(key.sealed_private_key),
            org_keys::public_jwk.eq(key.public_jwk),
            org_keys::created_at.eq(time::to_db(time::now())),
        ))
        .execute(conn)
        .map_err(StoreError::from_query)?;
    Ok(())
}

/// The organisation's newest key: the one new credentials are signed with.
pub fn current(conn: &mut DbConn, org: OrgId) -> StoreResult<StoredKey> {
    org_keys::table
        .filter(org_keys::org_id.eq(org.to_string()))
        .order((org_keys::created_at.desc(), org_keys::kid.desc()))
        .first::<Row>(conn)
        .optional()
        .map_err(StoreError::from_query)?
        .ok_or(StoreError::NotFound("signing key"))
        .and_then(from_row)
}

pub fn by_thumbprint(conn: &mut DbConn, thumbprint: &str) -> StoreResult<Option<StoredKey>> {
    org_keys::table.find(thumbprint).first::<Row>(conn).optional().map_err(StoreError::from_query)?.map(from_row).transpose()
}

/// Every key of one organisation, or of all when `org` is `None`.
pub fn list(conn: &mut DbConn, org: Option<OrgId>) -> StoreResult<Vec<StoredKey>> {
    let mut query = org_keys::table.order((org_keys::org_id.asc(), org_keys::created_at.asc())).into_boxed();
    if let Some(org) = org {
        query = query.filter(org_keys::org_id.eq(org.to_string()));
    }
    query.load::<Row>(conn).map_err(StoreError::from_query)?.into_iter().map(from_row).collect()
}
