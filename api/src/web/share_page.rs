//! The page anyone with a share link sees. The link is the API's
//! `/v1/shares/{token}`: a browser (whose `Accept` prefers HTML to JSON)
//! gets this page, every other client the JSON (`configure_negotiated`
//! registers it before the API with a guard). It calls the same use case
//! (`sharing::open`), so each opening is verified and logged now.

use actix_web::guard::GuardContext;
use actix_web::http::StatusCode;
use actix_web::http::header::{self, Accept, Quality, QualityItem};
use actix_web::mime::Mime;
use actix_web::{HttpResponse, get, web};
use askama::Template;

use crate::services::PublicContext;
use crate::services::records::CredentialView;
use crate::services::sharing::{self, ShareError, SharedRecord};
use crate::services::verification::Outcome;
use crate::state::AppState;
use crate::web::page::{Chrome, PageError};
use crate::web::session::Visitor;
use crate::web::wallet::{Job, attachment, text_at};
use crate::web::words;

/// The presentation's media type: the JWT's `typ` (VC-JOSE-COSE).
const PRESENTATION_TYPE: &str = "application/vp+jwt";

/// Whether the request's `Accept` prefers HTML to JSON: a browser. `*/*`,
/// no `Accept`, or JSON ranked as high as HTML keep the API's JSON.
pub fn prefers_html(ctx: &GuardContext<'_>) -> bool {
    ctx.header::<Accept>().is_some_and(|accept| html_first(&accept.0))
}

fn html_first(items: &[QualityItem<Mime>]) -> bool {
    let best = |matches: &dyn Fn(&Mime) -> bool| items.iter().filter(|i| matches(&i.item)).map(|i| i.quality).max();
    let html = best(&|m| m.essence_str() == "text/html" || m.essence_str() == "application/xhtml+xml");
    let json = best(&|m| {
        let essence = m.essence_str();
        essence == "application/json" || essence == "application/*" || essence == "*/*" || m.suffix().is_some_and(|s| s == "json")
    });
    match (html, json) {
        (Some(html), Some(json)) => html > json,
        (Some(html), None) => html > Quality::ZERO,
        (None, _) => false,
    }
}

/// A shared credential: what it is and what its checks found now.
struct SharedCard {
    id: String,
    name: String,
    issuer: String,
    awarded: String,
    expiry: String,
    /// `verified`, `revoked`, `suspended`, `expired` or `failed`.
    state: &'static str,
    /// What failed, in words (empty when verified).
    problems: Vec<String>,
}

impl SharedCard {
    fn new(view: &CredentialView, now: chrono::DateTime<chrono::Utc>) -> Self {
        use crate::store::credentials::CredentialStatus;
        let failed: Vec<_> = view.verification.checks.iter().filter(|c| c.result == Outcome::Fail).collect();
        let state = match view.status {
            CredentialStatus::Revoked => "revoked",
            CredentialStatus::Suspended => "suspended",
            CredentialStatus::Active if view.verification.verified => "verified",
            CredentialStatus::Active if failed.iter().any(|c| c.check == "validity" && c.detail.starts_with("expired")) => "expired",
            CredentialStatus::Active => "failed",
        };
        let window = words::Window { from: Some(view.awarded_at), until: view.valid_until };
        let mut problems: Vec<String> = failed.iter().map(|c| words::failed_check(c.check, &c.detail, window)).collect();
        if problems.is_empty() && state != "verified" {
            problems.push(words::failed_check("status", &format!("{state} by the issuer"), window));
        }
        SharedCard {
            id: view.id.to_string(),
            name: text_at(&view.ob3, "/credentialSubject/achievement/name").unwrap_or_else(|| "Unnamed credential".to_owned()),
            issuer: text_at(&view.ob3, "/issuer/name").unwrap_or_default(),
            awarded: words::date(view.awarded_at),
            expiry: words::expiry(now, view.valid_until),
            state,
            problems,
        }
    }
}

struct ImportedCard {
    id: String,
    name: String,
    issuer: String,
    verified: bool,
}

struct AwardItem {
    name: String,
    pathway: String,
    parts: Vec<String>,
}

#[derive(Template)]
#[template(path = "share_page.html")]
struct SharePage {
    chrome: Chrome,
    learner: String,
    viewed: String,
    expires: String,
    cards: Vec<SharedCard>,
    imported: Vec<ImportedCard>,
    awards: Vec<AwardItem>,
    jobs: Vec<Job>,
    token: String,
}

