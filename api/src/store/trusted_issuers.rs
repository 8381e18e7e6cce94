//! External issuers whose credentials verify on import: an issuer id (as it
//! appears in credentials) and its public keys (a JWKS). Admin-managed.

use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;

use super::connection::DbConn;
use super::error::{StoreError, StoreResult};
use super::schema::trusted_issuers;
use super::time;

#[derive(Debug, Clone)]
pub struct TrustedIssuer {
    pub id: String,
    pub issuer_id: String,
    pub name: String,
    pub jwks: serde_json::Value,
    pub created_at: DateTime<Utc>,
}

type Row = (String, String, String, String, NaiveDateTime);

fn from_row((id, issuer_id, name, jwks, created_at): Row) -> StoreResult<TrustedIssuer> {
    Ok(TrustedIssuer {
        id,
        issuer_id,
        name,
        jwks: serde_json::from_str(&jwks).map_err(|e| StoreError::Corrupt(format!("trusted issuer jwks: {e}")))?,
        created_at: time::from_db(created_at),
    })
}

pub fn insert(conn: &mut DbConn, issuer_id: &str, name: &str, jwks: &serde_json::Value) -> StoreResult<TrustedIssuer> {
    let issuer = TrustedIssuer {
        id: uuid::Uuid::now_v7().to_string(),
        issuer_id: issuer_id.to_owned(),
        name: name.to_owned(),
        jwks: jwks.clone(),
        created_at: time::now(),
    };
    diesel::insert_into(trusted_issuers::table)
        .values((
            trusted_issuers::id.eq(&issuer.id),
            trusted_issuers::issuer_id.eq(&issuer.issuer_id),
            trusted_issuers::name.eq(&issuer.name),
            trusted_issuers::jwks.eq(issuer.jwks.to_string()),
            trusted_issuers::created_at.eq(time::to_db(issuer.created_at)),
        ))
        .execute(conn)
        .map_err(|e| StoreError::conflict_on_unique(e, format!("{issuer_id} is already a trusted issuer")))?;
    Ok(issuer)
}

pub fn find_by_issuer(conn: &mut DbConn, issuer_id: &str) -> StoreResult<Option<TrustedIssuer>> {
    trusted_issuers::table
        .filter(trusted_issuers::issuer_id.eq(issuer_id))
        .first::<Row>(conn)
        .optional()
        .map_err(StoreError::from_query)?
        .map(from_row)
        .transpose()
}

pub fn list(conn: &mut DbConn) -> StoreResult<Vec<TrustedIssuer>> {
    trusted_issuers::table.order(trusted_issuers::id.asc()).load::<Row>(conn).map_err(StoreError::from_query)?.into_iter().map(from_row).collect()
}
