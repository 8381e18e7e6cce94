//! What sending mail can fail with, and the default sender: below both
//! `message` and `transport`, so neither reaches back up into `mail`.

#[derive(Debug, thiserror::Error)]
pub enum MailError {
    #[error("CAIRN_SMTP_URL: {0}")]
    SmtpUrl(String),
    #[error("CAIRN_MAIL_FROM: {0}")]
    From(String),
    #[error("cannot build the message: {0}")]
    Build(String),
    #[error("SMTP delivery failed: {0}")]
    Smtp(#[from] lettre::transport::smtp::Error),
    #[error("cannot write to the outbox {path}: {source}")]
    Outbox { path: String, source: std::io::Error },
    #[error("the delivery task failed: {0}")]
    Join(String),
}

pub const DEFAULT_FROM: &str = "Cairn <no-reply@localhost>";
