//! `/wallet`: the learner's record as cards (issued, imported, employment),
//! the CLR download and claiming a credential by code. The same use cases
//! as `/v1/me/wallet`, `/v1/me/clr` and `/v1/me/claims`.

use actix_web::http::StatusCode;
use actix_web::http::header::{self, ContentDisposition, DispositionParam, DispositionType};
use actix_web::{HttpResponse, get, post, web};
use askama::Template;
use chrono::{DateTime, NaiveDate, Utc};
use serde::Deserialize;
use serde_json::Value;

use crate::http::problem::ApiError;
use crate::services::records::CredentialView;
use crate::services::verification::Outcome;
use crate::services::wallet::{self, ClrExport, Contents};
use crate::services::{Context, claims};
use crate::signing;
use crate::state::AppState;
use crate::store::employment::EmploymentRecord;
use crate::store::imports::Imported;
use crate::web::credential_links::badge_svg;
use crate::web::form::Form;
use crate::web::page::{Chrome, PageError};
use crate::web::session::{LearnerPage, Visitor};
use crate::web::words;

/// A credential as a card: what a person reads at a glance.
pub struct Card {
    pub id: String,
    pub name: String,
    pub issuer: String,
    /// "Micro credential · level intermediate".
    pub kind: String,
    pub credits: Option<String>,
    pub awarded: String,
    pub expiry: String,
    pub state_class: &'static str,
    pub state_label: &'static str,
    /// The achievement's own image, when it has one.
    pub image: Option<String>,
    /// Otherwise a drawn badge (inline SVG, already escaped).
    pub drawn_badge: String,
}

/// The text at `pointer` in a credential document.
pub fn text_at(doc: &Value, pointer: &str) -> Option<String> {
    doc.pointer(pointer).and_then(Value::as_str).map(str::to_owned).filter(|s| !s.trim().is_empty())
}

/// The achievement's level, from its `level:` tag.
pub fn level_of(ob3: &Value) -> Option<String> {
    ob3.pointer("/credentialSubject/achievement/tag")?
        .as_array()?
        .iter()
        .filter_map(Value::as_str)
        .find_map(|t| t.strip_prefix("level:"))
        .map(str::to_owned)
}

impl Card {
    pub fn new(view: &CredentialView, now: DateTime<Utc>) -> Self {
        let ob3 = &view.ob3;
        let name = text_at(ob3, "/credentialSubject/achievement/name").or_else(|| text_at(ob3, "/name")).unwrap_or_default();
        let mut kind = text_at(ob3, "/credentialSubject/achievement/achievementType").map(|k| words::achievement_type(&k)).unwrap_or_default();
        if let Some(level) = level_of(ob3) {
            kind = if kind.is_empty() { words::level(&level) } else { format!("{kind} · {}", words::level(&level)) };
        }
        let expired = view.valid_until.is_some_and(|at| at <= now);
        let (state_class, state_label) = words::credential_state(view.status, expired);
        Card {
            id: view.id.to_string(),
            drawn_badge: badge_svg(&name),
            issuer: text_at(ob3, "/issuer/name").unwrap_or_default(),
            kind,
            credits: view.credits_earned.as_ref().map(ToString::to_string),
            awarded: words::date(view.awarded_at),
            expiry: words::expiry(now, view.valid_until),
            state_class,
            state_label,
            image: text_at(ob3, "/credentialSubject/achievement/image/id"),
            name,
        }
    }
}

/// An imported credential and whether it checked out.
struct ImportedCard {
    name: String,
    issuer: String,
    verified: bool,
    /// Why it is not verified: each failed check in words.
    why: Vec<String>,
}

impl ImportedCard {
    fn new(imported: &Imported) -> Self {
        let mut why: Vec<String> = imported
            .verification
            .get("checks")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter(|c| c.get("result").and_then(Value::as_str) == Some("fail"))
            .map(|c| {
                let name = words::check_name(c.get("check").and_then(Value::as_str).unwrap_or_default());
                let detail = c.get("detail").and_then(Value::as_str).unwrap_or_default();
                format!("{name}: {detail}")
            })
            .collect();
        if why.is_empty() && !imported.verified {
            why.push(words::check_outcome(Outcome::Fail).to_owned());
        }
        ImportedCard {
            name: imported.achievement_name.clone().unwrap_or_default(),
            issuer: imported.issuer_name.clone().or_else(|| imported.issuer_id.clone()).unwrap_or_default(),
            verified: imported.verified,
            why,
        }
    }
}

