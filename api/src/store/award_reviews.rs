//! Awards waiting for an issuer's decision (pathways with `"issuance": "review"`).

use cairn_domain::{CredentialId, OrgId, PathwayId, ReviewId, UserId};
use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;

use super::connection::DbConn;
use super::error::{StoreError, StoreResult};
use super::schema::award_reviews;
use super::time;

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum ReviewStatus {
    Pending,
    Approved,
    Rejected,
}

impl ReviewStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            ReviewStatus::Pending => "pending",
            ReviewStatus::Approved => "approved",
            ReviewStatus::Rejected => "rejected",
        }
    }

    fn parse(text: &str) -> StoreResult<Self> {
        match text {
            "pending" => Ok(ReviewStatus::Pending),
            "approved" => Ok(ReviewStatus::Approved),
            "rejected" => Ok(ReviewStatus::Rejected),
            other => Err(StoreError::Corrupt(format!("review status `{other}`"))),
        }
    }
}

#[derive(Debug, Clone)]
pub struct Review {
    pub id: ReviewId,
    pub pathway: PathwayId,
    pub learner: UserId,
    pub org: OrgId,
    pub version: i64,
    pub completed_at: DateTime<Utc>,
    pub constituents: Vec<CredentialId>,
    pub status: ReviewStatus,
    pub reason: Option<String>,
    pub decided_by: Option<UserId>,
    pub decided_at: Option<DateTime<Utc>>,
    pub award: Option<CredentialId>,
    pub created_at: DateTime<Utc>,
}

#[derive(Queryable, Selectable, Insertable)]
#[diesel(table_name = award_reviews)]
struct Row {
    id: String,
    pathway_id: String,
    learner_id: String,
    org_id: String,
    pathway_version: i64,
    completed_at: NaiveDateTime,
    constituents: String,
    status: String,
    reason: Option<String>,
    decided_by: Option<String>,
    decided_at: Option<NaiveDateTime>,
    award_credential_id: Option<String>,
    created_at: NaiveDateTime,
}

fn corrupt(what: &str, e: impl std::fmt::Debug) -> StoreError {
    StoreError::Corrupt(format!("award review {what}: {e:?}"))
}

impl Row {
    fn into_review(self) -> StoreResult<Review> {
        Ok(Review {
            id: self.id.parse().map_err(|e| corrupt("id", e))?,
            pathway: self.pathway_id.parse().map_err(|e| corrupt("pathway", e))?,
            learner: self.learner_id.parse().map_err(|e| corrupt("learner", e))?,
            org: self.org_id.parse().map_err(|e| corrupt("org", e))?,
            version: self.pathway_version,
            completed_at: time::from_db(self.completed_at),
            constituents: serde_json::from_str(&self.constituents).map_err(|e| corrupt("constituents", e))?,
            status: ReviewStatus::parse(&self.status)?,
            reason: self.reason,
            decided_by: self.decided_by.map(|d| d.parse()).transpose().map_err(|e| corrupt("decided_by", e))?,
            decided_at: self.decided_at.map(time::from_db),
            award: self.award_credential_id.map(|a| a.parse()).transpose().map_err(|e| corrupt("award", e))?,
            created_at: time::from_db(self.created_at),
        })
    }
}

/// The review of `pathway` for `learner`, whatever its status.
pub fn find_for(conn: &mut DbConn, pathway: PathwayId, learner: UserId) -> StoreResult<Option<Review>> {
    let row: Option<Row> = award_reviews::table
        .filter(award_reviews::pathway_id.eq(pathway.to_string()))
        .filter(award_reviews::learner_id.eq(learner.to_string()))
        .select(Row::as_select())
        .first(conn)
        .optional()
        .map_err(StoreError::from_query)?;
    row.map(Row::into_review).transpose()
}

pub fn find(conn: &mut DbConn, id: ReviewId) -> StoreResult<Option<Review>> {
    let row: Option<Row> =
        award_reviews::table.find(id.to_string()).select(Row::as_select()).first(conn).optional().map_err(StoreError::from_query)?;
    row.map(Row::into_review).transpose()
}

/// Queues a pending review. The unique (pathway, learner) makes a second
/// attempt, also a concurrent one, a conflict the caller treats as done.
pub fn insert(conn: &mut DbConn, review: &Review) -> StoreResult<()> {
    let constituents = serde_json::to_string(&review.constituents).map_err(|e| corrupt("constituents", e))?;
    diesel::insert_into(award_reviews::table)
        .values(Row {
            id: review.id.to_string(),
            pathway_id: review.pathway.to_string(),
            learner_id: review.learner.to_string(),
            org_id: review.org.to_string(),
            pathway_version: review.version,
            completed_at: time::to_db(review.completed_at),
            constituents,
            status: review.status.as_str().to_owned(),
            reason: review.reason.clone(),
            decided_by: None,
            decided_at: None,
            award_credential_id: None,
            created_at: time::to_db(review.created_at),
        })
        .execute(conn)
        .map_err(|e| StoreError::conflict_on_unique(e, "already queued for review"))?;
    Ok(())
}

/// An institution's reviews, oldest first, optionally of one status.
pub fn list(conn: &mut DbConn, org: OrgId, status: Option<ReviewStatus>, after: Option<ReviewId>, limit: i64) -> StoreResult<Vec<Review>> {
    let after = after.map(|a| a.to_string()).unwrap_or_default();
    let query = award_reviews::table
        .filter(award_reviews::org_id.eq(org.to_string()))
        .filter(award_reviews::id.gt(after))
        .order(award_reviews::id.asc())
        .limit(limit)
        .select(Row::as_select());
    let rows: Vec<Row> = match status {
        Some(status) => query.filter(award_reviews::status.eq(status.as_str())).load(conn),
        None => query.load(conn),
    }
    .map_err(StoreError::from_query)?;
    rows.into_iter().map(Row::into_review).collect()
}

/// Records the decision on a pending review; false when it was not pending.
pub fn decide(
    conn: &mut DbConn,
    id: ReviewId,
    status: ReviewStatus,
    reason: Option<&str>,
    by: UserId,
    award: Option<CredentialId>,
    at: chrono::DateTime<chrono::Utc>,
) -> StoreResult<bool> {
    let changed = diesel::update(award_reviews::table.find(id.to_string()).filter(award_reviews::status.eq(ReviewStatus::Pending.as_str())))
        .set((
            award_reviews::status.eq(status.as_str()),
            award_reviews::reason.eq(reason),
            award_reviews::decided_by.eq(by.to_string()),
            award_reviews::decided_at.eq(time::to_db(at)),
            award_reviews::award_credential_id.eq(award.map(|a| a.to_string())),
        ))
        .execute(conn)
        .map_err(StoreError::from_query)?;
    Ok(changed == 1)
}
