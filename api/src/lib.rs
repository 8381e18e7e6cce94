//! The Cairn service.
//!
//! Three layers, each importing only the ones below it (DESIGN.md "Layout"):
//!
//! - `http/`: the edge. JSON handlers (a folder per resource), views,
//!   extractors, the caller extractors that state who may call a handler,
//!   the problem type and the OpenAPI description. Handlers parse,
//!   authorise, call one use case and render. `web/`: the same edge for
//!   people, HTML pages with sessions and CSRF-checked forms.
//! - `services/`: the use cases, one module per capability. Business rules
//!   live here and nowhere else.
//! - `store/`, `signing/`, `auth/`, `mail/`, `fetch/`, `rate_limit`,
//!   `graph_cache`: persistence, keys and signatures, passwords and access
//!   tokens, outgoing mail, outbound HTTP GET (status lists, DID
//!   documents), the per-account limits (counted in the store), the
//!   compiled pathway graph.
//!
//! `state` (what every handler can reach) sits below the edge; assembly
//! (`app`, `cli`, `config`, `telemetry`, `demo`) sits above everything.

pub mod app;
pub mod auth;
pub mod cli;
pub mod config;
pub mod demo;
pub mod fetch;
pub mod graph_cache;
pub mod http;
pub mod mail;
pub mod rate_limit;
pub mod services;
pub mod signing;
pub mod state;
pub mod store;
pub mod telemetry;
pub mod web;

pub use app::{RunningServer, start};
pub use config::Config;
