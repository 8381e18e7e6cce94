//! Organisations' signing keys (private halves sealed by the master key):
//! ES256 keys sign VC-JWTs, Ed25519 keys sign Data Integrity proofs.

use cairn_domain::OrgId;
use chrono::{DateTime, Utc};
use diesel::prelude::*;

use super::connection::DbConn;
use super::error::{StoreError, StoreResult};
use super::schema::org_keys;
use super::time;
use crate::signing::{KeyAlg, NewKey, NewOrgKey};

pub struct StoredKey {
    /// The ES256 key's RFC 7638 thumbprint, or the Ed25519 key's Multikey.
    pub thumbprint: String,
    pub org: OrgId,
    pub alg: KeyAlg,
    pub sealed_private_key: String,
    pub public_jwk: String,
    pub created_at: DateTime<Utc>,
}

type Row = (String, String, String, String, chrono::NaiveDateTime, String);

const COLUMNS: (org_keys::kid, org_keys::org_id, org_keys::private_key, org_keys::public_jwk, org_keys::created_at, org_keys::alg) =
    (org_keys::kid, org_keys::org_id, org_keys::private_key, org_keys::public_jwk, org_keys::created_at, org_keys::alg);

fn from_row((kid, org, private_key, public_jwk, created_at, alg): Row) -> StoreResult<StoredKey> {
    Ok(StoredKey {
        thumbprint: kid,
        org: org.parse().map_err(|e| StoreError::Corrupt(format!("key org: {e}")))?,
        alg: alg.parse().map_err(|e| StoreError::Corrupt(format!("key algorithm: {e}")))?,
        sealed_private_key: private_key,
        public_jwk,
        created_at: time::from_db(created_at),
    })
}

/// Stores a new organisation's two keys.
pub fn insert(conn: &mut DbConn, org: OrgId, key: NewOrgKey) -> StoreResult<()> {
    insert_one(conn, org, KeyAlg::Es256, key.es256)?;
    insert_one(conn, org, KeyAlg::Ed25519, key.ed25519)
}

pub fn insert_one(conn: &mut DbConn, org: OrgId, alg: KeyAlg, key: NewKey) -> StoreResult<()> {
    diesel::insert_into(org_keys::table)
        .values((
            org_keys::kid.eq(key.id),
            org_keys::org_id.eq(org.to_string()),
            org_keys::private_key.eq(key.sealed_private_key),
            org_keys::public_jwk.eq(key.public_jwk),
            org_keys::created_at.eq(time::to_db(time::now())),
            org_keys::alg.eq(alg.as_str()),
        ))
        .execute(conn)
        .map_err(StoreError::from_query)?;
    Ok(())
}

/// The organisation's newest key of `alg`: the one new documents are signed with.
pub fn current_of(conn: &mut DbConn, org: OrgId, alg: KeyAlg) -> StoreResult<Option<StoredKey>> {
    org_keys::table
        .filter(org_keys::org_id.eq(org.to_string()))
        .filter(org_keys::alg.eq(alg.as_str()))
        .order((org_keys::created_at.desc(), org_keys::kid.desc()))
        .select(COLUMNS)
        .first::<Row>(conn)
        .optional()
        .map_err(StoreError::from_query)?
        .map(from_row)
        .transpose()
}

/// The organisation's newest ES256 key: the one VC-JWTs are signed with.
pub fn current(conn: &mut DbConn, org: OrgId) -> StoreResult<StoredKey> {
    current_of(conn, org, KeyAlg::Es256)?.ok_or(StoreError::NotFound("signing key"))
}

pub fn by_thumbprint(conn: &mut DbConn, thumbprint: &str) -> StoreResult<Option<StoredKey>> {
    org_keys::table.find(thumbprint).select(COLUMNS).first::<Row>(conn).optional().map_err(StoreError::from_query)?.map(from_row).transpose()
}

/// Every key of `alg` (every key when `None`) of one organisation, or of
/// all when `org` is `None`.
pub fn list(conn: &mut DbConn, org: Option<OrgId>, alg: Option<KeyAlg>) -> StoreResult<Vec<StoredKey>> {
    let mut query = org_keys::table.order((org_keys::org_id.asc(), org_keys::created_at.asc(), org_keys::kid.asc())).select(COLUMNS).into_boxed();
    if let Some(org) = org {
        query = query.filter(org_keys::org_id.eq(org.to_string()));
    }
    if let Some(alg) = alg {
        query = query.filter(org_keys::alg.eq(alg.as_str()));
    }
    query.load::<Row>(conn).map_err(StoreError::from_query)?.into_iter().map(from_row).collect()
}

/// Organisations without an Ed25519 key (created before Data Integrity proofs).
pub fn orgs_without_ed25519(conn: &mut DbConn) -> StoreResult<Vec<OrgId>> {
    use super::schema::organisations;
    let with_key = org_keys::table.filter(org_keys::alg.eq(KeyAlg::Ed25519.as_str())).select(org_keys::org_id);
    let ids: Vec<String> = organisations::table
        .filter(diesel::dsl::not(organisations::id.eq_any(with_key)))
        .select(organisations::id)
        .load(conn)
        .map_err(StoreError::from_query)?;
    ids.into_iter().map(|id| id.parse().map_err(|e| StoreError::Corrupt(format!("organisation id: {e}")))).collect()
}
