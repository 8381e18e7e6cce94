//! Where the service's mail lands in a test: a real SMTP server on loopback,
//! or the outbox folder, and reading the verification code out of a message.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use crate::service::CODE_INTRO;

/// The messages in an outbox folder, oldest first (the file names sort by time).
pub fn outbox_messages(dir: &Path) -> Vec<String> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut paths: Vec<PathBuf> = entries.map(|e| e.unwrap().path()).filter(|p| p.extension().is_some_and(|x| x == "eml")).collect();
    paths.sort();
    paths.iter().map(|p| std::fs::read_to_string(p).unwrap()).collect()
}

/// Whether the message's headers name `email` as its recipient.
pub fn addressed_to(message: &str, email: &str) -> bool {
    let headers = message.split("\r\n\r\n").next().unwrap_or_default().to_lowercase();
    let email = email.to_lowercase();
    headers.lines().any(|l| l.starts_with("to:") && (l.contains(&format!("<{email}>")) || l.trim_end() == format!("to: {email}")))
}

/// The code on the first non-empty line after the mail's code intro.
pub fn verification_code_in(message: &str) -> Option<String> {
    let after = message.split(CODE_INTRO).nth(1)?;
    after.lines().map(str::trim).find(|l| !l.is_empty()).map(str::to_owned)
}

/// A real SMTP server on loopback (plain SMTP) that keeps every message it
/// receives. Its thread serves until the test process ends.
#[derive(Clone)]
pub struct MailSink {
    addr: std::net::SocketAddr,
    received: Arc<Mutex<Vec<String>>>,
}

#[derive(Clone)]
struct SinkHandler {
    received: Arc<Mutex<Vec<String>>>,
    current: Vec<u8>,
}

impl mailin_embedded::Handler for SinkHandler {
    fn data_start(&mut self, _domain: &str, _from: &str, _is8bit: bool, _to: &[String]) -> mailin_embedded::Response {
        self.current.clear();
        mailin_embedded::response::OK
    }

    fn data(&mut self, buf: &[u8]) -> std::io::Result<()> {
        self.current.extend_from_slice(buf);
        Ok(())
    }

    fn data_end(&mut self) -> mailin_embedded::Response {
        let text = String::from_utf8_lossy(&std::mem::take(&mut self.current)).into_owned();
        self.received.lock().unwrap().push(text);
        mailin_embedded::response::OK
    }
}

impl MailSink {
    pub fn start() -> Self {
        Self::start_on("127.0.0.1:0")
    }

    /// On `addr` (a port chosen earlier, where the service was told to
    /// send while nothing listened there).
    pub fn start_on(addr: &str) -> Self {
        let listener = std::net::TcpListener::bind(addr).unwrap();
        let addr = listener.local_addr().unwrap();
        let received = Arc::new(Mutex::new(Vec::new()));
        let mut server = mailin_embedded::Server::new(SinkHandler { received: received.clone(), current: Vec::new() });
        server.with_name("mail-sink.test").with_num_threads(2).with_tcp_listener(listener);
        std::thread::spawn(move || {
            let _ = server.serve();
        });
        MailSink { addr, received }
    }

    /// `CAIRN_SMTP_URL` for this server.
    pub fn url(&self) -> String {
        format!("smtp://{}", self.addr)
    }

    /// Every message received so far, in order, as sent (headers and body).
    pub fn messages(&self) -> Vec<String> {
        self.received.lock().unwrap().clone()
    }
}

/// The parts of a received multipart message, decoded: (content type,
/// text), in order. A single-part message is one part.
pub fn decoded_parts(message: &str) -> Vec<(String, String)> {
    let (headers, body) = message.split_once("\r\n\r\n").unwrap_or((message, ""));
    let unfolded = headers.replace("\r\n ", " ").replace("\r\n\t", " ");
    let content_type = header_value(&unfolded, "content-type").unwrap_or_default();
    let Some(boundary) =
        content_type.split("boundary=").nth(1).map(|b| b.trim_matches('"').split(';').next().unwrap_or_default().trim_matches('"').to_owned())
    else {
        return vec![(content_type, decode(&unfolded, body))];
    };
    body.split(&format!("--{boundary}"))
        .skip(1)
        .filter(|part| !part.starts_with("--"))
        .map(|part| {
            let part = part.trim_start_matches("\r\n");
            let (headers, body) = part.split_once("\r\n\r\n").unwrap_or((part, ""));
            let unfolded = headers.replace("\r\n ", " ").replace("\r\n\t", " ");
            (header_value(&unfolded, "content-type").unwrap_or_default(), decode(&unfolded, body))
        })
        .collect()
}

/// The plain-text part of a message, decoded.
pub fn text_part(message: &str) -> String {
    decoded_parts(message)
        .into_iter()
        .find(|(t, _)| t.starts_with("text/plain"))
        .map(|(_, b)| b)
        .unwrap_or_else(|| panic!("no text part:\n{message}"))
}

/// The HTML part of a message, decoded.
pub fn html_part(message: &str) -> String {
    decoded_parts(message).into_iter().find(|(t, _)| t.starts_with("text/html")).map(|(_, b)| b).unwrap_or_else(|| panic!("no HTML part:\n{message}"))
}

/// A header's value (the headers unfolded), by its lower-case name.
pub fn header_value(headers: &str, name: &str) -> Option<String> {
    headers.lines().find_map(|line| {
        let (key, value) = line.split_once(':')?;
        (key.trim().eq_ignore_ascii_case(name)).then(|| value.trim().to_owned())
    })
}

fn decode(headers: &str, body: &str) -> String {
    match header_value(headers, "content-transfer-encoding").map(|e| e.to_ascii_lowercase()).as_deref() {
        Some("quoted-printable") => {
            String::from_utf8(quoted_printable::decode(body.as_bytes(), quoted_printable::ParseMode::Robust).unwrap()).unwrap()
        }
        Some("base64") => {
            use base64::Engine;
            let compact: String = body.chars().filter(|c| !c.is_whitespace()).collect();
            String::from_utf8(base64::engine::general_purpose::STANDARD.decode(compact).unwrap()).unwrap()
        }
        _ => body.to_owned(),
    }
}
