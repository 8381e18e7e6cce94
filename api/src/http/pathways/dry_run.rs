//! A dry run of a new or changed pathway: how many learners it would award
//! now, before it is switched on. The rule is validated at once; the
//! evaluation of every learner is a background job (202 with its URL), and
//! the finished job's `result` holds the figures. Nothing is registered.

use actix_web::{HttpResponse, post, web};
use cairn_domain::{OrgId, PathwayId};

use crate::http::caller::Issuer;
use crate::http::extract::{JsonBody, path_id};
use crate::http::jobs::{JobLink, location};
use crate::http::pathways::parse_rule;
use crate::http::problem::{ApiError, ApiResult, ProblemDocument};
use crate::services::jobs::JobSignal;
use crate::services::{Context, pathways};
use crate::state::AppState;
use crate::store::jobs::Job;

/// Dry run of a new pathway: validated like a registration, evaluated for
/// every learner by a background job, and not saved.
///
/// Issuers of that institution only (others get 404). Answers 202 with the
/// job (also in `Location`); `GET /v1/jobs/{id}` gives the figures once it
/// succeeded.
#[utoipa::path(
    tag = "pathways",
    security(("bearer" = [])),
    params(("org" = String, Path, description = "Institution id")),
    request_body(content = cairn_stacking::PathwayRule, description = "The pathway rule, as for registration"),
    responses(
        (status = 202, description = "The dry run is under way", body = JobLink,
            headers(("Location" = String, description = "The job: `/v1/jobs/{id}`"))),
        (status = 401, description = "Missing or invalid token", body = ProblemDocument, content_type = "application/problem+json"),
        (status = 403, description = "The caller is not an issuer", body = ProblemDocument, content_type = "application/problem+json"),
        (status = 404, description = "Not the caller's institution", body = ProblemDocument, content_type = "application/problem+json"),
        (status = 422, description = "Invalid rule", body = ProblemDocument, content_type = "application/problem+json"),
    )
)]
#[post("/v1/orgs/{org}/pathways/dry-run")]
pub async fn dry_run_new(
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
    let ctx = Context::new(&state, issuer.caller.id);
    let job = state.store.write_as(move |conn| Ok::<_, ApiError>(pathways::dry_run_new(conn, &ctx, org, rule)?)).await?;
    Ok(accepted(&state, &signal, &job))
}

/// Dry run of a changed pathway: the new rule in place of the current one,
/// evaluated for every learner by a background job, and not saved.
///
/// Issuers of the pathway's institution only (others get 404). Answers 202
/// with the job, as for a new pathway.
#[utoipa::path(
    tag = "pathways",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "Pathway id")),
    request_body(content = cairn_stacking::PathwayRule, description = "The new rule, as for an update"),
    responses(
        (status = 202, description = "The dry run is under way", body = JobLink,
            headers(("Location" = String, description = "The job: `/v1/jobs/{id}`"))),
        (status = 401, description = "Missing or invalid token", body = ProblemDocument, content_type = "application/problem+json"),
        (status = 403, description = "The caller is not an issuer", body = ProblemDocument, content_type = "application/problem+json"),
        (status = 404, description = "No such pathway in the caller's institution", body = ProblemDocument, content_type = "application/problem+json"),
        (status = 422, description = "Invalid rule", body = ProblemDocument, content_type = "application/problem+json"),
    )
)]
#[post("/v1/pathways/{id}/dry-run")]
pub async fn dry_run_change(
    state: web::Data<AppState>,
    signal: web::Data<JobSignal>,
    issuer: Issuer,
    path: web::Path<String>,
    body: JsonBody<serde_json::Value>,
) -> ApiResult<HttpResponse> {
    let id: PathwayId = path_id(&path, "pathway")?;
    let rule = parse_rule(body.0)?;
    let ctx = Context::new(&state, issuer.caller.id);
    let job = state.store.write_as(move |conn| Ok::<_, ApiError>(pathways::dry_run_change(conn, &ctx, issuer.org, id, rule)?)).await?;
    Ok(accepted(&state, &signal, &job))
}

/// 202 with the job, once its transaction committed.
fn accepted(state: &AppState, signal: &JobSignal, job: &Job) -> HttpResponse {
    signal.wake();
    HttpResponse::Accepted().insert_header(("Location", location(job.id))).json(JobLink::new(job, &state.public_url))
}