#[derive(Template)]
#[template(path = "share_gone.html")]
struct GonePage {
    chrome: Chrome,
}

fn share_page(record: SharedRecord, visitor: &Visitor, token: String) -> SharePage {
    let now = record.viewed_at;
    let cards: Vec<SharedCard> = record.credentials.iter().map(|v| SharedCard::new(v, now)).collect();
    let awards = record
        .awards
        .iter()
        .map(|award| AwardItem {
            name: cards.iter().find(|c| c.id == award.credential.to_string()).map(|c| c.name.clone()).unwrap_or_else(|| award.pathway_name.clone()),
            pathway: award.pathway_name.clone(),
            parts: award.constituents.iter().map(|c| c.achievement_name.clone()).collect(),
        })
        .collect();
    SharePage {
        chrome: visitor.chrome(format!("Shared by {}", record.learner.name)),
        learner: record.learner.name,
        viewed: words::date(now),
        expires: words::expiry(now, Some(record.expires_at)),
        cards,
        imported: record
            .imported
            .iter()
            .map(|i| ImportedCard {
                id: i.id.to_string(),
                name: i.achievement_name.clone().unwrap_or_else(|| "Unnamed credential".to_owned()),
                issuer: i.issuer_name.clone().or_else(|| i.issuer.clone()).unwrap_or_default(),
                verified: i.verified,
            })
            .collect(),
        awards,
        jobs: record.employment.iter().map(|e| Job::new(&e.title, &e.employer_name, e.start_date, e.end_date, e.verified)).collect(),
        token,
    }
}

/// Opens the share, as `GET /v1/shares/{token}` does, logged as viewed by
/// the signed-in visitor if any. `None`: the link no longer opens.
async fn open(state: web::Data<AppState>, visitor: &Visitor, token: String) -> Result<Option<SharedRecord>, PageError> {
    let ctx = PublicContext::new(&state);
    let viewer = visitor.signed_in.as_ref().map(|s| s.caller);
    match sharing::open(state.into_inner(), ctx, token, viewer).await {
        Ok(record) => Ok(Some(record)),
        Err(ShareError::UnknownShare) => Ok(None),
        Err(error) => Err(error.into()),
    }
}

fn gone(visitor: &Visitor) -> Result<HttpResponse, PageError> {
    visitor.render_with(StatusCode::NOT_FOUND, &GonePage { chrome: visitor.chrome("This link is no longer valid") })
}

/// The share as a page (browsers only: see `prefers_html`).
pub async fn shared_record(state: web::Data<AppState>, visitor: Visitor, path: web::Path<String>) -> Result<HttpResponse, PageError> {
    let token = path.into_inner();
    match open(state, &visitor, token.clone()).await? {
        Some(record) => visitor.render(&share_page(record, &visitor, token)),
        None => gone(&visitor),
    }
}

/// The signed presentation of the share (the record's `presentation`), to
/// keep and verify later with `POST /v1/verify`.
#[get("/shared/{token}/presentation")]
pub async fn presentation_download(state: web::Data<AppState>, visitor: Visitor, path: web::Path<String>) -> Result<HttpResponse, PageError> {
    match open(state, &visitor, path.into_inner()).await? {
        Some(record) => {
            let mut response = attachment(PRESENTATION_TYPE, "shared-record.jwt", record.presentation);
            response.headers_mut().insert(header::REFERRER_POLICY, header::HeaderValue::from_static("no-referrer"));
            Ok(response)
        }
        None => gone(&visitor),
    }
}

#[cfg(test)]
mod tests {
    use actix_web::http::header::{Accept, Header};
    use actix_web::test::TestRequest;

    use crate::web::share_page::html_first;

    fn prefers(accept: &str) -> bool {
        let req = TestRequest::default().insert_header(("Accept", accept)).to_http_request();
        Accept::parse(&req).is_ok_and(|a| html_first(&a.0))
    }

    #[test]
    fn browsers_get_the_page_and_programs_the_json() {
        assert!(prefers("text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"));
        assert!(prefers("text/html"));
        assert!(prefers("application/json;q=0.5, text/html"));
        assert!(!prefers("application/json"));
        assert!(!prefers("*/*"));
        assert!(!prefers("text/html, application/json"));
        assert!(!prefers("text/html;q=0"));
    }
}
