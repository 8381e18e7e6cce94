//! The job queue: background work over all learners, durable in the
//! database. A worker claims a job by taking its lease (the leased queue of
//! `store::lease`), then records each chunk's progress in the
//! chunk's own transaction. A job whose lease ran out is claimable again and
//! resumes after its cursor.

use cairn_domain::{JobId, OrgId, UserId};
use chrono::{DateTime, NaiveDateTime, TimeDelta, Utc};
use diesel::prelude::*;

use super::connection::DbConn;
use super::error::{StoreError, StoreResult};
use super::schema::{credentials, jobs, users};
use super::time;

/// Where a job is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JobState {
    Queued,
    Running,
    Succeeded,
    Failed,
}

impl JobState {
    pub fn as_str(self) -> &'static str {
        match self {
            JobState::Queued => "queued",
            JobState::Running => "running",
            JobState::Succeeded => "succeeded",
            JobState::Failed => "failed",
        }
    }

    fn parse(text: &str) -> StoreResult<Self> {
        Ok(match text {
            "queued" => JobState::Queued,
            "running" => JobState::Running,
            "succeeded" => JobState::Succeeded,
            "failed" => JobState::Failed,
            other => return Err(StoreError::Corrupt(format!("job state `{other}`"))),
        })
    }

    pub fn is_finished(self) -> bool {
        matches!(self, JobState::Succeeded | JobState::Failed)
    }
}

/// A stored job. `kind` and `params` belong to the use case that enqueued
/// it; the store only keeps them.
#[derive(Debug, Clone)]
pub struct Job {
    pub id: JobId,
    pub kind: String,
    pub org: OrgId,
    pub started_by: UserId,
    pub state: JobState,
    pub params: serde_json::Value,
    /// The last learner done, in id order; None before the first chunk.
    pub cursor: Option<UserId>,
    pub learners_done: i64,
    /// Counted by the first chunk; None before it.
    pub learners_total: Option<i64>,
    pub awards_issued: i64,
    /// What went wrong, one JSON object per problem.
    pub errors: Vec<serde_json::Value>,
    /// The running figures of the kind (a dry run's counts), final once the
    /// job succeeded.
    pub result: Option<serde_json::Value>,
    pub lease_owner: Option<String>,
    pub lease_until: Option<DateTime<Utc>>,
    pub attempts: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub finished_at: Option<DateTime<Utc>>,
}

type Row = (
    String,
    String,
    String,
    String,
    String,
    String,
    Option<String>,
    i64,
    Option<i64>,
    i64,
    String,
    Option<String>,
    Option<String>,
    Option<NaiveDateTime>,
    i64,
    NaiveDateTime,
    NaiveDateTime,
    Option<NaiveDateTime>,
);

type Columns = (
    jobs::id,
    jobs::kind,
    jobs::org_id,
    jobs::started_by,
    jobs::state,
    jobs::params,
    jobs::cursor,
    jobs::learners_done,
    jobs::learners_total,
    jobs::awards_issued,
    jobs::errors,
    jobs::result,
    jobs::lease_owner,
    jobs::lease_until,
    jobs::attempts,
    jobs::created_at,
    jobs::updated_at,
    jobs::finished_at,
);

const COLUMNS: Columns = (
    jobs::id,
    jobs::kind,
    jobs::org_id,
    jobs::started_by,
    jobs::state,
    jobs::params,
    jobs::cursor,
    jobs::learners_done,
    jobs::learners_total,
    jobs::awards_issued,
    jobs::errors,
    jobs::result,
    jobs::lease_owner,
    jobs::lease_until,
    jobs::attempts,
    jobs::created_at,
    jobs::updated_at,
    jobs::finished_at,
);

fn from_row(row: Row) -> StoreResult<Job> {
    let (id, kind, org, started_by, state, params, cursor, done, total, awards, errors, result, owner, until, attempts, created, updated, finished) =
        row;
    let corrupt = |what: &str, e: &dyn std::fmt::Display| StoreError::Corrupt(format!("job {what}: {e}"));
    let json = |what: &str, text: &str| serde_json::from_str::<serde_json::Value>(text).map_err(|e| corrupt(what, &e));
    let errors = match json("errors", &errors)? {
        serde_json::Value::Array(items) => items,
        other => vec![other],
    };
    Ok(Job {
        id: id.parse().map_err(|e| corrupt("id", &e))?,
        kind,
        org: org.parse().map_err(|e| corrupt("org", &e))?,
        started_by: started_by.parse().map_err(|e| corrupt("started_by", &e))?,
        state: JobState::parse(&state)?,
        params: json("params", &params)?,
        cursor: cursor.map(|c| c.parse().map_err(|e| corrupt("cursor", &e))).transpose()?,
        learners_done: done,
        learners_total: total,
        awards_issued: awards,
        errors,
        result: result.map(|r| json("result", &r)).transpose()?,
        lease_owner: owner,
        lease_until: until.map(time::from_db),
        attempts,
        created_at: time::from_db(created),
        updated_at: time::from_db(updated),
        finished_at: finished.map(time::from_db),
    })
}

