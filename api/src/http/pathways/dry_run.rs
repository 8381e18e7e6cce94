//! A dry run of a new or changed pathway: how many learners it would award
//! now, before it is switched on. Nothing is written.

use actix_web::{HttpResponse, post, web};
use cairn_domain::{OrgId, PathwayId};
use cairn_stacking::{EvalOptions, Pathway, Status};
use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;

use crate::state::AppState;
use crate::http::caller::Issuer;
use crate::http::extract::{JsonBody, path_id};
use crate::http::problem::{ApiError, ApiResult, ProblemDocument};
use crate::http::pathways::parse_rule;
use crate::services::pathways::graph_error;
use crate::services::awards;
use crate::store::{StoreError, credentials, pathways};

/// What the pathway would do if registered (or changed) now.
#[derive(Debug, Serialize, ToSchema)]
pub struct DryRun {
    /// Learners holding at least one credential, all evaluated.
    learners_evaluated: u64,
    /// Learners who complete it now (each would be awarded, or queued for
    /// review).
    would_complete: u64,
    /// Of those, learners who already hold an award of the current version.
    already_awarded: u64,
    /// Learners with some progress but not complete.
    in_progress: u64,
    evaluated_at: DateTime<Utc>,
}

fn run(conn: &mut crate::store::DbConn, pathway: Pathway) -> crate::store::StoreResult<DryRun> {
    let mut graph = awards::load_graph(conn)?;
    graph.register(pathway.clone()).map_err(graph_error)?;
    let now = Utc::now();
    let mut result = DryRun { learners_evaluated: 0, would_complete: 0, already_awarded: 0, in_progress: 0, evaluated_at: now };
    for learner in credentials::learners_with_credentials(conn)? {
        let facts = awards::learner_facts(conn, learner)?;
        result.learners_evaluated += 1;
        let outcome = cairn_stacking::evaluate_with(&graph, pathway.id, &facts, now, &EvalOptions::without_plan())
            .map_err(|e| StoreError::Invalid { field: "requirement".into(), message: e.to_string() })?;
        match outcome.status {
            Status::Complete => {
                result.would_complete += 1;
                if pathways::find_award(conn, pathway.id, learner)?.is_some() {
                    result.already_awarded += 1;
                }
            }
            Status::InProgress => result.in_progress += 1,
            Status::NotStarted => {}
        }
    }
    Ok(result)
}

/// Dry run of a new pathway: validated like a registration, evaluated for
/// every learner, and not saved.
///
/// Issuers of that institution only (others get 404).
#[utoipa::path(
    tag = "pathways",
    security(("bearer" = [])),
    params(("org" = String, Path, description = "Institution id")),
    request_body(content = cairn_stacking::PathwayRule, description = "The pathway rule, as for registration"),
    responses(
        (status = 200, description = "What it would do", body = DryRun),
        (status = 401, description = "Missing or invalid token", body = ProblemDocument, content_type = "application/problem+json"),
        (status = 403, description = "The caller is not an issuer", body = ProblemDocument, content_type = "application/problem+json"),
        (status = 404, description = "Not the caller's institution", body = ProblemDocument, content_type = "application/problem+json"),
        (status = 422, description = "Invalid rule", body = ProblemDocument, content_type = "application/problem+json"),
    )
)]
#[post("/v1/orgs/{org}/pathways/dry-run")]
pub async fn dry_run_new(state: web::Data<AppState>, issuer: Issuer, path: web::Path<String>, body: JsonBody<serde_json::Value>) -> ApiResult<HttpResponse> {
    let org: OrgId = path_id(&path, "organisation")?;
    if org != issuer.org {
        return Err(ApiError::NotFound("organisation".into()));
    }
    let pathway = Pathway { id: PathwayId::new(), issuer: org, rule: parse_rule(body.0)? };
    let result = state.store.read(move |conn| run(conn, pathway)).await?;
    Ok(HttpResponse::Ok().json(result))
}

/// Dry run of a changed pathway: the new rule in place of the current one,
/// evaluated for every learner, and not saved.
///
/// Issuers of the pathway's institution only (others get 404).
#[utoipa::path(
    tag = "pathways",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "Pathway id")),
    request_body(content = cairn_stacking::PathwayRule, description = "The new rule, as for an update"),
    responses(
        (status = 200, description = "What it would do", body = DryRun),
        (status = 401, description = "Missing or invalid token", body = ProblemDocument, content_type = "application/problem+json"),
        (status = 403, description = "The caller is not an issuer", body = ProblemDocument, content_type = "application/problem+json"),
        (status = 404, description = "No such pathway in the caller's institution", body = ProblemDocument, content_type = "application/problem+json"),
        (status = 422, description = "Invalid rule", body = ProblemDocument, content_type = "application/problem+json"),
    )
)]
#[post("/v1/pathways/{id}/dry-run")]
pub async fn dry_run_change(state: web::Data<AppState>, issuer: Issuer, path: web::Path<String>, body: JsonBody<serde_json::Value>) -> ApiResult<HttpResponse> {
    let id: PathwayId = path_id(&path, "pathway")?;
    let rule = parse_rule(body.0)?;
    let result = state
        .store
        .read(move |conn| {
            let current = pathways::find(conn, id)?.filter(|p| p.pathway.issuer == issuer.org).ok_or(StoreError::NotFound("pathway"))?;
            run(conn, Pathway { id, issuer: current.pathway.issuer, rule })
        })
        .await?;
    Ok(HttpResponse::Ok().json(result))
}
