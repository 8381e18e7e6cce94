//! `/shares` and `/settings`: the learner's share links (create, list with
//! their views, revoke), the share requests employers sent them (grant by
//! creating a share that answers it, decline), and the talent-search
//! opt-in and the choice of e-mail. The same use cases as `/v1/me/shares`,
//! `/v1/me/share-requests`, `/v1/me/discoverable` and `/v1/me/notifications`.
//!
//! A new link's address exists only in the response that created it (the
//! store keeps the token's hash), so the form's redirect carries it to the
//! next page in a short-lived HttpOnly cookie limited to `/shares`, which
//! that page reads once and removes.

use std::collections::BTreeMap;

use actix_web::cookie::time::Duration as CookieDuration;
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, ResponseError, get, post, web};
use askama::Template;
use cairn_domain::sharing::ShareScope;
use cairn_domain::skill::Skill;
use cairn_domain::{ShareId, ShareRequestId};
use chrono::Duration;
use serde::Deserialize;
use uuid::Uuid;

use crate::http::me::discoverable::DiscoverableSetting;
use crate::http::problem::ApiError;
use crate::services::sharing::{self, ListedShare, NewShare, RequestWithOrg, ShareError, ShareState};
use crate::services::{Context, notifications, talent, wallet};
use crate::state::AppState;
use crate::store::notification_prefs::Preferences;
use crate::store::shares::{RequestStatus, RequestsOf};
use crate::store::skills::Discoverability;
use crate::web::credential::NoFields;
use crate::web::form::Form;
use crate::web::page::{Chrome, PageError};
use crate::web::session::LearnerPage;
use crate::web::wallet::text_at;
use crate::web::words;

/// The cookie carrying a new link to the page after the form.
const NEW_LINK_COOKIE: &str = "cairn_new_share";
const NEW_LINK_PATH: &str = "/shares";
/// How long the new link waits in its cookie for the page to show it.
const NEW_LINK_SECONDS: i64 = 600;
/// How long a link may stay open, as the form offers it (the longest is
/// the service's limit).
const DAYS: [i64; 3] = [7, 30, sharing::MAX_SHARE_DAYS];
const DEFAULT_DAYS: i64 = 30;
/// More shares or requests than a person reads on one page.
const LIST_LIMIT: i64 = 500;

/// One of the learner's shares, said.
struct ShareItem {
    id: String,
    audience: Option<String>,
    scope: String,
    created: String,
    expiry: String,
    views: String,
    state_class: &'static str,
    state: &'static str,
    active: bool,
}

/// An open request from an employer.
struct RequestItem {
    id: String,
    employer: String,
    message: String,
    asked: String,
}

impl RequestItem {
    fn new(row: &RequestWithOrg) -> Self {
        RequestItem {
            id: row.request.id.to_string(),
            employer: row.org_name.clone(),
            message: row.request.message.clone(),
            asked: words::date(row.request.created_at),
        }
    }
}

/// A checkbox of the form.
struct Choice {
    value: String,
    label: String,
    checked: bool,
}

/// One `days` option.
struct DaysOption {
    value: i64,
    label: String,
    selected: bool,
}

/// What the form was filled with (repeated fields, so read as pairs).
#[derive(Default)]
struct Filled {
    scope: String,
    credentials: Vec<String>,
    skills: Vec<String>,
    days: String,
    audience: String,
    request: String,
}

impl Filled {
    fn from_pairs(pairs: &[(String, String)]) -> Self {
        let mut filled = Filled::default();
        for (name, value) in pairs {
            match name.as_str() {
                "scope" => filled.scope = value.clone(),
                "credential" => filled.credentials.push(value.clone()),
                "skill" => filled.skills.push(value.clone()),
                "days" => filled.days = value.clone(),
                "audience" => filled.audience = value.clone(),
                "request" => filled.request = value.trim().to_owned(),
                _ => {}
            }
        }
        filled
    }

