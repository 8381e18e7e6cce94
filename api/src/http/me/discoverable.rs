//! A learner's opt-in to talent search.

use actix_web::{HttpResponse, get, put, web};
use cairn_domain::skill::{Skill, skill_set};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::http::caller::Learner;
use crate::http::extract::JsonBody;
use crate::http::problem::{ApiError, ApiResult, ProblemDocument};
use crate::services::{Context, talent};
use crate::state::AppState;
use crate::store::skills::Discoverability;

#[derive(Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DiscoverableSetting {
    /// Whether employers may find you in talent search.
    discoverable: bool,
    /// Only for these skills (alignment URLs or codes); omit for every
    /// skill. Only with `discoverable: true`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Vec<crate::http::openapi::Skill>>, min_items = 1, max_items = 50)]
    skills: Option<Vec<Skill>>,
}

impl DiscoverableSetting {
    pub fn from_stored(setting: Discoverability) -> Self {
        match setting {
            Discoverability::Hidden => DiscoverableSetting { discoverable: false, skills: None },
            Discoverability::EverySkill => DiscoverableSetting { discoverable: true, skills: None },
            Discoverability::Skills(skills) => DiscoverableSetting { discoverable: true, skills: Some(skills) },
        }
    }
}

/// The caller's talent-search opt-in.
///
/// Learners only. Nobody is discoverable until they opt in.
#[utoipa::path(
    tag = "talent",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The current setting", body = DiscoverableSetting),
        (status = 401, description = "Missing or invalid token", body = ProblemDocument, content_type = "application/problem+json"),
        (status = 403, description = "The caller is not a learner", body = ProblemDocument, content_type = "application/problem+json"),
    )
)]
#[get("/v1/me/discoverable")]
pub async fn get_discoverable(state: web::Data<AppState>, Learner(caller): Learner) -> ApiResult<HttpResponse> {
    let setting = talent::discoverability(&state.store, Context::new(&state, caller.id)).await?;
    Ok(HttpResponse::Ok().json(DiscoverableSetting::from_stored(setting)))
}

/// Opt in to (or out of) talent search, for every skill or for chosen ones.
///
/// Learners only. Takes effect at once; replaces the previous setting.
#[utoipa::path(
    tag = "talent",
    security(("bearer" = [])),
    request_body = DiscoverableSetting,
    responses(
        (status = 200, description = "The new setting", body = DiscoverableSetting),
        (status = 401, description = "Missing or invalid token", body = ProblemDocument, content_type = "application/problem+json"),
        (status = 403, description = "The caller is not a learner", body = ProblemDocument, content_type = "application/problem+json"),
        (status = 422, description = "Skills without opting in, an empty or too long list", body = ProblemDocument, content_type = "application/problem+json"),
    )
)]
#[put("/v1/me/discoverable")]
pub async fn set_discoverable(state: web::Data<AppState>, Learner(caller): Learner, body: JsonBody<DiscoverableSetting>) -> ApiResult<HttpResponse> {
    let setting = match (body.0.discoverable, body.0.skills) {
        (false, None) => Discoverability::Hidden,
        (false, Some(_)) => return Err(ApiError::invalid_field("skills", "only with `discoverable: true`")),
        (true, None) => Discoverability::EverySkill,
        (true, Some(skills)) if skills.is_empty() => return Err(ApiError::invalid_field("skills", "must not be empty (omit it for every skill)")),
        (true, Some(skills)) => Discoverability::Skills(skill_set(skills).map_err(|e| ApiError::invalid_field("skills", e.to_string()))?),
    };
    let shown = serde_json::to_value(DiscoverableSetting::from_stored(setting.clone())).map_err(ApiError::internal)?;
    let stored = talent::set_discoverability(&state.store, Context::new(&state, caller.id), setting, shown).await?;
    Ok(HttpResponse::Ok().json(DiscoverableSetting::from_stored(stored)))
}
