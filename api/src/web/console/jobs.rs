//! `/institution/jobs/{id}`: a background job (a pathway's back-fill or a
//! dry run) as `GET /v1/jobs/{id}` reports it, through the same use case
//! (`services::jobs::get`: the account that started it and staff of its
//! institution). Until the job is done the page refreshes itself; a
//! finished dry run shows its figures and the rule again, to save or change.

use actix_web::{HttpResponse, get, web};
use askama::Template;
use cairn_domain::JobId;

use crate::http::problem::ApiError;
use crate::services::jobs::{self, DryRun};
use crate::state::AppState;
use crate::store::jobs::JobState;
use crate::web::console::pathways::RuleEditor;
use crate::web::page::{Chrome, PageError};
use crate::web::session::IssuerPage;
use crate::web::words;

/// Seconds between refreshes of an unfinished job's page.
const REFRESH_SECONDS: u32 = 2;

#[derive(Template)]
#[template(path = "console_job.html")]
struct JobPage {
    chrome: Chrome,
    heading: &'static str,
    state: &'static str,
    /// Set while the job runs: the page reloads itself.
    refresh: Option<u32>,
    progress: String,
    awards_issued: i64,
    errors: Vec<String>,
    result: Option<DryRun>,
    /// The pathway it is about, when it is registered.
    pathway: Option<String>,
    /// A dry run's rule, to save or try again.
    editor: Option<RuleEditor>,
}

#[get("/institution/jobs/{id}")]
pub async fn job_page(state: web::Data<AppState>, page: IssuerPage, path: web::Path<String>) -> Result<HttpResponse, PageError> {
    let id: JobId = path.parse().map_err(|_| PageError::NotFound)?;
    let caller = page.caller;
    let job = state.store.read_as(move |conn| Ok::<_, ApiError>(jobs::get(conn, &caller, id)?)).await?;
    let finished = job.state.is_finished();
    let result = (job.state == JobState::Succeeded).then(|| job.result.clone().and_then(|v| serde_json::from_value::<DryRun>(v).ok())).flatten();
    let pathway = job.params["pathway"].as_str().map(str::to_owned);
    let editor = match (job.kind.as_str(), &pathway) {
        ("dry_run_new", _) => Some("/institution/pathways/new".to_owned()),
        ("dry_run_change", Some(p)) => Some(format!("/institution/pathways/{p}")),
        _ => None,
    }
    .map(|action| RuleEditor { action, text: serde_json::to_string_pretty(&job.params["rule"]).unwrap_or_default(), errors: Vec::new() });
    let registered = job.kind != "dry_run_new";
    let heading = words::job_kind(&job.kind);
    let data = JobPage {
        chrome: page.visitor.chrome(heading),
        heading,
        state: words::job_state(job.state),
        refresh: (!finished).then_some(REFRESH_SECONDS),
        progress: words::job_progress(job.learners_done, job.learners_total),
        awards_issued: job.awards_issued,
        errors: job.errors.iter().map(|e| e["message"].as_str().map_or_else(|| e.to_string(), str::to_owned)).collect(),
        result,
        pathway: pathway.filter(|_| registered),
        editor,
    };
    page.visitor.render(&data)
}
