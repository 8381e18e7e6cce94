use actix_web::{HttpResponse, put, web};
use cairn_domain::AchievementId;
use cairn_domain::catalog::AchievementDefinition;

use crate::http::caller::Issuer;
use crate::http::extract::{JsonBody, path_id};
use crate::http::problem::{ApiResult, ProblemDocument};
use crate::http::views::{AchievementInput, AchievementView};
use crate::services::{Context, catalog};
use crate::state::AppState;

/// Replace an achievement's definition (a new version).
///
/// Issuers of the achievement's institution only (others get 404). The
/// body is the whole definition, as when it was published. Credentials
/// already issued keep the version they were issued under: their signed
/// documents never change and verify as before; credentials issued from
/// now on carry the new version. Sending the current definition again
/// changes nothing. A retired achievement cannot be changed (409).
#[utoipa::path(
    tag = "catalog",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "Achievement id")),
    request_body = AchievementInput,
    responses(
        (status = 200, description = "The achievement at its new version", body = AchievementView),
        (status = 401, description = "Missing or invalid token", body = ProblemDocument, content_type = "application/problem+json"),
        (status = 403, description = "The caller is not an issuer", body = ProblemDocument, content_type = "application/problem+json"),
        (status = 404, description = "No such achievement in the caller's institution", body = ProblemDocument, content_type = "application/problem+json"),
        (status = 409, description = "Retired, another achievement has this key, or a concurrent update came first", body = ProblemDocument, content_type = "application/problem+json"),
        (status = 422, description = "Invalid definition", body = ProblemDocument, content_type = "application/problem+json"),
    )
)]
#[put("/v1/achievements/{id}")]
pub async fn update_achievement(
    state: web::Data<AppState>,
    issuer: Issuer,
    path: web::Path<String>,
    body: JsonBody<AchievementDefinition>,
) -> ApiResult<HttpResponse> {
    let id: AchievementId = path_id(&path, "achievement")?;
    let ctx = Context::new(&state, issuer.caller.id);
    let org = issuer.org;
    let achievement = state.store.write_as(move |conn| catalog::update(conn, &ctx, org, id, body.0)).await?;
    Ok(HttpResponse::Ok().json(AchievementView::new(achievement, &state.public_url)))
}
