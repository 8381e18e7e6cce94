use actix_web::{HttpMessage, HttpRequest, HttpResponse, post, web};
use cairn_domain::OrgId;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::http::caller::Issuer;
use crate::http::extract::{Query, RawBody, from_value, idempotency_key, parse_json, path_id};
use crate::http::problem::{ApiError, ApiResult, ProblemDocument};
use crate::http::views::CredentialView;
use crate::services::Context;
use crate::services::csv_batch::{self, RowOutcome, RowResult};
use crate::services::issuing::{self, IssueRequest, IssuingError};
use crate::signing;
use crate::state::AppState;
use crate::store::DbConn;

/// Most items in one batch request.
pub const MAX_ITEMS: usize = 2_000;
/// Bodies of batch requests (JSON or CSV) may be this large (2,000 items with evidence).
pub const BODY_LIMIT: usize = 16 * 1024 * 1024;

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BatchRequest {
    /// 1 to 2,000 issue requests.
    #[schema(value_type = Vec<IssueRequest>)]
    items: Vec<serde_json::Value>,
}

#[derive(Serialize, ToSchema)]
pub struct BatchItemResult {
    /// The item's position in the request (for CSV, among the data rows).
    index: usize,
    /// CSV only: the row as a spreadsheet numbers it (the header is row 1).
    #[serde(skip_serializing_if = "Option::is_none")]
    row: Option<usize>,
    /// CSV only: the column the error is about.
    #[serde(skip_serializing_if = "Option::is_none")]
    column: Option<String>,
    /// CSV only: the row's `name` cell, to tell the rows apart.
    #[serde(skip_serializing_if = "Option::is_none")]
    name: Option<String>,
    /// `issued` or `failed`; on a dry run `valid` (it would be issued) or `failed`.
    outcome: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    credential: Option<CredentialView>,
    /// Why the item failed (a problem document).
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<ProblemDocument>,
}

#[derive(Serialize, ToSchema)]
pub struct BatchResponse {
    issued: usize,
    failed: usize,
    /// Dry runs only: how many items would be issued.
    #[serde(skip_serializing_if = "Option::is_none")]
    valid: Option<usize>,
    results: Vec<BatchItemResult>,
}

impl BatchResponse {
    fn of(results: Vec<BatchItemResult>, dry_run: bool) -> Self {
        let count = |outcome: &str| results.iter().filter(|r| r.outcome == outcome).count();
        let (issued, valid, failed) = (count("issued"), count("valid"), count("failed"));
        BatchResponse { issued, failed, valid: dry_run.then_some(valid), results }
    }
}

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct BatchQuery {
    /// Check every item as issuing would, and issue nothing.
    #[serde(default)]
    dry_run: bool,
}

/// The batch body's format, from its `Content-Type`.
enum Format {
    Json,
    Csv,
}

fn format_of(req: &HttpRequest) -> Result<Format, ApiError> {
    let refused = || ApiError::UnsupportedMediaType("send the batch as `application/json` or as `text/csv` (UTF-8)".into());
    let mime = req.mime_type().ok().flatten().ok_or_else(refused)?;
    if mime.subtype() == "json" || mime.suffix().is_some_and(|s| s == "json") {
        return Ok(Format::Json);
    }
    if mime.subtype() == "csv" && matches!(mime.type_().as_str(), "text" | "application") {
        if mime.get_param("charset").is_some_and(|charset| !charset.as_str().eq_ignore_ascii_case("utf-8")) {
            return Err(ApiError::UnsupportedMediaType("CSV is read as UTF-8: save the file as \"CSV UTF-8\" and send `charset=utf-8`".into()));
        }
        return Ok(Format::Csv);
    }
    Err(refused())
}

