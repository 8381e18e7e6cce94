//! Revoke, suspend, reinstate: three verbs over one state machine.
//! active → suspended → active (reinstate); active | suspended → revoked
//! (final: a revoked credential is never reinstated).

use actix_web::{HttpResponse, post, web};
use cairn_domain::CredentialId;
use serde::Deserialize;
use utoipa::ToSchema;

use crate::http::caller::Issuer;
use crate::http::extract::{JsonBody, path_id};
use crate::http::problem::{ApiError, ApiResult, ProblemDocument};
use crate::http::views::CredentialView;
use crate::services::Context;
use crate::services::credential_status;
use crate::state::AppState;
use crate::store::credentials::CredentialStatus;

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StatusChange {
    /// Why (recorded in the credential's history and the audit log).
    #[schema(min_length = 1, max_length = 1000)]
    reason: String,
}

async fn change(
    state: web::Data<AppState>,
    issuer: Issuer,
    path: web::Path<String>,
    body: StatusChange,
    target: CredentialStatus,
) -> ApiResult<HttpResponse> {
    let id: CredentialId = path_id(&path, "credential")?;
    let reason = body.reason.trim().to_owned();
    if reason.is_empty() || reason.chars().count() > 1000 {
        return Err(ApiError::invalid_field("reason", "give a reason of 1 to 1000 characters"));
    }
    let state_ref = state.clone();
    let view = state
        .store
        .write_as(move |conn| {
            let ctx = Context::new(&state_ref, issuer.caller.id);
            let (credential, verification) = credential_status::change(conn, &ctx, issuer.org, id, target, &reason)?;
            Ok::<_, ApiError>(CredentialView::new(credential, verification, None, None))
        })
        .await?;
    Ok(HttpResponse::Ok().json(view))
}

/// Revoke a credential (final).
///
/// Issuers of the credential's institution only; others get 404.
#[utoipa::path(
    tag = "credentials",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "Credential id")),
    request_body = StatusChange,
    responses(
        (status = 200, description = "Revoked", body = CredentialView),
        (status = 401, description = "Missing or invalid token", body = ProblemDocument, content_type = "application/problem+json"),
        (status = 403, description = "The caller is not an issuer", body = ProblemDocument, content_type = "application/problem+json"),
        (status = 404, description = "No such credential in the caller's institution", body = ProblemDocument, content_type = "application/problem+json"),
        (status = 409, description = "Already revoked", body = ProblemDocument, content_type = "application/problem+json"),
    )
)]
#[post("/v1/credentials/{id}/revoke")]
pub async fn revoke(state: web::Data<AppState>, issuer: Issuer, path: web::Path<String>, body: JsonBody<StatusChange>) -> ApiResult<HttpResponse> {
    change(state, issuer, path, body.0, CredentialStatus::Revoked).await
}

/// Suspend a credential (until reinstated).
///
/// Issuers of the credential's institution only; others get 404.
#[utoipa::path(
    tag = "credentials",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "Credential id")),
    request_body = StatusChange,
    responses(
        (status = 200, description = "Suspended", body = CredentialView),
        (status = 401, description = "Missing or invalid token", body = ProblemDocument, content_type = "application/problem+json"),
        (status = 403, description = "The caller is not an issuer", body = ProblemDocument, content_type = "application/problem+json"),
        (status = 404, description = "No such credential in the caller's institution", body = ProblemDocument, content_type = "application/problem+json"),
        (status = 409, description = "Not active", body = ProblemDocument, content_type = "application/problem+json"),
    )
)]
#[post("/v1/credentials/{id}/suspend")]
pub async fn suspend(state: web::Data<AppState>, issuer: Issuer, path: web::Path<String>, body: JsonBody<StatusChange>) -> ApiResult<HttpResponse> {
    change(state, issuer, path, body.0, CredentialStatus::Suspended).await
}

/// Reinstate a suspended credential.
///
/// Issuers of the credential's institution only; others get 404.
#[utoipa::path(
    tag = "credentials",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "Credential id")),
    request_body = StatusChange,
    responses(
        (status = 200, description = "Active again", body = CredentialView),
        (status = 401, description = "Missing or invalid token", body = ProblemDocument, content_type = "application/problem+json"),
        (status = 403, description = "The caller is not an issuer", body = ProblemDocument, content_type = "application/problem+json"),
        (status = 404, description = "No such credential in the caller's institution", body = ProblemDocument, content_type = "application/problem+json"),
        (status = 409, description = "Not suspended (revocation is final)", body = ProblemDocument, content_type = "application/problem+json"),
    )
)]
#[post("/v1/credentials/{id}/reinstate")]
pub async fn reinstate(state: web::Data<AppState>, issuer: Issuer, path: web::Path<String>, body: JsonBody<StatusChange>) -> ApiResult<HttpResponse> {
    change(state, issuer, path, body.0, CredentialStatus::Active).await
}
