//! Talent search: employers find learners who opted in, by verified skill.

use actix_web::{HttpResponse, get, web};
use cairn_domain::skill::Skill;
use cairn_domain::{Level, UserId};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::http::caller::Employer;
use crate::http::extract::PageQuery;
use crate::http::problem::{ApiError, ApiResult, ProblemDocument};
use crate::services::Context;
use crate::services::rate_limits;
use crate::services::talent::{self, Search, TalentItem};
use crate::state::AppState;

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct TalentQuery {
    /// The skill: an alignment's `targetUrl` or `targetCode`, matched exactly.
    #[param(min_length = 1, max_length = 2048, pattern = "\\S|[\\x1c-\\x1f]")]
    skill: String,
    /// Only achievements at this level or above (beginner, intermediate,
    /// advanced, expert). Achievements without a level match only when this
    /// is omitted.
    #[param(schema_with = level_schema)]
    min_level: Option<String>,
    /// Learners per page: 1 to 200, default 50.
    #[param(minimum = 1)]
    limit: Option<i64>,
    /// The `next_cursor` of the previous page.
    #[param(format = Uuid)]
    cursor: Option<String>,
}

fn level_schema() -> utoipa::openapi::schema::Object {
    crate::http::openapi::string_enum(&Level::ALL.map(Level::as_str))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TalentPage {
    items: Vec<TalentItem>,
    next_cursor: Option<String>,
}

/// Learners who opted in to talent search for a skill and hold an active,
/// unexpired credential issued through this service that is aligned to it.
///
/// Employer staff only. Never lists a learner who did not opt in (for this
/// skill or for every skill), nor revoked, suspended, expired or imported
/// credentials. Every learner shown gets a `talent.match` entry in their
/// audit log. 60 searches a minute per account (429 with `Retry-After`).
#[utoipa::path(
    tag = "talent",
    security(("bearer" = [])),
    params(TalentQuery),
    responses(
        (status = 200, description = "A page of learners", body = TalentPage),
        (status = 401, description = "Missing or invalid token", body = ProblemDocument, content_type = "application/problem+json"),
        (status = 403, description = "The caller is not employer staff", body = ProblemDocument, content_type = "application/problem+json"),
        (status = 400, description = "Missing or invalid `skill`, `min_level`, `limit` or `cursor`", body = ProblemDocument, content_type = "application/problem+json"),
        (status = 429, description = "Too many searches", body = ProblemDocument, content_type = "application/problem+json"),
    )
)]
#[get("/v1/talent")]
pub async fn search_talent(
    state: web::Data<AppState>,
    employer: Employer,
    query: crate::http::extract::Query<TalentQuery>,
) -> ApiResult<HttpResponse> {
    let ctx = Context::new(&state, employer.caller.id);
    rate_limits::check(&state.store, &ctx, state.talent_limiter).await?;
    let query = query.into_inner();
    let skill = Skill::parse(&query.skill).map_err(|e| ApiError::invalid_query("skill", e))?;
    let min_rank = match query.min_level.as_deref() {
        None => 0,
        Some(text) => text.parse::<Level>().map_err(|e| ApiError::invalid_query("min_level", e.to_string()))?.rank(),
    };
    let page = PageQuery { limit: query.limit, cursor: query.cursor }.parse::<UserId>()?;
    let search = Search { skill, min_rank, after: page.after, fetch: page.fetch_limit(), page_size: page.limit };
    let rows = talent::search(&state.store, ctx, employer.org, search).await?;
    let (items, next_cursor) = page.finish(rows, |item| item.learner);
    Ok(HttpResponse::Ok().json(TalentPage { items, next_cursor }))
}
