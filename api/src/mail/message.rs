//! The messages the service sends. Building them does no I/O.

use chrono::{DateTime, Utc};
use lettre::Message;
use lettre::message::Mailbox;
use lettre::message::header::ContentType;

use super::error::{DEFAULT_FROM, MailError};

/// The `From:` of every message (`CAIRN_MAIL_FROM`).
#[derive(Debug, Clone)]
pub struct Sender(Mailbox);

impl Sender {
    pub fn parse(raw: &str) -> Result<Self, MailError> {
        raw.trim()
            .parse::<Mailbox>()
            .map(Sender)
            .map_err(|e| MailError::From(format!("`{raw}` is not a mailbox such as `Cairn <no-reply@example.org>`: {e}")))
    }

    pub fn default_sender() -> Self {
        // A constant that parses; the fallback keeps this free of panics.
        Self::parse(DEFAULT_FROM).unwrap_or_else(|_| Sender(Mailbox::new(None, lettre::Address::new_dangerous("no-reply", "localhost"))))
    }
}

/// The line that precedes the code in a verification mail; clients (and
/// the tests) find the code on the next non-empty line.
pub const CODE_INTRO: &str = "Your confirmation code:";

/// The mail that asks a learner to confirm their address.
pub fn email_verification(
    from: &Sender,
    to_name: &str,
    to_email: &str,
    code: &str,
    public_url: &str,
    expires_at: DateTime<Utc>,
) -> Result<Message, MailError> {
    let address: lettre::Address = to_email.parse().map_err(|e| MailError::Build(format!("recipient `{to_email}`: {e}")))?;
    let to = Mailbox::new(Some(to_name.to_owned()), address);
    // Short lines of plain ASCII: sent as 7bit, readable as it is.
    let body = format!(
        "Hello {to_name},\r\n\
         \r\n\
         Someone (we hope you) created a Cairn learner account with this\r\n\
         address. Confirm that the address is yours so that credentials\r\n\
         institutions issue to it go into your wallet.\r\n\
         \r\n\
         {CODE_INTRO}\r\n\
         \r\n\
         \x20   {code}\r\n\
         \r\n\
         Send it with POST {public_url}/v1/auth/verify-email\r\n\
         and the body {{\"code\": \"<the code>\"}}.\r\n\
         It works once and expires at {expires}.\r\n\
         \r\n\
         If you did not create this account, ignore this message: nothing\r\n\
         issued to this address reaches the account unless it is confirmed.\r\n",
        expires = expires_at.format("%Y-%m-%d %H:%M UTC"),
    );
    Message::builder()
        .from(from.0.clone())
        .to(to)
        .subject("Confirm your e-mail address for Cairn")
        .header(ContentType::TEXT_PLAIN)
        .body(body)
        .map_err(|e| MailError::Build(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_code_is_on_its_own_line_after_the_intro() {
        let sender = Sender::default_sender();
        let message = email_verification(&sender, "Ada", "ada@example.org", "abc_DEF-123", "http://x", Utc::now()).unwrap();
        let text = String::from_utf8(message.formatted()).unwrap();
        let after = text.split(CODE_INTRO).nth(1).unwrap();
        assert_eq!(after.lines().map(str::trim).find(|l| !l.is_empty()), Some("abc_DEF-123"));
        assert!(text.contains("To: \"Ada\" <ada@example.org>") || text.contains("To: Ada <ada@example.org>"), "{text}");
    }

    #[test]
    fn senders_parse_or_fail_clearly() {
        assert!(Sender::parse("Cairn <no-reply@cairn.example>").is_ok());
        assert!(Sender::parse(DEFAULT_FROM).is_ok());
        assert!(matches!(Sender::parse("not a mailbox"), Err(MailError::From(_))));
    }
}