    /// The scope chosen, or what to tell the person.
    fn share_scope(&self) -> Result<ShareScope, String> {
        let parts = match self.scope.as_str() {
            "credentials" if self.credentials.is_empty() => return Err("Choose at least one credential to share.".to_owned()),
            "credentials" => {
                let ids = self.credentials.iter().map(|c| c.parse::<Uuid>()).collect::<Result<Vec<_>, _>>();
                let ids = ids.map_err(|_| "A chosen credential is not in your wallet.".to_owned())?;
                ShareScope::from_parts(Some(ids), None, None)
            }
            "skills" if self.skills.is_empty() => return Err("Choose at least one skill to share.".to_owned()),
            "skills" => {
                let skills = self.skills.iter().map(|s| Skill::parse(s)).collect::<Result<Vec<_>, _>>();
                ShareScope::from_parts(None, Some(skills.map_err(|e| words::sentence(&e))?), None)
            }
            "everything" => ShareScope::from_parts(None, None, Some(true)),
            _ => return Err("Choose what to share: chosen credentials, skills, or everything.".to_owned()),
        };
        parts.map_err(|e| words::sentence(&e.to_string()))
    }

    fn days(&self) -> Result<i64, String> {
        self.days.trim().parse::<i64>().ok().filter(|d| DAYS.contains(d)).ok_or_else(|| "Choose how long the link stays open.".to_owned())
    }
}

#[derive(Template)]
#[template(path = "shares.html")]
struct SharesPage {
    chrome: Chrome,
    shares: Vec<ShareItem>,
    requests: Vec<RequestItem>,
    credentials: Vec<Choice>,
    skills: Vec<Choice>,
    days: Vec<DaysOption>,
    scope: String,
    audience: String,
    /// The request this form answers.
    answering: Option<RequestItem>,
    error: Option<String>,
    new_link: Option<String>,
}

/// What the page shows besides the lists.
#[derive(Default)]
struct Shown {
    filled: Filled,
    error: Option<String>,
    new_link: Option<String>,
}

async fn show(state: &AppState, page: &LearnerPage, status: StatusCode, shown: Shown) -> Result<HttpResponse, PageError> {
    let learner = page.caller.id;
    let ctx = Context::new(state, learner);
    let now = ctx.now;
    let contents = wallet::contents(&state.store, ctx).await?;
    let listed = sharing::list(&state.store, Context::new(state, learner), None, LIST_LIMIT).await?;
    let asked = sharing::requests(&state.store, RequestsOf::Learner(learner), None, LIST_LIMIT).await?;
    let Shown { filled, error, new_link } = shown;

    let mut names: BTreeMap<Uuid, String> = BTreeMap::new();
    let mut skills: BTreeMap<String, String> = BTreeMap::new();
    for view in &contents.credentials {
        let name = text_at(&view.ob3, "/credentialSubject/achievement/name").unwrap_or_else(|| "Unnamed credential".to_owned());
        names.insert(view.id.as_uuid(), name);
        let alignments = view.ob3.pointer("/credentialSubject/achievement/alignment").and_then(serde_json::Value::as_array);
        for alignment in alignments.into_iter().flatten() {
            let Some(key) = text_at(alignment, "/targetUrl").or_else(|| text_at(alignment, "/targetCode")) else { continue };
            let label = text_at(alignment, "/targetName").unwrap_or_else(|| key.clone());
            skills.entry(key).or_insert(label);
        }
    }
    for imported in contents.imported.iter().filter(|i| i.holder) {
        names.insert(imported.id.as_uuid(), imported.achievement_name.clone().unwrap_or_else(|| "Imported credential".to_owned()));
    }

    let shares = listed.iter().rev().map(|row| share_item(row, now, &names)).collect();
    let pending: Vec<&RequestWithOrg> = asked.iter().filter(|r| r.request.status == RequestStatus::Pending).collect();
    let answering = match filled.request.as_str() {
        "" => None,
        id => Some(RequestItem::new(pending.iter().find(|r| r.request.id.to_string() == id).ok_or(PageError::NotFound)?)),
    };
    let days_chosen = filled.days().unwrap_or(DEFAULT_DAYS);
    let page_data = SharesPage {
        chrome: page.visitor.chrome("Sharing"),
        shares,
        requests: pending.iter().map(|r| RequestItem::new(r)).collect(),
        credentials: names
            .iter()
            .map(|(id, name)| {
                let value = id.to_string();
                Choice { checked: filled.credentials.contains(&value), value, label: name.clone() }
            })
            .collect(),
        skills: skills.into_iter().map(|(value, label)| Choice { checked: filled.skills.contains(&value), value, label }).collect(),
        days: DAYS.iter().map(|&value| DaysOption { value, label: words::days(value), selected: value == days_chosen }).collect(),
        scope: filled.scope,
        audience: filled.audience,
        answering,
        error,
        new_link,
    };
    page.visitor.render_with(status, &page_data)
}

