//! Webhook endpoints, their deliveries and every attempt. Deliveries are a
//! durable queue (the leased queue of `store::lease`): a worker takes a
//! lease on the due ones, sends, and records the attempt and what comes
//! next in one short transaction. A worker that dies leaves
//! its lease to run out, and the delivery is claimed again: at least once.

use cairn_domain::{DeliveryId, OrgId, UserId, WebhookId};
use chrono::{DateTime, NaiveDateTime, TimeDelta, Utc};
use diesel::prelude::*;

use super::connection::DbConn;
use super::error::{StoreError, StoreResult};
use super::schema::{webhook_attempts, webhook_deliveries, webhook_endpoints};
use super::time;

/// A registered endpoint. `sealed_secret` is the signing secret sealed
/// with the master key.
#[derive(Debug, Clone)]
pub struct Endpoint {
    pub id: WebhookId,
    pub org: OrgId,
    pub url: String,
    pub description: String,
    pub events: Vec<String>,
    pub sealed_secret: String,
    pub created_by: UserId,
    pub created_at: DateTime<Utc>,
    pub disabled_at: Option<DateTime<Utc>>,
}

type EndpointRow = (String, String, String, String, String, String, String, NaiveDateTime, Option<NaiveDateTime>);

const ENDPOINT_COLUMNS: (
    webhook_endpoints::id,
    webhook_endpoints::org_id,
    webhook_endpoints::url,
    webhook_endpoints::description,
    webhook_endpoints::events,
    webhook_endpoints::secret,
    webhook_endpoints::created_by,
    webhook_endpoints::created_at,
    webhook_endpoints::disabled_at,
) = (
    webhook_endpoints::id,
    webhook_endpoints::org_id,
    webhook_endpoints::url,
    webhook_endpoints::description,
    webhook_endpoints::events,
    webhook_endpoints::secret,
    webhook_endpoints::created_by,
    webhook_endpoints::created_at,
    webhook_endpoints::disabled_at,
);

fn corrupt(what: &str, error: &dyn std::fmt::Display) -> StoreError {
    StoreError::Corrupt(format!("webhook {what}: {error}"))
}

fn endpoint_from_row(row: EndpointRow) -> StoreResult<Endpoint> {
    let (id, org, url, description, events, secret, created_by, created_at, disabled_at) = row;
    Ok(Endpoint {
        id: id.parse().map_err(|e| corrupt("id", &e))?,
        org: org.parse().map_err(|e| corrupt("org", &e))?,
        url,
        description,
        events: serde_json::from_str(&events).map_err(|e| corrupt("events", &e))?,
        sealed_secret: secret,
        created_by: created_by.parse().map_err(|e| corrupt("created_by", &e))?,
        created_at: time::from_db(created_at),
        disabled_at: disabled_at.map(time::from_db),
    })
}

/// What registering an endpoint stores.
pub struct NewEndpoint {
    pub org: OrgId,
    pub url: String,
    pub description: String,
    pub events: Vec<String>,
    pub sealed_secret: String,
    pub created_by: UserId,
}

pub fn insert_endpoint(conn: &mut DbConn, new: NewEndpoint, now: DateTime<Utc>) -> StoreResult<Endpoint> {
    let id = WebhookId::new();
    let events = serde_json::to_string(&new.events).map_err(|e| corrupt("events", &e))?;
    diesel::insert_into(webhook_endpoints::table)
        .values((
            webhook_endpoints::id.eq(id.to_string()),
            webhook_endpoints::org_id.eq(new.org.to_string()),
            webhook_endpoints::url.eq(&new.url),
            webhook_endpoints::description.eq(&new.description),
            webhook_endpoints::events.eq(events),
            webhook_endpoints::secret.eq(&new.sealed_secret),
            webhook_endpoints::created_by.eq(new.created_by.to_string()),
            webhook_endpoints::created_at.eq(time::to_db(now)),
        ))
        .execute(conn)
        .map_err(StoreError::from_query)?;
    find_endpoint(conn, new.org, id)?.ok_or(StoreError::NotFound("webhook"))
}

