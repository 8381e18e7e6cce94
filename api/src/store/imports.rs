//! Credentials a learner imported from elsewhere, kept with the result of
//! their verification whatever it was.

use cairn_domain::UserId;
use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;

use super::schema::imported_credentials;
use super::{DbConn, StoreError, StoreResult, time};

#[derive(Debug, Clone)]
pub struct Imported {
    pub id: String,
    pub learner: UserId,
    pub issuer_id: Option<String>,
    pub issuer_name: Option<String>,
    pub achievement_name: Option<String>,
    pub credential: serde_json::Value,
    pub jwt: Option<String>,
    pub verified: bool,
    pub verification: serde_json::Value,
    pub awarded_at: Option<DateTime<Utc>>,
    pub valid_until: Option<DateTime<Utc>>,
    pub imported_at: DateTime<Utc>,
}

#[derive(Queryable, Selectable, Insertable)]
#[diesel(table_name = imported_credentials)]
struct Row {
    id: String,
    learner_id: String,
    issuer_id: Option<String>,
    issuer_name: Option<String>,
    achievement_name: Option<String>,
    credential: String,
    jwt: Option<String>,
    verified: bool,
    verification: String,
    awarded_at: Option<NaiveDateTime>,
    valid_until: Option<NaiveDateTime>,
    imported_at: NaiveDateTime,
}

pub fn insert(conn: &mut DbConn, imported: &Imported) -> StoreResult<()> {
    diesel::insert_into(imported_credentials::table)
        .values(Row {
            id: imported.id.clone(),
            learner_id: imported.learner.to_string(),
            issuer_id: imported.issuer_id.clone(),
            issuer_name: imported.issuer_name.clone(),
            achievement_name: imported.achievement_name.clone(),
            credential: imported.credential.to_string(),
            jwt: imported.jwt.clone(),
            verified: imported.verified,
            verification: imported.verification.to_string(),
            awarded_at: imported.awarded_at.map(time::to_db),
            valid_until: imported.valid_until.map(time::to_db),
            imported_at: time::to_db(imported.imported_at),
        })
        .execute(conn)
        .map_err(StoreError::from_query)?;
    Ok(())
}

pub fn for_learner(conn: &mut DbConn, learner: UserId) -> StoreResult<Vec<Imported>> {
    let rows: Vec<Row> = imported_credentials::table
        .filter(imported_credentials::learner_id.eq(learner.to_string()))
        .order(imported_credentials::imported_at.desc())
        .select(Row::as_select())
        .load(conn)
        .map_err(StoreError::from_query)?;
    rows.into_iter()
        .map(|row| {
            let corrupt = |e: &dyn std::fmt::Display| StoreError::Corrupt(format!("imported credential: {e}"));
            Ok(Imported {
                id: row.id,
                learner: row.learner_id.parse().map_err(|e| corrupt(&e))?,
                issuer_id: row.issuer_id,
                issuer_name: row.issuer_name,
                achievement_name: row.achievement_name,
                credential: serde_json::from_str(&row.credential).map_err(|e| corrupt(&e))?,
                jwt: row.jwt,
                verified: row.verified,
                verification: serde_json::from_str(&row.verification).map_err(|e| corrupt(&e))?,
                awarded_at: row.awarded_at.map(time::from_db),
                valid_until: row.valid_until.map(time::from_db),
                imported_at: time::from_db(row.imported_at),
            })
        })
        .collect()
}
