use actix_web::{HttpRequest, HttpResponse, post, web};
use cairn_domain::OrgId;

use crate::http::caller::Issuer;
use crate::http::extract::{JsonBody, from_value, idempotency_key, path_id};
use crate::http::problem::{ApiError, ApiResult, ProblemDocument};
use crate::http::views::CredentialView;
use crate::services::Context;
use crate::services::issuing::{self, IssueRequest};
use crate::signing;
use crate::state::AppState;

/// Issue a credential.
///
/// Issuers of that institution only (others get 404 for the organisation).
/// The recipient is a learner account or an e-mail address; an address
/// without an account gets a `claim_code` in the response. A retried request
/// with the same `Idempotency-Key` header returns the first response and
/// issues nothing new; the same key with a different body is a 422.
#[utoipa::path(
    tag = "credentials",
    security(("bearer" = [])),
    params(
        ("org" = String, Path, description = "Institution id"),
        ("Idempotency-Key" = Option<String>, Header, description = "Makes retries safe"),
    ),
    request_body = IssueRequest,
    responses(
        (status = 201, description = "Issued: the credential with its OB 3.0 JSON and VC-JWT", body = CredentialView),
        (status = 401, description = "Missing or invalid token", body = ProblemDocument, content_type = "application/problem+json"),
        (status = 403, description = "The caller is not an issuer", body = ProblemDocument, content_type = "application/problem+json"),
        (status = 404, description = "Not the caller's institution", body = ProblemDocument, content_type = "application/problem+json"),
        (status = 422, description = "Invalid request (unknown achievement, recipient, dates…)", body = ProblemDocument, content_type = "application/problem+json"),
    )
)]
#[post("/v1/orgs/{org}/credentials")]
pub async fn issue_credential(
    req: HttpRequest,
    state: web::Data<AppState>,
    issuer: Issuer,
    path: web::Path<String>,
    body: JsonBody<serde_json::Value>,
) -> ApiResult<HttpResponse> {
    let org: OrgId = path_id(&path, "organisation")?;
    if org != issuer.org {
        return Err(ApiError::NotFound("organisation".into()));
    }
    let key = idempotency_key(&req)?;
    let request_hash = signing::hash_secret(&body.0.to_string());
    let request: IssueRequest = from_value(body.0)?;
    let actor = issuer.caller.id;
    let state_ref = state.clone();
    let (status, response) = state
        .store
        .write_as(move |conn| {
            let ctx = Context::new(&state_ref, actor);
            issuing::idempotent(conn, &ctx, key.as_deref(), request_hash, 201, |conn| {
                let view = issuing::issue_one(conn, &ctx, org, request)?;
                serde_json::to_string(&view).map_err(ApiError::internal)
            })
        })
        .await?;
    let status = actix_web::http::StatusCode::from_u16(status).map_err(ApiError::internal)?;
    Ok(HttpResponse::build(status).content_type("application/json").body(response))
}