/// Endpoints of `org` not disabled.
pub fn count_active(conn: &mut DbConn, org: OrgId) -> StoreResult<i64> {
    webhook_endpoints::table
        .filter(webhook_endpoints::org_id.eq(org.to_string()))
        .filter(webhook_endpoints::disabled_at.is_null())
        .count()
        .get_result(conn)
        .map_err(StoreError::from_query)
}

/// Endpoint `id` of `org` (disabled ones too); None for another org's.
pub fn find_endpoint(conn: &mut DbConn, org: OrgId, id: WebhookId) -> StoreResult<Option<Endpoint>> {
    webhook_endpoints::table
        .find(id.to_string())
        .filter(webhook_endpoints::org_id.eq(org.to_string()))
        .select(ENDPOINT_COLUMNS)
        .first::<EndpointRow>(conn)
        .optional()
        .map_err(StoreError::from_query)?
        .map(endpoint_from_row)
        .transpose()
}

/// Up to `limit` endpoints of `org` after `after`, oldest first.
pub fn list_endpoints(conn: &mut DbConn, org: OrgId, after: Option<WebhookId>, limit: i64) -> StoreResult<Vec<Endpoint>> {
    let mut query = webhook_endpoints::table
        .filter(webhook_endpoints::org_id.eq(org.to_string()))
        .order(webhook_endpoints::id.asc())
        .select(ENDPOINT_COLUMNS)
        .limit(limit)
        .into_boxed();
    if let Some(after) = after {
        query = query.filter(webhook_endpoints::id.gt(after.to_string()));
    }
    query.load::<EndpointRow>(conn).map_err(StoreError::from_query)?.into_iter().map(endpoint_from_row).collect()
}

/// Disables endpoint `id` of `org` (its log stays); false when there is
/// no such endpoint. Disabling twice keeps the first time.
pub fn disable_endpoint(conn: &mut DbConn, org: OrgId, id: WebhookId, now: DateTime<Utc>) -> StoreResult<bool> {
    let Some(endpoint) = find_endpoint(conn, org, id)? else { return Ok(false) };
    if endpoint.disabled_at.is_none() {
        diesel::update(webhook_endpoints::table.find(id.to_string()))
            .set(webhook_endpoints::disabled_at.eq(Some(time::to_db(now))))
            .execute(conn)
            .map_err(StoreError::from_query)?;
    }
    Ok(true)
}

/// The active endpoints of any of `orgs`, in one query (one batch of events).
pub fn active_endpoints_of(conn: &mut DbConn, orgs: &[OrgId]) -> StoreResult<Vec<Endpoint>> {
    let orgs: Vec<String> = orgs.iter().map(ToString::to_string).collect();
    webhook_endpoints::table
        .filter(webhook_endpoints::org_id.eq_any(orgs))
        .filter(webhook_endpoints::disabled_at.is_null())
        .select(ENDPOINT_COLUMNS)
        .load::<EndpointRow>(conn)
        .map_err(StoreError::from_query)?
        .into_iter()
        .map(endpoint_from_row)
        .collect()
}

/// Where a delivery is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeliveryState {
    /// Waiting for its next attempt.
    Pending,
    /// An attempt got a 2xx.
    Delivered,
    /// Every retry failed (or the endpoint was disabled).
    Failed,
}

impl DeliveryState {
    pub fn as_str(self) -> &'static str {
        match self {
            DeliveryState::Pending => "pending",
            DeliveryState::Delivered => "delivered",
            DeliveryState::Failed => "failed",
        }
    }

    fn parse(text: &str) -> StoreResult<Self> {
        Ok(match text {
            "pending" => DeliveryState::Pending,
            "delivered" => DeliveryState::Delivered,
            "failed" => DeliveryState::Failed,
            other => return Err(StoreError::Corrupt(format!("delivery state `{other}`"))),
        })
    }
}

