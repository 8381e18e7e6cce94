use actix_web::{HttpResponse, post, web};
use cairn_domain::AchievementId;

use crate::http::caller::Issuer;
use crate::http::extract::path_id;
use crate::http::problem::{ApiResult, ProblemDocument};
use crate::http::views::AchievementView;
use crate::services::{Context, catalog};
use crate::state::AppState;

/// Retire an achievement: nothing new is issued of it.
///
/// Issuers of the achievement's institution only (others get 404). Issuing
/// it afterwards (single, batch, VC API) answers 409 with the problem type
/// `https://cairn.dev/problems/achievement-retired`; everything already
/// issued stays valid and verifiable, and it stays in the catalog with its
/// `retired_at`. Pathways that award it keep awarding it (learners were
/// promised the award); change the pathway to stop that. Retiring it again
/// changes nothing and answers the same `retired_at` (idempotent). There is
/// no un-retiring: publish a new achievement instead.
#[utoipa::path(
    tag = "catalog",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "Achievement id")),
    responses(
        (status = 200, description = "The retired achievement", body = AchievementView),
        (status = 401, description = "Missing or invalid token", body = ProblemDocument, content_type = "application/problem+json"),
        (status = 403, description = "The caller is not an issuer", body = ProblemDocument, content_type = "application/problem+json"),
        (status = 404, description = "No such achievement in the caller's institution", body = ProblemDocument, content_type = "application/problem+json"),
    )
)]
#[post("/v1/achievements/{id}/retire")]
pub async fn retire_achievement(state: web::Data<AppState>, issuer: Issuer, path: web::Path<String>) -> ApiResult<HttpResponse> {
    let id: AchievementId = path_id(&path, "achievement")?;
    let ctx = Context::new(&state, issuer.caller.id);
    let org = issuer.org;
    let achievement = state.store.write_as(move |conn| catalog::retire(conn, &ctx, org, id)).await?;
    Ok(HttpResponse::Ok().json(AchievementView::new(achievement, &state.public_url)))
}
