//! Learners follow pathways they mean to work toward.

use actix_web::{HttpResponse, delete, put, web};
use cairn_domain::PathwayId;

use crate::http::caller::Learner;
use crate::http::extract::path_id;
use crate::http::problem::{ApiResult, ProblemDocument};
use crate::services::{Context, pathways};
use crate::state::AppState;

/// Follow a pathway: it shows in `GET /v1/me/progress` even before the
/// caller holds a credential toward it.
///
/// Learners only. Following twice is harmless.
#[utoipa::path(
    tag = "progress",
    security(("bearer" = [])),
    params(("pathway" = String, Path, description = "Pathway id")),
    responses(
        (status = 204, description = "Followed"),
        (status = 401, description = "Missing or invalid token", body = ProblemDocument, content_type = "application/problem+json"),
        (status = 403, description = "The caller is not a learner", body = ProblemDocument, content_type = "application/problem+json"),
        (status = 404, description = "No such pathway", body = ProblemDocument, content_type = "application/problem+json"),
    )
)]
#[put("/v1/me/following/{pathway}")]
pub async fn follow(state: web::Data<AppState>, Learner(caller): Learner, path: web::Path<String>) -> ApiResult<HttpResponse> {
    let id: PathwayId = path_id(&path, "pathway")?;
    let ctx = Context::new(&state, caller.id);
    state.store.write_as(move |conn| pathways::follow(conn, &ctx, id)).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Stop following a pathway.
///
/// Learners only. Unfollowing one not followed is harmless.
#[utoipa::path(
    tag = "progress",
    security(("bearer" = [])),
    params(("pathway" = String, Path, description = "Pathway id")),
    responses(
        (status = 204, description = "Not followed"),
        (status = 401, description = "Missing or invalid token", body = ProblemDocument, content_type = "application/problem+json"),
        (status = 403, description = "The caller is not a learner", body = ProblemDocument, content_type = "application/problem+json"),
        (status = 404, description = "Not a pathway id", body = ProblemDocument, content_type = "application/problem+json"),
    )
)]
#[delete("/v1/me/following/{pathway}")]
pub async fn unfollow(state: web::Data<AppState>, Learner(caller): Learner, path: web::Path<String>) -> ApiResult<HttpResponse> {
    let id: PathwayId = path_id(&path, "pathway")?;
    let ctx = Context::new(&state, caller.id);
    state.store.write_as(move |conn| pathways::unfollow(conn, &ctx, id)).await?;
    Ok(HttpResponse::NoContent().finish())
}
