//! A learner's share links: create, list with their view log, revoke.

use actix_web::{HttpResponse, delete, get, post, web};
use cairn_domain::sharing::ShareScope;
use cairn_domain::skill::Skill;
use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::state::AppState;
use crate::http::caller::Learner;
use crate::http::extract::{JsonBody, PageQuery, path_id};
use crate::http::problem::{ApiError, ApiResult, ProblemDocument};
use crate::store::shares::{self, RequestStatus, Share, View};
use crate::store::{StoreError, audit, time};
use crate::services::sharing;
use crate::signing;

/// The longest a share link may stay open.
pub const MAX_SHARE_DAYS: i64 = 90;

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
    request: Option<Uuid>,
}

/// A new share link. `token` and `url` are shown only here; the service
/// keeps only a hash of the token.
#[derive(Serialize, ToSchema)]
pub struct CreatedShare {
    #[schema(value_type = String, format = Uuid)]
    id: Uuid,
    token: String,
    url: String,
    expires_at: DateTime<Utc>,
    #[schema(value_type = Object)]
    scope: ShareScope,
    audience: Option<String>,
    created_at: DateTime<Utc>,
}

#[derive(Serialize, ToSchema, Clone, Copy, PartialEq, Eq, Debug)]
#[serde(rename_all = "lowercase")]
pub enum ShareState {
    Active,
    Expired,
    Revoked,
}

/// A share as its learner sees it later: scope, state and every view.
#[derive(Serialize, ToSchema)]
pub struct ShareView {
    #[schema(value_type = String, format = Uuid)]
    id: Uuid,
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
    let now = time::now();
    if body.expires_at <= now {
        return Err(ApiError::invalid_field("expires_at", "must be in the future"));
    }
    if body.expires_at > now + Duration::days(MAX_SHARE_DAYS) {
        return Err(ApiError::invalid_field("expires_at", format!("must be at most {MAX_SHARE_DAYS} days ahead")));
    }
    let audience = match body.audience.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(text) if text.chars().count() > 200 => return Err(ApiError::invalid_field("audience", "must be at most 200 characters")),
        Some(text) => Some(text.to_owned()),
    };
    let token = signing::random_secret().map_err(ApiError::internal)?;
    let share = Share { id: Uuid::now_v7(), learner: caller.id, scope, audience, expires_at: time::to_db(body.expires_at).and_utc(), revoked_at: None, created_at: now };
    let request = body.request;
    let hash = signing::hash_secret(&token);
    let share = state
        .store
        .write(move |conn| {
            sharing::check_scope(conn, caller.id, &share.scope)?;
            shares::insert(conn, &share, &hash)?;
            if let Some(request) = request {
                shares::find_request(conn, request)?.filter(|r| r.learner == caller.id).ok_or(StoreError::NotFound("share request"))?;
                if !shares::answer_request(conn, request, RequestStatus::Granted, Some(share.id))? {
                    return Err(StoreError::Conflict("this share request was already answered".into()));
                }
            }
            audit::record(
                conn,
                audit::Entry::new(audit::Action::ShareCreate, "share", share.id.to_string())
                    .actor(caller.id)
                    .learner(caller.id)
                    .detail(serde_json::json!({ "scope": share.scope, "expires_at": share.expires_at, "audience": share.audience, "request": request })),
            )?;
            Ok(share)
        })
        .await?;
    let url = format!("{}/v1/shares/{token}", state.public_url);
    Ok(HttpResponse::Created().json(CreatedShare {
        id: share.id,
        token,
        url,
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
pub async fn list_shares(state: web::Data<AppState>, Learner(caller): Learner, query: crate::http::extract::Query<PageQuery>) -> ApiResult<HttpResponse> {
    let page = query.parse::<Uuid>()?;
    let (after, limit) = (page.after, page.fetch_limit());
    let rows = state
        .store
        .read(move |conn| {
            let mut rows = Vec::new();
            for share in shares::list(conn, caller.id, after, limit)? {
                let views = shares::views(conn, share.id)?;
                rows.push((share, views));
            }
            Ok(rows)
        })
        .await?;
    let (rows, next_cursor) = page.finish(rows, |(share, _)| share.id);
    let now = time::now();
    let items = rows
        .into_iter()
        .map(|(share, views)| ShareView {
            id: share.id,
            state: if share.revoked_at.is_some() {
                ShareState::Revoked
            } else if share.is_live(now) {
                ShareState::Active
            } else {
                ShareState::Expired
            },
            scope: share.scope,
            audience: share.audience,
            expires_at: share.expires_at,
            revoked_at: share.revoked_at,
            created_at: share.created_at,
            views,
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
    let id: Uuid = path_id(&path, "share")?;
    state
        .store
        .write(move |conn| {
            let share = shares::find_for_learner(conn, caller.id, id)?.ok_or(StoreError::NotFound("share"))?;
            if share.revoked_at.is_none() {
                shares::revoke(conn, share.id, time::now())?;
                audit::record(conn, audit::Entry::new(audit::Action::ShareRevoke, "share", share.id.to_string()).actor(caller.id).learner(caller.id))?;
            }
            Ok(())
        })
        .await?;
    Ok(HttpResponse::NoContent().finish())
}
