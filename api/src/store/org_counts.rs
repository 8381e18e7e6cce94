//! How much an institution holds, counted in the database (the console's
//! overview): one query per figure, nothing loaded row by row.

use cairn_domain::OrgId;
use diesel::dsl::count_star;
use diesel::prelude::*;

use super::award_reviews::ReviewStatus;
use super::connection::DbConn;
use super::credentials::CredentialStatus;
use super::error::{StoreError, StoreResult};
use super::schema::{achievements, award_reviews, credentials, pathways};

/// The institution's figures.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OrgCounts {
    pub achievements: i64,
    /// Every credential it issued, whatever its status.
    pub issued: i64,
    pub active: i64,
    pub suspended: i64,
    pub revoked: i64,
    pub pathways: i64,
    /// Awards waiting for an issuer's decision.
    pub reviews_pending: i64,
}

/// Counts of institution `org`.
pub fn of_org(conn: &mut DbConn, org: OrgId) -> StoreResult<OrgCounts> {
    let org = org.to_string();
    let achievements: i64 = achievements::table.filter(achievements::org_id.eq(&org)).count().get_result(conn).map_err(StoreError::from_query)?;
    let by_status: Vec<(String, i64)> = credentials::table
        .filter(credentials::org_id.eq(&org))
        .group_by(credentials::status)
        .select((credentials::status, count_star()))
        .load(conn)
        .map_err(StoreError::from_query)?;
    let pathways: i64 = pathways::table.filter(pathways::org_id.eq(&org)).count().get_result(conn).map_err(StoreError::from_query)?;
    let reviews_pending: i64 = award_reviews::table
        .filter(award_reviews::org_id.eq(&org))
        .filter(award_reviews::status.eq(ReviewStatus::Pending.as_str()))
        .count()
        .get_result(conn)
        .map_err(StoreError::from_query)?;
    let status = |wanted: CredentialStatus| by_status.iter().filter(|(s, _)| s == wanted.as_str()).map(|(_, n)| *n).sum::<i64>();
    Ok(OrgCounts {
        achievements,
        issued: by_status.iter().map(|(_, n)| *n).sum(),
        active: status(CredentialStatus::Active),
        suspended: status(CredentialStatus::Suspended),
        revoked: status(CredentialStatus::Revoked),
        pathways,
        reviews_pending,
    })
}
