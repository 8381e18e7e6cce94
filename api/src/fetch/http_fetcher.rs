//! The real client: ureq with the guarded resolver, one deadline, a body cap.

use std::io::Read;
use std::sync::Arc;

use crate::fetch::address::{GuardedResolver, RefusedAddress};
use crate::fetch::error::FetchError;
use crate::fetch::fetcher::{Fetch, FetchSettings, Fetched};
use crate::fetch::tls::RustlsConnector;

/// Fetches over HTTP(S) by the rules of the module. Blocking.
pub struct HttpFetcher {
    agent: ureq::Agent,
    settings: FetchSettings,
}

impl std::fmt::Debug for HttpFetcher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HttpFetcher").field("settings", &self.settings).finish_non_exhaustive()
    }
}

impl HttpFetcher {
    pub fn new(settings: FetchSettings) -> Self {
        // ureq reads no proxy from the environment (that feature is off): a
        // proxy would connect to addresses the resolver never saw.
        let mut builder = ureq::AgentBuilder::new()
            .resolver(GuardedResolver { allow_private: settings.allow_private })
            .timeout(settings.timeout)
            .redirects(settings.max_redirects)
            .user_agent(concat!("cairn/", env!("CARGO_PKG_VERSION")));
        match RustlsConnector::new() {
            Ok(tls) => builder = builder.tls_connector(Arc::new(tls)),
            Err(error) => tracing::error!(%error, "TLS is unavailable: https fetches will fail"),
        }
        HttpFetcher { agent: builder.build(), settings }
    }

    pub fn settings(&self) -> FetchSettings {
        self.settings
    }
}

impl Fetch for HttpFetcher {
    fn get(&self, url: &str, accept: &str) -> Result<Fetched, FetchError> {
        let parsed = url::Url::parse(url).map_err(|e| FetchError::Refused(format!("not a URL: {e}")))?;
        if !matches!(parsed.scheme(), "http" | "https") {
            return Err(FetchError::Refused(format!("only http and https URLs are fetched, not {}:", parsed.scheme())));
        }
        if parsed.host_str().is_none_or(str::is_empty) {
            return Err(FetchError::Refused("the URL has no host".into()));
        }
        let response = match self.agent.get(parsed.as_str()).set("Accept", accept).call() {
            Ok(response) => response,
            Err(ureq::Error::Status(code, _)) => return Err(FetchError::Status(code)),
            Err(ureq::Error::Transport(transport)) => return Err(transport_error(&transport)),
        };
        if !(200..300).contains(&response.status()) {
            return Err(FetchError::Status(response.status()));
        }
        let limit = self.settings.max_bytes;
        if let Some(length) = response.header("Content-Length").and_then(|v| v.trim().parse::<u64>().ok())
            && length > limit as u64
        {
            return Err(FetchError::TooLarge { limit });
        }
        let url = response.get_url().to_owned();
        let content_type = response.header("Content-Type").map(str::to_owned);
        let mut body = Vec::new();
        response.into_reader().take(limit as u64 + 1).read_to_end(&mut body).map_err(|e| io_error(&e))?;
        if body.len() > limit {
            return Err(FetchError::TooLarge { limit });
        }
        Ok(Fetched { url, content_type, body })
    }
}

