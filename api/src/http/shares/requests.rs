//! Employers ask a learner found in talent search for a share; the learner
//! grants (by creating a share with `request`) or declines; the employer
//! opens what was granted.

use actix_web::{HttpResponse, get, post, web};
use cairn_domain::{OrgId, ShareId, ShareRequestId, UserId};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::http::caller::{Employer, Learner};
use crate::http::extract::{JsonBody, PageQuery, path_id};
use crate::http::problem::{ApiError, ApiResult, ProblemDocument};
use crate::services::Context;
use crate::services::sharing::{self, RequestWithOrg, SharedRecord};
use crate::state::AppState;
use crate::store::shares::{RequestStatus, RequestsOf};

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewShareRequest {
    /// The learner, as talent search listed them.
    #[schema(value_type = String, format = Uuid)]
    learner: UserId,
    /// A note to the learner (up to 2,000 characters; may be empty).
    #[serde(default)]
    message: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ShareRequestView {
    #[schema(value_type = String, format = Uuid)]
    id: ShareRequestId,
    /// The employer organisation asking.
    #[schema(value_type = String, format = Uuid)]
    org: OrgId,
    org_name: String,
    #[schema(value_type = String, format = Uuid)]
    learner: UserId,
    message: String,
    status: RequestStatus,
    /// The share that granted it.
    #[schema(value_type = Option<String>, format = Uuid)]
    share: Option<ShareId>,
    created_at: DateTime<Utc>,
    answered_at: Option<DateTime<Utc>>,
}

#[derive(Serialize, ToSchema)]
pub struct ShareRequestPage {
    items: Vec<ShareRequestView>,
    next_cursor: Option<String>,
}

impl ShareRequestView {
    fn new(RequestWithOrg { request, org_name, .. }: RequestWithOrg) -> Self {
        ShareRequestView {
            id: request.id,
            org: request.org,
            org_name,
            learner: request.learner,
            message: request.message,
            status: request.status,
            share: request.share,
            created_at: request.created_at,
            answered_at: request.answered_at,
        }
    }
}

/// Ask a learner for a share of their record.
///
/// Employer staff only, and only of learners who opted in to talent search
/// (anyone else is a 404, as if unknown). The request shows in the
/// learner's requests and audit log.
#[utoipa::path(
    tag = "talent",
    security(("bearer" = [])),
    request_body = NewShareRequest,
    responses(
        (status = 201, description = "The request", body = ShareRequestView),
        (status = 401, description = "Missing or invalid token", body = ProblemDocument, content_type = "application/problem+json"),
        (status = 403, description = "The caller is not employer staff", body = ProblemDocument, content_type = "application/problem+json"),
        (status = 404, description = "No discoverable learner with this id", body = ProblemDocument, content_type = "application/problem+json"),
        (status = 422, description = "Message too long", body = ProblemDocument, content_type = "application/problem+json"),
    )
)]
#[post("/v1/talent/requests")]
pub async fn request_share(state: web::Data<AppState>, employer: Employer, body: JsonBody<NewShareRequest>) -> ApiResult<HttpResponse> {
    let body = body.0;
    let ctx = Context::new(&state, employer.caller.id);
    let request = sharing::request(&state.store, ctx, employer.org, body.learner, &body.message).await?;
    Ok(HttpResponse::Created().json(ShareRequestView::new(request)))
}

/// The share requests an employer organisation made, oldest first.
///
/// Employer staff of that organisation only.
#[utoipa::path(
    tag = "talent",
    security(("bearer" = [])),
    params(("org" = String, Path, description = "Employer organisation id"), PageQuery),
    responses(
        (status = 200, description = "A page of requests", body = ShareRequestPage),
        (status = 401, description = "Missing or invalid token", body = ProblemDocument, content_type = "application/problem+json"),
        (status = 403, description = "The caller is not employer staff", body = ProblemDocument, content_type = "application/problem+json"),
        (status = 404, description = "Not the caller's organisation", body = ProblemDocument, content_type = "application/problem+json"),
    )
)]
#[get("/v1/orgs/{org}/share-requests")]
pub async fn org_requests(
    state: web::Data<AppState>,
    employer: Employer,
    path: web::Path<String>,
    query: crate::http::extract::Query<PageQuery>,
) -> ApiResult<HttpResponse> {
    let org: OrgId = path_id(&path, "organisation")?;
    if org != employer.org {
        return Err(ApiError::NotFound("organisation".into()));
    }
    list(&state, RequestsOf::Org(org), &query).await
}

