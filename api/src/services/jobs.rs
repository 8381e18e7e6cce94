//! Background jobs: work over every learner, queued durably in the database
//! (`store::jobs`) and worked in chunks by a worker task in each process.
//!
//! Kinds: a pathway's back-fill after registration or update (every learner
//! who completes it now is awarded) and dry runs of a new or changed rule
//! (counted, nothing written). A chunk covers the next learners in id
//! order: a read evaluates them all (no write lock held meanwhile), then one
//! short write transaction awards those who complete (each re-evaluated
//! there) and records the cursor (the last learner done) and the progress,
//! so a chunk's writes happen whole or not at all. A worker that dies leaves its lease to run out; the
//! job is then claimed again and resumes after its cursor. Awards stay
//! exactly once even if a chunk is retried: the `awards` primary key and
//! the check for an existing award come first (`awards::award_pathway_to`).

use std::sync::Arc;
use std::time::Duration;

use cairn_domain::{JobId, OrgId, PathwayId, Role, UserId};
use cairn_stacking::{EvalOptions, GraphError, Pathway, PathwayRule, Status};
use chrono::{DateTime, TimeDelta, Utc};
use diesel::Connection;
use serde::{Deserialize, Serialize};
use tokio::sync::Notify;
use utoipa::ToSchema;

use crate::auth::Caller;
use crate::services::Context;
use crate::services::awards::{self, AwardError};
use crate::services::facts;
use crate::services::issuer::Issuers;
use crate::services::worker::{self, Pace, Queue, Stop};
use crate::state::AppState;
use crate::store::jobs::{self as queue, Job, JobState, NewJob, Progress};
use crate::store::{DbConn, StoreError, pathways};

/// At most this many problems are kept on a job (the first ones).
const MAX_ERRORS: usize = 100;
/// A job whose chunk failed this many times (claims) fails for good.
const MAX_ATTEMPTS: i64 = 5;
/// How long an idle worker sleeps before it looks at the queue again (a
/// job enqueued in this process wakes it at once).
const IDLE_POLL: Duration = Duration::from_secs(1);

#[derive(Debug, thiserror::Error)]
pub enum JobError {
    /// No such job, or not one the caller may see.
    #[error("job not found")]
    NotFound,
    /// The stored parameters do not describe work this version knows.
    #[error("job parameters: {0}")]
    Params(String),
    /// The rule of a dry run no longer fits the stored graph.
    #[error(transparent)]
    Graph(#[from] GraphError),
    #[error(transparent)]
    Awards(#[from] AwardError),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// For savepoints (`Connection::transaction`).
impl From<diesel::result::Error> for JobError {
    fn from(error: diesel::result::Error) -> Self {
        JobError::Store(StoreError::from_query(error))
    }
}

/// What a job does, stored as its parameters (tagged by its kind).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Work {
    /// Awards every learner who completes `pathway` now (after it was
    /// registered or changed).
    PathwayBackfill { pathway: PathwayId },
    /// `rule` as a new pathway with id `pathway`, evaluated at `at`.
    DryRunNew(DryRunParams),
    /// `rule` in place of pathway `pathway`'s current one, evaluated at `at`.
    DryRunChange(DryRunParams),
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct DryRunParams {
    pub pathway: PathwayId,
    pub org: OrgId,
    pub rule: serde_json::Value,
    pub at: DateTime<Utc>,
}

impl Work {
    pub fn kind(&self) -> &'static str {
        match self {
            Work::PathwayBackfill { .. } => "pathway_backfill",
            Work::DryRunNew(_) => "dry_run_new",
            Work::DryRunChange(_) => "dry_run_change",
        }
    }

    /// The pathway the job is about.
    pub fn pathway(&self) -> PathwayId {
        match self {
            Work::PathwayBackfill { pathway } => *pathway,
            Work::DryRunNew(p) | Work::DryRunChange(p) => p.pathway,
        }
    }

    fn of(job: &Job) -> Result<Self, JobError> {
        serde_json::from_value(job.params.clone()).map_err(|e| JobError::Params(e.to_string()))
    }
}

/// What a dry run found: what the pathway would do if registered (or
/// changed) at `evaluated_at`.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct DryRun {
    /// Learners holding at least one credential, all evaluated.
    pub learners_evaluated: u64,
    /// Learners who complete it now (each would be awarded, or queued for
    /// review).
    pub would_complete: u64,
    /// Of those, learners who already hold an award of the current version.
    pub already_awarded: u64,
    /// Learners with some progress but not complete.
    pub in_progress: u64,
    pub evaluated_at: DateTime<Utc>,
}

/// Enqueues `work` for institution `org`, started by the context's actor
/// (in the caller's transaction). Wake the worker once it committed.
pub fn enqueue(conn: &mut DbConn, ctx: &Context, org: OrgId, work: &Work) -> Result<Job, JobError> {
    let params = serde_json::to_value(work).map_err(|e| JobError::Params(e.to_string()))?;
    Ok(queue::insert(conn, NewJob { kind: work.kind().to_owned(), org, started_by: ctx.actor, params }, ctx.now)?)
}

/// Job `id`, for the account that started it and for staff of its
/// organisation; anyone else is told it does not exist.
pub fn get(conn: &mut DbConn, caller: &Caller, id: JobId) -> Result<Job, JobError> {
    let job = queue::find(conn, id)?.ok_or(JobError::NotFound)?;
    let staff = matches!(caller.role, Role::Issuer | Role::Employer) && caller.org == Some(job.org);
    if job.started_by == caller.id || staff { Ok(job) } else { Err(JobError::NotFound) }
}

/// What one chunk left behind.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Chunk {
    /// More learners follow.
    More,
    /// The job is finished (succeeded or failed).
    Done,
    /// Another worker holds the job now (this one's lease ran out).
    Lost,
}

