//! Confirming a learner's e-mail address, and asking for a new code.

use actix_web::{HttpResponse, post, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::http::caller::Learner;
use crate::http::extract::JsonBody;
use crate::http::problem::{ApiResult, ProblemDocument};
use crate::http::views::{AccountView, CredentialView};
use crate::services::{Context, PublicContext};
use crate::services::{email_verification, rate_limits};
use crate::state::AppState;

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct VerifyEmailRequest {
    /// The code from the verification mail.
    #[schema(min_length = 1, max_length = 256)]
    code: String,
}

/// A confirmed address.
#[derive(Serialize, ToSchema)]
pub struct EmailVerified {
    /// The account, now with `email_verified: true`.
    pub account: AccountView,
    /// Credentials that had been issued to the address and waited for it to
    /// be confirmed; they are now in the wallet, re-signed with the learner
    /// as their subject.
    pub claimed: Vec<CredentialView>,
}

/// Confirm an e-mail address with the code mailed to it.
///
/// Public: the code itself proves that the caller reads the address's mail.
/// The code works once and expires 24 hours after it was sent. Credentials
/// already issued to the address move into the wallet; later ones go there
/// directly.
#[utoipa::path(
    tag = "accounts",
    request_body = VerifyEmailRequest,
    responses(
        (status = 200, description = "The address is confirmed", body = EmailVerified),
        (status = 422, description = "Unknown, used, replaced or expired code", body = ProblemDocument, content_type = "application/problem+json"),
    )
)]
#[post("/v1/auth/verify-email")]
pub async fn verify_email(state: web::Data<AppState>, body: JsonBody<VerifyEmailRequest>) -> ApiResult<HttpResponse> {
    let confirmed = email_verification::confirm(&state.store, PublicContext::new(&state), &body.0.code).await?;
    Ok(HttpResponse::Ok().json(EmailVerified { account: AccountView::from(confirmed.account), claimed: confirmed.claimed }))
}

/// Where a new code went.
#[derive(Serialize, ToSchema)]
pub struct VerificationSent {
    #[schema(format = Email)]
    pub email: String,
    /// When the new code stops working. Earlier codes no longer work.
    pub expires_at: DateTime<Utc>,
}

/// Send a new verification code to the caller's address.
///
/// Learners only, at most 5 an hour. The new code replaces any earlier one.
#[utoipa::path(
    tag = "accounts",
    security(("bearer" = [])),
    responses(
        (status = 202, description = "A new code was sent", body = VerificationSent),
        (status = 401, description = "Missing or invalid token", body = ProblemDocument, content_type = "application/problem+json"),
        (status = 403, description = "The caller is not a learner", body = ProblemDocument, content_type = "application/problem+json"),
        (status = 409, description = "The address is already confirmed", body = ProblemDocument, content_type = "application/problem+json"),
        (status = 429, description = "Too many requests", body = ProblemDocument, content_type = "application/problem+json"),
        (status = 500, description = "The mail could not be sent; try again later", body = ProblemDocument, content_type = "application/problem+json"),
    )
)]
#[post("/v1/me/email-verification")]
pub async fn resend_verification(state: web::Data<AppState>, Learner(caller): Learner) -> ApiResult<HttpResponse> {
    // Before a new code replaces the old one: a refused call changes nothing.
    let ctx = Context::new(&state, caller.id);
    rate_limits::check(&state.store, &ctx, state.verification_limiter).await?;
    let (account, expires_at) = email_verification::resend(&state, ctx).await?;
    Ok(HttpResponse::Accepted().json(VerificationSent { email: account.email.to_string(), expires_at }))
}
