use actix_web::{HttpResponse, get, web};
use cairn_domain::OrgId;

use crate::http::extract::path_id;
use crate::http::problem::{ApiError, ApiResult, ProblemDocument};
use crate::services::issuing::issuer_profile;
use crate::state::AppState;
use crate::store::orgs;

/// An institution's issuer profile (Open Badges 3.0 `Profile`).
///
/// Public. This URL is the `issuer.id` of every credential the institution issues.
#[utoipa::path(
    tag = "issuers",
    params(("org" = String, Path, description = "Organisation id (institutions issue credentials, employers attest employment)")),
    responses(
        (status = 200, description = "The OB 3.0 Profile", content_type = "application/json"),
        (status = 404, description = "No such organisation", body = ProblemDocument, content_type = "application/problem+json"),
    )
)]
#[get("/v1/issuers/{org}")]
pub async fn get_issuer(state: web::Data<AppState>, path: web::Path<String>) -> ApiResult<HttpResponse> {
    let id: OrgId = path_id(&path, "issuer")?;
    let org = state.store.read(move |conn| orgs::find(conn, id)).await?.ok_or_else(|| ApiError::NotFound("issuer".into()))?;
    Ok(HttpResponse::Ok().json(cairn_domain::ob3::profile_document(&issuer_profile(&state.public_url, &org))))
}
