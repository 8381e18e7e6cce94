use actix_web::{HttpResponse, post, web};
use serde::Deserialize;
use utoipa::ToSchema;

use crate::http::caller::Learner;
use crate::http::extract::JsonBody;
use crate::http::problem::{ApiError, ApiResult, ProblemDocument};
use crate::http::views::CredentialView;
use crate::services::{Context, claims};
use crate::signing;
use crate::state::AppState;

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ClaimRequest {
    /// The claim code the issuer delivered.
    code: String,
}

/// Claim a credential that was issued to an e-mail address.
///
/// Learners only. The code is single-use; the credential is re-signed with
/// the learner as its subject and moves into the wallet. An unknown or
/// already used code is a 404.
#[utoipa::path(
    tag = "wallet",
    security(("bearer" = [])),
    request_body = ClaimRequest,
    responses(
        (status = 200, description = "Claimed: the credential, now in the wallet", body = CredentialView),
        (status = 401, description = "Missing or invalid token", body = ProblemDocument, content_type = "application/problem+json"),
        (status = 403, description = "The caller is not a learner", body = ProblemDocument, content_type = "application/problem+json"),
        (status = 404, description = "Unknown or used code", body = ProblemDocument, content_type = "application/problem+json"),
    )
)]
#[post("/v1/me/claims")]
pub async fn claim(state: web::Data<AppState>, Learner(caller): Learner, body: JsonBody<ClaimRequest>) -> ApiResult<HttpResponse> {
    let code = body.0.code.trim().to_owned();
    if code.is_empty() || code.len() > 256 {
        return Err(ApiError::NotFound("claim code".into()));
    }
    let hash = signing::hash_secret(&code);
    let state_ref = state.clone();
    let view = state
        .store
        .write_as(move |conn| {
            let ctx = Context::new(&state_ref, caller.id);
            Ok::<_, ApiError>(claims::redeem(conn, &ctx, &hash)?)
        })
        .await?;
    Ok(HttpResponse::Ok().json(view))
}
