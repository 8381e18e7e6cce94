//! The employer's pages: `/talent` (find discoverable learners by verified
//! skill, ask one for their record), `/talent/requests` (the organisation's
//! requests) and `/talent/requests/{id}` (a granted record, each credential
//! verified). The same use cases as `GET /v1/talent`, `POST
//! /v1/talent/requests`, `GET /v1/orgs/{org}/share-requests` and `GET
//! /v1/share-requests/{id}/record`.

use actix_web::{HttpResponse, get, post, web};
use askama::Template;
use cairn_domain::skill::Skill;
use cairn_domain::{ShareRequestId, UserId};
use serde::Deserialize;

use crate::http::extract::PageQuery;
use crate::services::Context;
use crate::services::rate_limits;
use crate::services::sharing::{self, RequestWithOrg};
use crate::services::talent::{self, Search, SkillInUse, TalentItem};
use crate::state::AppState;
use crate::store::shares::{RequestStatus, RequestsOf};
use crate::web::form::Form;
use crate::web::page::{Chrome, PageError};
use crate::web::session::EmployerPage;
use crate::web::verifier::VerdictView;
use crate::web::words;

/// Learners shown per page of results.
const RESULTS_PER_PAGE: usize = 50;

#[derive(Template)]
#[template(path = "talent.html")]
struct TalentPage {
    chrome: Chrome,
    skills: Vec<SkillInUse>,
    /// The skill searched, when one was.
    skill: Option<String>,
    /// The searched skill's name, when it is one in use.
    skill_name: Option<String>,
    results: Vec<Found>,
    next: Option<String>,
}

/// A learner found, in words.
struct Found {
    learner: UserId,
    name: String,
    credentials: Vec<FoundCredential>,
}

struct FoundCredential {
    name: String,
    level: Option<&'static str>,
    issuer: String,
    awarded: String,
    expiry: String,
}

impl Found {
    fn of(item: TalentItem, now: chrono::DateTime<chrono::Utc>) -> Self {
        Found {
            learner: item.learner,
            name: item.name,
            credentials: item
                .credentials
                .into_iter()
                .map(|c| FoundCredential {
                    name: c.achievement_name,
                    level: c.level.map(cairn_domain::Level::as_str),
                    issuer: c.issuer_name,
                    awarded: words::date(c.awarded_at),
                    expiry: words::expiry(now, c.valid_until),
                })
                .collect(),
        }
    }
}

#[derive(Deserialize)]
pub struct TalentQuery {
    skill: Option<String>,
    cursor: Option<String>,
}

#[get("/talent")]
pub async fn talent_page(state: web::Data<AppState>, page: EmployerPage, query: web::Query<TalentQuery>) -> Result<HttpResponse, PageError> {
    let EmployerPage { visitor, caller, org } = page;
    let skills = talent::skills_in_use(&state.store).await?;
    let TalentQuery { skill, cursor } = query.into_inner();
    let skill = skill.map(|s| s.trim().to_owned()).filter(|s| !s.is_empty());
    let (mut results, mut next) = (Vec::new(), None);
    if let Some(text) = &skill {
        let ctx = Context::new(&state, caller.id);
        let now = ctx.now;
        rate_limits::check(&state.store, &ctx, state.talent_limiter).await?;
        let parsed = Skill::parse(text).map_err(|e| crate::http::problem::ApiError::invalid_query("skill", e))?;
        let paging = PageQuery { limit: Some(RESULTS_PER_PAGE as i64), cursor }.parse::<UserId>()?;
        let search = Search { skill: parsed, min_rank: 0, after: paging.after, fetch: paging.fetch_limit(), page_size: paging.limit };
        let rows = talent::search(&state.store, ctx, org, search).await?;
        let (items, cursor) = paging.finish(rows, |item| item.learner);
        results = items.into_iter().map(|item| Found::of(item, now)).collect();
        next = cursor.map(|c| format!("/talent?skill={}&cursor={c}", form_urlencoded::byte_serialize(text.as_bytes()).collect::<String>()));
    }
    let skill_name = skill.as_ref().and_then(|s| skills.iter().find(|k| &k.skill == s).map(|k| k.name.clone()));
    let title = match &skill_name {
        Some(name) => format!("Talent: {name}"),
        None => "Find talent".to_owned(),
    };
    visitor.render(&TalentPage { chrome: visitor.chrome(title), skills, skill, skill_name, results, next })
}

