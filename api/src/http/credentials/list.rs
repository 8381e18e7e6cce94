//! `GET /v1/orgs/{org}/credentials`: what the institution issued, newest
//! first, filtered, each credential with its recipient and history.

use actix_web::{HttpResponse, get, web};
use cairn_domain::{AchievementId, CredentialId, Email, OrgId, PathwayId, UserId};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::http::caller::Issuer;
use crate::http::extract::{PageQuery, Query, path_id};
use crate::http::problem::{ApiError, ApiResult, ProblemDocument};
use crate::services::issued::{self, Listed};
use crate::state::AppState;
use crate::store::credentials::CredentialStatus;
use crate::store::issued::{Filter, HistoryEntry};

/// The longest text search.
pub const MAX_SEARCH: usize = 200;

#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct IssuedQuery {
    /// Only credentials of this achievement (id).
    #[param(schema_with = uuid_or_empty)]
    pub achievement: Option<String>,
    /// Only credentials held by this learner (id).
    #[param(schema_with = uuid_or_empty)]
    pub learner: Option<String>,
    /// Only credentials of this recipient address (exact, any case): the
    /// address a credential waits at, or its holder's account address.
    #[param(schema_with = email_or_empty)]
    pub email: Option<String>,
    /// `active`, `suspended` or `revoked`.
    #[param(schema_with = status_schema)]
    pub status: Option<String>,
    /// Issued at or after this instant (RFC 3339).
    pub issued_after: Option<DateTime<Utc>>,
    /// Issued before this instant (RFC 3339).
    pub issued_before: Option<DateTime<Utc>>,
    /// Text search: a part of the recipient's name or e-mail address, any case.
    #[param(max_length = 200)]
    pub q: Option<String>,
    /// Items per page: 1 to 200, default 50. Larger values are capped at 200.
    #[param(minimum = 1)]
    pub limit: Option<i64>,
    /// The `next_cursor` of the previous page.
    #[param(format = Uuid)]
    pub cursor: Option<String>,
}

// Each filter may be sent empty: no filter (see `given`).
fn status_schema() -> utoipa::openapi::schema::Object {
    crate::http::openapi::string_enum(&["active", "suspended", "revoked", ""])
}

fn uuid_or_empty() -> utoipa::openapi::schema::Schema {
    crate::http::openapi::format_or_empty(utoipa::openapi::KnownFormat::Uuid)
}

fn email_or_empty() -> utoipa::openapi::schema::Schema {
    crate::http::openapi::format_or_empty(utoipa::openapi::KnownFormat::Email)
}

/// An empty parameter (as a search form sends it) is no filter; one of
/// only spaces is a value, and refused where it is no id, address or status
/// (the schema allows exactly the empty string).
fn given(value: &Option<String>) -> Option<&str> {
    value.as_deref().filter(|v| !v.is_empty()).map(str::trim)
}

/// `active`, `suspended` or `revoked`, as the API writes them.
pub fn parse_status(raw: &str) -> Option<CredentialStatus> {
    [CredentialStatus::Active, CredentialStatus::Suspended, CredentialStatus::Revoked].into_iter().find(|s| s.as_str() == raw)
}

