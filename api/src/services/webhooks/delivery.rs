//! The delivery worker: claims due deliveries with a lease, POSTs each
//! signed (`webhook-id` is the event's id on every attempt, so receivers
//! deduplicate; `webhook-timestamp` the attempt's time), and records the
//! attempt. A 2xx is delivered; anything else, a timeout or a refused
//! address is retried on the schedule, then the delivery fails. Nothing is
//! lost on restart: an unrecorded attempt's lease runs out and it is sent
//! again (at least once). The loop is `services::worker`'s; a batch in
//! flight when the service stops is finished.

use std::sync::Arc;
use std::time::Duration;

use cairn_domain::DeliveryId;
use chrono::{DateTime, TimeDelta, Utc};

use crate::fetch::HttpPoster;
use crate::services::webhooks::{signature, unseal_secret};
use crate::services::worker::{self, Pace, Queue, Stop};
use crate::state::AppState;
use crate::store::StoreError;
use crate::store::webhooks::{self as store, Claimed, DeliveryState, Outcome};

/// The Standard Webhooks retry schedule after the first attempt: 5 s,
/// 5 min, 30 min, 2 h, 5 h, 10 h, 10 h (about 28 hours in all).
const SCHEDULE_SECONDS: [u64; 7] = [5, 300, 1800, 7200, 18000, 36000, 36000];

/// How the worker works the deliveries.
#[derive(Debug, Clone, Copy)]
pub struct DeliverySettings {
    /// The first retry's delay; later ones keep the schedule's proportions
    /// (5 s gives the Standard Webhooks schedule; tests shorten it).
    pub retry_base: Duration,
    /// How long an idle worker waits before it looks again.
    pub poll: Duration,
    /// Deliveries claimed (and sent concurrently) at once.
    pub batch: i64,
    /// One attempt in all: resolving, connecting, sending, reading.
    pub timeout: Duration,
}

impl Default for DeliverySettings {
    fn default() -> Self {
        Self { retry_base: Duration::from_secs(5), poll: Duration::from_secs(1), batch: 16, timeout: Duration::from_secs(10) }
    }
}

impl DeliverySettings {
    /// The delay before retry `n` (1-based: after the n-th failed attempt),
    /// or None when the attempts are exhausted.
    pub fn retry_delay(&self, failed_attempts: i64) -> Option<Duration> {
        let index = usize::try_from(failed_attempts).ok()?.checked_sub(1)?;
        let seconds = *SCHEDULE_SECONDS.get(index)?;
        // Scaled by retry_base / 5 s.
        let base_ms = u64::try_from(self.retry_base.as_millis()).unwrap_or(u64::MAX);
        Some(Duration::from_millis(seconds.saturating_mul(base_ms) / 5))
    }
}

/// What one send came to.
struct Sent {
    status_code: Option<u16>,
    error: Option<String>,
}

/// Signs and POSTs one claimed delivery (blocking).
fn send(state: &AppState, poster: &HttpPoster, claimed: &Claimed, now: DateTime<Utc>) -> Sent {
    if claimed.endpoint_disabled {
        return Sent { status_code: None, error: Some("the endpoint was disabled".into()) };
    }
    let key = match unseal_secret(&state.master, &claimed.sealed_secret) {
        Ok(key) => key,
        Err(error) => return Sent { status_code: None, error: Some(error.to_string()) },
    };
    let timestamp = now.timestamp();
    let delivery = &claimed.delivery;
    let signature = signature::sign(&key, &delivery.event_id, timestamp, &delivery.payload);
    let timestamp = timestamp.to_string();
    let headers = [("webhook-id", delivery.event_id.as_str()), ("webhook-timestamp", timestamp.as_str()), ("webhook-signature", signature.as_str())];
    match poster.post_json(&claimed.url, &headers, &delivery.payload) {
        Ok(code) => Sent { status_code: Some(code), error: (!(200..300).contains(&code)).then(|| format!("the endpoint answered {code}")) },
        Err(error) => Sent { status_code: None, error: Some(error.to_string()) },
    }
}

fn outcome(settings: &DeliverySettings, claimed: &Claimed, sent: Sent, now: DateTime<Utc>) -> Outcome {
    if sent.error.is_none() {
        return Outcome { status_code: sent.status_code, error: None, state: DeliveryState::Delivered, next_attempt_at: None };
    }
    let failed = claimed.delivery.tries + 1;
    let next = if claimed.endpoint_disabled { None } else { settings.retry_delay(failed) };
    match next.and_then(|delay| TimeDelta::from_std(delay).ok()) {
        Some(delay) => {
            Outcome { status_code: sent.status_code, error: sent.error, state: DeliveryState::Pending, next_attempt_at: Some(now + delay) }
        }
        None => Outcome { status_code: sent.status_code, error: sent.error, state: DeliveryState::Failed, next_attempt_at: None },
    }
}