/// A chunk as its read found it (`evaluate_chunk`), for `commit_chunk` to
/// write: the learners it covers and what they need.
pub struct Evaluated {
    id: JobId,
    /// Where the job stood when the read began.
    cursor: Option<UserId>,
    progress: Progress,
    /// Back-fill: the learners who complete the pathway now and hold no
    /// award of it, the only ones the write works.
    to_award: Vec<UserId>,
    pathway: Option<PathwayId>,
    /// Work that cannot go on: the job fails with this.
    failure: Option<JobError>,
}

/// The read half of a chunk of job `id` (held by `owner`), at the
/// context's instant: the next `size` learners after the cursor, each
/// evaluated. A dry run is counted here; a back-fill finds who completes
/// the pathway. Nothing is written, so the evaluation of many learners
/// holds no write lock. None when `owner` no longer holds the job.
pub fn evaluate_chunk(conn: &mut DbConn, ctx: &Context, id: JobId, owner: &str, size: usize) -> Result<Option<Evaluated>, JobError> {
    let Some(job) = queue::find(conn, id)?.filter(|job| job.state == JobState::Running && job.lease_owner.as_deref() == Some(owner)) else {
        return Ok(None);
    };
    let total = match job.learners_total {
        Some(total) => total,
        None => queue::count_learners(conn)?,
    };
    let limit = i64::try_from(size.max(1)).unwrap_or(i64::MAX);
    let learners = queue::learners_after(conn, job.cursor, limit)?;
    let count = i64::try_from(learners.len()).unwrap_or(i64::MAX);
    let mut evaluated = Evaluated {
        id,
        cursor: job.cursor,
        progress: Progress {
            cursor: learners.last().copied().or(job.cursor),
            learners_done: job.learners_done + count,
            learners_total: total,
            awards_issued: job.awards_issued,
            errors: job.errors.clone(),
            result: job.result.clone(),
            finished: count < limit,
        },
        to_award: Vec::new(),
        pathway: None,
        failure: None,
    };
    let outcome = match Work::of(&job) {
        Ok(Work::PathwayBackfill { pathway }) => {
            evaluated.pathway = Some(pathway);
            find_completing(conn, ctx, pathway, &learners).map(|found| evaluated.to_award = found)
        }
        Ok(Work::DryRunNew(params) | Work::DryRunChange(params)) => dry_run(conn, &params, &learners, &mut evaluated.progress),
        Err(error) => Err(error),
    };
    match outcome {
        Ok(()) => {}
        // Worth another try.
        Err(error @ (JobError::Store(_) | JobError::Awards(_))) => return Err(error),
        Err(error) => evaluated.failure = Some(error),
    }
    Ok(Some(evaluated))
}

