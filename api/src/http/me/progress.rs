use actix_web::{HttpResponse, get, post, web};
use cairn_domain::{AchievementId, PathwayId};
use cairn_stacking::{EvalOptions, Outcome, Status};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::http::caller::Learner;
use crate::http::extract::{JsonBody, path_id};
use crate::http::problem::{ApiError, ApiResult, ProblemDocument};
use crate::services::{awards, progress};
use crate::state::AppState;
use crate::store::StoreError;

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct AtQuery {
    /// Evaluate at this instant (RFC 3339) instead of now.
    at: Option<DateTime<Utc>>,
}

#[derive(Serialize, ToSchema)]
pub struct ProgressList {
    /// One outcome per pathway (DESIGN.md "Outcome"), nested pathways first.
    items: Vec<Outcome>,
}

/// The caller's progress toward every pathway they have started or follow.
///
/// Learners only. Lists every pathway toward which the learner holds at
/// least one eligible credential (status `in_progress` or `complete`).
#[utoipa::path(
    tag = "progress",
    security(("bearer" = [])),
    params(AtQuery),
    responses(
        (status = 200, description = "Outcomes", body = ProgressList),
        (status = 401, description = "Missing or invalid token", body = ProblemDocument, content_type = "application/problem+json"),
        (status = 403, description = "The caller is not a learner", body = ProblemDocument, content_type = "application/problem+json"),
    )
)]
#[get("/v1/me/progress")]
pub async fn my_progress(
    state: web::Data<AppState>,
    Learner(caller): Learner,
    query: crate::http::extract::Query<AtQuery>,
) -> ApiResult<HttpResponse> {
    let graphs = state.graphs.clone();
    let Some(at) = query.at else {
        let now = crate::store::time::now();
        let learner = caller.id;
        let body = match state.store.read(move |conn| progress::current(conn, &graphs, learner, now)).await? {
            Some(body) => body,
            None => {
                let graphs = state.graphs.clone();
                state.store.write(move |conn| progress::settle_now(conn, &graphs, learner, now)).await?
            }
        };
        return Ok(HttpResponse::Ok().content_type("application/json").body(body));
    };
    let items = state
        .store
        .read(move |conn| {
            let (_, graph) = graphs.current(conn)?;
            progress::evaluate_at(conn, &graph, caller.id, at)
        })
        .await?;
    Ok(HttpResponse::Ok().json(ProgressList { items }))
}

/// The caller's progress toward one pathway, with the explanation tree and
/// what to earn next.
///
/// Learners only.
#[utoipa::path(
    tag = "progress",
    security(("bearer" = [])),
    params(("pathway" = String, Path, description = "Pathway id"), AtQuery),
    responses(
        (status = 200, description = "The outcome (DESIGN.md \"Outcome\")", body = Outcome),
        (status = 401, description = "Missing or invalid token", body = ProblemDocument, content_type = "application/problem+json"),
        (status = 403, description = "The caller is not a learner", body = ProblemDocument, content_type = "application/problem+json"),
        (status = 404, description = "No such pathway", body = ProblemDocument, content_type = "application/problem+json"),
    )
)]
#[get("/v1/me/progress/{pathway}")]
pub async fn my_progress_one(
    state: web::Data<AppState>,
    Learner(caller): Learner,
    path: web::Path<String>,
    query: crate::http::extract::Query<AtQuery>,
) -> ApiResult<HttpResponse> {
    let id: PathwayId = path_id(&path, "pathway")?;
    if query.at.is_none() {
        let (now, learner, graphs) = (crate::store::time::now(), caller.id, state.graphs.clone());
        let stored = match state.store.read(move |conn| progress::current_one(conn, &graphs, learner, id, now)).await? {
            Some(stored) => stored,
            None => {
                let graphs = state.graphs.clone();
                state.store.write(move |conn| progress::settle_one(conn, &graphs, learner, id, now)).await?
            }
        };
        if let Some(outcome) = stored {
            return Ok(HttpResponse::Ok().content_type("application/json").body(outcome));
        }
    }
    // Not stored (not started, not followed) or asked at another instant.
    let at = query.at.unwrap_or_else(Utc::now);
    let graphs = state.graphs.clone();
    let outcome = state
        .store
        .read(move |conn| {
            let (_, graph) = graphs.current(conn)?;
            if graph.pathway(id).is_none() {
                return Err(StoreError::NotFound("pathway"));
            }
            let facts = awards::learner_facts(conn, caller.id)?;
            cairn_stacking::evaluate(&graph, id, &facts, at).map_err(|e| StoreError::Invalid { field: "pathway".into(), message: e.to_string() })
        })
        .await?;
    Ok(HttpResponse::Ok().json(outcome))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({ "add": ["01937c2e-5a10-7000-8000-0000000000a2"], "at": "2026-06-01T00:00:00Z" }))]
pub struct WhatIfRequest {
    /// Catalog achievements to pretend the learner earned (at `at`).
    #[schema(value_type = Vec<uuid::Uuid>, max_items = 100)]
    add: Vec<AchievementId>,
    #[serde(default)]
    at: Option<DateTime<Utc>>,
}

/// Outcomes as if the caller had also earned some achievements.
///
/// Learners only. Nothing is stored.
#[utoipa::path(
    tag = "progress",
    security(("bearer" = [])),
    request_body = WhatIfRequest,
    responses(
        (status = 200, description = "Outcomes of every pathway the learner would have started", body = ProgressList),
        (status = 401, description = "Missing or invalid token", body = ProblemDocument, content_type = "application/problem+json"),
        (status = 403, description = "The caller is not a learner", body = ProblemDocument, content_type = "application/problem+json"),
        (status = 422, description = "Unknown achievement", body = ProblemDocument, content_type = "application/problem+json"),
    )
)]
#[post("/v1/me/what-if")]
pub async fn what_if(state: web::Data<AppState>, Learner(caller): Learner, body: JsonBody<WhatIfRequest>) -> ApiResult<HttpResponse> {
    let WhatIfRequest { add, at } = body.0;
    if add.len() > 100 {
        return Err(ApiError::invalid_field("add", "at most 100 achievements"));
    }
    let at = at.unwrap_or_else(Utc::now);
    let graphs = state.graphs.clone();
    let items = state
        .store
        .read(move |conn| {
            let (_, graph) = graphs.current(conn)?;
            if let Some(unknown) = add.iter().find(|a| !graph.catalog().contains_key(a)) {
                return Err(StoreError::Invalid { field: "add".into(), message: format!("unknown achievement {unknown}") });
            }
            let facts = awards::learner_facts(conn, caller.id)?;
            let items: Vec<Outcome> = cairn_stacking::what_if_all(&graph, &facts, &add, at, &EvalOptions::default())
                .map_err(|e| StoreError::Invalid { field: "add".into(), message: e.to_string() })?
                .into_iter()
                .filter_map(|(_, result)| result.ok())
                .filter(|o| o.status != Status::NotStarted)
                .collect();
            Ok(items)
        })
        .await?;
    Ok(HttpResponse::Ok().json(ProgressList { items }))
}
