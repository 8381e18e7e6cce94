//! The mail outbox: one row per message to send, durable in the database.
//! Rows are written in the transaction of the change they tell about; a
//! worker claims due rows by taking a lease (on PostgreSQL with `FOR
//! UPDATE SKIP LOCKED`, so several nodes share the outbox; on SQLite the
//! one writer serialises claims), sends them, and marks each sent, or
//! schedules its next attempt, or gives up. A row whose worker died is due
//! again once its lease ran out.

use chrono::{DateTime, NaiveDateTime, TimeDelta, Utc};
use diesel::prelude::*;
use uuid::Uuid;

use super::connection::DbConn;
use super::error::{StoreError, StoreResult};
use super::schema::mail_outbox;
use super::time;

/// Rows per multi-row INSERT: well under SQLite's bound-parameter limit.
const ROWS_PER_INSERT: usize = 500;

/// A message to queue.
#[derive(Debug, Clone)]
pub struct NewMail {
    /// The event it tells about: with the address, unique.
    pub event: Uuid,
    /// The preference kind (`issued`, `award`, …), for operators.
    pub kind: &'static str,
    pub recipient_email: String,
    /// The account, when the address is one's.
    pub recipient: Option<String>,
    pub subject: String,
    /// The message, sealed with the master key.
    pub sealed_body: String,
}

#[derive(Insertable)]
#[diesel(table_name = mail_outbox, treat_none_as_default_value = false)]
struct Row {
    id: String,
    event_id: String,
    kind: String,
    recipient_email: String,
    recipient_id: Option<String>,
    subject: String,
    body: Option<String>,
    state: String,
    attempts: i64,
    next_attempt_at: NaiveDateTime,
    created_at: NaiveDateTime,
}

/// Queues `mails` (in the caller's transaction). A message for an event and
/// address already queued is skipped: one event mails one address once.
pub fn insert_many(conn: &mut DbConn, mails: &[NewMail], now: DateTime<Utc>) -> StoreResult<()> {
    let at = time::to_db(now);
    for chunk in mails.chunks(ROWS_PER_INSERT) {
        let rows: Vec<Row> = chunk
            .iter()
            .map(|m| Row {
                id: Uuid::now_v7().to_string(),
                event_id: m.event.to_string(),
                kind: m.kind.to_owned(),
                recipient_email: m.recipient_email.clone(),
                recipient_id: m.recipient.clone(),
                subject: m.subject.clone(),
                body: Some(m.sealed_body.clone()),
                state: "queued".to_owned(),
                attempts: 0,
                next_attempt_at: at,
                created_at: at,
            })
            .collect();
        // ON CONFLICT is per backend in diesel (not through the MultiConnection).
        let query =
            diesel::insert_into(mail_outbox::table).values(&rows).on_conflict((mail_outbox::event_id, mail_outbox::recipient_email)).do_nothing();
        match conn {
            DbConn::Sqlite(c) => query.execute(c),
            DbConn::Postgres(c) => query.execute(c),
        }
        .map_err(StoreError::from_query)?;
    }
    Ok(())
}

/// A claimed message, for the worker to send.
#[derive(Debug, Clone)]
pub struct Claimed {
    pub id: Uuid,
    pub recipient_email: String,
    pub subject: String,
    /// None when a row was somehow left without one (it cannot be sent).
    pub sealed_body: Option<String>,
    /// Counting this one.
    pub attempts: i64,
}

type Due = diesel::dsl::And<
    diesel::dsl::And<diesel::dsl::Eq<mail_outbox::state, &'static str>, diesel::dsl::LtEq<mail_outbox::next_attempt_at, NaiveDateTime>>,
    diesel::dsl::Or<diesel::dsl::IsNull<mail_outbox::lease_until>, diesel::dsl::Lt<mail_outbox::lease_until, NaiveDateTime>>,
>;

/// Queued, its time come, and not held by a live lease.
fn due(at: NaiveDateTime) -> Due {
    mail_outbox::state
        .eq("queued")
        .and(mail_outbox::next_attempt_at.le(at))
        .and(mail_outbox::lease_until.is_null().or(mail_outbox::lease_until.lt(at)))
}

/// Whether some message is due at `now` (a read: an idle worker's poll
/// takes no write lock).
pub fn any_due(conn: &mut DbConn, now: DateTime<Utc>) -> StoreResult<bool> {
    let found: Option<String> =
        mail_outbox::table.filter(due(time::to_db(now))).select(mail_outbox::id).first(conn).optional().map_err(StoreError::from_query)?;
    Ok(found.is_some())
}

