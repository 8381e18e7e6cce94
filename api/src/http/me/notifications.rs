//! Which e-mail a learner gets about their record.

use actix_web::{HttpResponse, get, put, web};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::http::caller::Learner;
use crate::http::extract::JsonBody;
use crate::http::problem::{ApiResult, ProblemDocument};
use crate::services::{Context, notifications};
use crate::state::AppState;
use crate::store::notification_prefs::Preferences;

/// Each kind of mail, on (`true`) or off. Messages about the account's
/// security (confirming the address) are always sent and are not listed.
#[derive(Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NotificationSettings {
    /// A credential was issued to you (with the institution's message).
    issued: bool,
    /// You earned an award by completing a pathway.
    awards: bool,
    /// One of your credentials was suspended, revoked or reinstated.
    status_changes: bool,
    /// An employer asked you to share your record.
    share_requests: bool,
}

impl From<Preferences> for NotificationSettings {
    fn from(p: Preferences) -> Self {
        Self { issued: p.issued, awards: p.awards, status_changes: p.status_changes, share_requests: p.share_requests }
    }
}

impl From<NotificationSettings> for Preferences {
    fn from(s: NotificationSettings) -> Self {
        Self { issued: s.issued, awards: s.awards, status_changes: s.status_changes, share_requests: s.share_requests }
    }
}

/// The caller's choice of e-mail.
///
/// Learners only. Every kind is on until turned off.
#[utoipa::path(
    tag = "accounts",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The current choice", body = NotificationSettings),
        (status = 401, description = "Missing or invalid token", body = ProblemDocument, content_type = "application/problem+json"),
        (status = 403, description = "The caller is not a learner", body = ProblemDocument, content_type = "application/problem+json"),
    )
)]
#[get("/v1/me/notifications")]
pub async fn get_notifications(state: web::Data<AppState>, Learner(caller): Learner) -> ApiResult<HttpResponse> {
    let prefs = notifications::preferences(&state.store, Context::new(&state, caller.id)).await?;
    Ok(HttpResponse::Ok().json(NotificationSettings::from(prefs)))
}

/// Choose which e-mail you get.
///
/// Learners only. Replaces the previous choice (every field is required);
/// it applies to what happens from now on. Security messages cannot be
/// turned off.
#[utoipa::path(
    tag = "accounts",
    security(("bearer" = [])),
    request_body = NotificationSettings,
    responses(
        (status = 200, description = "The new choice", body = NotificationSettings),
        (status = 401, description = "Missing or invalid token", body = ProblemDocument, content_type = "application/problem+json"),
        (status = 403, description = "The caller is not a learner", body = ProblemDocument, content_type = "application/problem+json"),
        (status = 422, description = "A missing, unknown or mistyped field", body = ProblemDocument, content_type = "application/problem+json"),
    )
)]
#[put("/v1/me/notifications")]
pub async fn set_notifications(
    state: web::Data<AppState>,
    Learner(caller): Learner,
    body: JsonBody<NotificationSettings>,
) -> ApiResult<HttpResponse> {
    let stored = notifications::set_preferences(&state.store, Context::new(&state, caller.id), body.0.into()).await?;
    Ok(HttpResponse::Ok().json(NotificationSettings::from(stored)))
}
