//! The mail outbox: one row per message to send, durable in the database.
//! Rows are written in the transaction of the change they tell about; a
//! worker claims due rows by taking a lease (the leased queue of
//! `store::lease`), sends them, and marks each sent, or schedules its next
//! attempt, or gives up. A row whose worker died is due again once its
//! lease ran out.

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

super::lease::leased_queue! {
    table: mail_outbox,
    // Queued, its time come, and not held by a live lease.
    due(at): mail_outbox::state
        .eq("queued")
        .and(mail_outbox::next_attempt_at.le(at))
        .and(mail_outbox::lease_until.is_null().or(mail_outbox::lease_until.lt(at))),
    order: (mail_outbox::next_attempt_at.asc(), mail_outbox::id.asc()),
    // Each claim counts as an attempt; a release takes it back.
    on_claim: mail_outbox::attempts.eq(mail_outbox::attempts + 1),
    on_release: mail_outbox::attempts.eq(mail_outbox::attempts - 1),
}

/// Claims up to `limit` due messages, oldest first: `owner` holds them
/// until `now + lease`, and each claim counts as an attempt.
pub fn claim(conn: &mut DbConn, owner: &str, now: DateTime<Utc>, lease: TimeDelta, limit: i64) -> StoreResult<Vec<Claimed>> {
    let ids = claim_ids(conn, owner, now, lease, limit)?;
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let rows: Vec<(String, String, String, Option<String>, i64)> = mail_outbox::table
        .filter(mail_outbox::id.eq_any(&ids))
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

/// Gives back messages `ids` that `owner` claimed and did not try (a
/// worker that stops): due again at once, their attempt not counted.
pub fn release_unsent(conn: &mut DbConn, ids: &[Uuid], owner: &str, now: DateTime<Utc>) -> StoreResult<usize> {
    let ids: Vec<String> = ids.iter().map(ToString::to_string).collect();
    release(conn, &ids, owner, now)
}

/// Marks message `id` sent and forgets its body. False when `owner` no
/// longer held it (its lease ran out and another worker took it).
pub fn mark_sent(conn: &mut DbConn, id: Uuid, owner: &str, now: DateTime<Utc>) -> StoreResult<bool> {
    let id = id.to_string();
    let updated = diesel::update(mail_outbox::table.filter(held(&id, owner)).filter(mail_outbox::state.eq("queued")))
        .set((
            released(),
            mail_outbox::state.eq("sent"),
            mail_outbox::body.eq(None::<String>),
            mail_outbox::sent_at.eq(Some(time::to_db(now))),
            mail_outbox::last_error.eq(None::<String>),
        ))
        .execute(conn)
        .map_err(StoreError::from_query)?;
    Ok(updated > 0)
}

/// A failed attempt at message `id`: tried again at `retry_at`, or, when
/// None, given up on (its body forgotten). `error` is kept either way.
pub fn mark_failed(conn: &mut DbConn, id: Uuid, owner: &str, error: &str, retry_at: Option<DateTime<Utc>>, now: DateTime<Utc>) -> StoreResult<bool> {
    let id = id.to_string();
    let target = mail_outbox::table.filter(held(&id, owner)).filter(mail_outbox::state.eq("queued"));
    let updated = match retry_at {
        Some(at) => diesel::update(target)
            .set((released(), mail_outbox::next_attempt_at.eq(time::to_db(at)), mail_outbox::last_error.eq(Some(error))))
            .execute(conn),
        None => diesel::update(target)
            .set((
                released(),
                mail_outbox::state.eq("failed"),
                mail_outbox::body.eq(None::<String>),
                mail_outbox::next_attempt_at.eq(time::to_db(now)),
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
