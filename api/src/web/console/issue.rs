//! The console's Issue page, `/institution/issue`: issue one credential,
//! or upload a CSV. An upload is first a dry run (the preview: each row's
//! outcome, errors at their row and column); its confirm form carries the
//! file's text back (a hidden field, re-checked in full when issued, so
//! nothing in it is trusted) with an idempotency key made for the preview,
//! so a second click replays the result instead of issuing twice. The same
//! use cases as `POST /v1/orgs/{org}/credentials` and its CSV batch.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, get, post, web};
use askama::Template;
use cairn_domain::OrgId;
use serde::{Deserialize, Serialize};

use crate::http::problem::ApiError;
use crate::services::csv_batch::{self, Column, RowOutcome, RowResult};
use crate::services::{Context, issuing};
use crate::signing;
use crate::state::AppState;
use crate::store::achievements;
use crate::web::form::Form;
use crate::web::page::{Chrome, PageError};
use crate::web::session::{IssuerPage, Visitor};
use crate::web::upload::Upload;
use crate::web::words;

/// An upload's cap: the API's CSV body cap would not fit a browser's form
/// comfortably; 2,000 rows of a registrar's sheet fit in this.
const MAX_CSV_UPLOAD: usize = 4 * 1024 * 1024;

/// The catalog shown in the select (a console lists at most this many).
const MAX_ACHIEVEMENTS: i64 = 500;

#[derive(Template)]
#[template(path = "issue.html")]
struct IssuePage {
    chrome: Chrome,
    achievements: Vec<Choice>,
    /// What the last action did, or why it failed.
    notice: Option<String>,
    error: Option<String>,
    /// A preview or a result.
    batch: Option<BatchView>,
}

struct Choice {
    id: String,
    name: String,
}

struct BatchView {
    /// `true` for a preview (with the confirm form), `false` for a result.
    preview: bool,
    summary: String,
    rows: Vec<RowLine>,
    csv: String,
    key: String,
}

/// One row's outcome in words (kept as the idempotent replay of an issue).
#[derive(Serialize, Deserialize)]
struct RowLine {
    row: usize,
    name: String,
    ok: bool,
    outcome: String,
    column: String,
    message: String,
}

impl RowLine {
    fn of(result: RowResult) -> Self {
        let name = result.name.unwrap_or_default();
        let (ok, outcome, column, message) = match result.outcome {
            RowOutcome::Issued(view) => {
                let message = match &view.claim_code {
                    Some(code) => format!("claim code {code}"),
                    None => String::new(),
                };
                (true, words::batch_outcome("issued"), String::new(), message)
            }
            RowOutcome::Valid => (true, words::batch_outcome("valid"), String::new(), String::new()),
            RowOutcome::Failed(error) => {
                let problem = ApiError::from(error).problem();
                let (column, message) = match problem.errors.into_iter().next() {
                    Some(e) => (e.field, e.message),
                    None => (String::new(), problem.detail),
                };
                (false, words::batch_outcome("failed"), column, message)
            }
        };
        RowLine { row: result.row, name, ok, outcome: outcome.to_owned(), column, message }
    }
}

async fn catalog(state: &AppState, org: OrgId) -> Result<Vec<Choice>, PageError> {
    let list = state.store.read(move |conn| achievements::list(conn, org, None, MAX_ACHIEVEMENTS)).await?;
    Ok(list.into_iter().map(|a| Choice { id: a.id.to_string(), name: a.definition.name.as_str().to_owned() }).collect())
}

async fn show(state: &AppState, visitor: &Visitor, org: OrgId, status: StatusCode, page: Shown) -> Result<HttpResponse, PageError> {
    let achievements = catalog(state, org).await?;
    let page = IssuePage { chrome: visitor.chrome("Issue"), achievements, notice: page.notice, error: page.error, batch: page.batch };
    visitor.render_with(status, &page)
}

#[derive(Default)]
struct Shown {
    notice: Option<String>,
    error: Option<String>,
    batch: Option<BatchView>,
}

fn refused(error: impl Into<ApiError>) -> Shown {
    let error: ApiError = error.into();
    Shown { error: Some(error.to_string()), ..Shown::default() }
}

#[get("/institution/issue")]
pub async fn issue_page(state: web::Data<AppState>, page: IssuerPage) -> Result<HttpResponse, PageError> {
    show(&state, &page.visitor, page.org, StatusCode::OK, Shown::default()).await
}

#[derive(Deserialize)]
pub struct OneFields {
    achievement: String,
    /// An e-mail address, or a learner's id.
    recipient: String,
    #[serde(default)]
    awarded_at: String,
    #[serde(default)]
    valid_until: String,
    #[serde(default)]
    credits_earned: String,
    #[serde(default)]
    evidence_url: String,
}

