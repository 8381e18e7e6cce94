//! The mail worker: delivers the outbox (`store::mail_outbox`) through the
//! configured `Mailer`, in every process, until the service stops (the
//! worker loop of `services::worker`).
//!
//! A worker claims a few due messages at a time under a lease, sends each,
//! and marks it sent (its sealed body forgotten), or, on failure, schedules
//! the next attempt with exponential backoff (`retry_base` × 2^(attempt−1),
//! capped at `MAX_BACKOFF`), giving up after `max_attempts` with the error
//! kept. Rows are durable, so a restart loses nothing; a row marked sent
//! is never sent again. Delivery is at least once towards the SMTP server:
//! a process that dies between the server's acceptance and the mark leaves
//! the row to be sent again when its lease runs out, with the same
//! `Message-ID` (derived from the row id), so mail clients show it once.

use std::sync::Arc;
use std::time::Duration;

use chrono::TimeDelta;

use crate::mail::message::{self, Notice};
use crate::mail::{Delivery, MailError};
use crate::services::worker::{self, Pace, Queue, Stop};
use crate::signing::MasterKeyError;
use crate::state::AppState;
use crate::store::StoreError;
use crate::store::mail_outbox::{self, Claimed};

/// Messages one claim takes (each sent in turn within the lease).
const CLAIM_BATCH: i64 = 10;
/// The longest wait between two attempts.
const MAX_BACKOFF: TimeDelta = TimeDelta::hours(6);

/// How the worker works the outbox.
#[derive(Debug, Clone, Copy)]
pub struct OutboxSettings {
    /// How often an idle worker looks for due mail.
    pub poll: Duration,
    /// The wait after the first failed attempt; doubled after each next one.
    pub retry_base: Duration,
    /// Attempts before a message is given up on.
    pub max_attempts: u32,
    /// How long a claim holds; longer than the SMTP timeout times the batch.
    pub lease: Duration,
}

impl Default for OutboxSettings {
    fn default() -> Self {
        // 1 min, 2, 4, … 256 min: ten attempts over about eight and a half hours.
        Self { poll: Duration::from_secs(1), retry_base: Duration::from_secs(60), max_attempts: 10, lease: Duration::from_secs(300) }
    }
}

impl OutboxSettings {
    /// When the attempt after failed attempt number `attempts` is due, or
    /// None when that was the last.
    pub fn backoff(&self, attempts: i64) -> Option<TimeDelta> {
        if attempts >= i64::from(self.max_attempts) {
            return None;
        }
        let base = TimeDelta::from_std(self.retry_base).unwrap_or(TimeDelta::seconds(60));
        let exponent = u32::try_from(attempts.saturating_sub(1).clamp(0, 30)).unwrap_or(30);
        Some(base.checked_mul(2_i32.saturating_pow(exponent)).unwrap_or(MAX_BACKOFF).min(MAX_BACKOFF))
    }
}