/// A job as a card (`employment_cards.html`: the wallet and the share page).
pub struct Job {
    pub title: String,
    pub employer: String,
    /// "March 2021 – present".
    pub dates: String,
    pub attested: bool,
}

impl Job {
    pub fn new(title: &str, employer: &str, start: NaiveDate, end: Option<NaiveDate>, attested: bool) -> Self {
        Job { title: title.to_owned(), employer: employer.to_owned(), dates: words::span(start, end), attested }
    }

    fn of(record: &EmploymentRecord) -> Self {
        let e = &record.employment;
        Job::new(e.title.as_str(), e.employer_name.as_str(), e.start_date, e.end_date, record.attestation.is_some())
    }
}

#[derive(Template)]
#[template(path = "wallet.html")]
struct WalletPage {
    chrome: Chrome,
    cards: Vec<Card>,
    imported: Vec<ImportedCard>,
    jobs: Vec<Job>,
    claim_error: Option<String>,
    code: String,
}

async fn show(
    state: &AppState,
    page: &LearnerPage,
    status: StatusCode,
    claim_error: Option<String>,
    code: String,
) -> Result<HttpResponse, PageError> {
    let ctx = Context::new(state, page.caller.id);
    let now = ctx.now;
    let Contents { credentials, imported, employment } = wallet::contents(&state.store, ctx).await?;
    let visitor: &Visitor = &page.visitor;
    let wallet = WalletPage {
        chrome: visitor.chrome("Your wallet"),
        cards: credentials.iter().map(|c| Card::new(c, now)).collect(),
        imported: imported.iter().map(ImportedCard::new).collect(),
        jobs: employment.iter().map(Job::of).collect(),
        claim_error,
        code,
    };
    visitor.render_with(status, &wallet)
}

#[derive(Deserialize)]
pub struct WalletQuery {
    /// A claim code from a claim mail's link: the claim form comes filled
    /// in (claiming stays a POST with the form's CSRF token).
    claim: Option<String>,
}

#[get("/wallet")]
pub async fn wallet_page(state: web::Data<AppState>, page: LearnerPage, query: web::Query<WalletQuery>) -> Result<HttpResponse, PageError> {
    let code = query.into_inner().claim.map(|c| c.trim().to_owned()).filter(|c| c.len() <= 256).unwrap_or_default();
    show(&state, &page, StatusCode::OK, None, code).await
}

/// A download: `name` is the file name offered.
pub fn attachment(content_type: &str, name: &str, body: String) -> HttpResponse {
    HttpResponse::Ok()
        .content_type(content_type)
        .insert_header(ContentDisposition { disposition: DispositionType::Attachment, parameters: vec![DispositionParam::Filename(name.to_owned())] })
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .body(body)
}

/// The whole record as the signed CLR JSON, as `GET /v1/me/clr` returns it.
#[get("/wallet/clr")]
pub async fn clr_download(state: web::Data<AppState>, page: LearnerPage) -> Result<HttpResponse, PageError> {
    let json = match wallet::clr(&state, Context::new(&state, page.caller.id), false).await? {
        ClrExport::Json(json) => json,
        ClrExport::Jwt(jwt) => Value::String(jwt),
    };
    let body = serde_json::to_string_pretty(&json).map_err(ApiError::internal)?;
    Ok(attachment("application/json", "comprehensive-learner-record.json", body))
}

#[derive(Deserialize)]
pub struct ClaimFields {
    code: String,
}

/// Claims a credential by its code, as `POST /v1/me/claims` does; a wrong
/// code shows the wallet again with the error.
#[post("/wallet/claim")]
pub async fn claim(state: web::Data<AppState>, page: LearnerPage, form: Form<ClaimFields>) -> Result<HttpResponse, PageError> {
    let code = form.fields.code.trim().to_owned();
    let wrong = |state: web::Data<AppState>, page: LearnerPage, code: String| async move {
        let error = "No credential waits for this code: check it, or ask the issuer for a new one.".to_owned();
        show(&state, &page, StatusCode::UNPROCESSABLE_ENTITY, Some(error), code).await
    };
    if code.is_empty() || code.len() > 256 {
        return wrong(state, page, code).await;
    }
    let hash = signing::hash_secret(&code);
    let ctx = Context::new(&state, page.caller.id);
    let claimed = state.store.write_as(move |conn| claims::redeem(conn, &ctx, &hash)).await;
    match claimed {
        Ok(view) => Ok(form.visitor.redirect(&format!("/wallet/credentials/{}", view.id))),
        Err(claims::ClaimError::UnknownCode) => wrong(state, page, code).await,
        Err(error) => Err(error.into()),
    }
}