fn share_item(row: &ListedShare, now: chrono::DateTime<chrono::Utc>, names: &BTreeMap<Uuid, String>) -> ShareItem {
    let share = &row.share;
    let (state_class, expiry) = match row.state {
        ShareState::Active => ("active", words::expiry(now, Some(share.expires_at))),
        ShareState::Expired => ("expired", words::expiry(now, Some(share.expires_at))),
        ShareState::Revoked => ("revoked", share.revoked_at.map(|at| format!("revoked {}", words::date(at))).unwrap_or_default()),
    };
    ShareItem {
        id: share.id.to_string(),
        audience: share.audience.clone(),
        scope: words::share_scope(&share.scope, |id| names.get(id).cloned()),
        created: words::created(share.created_at),
        expiry,
        views: words::views(row.views.len()),
        state_class,
        state: words::share_state(row.state),
        active: row.state == ShareState::Active,
    }
}

#[derive(Deserialize)]
pub struct SharesQuery {
    /// The share just created: its link is shown once.
    created: Option<String>,
    /// A request to answer: the form is set to answer it.
    request: Option<String>,
}

#[get("/shares")]
pub async fn shares_page(
    state: web::Data<AppState>,
    page: LearnerPage,
    req: HttpRequest,
    query: web::Query<SharesQuery>,
) -> Result<HttpResponse, PageError> {
    let query = query.into_inner();
    let mut shown = Shown { filled: Filled { request: query.request.unwrap_or_default(), ..Filled::default() }, ..Shown::default() };
    let mut carried = false;
    if let (Some(created), Some(cookie)) = (query.created, req.cookie(NEW_LINK_COOKIE)) {
        carried = true;
        if let Some((id, url)) = cookie.value().split_once('.')
            && id == created
        {
            shown.new_link = Some(url.to_owned());
        }
    }
    let mut response = show(&state, &page, StatusCode::OK, shown).await?;
    if carried {
        response.add_cookie(&page.visitor.flash_removal(NEW_LINK_COOKIE, NEW_LINK_PATH)).map_err(ApiError::internal)?;
    }
    Ok(response)
}

/// Creates a share with the same use case as `POST /v1/me/shares`; bad
/// input shows the form again with what to fix, and creates nothing.
#[post("/shares")]
pub async fn create_share(state: web::Data<AppState>, page: LearnerPage, form: Form<Vec<(String, String)>>) -> Result<HttpResponse, PageError> {
    let filled = Filled::from_pairs(&form.fields);
    let again = |filled: Filled, status: StatusCode, error: String| {
        let (state, page) = (state.clone(), page.clone());
        async move { show(&state, &page, status, Shown { filled, error: Some(error), new_link: None }).await }
    };
    let request = match filled.request.as_str() {
        "" => None,
        raw => Some(raw.parse::<ShareRequestId>().map_err(|_| PageError::NotFound)?),
    };
    let checked = filled.share_scope().and_then(|scope| filled.days().map(|days| (scope, days)));
    let (scope, days) = match checked {
        Ok(chosen) => chosen,
        Err(error) => return again(filled, StatusCode::UNPROCESSABLE_ENTITY, error).await,
    };
    let ctx = Context::new(&state, page.caller.id);
    let audience = Some(filled.audience.clone());
    let new = NewShare { scope, expires_at: ctx.now + Duration::days(days), audience, request };
    match sharing::create(&state.store, ctx, new).await {
        Ok(created) => {
            let id = created.share.id;
            let mut response = form.visitor.redirect(&format!("/shares?created={id}"));
            let cookie =
                form.visitor.flash_cookie(NEW_LINK_COOKIE, format!("{id}.{}", created.url), NEW_LINK_PATH, CookieDuration::seconds(NEW_LINK_SECONDS));
            response.add_cookie(&cookie).map_err(ApiError::internal)?;
            Ok(response)
        }
        Err(error @ (ShareError::Store(_) | ShareError::Token(_) | ShareError::Signing(_))) => Err(error.into()),
        Err(error) => {
            let mut filled = filled;
            if matches!(error, ShareError::UnknownRequest | ShareError::RequestAnswered) {
                // The form no longer answers it: shown plain, with why.
                filled.request.clear();
            }
            let message = words::sentence(&error.to_string());
            let status = ApiError::from(error).status_code();
            again(filled, status, message).await
        }
    }
}

