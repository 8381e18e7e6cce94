use actix_web::{HttpRequest, HttpResponse, post, web};
use cairn_domain::OrgId;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::http::caller::Issuer;
use crate::http::extract::{JsonBody, from_value, idempotency_key, path_id};
use crate::http::problem::{ApiError, ApiResult, ProblemDocument};
use crate::http::views::CredentialView;
use crate::services::Context;
use crate::services::issuing::{self, IssueRequest};
use crate::signing;
use crate::state::AppState;

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
/// outcome in request order. As for single issuing, a retried request with
/// the same `Idempotency-Key` header returns the first response and issues
/// nothing new; the same key with a different body is a 422.
#[utoipa::path(
    tag = "credentials",
    security(("bearer" = [])),
    params(
        ("org" = String, Path, description = "Institution id"),
        ("Idempotency-Key" = Option<String>, Header, description = "Makes retries safe"),
    ),
    request_body = BatchRequest,
    responses(
        (status = 200, description = "Every item's outcome", body = BatchResponse),
        (status = 401, description = "Missing or invalid token", body = ProblemDocument, content_type = "application/problem+json"),
        (status = 403, description = "The caller is not an issuer", body = ProblemDocument, content_type = "application/problem+json"),
        (status = 404, description = "Not the caller's institution", body = ProblemDocument, content_type = "application/problem+json"),
        (status = 409, description = "A request with this Idempotency-Key is still in progress; retry", body = ProblemDocument, content_type = "application/problem+json"),
        (status = 413, description = "Body too large", body = ProblemDocument, content_type = "application/problem+json"),
        (status = 422, description = "Not a batch (no items, or too many), or an Idempotency-Key already used with another body", body = ProblemDocument, content_type = "application/problem+json"),
    )
)]
#[post("/v1/orgs/{org}/credentials/batch")]
pub async fn issue_batch(
    req: HttpRequest,
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
    let key = idempotency_key(&req)?;
    // Hashed as single issuing hashes (the parsed JSON, so whitespace and key
    // order do not matter), marked as a batch: keys share one namespace per
    // account, and a batch's key replayed on single issuing is a 422.
    let request_hash = signing::hash_secret(&format!("batch:{}", serde_json::json!({ "items": items })));
    // Shape errors are known before touching the database.
    let parsed: Vec<Result<IssueRequest, ApiError>> = items.into_iter().map(from_value).collect();
    let actor = issuer.caller.id;
    let state_ref = state.clone();
    let (_, response) = state
        .store
        .write_as(move |conn| {
            let ctx = Context::new(&state_ref, actor);
            issuing::idempotent(conn, &ctx, key.as_deref(), request_hash, 200, |conn| {
                // Items that did not parse keep their place and their problem.
                let mut valid = Vec::with_capacity(parsed.len());
                let slots: Vec<Result<(), ApiError>> = parsed.into_iter().map(|item| item.map(|request| valid.push(request))).collect();
                let mut issued = issuing::issue_batch(conn, &ctx, org, valid)?.into_iter();
                let results: Vec<BatchItemResult> = slots
                    .into_iter()
                    .enumerate()
                    .map(|(index, slot)| {
                        let outcome = slot.and_then(|()| match issued.next() {
                            Some(outcome) => outcome.map_err(ApiError::from),
                            None => Err(ApiError::internal(anyhow::anyhow!("no outcome for batch item {index}"))),
                        });
                        match outcome {
                            Ok(view) => BatchItemResult { index, outcome: "issued", credential: Some(view), error: None },
                            Err(error) => BatchItemResult { index, outcome: "failed", credential: None, error: Some(error.problem()) },
                        }
                    })
                    .collect();
                let issued = results.iter().filter(|r| r.credential.is_some()).count();
                serde_json::to_string(&BatchResponse { issued, failed: results.len() - issued, results }).map_err(ApiError::internal)
            })
        })
        .await?;
    Ok(HttpResponse::Ok().content_type("application/json").body(response))
}
