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
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
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
