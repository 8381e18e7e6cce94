use actix_web::{HttpResponse, get, web};
use serde::Serialize;
use utoipa::ToSchema;

use crate::http::caller::Learner;
use crate::http::employment::records::EmploymentView;
use crate::http::me::import::ImportedView;
use crate::http::problem::{ApiResult, ProblemDocument};
use crate::http::views::CredentialView;
use crate::services::Context;
use crate::services::wallet as record;
use crate::state::AppState;

/// The learner's record: credentials issued here, and imported ones.
#[derive(Serialize, ToSchema)]
pub struct Wallet {
    /// Issued by institutions of this service, newest award first.
    pub credentials: Vec<CredentialView>,
    /// Imported from elsewhere, verified or not, newest first.
    pub imported: Vec<ImportedView>,
    /// Employment records, most recent job first: self-asserted, or
    /// verified by the employer's attestation.
    pub employment: Vec<EmploymentView>,
}

/// The caller's wallet (learner and employment record).
///
/// Learners only.
#[utoipa::path(
    tag = "wallet",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The wallet", body = Wallet),
        (status = 401, description = "Missing or invalid token", body = ProblemDocument, content_type = "application/problem+json"),
        (status = 403, description = "The caller is not a learner", body = ProblemDocument, content_type = "application/problem+json"),
    )
)]
#[get("/v1/me/wallet")]
pub async fn wallet(state: web::Data<AppState>, Learner(caller): Learner) -> ApiResult<HttpResponse> {
    let contents = record::contents(&state.store, Context::new(&state, caller.id)).await?;
    Ok(HttpResponse::Ok().json(Wallet {
        credentials: contents.credentials,
        imported: contents.imported.into_iter().map(ImportedView::new).collect(),
        employment: contents.employment.into_iter().map(|r| EmploymentView::new(r, &state.public_url)).collect(),
    }))
}
