//! `POST /v1/orgs/{org}/credentials/status`: revoke, suspend or reinstate a
//! selection, each credential exactly as its single change
//! (`/v1/credentials/{id}/revoke|suspend|reinstate`) would, in its own
//! transaction; the answer says per credential what happened.

use actix_web::{HttpResponse, post, web};
use cairn_domain::{CredentialId, OrgId};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::http::caller::Issuer;
use crate::http::extract::{JsonBody, path_id};
use crate::http::problem::{ApiError, ApiResult, ProblemDocument};
use crate::services::Context;
use crate::services::issued::{self, BulkResult, MAX_BULK, Outcome};
use crate::state::AppState;
use crate::store::credentials::CredentialStatus;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum BulkAction {
    Revoke,
    Suspend,
    Reinstate,
}

impl BulkAction {
    pub fn target(self) -> CredentialStatus {
        match self {
            BulkAction::Revoke => CredentialStatus::Revoked,
            BulkAction::Suspend => CredentialStatus::Suspended,
            BulkAction::Reinstate => CredentialStatus::Active,
        }
    }
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BulkStatusRequest {
    /// 1 to 500 credential ids of the institution (a repeated id counts once).
    #[schema(value_type = Vec<String>, min_items = 1, max_items = 500)]
    credentials: Vec<CredentialId>,
    action: BulkAction,
    /// Why (recorded in each credential's history and the audit log).
    #[schema(min_length = 1, max_length = 1000)]
    reason: String,
}

/// An award a credential's cascade moved, and its status now.
#[derive(Serialize, ToSchema)]
pub struct CascadedView {
    #[schema(value_type = String, format = Uuid)]
    credential: CredentialId,
    status: CredentialStatus,
}

#[derive(Serialize, ToSchema)]
pub struct BulkItemResult {
    #[schema(value_type = String, format = Uuid)]
    credential: CredentialId,
    /// `changed`; `unchanged` (already in that status); `refused` (the
    /// change is not allowed: revoked is final); `not_found` (no such
    /// credential in the institution); `failed` (see `error`; nothing of it kept).
    #[schema(pattern = "^(changed|unchanged|refused|not_found|failed)$")]
    outcome: &'static str,
    /// The credential's status now (absent when not found).
    #[serde(skip_serializing_if = "Option::is_none")]
    status: Option<CredentialStatus>,
    /// Awards built on the credential whose status the cascade changed.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    cascade: Vec<CascadedView>,
    /// Awards a reinstatement completed anew.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    #[schema(value_type = Vec<String>)]
    awards_issued: Vec<CredentialId>,
    /// Why it was refused or failed (the single change's problem document).
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<ProblemDocument>,
}

impl From<BulkResult> for BulkItemResult {
    fn from(result: BulkResult) -> Self {
        let mut item = BulkItemResult {
            credential: result.credential,
            outcome: "not_found",
            status: None,
            cascade: Vec::new(),
            awards_issued: Vec::new(),
            error: None,
        };
        match result.outcome {
            Outcome::Changed { status, cascade, awards_issued } => {
                item.outcome = "changed";
                item.status = Some(status);
                item.cascade = cascade.into_iter().map(|c| CascadedView { credential: c.credential, status: c.status }).collect();
                item.awards_issued = awards_issued;
            }
            Outcome::Unchanged { status } => {
                item.outcome = "unchanged";
                item.status = Some(status);
            }
            Outcome::Refused { status, error } => {
                item.outcome = "refused";
                item.status = Some(status);
                item.error = Some(ApiError::from(error).problem());
            }
            Outcome::NotFound => {}
            Outcome::Failed { error } => {
                item.outcome = "failed";
                item.error = Some(ApiError::from(error).problem());
            }
        }
        item
    }
}

#[derive(Serialize, ToSchema)]
pub struct BulkStatusResponse {
    action: BulkAction,
    changed: usize,
    unchanged: usize,
    refused: usize,
    not_found: usize,
    failed: usize,
    /// One per distinct credential, in request order.
    results: Vec<BulkItemResult>,
}

/// Change the status of many credentials.
///
/// Issuers of that institution only (others get 404). Each credential is
/// changed as `POST /v1/credentials/{id}/revoke|suspend|reinstate` would
/// (the same rules, the same cascade to the awards built on it), in its own
/// transaction: one failure keeps nothing of itself and undoes nothing of
/// the others. An id of another institution's credential is `not_found`.
#[utoipa::path(
    tag = "credentials",
    security(("bearer" = [])),
    params(("org" = String, Path, description = "Institution id")),
    request_body = BulkStatusRequest,
    responses(
        (status = 200, description = "Every credential's outcome", body = BulkStatusResponse),
        (status = 401, description = "Missing or invalid token", body = ProblemDocument, content_type = "application/problem+json"),
        (status = 403, description = "The caller is not an issuer", body = ProblemDocument, content_type = "application/problem+json"),
        (status = 404, description = "Not the caller's institution", body = ProblemDocument, content_type = "application/problem+json"),
        (status = 413, description = "Body too large", body = ProblemDocument, content_type = "application/problem+json"),
        (status = 422, description = "No or too many credentials, a malformed id, an unknown action, or no reason", body = ProblemDocument, content_type = "application/problem+json"),
    )
)]
#[post("/v1/orgs/{org}/credentials/status")]
pub async fn change_status(
    state: web::Data<AppState>,
    issuer: Issuer,
    path: web::Path<String>,
    body: JsonBody<BulkStatusRequest>,
) -> ApiResult<HttpResponse> {
    let org: OrgId = path_id(&path, "organisation")?;
    if org != issuer.org {
        return Err(ApiError::NotFound("organisation".into()));
    }
    let BulkStatusRequest { credentials, action, reason } = body.0;
    let ids = distinct(credentials).map_err(|message| ApiError::invalid_field("credentials", message))?;
    let reason = checked_reason(&reason).map_err(|message| ApiError::invalid_field("reason", message))?;
    let results = issued::change_many(&state.store, Context::new(&state, issuer.caller.id), org, ids, action.target(), reason).await;
    let results: Vec<BulkItemResult> = results.into_iter().map(BulkItemResult::from).collect();
    let count = |outcome: &str| results.iter().filter(|r| r.outcome == outcome).count();
    Ok(HttpResponse::Ok().json(BulkStatusResponse {
        action,
        changed: count("changed"),
        unchanged: count("unchanged"),
        refused: count("refused"),
        not_found: count("not_found"),
        failed: count("failed"),
        results,
    }))
}

/// The selection once each, in the order given: 1 to `MAX_BULK`.
pub fn distinct(ids: Vec<CredentialId>) -> Result<Vec<CredentialId>, String> {
    let mut seen = std::collections::HashSet::new();
    let ids: Vec<CredentialId> = ids.into_iter().filter(|id| seen.insert(*id)).collect();
    if ids.is_empty() || ids.len() > MAX_BULK {
        return Err(format!("give 1 to {MAX_BULK} credentials"));
    }
    Ok(ids)
}

/// A reason as the single change takes it: trimmed, 1 to 1,000 characters.
pub fn checked_reason(reason: &str) -> Result<String, &'static str> {
    let reason = reason.trim();
    if reason.is_empty() || reason.chars().count() > 1000 { Err("give a reason of 1 to 1000 characters") } else { Ok(reason.to_owned()) }
}
