use actix_web::{HttpResponse, post, web};
use cairn_domain::OrgId;

use crate::http::caller::Issuer;
use crate::http::extract::{JsonBody, path_id};
use crate::http::jobs::JobLink;
use crate::http::pathways::{PathwayWithJob, parse_rule};
use crate::http::problem::{ApiError, ApiResult, ProblemDocument};
use crate::http::views::PathwayView;
use crate::services::jobs::JobSignal;
use crate::services::{Context, pathways};
use crate::state::AppState;

/// Register a pathway (a stacking rule) in the institution.
///
/// Issuers of that institution only (others get 404). The rule language is
/// in DESIGN.md; a cycle, an unknown achievement or pathway, an award outside
/// the institution's catalog or a rule that can never be satisfied is a 422
/// naming the problem. The pathway is in force at once (new credentials
/// count toward it); learners who already complete it are awarded by a
/// background job, the response's `job` (follow its `url`).
#[utoipa::path(
    tag = "pathways",
    security(("bearer" = [])),
    params(("org" = String, Path, description = "Institution id")),
    request_body(content = cairn_stacking::PathwayRule, description = "The pathway rule (DESIGN.md, \"The rule language\")"),
    responses(
        (status = 201, description = "Registered; `job` awards the learners who already complete it", body = PathwayWithJob),
        (status = 401, description = "Missing or invalid token", body = ProblemDocument, content_type = "application/problem+json"),
        (status = 403, description = "The caller is not an issuer", body = ProblemDocument, content_type = "application/problem+json"),
        (status = 404, description = "Not the caller's institution", body = ProblemDocument, content_type = "application/problem+json"),
        (status = 409, description = "The key is taken, or the award achievement is retired", body = ProblemDocument, content_type = "application/problem+json"),
        (status = 422, description = "Invalid rule", body = ProblemDocument, content_type = "application/problem+json"),
    )
)]
#[post("/v1/orgs/{org}/pathways")]
pub async fn create_pathway(
    state: web::Data<AppState>,
    signal: web::Data<JobSignal>,
    issuer: Issuer,
    path: web::Path<String>,
    body: JsonBody<serde_json::Value>,
) -> ApiResult<HttpResponse> {
    let org: OrgId = path_id(&path, "organisation")?;
    if org != issuer.org {
        return Err(ApiError::NotFound("organisation".into()));
    }
    let rule = parse_rule(body.0)?;
    let actor = issuer.caller.id;
    let state_ref = state.clone();
    let (stored, job) = state
        .store
        .write_as(move |conn| {
            let ctx = Context::new(&state_ref, actor);
            Ok::<_, ApiError>(pathways::register(conn, &ctx, org, rule)?)
        })
        .await?;
    signal.wake();
    Ok(HttpResponse::Created().json(PathwayWithJob { pathway: PathwayView::from(stored), job: JobLink::new(&job, &state.public_url) }))
}
