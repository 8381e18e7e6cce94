use actix_web::{HttpResponse, post, web};
use cairn_domain::{DisplayName, Email};
use serde::Deserialize;
use utoipa::ToSchema;

use crate::auth::Password;
use crate::http::extract::JsonBody;
use crate::http::problem::{ApiResult, ProblemDocument};
use crate::http::views::AccountView;
use crate::services::PublicContext;
use crate::services::accounts::{self, NewPerson};
use crate::state::AppState;

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RegisterRequest {
    #[schema(value_type = String, format = Email)]
    email: Email,
    /// At least 10 characters.
    #[schema(value_type = String, format = Password, min_length = 10)]
    password: Password,
    /// 1 to 200 characters (surrounding spaces are trimmed), no control characters.
    #[schema(value_type = String, min_length = 1, max_length = 200, pattern = "^[^\\x00-\\x1f\\x7f-\\x9f]*[^\\s\\x00-\\x1f\\x7f-\\x9f][^\\x00-\\x1f\\x7f-\\x9f]*$")]
    name: DisplayName,
}

/// Create a learner account.
///
/// Public: anyone may register as a learner. Staff accounts are created by
/// an administrator through `POST /v1/orgs/{org}/members`.
///
/// The address starts unconfirmed (`email_verified: false`): a single-use
/// code is mailed to it, to be sent to `POST /v1/auth/verify-email`. Until
/// then, credentials issued to the address wait in the claim flow. If the
/// mail cannot be sent, the account is still created; ask for a new code
/// with `POST /v1/me/email-verification`.
#[utoipa::path(
    tag = "accounts",
    request_body = RegisterRequest,
    responses(
        (status = 201, description = "Account created", body = AccountView),
        (status = 409, description = "The e-mail is taken", body = ProblemDocument, content_type = "application/problem+json"),
        (status = 422, description = "Invalid input", body = ProblemDocument, content_type = "application/problem+json"),
    )
)]
#[post("/v1/auth/register")]
pub async fn register(state: web::Data<AppState>, body: JsonBody<RegisterRequest>) -> ApiResult<HttpResponse> {
    let RegisterRequest { email, password, name } = body.0;
    let account = accounts::register(&state, PublicContext::new(&state), NewPerson { email, password, name }).await?;
    Ok(HttpResponse::Created().json(AccountView::from(account)))
}
