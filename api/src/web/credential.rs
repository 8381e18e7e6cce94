//! `/wallet/credentials/{id}`: one of the learner's credentials in full,
//! its verification in words, what it counts toward, its downloads and a
//! public link (a share of this one credential). The same use cases as
//! `GET /v1/credentials/{id}`, `GET /v1/me/progress` and `/v1/me/shares`.

use actix_web::http::header::{self, ContentDisposition, DispositionParam, DispositionType};
use actix_web::{HttpResponse, get, post, web};
use askama::Template;
use cairn_domain::CredentialId;
use cairn_domain::sharing::ShareScope;
use chrono::Duration;
use serde::Deserialize;
use serde_json::Value;

use crate::http::problem::ApiError;
use crate::services::baked::ImageKind;
use crate::services::records::CredentialView;
use crate::services::sharing::{self, NewShare, ShareState};
use crate::services::{Context, PublicContext, baking, credentials, progress};
use crate::state::AppState;
use crate::web::credential_links::{self, Certification};
use crate::web::form::Form;
use crate::web::page::{Chrome, PageError};
use crate::web::session::LearnerPage;
use crate::web::wallet::{Card, attachment, text_at};
use crate::web::words;

/// One verification check, said.
struct CheckLine {
    name: String,
    passed: bool,
    outcome: &'static str,
    detail: String,
}

struct Alignment {
    name: String,
    url: Option<String>,
    framework: Option<String>,
}

struct Evidence {
    name: String,
    text: Option<String>,
    url: Option<String>,
}

/// A pathway this credential counts toward.
struct Counts {
    name: String,
    complete: bool,
}

/// A public link just made: its address is shown this once (the service
/// keeps only a hash of its token).
struct NewLink {
    url: String,
    qr_svg: String,
    linkedin: String,
}

#[derive(Template)]
#[template(path = "credential.html")]
struct CredentialPage {
    chrome: Chrome,
    card: Card,
    description: Option<String>,
    criteria: Option<String>,
    alignments: Vec<Alignment>,
    evidence: Vec<Evidence>,
    valid_from: Option<String>,
    verified: bool,
    checks: Vec<CheckLine>,
    counts_toward: Vec<Counts>,
    /// "until 1 March 2027" of each live public link of this credential.
    live_links: Vec<String>,
    new_link: Option<NewLink>,
}

fn parse_id(path: &str) -> Result<CredentialId, PageError> {
    path.parse::<CredentialId>().map_err(|_| PageError::NotFound)
}

/// The learner's credential `id`; someone else's is not found.
async fn load(state: &AppState, page: &LearnerPage, id: CredentialId) -> Result<CredentialView, PageError> {
    let ctx = PublicContext::new(state);
    let caller = page.caller;
    Ok(state.store.read_as(move |conn| credentials::get(conn, &ctx, &caller, id)).await?)
}

fn list_of(doc: &Value, pointer: &str) -> Vec<Value> {
    doc.pointer(pointer).and_then(Value::as_array).cloned().unwrap_or_default()
}

/// The pathways whose current explanation uses this credential.
async fn counts_toward(state: &AppState, page: &LearnerPage, id: CredentialId) -> Result<Vec<Counts>, PageError> {
    let graphs = state.graphs.clone();
    let learner = page.caller.id;
    let now = crate::store::time::now();
    let body = match state.store.read(move |conn| progress::current(conn, &graphs, learner, now)).await? {
        Some(body) => body,
        None => {
            let graphs = state.graphs.clone();
            state.store.write(move |conn| progress::settle_now(conn, &graphs, learner, now)).await?
        }
    };
    let list: Value = serde_json::from_str(&body).map_err(ApiError::internal)?;
    let items = list.get("items").and_then(Value::as_array).or_else(|| list.as_array()).cloned().unwrap_or_default();
    let wanted = id.to_string();
    Ok(items
        .iter()
        .filter(|item| list_of(item, "/requirement/used").iter().any(|used| used.as_str() == Some(wanted.as_str())))
        .map(|item| Counts {
            name: text_at(item, "/name").unwrap_or_default(),
            complete: item.get("status").and_then(Value::as_str) == Some("complete"),
        })
        .collect())
}

async fn show(state: &AppState, page: &LearnerPage, id: CredentialId, new_link: Option<NewLink>) -> Result<HttpResponse, PageError> {
    let view = load(state, page, id).await?;
    let ctx = Context::new(state, page.caller.id);
    let now = ctx.now;
    let shares = sharing::list(&state.store, ctx, None, 1000).await?;
    let only_this = ShareScope::Credentials(vec![id.as_uuid()]);
    let live_links = shares
        .iter()
        .filter(|s| s.state == ShareState::Active && s.share.scope == only_this)
        .map(|s| words::expiry(now, Some(s.share.expires_at)))
        .collect();
    let ob3 = &view.ob3;
    let alignments = list_of(ob3, "/credentialSubject/achievement/alignment")
        .iter()
        .map(|a| Alignment {
            name: text_at(a, "/targetName").unwrap_or_default(),
            url: text_at(a, "/targetUrl"),
            framework: text_at(a, "/targetFramework"),
        })
        .collect();
    let evidence = list_of(ob3, "/evidence")
        .iter()
        .map(|e| Evidence {
            name: text_at(e, "/name").unwrap_or_default(),
            text: text_at(e, "/narrative").or_else(|| text_at(e, "/description")),
            url: text_at(e, "/id").filter(|u| u.starts_with("https://") || u.starts_with("http://")),
        })
        .collect();
    let checks = view
        .verification
        .checks
        .iter()
        .map(|c| CheckLine {
            name: words::check_name(c.check),
            passed: c.result != crate::services::verification::Outcome::Fail,
            outcome: words::check_outcome(c.result),
            detail: c.detail.clone(),
        })
        .collect();
    let counts_toward = counts_toward(state, page, id).await?;
    let card = Card::new(&view, now);
    let credential = CredentialPage {
        chrome: page.visitor.chrome(card.name.clone()),
        description: text_at(ob3, "/credentialSubject/achievement/description"),
        criteria: text_at(ob3, "/credentialSubject/achievement/criteria/narrative"),
        alignments,
        evidence,
        valid_from: ob3.pointer("/validFrom").and_then(Value::as_str).and_then(|t| t.parse().ok()).map(words::date),
        verified: view.verification.verified,
        checks,
        counts_toward,
        live_links,
        new_link,
        card,
    };
    page.visitor.render(&credential)
}