/// Share requests employers sent the caller, oldest first.
///
/// Learners only.
#[utoipa::path(
    tag = "sharing",
    security(("bearer" = [])),
    params(PageQuery),
    responses(
        (status = 200, description = "A page of requests", body = ShareRequestPage),
        (status = 401, description = "Missing or invalid token", body = ProblemDocument, content_type = "application/problem+json"),
        (status = 403, description = "The caller is not a learner", body = ProblemDocument, content_type = "application/problem+json"),
    )
)]
#[get("/v1/me/share-requests")]
pub async fn my_requests(
    state: web::Data<AppState>,
    Learner(caller): Learner,
    query: crate::http::extract::Query<PageQuery>,
) -> ApiResult<HttpResponse> {
    list(&state, RequestsOf::Learner(caller.id), &query).await
}

async fn list(state: &AppState, of: RequestsOf, query: &PageQuery) -> ApiResult<HttpResponse> {
    let page = query.parse::<ShareRequestId>()?;
    let rows = sharing::requests(&state.store, of, page.after, page.fetch_limit()).await?;
    let (rows, next_cursor) = page.finish(rows, |r| r.request.id);
    let items = rows.into_iter().map(ShareRequestView::new).collect();
    Ok(HttpResponse::Ok().json(ShareRequestPage { items, next_cursor }))
}

/// Decline a share request.
///
/// Learners only, requests sent to them; a request already answered is a 409.
#[utoipa::path(
    tag = "sharing",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "Share request id")),
    responses(
        (status = 200, description = "The declined request", body = ShareRequestView),
        (status = 401, description = "Missing or invalid token", body = ProblemDocument, content_type = "application/problem+json"),
        (status = 403, description = "The caller is not a learner", body = ProblemDocument, content_type = "application/problem+json"),
        (status = 404, description = "No such request to the caller", body = ProblemDocument, content_type = "application/problem+json"),
        (status = 409, description = "Already answered", body = ProblemDocument, content_type = "application/problem+json"),
    )
)]
#[post("/v1/me/share-requests/{id}/decline")]
pub async fn decline_request(state: web::Data<AppState>, Learner(caller): Learner, path: web::Path<String>) -> ApiResult<HttpResponse> {
    let id: ShareRequestId = path_id(&path, "share request")?;
    let request = sharing::decline(&state.store, Context::new(&state, caller.id), id).await?;
    Ok(HttpResponse::Ok().json(ShareRequestView::new(request)))
}

/// Open the share a learner granted in answer to the caller's request:
/// the same record a share link shows, logged as viewed by the caller.
///
/// Employer staff of the requesting organisation only. A request not (yet)
/// granted is a 409; a granted share that expired or was revoked is a 404.
#[utoipa::path(
    tag = "talent",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "Share request id")),
    responses(
        (status = 200, description = "The shared record", body = SharedRecord),
        (status = 401, description = "Missing or invalid token", body = ProblemDocument, content_type = "application/problem+json"),
        (status = 403, description = "The caller is not employer staff", body = ProblemDocument, content_type = "application/problem+json"),
        (status = 404, description = "No such request of the caller's organisation, or the share ended", body = ProblemDocument, content_type = "application/problem+json"),
        (status = 409, description = "Not granted", body = ProblemDocument, content_type = "application/problem+json"),
    )
)]
#[get("/v1/share-requests/{id}/record")]
pub async fn requested_record(state: web::Data<AppState>, employer: Employer, path: web::Path<String>) -> ApiResult<HttpResponse> {
    let id: ShareRequestId = path_id(&path, "share request")?;
    let ctx = Context::new(&state, employer.caller.id);
    let record = sharing::requested_record(state.into_inner(), ctx, employer.org, id).await?;
    Ok(HttpResponse::Ok().insert_header(("Cache-Control", "no-store")).json(record))
}