/// Issue many credentials at once, from JSON items or a CSV file.
///
/// Issuers of that institution only. Each item succeeds or fails on its own
/// (a failed item leaves nothing behind); the response lists every item's
/// outcome in request order. As for single issuing, a retried request with
/// the same `Idempotency-Key` header returns the first response and issues
/// nothing new; the same key with a different body is a 422.
///
/// `text/csv` (or `application/csv`): UTF-8 with or without a BOM, its
/// separator (`,`, `;` or tab) the one the header row uses; the header row
/// names the columns `email` or `learner`, `name`, `achievement`,
/// `awarded_at`, `valid_until`, `credits_earned` (`7.5 ECTS`),
/// `evidence_url` in any order (an unknown or repeated column is a 422).
/// Each result carries the spreadsheet's `row` (the header is row 1) and,
/// for a failed row, the `column`. At most 2,000 rows.
///
/// `?dry_run=true` checks every item exactly as issuing would and issues
/// nothing: outcomes are `valid` or `failed` (an `Idempotency-Key` is
/// neither used nor recorded by a dry run).
#[utoipa::path(
    tag = "credentials",
    security(("bearer" = [])),
    params(
        ("org" = String, Path, description = "Institution id"),
        ("Idempotency-Key" = Option<String>, Header, description = "Makes retries safe"),
        BatchQuery,
    ),
    request_body(content((BatchRequest = "application/json"), (String = "text/csv"))),
    responses(
        (status = 200, description = "Every item's outcome", body = BatchResponse),
        (status = 400, description = "Malformed JSON, or an unknown query parameter", body = ProblemDocument, content_type = "application/problem+json"),
        (status = 401, description = "Missing or invalid token", body = ProblemDocument, content_type = "application/problem+json"),
        (status = 403, description = "The caller is not an issuer", body = ProblemDocument, content_type = "application/problem+json"),
        (status = 404, description = "Not the caller's institution", body = ProblemDocument, content_type = "application/problem+json"),
        (status = 409, description = "A request with this Idempotency-Key is still in progress; retry", body = ProblemDocument, content_type = "application/problem+json"),
        (status = 413, description = "Body too large", body = ProblemDocument, content_type = "application/problem+json"),
        (status = 415, description = "Neither JSON nor CSV, or CSV not in UTF-8", body = ProblemDocument, content_type = "application/problem+json"),
        (status = 422, description = "Not a batch (no items, or too many; a CSV header with an unknown, repeated or missing column; not UTF-8), or an Idempotency-Key already used with another body", body = ProblemDocument, content_type = "application/problem+json"),
    )
)]
#[post("/v1/orgs/{org}/credentials/batch")]
pub async fn issue_batch(
    req: HttpRequest,
    state: web::Data<AppState>,
    issuer: Issuer,
    path: web::Path<String>,
    query: Query<BatchQuery>,
    body: RawBody<BODY_LIMIT>,
) -> ApiResult<HttpResponse> {
    let org: OrgId = path_id(&path, "organisation")?;
    if org != issuer.org {
        return Err(ApiError::NotFound("organisation".into()));
    }
    let format = format_of(&req)?;
    let dry_run = query.dry_run;
    // A dry run changes nothing, so it has nothing to make safe to retry.
    let key = if dry_run { None } else { idempotency_key(&req)? };
    let actor = issuer.caller.id;
    let state_ref = state.clone();
    let response = match format {
        Format::Json => {
            let items = parse_json::<BatchRequest>(&body.0)?.items;
            if items.is_empty() || items.len() > MAX_ITEMS {
                return Err(ApiError::invalid_field("items", format!("give 1 to {MAX_ITEMS} items")));
            }
            // Hashed as single issuing hashes (the parsed JSON, so whitespace and key
            // order do not matter), marked as a batch: keys share one namespace per
            // account, and a batch's key replayed on single issuing is a 422.
            let request_hash = signing::hash_secret(&format!("batch:{}", serde_json::json!({ "items": items })));
            // Shape errors are known before touching the database.
            let parsed: Vec<Result<IssueRequest, ApiError>> = items.into_iter().map(from_value).collect();
            state
                .store
                .write_as(move |conn| {
                    let ctx = Context::new(&state_ref, actor);
                    issuing::idempotent(conn, &ctx, key.as_deref(), request_hash, 200, |conn| json_batch(conn, &ctx, org, parsed, dry_run))
                })
                .await?
                .1
        }
        Format::Csv => {
            let text = csv_batch::decode(&body.0)?;
            let rows = csv_batch::parse(text)?;
            let request_hash = signing::hash_secret(&format!("csv:{text}"));
            state
                .store
                .write_as(move |conn| {
                    let ctx = Context::new(&state_ref, actor);
                    issuing::idempotent(conn, &ctx, key.as_deref(), request_hash, 200, |conn| {
                        let results = csv_batch::run(conn, &ctx, org, rows, dry_run)?;
                        let results = results.into_iter().enumerate().map(|(index, result)| csv_result(index, result)).collect();
                        serde_json::to_string(&BatchResponse::of(results, dry_run)).map_err(ApiError::internal)
                    })
                })
                .await?
                .1
        }
    };
    Ok(HttpResponse::Ok().content_type("application/json").body(response))
}

/// The JSON batch: items that did not parse keep their place and their problem.
fn json_batch(conn: &mut DbConn, ctx: &Context, org: OrgId, parsed: Vec<Result<IssueRequest, ApiError>>, dry_run: bool) -> Result<String, ApiError> {
    let mut valid = Vec::with_capacity(parsed.len());
    let slots: Vec<Result<(), ApiError>> = parsed.into_iter().map(|item| item.map(|request| valid.push(request))).collect();
    let mut outcomes: std::vec::IntoIter<Result<Option<CredentialView>, IssuingError>> = if dry_run {
        issuing::validate_batch(conn, ctx, org, &valid)?.into_iter().map(|r| r.map(|()| None)).collect::<Vec<_>>().into_iter()
    } else {
        issuing::issue_batch(conn, ctx, org, valid)?.into_iter().map(|r| r.map(Some)).collect::<Vec<_>>().into_iter()
    };
    let results: Vec<BatchItemResult> = slots
        .into_iter()
        .enumerate()
        .map(|(index, slot)| {
            let outcome = slot.and_then(|()| match outcomes.next() {
                Some(outcome) => outcome.map_err(ApiError::from),
                None => Err(ApiError::internal(anyhow::anyhow!("no outcome for batch item {index}"))),
            });
            let item = BatchItemResult { index, row: None, column: None, name: None, outcome: "failed", credential: None, error: None };
            match outcome {
                Ok(Some(view)) => BatchItemResult { outcome: "issued", credential: Some(view), ..item },
                Ok(None) => BatchItemResult { outcome: "valid", ..item },
                Err(error) => BatchItemResult { error: Some(error.problem()), ..item },
            }
        })
        .collect();
    serde_json::to_string(&BatchResponse::of(results, dry_run)).map_err(ApiError::internal)
}

fn csv_result(index: usize, result: RowResult) -> BatchItemResult {
    let item = BatchItemResult { index, row: Some(result.row), column: None, name: result.name, outcome: "failed", credential: None, error: None };
    match result.outcome {
        RowOutcome::Issued(view) => BatchItemResult { outcome: "issued", credential: Some(*view), ..item },
        RowOutcome::Valid => BatchItemResult { outcome: "valid", ..item },
        RowOutcome::Failed(error) => {
            let problem = ApiError::from(error).problem();
            let column = problem.errors.first().map(|e| e.field.clone());
            BatchItemResult { column, error: Some(problem), ..item }
        }
    }
}
