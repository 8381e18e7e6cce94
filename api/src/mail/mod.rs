//! Outgoing e-mail. `message` builds what is sent (no I/O); `transport`
//! delivers it: to an SMTP server (`CAIRN_SMTP_URL`) through lettre, or,
//! with none configured, to one `.eml` file per message in
//! `<data-dir>/outbox/` so the demo and the tests work offline.
//!
//! Delivery is blocking I/O and runs on the blocking pool, never on the
//! async executor.

mod error;
pub mod message;
pub mod transport;

use std::path::Path;

pub use error::{DEFAULT_FROM, MailError};
pub use message::Sender;
pub use transport::{Delivery, SmtpSettings};

use lettre::Message;

/// How the service sends mail: parsed from the `serve` flags.
#[derive(Debug, Clone)]
pub struct MailConfig {
    /// `None`: write messages to the outbox folder instead.
    pub smtp: Option<SmtpSettings>,
    pub from: Sender,
}

impl MailConfig {
    pub fn parse(smtp_url: Option<&str>, from: &str) -> Result<Self, MailError> {
        Ok(Self { smtp: smtp_url.filter(|u| !u.trim().is_empty()).map(SmtpSettings::parse).transpose()?, from: Sender::parse(from)? })
    }

    /// The outbox and the default sender.
    pub fn outbox() -> Self {
        Self { smtp: None, from: Sender::default_sender() }
    }
}

/// Sends messages with the configured transport.
#[derive(Clone)]
pub struct Mailer {
    from: Sender,
    transport: transport::Transport,
}

impl Mailer {
    pub fn new(config: &MailConfig, data_dir: &Path) -> Result<Self, MailError> {
        let transport = match &config.smtp {
            Some(settings) => transport::Transport::smtp(settings)?,
            None => transport::Transport::Outbox(data_dir.join("outbox")),
        };
        Ok(Self { from: config.from.clone(), transport })
    }

    pub fn from(&self) -> &Sender {
        &self.from
    }

    /// Delivers `message` off the async executor.
    pub async fn send(&self, message: Message) -> Result<Delivery, MailError> {
        let transport = self.transport.clone();
        tokio::task::spawn_blocking(move || transport.deliver(&message)).await.map_err(|e| MailError::Join(e.to_string()))?
    }
}