/// One event's delivery to one endpoint. `event_id` is the `webhook-id`
/// every attempt sends; `payload` the exact body signed and sent.
#[derive(Debug, Clone)]
pub struct Delivery {
    pub id: DeliveryId,
    pub endpoint: WebhookId,
    pub event_id: String,
    pub event_name: String,
    pub payload: String,
    pub state: DeliveryState,
    /// Attempts since it was (re)queued: where it is in the retry schedule.
    pub tries: i64,
    pub next_attempt_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
}

type DeliveryRow = (String, String, String, String, String, String, i64, Option<NaiveDateTime>, NaiveDateTime);

const DELIVERY_COLUMNS: (
    webhook_deliveries::id,
    webhook_deliveries::endpoint_id,
    webhook_deliveries::event_id,
    webhook_deliveries::event_name,
    webhook_deliveries::payload,
    webhook_deliveries::state,
    webhook_deliveries::tries,
    webhook_deliveries::next_attempt_at,
    webhook_deliveries::created_at,
) = (
    webhook_deliveries::id,
    webhook_deliveries::endpoint_id,
    webhook_deliveries::event_id,
    webhook_deliveries::event_name,
    webhook_deliveries::payload,
    webhook_deliveries::state,
    webhook_deliveries::tries,
    webhook_deliveries::next_attempt_at,
    webhook_deliveries::created_at,
);

fn delivery_from_row(row: DeliveryRow) -> StoreResult<Delivery> {
    let (id, endpoint, event_id, event_name, payload, state, tries, next, created) = row;
    Ok(Delivery {
        id: id.parse().map_err(|e| corrupt("delivery id", &e))?,
        endpoint: endpoint.parse().map_err(|e| corrupt("delivery endpoint", &e))?,
        event_id,
        event_name,
        payload,
        state: DeliveryState::parse(&state)?,
        tries,
        next_attempt_at: next.map(time::from_db),
        created_at: time::from_db(created),
    })
}

/// A delivery to write (due at once).
pub struct NewDelivery {
    pub endpoint: WebhookId,
    pub event_id: String,
    pub event_name: String,
    pub payload: String,
}

#[derive(Insertable)]
#[diesel(table_name = webhook_deliveries, treat_none_as_default_value = false)]
struct DeliveryInsert {
    id: String,
    endpoint_id: String,
    event_id: String,
    event_name: String,
    payload: String,
    state: String,
    tries: i64,
    next_attempt_at: Option<NaiveDateTime>,
    lease_owner: Option<String>,
    lease_until: Option<NaiveDateTime>,
    created_at: NaiveDateTime,
    updated_at: NaiveDateTime,
}

/// Writes `new` in the caller's transaction, due at `now`.
pub fn insert_deliveries(conn: &mut DbConn, new: Vec<NewDelivery>, now: DateTime<Utc>) -> StoreResult<()> {
    let at = time::to_db(now);
    let rows: Vec<DeliveryInsert> = new
        .into_iter()
        .map(|d| DeliveryInsert {
            id: DeliveryId::new().to_string(),
            endpoint_id: d.endpoint.to_string(),
            event_id: d.event_id,
            event_name: d.event_name,
            payload: d.payload,
            state: DeliveryState::Pending.as_str().to_owned(),
            tries: 0,
            next_attempt_at: Some(at),
            lease_owner: None,
            lease_until: None,
            created_at: at,
            updated_at: at,
        })
        .collect();
    for chunk in rows.chunks(200) {
        // Batch inserts are per backend in diesel (not through the MultiConnection).
        match conn {
            DbConn::Sqlite(c) => diesel::insert_into(webhook_deliveries::table).values(chunk).execute(c),
            DbConn::Postgres(c) => diesel::insert_into(webhook_deliveries::table).values(chunk).execute(c),
        }
        .map_err(StoreError::from_query)?;
    }
    Ok(())
}

