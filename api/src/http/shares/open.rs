use actix_web::{HttpResponse, get, web};

use crate::state::AppState;
use crate::http::caller::MaybeAccount;
use crate::http::problem::{ApiError, ApiResult, ProblemDocument};
use crate::services::sharing::{self, SharedRecord};
use crate::store::shares::{self, View};
use crate::store::{StoreError, time};
use crate::signing;

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
    let token = path.into_inner();
    if token.is_empty() || token.len() > 128 {
        return Err(ApiError::NotFound("share".into()));
    }
    let hash = signing::hash_secret(&token);
    let state_ref = state.clone();
    let record = state
        .store
        .write(move |conn| {
            let now = time::now();
            let share = shares::find_by_token(conn, &hash)?.filter(|s| s.is_live(now)).ok_or(StoreError::NotFound("share"))?;
            let record = sharing::render(conn, &state_ref.public_url, &state_ref.platform, &share, now)?;
            let view = View { at: now, viewer: viewer.map(|v| v.id), viewer_org: viewer.and_then(|v| v.org) };
            sharing::log_view(conn, &share, &view)?;
            Ok(record)
        })
        .await?;
    Ok(HttpResponse::Ok().insert_header(("Cache-Control", "no-store")).json(record))
}
