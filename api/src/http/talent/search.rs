//! Talent search: employers find learners who opted in, by verified skill.

use std::collections::HashMap;
use std::collections::hash_map::Entry;

use actix_web::{HttpResponse, get, web};
use cairn_domain::skill::Skill;
use cairn_domain::{AchievementId, CredentialId, Level, OrgId, UserId};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::state::AppState;
use crate::http::caller::Employer;
use crate::http::extract::PageQuery;
use crate::http::problem::{ApiError, ApiResult, ProblemDocument};
use crate::store::{StoreError, achievements, audit, credentials, orgs, skills, users};

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

/// A credential that matched, as talent search shows it (no document: ask
/// for a share to see and verify the credential itself).
#[derive(Debug, Serialize, ToSchema)]
pub struct MatchedCredential {
    #[schema(value_type = String, format = Uuid)]
    id: CredentialId,
    #[schema(value_type = String, format = Uuid)]
    achievement: AchievementId,
    achievement_name: String,
    #[schema(value_type = Option<String>)]
    level: Option<Level>,
    /// The issuing institution.
    #[schema(value_type = String, format = Uuid)]
    issuer: OrgId,
    issuer_name: String,
    awarded_at: DateTime<Utc>,
    valid_until: Option<DateTime<Utc>>,
}

/// How to ask this learner for a share.
#[derive(Debug, Serialize, ToSchema)]
pub struct RequestShare {
    method: &'static str,
    href: String,
    #[schema(value_type = Object)]
    body: serde_json::Value,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TalentItem {
    #[schema(value_type = String, format = Uuid)]
    learner: UserId,
    name: String,
    /// The learner's active, unexpired credentials aligned to the skill.
    credentials: Vec<MatchedCredential>,
    request_share: RequestShare,
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
pub async fn search_talent(state: web::Data<AppState>, employer: Employer, query: crate::http::extract::Query<TalentQuery>) -> ApiResult<HttpResponse> {
    state.talent_limiter.check(employer.caller.id).map_err(|retry_after| ApiError::RateLimited { retry_after })?;
    let query = query.into_inner();
    let skill = Skill::parse(&query.skill).map_err(|e| ApiError::invalid_query("skill", e))?;
    let min_rank = match query.min_level.as_deref() {
        None => 0,
        Some(text) => text.parse::<Level>().map_err(|e| ApiError::invalid_query("min_level", e.to_string()))?.rank(),
    };
    let page = PageQuery { limit: query.limit, cursor: query.cursor }.parse::<UserId>()?;
    let (after, limit, page_size) = (page.after, page.fetch_limit(), page.limit);
    let public_url = state.public_url.clone();
    let rows = state
        .store
        .write(move |conn| {
            let mut items = Vec::new();
            // Learners on a page mostly hold the same few achievements.
            let mut achievements_seen: HashMap<AchievementId, achievements::Achievement> = HashMap::new();
            let mut issuer_names: HashMap<OrgId, String> = HashMap::new();
            for (learner, ids) in skills::talent(conn, &skill, min_rank, after, limit)? {
                let account = users::find(conn, learner)?.ok_or(StoreError::NotFound("learner"))?;
                let mut matched = Vec::with_capacity(ids.len());
                for id in ids {
                    let credential = credentials::find(conn, id)?.ok_or(StoreError::NotFound("credential"))?;
                    let achievement = match achievements_seen.entry(credential.achievement) {
                        Entry::Occupied(seen) => seen.into_mut(),
                        Entry::Vacant(slot) => slot.insert(achievements::find(conn, credential.achievement)?.ok_or(StoreError::NotFound("achievement"))?),
                    };
                    let issuer_name = match issuer_names.entry(credential.org) {
                        Entry::Occupied(seen) => seen.get().clone(),
                        Entry::Vacant(slot) => slot.insert(orgs::find(conn, credential.org)?.map(|o| o.name).unwrap_or_default()).clone(),
                    };
                    matched.push(MatchedCredential {
                        id,
                        achievement: achievement.id,
                        achievement_name: achievement.definition.name.as_str().to_owned(),
                        level: achievement.definition.level,
                        issuer: credential.org,
                        issuer_name,
                        awarded_at: credential.awarded_at,
                        valid_until: credential.valid_until,
                    });
                }
                // The extra row fetched to detect a next page is not shown,
                // so it is not logged either.
                let shown = items.len() < page_size;
                if shown {
                    audit::record(
                    conn,
                    audit::Entry::new(audit::Action::TalentMatch, "account", learner.to_string())
                        .actor(employer.caller.id)
                        .org(employer.org)
                        .learner(learner)
                        .detail(serde_json::json!({ "skill": skill, "credentials": matched.iter().map(|c| c.id).collect::<Vec<_>>() })),
                    )?;
                }
                items.push(TalentItem {
                    learner,
                    name: account.name,
                    credentials: matched,
                    request_share: RequestShare {
                        method: "POST",
                        href: format!("{public_url}/v1/talent/requests"),
                        body: serde_json::json!({ "learner": learner, "message": "" }),
                    },
                });
            }
            Ok(items)
        })
        .await?;
    let (items, next_cursor) = page.finish(rows, |item| item.learner);
    Ok(HttpResponse::Ok().json(TalentPage { items, next_cursor }))
}
