use actix_web::{HttpResponse, get, web};
use cairn_domain::{OrgId, Role};
use serde::Serialize;
use utoipa::ToSchema;

use crate::http::caller::{Admin, AnyAccount, Learner};
use crate::http::extract::{PageQuery, path_id};
use crate::http::problem::{ApiError, ApiResult, ProblemDocument};
use crate::state::AppState;
use crate::store::audit::{self, LoggedEntry};

#[derive(Serialize, ToSchema)]
pub struct AuditPage {
    items: Vec<LoggedEntry>,
    next_cursor: Option<String>,
}

async fn page(state: &AppState, scope: audit::Scope, query: &PageQuery) -> ApiResult<AuditPage> {
    let page = query.parse::<cairn_domain::AuditEntryId>()?;
    let (after, limit) = (page.after, page.fetch_limit());
    let rows = state.store.read(move |conn| audit::list(conn, scope, after, limit)).await?;
    let (items, next_cursor) = page.finish(rows, |e| e.id);
    Ok(AuditPage { items, next_cursor })
}

/// The audit log of one organisation: every issue, claim, revoke, suspend,
/// reinstate, catalog and webhook endpoint change concerning it, oldest
/// first.
///
/// Issuers of that institution and administrators; anyone else gets 404.
#[utoipa::path(
    tag = "audit",
    security(("bearer" = [])),
    params(("org" = String, Path, description = "Organisation id"), PageQuery),
    responses(
        (status = 200, description = "A page of entries", body = AuditPage),
        (status = 401, description = "Missing or invalid token", body = ProblemDocument, content_type = "application/problem+json"),
        (status = 404, description = "Not visible to the caller", body = ProblemDocument, content_type = "application/problem+json"),
    )
)]
#[get("/v1/orgs/{org}/audit")]
pub async fn org_audit(
    state: web::Data<AppState>,
    AnyAccount(caller): AnyAccount,
    path: web::Path<String>,
    query: crate::http::extract::Query<PageQuery>,
) -> ApiResult<HttpResponse> {
    let org: OrgId = path_id(&path, "organisation")?;
    let allowed = caller.role == Role::Admin || (caller.role == Role::Issuer && caller.is_staff_of(org));
    if !allowed {
        return Err(ApiError::NotFound("organisation".into()));
    }
    Ok(HttpResponse::Ok().json(page(&state, audit::Scope::Org(org), &query).await?))
}

/// The whole audit log, oldest first.
///
/// Admin only.
#[utoipa::path(
    tag = "audit",
    security(("bearer" = [])),
    params(PageQuery),
    responses(
        (status = 200, description = "A page of entries", body = AuditPage),
        (status = 401, description = "Missing or invalid token", body = ProblemDocument, content_type = "application/problem+json"),
        (status = 403, description = "The caller is not an administrator", body = ProblemDocument, content_type = "application/problem+json"),
    )
)]
#[get("/v1/audit")]
pub async fn all_audit(state: web::Data<AppState>, _admin: Admin, query: crate::http::extract::Query<PageQuery>) -> ApiResult<HttpResponse> {
    Ok(HttpResponse::Ok().json(page(&state, audit::Scope::All, &query).await?))
}

/// What was done with the caller's data, oldest first: credentials issued
/// to them, claims, status changes, awards, imports, shares created, viewed
/// and revoked, employer requests, attestations and talent-search matches.
///
/// Learners only.
#[utoipa::path(
    tag = "audit",
    security(("bearer" = [])),
    params(PageQuery),
    responses(
        (status = 200, description = "A page of entries", body = AuditPage),
        (status = 401, description = "Missing or invalid token", body = ProblemDocument, content_type = "application/problem+json"),
        (status = 403, description = "The caller is not a learner", body = ProblemDocument, content_type = "application/problem+json"),
    )
)]
#[get("/v1/me/audit")]
pub async fn my_audit(
    state: web::Data<AppState>,
    Learner(caller): Learner,
    query: crate::http::extract::Query<PageQuery>,
) -> ApiResult<HttpResponse> {
    Ok(HttpResponse::Ok().json(page(&state, audit::Scope::Learner(caller.id), &query).await?))
}