/// Claims up to `limit` due messages, oldest first: `owner` holds them
/// until `now + lease`, and each claim counts as an attempt.
pub fn claim(conn: &mut DbConn, owner: &str, now: DateTime<Utc>, lease: TimeDelta, limit: i64) -> StoreResult<Vec<Claimed>> {
    let at = time::to_db(now);
    let candidates =
        mail_outbox::table.filter(due(at)).order((mail_outbox::next_attempt_at.asc(), mail_outbox::id.asc())).select(mail_outbox::id).limit(limit);
    let ids: Vec<String> = match conn {
        // Rows another node is claiming are skipped, not waited for.
        DbConn::Postgres(pg) => candidates.for_update().skip_locked().load(pg),
        // One writer at a time (BEGIN IMMEDIATE): nothing to skip.
        DbConn::Sqlite(lite) => candidates.load(lite),
    }
    .map_err(StoreError::from_query)?;
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    diesel::update(mail_outbox::table.filter(mail_outbox::id.eq_any(&ids)).filter(due(at)))
        .set((
            mail_outbox::lease_owner.eq(owner),
            mail_outbox::lease_until.eq(time::to_db(now + lease)),
            mail_outbox::attempts.eq(mail_outbox::attempts + 1),
        ))
        .execute(conn)
        .map_err(StoreError::from_query)?;
    let rows: Vec<(String, String, String, Option<String>, i64)> = mail_outbox::table
        .filter(mail_outbox::id.eq_any(&ids))
        .filter(mail_outbox::lease_owner.eq(owner))
        .order(mail_outbox::id.asc())
        .select((mail_outbox::id, mail_outbox::recipient_email, mail_outbox::subject, mail_outbox::body, mail_outbox::attempts))
        .load(conn)
        .map_err(StoreError::from_query)?;
    rows.into_iter()
        .map(|(id, recipient_email, subject, sealed_body, attempts)| {
            let id = id.parse().map_err(|e| StoreError::Corrupt(format!("mail id: {e}")))?;
            Ok(Claimed { id, recipient_email, subject, sealed_body, attempts })
        })
        .collect()
}

/// Held by `owner` and not finished: the update filter of every outcome.
type Held<'a> = diesel::dsl::And<
    diesel::dsl::And<diesel::dsl::Eq<mail_outbox::id, String>, diesel::dsl::Eq<mail_outbox::lease_owner, &'a str>>,
    diesel::dsl::Eq<mail_outbox::state, &'static str>,
>;

fn held(id: Uuid, owner: &str) -> Held<'_> {
    mail_outbox::id.eq(id.to_string()).and(mail_outbox::lease_owner.eq(owner)).and(mail_outbox::state.eq("queued"))
}

/// Marks message `id` sent and forgets its body. False when `owner` no
/// longer held it (its lease ran out and another worker took it).
pub fn mark_sent(conn: &mut DbConn, id: Uuid, owner: &str, now: DateTime<Utc>) -> StoreResult<bool> {
    let updated = diesel::update(mail_outbox::table.filter(held(id, owner)))
        .set((
            mail_outbox::state.eq("sent"),
            mail_outbox::body.eq(None::<String>),
            mail_outbox::sent_at.eq(Some(time::to_db(now))),
            mail_outbox::lease_owner.eq(None::<String>),
            mail_outbox::lease_until.eq(None::<NaiveDateTime>),
            mail_outbox::last_error.eq(None::<String>),
        ))
        .execute(conn)
        .map_err(StoreError::from_query)?;
    Ok(updated > 0)
}

/// A failed attempt at message `id`: tried again at `retry_at`, or, when
/// None, given up on (its body forgotten). `error` is kept either way.
pub fn mark_failed(conn: &mut DbConn, id: Uuid, owner: &str, error: &str, retry_at: Option<DateTime<Utc>>, now: DateTime<Utc>) -> StoreResult<bool> {
    let updated = match retry_at {
        Some(at) => diesel::update(mail_outbox::table.filter(held(id, owner)))
            .set((
                mail_outbox::next_attempt_at.eq(time::to_db(at)),
                mail_outbox::lease_owner.eq(None::<String>),
                mail_outbox::lease_until.eq(None::<NaiveDateTime>),
                mail_outbox::last_error.eq(Some(error)),
            ))
            .execute(conn),
        None => diesel::update(mail_outbox::table.filter(held(id, owner)))
            .set((
                mail_outbox::state.eq("failed"),
                mail_outbox::body.eq(None::<String>),
                mail_outbox::next_attempt_at.eq(time::to_db(now)),
                mail_outbox::lease_owner.eq(None::<String>),
                mail_outbox::lease_until.eq(None::<NaiveDateTime>),
                mail_outbox::last_error.eq(Some(error)),
            ))
            .execute(conn),
    }
    .map_err(StoreError::from_query)?;
    Ok(updated > 0)
}

/// Where a message stands, for operators and tests.
#[derive(Debug, Clone)]
pub struct Standing {
    pub id: Uuid,
    pub kind: String,
    pub recipient_email: String,
    pub state: String,
    pub attempts: i64,
    pub last_error: Option<String>,
    /// Whether the sealed body is still kept (only until sent or given up).
    pub has_body: bool,
}

/// id, kind, recipient, state, attempts, last error, body.
type StandingRow = (String, String, String, String, i64, Option<String>, Option<String>);

/// Every message, oldest first.
pub fn standings(conn: &mut DbConn) -> StoreResult<Vec<Standing>> {
    let rows: Vec<StandingRow> = mail_outbox::table
        .order(mail_outbox::id.asc())
        .select((
            mail_outbox::id,
            mail_outbox::kind,
            mail_outbox::recipient_email,
            mail_outbox::state,
            mail_outbox::attempts,
            mail_outbox::last_error,
            mail_outbox::body,
        ))
        .load(conn)
        .map_err(StoreError::from_query)?;
    rows.into_iter()
        .map(|(id, kind, recipient_email, state, attempts, last_error, body)| {
            let id = id.parse().map_err(|e| StoreError::Corrupt(format!("mail id: {e}")))?;
            Ok(Standing { id, kind, recipient_email, state, attempts, last_error, has_body: body.is_some() })
        })
        .collect()
}
