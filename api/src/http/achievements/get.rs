use actix_web::{HttpResponse, get, web};
use cairn_domain::AchievementId;

use crate::http::extract::path_id;
use crate::http::problem::{ApiError, ApiResult, ProblemDocument};
use crate::http::views::AchievementView;
use crate::state::AppState;
use crate::store::achievements;

/// One achievement of any institution's catalog.
///
/// Public: achievements are what credentials point at, so anyone verifying
/// a credential can read them.
#[utoipa::path(
    tag = "catalog",
    params(("id" = String, Path, description = "Achievement id")),
    responses(
        (status = 200, description = "The achievement", body = AchievementView),
        (status = 404, description = "No such achievement", body = ProblemDocument, content_type = "application/problem+json"),
    )
)]
#[get("/v1/achievements/{id}")]
pub async fn get_achievement(state: web::Data<AppState>, path: web::Path<String>) -> ApiResult<HttpResponse> {
    let id: AchievementId = path_id(&path, "achievement")?;
    let achievement = state.store.read(move |conn| achievements::find(conn, id)).await?.ok_or_else(|| ApiError::NotFound("achievement".into()))?;
    Ok(HttpResponse::Ok().json(AchievementView::new(achievement, &state.public_url)))
}
