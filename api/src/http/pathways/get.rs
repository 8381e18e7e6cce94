use actix_web::{HttpResponse, get, web};
use cairn_domain::{OrgId, PathwayId};
use serde::Deserialize;
use utoipa::IntoParams;

use crate::http::extract::{PageQuery, path_id};
use crate::http::problem::{ApiError, ApiResult, ProblemDocument};
use crate::http::views::{PathwayPage, PathwayView};
use crate::state::AppState;
use crate::store::{StoreError, orgs, pathways};

/// One pathway: its current rule and version.
///
/// Public.
#[utoipa::path(
    tag = "pathways",
    params(("id" = String, Path, description = "Pathway id")),
    responses(
        (status = 200, description = "The pathway", body = PathwayView),
        (status = 404, description = "No such pathway", body = ProblemDocument, content_type = "application/problem+json"),
    )
)]
#[get("/v1/pathways/{id}")]
pub async fn get_pathway(state: web::Data<AppState>, path: web::Path<String>) -> ApiResult<HttpResponse> {
    let id: PathwayId = path_id(&path, "pathway")?;
    let stored = state.store.read(move |conn| pathways::find(conn, id)).await?.ok_or_else(|| ApiError::NotFound("pathway".into()))?;
    Ok(HttpResponse::Ok().json(PathwayView::from(stored)))
}

/// An institution's pathways, oldest first.
///
/// Public.
#[utoipa::path(
    tag = "pathways",
    params(("org" = String, Path, description = "Institution id"), PageQuery),
    responses(
        (status = 200, description = "A page of pathways", body = PathwayPage),
        (status = 404, description = "No such organisation", body = ProblemDocument, content_type = "application/problem+json"),
    )
)]
#[get("/v1/orgs/{org}/pathways")]
pub async fn list_pathways(
    state: web::Data<AppState>,
    path: web::Path<String>,
    query: crate::http::extract::Query<PageQuery>,
) -> ApiResult<HttpResponse> {
    let org: OrgId = path_id(&path, "organisation")?;
    let page = query.parse::<PathwayId>()?;
    let (after, limit) = (page.after, page.fetch_limit());
    let rows = state
        .store
        .read(move |conn| {
            orgs::find(conn, org)?.ok_or(StoreError::NotFound("organisation"))?;
            pathways::list(conn, org, after, limit)
        })
        .await?;
    let (rows, next_cursor) = page.finish(rows, |p| p.pathway.id);
    Ok(HttpResponse::Ok().json(PathwayPage { items: rows.into_iter().map(PathwayView::from).collect(), next_cursor }))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct GraphQuery {
    /// `dot` for Graphviz; default JSON.
    #[param(schema_with = graph_format_schema)]
    format: Option<String>,
}

fn graph_format_schema() -> utoipa::openapi::schema::Object {
    crate::http::openapi::string_enum(&["json", "dot"])
}

/// The pathway's graph: the achievements and pathways it stacks, and what
/// builds on it.
///
/// Public. JSON (`nodes`, `edges`), or Graphviz DOT with `?format=dot`.
#[utoipa::path(
    tag = "pathways",
    params(("id" = String, Path, description = "Pathway id"), GraphQuery),
    responses(
        (status = 200, description = "The graph: JSON, or Graphviz DOT with `?format=dot`", content((Object = "application/json"), (String = "text/vnd.graphviz"))),
        (status = 404, description = "No such pathway", body = ProblemDocument, content_type = "application/problem+json"),
        (status = 400, description = "Unknown format", body = ProblemDocument, content_type = "application/problem+json"),
    )
)]
#[get("/v1/pathways/{id}/graph")]
pub async fn pathway_graph(
    state: web::Data<AppState>,
    path: web::Path<String>,
    query: crate::http::extract::Query<GraphQuery>,
) -> ApiResult<HttpResponse> {
    let id: PathwayId = path_id(&path, "pathway")?;
    let dot = match query.format.as_deref() {
        None | Some("json") => false,
        Some("dot") => true,
        Some(_) => return Err(ApiError::invalid_query("format", "expected `json` or `dot`")),
    };
    let graphs = state.graphs.clone();
    let graph = state
        .store
        .read(move |conn| {
            pathways::find(conn, id)?.ok_or(StoreError::NotFound("pathway"))?;
            Ok(graphs.current(conn)?.1)
        })
        .await?;
    Ok(if dot {
        HttpResponse::Ok().content_type("text/vnd.graphviz").body(graph.to_dot(Some(id)))
    } else {
        HttpResponse::Ok().json(graph.to_json(Some(id)))
    })
}
