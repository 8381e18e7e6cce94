use actix_web::{HttpResponse, get, web};
use serde::Serialize;
use utoipa::ToSchema;

use crate::state::AppState;
use crate::http::caller::Learner;
use crate::http::problem::{ApiResult, ProblemDocument};
use crate::http::me::import::ImportedView;
use crate::http::views::CredentialView;
use crate::http::employment::records::EmploymentView;
use crate::store::{credentials, employment, imports};
use crate::services::verification::{self, Presented};

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
    let public_url = state.public_url.clone();
    let wallet = state
        .store
        .read(move |conn| {
            let now = chrono::Utc::now();
            let mut issued = Vec::new();
            for credential in credentials::for_learner(conn, caller.id)? {
                let verification = verification::verify(conn, &public_url, &Presented::Jwt(credential.jwt.clone()), now)?;
                issued.push(CredentialView::new(credential, verification, None, None));
            }
            let imported = imports::for_learner(conn, caller.id)?.into_iter().map(ImportedView::new).collect();
            let employment = employment::for_learner(conn, caller.id)?.into_iter().map(|r| EmploymentView::new(r, &public_url)).collect();
            Ok(Wallet { credentials: issued, imported, employment })
        })
        .await?;
    Ok(HttpResponse::Ok().json(wallet))
}
