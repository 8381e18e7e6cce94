//! Credentials a learner imported from elsewhere, kept with the result of
//! their verification whatever it was.

use cairn_domain::{ImportId, UserId};
use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;

use super::connection::DbConn;
use super::error::{StoreError, StoreResult};
use super::schema::imported_credentials;
use super::time;

#[derive(Debug, Clone)]
pub struct Imported {
    pub id: ImportId,
    pub learner: UserId,
    pub issuer_id: Option<String>,
    pub issuer_name: Option<String>,
    pub achievement_name: Option<String>,
    pub credential: serde_json::Value,
    pub jwt: Option<String>,
    /// True only when every check passed, the holder check included.
    pub verified: bool,
    pub verification: serde_json::Value,
    pub awarded_at: Option<DateTime<Utc>>,
    pub valid_until: Option<DateTime<Utc>>,
    pub imported_at: DateTime<Utc>,
    /// Whether the credential's subject is the learner who imported it. Only
    /// such imports appear in shares.
    pub holder: bool,
    /// Identifies the credential (issuer and id, or the presented bytes), so
    /// that a second import finds the first.
    pub fingerprint: String,
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
    holder: bool,
    fingerprint: Option<String>,
}

impl Row {
    fn new(imported: &Imported) -> Self {
        Row {
            id: imported.id.to_string(),
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
            holder: imported.holder,
            fingerprint: Some(imported.fingerprint.clone()),
        }
    }

    fn parse(self) -> StoreResult<Imported> {
        let corrupt = |e: &dyn std::fmt::Display| StoreError::Corrupt(format!("imported credential: {e}"));
        Ok(Imported {
            learner: self.learner_id.parse().map_err(|e| corrupt(&e))?,
            credential: serde_json::from_str(&self.credential).map_err(|e| corrupt(&e))?,
            verification: serde_json::from_str(&self.verification).map_err(|e| corrupt(&e))?,
            // Imports from before fingerprints: their id stands in, unique by construction.
            fingerprint: self.fingerprint.unwrap_or_else(|| format!("legacy:{}", self.id)),
            id: self.id.parse().map_err(|e| corrupt(&e))?,
            issuer_id: self.issuer_id,
            issuer_name: self.issuer_name,
            achievement_name: self.achievement_name,
            jwt: self.jwt,
            verified: self.verified,
            awarded_at: self.awarded_at.map(time::from_db),
            valid_until: self.valid_until.map(time::from_db),
            imported_at: time::from_db(self.imported_at),
            holder: self.holder,
        })
    }
}

pub fn insert(conn: &mut DbConn, imported: &Imported) -> StoreResult<()> {
    diesel::insert_into(imported_credentials::table).values(Row::new(imported)).execute(conn).map_err(StoreError::from_query)?;
    Ok(())
}

/// The learner's earlier import of the same credential, if any.
pub fn find_by_fingerprint(conn: &mut DbConn, learner: UserId, fingerprint: &str) -> StoreResult<Option<Imported>> {
    let row: Option<Row> = imported_credentials::table
        .filter(imported_credentials::learner_id.eq(learner.to_string()))
        .filter(imported_credentials::fingerprint.eq(fingerprint))
        .select(Row::as_select())
        .first(conn)
        .optional()
        .map_err(StoreError::from_query)?;
    row.map(Row::parse).transpose()
}

pub fn for_learner(conn: &mut DbConn, learner: UserId) -> StoreResult<Vec<Imported>> {
    let rows: Vec<Row> = imported_credentials::table
        .filter(imported_credentials::learner_id.eq(learner.to_string()))
        .order(imported_credentials::imported_at.desc())
        .select(Row::as_select())
        .load(conn)
        .map_err(StoreError::from_query)?;
    rows.into_iter().map(Row::parse).collect()
}
