//! A learner's share links: create, list with their view log, revoke.

use actix_web::{HttpResponse, delete, get, post, web};
use cairn_domain::sharing::ShareScope;
use cairn_domain::skill::Skill;
use cairn_domain::{ShareId, ShareRequestId};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::http::caller::Learner;
use crate::http::extract::{JsonBody, PageQuery, path_id};
use crate::http::problem::{ApiError, ApiResult, ProblemDocument};
use crate::services::Context;
use crate::services::sharing::{self, NewShare, ShareState};
use crate::state::AppState;
use crate::store::shares::View;

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateShare {
    /// Share these credentials (issued here or imported), by id ...
    #[schema(value_type = Option<Vec<Uuid>>, min_items = 1)]
    credentials: Option<Vec<Uuid>>,
    /// ... or the credentials aligned to these skills (alignment URLs or codes) ...
    #[schema(value_type = Option<Vec<crate::http::openapi::Skill>>, min_items = 1)]
    skills: Option<Vec<Skill>>,
    /// ... or everything, employment records included.
    all: Option<bool>,
    /// When the link stops working: in the future, at most 90 days ahead.
    expires_at: DateTime<Utc>,
    /// Who the link is for, as a note to yourself ("Acme recruiting").
    #[schema(max_length = 200)]
    audience: Option<String>,
    /// An employer's share request this share answers: the request is
    /// marked granted and the employer can open the share.
    #[schema(value_type = Option<String>, format = Uuid)]
    request: Option<ShareRequestId>,
}

/// A new share link. `token` and `url` are shown only here; the service
/// keeps only a hash of the token.
#[derive(Serialize, ToSchema)]
pub struct CreatedShare {
    #[schema(value_type = String, format = Uuid)]
    id: ShareId,
    token: String,
    url: String,
    expires_at: DateTime<Utc>,
    #[schema(value_type = Object)]
    scope: ShareScope,
    audience: Option<String>,
    created_at: DateTime<Utc>,
}

/// A share as its learner sees it later: scope, state and every view.
#[derive(Serialize, ToSchema)]
pub struct ShareView {
    #[schema(value_type = String, format = Uuid)]
    id: ShareId,
    #[schema(value_type = Object)]
    scope: ShareScope,
    audience: Option<String>,
    state: ShareState,
    expires_at: DateTime<Utc>,
    revoked_at: Option<DateTime<Utc>>,
    created_at: DateTime<Utc>,
    views: Vec<View>,
}

#[derive(Serialize, ToSchema)]
pub struct SharePage {
    items: Vec<ShareView>,
    next_cursor: Option<String>,
}

/// Create a share link to part of the caller's record.
///
/// Learners only. Exactly one of `credentials`, `skills` or `all: true`;
/// `expires_at` is required and at most 90 days ahead. Named credentials
/// must be in the caller's wallet.
#[utoipa::path(
    tag = "sharing",
    security(("bearer" = [])),
    request_body = CreateShare,
    responses(
        (status = 201, description = "The link, with its token (shown once)", body = CreatedShare),
        (status = 401, description = "Missing or invalid token", body = ProblemDocument, content_type = "application/problem+json"),
        (status = 403, description = "The caller is not a learner", body = ProblemDocument, content_type = "application/problem+json"),
        (status = 404, description = "`request` is not a request to the caller", body = ProblemDocument, content_type = "application/problem+json"),
        (status = 409, description = "`request` was already answered", body = ProblemDocument, content_type = "application/problem+json"),
        (status = 422, description = "Invalid scope or expiry", body = ProblemDocument, content_type = "application/problem+json"),
    )
)]
#[post("/v1/me/shares")]
pub async fn create_share(state: web::Data<AppState>, Learner(caller): Learner, body: JsonBody<CreateShare>) -> ApiResult<HttpResponse> {
    let body = body.0;
    let scope = ShareScope::from_parts(body.credentials, body.skills, body.all).map_err(|e| ApiError::invalid_field("scope", e.to_string()))?;
    let new = NewShare { scope, expires_at: body.expires_at, audience: body.audience, request: body.request };
    let created = sharing::create(&state.store, Context::new(&state, caller.id), new).await?;
    let share = created.share;
    Ok(HttpResponse::Created().json(CreatedShare {
        id: share.id,
        token: created.token,
        url: created.url,
        expires_at: share.expires_at,
        scope: share.scope,
        audience: share.audience,
        created_at: share.created_at,
    }))
}

/// The caller's share links, oldest first, each with its views.
///
/// Learners only.
#[utoipa::path(
    tag = "sharing",
    security(("bearer" = [])),
    params(PageQuery),
    responses(
        (status = 200, description = "A page of shares", body = SharePage),
        (status = 401, description = "Missing or invalid token", body = ProblemDocument, content_type = "application/problem+json"),
        (status = 403, description = "The caller is not a learner", body = ProblemDocument, content_type = "application/problem+json"),
    )
)]
#[get("/v1/me/shares")]
pub async fn list_shares(
    state: web::Data<AppState>,
    Learner(caller): Learner,
    query: crate::http::extract::Query<PageQuery>,
) -> ApiResult<HttpResponse> {
    let page = query.parse::<ShareId>()?;
    let rows = sharing::list(&state.store, Context::new(&state, caller.id), page.after, page.fetch_limit()).await?;
    let (rows, next_cursor) = page.finish(rows, |row| row.share.id);
    let items = rows
        .into_iter()
        .map(|row| ShareView {
            id: row.share.id,
            state: row.state,
            scope: row.share.scope,
            audience: row.share.audience,
            expires_at: row.share.expires_at,
            revoked_at: row.share.revoked_at,
            created_at: row.share.created_at,
            views: row.views,
        })
        .collect();
    Ok(HttpResponse::Ok().json(SharePage { items, next_cursor }))
}

/// Revoke a share link: it stops working at once.
///
/// Learners only, their own shares; revoking again is harmless.
#[utoipa::path(
    tag = "sharing",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "Share id")),
    responses(
        (status = 204, description = "Revoked"),
        (status = 401, description = "Missing or invalid token", body = ProblemDocument, content_type = "application/problem+json"),
        (status = 403, description = "The caller is not a learner", body = ProblemDocument, content_type = "application/problem+json"),
        (status = 404, description = "No such share of the caller's", body = ProblemDocument, content_type = "application/problem+json"),
    )
)]
#[delete("/v1/me/shares/{id}")]
pub async fn revoke_share(state: web::Data<AppState>, Learner(caller): Learner, path: web::Path<String>) -> ApiResult<HttpResponse> {
    let id: ShareId = path_id(&path, "share")?;
    sharing::revoke(&state.store, Context::new(&state, caller.id), id).await?;
    Ok(HttpResponse::NoContent().finish())
}
