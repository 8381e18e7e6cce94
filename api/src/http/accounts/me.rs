use actix_web::{HttpResponse, get, web};

use crate::http::caller::AnyAccount;
use crate::http::problem::{ApiError, ApiResult, ProblemDocument};
use crate::http::views::AccountView;
use crate::state::AppState;
use crate::store::users;

/// The caller's own account.
///
/// Any authenticated account.
#[utoipa::path(
    tag = "accounts",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The caller's account", body = AccountView),
        (status = 401, description = "Missing or invalid token", body = ProblemDocument, content_type = "application/problem+json"),
    )
)]
#[get("/v1/me")]
pub async fn me(state: web::Data<AppState>, AnyAccount(caller): AnyAccount) -> ApiResult<HttpResponse> {
    let account = state
        .store
        .read(move |conn| users::find(conn, caller.id))
        .await?
        // A valid token for an account that no longer exists.
        .ok_or_else(|| ApiError::Unauthenticated("the account no longer exists".into()))?;
    Ok(HttpResponse::Ok().json(AccountView::from(account)))
}
