use actix_web::{HttpResponse, post, web};

use crate::http::caller::Learner;
use crate::http::extract::JsonBody;
use crate::http::problem::{ApiResult, ProblemDocument};
use crate::http::verify::check::CredentialInput;
use crate::services::Context;
use crate::services::imports;
pub use crate::services::records::ImportedView;
use crate::state::AppState;

/// Import an external credential into the caller's wallet.
///
/// Learners only. The credential (OB 3.0 JSON, a compact VC-JWT, or both)
/// is verified against the issuers this service knows and stored with the
/// result, whatever it is. It is the learner's only when its subject is the
/// learner (`credentialSubject.id` is their subject id, or an `identifier`
/// is one of their verified e-mail addresses); someone else's credential is
/// kept and marked (`holder: false`, a failing `holder` check) and never
/// appears in shares. Importing the same credential again returns the first
/// import (200), upgraded when the new presentation verifies and the old did
/// not.
#[utoipa::path(
    tag = "wallet",
    security(("bearer" = [])),
    request_body = CredentialInput,
    responses(
        (status = 201, description = "Stored, with its verification result", body = ImportedView),
        (status = 200, description = "Imported before: the existing record", body = ImportedView),
        (status = 401, description = "Missing or invalid token", body = ProblemDocument, content_type = "application/problem+json"),
        (status = 403, description = "The caller is not a learner", body = ProblemDocument, content_type = "application/problem+json"),
        (status = 422, description = "Not a credential", body = ProblemDocument, content_type = "application/problem+json"),
    )
)]
#[post("/v1/me/credentials/import")]
pub async fn import_credential(state: web::Data<AppState>, Learner(caller): Learner, body: JsonBody<CredentialInput>) -> ApiResult<HttpResponse> {
    let presented = body.0.presented()?;
    let ctx = Context::new(&state, caller.id);
    let outcome = imports::import(state.into_inner(), ctx, presented).await?;
    let view = ImportedView::new(outcome.imported);
    Ok(if outcome.created { HttpResponse::Created().json(view) } else { HttpResponse::Ok().json(view) })
}
