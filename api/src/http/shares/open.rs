use actix_web::{HttpResponse, get, web};

use crate::http::caller::MaybeAccount;
use crate::http::problem::{ApiResult, ProblemDocument};
use crate::services::PublicContext;
use crate::services::sharing::{self, SharedRecord};
use crate::state::AppState;

/// Open a share link: the shared credentials, each verified now, the awards
/// among them with their constituents, and a signed presentation.
///
/// Anyone with the link. An unknown, expired or revoked link is the same
/// 404. Every opening is logged for the learner (with the viewer's account
/// and organisation when the request carries a token).
#[utoipa::path(
    tag = "sharing",
    params(("token" = String, Path, description = "The token from the share link")),
    responses(
        (status = 200, description = "The shared record", body = SharedRecord),
        (status = 401, description = "A token was sent and is invalid", body = ProblemDocument, content_type = "application/problem+json"),
        (status = 404, description = "Unknown, expired or revoked link", body = ProblemDocument, content_type = "application/problem+json"),
    )
)]
#[get("/v1/shares/{token}")]
pub async fn open_share(state: web::Data<AppState>, MaybeAccount(viewer): MaybeAccount, path: web::Path<String>) -> ApiResult<HttpResponse> {
    let ctx = PublicContext::new(&state);
    let record = sharing::open(state.into_inner(), ctx, path.into_inner(), viewer).await?;
    Ok(HttpResponse::Ok().insert_header(("Cache-Control", "no-store")).json(record))
}
