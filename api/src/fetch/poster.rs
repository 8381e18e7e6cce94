//! Outbound POST for webhook deliveries: the fetcher's resolver rule (the
//! address is checked again at every send), one deadline, no redirects
//! followed (a 3xx is an answer like any other non-2xx), the response
//! body left unread beyond a little.

use std::sync::Arc;
use std::time::Duration;

use crate::fetch::address::{GuardedResolver, check_reachable};
use crate::fetch::error::FetchError;
use crate::fetch::http_fetcher::transport_error;
use crate::fetch::tls::RustlsConnector;

/// How [`HttpPoster`] sends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PostSettings {
    /// The whole exchange: resolving, connecting, sending and reading.
    pub timeout: Duration,
    /// Allow loopback and private addresses (`CAIRN_WEBHOOKS_ALLOW_PRIVATE`).
    pub allow_private: bool,
}

impl Default for PostSettings {
    fn default() -> Self {
        Self { timeout: Duration::from_secs(10), allow_private: false }
    }
}

/// Sends webhook requests. Blocking: run it off the async executor.
pub struct HttpPoster {
    agent: ureq::Agent,
    settings: PostSettings,
}

impl std::fmt::Debug for HttpPoster {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HttpPoster").field("settings", &self.settings).finish_non_exhaustive()
    }
}

impl HttpPoster {
    pub fn new(settings: PostSettings) -> Self {
        let mut builder = ureq::AgentBuilder::new()
            .resolver(GuardedResolver { allow_private: settings.allow_private })
            .timeout(settings.timeout)
            .redirects(0)
            .user_agent(concat!("cairn-webhooks/", env!("CARGO_PKG_VERSION")));
        match RustlsConnector::new() {
            Ok(tls) => builder = builder.tls_connector(Arc::new(tls)),
            Err(error) => tracing::error!(%error, "TLS is unavailable: https webhooks will fail"),
        }
        Self { agent: builder.build(), settings }
    }

    pub fn settings(&self) -> PostSettings {
        self.settings
    }

    /// Whether `url` may be sent to now (scheme and resolved addresses).
    pub fn check(&self, url: &url::Url) -> Result<(), FetchError> {
        check_reachable(url, self.settings.allow_private)
    }

    /// POSTs `body` as JSON with `headers` to `url`; the status the server
    /// answered (any status: the caller decides what counts), or why no
    /// answer came.
    pub fn post_json(&self, url: &str, headers: &[(&str, &str)], body: &str) -> Result<u16, FetchError> {
        let parsed = url::Url::parse(url).map_err(|e| FetchError::Refused(format!("not a URL: {e}")))?;
        if !matches!(parsed.scheme(), "http" | "https") {
            return Err(FetchError::Refused(format!("only http and https URLs are allowed, not {}:", parsed.scheme())));
        }
        let mut request = self.agent.post(parsed.as_str()).set("Content-Type", "application/json");
        for (name, value) in headers {
            request = request.set(name, value);
        }
        match request.send_string(body) {
            Ok(response) => Ok(response.status()),
            Err(ureq::Error::Status(code, _)) => Ok(code),
            Err(ureq::Error::Transport(transport)) => Err(transport_error(&transport)),
        }
    }
}

#[cfg(test)]
mod tests {
    use std::io::{Read, Write};
    use std::net::TcpListener;

    use super::*;

    fn answer_once(response: &'static [u8]) -> (String, std::thread::JoinHandle<Vec<u8>>) {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}/hook", listener.local_addr().unwrap());
        let thread = std::thread::spawn(move || {
            let (mut stream, _) = listener.accept().unwrap();
            let mut buf = vec![0u8; 8192];
            let n = stream.read(&mut buf).unwrap();
            stream.write_all(response).unwrap();
            buf.truncate(n);
            buf
        });
        (url, thread)
    }

    #[test]
    fn posts_report_the_status_and_follow_no_redirect() {
        let poster = HttpPoster::new(PostSettings { timeout: Duration::from_secs(2), allow_private: true });
        let (url, seen) = answer_once(b"HTTP/1.1 204 No Content\r\nConnection: close\r\n\r\n");
        assert_eq!(poster.post_json(&url, &[("webhook-id", "msg_1")], "{}").unwrap(), 204);
        let request = String::from_utf8(seen.join().unwrap()).unwrap();
        assert!(request.starts_with("POST /hook"), "{request}");
        assert!(request.to_ascii_lowercase().contains("webhook-id: msg_1"), "{request}");
        let (url, _) = answer_once(b"HTTP/1.1 302 Found\r\nLocation: http://127.0.0.1:9/elsewhere\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
        assert_eq!(poster.post_json(&url, &[], "{}").unwrap(), 302);
        let refusing = HttpPoster::new(PostSettings { timeout: Duration::from_secs(2), allow_private: false });
        assert!(matches!(refusing.post_json("http://127.0.0.1:9/hook", &[], "{}"), Err(FetchError::Refused(_))));
    }
}
