use actix_web::{HttpResponse, get, web};
use cairn_domain::OrgId;

use crate::http::caller::Admin;
use crate::http::extract::PageQuery;
use crate::http::problem::{ApiResult, ProblemDocument};
use crate::http::views::{OrgPage, OrgView};
use crate::state::AppState;
use crate::store::orgs;

/// List organisations, oldest first.
///
/// Admin only.
#[utoipa::path(
    tag = "organisations",
    security(("bearer" = [])),
    params(PageQuery),
    responses(
        (status = 200, description = "A page of organisations", body = OrgPage),
        (status = 401, description = "Missing or invalid token", body = ProblemDocument, content_type = "application/problem+json"),
        (status = 403, description = "The caller is not an administrator", body = ProblemDocument, content_type = "application/problem+json"),
    )
)]
#[get("/v1/orgs")]
pub async fn list_orgs(state: web::Data<AppState>, _admin: Admin, query: crate::http::extract::Query<PageQuery>) -> ApiResult<HttpResponse> {
    let page = query.parse::<OrgId>()?;
    let (after, limit) = (page.after, page.fetch_limit());
    let rows = state.store.read(move |conn| orgs::list(conn, after, limit)).await?;
    let (rows, next_cursor) = page.finish(rows, |org| org.id);
    Ok(HttpResponse::Ok().json(OrgPage { items: rows.into_iter().map(OrgView::from).collect(), next_cursor }))
}