/// What a use case enqueues.
pub struct NewJob {
    pub kind: String,
    pub org: OrgId,
    pub started_by: UserId,
    pub params: serde_json::Value,
}

/// Enqueues a job (in the caller's transaction: it exists once that commits).
pub fn insert(conn: &mut DbConn, new: NewJob, now: DateTime<Utc>) -> StoreResult<Job> {
    let id = JobId::new();
    diesel::insert_into(jobs::table)
        .values((
            jobs::id.eq(id.to_string()),
            jobs::kind.eq(&new.kind),
            jobs::org_id.eq(new.org.to_string()),
            jobs::started_by.eq(new.started_by.to_string()),
            jobs::state.eq(JobState::Queued.as_str()),
            jobs::params.eq(new.params.to_string()),
            jobs::created_at.eq(time::to_db(now)),
            jobs::updated_at.eq(time::to_db(now)),
        ))
        .execute(conn)
        .map_err(StoreError::from_query)?;
    find(conn, id)?.ok_or(StoreError::NotFound("job"))
}

pub fn find(conn: &mut DbConn, id: JobId) -> StoreResult<Option<Job>> {
    jobs::table.find(id.to_string()).select(COLUMNS).first::<Row>(conn).optional().map_err(StoreError::from_query)?.map(from_row).transpose()
}

super::lease::leased_queue! {
    table: jobs,
    // Queued, or running under a lease that ran out (its worker died).
    due(at): jobs::state.eq(JobState::Queued.as_str()).or(jobs::state.eq(JobState::Running.as_str()).and(jobs::lease_until.lt(at))),
    order: (jobs::created_at.asc(), jobs::id.asc()),
    // Each claim counts (a job fails for good after so many); a release,
    // its worker stopping between chunks, takes it back.
    on_claim: (jobs::state.eq(JobState::Running.as_str()), jobs::attempts.eq(jobs::attempts + 1), jobs::updated_at.eq(at)),
    on_release: (jobs::state.eq(JobState::Queued.as_str()), jobs::attempts.eq(jobs::attempts - 1), jobs::updated_at.eq(at)),
}

/// Claims the oldest job that is queued, or running under a lease that ran
/// out (its worker died): `owner` holds it until `now + lease`.
pub fn claim(conn: &mut DbConn, owner: &str, now: DateTime<Utc>, lease: TimeDelta) -> StoreResult<Option<Job>> {
    let Some(id) = claim_ids(conn, owner, now, lease, 1)?.into_iter().next() else { return Ok(None) };
    find(conn, id.parse().map_err(|e| StoreError::Corrupt(format!("job id: {e}")))?)
}

/// Gives job `id` back to the queue when `owner` holds it (its worker
/// stops between chunks): claimable again at once, resuming after its cursor.
pub fn release_job(conn: &mut DbConn, id: JobId, owner: &str, now: DateTime<Utc>) -> StoreResult<bool> {
    Ok(release(conn, &[id.to_string()], owner, now)? > 0)
}

/// The job, when `owner` still holds it (running, leased to them); locked
/// until the transaction ends on PostgreSQL, so no other node claims it
/// while this chunk runs. None when the lease passed to another worker.
pub fn hold(conn: &mut DbConn, id: JobId, owner: &str) -> StoreResult<Option<Job>> {
    let key = id.to_string();
    let query = jobs::table.filter(held(&key, owner)).filter(jobs::state.eq(JobState::Running.as_str())).select(COLUMNS);
    let row: Option<Row> = match conn {
        DbConn::Postgres(pg) => query.for_update().first(pg).optional(),
        DbConn::Sqlite(lite) => query.first(lite).optional(),
    }
    .map_err(StoreError::from_query)?;
    row.map(from_row).transpose()
}

/// What one chunk did, recorded in the chunk's transaction.
pub struct Progress {
    pub cursor: Option<UserId>,
    pub learners_done: i64,
    pub learners_total: i64,
    pub awards_issued: i64,
    pub errors: Vec<serde_json::Value>,
    pub result: Option<serde_json::Value>,
    /// Succeeded when this was the last chunk; the lease is renewed otherwise.
    pub finished: bool,
}

