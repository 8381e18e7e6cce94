use actix_web::{HttpResponse, get, web};
use cairn_domain::CredentialId;

use crate::http::caller::AnyAccount;
use crate::http::extract::path_id;
use crate::http::problem::{ApiResult, ProblemDocument};
use crate::http::views::CredentialView;
use crate::services::{PublicContext, credentials};
use crate::state::AppState;

/// One credential with its status, OB 3.0 JSON, VC-JWT and verification.
///
/// Its holder, and issuers of the issuing institution; anyone else gets 404.
#[utoipa::path(
    tag = "credentials",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "Credential id")),
    responses(
        (status = 200, description = "The credential", body = CredentialView),
        (status = 401, description = "Missing or invalid token", body = ProblemDocument, content_type = "application/problem+json"),
        (status = 404, description = "No such credential, or not visible to the caller", body = ProblemDocument, content_type = "application/problem+json"),
    )
)]
#[get("/v1/credentials/{id}")]
pub async fn get_credential(state: web::Data<AppState>, AnyAccount(caller): AnyAccount, path: web::Path<String>) -> ApiResult<HttpResponse> {
    let id: CredentialId = path_id(&path, "credential")?;
    let ctx = PublicContext::new(&state);
    let view = state.store.read_as(move |conn| credentials::get(conn, &ctx, &caller, id)).await?;
    Ok(HttpResponse::Ok().json(view))
}
