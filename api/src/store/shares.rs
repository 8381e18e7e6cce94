//! Share links with their view log, and employers' requests for a share.

use cairn_domain::sharing::ShareScope;
use cairn_domain::{OrgId, ShareId, ShareRequestId, UserId};
use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;
use uuid::Uuid;

use super::connection::DbConn;
use super::error::{StoreError, StoreResult};
use super::schema::{share_requests, share_views, shares};
use super::time;

#[derive(Debug, Clone)]
pub struct Share {
    pub id: ShareId,
    pub learner: UserId,
    pub scope: ShareScope,
    pub audience: Option<String>,
    pub expires_at: DateTime<Utc>,
    pub revoked_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
}

impl Share {
    /// Whether the link still opens at `now`.
    pub fn is_live(&self, now: DateTime<Utc>) -> bool {
        self.revoked_at.is_none() && self.expires_at > now
    }
}

#[derive(Queryable, Selectable, Insertable)]
#[diesel(table_name = shares)]
struct Row {
    id: String,
    learner_id: String,
    token_hash: String,
    scope: String,
    audience: Option<String>,
    expires_at: NaiveDateTime,
    revoked_at: Option<NaiveDateTime>,
    created_at: NaiveDateTime,
}

fn corrupt(what: &str, e: impl std::fmt::Debug) -> StoreError {
    StoreError::Corrupt(format!("{what}: {e:?}"))
}

impl Row {
    fn into_share(self) -> StoreResult<Share> {
        Ok(Share {
            id: self.id.parse().map_err(|e| corrupt("share id", e))?,
            learner: self.learner_id.parse().map_err(|e| corrupt("share learner", e))?,
            scope: serde_json::from_str(&self.scope).map_err(|e| corrupt("share scope", e))?,
            audience: self.audience,
            expires_at: time::from_db(self.expires_at),
            revoked_at: self.revoked_at.map(time::from_db),
            created_at: time::from_db(self.created_at),
        })
    }
}

pub fn insert(conn: &mut DbConn, share: &Share, token_hash: &str) -> StoreResult<()> {
    let scope = serde_json::to_string(&share.scope).map_err(|e| corrupt("share scope", e))?;
    diesel::insert_into(shares::table)
        .values(Row {
            id: share.id.to_string(),
            learner_id: share.learner.to_string(),
            token_hash: token_hash.to_owned(),
            scope,
            audience: share.audience.clone(),
            expires_at: time::to_db(share.expires_at),
            revoked_at: share.revoked_at.map(time::to_db),
            created_at: time::to_db(share.created_at),
        })
        .execute(conn)
        .map_err(StoreError::from_query)?;
    Ok(())
}

/// The learner's shares, oldest first, after `after`.
pub fn list(conn: &mut DbConn, learner: UserId, after: Option<ShareId>, limit: i64) -> StoreResult<Vec<Share>> {
    let after = after.map(|a| a.to_string()).unwrap_or_default();
    let rows: Vec<Row> = shares::table
        .filter(shares::learner_id.eq(learner.to_string()))
        .filter(shares::id.gt(after))
        .order(shares::id.asc())
        .limit(limit)
        .select(Row::as_select())
        .load(conn)
        .map_err(StoreError::from_query)?;
    rows.into_iter().map(Row::into_share).collect()
}

/// The learner's share `id`; None when it is someone else's or missing.
pub fn find_for_learner(conn: &mut DbConn, learner: UserId, id: ShareId) -> StoreResult<Option<Share>> {
    let row: Option<Row> = shares::table
        .find(id.to_string())
        .filter(shares::learner_id.eq(learner.to_string()))
        .select(Row::as_select())
        .first(conn)
        .optional()
        .map_err(StoreError::from_query)?;
    row.map(Row::into_share).transpose()
}

/// The share behind a token, live or not (the caller decides).
pub fn find_by_token(conn: &mut DbConn, token_hash: &str) -> StoreResult<Option<Share>> {
    let row: Option<Row> =
        shares::table.filter(shares::token_hash.eq(token_hash)).select(Row::as_select()).first(conn).optional().map_err(StoreError::from_query)?;
    row.map(Row::into_share).transpose()
}

pub fn revoke(conn: &mut DbConn, id: ShareId, at: DateTime<Utc>) -> StoreResult<()> {
    diesel::update(shares::table.find(id.to_string()).filter(shares::revoked_at.is_null()))
        .set(shares::revoked_at.eq(time::to_db(at)))
        .execute(conn)
        .map_err(StoreError::from_query)?;
    Ok(())
}

/// One opening of a share link.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct View {
    pub at: DateTime<Utc>,
    /// The signed-in account that opened it, when the request carried a token.
    #[schema(value_type = Option<String>, format = Uuid)]
    pub viewer: Option<UserId>,
    /// That account's organisation (an employer, say).
    #[schema(value_type = Option<String>, format = Uuid)]
    pub viewer_org: Option<OrgId>,
}

pub fn record_view(conn: &mut DbConn, share: ShareId, view: &View) -> StoreResult<()> {
    diesel::insert_into(share_views::table)
        .values((
            share_views::id.eq(Uuid::now_v7().to_string()),
            share_views::share_id.eq(share.to_string()),
            share_views::at.eq(time::to_db(view.at)),
            share_views::viewer_id.eq(view.viewer.map(|v| v.to_string())),
            share_views::viewer_org.eq(view.viewer_org.map(|o| o.to_string())),
        ))
        .execute(conn)
        .map_err(StoreError::from_query)?;
    Ok(())
}

