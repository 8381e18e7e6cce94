//! Webhooks: institutions (for their credentials, awards and reviews) and
//! employers (for their share requests) register endpoints; every event
//! of their organisation that an endpoint subscribed to becomes a durable
//! delivery, written in the transaction of the change (`on_events`), and
//! the worker (`delivery::work`) sends it signed by the Standard Webhooks
//! scheme, retrying with backoff. Staff of the organisation see and manage
//! its endpoints; anyone else is told they do not exist.

pub mod delivery;
pub mod signature;

use std::collections::HashMap;

use cairn_domain::{DeliveryId, OrgId, Role, WebhookId};
use serde_json::json;

use crate::auth::Caller;
use crate::services::Context;
use crate::services::events::kinds::{Event, EventKind};
use crate::signing::MasterKey;
use crate::state::AppState;
use crate::store::webhooks::{self as store, Attempt, Delivery, Endpoint, NewDelivery, NewEndpoint};
use crate::store::{DbConn, StoreError, StoreResult, audit};

/// Events an institution's endpoints may subscribe to.
pub const INSTITUTION_EVENTS: &[&str] = &[
    "credential.issued",
    "credential.claimed",
    "credential.suspended",
    "credential.revoked",
    "credential.reinstated",
    "award.earned",
    "review.queued",
];
/// Events an employer's endpoints may subscribe to.
pub const EMPLOYER_EVENTS: &[&str] = &["share_request.granted"];

/// Active endpoints an organisation may have at once.
pub const MAX_ENDPOINTS: i64 = 20;
const MAX_URL: usize = 2048;
const MAX_DESCRIPTION: usize = 500;

