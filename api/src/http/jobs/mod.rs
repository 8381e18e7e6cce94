//! Background jobs: what long work (a pathway's back-fill, a dry run) has
//! done so far, and the link a request that started one answers with.

pub mod get;

use cairn_domain::JobId;
use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;

use crate::services::jobs::DryRun;
use crate::store::jobs::{Job, JobState};

/// Where a job is in its life.
#[derive(Debug, Clone, Copy, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum JobStateView {
    Queued,
    Running,
    Succeeded,
    Failed,
}

impl From<JobState> for JobStateView {
    fn from(state: JobState) -> Self {
        match state {
            JobState::Queued => JobStateView::Queued,
            JobState::Running => JobStateView::Running,
            JobState::Succeeded => JobStateView::Succeeded,
            JobState::Failed => JobStateView::Failed,
        }
    }
}

/// The job a request started: follow `url` (also the `Location` of a 202)
/// for its progress.
#[derive(Debug, Serialize, ToSchema)]
pub struct JobLink {
    #[schema(value_type = String, format = Uuid)]
    pub id: JobId,
    pub url: String,
    pub state: JobStateView,
}

impl JobLink {
    pub fn new(job: &Job, public_url: &str) -> Self {
        JobLink { id: job.id, url: format!("{public_url}{}", location(job.id)), state: job.state.into() }
    }
}

/// The path of job `id`.
pub fn location(id: JobId) -> String {
    format!("/v1/jobs/{id}")
}

/// One problem a job met: with a learner when it concerns only them (the
/// job went on with the others).
#[derive(Debug, Serialize, ToSchema)]
pub struct JobProblem {
    #[schema(value_type = Option<String>, format = Uuid)]
    pub learner: Option<String>,
    pub message: String,
}

/// A background job and its progress.
#[derive(Debug, Serialize, ToSchema)]
pub struct JobView {
    #[schema(value_type = String, format = Uuid)]
    pub id: JobId,
    pub url: String,
    /// `pathway_backfill` (awarding learners who complete a registered or
    /// changed pathway), `dry_run_new` or `dry_run_change`.
    #[schema(example = "pathway_backfill")]
    pub kind: String,
    pub state: JobStateView,
    /// The pathway the job is about (for a dry run of a new rule, the id it
    /// was evaluated under; nothing is registered).
    #[schema(value_type = Option<String>, format = Uuid)]
    pub pathway: Option<String>,
    /// Learners evaluated so far.
    pub learners_done: i64,
    /// Learners holding a credential, counted when the job started (null
    /// while it is queued); learners who join meanwhile raise it.
    pub learners_total: Option<i64>,
    /// Awards issued by this job (a dry run issues none).
    pub awards_issued: i64,
    /// Problems met: a learner the job could not work (it went on with the
    /// others), or a chunk that failed and was retried.
    pub errors: Vec<JobProblem>,
    /// A finished dry run's figures; null otherwise.
    pub result: Option<DryRun>,
    /// How many times a worker claimed it (more than once after a worker
    /// died or a chunk failed).
    pub attempts: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub finished_at: Option<DateTime<Utc>>,
}

impl JobView {
    pub fn new(job: Job, public_url: &str) -> Self {
        let result =
            (job.state == JobState::Succeeded).then(|| job.result.clone().and_then(|value| serde_json::from_value::<DryRun>(value).ok())).flatten();
        let errors = job
            .errors
            .iter()
            .map(|e| JobProblem {
                learner: e["learner"].as_str().map(str::to_owned),
                message: e["message"].as_str().map_or_else(|| e.to_string(), str::to_owned),
            })
            .collect();
        JobView {
            id: job.id,
            url: format!("{public_url}{}", location(job.id)),
            pathway: job.params["pathway"].as_str().map(str::to_owned),
            kind: job.kind,
            state: job.state.into(),
            learners_done: job.learners_done,
            learners_total: job.learners_total,
            awards_issued: job.awards_issued,
            errors,
            result,
            attempts: job.attempts,
            created_at: job.created_at,
            updated_at: job.updated_at,
            finished_at: job.finished_at,
        }
    }
}
