//! Outbound HTTP GET for the documents credentials point at: DID documents,
//! status list credentials, hosted Open Badges 2.0 assertions; and the
//! POSTs of webhook deliveries (`HttpPoster`).
//!
//! Below the use cases, beside `store/` and `signing/`. The rules of the
//! security model (DESIGN.md) live here once: only `http(s)` URLs; no
//! loopback, link-local, private, unspecified, multicast or unique-local
//! address unless the settings allow it (tests); the check runs in the
//! resolver, so the connection goes to the address that was checked (no
//! DNS-rebinding window) and every redirect is checked again; one deadline
//! for the whole exchange; a cap on the body.
//!
//! Blocking: call [`Fetch::get`] inside the store's blocking closures or
//! `web::block` / `spawn_blocking`, never on the async executor.

mod address;
mod cache;
mod error;
mod fetcher;
mod http_fetcher;
mod poster;
mod tls;

pub use cache::Cache;
pub use error::FetchError;
pub use fetcher::{Fetch, FetchSettings, Fetched};
pub use http_fetcher::HttpFetcher;
pub use poster::{HttpPoster, PostSettings};