#[derive(Debug, thiserror::Error)]
pub enum WebhookError {
    /// No such endpoint or delivery, or not one the caller may see.
    #[error("{0} not found")]
    NotFound(&'static str),
    /// Input the caller can fix, naming the field.
    #[error("`{field}`: {message}")]
    Invalid { field: &'static str, message: String },
    #[error("an organisation has at most {MAX_ENDPOINTS} active webhook endpoints; disable one first")]
    TooMany,
    #[error("the webhook secret could not be sealed or opened: {0}")]
    Secret(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl WebhookError {
    fn invalid(field: &'static str, message: impl Into<String>) -> Self {
        WebhookError::Invalid { field, message: message.into() }
    }
}

/// The events `caller`'s organisation may subscribe to.
pub fn events_for(role: Role) -> &'static [&'static str] {
    match role {
        Role::Issuer => INSTITUTION_EVENTS,
        Role::Employer => EMPLOYER_EVENTS,
        _ => &[],
    }
}

/// The caller when they are staff of `org` (issuers of an institution,
/// employer staff of an employer); otherwise the endpoints "do not exist".
fn staff_of(caller: &Caller, org: OrgId) -> Result<(), WebhookError> {
    let staff = matches!(caller.role, Role::Issuer | Role::Employer) && caller.is_staff_of(org);
    if staff { Ok(()) } else { Err(WebhookError::NotFound("organisation")) }
}

/// What registering an endpoint takes.
#[derive(Debug, Clone)]
pub struct Registration {
    pub url: String,
    pub events: Vec<String>,
    pub description: Option<String>,
}

/// A registered endpoint with its secret, shown this once.
#[derive(Debug)]
pub struct Registered {
    pub endpoint: Endpoint,
    pub secret: String,
}

/// Checks a registration: an http(s) URL whose host resolves to addresses
/// the service may reach (a DNS lookup: call it off the executor), events
/// known and open to the caller's kind of organisation.
fn validate(state: &AppState, role: Role, input: &Registration) -> Result<(String, Vec<String>, String), WebhookError> {
    let url = input.url.trim();
    if url.is_empty() || url.len() > MAX_URL {
        return Err(WebhookError::invalid("url", format!("must be 1 to {MAX_URL} characters")));
    }
    let parsed = url::Url::parse(url).map_err(|e| WebhookError::invalid("url", format!("not a URL: {e}")))?;
    if !parsed.username().is_empty() || parsed.password().is_some() {
        return Err(WebhookError::invalid("url", "must not carry a user name or password"));
    }
    state.poster.check(&parsed).map_err(|e| WebhookError::invalid("url", e.to_string()))?;
    let allowed = events_for(role);
    if input.events.is_empty() {
        return Err(WebhookError::invalid("events", format!("name at least one of: {}", allowed.join(", "))));
    }
    let mut events: Vec<String> = Vec::new();
    for name in &input.events {
        if !allowed.contains(&name.as_str()) {
            return Err(WebhookError::invalid("events", format!("`{name}` is not an event this organisation can receive ({})", allowed.join(", "))));
        }
        if !events.contains(name) {
            events.push(name.clone());
        }
    }
    let description = input.description.as_deref().unwrap_or("").trim().to_owned();
    if description.chars().count() > MAX_DESCRIPTION {
        return Err(WebhookError::invalid("description", format!("at most {MAX_DESCRIPTION} characters")));
    }
    Ok((parsed.to_string(), events, description))
}

/// Registers an endpoint of `org` for `caller` (staff of it).
pub async fn register(state: &std::sync::Arc<AppState>, caller: Caller, org: OrgId, input: Registration) -> Result<Registered, WebhookError> {
    staff_of(&caller, org)?;
    let checking = state.clone();
    let (url, events, description) = tokio::task::spawn_blocking(move || validate(&checking, caller.role, &input))
        .await
        .map_err(|e| WebhookError::Store(StoreError::Join(e.to_string())))??;
    let secret = signature::new_secret().map_err(|e| WebhookError::Secret(e.to_string()))?;
    let sealed_secret = state.master.seal(secret.as_bytes()).map_err(|e| WebhookError::Secret(e.to_string()))?;
    let ctx = Context::new(state, caller.id);
    let endpoint = state
        .store
        .write_as(move |conn| {
            if store::count_active(conn, org)? >= MAX_ENDPOINTS {
                return Err(WebhookError::TooMany);
            }
            let endpoint =
                store::insert_endpoint(conn, NewEndpoint { org, url, description, events, sealed_secret, created_by: ctx.actor }, ctx.now)?;
            audit::record(conn, audit_entry(audit::Action::WebhookRegister, &ctx, &endpoint))?;
            Ok(endpoint)
        })
        .await?;
    tracing::info!(webhook = %endpoint.id, %org, "webhook endpoint registered");
    Ok(Registered { endpoint, secret })
}

/// A page of `org`'s endpoints (disabled ones too).
pub fn list(conn: &mut DbConn, caller: &Caller, org: OrgId, after: Option<WebhookId>, limit: i64) -> Result<Vec<Endpoint>, WebhookError> {
    staff_of(caller, org)?;
    Ok(store::list_endpoints(conn, org, after, limit)?)
}

pub fn get(conn: &mut DbConn, caller: &Caller, org: OrgId, id: WebhookId) -> Result<Endpoint, WebhookError> {
    staff_of(caller, org)?;
    store::find_endpoint(conn, org, id)?.ok_or(WebhookError::NotFound("webhook"))
}

/// Disables endpoint `id`: no new deliveries, pending ones are not sent;
/// its log stays readable.
pub fn disable(conn: &mut DbConn, ctx: &Context, caller: &Caller, org: OrgId, id: WebhookId) -> Result<Endpoint, WebhookError> {
    staff_of(caller, org)?;
    let before = store::find_endpoint(conn, org, id)?.ok_or(WebhookError::NotFound("webhook"))?;
    if !store::disable_endpoint(conn, org, id, ctx.now)? {
        return Err(WebhookError::NotFound("webhook"));
    }
    let endpoint = store::find_endpoint(conn, org, id)?.ok_or(WebhookError::NotFound("webhook"))?;
    // Disabling again changes nothing, and is not logged again.
    if before.disabled_at.is_none() {
        audit::record(conn, audit_entry(audit::Action::WebhookDisable, ctx, &endpoint))?;
    }
    Ok(endpoint)
}

/// The audit entry of a change to `endpoint`: where it sends and what,
/// never its secret.
fn audit_entry(action: audit::Action, ctx: &Context, endpoint: &Endpoint) -> audit::Entry {
    audit::Entry::new(action, "webhook", endpoint.id.to_string()).at(ctx.now).actor(ctx.actor).org(endpoint.org).detail(json!({
        "url": endpoint.url,
        "events": endpoint.events,
        "description": endpoint.description,
    }))
}

/// A delivery with its attempts, oldest first.
#[derive(Debug, Clone)]
pub struct LoggedDelivery {
    pub delivery: Delivery,
    pub attempts: Vec<Attempt>,
}

/// A page of endpoint `id`'s deliveries, newest first, each with its attempts.
pub fn deliveries(
    conn: &mut DbConn,
    caller: &Caller,
    org: OrgId,
    id: WebhookId,
    before: Option<DeliveryId>,
    limit: i64,
) -> Result<Vec<LoggedDelivery>, WebhookError> {
    get(conn, caller, org, id)?;
    let deliveries = store::list_deliveries(conn, id, before, limit)?;
    let ids: Vec<DeliveryId> = deliveries.iter().map(|d| d.id).collect();
    let mut attempts: HashMap<DeliveryId, Vec<Attempt>> = HashMap::new();
    for attempt in store::attempts_of(conn, &ids)? {
        attempts.entry(attempt.delivery).or_default().push(attempt);
    }
    Ok(deliveries.into_iter().map(|delivery| LoggedDelivery { attempts: attempts.remove(&delivery.id).unwrap_or_default(), delivery }).collect())
}

/// Queues delivery `delivery` of endpoint `id` again: the same message
/// (same `webhook-id` and body), sent at once, with a fresh retry schedule.
pub fn redeliver(
    conn: &mut DbConn,
    ctx: &Context,
    caller: &Caller,
    org: OrgId,
    id: WebhookId,
    delivery: DeliveryId,
) -> Result<LoggedDelivery, WebhookError> {
    let endpoint = get(conn, caller, org, id)?;
    if endpoint.disabled_at.is_some() {
        return Err(WebhookError::invalid("webhook", "the endpoint is disabled"));
    }
    store::find_delivery(conn, id, delivery)?.ok_or(WebhookError::NotFound("delivery"))?;
    store::requeue(conn, delivery, ctx.now)?;
    let delivery = store::find_delivery(conn, id, delivery)?.ok_or(WebhookError::NotFound("delivery"))?;
    let attempts = store::attempts_of(conn, &[delivery.id])?;
    Ok(LoggedDelivery { delivery, attempts })
}

/// The body of one event's webhook: `{type, timestamp, data}`, with the
/// ids and URLs a receiver needs to fetch the rest (never a claim code).
pub fn payload(ctx: &Context, event: &Event) -> serde_json::Value {
    let base = &ctx.public_url;
    let credential = |id: &dyn std::fmt::Display| json!({ "credential_id": id.to_string(), "credential_url": format!("{base}/v1/credentials/{id}") });
    let mut data = match &event.kind {
        EventKind::CredentialIssued { credential: id, .. } => credential(id),
        EventKind::CredentialClaimed { credential: id, learner } => {
            let mut data = credential(id);
            data["learner_id"] = json!(learner);
            data
        }
        EventKind::CredentialStatusChanged { credential: id, status, reason } => {
            let mut data = credential(id);
            data["status"] = json!(status.as_str());
            data["reason"] = json!(reason);
            data
        }
        EventKind::AwardEarned { credential: id, pathway, learner } => {
            let mut data = credential(id);
            data["pathway_id"] = json!(pathway);
            data["pathway_url"] = json!(format!("{base}/v1/pathways/{pathway}"));
            data["learner_id"] = json!(learner);
            data
        }
        EventKind::ReviewQueued { review, pathway, learner } => json!({
            "review_id": review,
            "pathway_id": pathway,
            "learner_id": learner,
            "reviews_url": format!("{base}/v1/orgs/{}/award-reviews", event.org),
        }),
        EventKind::ShareRequested { request, learner } => json!({ "request_id": request, "learner_id": learner }),
        EventKind::ShareRequestGranted { request, share, learner } => json!({
            "request_id": request,
            "share_id": share,
            "learner_id": learner,
            "record_url": format!("{base}/v1/share-requests/{request}/record"),
        }),
    };
    data["org_id"] = json!(event.org);
    json!({ "type": event.kind.name(), "timestamp": event.at.to_rfc3339_opts(chrono::SecondsFormat::Micros, true), "data": data })
}

/// Writes one delivery per (event, active endpoint of the event's
/// organisation subscribed to it), in the caller's transaction: the
/// deliveries exist if and only if the change committed. One query finds
/// the endpoints of the whole batch.
pub fn on_events(conn: &mut DbConn, ctx: &Context, events: &[Event]) -> StoreResult<()> {
    let mut orgs: Vec<OrgId> = events.iter().map(|e| e.org).collect();
    orgs.sort_unstable();
    orgs.dedup();
    let endpoints = store::active_endpoints_of(conn, &orgs)?;
    if endpoints.is_empty() {
        return Ok(());
    }
    let mut deliveries = Vec::new();
    for event in events {
        let name = event.kind.name();
        let mut body: Option<String> = None;
        for endpoint in endpoints.iter().filter(|e| e.org == event.org && e.events.iter().any(|n| n == name)) {
            let payload = body.get_or_insert_with(|| payload(ctx, event).to_string()).clone();
            deliveries.push(NewDelivery { endpoint: endpoint.id, event_id: event.id.to_string(), event_name: name.to_owned(), payload });
        }
    }
    if deliveries.is_empty() {
        return Ok(());
    }
    store::insert_deliveries(conn, deliveries, ctx.now)
}

/// The signing key of an endpoint, unsealed.
pub(crate) fn unseal_secret(master: &MasterKey, sealed: &str) -> Result<Vec<u8>, WebhookError> {
    let shown = master.open(sealed).map_err(|e| WebhookError::Secret(e.to_string()))?;
    let shown = String::from_utf8(shown).map_err(|e| WebhookError::Secret(e.to_string()))?;
    signature::secret_bytes(&shown).map_err(|e| WebhookError::Secret(e.to_string()))
}
