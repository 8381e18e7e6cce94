use actix_web::{HttpResponse, post, web};
use cairn_domain::OrgId;
use cairn_domain::catalog::AchievementDefinition;

use crate::http::caller::Issuer;
use crate::http::extract::{JsonBody, path_id};
use crate::http::problem::{ApiError, ApiResult, ProblemDocument};
use crate::http::views::{AchievementInput, AchievementView};
use crate::services::{Context, catalog};
use crate::state::AppState;

/// Publish an achievement in the institution's catalog.
///
/// Issuers of that institution only; anyone else gets 404 for the
/// organisation (an issuer of another institution included).
#[utoipa::path(
    tag = "catalog",
    security(("bearer" = [])),
    params(("org" = String, Path, description = "Institution id")),
    request_body = AchievementInput,
    responses(
        (status = 201, description = "Achievement published", body = AchievementView),
        (status = 401, description = "Missing or invalid token", body = ProblemDocument, content_type = "application/problem+json"),
        (status = 403, description = "The caller is not an issuer", body = ProblemDocument, content_type = "application/problem+json"),
        (status = 404, description = "Not the caller's institution", body = ProblemDocument, content_type = "application/problem+json"),
        (status = 409, description = "Another achievement of the institution has this key", body = ProblemDocument, content_type = "application/problem+json"),
        (status = 422, description = "Invalid definition", body = ProblemDocument, content_type = "application/problem+json"),
    )
)]
#[post("/v1/orgs/{org}/achievements")]
pub async fn create_achievement(
    state: web::Data<AppState>,
    issuer: Issuer,
    path: web::Path<String>,
    body: JsonBody<AchievementDefinition>,
) -> ApiResult<HttpResponse> {
    let org: OrgId = path_id(&path, "organisation")?;
    if org != issuer.org {
        return Err(ApiError::NotFound("organisation".into()));
    }
    let ctx = Context::new(&state, issuer.caller.id);
    let achievement = state.store.write_as(move |conn| catalog::publish(conn, &ctx, org, body.0)).await?;
    Ok(HttpResponse::Created().json(AchievementView::new(achievement, &state.public_url)))
}