/// The write half of a chunk, in the caller's one transaction: awards the
/// learners the read found (each re-evaluated here, once: an award already
/// recorded is not issued again), then records the cursor, the progress and
/// a renewed lease. When the job moved on since the read (another worker
/// held it meanwhile), nothing is done and the chunk is read again.
pub fn commit_chunk(conn: &mut DbConn, ctx: &Context, evaluated: Evaluated, owner: &str, lease: TimeDelta) -> Result<Chunk, JobError> {
    let Some(job) = queue::hold(conn, evaluated.id, owner)? else { return Ok(Chunk::Lost) };
    if job.cursor != evaluated.cursor {
        return Ok(Chunk::More);
    }
    if let Some(failure) = evaluated.failure {
        return fail(conn, ctx, job, &failure);
    }
    let mut progress = evaluated.progress;
    if let (Some(pathway), false) = (evaluated.pathway, evaluated.to_award.is_empty()) {
        backfill(conn, ctx, pathway, &evaluated.to_award, &mut progress)?;
    }
    // Learners who got their first credential during the run count too.
    progress.learners_total = progress.learners_total.max(progress.learners_done);
    progress.errors.truncate(MAX_ERRORS);
    queue::record(conn, evaluated.id, owner, &progress, ctx.now, ctx.now + lease)?;
    Ok(if progress.finished { Chunk::Done } else { Chunk::More })
}

/// The learners of `learners` who complete `pathway` at the context's
/// instant and hold no award of it yet.
fn find_completing(conn: &mut DbConn, ctx: &Context, pathway: PathwayId, learners: &[UserId]) -> Result<Vec<UserId>, JobError> {
    let (_, graph) = ctx.graph(conn)?;
    if graph.pathway(pathway).is_none() {
        return Err(JobError::Params(format!("pathway {pathway} is not registered")));
    }
    let mut found = Vec::new();
    let mut facts = facts::facts_of(conn, learners)?;
    for learner in learners {
        let facts = facts.remove(learner).unwrap_or_default();
        if awards::completion(&graph, pathway, &facts, ctx.now).is_some() && pathways::find_award(conn, pathway, *learner)?.is_none() {
            found.push(*learner);
        }
    }
    Ok(found)
}

fn fail(conn: &mut DbConn, ctx: &Context, job: Job, error: &JobError) -> Result<Chunk, JobError> {
    tracing::warn!(job = %job.id, %error, "job failed");
    queue::fail(conn, job.id, job.errors, serde_json::json!({ "message": error.to_string() }), ctx.now)?;
    Ok(Chunk::Done)
}

/// A problem with one learner, kept on the job; the others go on.
fn learner_error(learner: UserId, error: &dyn std::fmt::Display) -> serde_json::Value {
    serde_json::json!({ "learner": learner, "message": error.to_string() })
}

/// Whether a learner's failure is the store's (retry the chunk) rather than
/// the learner's own (note it and go on).
fn is_transient(error: &AwardError) -> bool {
    matches!(
        error,
        AwardError::Store(StoreError::Busy | StoreError::Conflict(_) | StoreError::Pool(_) | StoreError::Join(_)) | AwardError::Contended(_)
    )
}

