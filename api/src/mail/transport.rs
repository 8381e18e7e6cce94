//! Delivery: SMTP through lettre, or the outbox folder.

use std::path::PathBuf;
use std::time::Duration;

use lettre::{Message, SmtpTransport, Transport as _};

use super::error::MailError;

/// Long enough for a slow relay, short enough that a dead one does not hold
/// a request for minutes.
const SMTP_TIMEOUT: Duration = Duration::from_secs(15);

/// A parsed `CAIRN_SMTP_URL`: `smtp://host:port` (plain), `smtps://host:port`
/// (implicit TLS), `smtp://host:port?tls=starttls` (STARTTLS required), with
/// optional `user:password@` before the host.
#[derive(Clone)]
pub struct SmtpSettings {
    /// In lettre's own URL form (its `tls=` values), credentials included.
    lettre_url: String,
    /// For logs: the URL without the password.
    redacted: String,
}

impl std::fmt::Debug for SmtpSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SmtpSettings").field("url", &self.redacted).finish()
    }
}

impl std::fmt::Display for SmtpSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.redacted)
    }
}

impl SmtpSettings {
    pub fn parse(raw: &str) -> Result<Self, MailError> {
        let bad = |why: &str| MailError::SmtpUrl(format!("{why} (expected smtp://host:port, smtps://host:port or smtp://host:port?tls=starttls)"));
        let mut url = url::Url::parse(raw.trim()).map_err(|e| bad(&format!("not a URL: {e}")))?;
        if url.host_str().is_none_or(str::is_empty) {
            return Err(bad("no host"));
        }
        let mut tls = None;
        for (key, value) in url.query_pairs() {
            match key.as_ref() {
                "tls" => tls = Some(value.into_owned()),
                other => return Err(bad(&format!("unknown parameter `{other}`"))),
            }
        }
        // lettre names STARTTLS-required `required`; accept both spellings.
        let tls = match (url.scheme(), tls.as_deref()) {
            ("smtp", None) => None,
            ("smtp", Some("starttls" | "required")) => Some("required"),
            ("smtp", Some("opportunistic")) => Some("opportunistic"),
            ("smtps", None) => None,
            ("smtp" | "smtps", Some(other)) => {
                return Err(bad(&format!("unknown tls mode `{other}`")));
            }
            (other, _) => return Err(bad(&format!("unknown scheme `{other}`"))),
        };
        url.set_query(tls.map(|mode| format!("tls={mode}")).as_deref());
        let lettre_url = url.to_string();
        if url.password().is_some() {
            // Cannot fail on a URL with a host.
            let _ = url.set_password(Some("***"));
        }
        let settings = Self { lettre_url, redacted: url.to_string() };
        // Catch what lettre would refuse now, at start-up, not at the first mail.
        SmtpTransport::from_url(&settings.lettre_url).map_err(|e| bad(&e.to_string()))?;
        Ok(settings)
    }
}

/// Where a message went.
#[derive(Debug)]
pub enum Delivery {
    Smtp,
    Outbox(PathBuf),
}

#[derive(Clone)]
pub enum Transport {
    Smtp(SmtpTransport),
    /// One `.eml` file per message in this folder.
    Outbox(PathBuf),
}

impl Transport {
    pub fn smtp(settings: &SmtpSettings) -> Result<Self, MailError> {
        let builder = SmtpTransport::from_url(&settings.lettre_url).map_err(|e| MailError::SmtpUrl(e.to_string()))?;
        Ok(Transport::Smtp(builder.timeout(Some(SMTP_TIMEOUT)).build()))
    }

    /// Blocking: run it on the blocking pool.
    pub fn deliver(&self, message: &Message) -> Result<Delivery, MailError> {
        match self {
            Transport::Smtp(smtp) => {
                smtp.send(message)?;
                Ok(Delivery::Smtp)
            }
            Transport::Outbox(dir) => {
                let outbox_error = |source| MailError::Outbox { path: dir.display().to_string(), source };
                std::fs::create_dir_all(dir).map_err(outbox_error)?;
                // Time-ordered names: the newest message sorts last.
                let path = dir.join(format!("{}.eml", uuid::Uuid::now_v7().simple()));
                std::fs::write(&path, message.formatted()).map_err(outbox_error)?;
                Ok(Delivery::Outbox(path))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn smtp_urls_parse_into_lettre_form_and_hide_the_password() {
        let plain = SmtpSettings::parse("smtp://127.0.0.1:2525").unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(plain.lettre_url, "smtp://127.0.0.1:2525");
        let starttls = SmtpSettings::parse("smtp://user:s%40cret@mail.example.org:587?tls=starttls").unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(starttls.lettre_url, "smtp://user:s%40cret@mail.example.org:587?tls=required");
        assert_eq!(starttls.to_string(), "smtp://user:***@mail.example.org:587?tls=required");
        assert!(!format!("{starttls:?}").contains("cret"));
        assert!(SmtpSettings::parse("smtps://mail.example.org").is_ok());
        for bad in ["http://mail.example.org", "smtp://mail.example.org?tls=maybe", "smtp://x?port=1", "not a url", "smtp://"] {
            assert!(matches!(SmtpSettings::parse(bad), Err(MailError::SmtpUrl(_))), "{bad} was accepted");
        }
    }
}
