//! Structured logs: one line per request with its id, method, route, status
//! and latency. The route *pattern* is logged, not the raw path, so share
//! tokens and other secrets in paths never reach the log; query strings and
//! headers are never logged.

use std::time::Instant;

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::middleware::Next;
use tracing::Instrument;
use tracing_subscriber::EnvFilter;

pub const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// Installs the global subscriber. `CAIRN_LOG` (an env-filter, default
/// `info`) sets the level; `CAIRN_LOG_FORMAT=json` switches to JSON lines.
pub fn init() {
    let filter = EnvFilter::try_from_env("CAIRN_LOG").unwrap_or_else(|_| EnvFilter::new("info"));
    let ansi = std::io::IsTerminal::is_terminal(&std::io::stderr());
    let builder = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr).with_ansi(ansi);
    let _ = if std::env::var("CAIRN_LOG_FORMAT").is_ok_and(|f| f == "json") { builder.json().try_init() } else { builder.try_init() };
}

/// Accepts a caller's `X-Request-Id` when it is short and printable, else
/// makes one; echoes it in the response.
pub async fn log_requests(req: ServiceRequest, next: Next<impl MessageBody>) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let request_id = req
        .headers()
        .get(&REQUEST_ID)
        .and_then(|v| v.to_str().ok())
        .filter(|v| !v.is_empty() && v.len() <= 64 && v.chars().all(|c| c.is_ascii_alphanumeric() || c == '-'))
        .map_or_else(|| uuid::Uuid::new_v4().to_string(), str::to_owned);
    let method = req.method().to_string();
    let span = tracing::info_span!("request", request_id = %request_id, method = %method);
    let started = Instant::now();
    let result = next.call(req).instrument(span.clone()).await;
    let _entered = span.enter();
    let latency_ms = started.elapsed().as_secs_f64() * 1000.0;
    match result {
        Ok(mut response) => {
            let route = response.request().match_pattern().unwrap_or_else(|| "(unmatched)".to_owned());
            let status = response.status().as_u16();
            if let Ok(value) = HeaderValue::from_str(&request_id) {
                response.headers_mut().insert(REQUEST_ID, value);
            }
            tracing::info!(%route, status, latency_ms, "request");
            Ok(response)
        }
        Err(error) => {
            tracing::warn!(latency_ms, %error, "request failed");
            Err(error)
        }
    }
}
