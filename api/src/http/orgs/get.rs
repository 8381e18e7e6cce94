use actix_web::{HttpResponse, get, web};
use cairn_domain::{OrgId, Role};

use crate::http::caller::AnyAccount;
use crate::http::extract::path_id;
use crate::http::problem::{ApiError, ApiResult, ProblemDocument};
use crate::http::views::OrgView;
use crate::state::AppState;
use crate::store::orgs;

/// One organisation.
///
/// Administrators, and staff of that organisation; anyone else gets 404.
/// (Institutions' public profiles are served by the issuer endpoints.)
#[utoipa::path(
    tag = "organisations",
    security(("bearer" = [])),
    params(("org" = String, Path, description = "Organisation id")),
    responses(
        (status = 200, description = "The organisation", body = OrgView),
        (status = 401, description = "Missing or invalid token", body = ProblemDocument, content_type = "application/problem+json"),
        (status = 404, description = "No such organisation, or not visible to the caller", body = ProblemDocument, content_type = "application/problem+json"),
    )
)]
#[get("/v1/orgs/{org}")]
pub async fn get_org(state: web::Data<AppState>, AnyAccount(caller): AnyAccount, path: web::Path<String>) -> ApiResult<HttpResponse> {
    let id: OrgId = path_id(&path, "organisation")?;
    if !(caller.role == Role::Admin || caller.is_staff_of(id)) {
        return Err(ApiError::NotFound("organisation".into()));
    }
    let org = state.store.read(move |conn| orgs::find(conn, id)).await?.ok_or_else(|| ApiError::NotFound("organisation".into()))?;
    Ok(HttpResponse::Ok().json(OrgView::from(org)))
}