/// Issue one: the form's fields are a one-row sheet's cells.
#[post("/institution/issue")]
pub async fn issue_one(state: web::Data<AppState>, page: IssuerPage, form: Form<OneFields>) -> Result<HttpResponse, PageError> {
    let (org, actor) = (page.org, page.caller.id);
    let Form { visitor, fields } = form;
    let recipient = fields.recipient.trim().to_owned();
    let by = if recipient.contains('@') { Column::Email } else { Column::Learner };
    let row = csv_batch::row_of(&[
        (Column::Achievement, &fields.achievement),
        (by, &recipient),
        (Column::AwardedAt, &fields.awarded_at),
        (Column::ValidUntil, &fields.valid_until),
        (Column::CreditsEarned, &fields.credits_earned),
        (Column::EvidenceUrl, &fields.evidence_url),
    ]);
    let state_ref = state.clone();
    let issued = state
        .store
        .write_as(move |conn| {
            let ctx = Context::new(&state_ref, actor);
            let request = csv_batch::request_of(conn, org, row).map_err(ApiError::from)?;
            issuing::issue_one(conn, &ctx, org, request).map_err(ApiError::from)
        })
        .await;
    let shown = match issued {
        Ok(view) => Shown {
            notice: Some(match view.claim_code {
                Some(code) => format!("Issued to {recipient}. They claim it with the code {code} (shown once)."),
                None => format!("Issued to {recipient}."),
            }),
            ..Shown::default()
        },
        Err(error @ (ApiError::Invalid { .. } | ApiError::Conflict(_))) => {
            let shown = refused(error);
            return show(&state, &visitor, org, StatusCode::UNPROCESSABLE_ENTITY, shown).await;
        }
        Err(other) => return Err(other.into()),
    };
    show(&state, &visitor, org, StatusCode::OK, shown).await
}

#[derive(Deserialize)]
pub struct UploadFields {}

/// The preview: the uploaded file, dry run.
#[post("/institution/issue/csv")]
pub async fn preview_upload(
    state: web::Data<AppState>,
    page: IssuerPage,
    upload: Upload<UploadFields, MAX_CSV_UPLOAD>,
) -> Result<HttpResponse, PageError> {
    let org = page.org;
    let Upload { visitor, file, .. } = upload;
    let Some(file) = file else {
        return show(&state, &visitor, org, StatusCode::UNPROCESSABLE_ENTITY, refused(ApiError::invalid_field("file", "choose a CSV file"))).await;
    };
    let text = match csv_batch::decode(&file.bytes) {
        Ok(text) => text.to_owned(),
        Err(error) => return show(&state, &visitor, org, StatusCode::UNPROCESSABLE_ENTITY, refused(error)).await,
    };
    let key = signing::random_secret().map_err(ApiError::internal)?;
    batch(&state, &visitor, org, page.caller.id, text, key, true).await
}

#[derive(Deserialize)]
pub struct ConfirmFields {
    csv: String,
    key: String,
}

/// Issue what was previewed.
#[post("/institution/issue/csv/confirm")]
pub async fn confirm(state: web::Data<AppState>, page: IssuerPage, upload: Upload<ConfirmFields, MAX_CSV_UPLOAD>) -> Result<HttpResponse, PageError> {
    let Upload { visitor, fields, .. } = upload;
    let key = fields.key.trim().to_owned();
    if key.is_empty() || key.len() > 200 || !key.chars().all(|c| c.is_ascii_graphic()) {
        return Err(ApiError::BadRequest("the form has no valid key; upload the file again".into()).into());
    }
    batch(&state, &visitor, page.org, page.caller.id, fields.csv, key, false).await
}

/// A file's dry run (`preview`) or issue, shown with each row's outcome.
async fn batch(
    state: &web::Data<AppState>,
    visitor: &Visitor,
    org: OrgId,
    actor: cairn_domain::UserId,
    text: String,
    key: String,
    dry_run: bool,
) -> Result<HttpResponse, PageError> {
    let rows = match csv_batch::parse(&text) {
        Ok(rows) => rows,
        Err(error) => return show(state, visitor, org, StatusCode::UNPROCESSABLE_ENTITY, refused(error)).await,
    };
    let state_ref = state.clone();
    // The page's keys are its own (`page:`), and the hash marks the page's
    // replays, stored as the page's rows rather than the API's JSON.
    let (page_key, hash) = (format!("page:{key}"), signing::hash_secret(&format!("csv-page:{text}")));
    let lines: Vec<RowLine> = state
        .store
        .write_as(move |conn| {
            let ctx = Context::new(&state_ref, actor);
            if dry_run {
                let results = csv_batch::run(conn, &ctx, org, rows, true).map_err(ApiError::from)?;
                return serde_json::to_string(&results.into_iter().map(RowLine::of).collect::<Vec<_>>()).map_err(ApiError::internal);
            }
            let (_, stored) = issuing::idempotent(conn, &ctx, Some(&page_key), hash, 200, |conn| {
                let results = csv_batch::run(conn, &ctx, org, rows, false).map_err(ApiError::from)?;
                serde_json::to_string(&results.into_iter().map(RowLine::of).collect::<Vec<_>>()).map_err(ApiError::internal)
            })?;
            Ok::<_, ApiError>(stored)
        })
        .await
        .and_then(|json| serde_json::from_str(&json).map_err(ApiError::internal))?;
    let good = lines.iter().filter(|l| l.ok).count();
    let summary = words::batch_summary(dry_run, good, lines.len() - good);
    let batch = BatchView { preview: dry_run, summary, rows: lines, csv: text, key };
    show(state, visitor, org, StatusCode::OK, Shown { batch: Some(batch), ..Shown::default() }).await
}
