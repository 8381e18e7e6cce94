use actix_web::{HttpResponse, post, web};
use cairn_domain::OrgId;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::app::AppState;
use crate::auth::Issuer;
use crate::extract::{JsonBody, from_value, path_id};
use crate::issuance::{self, IssueRequest};
use crate::problem::{ApiError, ApiResult, ProblemDocument};
use crate::routes::credentials_issue::issue_one;
use crate::routes::views::CredentialView;
use crate::store::StoreError;

/// Most items in one batch request.
pub const MAX_ITEMS: usize = 2_000;
/// Bodies of batch requests may be this large (2,000 items with evidence).
pub const BODY_LIMIT: usize = 16 * 1024 * 1024;

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BatchRequest {
    /// 1 to 2,000 issue requests.
    #[schema(value_type = Vec<IssueRequest>)]
    items: Vec<serde_json::Value>,
}

#[derive(Serialize, ToSchema)]
pub struct BatchItemResult {
    /// The item's position in the request.
    index: usize,
    /// `issued` or `failed`.
    outcome: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    credential: Option<CredentialView>,
    /// Why the item failed (a problem document).
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<ProblemDocument>,
}

#[derive(Serialize, ToSchema)]
pub struct BatchResponse {
    issued: usize,
    failed: usize,
    results: Vec<BatchItemResult>,
}

/// Issue many credentials at once.
///
/// Issuers of that institution only. Each item succeeds or fails on its own
/// (a failed item leaves nothing behind); the response lists every item's
/// outcome in request order.
#[utoipa::path(
    tag = "credentials",
    security(("bearer" = [])),
    params(("org" = String, Path, description = "Institution id")),
    request_body = BatchRequest,
    responses(
        (status = 200, description = "Every item's outcome", body = BatchResponse),
        (status = 401, description = "Missing or invalid token", body = ProblemDocument, content_type = "application/problem+json"),
        (status = 403, description = "The caller is not an issuer", body = ProblemDocument, content_type = "application/problem+json"),
        (status = 404, description = "Not the caller's institution", body = ProblemDocument, content_type = "application/problem+json"),
        (status = 413, description = "Body too large", body = ProblemDocument, content_type = "application/problem+json"),
        (status = 422, description = "Not a batch (no items, or too many)", body = ProblemDocument, content_type = "application/problem+json"),
    )
)]
#[post("/v1/orgs/{org}/credentials/batch")]
pub async fn issue_batch(
    state: web::Data<AppState>,
    issuer: Issuer,
    path: web::Path<String>,
    body: JsonBody<BatchRequest, BODY_LIMIT>,
) -> ApiResult<HttpResponse> {
    let org: OrgId = path_id(&path, "organisation")?;
    if org != issuer.org {
        return Err(ApiError::NotFound("organisation".into()));
    }
    let items = body.0.items;
    if items.is_empty() || items.len() > MAX_ITEMS {
        return Err(ApiError::invalid_field("items", format!("give 1 to {MAX_ITEMS} items")));
    }
    // Shape errors are known before touching the database.
    let parsed: Vec<Result<IssueRequest, ApiError>> = items.into_iter().map(from_value).collect();
    let actor = issuer.caller.id;
    let state_ref = state.clone();
    let results = state
        .store
        .write(move |conn| {
            let signer = issuance::Issuer::load(conn, &state_ref.master, &state_ref.public_url, org)?;
            let graph = crate::stacking_bridge::load_graph(conn)?;
            let mut results = Vec::with_capacity(parsed.len());
            for (index, item) in parsed.into_iter().enumerate() {
                let outcome = match item {
                    Err(error) => Err(error),
                    // A savepoint per item: a failure undoes that item only.
                    Ok(request) => {
                        use diesel::Connection;
                        conn.transaction(|conn| issue_one(conn, &state_ref, &graph, &signer, request, actor)).map_err(|e: StoreError| ApiError::from(e))
                    }
                };
                results.push(match outcome {
                    Ok(view) => BatchItemResult { index, outcome: "issued", credential: Some(view), error: None },
                    Err(error) => BatchItemResult { index, outcome: "failed", credential: None, error: Some(error.problem()) },
                });
            }
            Ok(results)
        })
        .await?;
    let issued = results.iter().filter(|r| r.credential.is_some()).count();
    Ok(HttpResponse::Ok().json(BatchResponse { issued, failed: results.len() - issued, results }))
}