fn backfill(conn: &mut DbConn, ctx: &Context, pathway: PathwayId, learners: &[UserId], progress: &mut Progress) -> Result<(), JobError> {
    let (_, graph) = ctx.graph(conn)?;
    if graph.pathway(pathway).is_none() {
        return Err(JobError::Params(format!("pathway {pathway} is not registered")));
    }
    let mut issuers = Issuers::default();
    for learner in learners {
        // A savepoint per learner: one learner's failure undoes only theirs.
        match conn.transaction(|conn| awards::award_pathway_to(conn, ctx, &graph, &mut issuers, *learner, pathway)) {
            Ok(issued) => progress.awards_issued += i64::try_from(issued.len()).unwrap_or(i64::MAX),
            Err(error) if is_transient(&error) => return Err(error.into()),
            Err(error) => {
                tracing::warn!(%learner, %pathway, %error, "back-fill skipped a learner");
                progress.errors.push(learner_error(*learner, &error));
            }
        }
    }
    Ok(())
}

fn dry_run(conn: &mut DbConn, params: &DryRunParams, learners: &[UserId], progress: &mut Progress) -> Result<(), JobError> {
    let rule = PathwayRule::from_value(params.rule.clone()).map_err(|e| JobError::Params(e.to_string()))?;
    let pathway = Pathway { id: params.pathway, issuer: params.org, rule };
    let mut graph = awards::load_graph(conn)?;
    graph.register(pathway)?;
    let mut tally = match progress.result.take() {
        Some(value) => serde_json::from_value(value).map_err(|e| JobError::Params(e.to_string()))?,
        None => DryRun { learners_evaluated: 0, would_complete: 0, already_awarded: 0, in_progress: 0, evaluated_at: params.at },
    };
    let mut facts = facts::facts_of(conn, learners)?;
    for learner in learners {
        let facts = facts.remove(learner).unwrap_or_default();
        tally.learners_evaluated += 1;
        let outcome = match cairn_stacking::evaluate_with(&graph, params.pathway, &facts, params.at, &EvalOptions::without_plan()) {
            Ok(outcome) => outcome,
            Err(error) => {
                progress.errors.push(learner_error(*learner, &error));
                continue;
            }
        };
        match outcome.status {
            Status::Complete => {
                tally.would_complete += 1;
                if pathways::find_award(conn, params.pathway, *learner)?.is_some() {
                    tally.already_awarded += 1;
                }
            }
            Status::InProgress => tally.in_progress += 1,
            Status::NotStarted => {}
        }
    }
    progress.result = Some(serde_json::to_value(&tally).map_err(|e| JobError::Params(e.to_string()))?);
    Ok(())
}

/// How the worker works the queue.
#[derive(Debug, Clone, Copy)]
pub struct JobSettings {
    /// Learners per chunk (one transaction each).
    pub chunk: usize,
    /// How long a claim holds without a chunk recorded; a worker that died
    /// is replaced after this.
    pub lease: Duration,
    /// A pause between chunks, leaving the database to requests.
    pub pause: Duration,
}

impl Default for JobSettings {
    fn default() -> Self {
        Self { chunk: 500, lease: Duration::from_secs(30), pause: Duration::ZERO }
    }
}

/// Wakes this process's worker when a job was enqueued here.
#[derive(Debug, Clone, Default)]
pub struct JobSignal(Arc<Notify>);

impl JobSignal {
    pub fn wake(&self) {
        self.0.notify_one();
    }
}

/// One chunk: evaluated in a read, then committed in a short write.
async fn run_chunk(state: &Arc<AppState>, ctx: Context, id: JobId, owner: &str, size: usize, lease: TimeDelta) -> Result<Chunk, JobError> {
    let holder = owner.to_owned();
    let reading = ctx.clone();
    let Some(evaluated) = state.store.read_as(move |conn| evaluate_chunk(conn, &reading, id, &holder, size)).await? else {
        return Ok(Chunk::Lost);
    };
    let holder = owner.to_owned();
    state.store.write_as(move |conn| commit_chunk(conn, &ctx, evaluated, &holder, lease)).await
}

/// The job queue as the worker loop (`services::worker`) works it: one
/// job at a time, chunk by chunk.
struct Jobs {
    state: Arc<AppState>,
    settings: JobSettings,
    lease: TimeDelta,
}