#[get("/wallet/credentials/{id}")]
pub async fn credential_page(state: web::Data<AppState>, page: LearnerPage, path: web::Path<String>) -> Result<HttpResponse, PageError> {
    show(&state, &page, parse_id(&path)?, None).await
}

/// File names of downloads: the achievement's name, plainly.
fn file_stem(view: &CredentialView) -> String {
    let name = text_at(&view.ob3, "/credentialSubject/achievement/name").unwrap_or_else(|| "credential".to_owned());
    let stem: String = name.chars().map(|c| if c.is_ascii_alphanumeric() { c.to_ascii_lowercase() } else { '-' }).collect();
    let stem = stem.split('-').filter(|p| !p.is_empty()).collect::<Vec<_>>().join("-");
    if stem.is_empty() { "credential".to_owned() } else { stem }
}

/// The compact VC-JWT.
#[get("/wallet/credentials/{id}/jwt")]
pub async fn jwt_download(state: web::Data<AppState>, page: LearnerPage, path: web::Path<String>) -> Result<HttpResponse, PageError> {
    let view = load(&state, &page, parse_id(&path)?).await?;
    Ok(attachment("text/plain; charset=utf-8", &format!("{}.jwt", file_stem(&view)), view.jwt))
}

/// The OB 3.0 document with its embedded proof.
#[get("/wallet/credentials/{id}/json")]
pub async fn json_download(state: web::Data<AppState>, page: LearnerPage, path: web::Path<String>) -> Result<HttpResponse, PageError> {
    let view = load(&state, &page, parse_id(&path)?).await?;
    let body = serde_json::to_string_pretty(&view.ob3).map_err(ApiError::internal)?;
    Ok(attachment("application/ld+json", &format!("{}.json", file_stem(&view)), body))
}

/// The credential baked into its badge image (`GET /v1/credentials/{id}/baked.png`'s use case).
async fn baked(state: &AppState, page: &LearnerPage, id: CredentialId, kind: ImageKind) -> Result<HttpResponse, PageError> {
    let view = load(state, page, id).await?;
    let ctx = PublicContext::new(state);
    let caller = page.caller;
    let bytes = state.store.read_as(move |conn| baking::baked_credential(conn, &ctx, &caller, id, kind)).await?;
    let (media_type, extension) = match kind {
        ImageKind::Png => ("image/png", "png"),
        ImageKind::Svg => ("image/svg+xml", "svg"),
    };
    let name = format!("{}.{extension}", file_stem(&view));
    Ok(HttpResponse::Ok()
        .content_type(media_type)
        .insert_header(ContentDisposition { disposition: DispositionType::Attachment, parameters: vec![DispositionParam::Filename(name)] })
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .body(bytes))
}

/// The baked badge as a PNG (OB 3.0 baking: the VC-JWT in its `iTXt` chunk).
#[get("/wallet/credentials/{id}/baked.png")]
pub async fn baked_png(state: web::Data<AppState>, page: LearnerPage, path: web::Path<String>) -> Result<HttpResponse, PageError> {
    baked(&state, &page, parse_id(&path)?, ImageKind::Png).await
}

/// The baked badge as an SVG (the VC-JWT in `<openbadges:credential>`).
#[get("/wallet/credentials/{id}/baked.svg")]
pub async fn baked_svg(state: web::Data<AppState>, page: LearnerPage, path: web::Path<String>) -> Result<HttpResponse, PageError> {
    baked(&state, &page, parse_id(&path)?, ImageKind::Svg).await
}

#[derive(Deserialize)]
pub struct NoFields {}

/// Creates a share of this one credential, open as long as a share may be,
/// and shows the page with its address, QR code and LinkedIn link.
#[post("/wallet/credentials/{id}/public-link")]
pub async fn create_public_link(
    state: web::Data<AppState>,
    page: LearnerPage,
    path: web::Path<String>,
    _form: Form<NoFields>,
) -> Result<HttpResponse, PageError> {
    let id = parse_id(&path)?;
    let view = load(&state, &page, id).await?;
    let ctx = Context::new(&state, page.caller.id);
    let new = NewShare {
        scope: ShareScope::Credentials(vec![id.as_uuid()]),
        expires_at: ctx.now + Duration::days(sharing::MAX_SHARE_DAYS),
        audience: Some("public link".to_owned()),
        request: None,
    };
    let created = sharing::create(&state.store, ctx, new).await?;
    let name = text_at(&view.ob3, "/credentialSubject/achievement/name").unwrap_or_default();
    let issuer = text_at(&view.ob3, "/issuer/name").unwrap_or_default();
    let id_text = id.to_string();
    let linkedin = credential_links::linkedin_url(&Certification {
        name: &name,
        organisation: &issuer,
        issued: view.awarded_at,
        expires: view.valid_until,
        url: &created.url,
        id: &id_text,
    });
    let qr_svg = credential_links::qr_svg(&created.url).map_err(ApiError::internal)?;
    show(&state, &page, id, Some(NewLink { url: created.url, qr_svg, linkedin })).await
}