#[derive(Debug, thiserror::Error)]
enum SendError {
    #[error("the stored message cannot be opened: {0}")]
    Sealed(#[source] MasterKeyError),
    #[error("the stored message is unreadable: {0}")]
    Body(String),
    #[error(transparent)]
    Mail(#[from] MailError),
}

impl SendError {
    /// Whether another attempt could succeed (a bad address or a body that
    /// cannot be opened never will).
    fn is_transient(&self) -> bool {
        matches!(self, SendError::Mail(MailError::Smtp(_) | MailError::Outbox { .. } | MailError::Join(_)))
    }
}

/// The domain of the stable `Message-ID`s: the public URL's host.
fn id_domain(public_url: &str) -> String {
    url::Url::parse(public_url).ok().and_then(|u| u.host_str().map(str::to_owned)).unwrap_or_else(|| "cairn.invalid".to_owned())
}

async fn send(state: &AppState, mail: &Claimed, domain: &str) -> Result<Delivery, SendError> {
    let sealed = mail.sealed_body.as_deref().ok_or_else(|| SendError::Body("no body".into()))?;
    let body = state.master.open(sealed).map_err(SendError::Sealed)?;
    let notice: Notice = serde_json::from_slice(&body).map_err(|e| SendError::Body(e.to_string()))?;
    let message = message::notice(state.mailer.from(), &mail.recipient_email, &notice, &format!("{}@{domain}", mail.id))?;
    Ok(state.mailer.send(message).await?)
}

/// Sends one claimed message and records the outcome.
async fn deliver(state: &Arc<AppState>, settings: &OutboxSettings, owner: &str, mail: Claimed, domain: &str) -> Result<(), StoreError> {
    let id = mail.id;
    let outcome = send(state, &mail, domain).await;
    let now = crate::store::time::now();
    let holder = owner.to_owned();
    let kept = match outcome {
        Ok(delivery) => {
            match delivery {
                Delivery::Smtp => tracing::info!(mail = %id, attempt = mail.attempts, "sent a notification"),
                Delivery::Outbox(path) => tracing::info!(mail = %id, path = %path.display(), "wrote a notification to the outbox folder"),
            }
            state.store.write(move |conn| mail_outbox::mark_sent(conn, id, &holder, now)).await?
        }
        Err(error) => {
            let retry_at = if error.is_transient() { settings.backoff(mail.attempts).map(|wait| now + wait) } else { None };
            match retry_at {
                Some(at) => {
                    tracing::warn!(mail = %id, attempt = mail.attempts, %error, retry_at = %at, "a notification was not sent; it will be tried again")
                }
                None => tracing::warn!(mail = %id, attempt = mail.attempts, %error, "a notification was not sent; giving up"),
            }
            let error = error.to_string();
            state.store.write(move |conn| mail_outbox::mark_failed(conn, id, &holder, &error, retry_at, now)).await?
        }
    };
    if !kept {
        tracing::warn!(mail = %id, "the lease on a notification ran out before its outcome was recorded");
    }
    Ok(())
}

/// The outbox as the worker loop (`services::worker`) works it: claimed
/// messages are sent one at a time, each send on the blocking pool.
struct Outbox {
    state: Arc<AppState>,
    settings: OutboxSettings,
    lease: TimeDelta,
    domain: String,
}

impl Queue for Outbox {
    type Item = Claimed;
    const NAME: &'static str = "mail";
    const CONCURRENT: bool = false;

    async fn any_due(&self) -> Result<bool, StoreError> {
        let now = crate::store::time::now();
        self.state.store.read(move |conn| mail_outbox::any_due(conn, now)).await
    }

    async fn claim(&self, owner: &str) -> Result<Vec<Claimed>, StoreError> {
        let now = crate::store::time::now();
        let (claimer, lease) = (owner.to_owned(), self.lease);
        self.state.store.write(move |conn| mail_outbox::claim(conn, &claimer, now, lease, CLAIM_BATCH)).await
    }

    async fn run(&self, owner: &str, mail: Claimed, _stop: &Stop) {
        if let Err(error) = deliver(&self.state, &self.settings, owner, mail, &self.domain).await {
            tracing::warn!(%error, "the outcome of a notification could not be recorded; its lease will run out");
        }
    }

    async fn release(&self, owner: &str, mails: Vec<Claimed>) -> Result<usize, StoreError> {
        let ids: Vec<uuid::Uuid> = mails.iter().map(|m| m.id).collect();
        let (holder, now) = (owner.to_owned(), crate::store::time::now());
        self.state.store.write(move |conn| mail_outbox::release_unsent(conn, &ids, &holder, now)).await
    }
}

/// The worker: until `stop`, claims due messages and delivers them.
pub async fn work(state: Arc<AppState>, settings: OutboxSettings, stop: Stop) {
    let lease = TimeDelta::from_std(settings.lease).unwrap_or(TimeDelta::minutes(5));
    let domain = id_domain(&state.public_url);
    let pace = Pace { poll: settings.poll, wake: None };
    worker::run(Outbox { state, settings, lease, domain }, pace, stop).await;
}

#[cfg(test)]
mod tests {
    use chrono::TimeDelta;

    use crate::services::outbox::{MAX_BACKOFF, OutboxSettings};

    #[test]
    fn backoff_doubles_is_capped_and_ends() {
        let settings = OutboxSettings { retry_base: std::time::Duration::from_secs(60), max_attempts: 10, ..OutboxSettings::default() };
        assert_eq!(settings.backoff(1), Some(TimeDelta::minutes(1)));
        assert_eq!(settings.backoff(2), Some(TimeDelta::minutes(2)));
        assert_eq!(settings.backoff(5), Some(TimeDelta::minutes(16)));
        assert_eq!(settings.backoff(9), Some(TimeDelta::minutes(256)));
        assert_eq!(settings.backoff(10), None);
        let long = OutboxSettings { retry_base: std::time::Duration::from_secs(3600), max_attempts: 40, ..OutboxSettings::default() };
        assert_eq!(long.backoff(30), Some(MAX_BACKOFF));
    }
}