/// Up to `limit` deliveries to `endpoint` before `before`, newest first.
pub fn list_deliveries(conn: &mut DbConn, endpoint: WebhookId, before: Option<DeliveryId>, limit: i64) -> StoreResult<Vec<Delivery>> {
    let mut query = webhook_deliveries::table
        .filter(webhook_deliveries::endpoint_id.eq(endpoint.to_string()))
        .order(webhook_deliveries::id.desc())
        .select(DELIVERY_COLUMNS)
        .limit(limit)
        .into_boxed();
    if let Some(before) = before {
        query = query.filter(webhook_deliveries::id.lt(before.to_string()));
    }
    query.load::<DeliveryRow>(conn).map_err(StoreError::from_query)?.into_iter().map(delivery_from_row).collect()
}

pub fn find_delivery(conn: &mut DbConn, endpoint: WebhookId, id: DeliveryId) -> StoreResult<Option<Delivery>> {
    webhook_deliveries::table
        .find(id.to_string())
        .filter(webhook_deliveries::endpoint_id.eq(endpoint.to_string()))
        .select(DELIVERY_COLUMNS)
        .first::<DeliveryRow>(conn)
        .optional()
        .map_err(StoreError::from_query)?
        .map(delivery_from_row)
        .transpose()
}

/// Queues delivery `id` again, due at `now`, at the start of the retry
/// schedule (its earlier attempts stay in the log).
pub fn requeue(conn: &mut DbConn, id: DeliveryId, now: DateTime<Utc>) -> StoreResult<()> {
    let at = time::to_db(now);
    diesel::update(webhook_deliveries::table.find(id.to_string()))
        .set((
            webhook_deliveries::state.eq(DeliveryState::Pending.as_str()),
            webhook_deliveries::tries.eq(0),
            webhook_deliveries::next_attempt_at.eq(Some(at)),
            webhook_deliveries::lease_owner.eq(None::<String>),
            webhook_deliveries::lease_until.eq(None::<NaiveDateTime>),
            webhook_deliveries::updated_at.eq(at),
        ))
        .execute(conn)
        .map_err(StoreError::from_query)?;
    Ok(())
}

/// One attempt: when, and the status answered or why none was.
#[derive(Debug, Clone)]
pub struct Attempt {
    pub delivery: DeliveryId,
    pub at: DateTime<Utc>,
    pub status_code: Option<u16>,
    pub error: Option<String>,
}

/// The attempts of `deliveries`, oldest first.
pub fn attempts_of(conn: &mut DbConn, deliveries: &[DeliveryId]) -> StoreResult<Vec<Attempt>> {
    let ids: Vec<String> = deliveries.iter().map(ToString::to_string).collect();
    let rows: Vec<(String, NaiveDateTime, Option<i64>, Option<String>)> = webhook_attempts::table
        .filter(webhook_attempts::delivery_id.eq_any(ids))
        .order((webhook_attempts::at.asc(), webhook_attempts::id.asc()))
        .select((webhook_attempts::delivery_id, webhook_attempts::at, webhook_attempts::status_code, webhook_attempts::error))
        .load(conn)
        .map_err(StoreError::from_query)?;
    rows.into_iter()
        .map(|(delivery, at, status, error)| {
            Ok(Attempt {
                delivery: delivery.parse().map_err(|e| corrupt("attempt delivery", &e))?,
                at: time::from_db(at),
                status_code: status.and_then(|s| u16::try_from(s).ok()),
                error,
            })
        })
        .collect()
}

/// A claimed delivery with what sending it needs.
#[derive(Debug, Clone)]
pub struct Claimed {
    pub delivery: Delivery,
    pub url: String,
    pub sealed_secret: String,
    pub endpoint_disabled: bool,
}

/// An endpoint's URL, sealed secret and disabled time, beside a claimed delivery.
type EndpointTarget = (String, String, Option<NaiveDateTime>);

