use actix_web::{HttpResponse, post, web};

use crate::http::caller::Issuer;
use crate::http::extract::JsonBody;
use crate::http::problem::{ApiError, ApiResult, ProblemDocument};
use crate::services::Context;
use crate::services::vc_api::{self, UpdateStatusRequest, UpdateStatusResponse};
use crate::state::AppState;

/// Update a credential's status (W3C VC API).
///
/// Issuers of the credential's institution; others get 404. The status
/// purpose and bit map onto Cairn's changes: `revocation` + `true` revokes
/// (final), `suspension` + `true` suspends, `suspension` + `false`
/// reinstates; awards built on the credential follow (the cascade).
#[utoipa::path(
    tag = "vc-api",
    security(("bearer" = [])),
    request_body = UpdateStatusRequest,
    responses(
        (status = 200, description = "Updated", body = UpdateStatusResponse),
        (status = 401, description = "Missing or invalid token", body = ProblemDocument, content_type = "application/problem+json"),
        (status = 403, description = "The caller is not an issuer", body = ProblemDocument, content_type = "application/problem+json"),
        (status = 404, description = "No such credential in the caller's institution", body = ProblemDocument, content_type = "application/problem+json"),
        (status = 409, description = "Not allowed from the credential's status (e.g. already revoked)", body = ProblemDocument, content_type = "application/problem+json"),
        (status = 422, description = "Not a status update Cairn can make (purpose, type, credential id)", body = ProblemDocument, content_type = "application/problem+json"),
    )
)]
#[post("/credentials/status")]
pub async fn update_status(state: web::Data<AppState>, issuer: Issuer, body: JsonBody<UpdateStatusRequest>) -> ApiResult<HttpResponse> {
    let request = body.0;
    // Refused before the database is touched.
    vc_api::status_target(&request)?;
    let state_ref = state.clone();
    let response = state
        .store
        .write_as(move |conn| {
            let ctx = Context::new(&state_ref, issuer.caller.id);
            vc_api::update_status(conn, &ctx, issuer.org, &request).map_err(ApiError::from)
        })
        .await?;
    Ok(HttpResponse::Ok().json(response))
}