/// Finds a refusal or a timeout in the error chain; anything else is a
/// transport failure, described by ureq's message.
pub(crate) fn transport_error(transport: &ureq::Transport) -> FetchError {
    let mut cause: Option<&(dyn std::error::Error + 'static)> = std::error::Error::source(transport);
    while let Some(error) = cause {
        if let Some(found) = error.downcast_ref::<std::io::Error>().and_then(classify_io) {
            return found;
        }
        if let Some(refused) = error.downcast_ref::<RefusedAddress>() {
            return FetchError::Refused(refused.to_string());
        }
        cause = error.source();
    }
    FetchError::Transport(transport.to_string())
}

fn io_error(error: &std::io::Error) -> FetchError {
    classify_io(error).unwrap_or_else(|| FetchError::Transport(error.to_string()))
}

fn classify_io(error: &std::io::Error) -> Option<FetchError> {
    // io::Error's `source` skips the error it wraps, so look inside.
    if let Some(refused) = error.get_ref().and_then(|inner| inner.downcast_ref::<RefusedAddress>()) {
        return Some(FetchError::Refused(refused.to_string()));
    }
    matches!(error.kind(), std::io::ErrorKind::TimedOut | std::io::ErrorKind::WouldBlock).then_some(FetchError::Timeout)
}

#[cfg(test)]
mod tests {
    use std::io::Write;
    use std::net::TcpListener;
    use std::time::{Duration, Instant};

    use super::*;

    fn fetcher(allow_private: bool, timeout: Duration, max_bytes: usize) -> HttpFetcher {
        HttpFetcher::new(FetchSettings { timeout, max_bytes, max_redirects: 2, allow_private })
    }

    /// Serves one canned HTTP response per connection, `count` times.
    fn serve(response: Vec<u8>, count: usize) -> String {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let address = listener.local_addr().unwrap();
        std::thread::spawn(move || {
            for stream in listener.incoming().take(count) {
                let Ok(mut stream) = stream else { continue };
                let mut buf = [0u8; 4096];
                let _ = std::io::Read::read(&mut stream, &mut buf);
                let _ = stream.write_all(&response);
            }
        });
        format!("http://{address}/doc")
    }

    fn ok_response(body: &[u8]) -> Vec<u8> {
        let mut response =
            format!("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n", body.len()).into_bytes();
        response.extend_from_slice(body);
        response
    }

    #[test]
    fn private_addresses_are_refused_unless_allowed() {
        let url = serve(ok_response(b"{}"), 1);
        let refused = fetcher(false, Duration::from_secs(2), 1024).get(&url, "application/json");
        assert!(matches!(refused, Err(FetchError::Refused(ref m)) if m.contains("127.0.0.1")), "{refused:?}");
        assert!(matches!(fetcher(false, Duration::from_secs(2), 1024).get("http://localhost:9/x", "*/*"), Err(FetchError::Refused(_))));
        let fetched = fetcher(true, Duration::from_secs(2), 1024).get(&url, "application/json").unwrap();
        assert_eq!(fetched.body, b"{}");
        assert_eq!(fetched.content_type.as_deref(), Some("application/json"));
        assert_eq!(fetched.url, url);
    }

    #[test]
    fn only_http_urls_are_fetched() {
        let f = fetcher(true, Duration::from_secs(1), 1024);
        for url in ["file:///etc/passwd", "ftp://example.org/x", "gopher://x", "not a url"] {
            assert!(matches!(f.get(url, "*/*"), Err(FetchError::Refused(_))), "{url}");
        }
    }

    #[test]
    fn bodies_over_the_cap_are_too_large() {
        let big = vec![b'a'; 2048];
        // Announced by Content-Length, and without it (read until close).
        let announced = serve(ok_response(&big), 1);
        let mut unannounced = b"HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n".to_vec();
        unannounced.extend_from_slice(&big);
        let streamed = serve(unannounced, 1);
        let f = fetcher(true, Duration::from_secs(2), 1024);
        for url in [announced, streamed] {
            assert!(matches!(f.get(&url, "*/*"), Err(FetchError::TooLarge { limit: 1024 })), "{url}");
        }
        let exact = serve(ok_response(&big[..1024]), 1);
        assert_eq!(f.get(&exact, "*/*").unwrap().body.len(), 1024);
    }

    #[test]
    fn a_server_that_never_answers_times_out() {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}/slow", listener.local_addr().unwrap());
        let started = Instant::now();
        let result = fetcher(true, Duration::from_millis(1000), 1024).get(&url, "*/*");
        assert!(matches!(result, Err(FetchError::Timeout)), "{result:?}");
        assert!(started.elapsed() < Duration::from_secs(3), "took {:?}", started.elapsed());
        drop(listener);
    }

    #[test]
    fn error_statuses_and_redirects() {
        let missing = serve(b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n".to_vec(), 1);
        let f = fetcher(true, Duration::from_secs(2), 1024);
        assert!(matches!(f.get(&missing, "*/*"), Err(FetchError::Status(404))));
        let target = serve(ok_response(b"moved"), 1);
        let redirect = serve(format!("HTTP/1.1 302 Found\r\nLocation: {target}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n").into_bytes(), 1);
        let fetched = f.get(&redirect, "*/*").unwrap();
        assert_eq!((fetched.url.as_str(), fetched.body.as_slice()), (target.as_str(), b"moved".as_slice()));
    }
}