super::lease::leased_queue! {
    table: webhook_deliveries,
    // Pending, its time come, and not leased or its lease ran out.
    due(at): webhook_deliveries::state
        .eq(DeliveryState::Pending.as_str())
        .and(webhook_deliveries::next_attempt_at.le(at))
        .and(webhook_deliveries::lease_until.is_null().or(webhook_deliveries::lease_until.lt(at))),
    order: (webhook_deliveries::next_attempt_at.asc(), webhook_deliveries::id.asc()),
    // An attempt counts when it is recorded (`tries`), not when claimed.
    on_claim: webhook_deliveries::updated_at.eq(at),
    on_release: webhook_deliveries::updated_at.eq(at),
}

/// Takes a lease on up to `limit` due deliveries (pending, due, and not
/// leased or their lease ran out): `owner` holds them until `now + lease`.
pub fn claim_due(conn: &mut DbConn, owner: &str, now: DateTime<Utc>, lease: TimeDelta, limit: i64) -> StoreResult<Vec<Claimed>> {
    let ids = claim_ids(conn, owner, now, lease, limit)?;
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let rows: Vec<(DeliveryRow, EndpointTarget)> = webhook_deliveries::table
        .inner_join(webhook_endpoints::table)
        .filter(webhook_deliveries::id.eq_any(&ids))
        .select((DELIVERY_COLUMNS, (webhook_endpoints::url, webhook_endpoints::secret, webhook_endpoints::disabled_at)))
        .load(conn)
        .map_err(StoreError::from_query)?;
    rows.into_iter()
        .map(|(row, (url, sealed_secret, disabled))| {
            Ok(Claimed { delivery: delivery_from_row(row)?, url, sealed_secret, endpoint_disabled: disabled.is_some() })
        })
        .collect()
}

/// Gives back deliveries `ids` that `owner` claimed and did not send (a
/// worker that stops): due again at once.
pub fn release_unsent(conn: &mut DbConn, ids: &[DeliveryId], owner: &str, now: DateTime<Utc>) -> StoreResult<usize> {
    let ids: Vec<String> = ids.iter().map(ToString::to_string).collect();
    release(conn, &ids, owner, now)
}

/// What an attempt led to.
pub struct Outcome {
    pub status_code: Option<u16>,
    pub error: Option<String>,
    pub state: DeliveryState,
    /// When pending: the next attempt.
    pub next_attempt_at: Option<DateTime<Utc>>,
}

/// Records an attempt of delivery `id` and what follows, while `owner`
/// holds its lease (false when it passed to another worker: nothing is
/// written, and that worker's attempt counts instead).
pub fn record_attempt(conn: &mut DbConn, id: DeliveryId, owner: &str, outcome: &Outcome, now: DateTime<Utc>) -> StoreResult<bool> {
    let at = time::to_db(now);
    let key = id.to_string();
    let updated = diesel::update(webhook_deliveries::table.filter(held(&key, owner)))
        .set((
            released(),
            webhook_deliveries::state.eq(outcome.state.as_str()),
            webhook_deliveries::tries.eq(webhook_deliveries::tries + 1),
            webhook_deliveries::next_attempt_at.eq(outcome.next_attempt_at.map(time::to_db)),
            webhook_deliveries::updated_at.eq(at),
        ))
        .execute(conn)
        .map_err(StoreError::from_query)?;
    if updated == 0 {
        return Ok(false);
    }
    diesel::insert_into(webhook_attempts::table)
        .values((
            webhook_attempts::id.eq(uuid::Uuid::now_v7().to_string()),
            webhook_attempts::delivery_id.eq(id.to_string()),
            webhook_attempts::at.eq(at),
            webhook_attempts::status_code.eq(outcome.status_code.map(i64::from)),
            webhook_attempts::error.eq(outcome.error.as_deref()),
        ))
        .execute(conn)
        .map_err(StoreError::from_query)?;
    Ok(true)
}