/// Views of a share, oldest first.
pub fn views(conn: &mut DbConn, share: ShareId) -> StoreResult<Vec<View>> {
    let rows: Vec<(NaiveDateTime, Option<String>, Option<String>)> = share_views::table
        .filter(share_views::share_id.eq(share.to_string()))
        .order((share_views::at.asc(), share_views::id.asc()))
        .select((share_views::at, share_views::viewer_id, share_views::viewer_org))
        .load(conn)
        .map_err(StoreError::from_query)?;
    rows.into_iter()
        .map(|(at, viewer, org)| {
            Ok(View {
                at: time::from_db(at),
                viewer: viewer.map(|v| v.parse()).transpose().map_err(|e| corrupt("viewer", e))?,
                viewer_org: org.map(|o| o.parse()).transpose().map_err(|e| corrupt("viewer org", e))?,
            })
        })
        .collect()
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum RequestStatus {
    Pending,
    Granted,
    Declined,
}

impl RequestStatus {
    fn as_str(self) -> &'static str {
        match self {
            RequestStatus::Pending => "pending",
            RequestStatus::Granted => "granted",
            RequestStatus::Declined => "declined",
        }
    }

    fn parse(text: &str) -> StoreResult<Self> {
        match text {
            "pending" => Ok(RequestStatus::Pending),
            "granted" => Ok(RequestStatus::Granted),
            "declined" => Ok(RequestStatus::Declined),
            other => Err(corrupt("request status", other)),
        }
    }
}

/// An employer's request that a learner share their record.
#[derive(Debug, Clone)]
pub struct ShareRequest {
    pub id: ShareRequestId,
    pub org: OrgId,
    pub requester: UserId,
    pub learner: UserId,
    pub message: String,
    pub status: RequestStatus,
    pub share: Option<ShareId>,
    pub created_at: DateTime<Utc>,
    pub answered_at: Option<DateTime<Utc>>,
}

#[derive(Queryable, Selectable, Insertable)]
#[diesel(table_name = share_requests)]
struct RequestRow {
    id: String,
    org_id: String,
    requester_id: String,
    learner_id: String,
    message: String,
    status: String,
    share_id: Option<String>,
    created_at: NaiveDateTime,
    answered_at: Option<NaiveDateTime>,
}

impl RequestRow {
    fn into_request(self) -> StoreResult<ShareRequest> {
        Ok(ShareRequest {
            id: self.id.parse().map_err(|e| corrupt("request id", e))?,
            org: self.org_id.parse().map_err(|e| corrupt("request org", e))?,
            requester: self.requester_id.parse().map_err(|e| corrupt("requester", e))?,
            learner: self.learner_id.parse().map_err(|e| corrupt("request learner", e))?,
            message: self.message,
            status: RequestStatus::parse(&self.status)?,
            share: self.share_id.map(|s| s.parse()).transpose().map_err(|e| corrupt("request share", e))?,
            created_at: time::from_db(self.created_at),
            answered_at: self.answered_at.map(time::from_db),
        })
    }
}

pub fn insert_request(conn: &mut DbConn, request: &ShareRequest) -> StoreResult<()> {
    diesel::insert_into(share_requests::table)
        .values(RequestRow {
            id: request.id.to_string(),
            org_id: request.org.to_string(),
            requester_id: request.requester.to_string(),
            learner_id: request.learner.to_string(),
            message: request.message.clone(),
            status: request.status.as_str().to_owned(),
            share_id: request.share.map(|s| s.to_string()),
            created_at: time::to_db(request.created_at),
            answered_at: request.answered_at.map(time::to_db),
        })
        .execute(conn)
        .map_err(StoreError::from_query)?;
    Ok(())
}

/// Whose requests to list.
#[derive(Debug, Clone, Copy)]
pub enum RequestsOf {
    Learner(UserId),
    Org(OrgId),
}

pub fn requests(conn: &mut DbConn, of: RequestsOf, after: Option<ShareRequestId>, limit: i64) -> StoreResult<Vec<ShareRequest>> {
    let after = after.map(|a| a.to_string()).unwrap_or_default();
    let query =
        share_requests::table.filter(share_requests::id.gt(after)).order(share_requests::id.asc()).limit(limit).select(RequestRow::as_select());
    let rows: Vec<RequestRow> = match of {
        RequestsOf::Learner(learner) => query.filter(share_requests::learner_id.eq(learner.to_string())).load(conn),
        RequestsOf::Org(org) => query.filter(share_requests::org_id.eq(org.to_string())).load(conn),
    }
    .map_err(StoreError::from_query)?;
    rows.into_iter().map(RequestRow::into_request).collect()
}

pub fn find_request(conn: &mut DbConn, id: ShareRequestId) -> StoreResult<Option<ShareRequest>> {
    let row: Option<RequestRow> =
        share_requests::table.find(id.to_string()).select(RequestRow::as_select()).first(conn).optional().map_err(StoreError::from_query)?;
    row.map(RequestRow::into_request).transpose()
}

/// Answers a pending request; false when it was no longer pending.
pub fn answer_request(conn: &mut DbConn, id: ShareRequestId, status: RequestStatus, share: Option<ShareId>, at: DateTime<Utc>) -> StoreResult<bool> {
    let changed = diesel::update(share_requests::table.find(id.to_string()).filter(share_requests::status.eq(RequestStatus::Pending.as_str())))
        .set((
            share_requests::status.eq(status.as_str()),
            share_requests::share_id.eq(share.map(|s| s.to_string())),
            share_requests::answered_at.eq(time::to_db(at)),
        ))
        .execute(conn)
        .map_err(StoreError::from_query)?;
    Ok(changed == 1)
}
