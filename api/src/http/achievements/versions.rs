use actix_web::{HttpResponse, get, web};
use cairn_domain::AchievementId;

use crate::http::extract::path_id;
use crate::http::problem::{ApiResult, ProblemDocument};
use crate::http::views::{AchievementVersionView, AchievementVersions};
use crate::services::catalog;
use crate::state::AppState;

/// Every version of an achievement, oldest first.
///
/// Public, as the achievement is: a credential names its achievement, and
/// its version (`achievement_version`) says which of these it shows.
#[utoipa::path(
    tag = "catalog",
    params(("id" = String, Path, description = "Achievement id")),
    responses(
        (status = 200, description = "The versions", body = AchievementVersions),
        (status = 404, description = "No such achievement", body = ProblemDocument, content_type = "application/problem+json"),
    )
)]
#[get("/v1/achievements/{id}/versions")]
pub async fn achievement_versions(state: web::Data<AppState>, path: web::Path<String>) -> ApiResult<HttpResponse> {
    let id: AchievementId = path_id(&path, "achievement")?;
    let versions = state.store.read_as(move |conn| catalog::versions(conn, id)).await?;
    let items =
        versions.into_iter().map(|v| AchievementVersionView { version: v.version, definition: v.definition, created_at: v.created_at }).collect();
    Ok(HttpResponse::Ok().json(AchievementVersions { items }))
}
