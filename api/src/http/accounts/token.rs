use actix_web::{HttpResponse, post, web};
use cairn_domain::Email;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::http::extract::JsonBody;
use crate::http::problem::{ApiError, ApiResult, ProblemDocument};
use crate::services::sessions;
use crate::state::AppState;

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TokenRequest {
    #[schema(value_type = String, format = Email)]
    email: Email,
    #[schema(format = Password)]
    password: String,
}

#[derive(Serialize, ToSchema)]
pub struct TokenResponse {
    access_token: String,
    /// Always `Bearer`.
    token_type: &'static str,
    /// Seconds until the token expires.
    expires_in: i64,
}

/// Exchange e-mail and password for an access token.
///
/// Public. A wrong e-mail and a wrong password get the same 401, in the
/// same time, so accounts cannot be enumerated.
#[utoipa::path(
    tag = "accounts",
    request_body = TokenRequest,
    responses(
        (status = 200, description = "A short-lived access token", body = TokenResponse),
        (status = 401, description = "Wrong e-mail or password", body = ProblemDocument, content_type = "application/problem+json"),
        (status = 422, description = "Invalid input", body = ProblemDocument, content_type = "application/problem+json"),
    )
)]
#[post("/v1/auth/token")]
pub async fn token(state: web::Data<AppState>, body: JsonBody<TokenRequest>) -> ApiResult<HttpResponse> {
    let TokenRequest { email, password } = body.0;
    let account = sessions::sign_in(&state, email, password).await?;
    let access_token = state.tokens.issue(&account).map_err(ApiError::internal)?;
    Ok(HttpResponse::Ok().insert_header(("Cache-Control", "no-store")).json(TokenResponse {
        access_token,
        token_type: "Bearer",
        expires_in: state.tokens.lifetime_secs(),
    }))
}
