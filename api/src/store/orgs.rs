//! Organisations: institutions and employers.

use cairn_domain::{DisplayName, HttpUrl, OrgId, OrgKind, UserId};
use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;

use super::connection::DbConn;
use super::error::{StoreError, StoreResult};
use super::schema::organisations;
use super::{audit, keys, time};
use crate::signing::NewOrgKey;

#[derive(Debug, Clone)]
pub struct Organisation {
    pub id: OrgId,
    pub name: String,
    pub kind: OrgKind,
    pub url: Option<String>,
    pub created_at: DateTime<Utc>,
}

pub struct NewOrganisation {
    pub name: DisplayName,
    pub kind: OrgKind,
    pub url: Option<HttpUrl>,
}

#[derive(Queryable, Selectable, Insertable)]
#[diesel(table_name = organisations)]
struct OrgRow {
    id: String,
    name: String,
    kind: String,
    url: Option<String>,
    created_at: NaiveDateTime,
}

impl TryFrom<OrgRow> for Organisation {
    type Error = StoreError;
    fn try_from(row: OrgRow) -> StoreResult<Self> {
        Ok(Organisation {
            id: row.id.parse().map_err(|e| StoreError::Corrupt(format!("organisation id: {e}")))?,
            kind: row.kind.parse().map_err(|e| StoreError::Corrupt(format!("organisation kind: {e}")))?,
            name: row.name,
            url: row.url,
            created_at: time::from_db(row.created_at),
        })
    }
}

/// Creates the organisation with its first signing key.
pub fn insert(conn: &mut DbConn, new: NewOrganisation, key: NewOrgKey, actor: UserId) -> StoreResult<Organisation> {
    let org =
        Organisation { id: OrgId::new(), name: new.name.to_string(), kind: new.kind, url: new.url.map(|u| u.to_string()), created_at: time::now() };
    diesel::insert_into(organisations::table)
        .values(OrgRow {
            id: org.id.to_string(),
            name: org.name.clone(),
            kind: org.kind.as_str().to_owned(),
            url: org.url.clone(),
            created_at: time::to_db(org.created_at),
        })
        .execute(conn)
        .map_err(StoreError::from_query)?;
    keys::insert(conn, org.id, key)?;
    audit::record(
        conn,
        audit::Entry::new(audit::Action::OrgCreate, "organisation", org.id.to_string())
            .actor(actor)
            .org(org.id)
            .detail(serde_json::json!({ "name": org.name, "kind": org.kind })),
    )?;
    Ok(org)
}

pub fn find(conn: &mut DbConn, id: OrgId) -> StoreResult<Option<Organisation>> {
    organisations::table
        .find(id.to_string())
        .select(OrgRow::as_select())
        .first(conn)
        .optional()
        .map_err(StoreError::from_query)?
        .map(Organisation::try_from)
        .transpose()
}

/// Organisations in creation order, after `after` (keyset pagination).
pub fn list(conn: &mut DbConn, after: Option<OrgId>, limit: i64) -> StoreResult<Vec<Organisation>> {
    let mut query = organisations::table.select(OrgRow::as_select()).order(organisations::id.asc()).limit(limit).into_boxed();
    if let Some(after) = after {
        query = query.filter(organisations::id.gt(after.to_string()));
    }
    query.load(conn).map_err(StoreError::from_query)?.into_iter().map(Organisation::try_from).collect()
}
