//! The review queue: awards of pathways with `"issuance": "review"` wait
//! for an issuer of the institution to approve (the award is issued) or
//! reject them.

use actix_web::{HttpResponse, get, post, web};
use cairn_domain::{CredentialId, OrgId, PathwayId, ReviewId, UserId};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::http::caller::Issuer;
use crate::http::extract::{JsonBody, PageQuery, path_id};
use crate::http::problem::{ApiError, ApiResult, ProblemDocument};
use crate::services::{Context, reviews};
use crate::state::AppState;
use crate::store::award_reviews::{self, Review, ReviewStatus};

#[derive(Debug, Serialize, ToSchema)]
pub struct ReviewView {
    #[schema(value_type = String, format = Uuid)]
    id: ReviewId,
    #[schema(value_type = String, format = Uuid)]
    pathway: PathwayId,
    /// The pathway version the learner completed.
    version: i64,
    #[schema(value_type = String, format = Uuid)]
    learner: UserId,
    completed_at: DateTime<Utc>,
    /// The credentials that completed it.
    #[schema(value_type = Vec<String>)]
    constituents: Vec<CredentialId>,
    status: ReviewStatus,
    /// Why it was rejected.
    reason: Option<String>,
    decided_at: Option<DateTime<Utc>>,
    /// The award credential, once approved.
    #[schema(value_type = Option<String>, format = Uuid)]
    award: Option<CredentialId>,
    created_at: DateTime<Utc>,
}

impl From<Review> for ReviewView {
    fn from(r: Review) -> Self {
        ReviewView {
            id: r.id,
            pathway: r.pathway,
            version: r.version,
            learner: r.learner,
            completed_at: r.completed_at,
            constituents: r.constituents,
            status: r.status,
            reason: r.reason,
            decided_at: r.decided_at,
            award: r.award,
            created_at: r.created_at,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct ReviewPage {
    items: Vec<ReviewView>,
    next_cursor: Option<String>,
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ReviewQuery {
    /// `pending`, `approved` or `rejected`; default all.
    #[param(schema_with = review_status_schema)]
    status: Option<ReviewStatus>,
    /// Items per page: 1 to 200, default 50.
    #[param(minimum = 1)]
    limit: Option<i64>,
    /// The `next_cursor` of the previous page.
    #[param(format = Uuid)]
    cursor: Option<String>,
}

fn review_status_schema() -> utoipa::openapi::schema::Object {
    crate::http::openapi::string_enum(&["pending", "approved", "rejected"])
}

/// The institution's award review queue, oldest first.
///
/// Issuers of that institution only; others get 404.
#[utoipa::path(
    tag = "pathways",
    security(("bearer" = [])),
    params(("org" = String, Path, description = "Institution id"), ReviewQuery),
    responses(
        (status = 200, description = "A page of reviews", body = ReviewPage),
        (status = 401, description = "Missing or invalid token", body = ProblemDocument, content_type = "application/problem+json"),
        (status = 403, description = "The caller is not an issuer", body = ProblemDocument, content_type = "application/problem+json"),
        (status = 404, description = "Not the caller's institution", body = ProblemDocument, content_type = "application/problem+json"),
    )
)]
#[get("/v1/orgs/{org}/award-reviews")]
pub async fn list_reviews(
    state: web::Data<AppState>,
    issuer: Issuer,
    path: web::Path<String>,
    query: crate::http::extract::Query<ReviewQuery>,
) -> ApiResult<HttpResponse> {
    let org: OrgId = path_id(&path, "organisation")?;
    if org != issuer.org {
        return Err(ApiError::NotFound("organisation".into()));
    }
    let query = query.into_inner();
    let page = PageQuery { limit: query.limit, cursor: query.cursor }.parse::<ReviewId>()?;
    let (after, limit, status) = (page.after, page.fetch_limit(), query.status);
    let rows = state.store.read(move |conn| award_reviews::list(conn, org, status, after, limit)).await?;
    let (rows, next_cursor) = page.finish(rows, |r| r.id);
    Ok(HttpResponse::Ok().json(ReviewPage { items: rows.into_iter().map(ReviewView::from).collect(), next_cursor }))
}

/// Approve a queued award: the award is issued now, as an automatic one
/// would have been (`awarded_at` = when the pathway was completed).
///
/// Issuers of the pathway's institution only; others get 404. A decided
/// review is a 409, and so is one whose pathway no longer holds for the
/// learner (a constituent was revoked meanwhile).
#[utoipa::path(
    tag = "pathways",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "Review id")),
    responses(
        (status = 200, description = "Approved, with the award", body = ReviewView),
        (status = 401, description = "Missing or invalid token", body = ProblemDocument, content_type = "application/problem+json"),
        (status = 403, description = "The caller is not an issuer", body = ProblemDocument, content_type = "application/problem+json"),
        (status = 404, description = "No such review in the caller's institution", body = ProblemDocument, content_type = "application/problem+json"),
        (status = 409, description = "Already decided, or no longer complete", body = ProblemDocument, content_type = "application/problem+json"),
    )
)]
#[post("/v1/award-reviews/{id}/approve")]
pub async fn approve_review(state: web::Data<AppState>, issuer: Issuer, path: web::Path<String>) -> ApiResult<HttpResponse> {
    let id: ReviewId = path_id(&path, "award review")?;
    let state_ref = state.clone();
    let review = state
        .store
        .write_as(move |conn| {
            let ctx = Context::new(&state_ref, issuer.caller.id);
            Ok::<_, ApiError>(reviews::approve(conn, &ctx, issuer.org, id)?)
        })
        .await?;
    Ok(HttpResponse::Ok().json(ReviewView::from(review)))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Rejection {
    /// Why, for the record (1 to 1,000 characters, trimmed).
    #[schema(min_length = 1, max_length = 1000, pattern = "\\S|[\\x1c-\\x1f]")]
    reason: String,
}

/// Reject a queued award. The learner is not queued again for this pathway.
///
/// Issuers of the pathway's institution only; others get 404. A decided
/// review is a 409.
#[utoipa::path(
    tag = "pathways",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "Review id")),
    request_body = Rejection,
    responses(
        (status = 200, description = "Rejected", body = ReviewView),
        (status = 401, description = "Missing or invalid token", body = ProblemDocument, content_type = "application/problem+json"),
        (status = 403, description = "The caller is not an issuer", body = ProblemDocument, content_type = "application/problem+json"),
        (status = 404, description = "No such review in the caller's institution", body = ProblemDocument, content_type = "application/problem+json"),
        (status = 409, description = "Already decided", body = ProblemDocument, content_type = "application/problem+json"),
        (status = 422, description = "Missing reason", body = ProblemDocument, content_type = "application/problem+json"),
    )
)]
#[post("/v1/award-reviews/{id}/reject")]
pub async fn reject_review(
    state: web::Data<AppState>,
    issuer: Issuer,
    path: web::Path<String>,
    body: JsonBody<Rejection>,
) -> ApiResult<HttpResponse> {
    let id: ReviewId = path_id(&path, "award review")?;
    let reason = body.0.reason.trim().to_owned();
    if reason.is_empty() || reason.chars().count() > 1000 {
        return Err(ApiError::invalid_field("reason", "must be 1 to 1000 characters"));
    }
    let state_ref = state.clone();
    let review = state
        .store
        .write_as(move |conn| {
            let ctx = Context::new(&state_ref, issuer.caller.id);
            Ok::<_, ApiError>(reviews::reject(conn, &ctx, issuer.org, id, &reason)?)
        })
        .await?;
    Ok(HttpResponse::Ok().json(ReviewView::from(review)))
}
