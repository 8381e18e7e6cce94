use actix_web::{HttpResponse, get, web};
use cairn_domain::JobId;

use crate::http::caller::AnyAccount;
use crate::http::extract::path_id;
use crate::http::jobs::JobView;
use crate::http::problem::{ApiError, ApiResult, ProblemDocument};
use crate::services::jobs;
use crate::state::AppState;

/// A background job's progress: its state, learners done of the total,
/// awards issued, problems met, and a finished dry run's figures.
///
/// The account that started it and staff of its organisation; anyone else
/// gets 404.
#[utoipa::path(
    tag = "jobs",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "Job id")),
    responses(
        (status = 200, description = "The job", body = JobView),
        (status = 401, description = "Missing or invalid token", body = ProblemDocument, content_type = "application/problem+json"),
        (status = 404, description = "No such job, or not the caller's", body = ProblemDocument, content_type = "application/problem+json"),
    )
)]
#[get("/v1/jobs/{id}")]
pub async fn get_job(state: web::Data<AppState>, caller: AnyAccount, path: web::Path<String>) -> ApiResult<HttpResponse> {
    let id: JobId = path_id(&path, "job")?;
    let caller = caller.0;
    let job = state.store.read_as(move |conn| Ok::<_, ApiError>(jobs::get(conn, &caller, id)?)).await?;
    Ok(HttpResponse::Ok().json(JobView::new(job, &state.public_url)))
}
