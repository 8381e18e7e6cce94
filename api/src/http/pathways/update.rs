use actix_web::{HttpResponse, put, web};
use cairn_domain::PathwayId;

use crate::http::caller::Issuer;
use crate::http::extract::{JsonBody, path_id};
use crate::http::jobs::JobLink;
use crate::http::pathways::{PathwayWithJob, parse_rule};
use crate::http::problem::{ApiError, ApiResult, ProblemDocument};
use crate::http::views::PathwayView;
use crate::services::jobs::JobSignal;
use crate::services::{Context, pathways};
use crate::state::AppState;

/// Replace a pathway's rule (a new version).
///
/// Issuers of the pathway's institution only (others get 404). Awards
/// already earned keep the version they were earned under. The new version
/// is in force at once; learners who complete it are awarded by a
/// background job, the response's `job` (follow its `url`).
#[utoipa::path(
    tag = "pathways",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "Pathway id")),
    request_body(content = cairn_stacking::PathwayRule, description = "The new rule"),
    responses(
        (status = 200, description = "The new version; `job` awards the learners who complete it", body = PathwayWithJob),
        (status = 401, description = "Missing or invalid token", body = ProblemDocument, content_type = "application/problem+json"),
        (status = 403, description = "The caller is not an issuer", body = ProblemDocument, content_type = "application/problem+json"),
        (status = 404, description = "No such pathway in the caller's institution", body = ProblemDocument, content_type = "application/problem+json"),
        (status = 409, description = "Another update of this pathway came first (read it again and retry), or it would start awarding a retired achievement", body = ProblemDocument, content_type = "application/problem+json"),
        (status = 422, description = "Invalid rule", body = ProblemDocument, content_type = "application/problem+json"),
    )
)]
#[put("/v1/pathways/{id}")]
pub async fn update_pathway(
    state: web::Data<AppState>,
    signal: web::Data<JobSignal>,
    issuer: Issuer,
    path: web::Path<String>,
    body: JsonBody<serde_json::Value>,
) -> ApiResult<HttpResponse> {
    let id: PathwayId = path_id(&path, "pathway")?;
    let rule = parse_rule(body.0)?;
    let state_ref = state.clone();
    let (stored, job) = state
        .store
        .write_as(move |conn| {
            let ctx = Context::new(&state_ref, issuer.caller.id);
            Ok::<_, ApiError>(pathways::update(conn, &ctx, issuer.org, id, rule)?)
        })
        .await?;
    signal.wake();
    Ok(HttpResponse::Ok().json(PathwayWithJob { pathway: PathwayView::from(stored), job: JobLink::new(&job, &state.public_url) }))
}
