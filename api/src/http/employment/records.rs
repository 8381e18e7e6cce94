//! Employment records: learners add and remove their own; staff of the
//! employer organisation a record names list and attest them.

use actix_web::{HttpResponse, delete, get, post, web};
use cairn_domain::employment::Employment;
use cairn_domain::{EmploymentRecordId, OrgId};
use serde::Serialize;
use utoipa::ToSchema;

use crate::http::caller::{Employer, Learner};
use crate::http::extract::{JsonBody, PageQuery, path_id};
use crate::http::problem::{ApiError, ApiResult, ProblemDocument};
pub use crate::services::records::{AttestationView, EmploymentView};
use crate::services::{Context, employment};
use crate::state::AppState;

/// The request body of `POST /v1/me/employment` (documentation of `Employment`).
#[derive(ToSchema)]
#[expect(dead_code, reason = "a schema only: the body is parsed as cairn_domain::employment::Employment")]
#[serde(deny_unknown_fields)]
pub struct EmploymentInput {
    /// The employer as you name it.
    #[schema(value_type = crate::http::openapi::Name)]
    employer_name: String,
    /// The employer's organisation on this service, if it has one: its
    /// staff can then attest the record.
    #[schema(format = Uuid)]
    employer_org: Option<String>,
    #[schema(value_type = crate::http::openapi::Name)]
    title: String,
    #[schema(format = Date)]
    start_date: String,
    /// Omit while the job continues; not before `start_date`.
    #[schema(format = Date)]
    end_date: Option<String>,
    #[schema(value_type = Option<crate::http::openapi::LongText>)]
    description: Option<String>,
    /// Skill URLs or codes (as in achievement alignments), at most 50.
    #[schema(value_type = Option<Vec<crate::http::openapi::Skill>>, max_items = 50)]
    skills: Option<Vec<String>>,
}

/// Add a job to the caller's record (self-asserted).
///
/// Learners only. Naming `employer_org` (an employer organisation on this
/// service) lets its staff attest the record. Records cannot be edited, so
/// an attestation always covers what is shown; delete and re-add instead.
#[utoipa::path(
    tag = "employment",
    security(("bearer" = [])),
    request_body = EmploymentInput,
    responses(
        (status = 201, description = "The record", body = EmploymentView),
        (status = 401, description = "Missing or invalid token", body = ProblemDocument, content_type = "application/problem+json"),
        (status = 403, description = "The caller is not a learner", body = ProblemDocument, content_type = "application/problem+json"),
        (status = 422, description = "Invalid record, or `employer_org` is not an employer organisation", body = ProblemDocument, content_type = "application/problem+json"),
    )
)]
#[post("/v1/me/employment")]
pub async fn add_employment(state: web::Data<AppState>, Learner(caller): Learner, body: JsonBody<Employment>) -> ApiResult<HttpResponse> {
    let record = employment::add(&state.store, Context::new(&state, caller.id), body.0).await?;
    Ok(HttpResponse::Created().json(EmploymentView::new(record, &state.public_url)))
}

/// Remove a job from the caller's record.
///
/// Learners only, their own records; anyone else's is a 404.
#[utoipa::path(
    tag = "employment",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "Employment record id")),
    responses(
        (status = 204, description = "Deleted"),
        (status = 401, description = "Missing or invalid token", body = ProblemDocument, content_type = "application/problem+json"),
        (status = 403, description = "The caller is not a learner", body = ProblemDocument, content_type = "application/problem+json"),
        (status = 404, description = "No such record of the caller's", body = ProblemDocument, content_type = "application/problem+json"),
    )
)]
#[delete("/v1/me/employment/{id}")]
pub async fn delete_employment(state: web::Data<AppState>, Learner(caller): Learner, path: web::Path<String>) -> ApiResult<HttpResponse> {
    let id: EmploymentRecordId = path_id(&path, "employment record")?;
    employment::delete(&state.store, Context::new(&state, caller.id), id).await?;
    Ok(HttpResponse::NoContent().finish())
}

#[derive(Serialize, ToSchema)]
pub struct EmploymentPage {
    items: Vec<EmploymentView>,
    next_cursor: Option<String>,
}

/// Employment records that name this employer organisation, attested or
/// waiting for attestation, oldest first.
///
/// Employer staff of that organisation only; anyone else gets 403 (wrong
/// role) or 404.
#[utoipa::path(
    tag = "employment",
    security(("bearer" = [])),
    params(("org" = String, Path, description = "Employer organisation id"), PageQuery),
    responses(
        (status = 200, description = "A page of records", body = EmploymentPage),
        (status = 401, description = "Missing or invalid token", body = ProblemDocument, content_type = "application/problem+json"),
        (status = 403, description = "The caller is not employer staff", body = ProblemDocument, content_type = "application/problem+json"),
        (status = 404, description = "Not the caller's organisation", body = ProblemDocument, content_type = "application/problem+json"),
    )
)]
#[get("/v1/orgs/{org}/employment")]
pub async fn employer_records(
    state: web::Data<AppState>,
    employer: Employer,
    path: web::Path<String>,
    query: crate::http::extract::Query<PageQuery>,
) -> ApiResult<HttpResponse> {
    let org: OrgId = path_id(&path, "organisation")?;
    if org != employer.org {
        return Err(ApiError::NotFound("organisation".into()));
    }
    let page = query.parse::<EmploymentRecordId>()?;
    let rows = employment::of_employer(&state.store, org, page.after, page.fetch_limit()).await?;
    let (rows, next_cursor) = page.finish(rows, |r| r.id);
    let items = rows.into_iter().map(|r| EmploymentView::new(r, &state.public_url)).collect();
    Ok(HttpResponse::Ok().json(EmploymentPage { items, next_cursor }))
}

/// Attest an employment record: the employer confirms it, and the record
/// becomes verified, with a JWS signed by the organisation's key.
///
/// Employer staff of the organisation the record names only; any other
/// record is a 404. Attesting twice is a 409.
#[utoipa::path(
    tag = "employment",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "Employment record id")),
    responses(
        (status = 200, description = "The attested record", body = EmploymentView),
        (status = 401, description = "Missing or invalid token", body = ProblemDocument, content_type = "application/problem+json"),
        (status = 403, description = "The caller is not employer staff", body = ProblemDocument, content_type = "application/problem+json"),
        (status = 404, description = "No such record naming the caller's organisation", body = ProblemDocument, content_type = "application/problem+json"),
        (status = 409, description = "Already attested", body = ProblemDocument, content_type = "application/problem+json"),
    )
)]
#[post("/v1/employment/{id}/attest")]
pub async fn attest_employment(state: web::Data<AppState>, employer: Employer, path: web::Path<String>) -> ApiResult<HttpResponse> {
    let id: EmploymentRecordId = path_id(&path, "employment record")?;
    let record = employment::attest(&state.store, Context::new(&state, employer.caller.id), employer.org, id).await?;
    Ok(HttpResponse::Ok().json(EmploymentView::new(record, &state.public_url)))
}
