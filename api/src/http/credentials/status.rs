//! Revoke, suspend, reinstate: three verbs over one state machine.
//! active → suspended → active (reinstate); active | suspended → revoked
//! (final: a revoked credential is never reinstated).

use actix_web::{HttpResponse, post, web};
use cairn_domain::CredentialId;
use serde::Deserialize;
use utoipa::ToSchema;

use crate::state::AppState;
use crate::http::caller::Issuer;
use crate::http::extract::{JsonBody, path_id};
use crate::http::problem::{ApiResult, ProblemDocument};
use crate::http::views::CredentialView;
use crate::store::credentials::{self, CredentialStatus};
use crate::store::{StoreError, audit, cascades};
use crate::services::verification::{self, Presented};

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
        return Err(crate::http::problem::ApiError::invalid_field("reason", "give a reason of 1 to 1000 characters"));
    }
    let public_url = state.public_url.clone();
    let master = state.master.clone();
    let view = state
        .store
        .write(move |conn| {
            let credential = credentials::find(conn, id)?
                .filter(|c| issuer.caller.is_staff_of(c.org))
                .ok_or(StoreError::NotFound("credential"))?;
            if let Some(learner) = credential.learner {
                credentials::lock_holder(conn, learner)?;
            }
            if !credentials::transition_allowed(credential.status, target) {
                return Err(StoreError::Conflict(format!(
                    "a {} credential cannot be {}",
                    credential.status.as_str(),
                    match target {
                        CredentialStatus::Active => "reinstated",
                        CredentialStatus::Suspended => "suspended",
                        CredentialStatus::Revoked => "revoked",
                    }
                )));
            }
            // Conditional on the status just read: a concurrent change that
            // committed in between makes this a 409, never an overwrite.
            credentials::set_status(conn, id, credential.status, target, &reason, Some(issuer.caller.id))?;
            let action = match target {
                CredentialStatus::Active => audit::Action::CredentialReinstate,
                CredentialStatus::Suspended => audit::Action::CredentialSuspend,
                CredentialStatus::Revoked => audit::Action::CredentialRevoke,
            };
            audit::record(
                conn,
                audit::Entry::new(action, "credential", id.to_string())
                    .actor(issuer.caller.id)
                    .org(credential.org)
                    .learner(credential.learner)
                    .detail(serde_json::json!({ "reason": reason, "learner": credential.learner })),
            )?;
            let updated = credentials::find(conn, id)?.ok_or(StoreError::NotFound("credential"))?;
            // A direct change of an award credential overrides the cascade's
            // record of having suspended it.
            cascades::clear(conn, id)?;
            // Semantic 9, one rule both ways: every award built on this
            // credential gets the status its pathway gives now (active,
            // suspended while it would hold with the suspended credentials
            // back, revoked otherwise). A reinstated credential may also
            // complete pathways anew.
            let graph = crate::services::awards::load_graph(conn)?;
            if let Some(learner) = updated.learner {
                let affected = graph.affected_by_achievement(updated.achievement).into_iter().collect();
                let change = match target {
                    CredentialStatus::Active => crate::services::awards::Change::Reinstated,
                    CredentialStatus::Suspended => crate::services::awards::Change::Suspended,
                    CredentialStatus::Revoked => crate::services::awards::Change::Revoked,
                };
                crate::services::awards::recheck_awards(conn, &graph, learner, &affected, id, change, issuer.caller.id)?;
                if target == CredentialStatus::Active {
                    crate::services::awards::award_completed(conn, &graph, &master, &public_url, learner, affected, issuer.caller.id)?;
                }
            }
            let verification = verification::verify(conn, &public_url, &Presented::Jwt(updated.jwt.clone()), chrono::Utc::now())?;
            Ok(CredentialView::new(updated, verification, None, None))
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