#[derive(Deserialize)]
pub struct RequestFields {
    learner: UserId,
    #[serde(default)]
    message: String,
}

#[post("/talent/requests")]
pub async fn send_request(state: web::Data<AppState>, page: EmployerPage, form: Form<RequestFields>) -> Result<HttpResponse, PageError> {
    let Form { visitor, fields } = form;
    let ctx = Context::new(&state, page.caller.id);
    sharing::request(&state.store, ctx, page.org, fields.learner, &fields.message).await?;
    Ok(visitor.redirect("/talent/requests"))
}

#[derive(Template)]
#[template(path = "talent_requests.html")]
struct RequestsPage {
    chrome: Chrome,
    requests: Vec<RequestLine>,
    next: Option<String>,
}

struct RequestLine {
    id: ShareRequestId,
    learner: String,
    message: String,
    status: &'static str,
    granted: bool,
    sent: String,
    answered: Option<String>,
}

impl RequestLine {
    fn of(RequestWithOrg { request, learner_name, .. }: RequestWithOrg) -> Self {
        RequestLine {
            id: request.id,
            learner: learner_name,
            message: request.message,
            status: words::request_status(request.status),
            granted: request.status == RequestStatus::Granted,
            sent: words::date(request.created_at),
            answered: request.answered_at.map(words::date),
        }
    }
}

#[derive(Deserialize)]
pub struct CursorQuery {
    cursor: Option<String>,
}

#[get("/talent/requests")]
pub async fn requests_page(state: web::Data<AppState>, page: EmployerPage, query: web::Query<CursorQuery>) -> Result<HttpResponse, PageError> {
    let paging = PageQuery { limit: None, cursor: query.into_inner().cursor }.parse::<ShareRequestId>()?;
    let rows = sharing::requests(&state.store, RequestsOf::Org(page.org), paging.after, paging.fetch_limit()).await?;
    let (rows, cursor) = paging.finish(rows, |r| r.request.id);
    let requests = rows.into_iter().map(RequestLine::of).collect();
    let visitor = page.visitor;
    visitor.render(&RequestsPage { chrome: visitor.chrome("Share requests"), requests, next: cursor.map(|c| format!("/talent/requests?cursor={c}")) })
}

#[derive(Template)]
#[template(path = "talent_record.html")]
struct RecordPage {
    chrome: Chrome,
    learner: String,
    expires: String,
    credentials: Vec<RecordCredential>,
    imported: Vec<RecordImport>,
    employment: Vec<RecordEmployment>,
}

struct RecordCredential {
    name: String,
    result: VerdictView,
}

struct RecordImport {
    name: String,
    issuer: String,
    verified: bool,
}

struct RecordEmployment {
    title: String,
    employer: String,
    dates: String,
    verified: bool,
}

#[get("/talent/requests/{id}")]
pub async fn record_page(state: web::Data<AppState>, page: EmployerPage, path: web::Path<String>) -> Result<HttpResponse, PageError> {
    let id: ShareRequestId = path.parse().map_err(|_| PageError::NotFound)?;
    let ctx = Context::new(&state, page.caller.id);
    let record = sharing::requested_record(state.into_inner(), ctx, page.org, id).await?;
    let credentials = record
        .credentials
        .iter()
        .map(|c| {
            let result = VerdictView::of(&c.verification);
            let name = result.about.as_ref().and_then(|a| a.name.clone()).unwrap_or_default();
            RecordCredential { name, result }
        })
        .collect();
    let imported = record
        .imported
        .iter()
        .map(|i| RecordImport {
            name: i.achievement_name.clone().unwrap_or_default(),
            issuer: i.issuer_name.clone().or_else(|| i.issuer.clone()).unwrap_or_default(),
            verified: i.verified,
        })
        .collect();
    let employment = record
        .employment
        .iter()
        .map(|e| RecordEmployment {
            title: e.title.clone(),
            employer: e.employer_name.clone(),
            dates: words::span(e.start_date, e.end_date),
            verified: e.verified,
        })
        .collect();
    let visitor = page.visitor;
    visitor.render(&RecordPage {
        chrome: visitor.chrome(format!("Record of {}", record.learner.name)),
        learner: record.learner.name,
        expires: words::date(record.expires_at),
        credentials,
        imported,
        employment,
    })
}
