use actix_web::{HttpResponse, get, web};
use cairn_domain::{AchievementId, OrgId, OrgKind};

use crate::http::extract::{PageQuery, path_id};
use crate::http::problem::{ApiError, ApiResult, ProblemDocument};
use crate::http::views::{AchievementPage, AchievementView};
use crate::state::AppState;
use crate::store::{StoreError, achievements, orgs};

/// An institution's catalog, oldest first.
///
/// Public.
#[utoipa::path(
    tag = "catalog",
    params(("org" = String, Path, description = "Institution id"), PageQuery),
    responses(
        (status = 200, description = "A page of achievements", body = AchievementPage),
        (status = 404, description = "No such institution", body = ProblemDocument, content_type = "application/problem+json"),
    )
)]
#[get("/v1/orgs/{org}/achievements")]
pub async fn list_achievements(
    state: web::Data<AppState>,
    path: web::Path<String>,
    query: crate::http::extract::Query<PageQuery>,
) -> ApiResult<HttpResponse> {
    let org: OrgId = path_id(&path, "organisation")?;
    let page = query.parse::<AchievementId>()?;
    let (after, limit) = (page.after, page.fetch_limit());
    let rows = state
        .store
        .read(move |conn| match orgs::find(conn, org)? {
            Some(found) if found.kind == OrgKind::Institution => achievements::list(conn, org, after, limit),
            _ => Err(StoreError::NotFound("organisation")),
        })
        .await
        .map_err(ApiError::from)?;
    let (rows, next_cursor) = page.finish(rows, |a| a.id);
    let items = rows.into_iter().map(|a| AchievementView::new(a, &state.public_url)).collect();
    Ok(HttpResponse::Ok().json(AchievementPage { items, next_cursor }))
}
