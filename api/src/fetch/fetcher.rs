//! The interface use cases code against, and the settings of the real client.

use std::time::Duration;

use crate::fetch::error::FetchError;

/// A document read from a URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fetched {
    /// The URL the body came from (after redirects).
    pub url: String,
    /// The `Content-Type` header, as sent.
    pub content_type: Option<String>,
    pub body: Vec<u8>,
}

/// An outbound GET. Blocking: run it off the async executor.
pub trait Fetch: Send + Sync {
    /// Reads `url`, sending `accept` as the `Accept` header.
    fn get(&self, url: &str, accept: &str) -> Result<Fetched, FetchError>;
}

/// How [`HttpFetcher`](crate::fetch::HttpFetcher) fetches.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FetchSettings {
    /// The whole exchange: resolving, connecting, sending and reading.
    pub timeout: Duration,
    /// The largest body read; more is [`FetchError::TooLarge`].
    pub max_bytes: usize,
    /// Redirects followed, each target checked like the first URL.
    pub max_redirects: u32,
    /// Allow loopback and private addresses (`CAIRN_WEBHOOKS_ALLOW_PRIVATE`,
    /// for tests).
    pub allow_private: bool,
}

impl Default for FetchSettings {
    fn default() -> Self {
        FetchSettings { timeout: Duration::from_secs(5), max_bytes: 1024 * 1024, max_redirects: 3, allow_private: false }
    }
}