/// Records a chunk of job `id` and renews `owner`'s lease until
/// `lease_until` (or ends the job when it was the last chunk).
pub fn record(conn: &mut DbConn, id: JobId, owner: &str, progress: &Progress, now: DateTime<Utc>, lease_until: DateTime<Utc>) -> StoreResult<()> {
    let (state, owner, until, finished_at) = if progress.finished {
        (JobState::Succeeded, None, None, Some(time::to_db(now)))
    } else {
        (JobState::Running, Some(owner), Some(time::to_db(lease_until)), None)
    };
    let updated = diesel::update(jobs::table.find(id.to_string()))
        .set((
            jobs::state.eq(state.as_str()),
            jobs::cursor.eq(progress.cursor.map(|c| c.to_string())),
            jobs::learners_done.eq(progress.learners_done),
            jobs::learners_total.eq(Some(progress.learners_total)),
            jobs::awards_issued.eq(progress.awards_issued),
            jobs::errors.eq(serde_json::Value::Array(progress.errors.clone()).to_string()),
            jobs::result.eq(progress.result.as_ref().map(serde_json::Value::to_string)),
            jobs::lease_owner.eq(owner),
            jobs::lease_until.eq(until),
            jobs::updated_at.eq(time::to_db(now)),
            jobs::finished_at.eq(finished_at),
        ))
        .execute(conn)
        .map_err(StoreError::from_query)?;
    if updated == 0 {
        return Err(StoreError::NotFound("job"));
    }
    Ok(())
}

/// A chunk of job `id` failed (its transaction rolled back): the problem is
/// noted, and the job goes back to the queue, or fails for good after
/// `max_attempts` claims. Only while `owner` holds it.
pub fn chunk_failed(conn: &mut DbConn, id: JobId, owner: &str, problem: serde_json::Value, max_attempts: i64, now: DateTime<Utc>) -> StoreResult<()> {
    let Some(job) = hold(conn, id, owner)? else { return Ok(()) };
    let mut errors = job.errors;
    errors.push(problem);
    let failed = job.attempts >= max_attempts;
    let state = if failed { JobState::Failed } else { JobState::Queued };
    diesel::update(jobs::table.find(id.to_string()))
        .set((
            jobs::state.eq(state.as_str()),
            released(),
            jobs::errors.eq(serde_json::Value::Array(errors).to_string()),
            jobs::updated_at.eq(time::to_db(now)),
            jobs::finished_at.eq(failed.then(|| time::to_db(now))),
        ))
        .execute(conn)
        .map_err(StoreError::from_query)?;
    Ok(())
}

/// Ends job `id` as failed with `problem` (work that cannot go on, such as
/// a back-fill whose pathway is gone).
pub fn fail(conn: &mut DbConn, id: JobId, mut errors: Vec<serde_json::Value>, problem: serde_json::Value, now: DateTime<Utc>) -> StoreResult<()> {
    errors.push(problem);
    diesel::update(jobs::table.find(id.to_string()))
        .set((
            jobs::state.eq(JobState::Failed.as_str()),
            released(),
            jobs::errors.eq(serde_json::Value::Array(errors).to_string()),
            jobs::updated_at.eq(time::to_db(now)),
            jobs::finished_at.eq(Some(time::to_db(now))),
        ))
        .execute(conn)
        .map_err(StoreError::from_query)?;
    Ok(())
}

/// Up to `limit` learners holding a credential, in id order, after `after`:
/// one chunk of a job.
pub fn learners_after(conn: &mut DbConn, after: Option<UserId>, limit: i64) -> StoreResult<Vec<UserId>> {
    // Accounts in id order that hold a credential: the accounts' key and the
    // credentials' learner index, not a DISTINCT over every credential
    // (seconds per chunk at millions of credentials).
    let mut query = users::table.filter(holds_a_credential()).select(users::id).order(users::id.asc()).limit(limit).into_boxed();
    if let Some(after) = after {
        query = query.filter(users::id.gt(after.to_string()));
    }
    let ids: Vec<String> = query.load(conn).map_err(StoreError::from_query)?;
    ids.into_iter().map(|id| id.parse().map_err(|e| StoreError::Corrupt(format!("learner id: {e}")))).collect()
}

/// `EXISTS (credentials of users.id)`.
type HoldsACredential =
    diesel::dsl::exists<diesel::dsl::Filter<credentials::table, diesel::dsl::Eq<credentials::learner_id, diesel::dsl::Nullable<users::id>>>>;

fn holds_a_credential() -> HoldsACredential {
    diesel::dsl::exists(credentials::table.filter(credentials::learner_id.eq(users::id.nullable())))
}

/// How many learners hold a credential (a job's total).
pub fn count_learners(conn: &mut DbConn) -> StoreResult<i64> {
    users::table.filter(holds_a_credential()).count().get_result(conn).map_err(StoreError::from_query)
}
