use actix_web::{HttpResponse, get, web};
use cairn_domain::{OrgId, Role, UserId};

use crate::http::caller::AnyAccount;
use crate::http::extract::{PageQuery, path_id};
use crate::http::problem::{ApiError, ApiResult, ProblemDocument};
use crate::http::views::{AccountPage, AccountView};
use crate::state::AppState;
use crate::store::{orgs, users};

/// Staff accounts of an organisation, oldest first.
///
/// Administrators, and staff of that organisation; anyone else gets 404.
#[utoipa::path(
    tag = "organisations",
    security(("bearer" = [])),
    params(("org" = String, Path, description = "Organisation id"), PageQuery),
    responses(
        (status = 200, description = "A page of staff accounts", body = AccountPage),
        (status = 401, description = "Missing or invalid token", body = ProblemDocument, content_type = "application/problem+json"),
        (status = 404, description = "No such organisation, or not visible to the caller", body = ProblemDocument, content_type = "application/problem+json"),
    )
)]
#[get("/v1/orgs/{org}/members")]
pub async fn list_members(
    state: web::Data<AppState>,
    AnyAccount(caller): AnyAccount,
    path: web::Path<String>,
    query: crate::http::extract::Query<PageQuery>,
) -> ApiResult<HttpResponse> {
    let org: OrgId = path_id(&path, "organisation")?;
    if !(caller.role == Role::Admin || caller.is_staff_of(org)) {
        return Err(ApiError::NotFound("organisation".into()));
    }
    let page = query.parse::<UserId>()?;
    let (after, limit) = (page.after, page.fetch_limit());
    let rows = state
        .store
        .read(move |conn| {
            if orgs::find(conn, org)?.is_none() {
                return Err(crate::store::StoreError::NotFound("organisation"));
            }
            users::list_members(conn, org, after, limit)
        })
        .await?;
    let (rows, next_cursor) = page.finish(rows, |account| account.id);
    Ok(HttpResponse::Ok().json(AccountPage { items: rows.into_iter().map(AccountView::from).collect(), next_cursor }))
}