/// Revokes one of the learner's shares (`DELETE /v1/me/shares/{id}`'s use case).
#[post("/shares/{id}/revoke")]
pub async fn revoke_share(
    state: web::Data<AppState>,
    page: LearnerPage,
    path: web::Path<String>,
    form: Form<NoFields>,
) -> Result<HttpResponse, PageError> {
    let id: ShareId = path.parse().map_err(|_| PageError::NotFound)?;
    sharing::revoke(&state.store, Context::new(&state, page.caller.id), id).await?;
    Ok(form.visitor.redirect("/shares"))
}

/// Declines a request sent to the learner (`POST /v1/me/share-requests/{id}/decline`'s use case).
#[post("/shares/requests/{id}/decline")]
pub async fn decline_request(
    state: web::Data<AppState>,
    page: LearnerPage,
    path: web::Path<String>,
    form: Form<NoFields>,
) -> Result<HttpResponse, PageError> {
    let id: ShareRequestId = path.parse().map_err(|_| PageError::NotFound)?;
    sharing::decline(&state.store, Context::new(&state, page.caller.id), id).await?;
    Ok(form.visitor.redirect("/shares"))
}

#[derive(Template)]
#[template(path = "settings.html")]
struct SettingsPage {
    chrome: Chrome,
    discoverable: bool,
    /// The skills a per-skill opt-in (made through the API) is limited to.
    skills: Vec<String>,
    /// Which mail the learner gets.
    mail: Preferences,
    saved: bool,
}

#[derive(Deserialize)]
pub struct SettingsQuery {
    saved: Option<String>,
}

#[get("/settings")]
pub async fn settings_page(state: web::Data<AppState>, page: LearnerPage, query: web::Query<SettingsQuery>) -> Result<HttpResponse, PageError> {
    let setting = talent::discoverability(&state.store, Context::new(&state, page.caller.id)).await?;
    let skills = match &setting {
        Discoverability::Skills(skills) => skills.iter().map(|s| s.as_str().to_owned()).collect(),
        Discoverability::Hidden | Discoverability::EverySkill => Vec::new(),
    };
    let mail = notifications::preferences(&state.store, Context::new(&state, page.caller.id)).await?;
    let settings = SettingsPage {
        chrome: page.visitor.chrome("Settings"),
        discoverable: setting != Discoverability::Hidden,
        skills,
        mail,
        saved: query.saved.is_some(),
    };
    page.visitor.render(&settings)
}

#[derive(Deserialize)]
pub struct DiscoverableFields {
    /// Present when the box is ticked.
    discoverable: Option<String>,
}

/// Opts in or out of talent search with `PUT /v1/me/discoverable`'s use
/// case. Ticked, a per-skill opt-in made through the API is kept as it is.
#[post("/settings/discoverable")]
pub async fn set_discoverable(state: web::Data<AppState>, page: LearnerPage, form: Form<DiscoverableFields>) -> Result<HttpResponse, PageError> {
    let current = talent::discoverability(&state.store, Context::new(&state, page.caller.id)).await?;
    let setting = match (form.fields.discoverable.is_some(), current) {
        (false, _) => Discoverability::Hidden,
        (true, skills @ Discoverability::Skills(_)) => skills,
        (true, _) => Discoverability::EverySkill,
    };
    let shown = serde_json::to_value(DiscoverableSetting::from_stored(setting.clone())).map_err(ApiError::internal)?;
    talent::set_discoverability(&state.store, Context::new(&state, page.caller.id), setting, shown).await?;
    Ok(form.visitor.redirect("/settings?saved=1"))
}

#[derive(Deserialize)]
pub struct NotificationFields {
    /// Each present when its box is ticked.
    issued: Option<String>,
    awards: Option<String>,
    status_changes: Option<String>,
    share_requests: Option<String>,
}

/// Chooses which mail the learner gets, with `PUT /v1/me/notifications`'s
/// use case.
#[post("/settings/notifications")]
pub async fn set_notifications(state: web::Data<AppState>, page: LearnerPage, form: Form<NotificationFields>) -> Result<HttpResponse, PageError> {
    let fields = &form.fields;
    let chosen = Preferences {
        issued: fields.issued.is_some(),
        awards: fields.awards.is_some(),
        status_changes: fields.status_changes.is_some(),
        share_requests: fields.share_requests.is_some(),
    };
    notifications::set_preferences(&state.store, Context::new(&state, page.caller.id), chosen).await?;
    Ok(form.visitor.redirect("/settings?saved=1"))
}
