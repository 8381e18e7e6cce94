//! Employment records in the learner's record, and their attestations.

use cairn_domain::employment::Employment;
use cairn_domain::{EmploymentRecordId, OrgId, UserId};
use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;

use super::connection::DbConn;
use super::error::{StoreError, StoreResult};
use super::schema::employment_records;
use super::time;

/// An employer organisation's attestation of a record.
#[derive(Debug, Clone)]
pub struct Attestation {
    pub by: UserId,
    pub at: DateTime<Utc>,
    /// A JWS (ES256) by the employer organisation's key over the record.
    pub jwt: String,
}

#[derive(Debug, Clone)]
pub struct EmploymentRecord {
    pub id: EmploymentRecordId,
    pub learner: UserId,
    pub employment: Employment,
    pub attestation: Option<Attestation>,
    pub created_at: DateTime<Utc>,
}

#[derive(Queryable, Selectable, Insertable)]
#[diesel(table_name = employment_records)]
struct Row {
    id: String,
    learner_id: String,
    employer_name: String,
    employer_org_id: Option<String>,
    title: String,
    start_date: String,
    end_date: Option<String>,
    description: Option<String>,
    skills: String,
    attested_by: Option<String>,
    attested_at: Option<NaiveDateTime>,
    attestation_jwt: Option<String>,
    created_at: NaiveDateTime,
}

fn corrupt(what: &str, e: impl std::fmt::Debug) -> StoreError {
    StoreError::Corrupt(format!("employment {what}: {e:?}"))
}

impl Row {
    fn into_record(self) -> StoreResult<EmploymentRecord> {
        // Re-parse through the domain type, so a stored record is as valid
        // as one just submitted.
        let employment: Employment = serde_json::from_value(serde_json::json!({
            "employer_name": self.employer_name,
            "employer_org": self.employer_org_id,
            "title": self.title,
            "start_date": self.start_date,
            "end_date": self.end_date,
            "description": self.description,
            "skills": serde_json::from_str::<serde_json::Value>(&self.skills).map_err(|e| corrupt("skills", e))?,
        }))
        .map_err(|e| corrupt("record", e))?;
        let attestation = match (self.attested_by, self.attested_at, self.attestation_jwt) {
            (Some(by), Some(at), Some(jwt)) => Some(Attestation { by: by.parse().map_err(|e| corrupt("attester", e))?, at: time::from_db(at), jwt }),
            _ => None,
        };
        Ok(EmploymentRecord {
            id: self.id.parse().map_err(|e| corrupt("id", e))?,
            learner: self.learner_id.parse().map_err(|e| corrupt("learner", e))?,
            employment,
            attestation,
            created_at: time::from_db(self.created_at),
        })
    }
}

pub fn insert(conn: &mut DbConn, record: &EmploymentRecord) -> StoreResult<()> {
    let e = &record.employment;
    let skills: Vec<&str> = e.skills.iter().map(|s| s.as_str()).collect();
    diesel::insert_into(employment_records::table)
        .values(Row {
            id: record.id.to_string(),
            learner_id: record.learner.to_string(),
            employer_name: e.employer_name.as_str().to_owned(),
            employer_org_id: e.employer_org.map(|o| o.to_string()),
            title: e.title.as_str().to_owned(),
            start_date: e.start_date.to_string(),
            end_date: e.end_date.map(|d| d.to_string()),
            description: e.description.as_ref().map(|d| d.as_str().to_owned()),
            skills: serde_json::to_string(&skills).map_err(|e| corrupt("skills", e))?,
            attested_by: None,
            attested_at: None,
            attestation_jwt: None,
            created_at: time::to_db(record.created_at),
        })
        .execute(conn)
        .map_err(StoreError::from_query)?;
    Ok(())
}

/// The learner's records, most recent job first.
pub fn for_learner(conn: &mut DbConn, learner: UserId) -> StoreResult<Vec<EmploymentRecord>> {
    let rows: Vec<Row> = employment_records::table
        .filter(employment_records::learner_id.eq(learner.to_string()))
        .order((employment_records::start_date.desc(), employment_records::id.asc()))
        .select(Row::as_select())
        .load(conn)
        .map_err(StoreError::from_query)?;
    rows.into_iter().map(Row::into_record).collect()
}

/// Records naming `org` as the employer, oldest first, after `after`.
pub fn for_employer(conn: &mut DbConn, org: OrgId, after: Option<EmploymentRecordId>, limit: i64) -> StoreResult<Vec<EmploymentRecord>> {
    let after = after.map(|a| a.to_string()).unwrap_or_default();
    let rows: Vec<Row> = employment_records::table
        .filter(employment_records::employer_org_id.eq(org.to_string()))
        .filter(employment_records::id.gt(after))
        .order(employment_records::id.asc())
        .limit(limit)
        .select(Row::as_select())
        .load(conn)
        .map_err(StoreError::from_query)?;
    rows.into_iter().map(Row::into_record).collect()
}

pub fn find(conn: &mut DbConn, id: EmploymentRecordId) -> StoreResult<Option<EmploymentRecord>> {
    let row: Option<Row> =
        employment_records::table.find(id.to_string()).select(Row::as_select()).first(conn).optional().map_err(StoreError::from_query)?;
    row.map(Row::into_record).transpose()
}

pub fn delete(conn: &mut DbConn, id: EmploymentRecordId) -> StoreResult<()> {
    diesel::delete(employment_records::table.find(id.to_string())).execute(conn).map_err(StoreError::from_query)?;
    Ok(())
}

/// Stores an attestation; false when the record was already attested.
pub fn attest(conn: &mut DbConn, id: EmploymentRecordId, attestation: &Attestation) -> StoreResult<bool> {
    let changed = diesel::update(employment_records::table.find(id.to_string()).filter(employment_records::attested_at.is_null()))
        .set((
            employment_records::attested_by.eq(attestation.by.to_string()),
            employment_records::attested_at.eq(time::to_db(attestation.at)),
            employment_records::attestation_jwt.eq(&attestation.jwt),
        ))
        .execute(conn)
        .map_err(StoreError::from_query)?;
    Ok(changed == 1)
}