impl Queue for Jobs {
    type Item = Job;
    const NAME: &'static str = "job";
    const CONCURRENT: bool = false;

    async fn any_due(&self) -> Result<bool, StoreError> {
        let now = crate::store::time::now();
        self.state.store.read(move |conn| queue::any_due(conn, now)).await
    }

    async fn claim(&self, owner: &str) -> Result<Vec<Job>, StoreError> {
        let now = crate::store::time::now();
        let (claimer, lease) = (owner.to_owned(), self.lease);
        let job = self.state.store.write(move |conn| queue::claim(conn, &claimer, now, lease)).await?;
        if let Some(job) = &job {
            tracing::info!(job = %job.id, kind = %job.kind, attempt = job.attempts, "job claimed");
        }
        Ok(job.into_iter().collect())
    }

    async fn run(&self, owner: &str, job: Job, stop: &Stop) {
        work_job(&self.state, owner, &job, self.settings, self.lease, stop).await;
    }

    async fn release(&self, owner: &str, jobs: Vec<Job>) -> Result<usize, StoreError> {
        let mut released = 0;
        for job in jobs {
            if release_job(&self.state, owner, job.id).await? {
                released += 1;
            }
        }
        Ok(released)
    }
}

/// Gives job `id` back to the queue (this worker stops between chunks).
async fn release_job(state: &Arc<AppState>, owner: &str, id: JobId) -> Result<bool, StoreError> {
    let (holder, now) = (owner.to_owned(), crate::store::time::now());
    state.store.write(move |conn| queue::release_job(conn, id, &holder, now)).await
}

/// The worker: until `stop`, claims jobs from the queue and works them
/// chunk by chunk. Every chunk is a short transaction on the blocking
/// pool, so requests go on meanwhile. A job enqueued in this process
/// wakes it at once.
pub async fn work(state: Arc<AppState>, signal: JobSignal, settings: JobSettings, stop: Stop) {
    let lease = TimeDelta::from_std(settings.lease).unwrap_or(TimeDelta::seconds(30));
    tracing::info!(chunk = settings.chunk, "job worker starting");
    let pace = Pace { poll: IDLE_POLL, wake: Some(signal.0) };
    worker::run(Jobs { state, settings, lease }, pace, stop).await;
}

/// Works job `id` chunk by chunk until it is done, lost to another
/// worker, or a chunk failed; a stop between chunks gives it back to the
/// queue, to resume after its cursor.
async fn work_job(state: &Arc<AppState>, owner: &str, job: &Job, settings: JobSettings, lease: TimeDelta, stop: &Stop) {
    let id = job.id;
    loop {
        let ctx = Context::new(state, job.started_by);
        let outcome = run_chunk(state, ctx, id, owner, settings.chunk, lease).await;
        match outcome {
            Ok(Chunk::More) => {
                if !settings.pause.is_zero() {
                    stop.sleep(settings.pause).await;
                }
                if stop.is_stopped() {
                    match release_job(state, owner, id).await {
                        Ok(_) => tracing::info!(job = %id, "stopping: the job goes back to the queue"),
                        Err(error) => tracing::warn!(job = %id, %error, "stopping: the job could not be given back; its lease will run out"),
                    }
                    return;
                }
            }
            Ok(Chunk::Done) => {
                tracing::info!(job = %id, "job finished");
                return;
            }
            Ok(Chunk::Lost) => {
                tracing::warn!(job = %id, "job taken over by another worker");
                return;
            }
            Err(error) => {
                tracing::warn!(job = %id, %error, "job chunk failed; the job goes back to the queue");
                let holder = owner.to_owned();
                let now = crate::store::time::now();
                let problem = serde_json::json!({ "message": error.to_string() });
                if let Err(error) = state.store.write(move |conn| queue::chunk_failed(conn, id, &holder, problem, MAX_ATTEMPTS, now)).await {
                    tracing::warn!(job = %id, %error, "the failure could not be recorded; the lease will run out");
                }
                stop.sleep(IDLE_POLL).await;
                return;
            }
        }
    }
}