/// Sends one claimed delivery and records the attempt.
async fn deliver(state: Arc<AppState>, poster: Arc<HttpPoster>, settings: DeliverySettings, owner: String, claimed: Claimed) {
    let sending = state.clone();
    let now = crate::store::time::now();
    let id = claimed.delivery.id;
    let result = tokio::task::spawn_blocking(move || {
        let sent = send(&sending, &poster, &claimed, now);
        (claimed, sent)
    })
    .await;
    let Ok((claimed, sent)) = result else {
        tracing::warn!(delivery = %id, "a webhook send panicked; the lease will run out");
        return;
    };
    if let Some(error) = &sent.error {
        tracing::info!(delivery = %id, event = %claimed.delivery.event_name, %error, "webhook attempt failed");
    }
    let outcome = outcome(&settings, &claimed, sent, now);
    let recorded = state.store.write(move |conn| store::record_attempt(conn, id, &owner, &outcome, crate::store::time::now())).await;
    match recorded {
        Ok(true) => {}
        Ok(false) => tracing::warn!(delivery = %id, "webhook lease passed to another worker; its attempt counts"),
        Err(error) => tracing::warn!(delivery = %id, %error, "webhook attempt could not be recorded; the lease will run out"),
    }
}

/// The deliveries as the worker loop (`services::worker`) works them: a
/// claimed batch is sent concurrently (each waits on another server).
struct Deliveries {
    state: Arc<AppState>,
    poster: Arc<HttpPoster>,
    settings: DeliverySettings,
    lease: TimeDelta,
}

impl Queue for Deliveries {
    type Item = Claimed;
    const NAME: &'static str = "webhook";
    const CONCURRENT: bool = true;

    async fn any_due(&self) -> Result<bool, StoreError> {
        let now = crate::store::time::now();
        self.state.store.read(move |conn| store::any_due(conn, now)).await
    }

    async fn claim(&self, owner: &str) -> Result<Vec<Claimed>, StoreError> {
        let now = crate::store::time::now();
        let (claimer, lease, batch) = (owner.to_owned(), self.lease, self.settings.batch.max(1));
        self.state.store.write(move |conn| store::claim_due(conn, &claimer, now, lease, batch)).await
    }

    async fn run(&self, owner: &str, claimed: Claimed, _stop: &Stop) {
        deliver(self.state.clone(), self.poster.clone(), self.settings, owner.to_owned(), claimed).await;
    }

    async fn release(&self, owner: &str, claimed: Vec<Claimed>) -> Result<usize, StoreError> {
        let ids: Vec<DeliveryId> = claimed.iter().map(|c| c.delivery.id).collect();
        let (holder, now) = (owner.to_owned(), crate::store::time::now());
        self.state.store.write(move |conn| store::release_unsent(conn, &ids, &holder, now)).await
    }
}

/// The worker: until `stop`, claims due deliveries (this node's and any
/// node's whose lease ran out) and sends them.
pub async fn work(state: Arc<AppState>, settings: DeliverySettings, stop: Stop) {
    let poster = state.poster.clone();
    // A claim outlives the slowest send.
    let lease = TimeDelta::from_std(poster.settings().timeout + Duration::from_secs(30)).unwrap_or(TimeDelta::seconds(60));
    let pace = Pace { poll: settings.poll, wake: None };
    worker::run(Deliveries { state, poster, settings, lease }, pace, stop).await;
}

#[cfg(test)]
mod tests {
    use crate::services::webhooks::delivery::DeliverySettings;
    use std::time::Duration;

    #[test]
    fn the_default_schedule_is_the_standard_one() {
        let settings = DeliverySettings::default();
        let delays: Vec<u64> = (1..=8).filter_map(|n| settings.retry_delay(n)).map(|d| d.as_secs()).collect();
        assert_eq!(delays, [5, 300, 1800, 7200, 18000, 36000, 36000]);
        let fast = DeliverySettings { retry_base: Duration::from_millis(5), ..settings };
        assert_eq!(fast.retry_delay(1), Some(Duration::from_millis(5)));
        assert_eq!(fast.retry_delay(2), Some(Duration::from_millis(300)));
        assert_eq!(fast.retry_delay(8), None);
    }
}
