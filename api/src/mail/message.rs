//! The messages the service sends. Building them does no I/O.

use askama::Template;
use chrono::{DateTime, Utc};
use lettre::Message;
use lettre::message::header::ContentType;
use lettre::message::{Mailbox, MultiPart};
use serde::{Deserialize, Serialize};

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

/// A notification to a learner, worded by the use case and kept (sealed)
/// in the outbox until sent: rendered as plain text and as HTML, every
/// field escaped in the HTML part.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Notice {
    pub subject: String,
    /// "Hello Ada,".
    pub greeting: String,
    pub paragraphs: Vec<String>,
    /// The institution's own words (an achievement's issuing message).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub quote: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub action: Option<NoticeAction>,
    /// Why the mail came and how to stop it.
    pub footer: String,
}

/// The one link of a notice.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct NoticeAction {
    pub label: String,
    pub url: String,
}

#[derive(Template)]
#[template(path = "mail/notice.html")]
struct NoticeHtml<'a> {
    notice: &'a Notice,
}

impl Notice {
    /// The plain-text part: CRLF lines, the link on a line of its own.
    pub fn text(&self) -> String {
        let mut parts = vec![self.greeting.clone()];
        parts.extend(self.paragraphs.iter().cloned());
        if let Some(quote) = &self.quote {
            parts.push(quote.lines().map(|line| format!("> {line}")).collect::<Vec<_>>().join("\r\n"));
        }
        if let Some(action) = &self.action {
            parts.push(format!("{}:\r\n{}", action.label, action.url));
        }
        parts.push(format!("--\r\n{}", self.footer));
        let mut text = parts.join("\r\n\r\n");
        text.push_str("\r\n");
        text
    }

    pub fn html(&self) -> Result<String, MailError> {
        NoticeHtml { notice: self }.render().map_err(|e| MailError::Build(e.to_string()))
    }
}

/// The mail of a notice, with a stable `Message-ID` (`message_id`, without
/// the angle brackets): a message sent again after a crash carries the same
/// id, so mail clients show it once.
pub fn notice(from: &Sender, to_email: &str, notice: &Notice, message_id: &str) -> Result<Message, MailError> {
    let to: Mailbox = to_email.parse().map_err(|e| MailError::Build(format!("recipient `{to_email}`: {e}")))?;
    Message::builder()
        .from(from.0.clone())
        .to(to)
        .subject(notice.subject.clone())
        .message_id(Some(format!("<{message_id}>")))
        .multipart(MultiPart::alternative_plain_html(notice.text(), notice.html()?))
        .map_err(|e| MailError::Build(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Notice {
        Notice {
            subject: "You earned <Statistics>".into(),
            greeting: "Hello Ada & co,".into(),
            paragraphs: vec!["Lakeside issued you <b>Statistics</b>.".into()],
            quote: Some("Well done!\nKeep going.".into()),
            action: Some(NoticeAction { label: "See it".into(), url: "http://x/wallet?claim=a\"b".into() }),
            footer: "Turn this off in your settings.".into(),
        }
    }

    #[test]
    fn a_notice_has_a_text_and_an_escaped_html_part_and_a_stable_id() {
        let message = notice(&Sender::default_sender(), "ada@example.org", &sample(), "0190-row@cairn.test").unwrap();
        let text = String::from_utf8(message.formatted()).unwrap();
        assert!(text.contains("multipart/alternative"), "{text}");
        assert!(text.contains("Message-ID: <0190-row@cairn.test>"), "{text}");
        let html = sample().html().unwrap();
        assert!(html.contains("&#60;b&#62;Statistics&#60;/b&#62;") || html.contains("&lt;b&gt;Statistics&lt;/b&gt;"), "{html}");
        assert!(html.contains("Ada &#38; co") || html.contains("Ada &amp; co"), "{html}");
        assert!(!html.contains("<b>"), "{html}");
        assert!(html.contains("href=\"http://x/wallet?claim=a&#34;b\"") || html.contains("href=\"http://x/wallet?claim=a&quot;b\""), "{html}");
        let plain = sample().text();
        assert!(plain.contains("See it:\r\nhttp://x/wallet?claim=a\"b\r\n"), "{plain}");
        assert!(plain.contains("> Well done!\r\n> Keep going."), "{plain}");
    }

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
