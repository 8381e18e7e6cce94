use actix_web::{HttpResponse, get, web};
use serde::Deserialize;
use utoipa::IntoParams;

use crate::http::caller::Learner;
use crate::http::problem::{ApiResult, ProblemDocument};
use crate::services::Context;
use crate::services::wallet::{self, ClrExport};
use crate::state::AppState;

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ClrQuery {
    /// `jwt` for the signed compact VC-JWT; default the ClrCredential JSON.
    format: Option<String>,
}

/// The caller's whole record as a CLR 2.0 `ClrCredential`.
///
/// Learners only. Holds every active credential issued to the learner here
/// (suspended and revoked ones are left out), with an `isPartOf`
/// association from each constituent achievement to the award it stacked
/// into. Signed by the service's own key (published in
/// `/.well-known/jwks.json`); `?format=jwt` returns the VC-JWT.
#[utoipa::path(
    tag = "wallet",
    security(("bearer" = [])),
    params(ClrQuery),
    responses(
        (status = 200, description = "The ClrCredential (JSON), or its VC-JWT", content((Object = "application/json"), (String = "application/vc+jwt"))),
        (status = 401, description = "Missing or invalid token", body = ProblemDocument, content_type = "application/problem+json"),
        (status = 403, description = "The caller is not a learner", body = ProblemDocument, content_type = "application/problem+json"),
    )
)]
#[get("/v1/me/clr")]
pub async fn export_clr(
    state: web::Data<AppState>,
    Learner(caller): Learner,
    query: crate::http::extract::Query<ClrQuery>,
) -> ApiResult<HttpResponse> {
    let signed = query.format.as_deref() == Some("jwt");
    Ok(match wallet::clr(&state, Context::new(&state, caller.id), signed).await? {
        ClrExport::Jwt(jwt) => HttpResponse::Ok().content_type("application/vc+jwt").body(jwt),
        ClrExport::Json(json) => HttpResponse::Ok().json(json),
    })
}
