use actix_web::{HttpResponse, get, web};
use cairn_domain::{CredentialId, Role};

use crate::http::caller::AnyAccount;
use crate::http::extract::path_id;
use crate::http::problem::{ApiResult, ProblemDocument};
use crate::http::views::CredentialView;
use crate::services::verification::{self, Presented};
use crate::state::AppState;
use crate::store::{StoreError, credentials};

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
    let public_url = state.public_url.clone();
    let view = state
        .store
        .read(move |conn| {
            let credential = credentials::find(conn, id)?.ok_or(StoreError::NotFound("credential"))?;
            let visible = match caller.role {
                Role::Learner => credential.learner == Some(caller.id),
                Role::Issuer => caller.is_staff_of(credential.org),
                Role::Admin | Role::Employer => false,
            };
            if !visible {
                return Err(StoreError::NotFound("credential"));
            }
            let verification = verification::verify(conn, &public_url, &Presented::Jwt(credential.jwt.clone()), chrono::Utc::now())?;
            Ok(CredentialView::new(credential, verification, None, None))
        })
        .await?;
    Ok(HttpResponse::Ok().json(view))
}