impl IssuedQuery {
    /// The filter these parameters ask for; a bad value is a 400 naming it.
    pub fn filter(&self) -> Result<Filter, ApiError> {
        let id = |name: &'static str, value: &Option<String>| -> Result<Option<uuid::Uuid>, ApiError> {
            given(value).map(|raw| raw.parse::<uuid::Uuid>().map_err(|_| ApiError::invalid_query(name, "expected an id (a UUID)"))).transpose()
        };
        let achievement = id("achievement", &self.achievement)?.map(AchievementId::from);
        let learner = id("learner", &self.learner)?.map(UserId::from);
        let email = given(&self.email).map(|raw| Email::parse(raw).map_err(|e| ApiError::invalid_query("email", e.to_string()))).transpose()?;
        let status = given(&self.status)
            .map(|raw| parse_status(raw).ok_or_else(|| ApiError::invalid_query("status", "expected `active`, `suspended` or `revoked`")))
            .transpose()?;
        let text = match given(&self.q) {
            Some(q) if q.chars().count() > MAX_SEARCH => return Err(ApiError::invalid_query("q", format!("at most {MAX_SEARCH} characters"))),
            q => q.map(str::to_owned),
        };
        Ok(Filter { achievement, learner, email, status, issued_after: self.issued_after, issued_before: self.issued_before, text, ids: None })
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AchievementRef {
    #[schema(value_type = String, format = Uuid)]
    pub id: AchievementId,
    pub name: String,
}

/// Who a credential is for.
#[derive(Debug, Serialize, ToSchema)]
pub struct RecipientView {
    /// The holder; null while the credential waits at an address.
    #[schema(value_type = Option<String>, format = Uuid)]
    pub learner: Option<UserId>,
    /// The holder's name; null while unclaimed.
    pub name: Option<String>,
    /// The holder's account address, or the address the credential waits at.
    #[schema(format = Email)]
    pub email: Option<String>,
    /// Whether a learner holds it (issued to their account, or claimed).
    pub claimed: bool,
}

/// The pathway an award credential was issued for.
#[derive(Debug, Serialize, ToSchema)]
pub struct AwardRef {
    #[schema(value_type = String, format = Uuid)]
    pub pathway: PathwayId,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ActorRef {
    #[schema(value_type = String, format = Uuid)]
    pub id: UserId,
    pub name: Option<String>,
}

/// One entry of a credential's history: issued, suspended, reinstated, revoked.
#[derive(Debug, Serialize, ToSchema)]
pub struct HistoryView {
    /// The status from then on.
    pub status: CredentialStatus,
    /// `issued`, or the reason given (a cascade names the constituent).
    pub reason: String,
    pub at: DateTime<Utc>,
    /// The account that made the change (for a cascade, whoever changed the constituent).
    pub actor: Option<ActorRef>,
}

impl From<HistoryEntry> for HistoryView {
    fn from(e: HistoryEntry) -> Self {
        HistoryView { status: e.status, reason: e.reason, at: e.at, actor: e.actor.map(|id| ActorRef { id, name: e.actor_name }) }
    }
}

/// A credential as the institution's list shows it (no documents: those
/// are at `GET /v1/credentials/{id}`).
#[derive(Debug, Serialize, ToSchema)]
pub struct IssuedView {
    #[schema(value_type = String, format = Uuid)]
    pub id: CredentialId,
    pub achievement: AchievementRef,
    pub recipient: RecipientView,
    pub status: CredentialStatus,
    pub awarded_at: DateTime<Utc>,
    /// When it was issued here (a back-dated award has an earlier `awarded_at`).
    pub issued_at: DateTime<Utc>,
    pub valid_until: Option<DateTime<Utc>>,
    /// Set when the credential is an award one of the institution's pathways issued.
    pub award: Option<AwardRef>,
    /// Oldest first.
    pub history: Vec<HistoryView>,
}

impl From<Listed> for IssuedView {
    fn from(listed: Listed) -> Self {
        let row = listed.row;
        let claimed = row.learner.is_some();
        IssuedView {
            id: row.id,
            achievement: AchievementRef { id: row.achievement, name: row.achievement_name },
            recipient: RecipientView {
                learner: row.learner,
                name: row.learner_name,
                email: if claimed { row.learner_email } else { row.recipient_email },
                claimed,
            },
            status: row.status,
            awarded_at: row.awarded_at,
            issued_at: row.created_at,
            valid_until: row.valid_until,
            award: row.award_of.map(|pathway| AwardRef { pathway }),
            history: listed.history.into_iter().map(HistoryView::from).collect(),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct IssuedPage {
    pub items: Vec<IssuedView>,
    /// Pass as `cursor` to get the next page; null on the last page.
    pub next_cursor: Option<String>,
}

/// The credentials the institution issued, newest first.
///
/// Issuers of that institution only (others get 404). Awards its pathways
/// issued are included and marked (`award`). Filters combine (every one
/// given must match); an empty parameter is no filter; a malformed one is a
/// 400 naming it.
#[utoipa::path(
    tag = "credentials",
    security(("bearer" = [])),
    params(("org" = String, Path, description = "Institution id"), IssuedQuery),
    responses(
        (status = 200, description = "A page of issued credentials", body = IssuedPage),
        (status = 400, description = "A malformed filter, limit or cursor (named in `errors`)", body = ProblemDocument, content_type = "application/problem+json"),
        (status = 401, description = "Missing or invalid token", body = ProblemDocument, content_type = "application/problem+json"),
        (status = 403, description = "The caller is not an issuer", body = ProblemDocument, content_type = "application/problem+json"),
        (status = 404, description = "Not the caller's institution", body = ProblemDocument, content_type = "application/problem+json"),
    )
)]
#[get("/v1/orgs/{org}/credentials")]
pub async fn list_issued(state: web::Data<AppState>, issuer: Issuer, path: web::Path<String>, query: Query<IssuedQuery>) -> ApiResult<HttpResponse> {
    let org: OrgId = path_id(&path, "organisation")?;
    if org != issuer.org {
        return Err(ApiError::NotFound("organisation".into()));
    }
    let filter = query.filter()?;
    let page = PageQuery { limit: query.limit, cursor: query.cursor.clone() }.parse::<CredentialId>()?;
    let rows = issued::list(&state.store, org, filter, page.after, page.fetch_limit()).await?;
    let (rows, next_cursor) = page.finish(rows, |listed| listed.row.id);
    Ok(HttpResponse::Ok().json(IssuedPage { items: rows.into_iter().map(IssuedView::from).collect(), next_cursor }))
}
