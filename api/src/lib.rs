//! The Cairn service: configuration, the actix-web application, handlers,
//! authentication, persistence and the OpenAPI description.
//!
//! Layout: `routes/` holds one file per endpoint (thin: parse, authorise,
//! call the store, render); `store/` is the only place that speaks SQL;
//! `auth/` owns passwords, access tokens and the caller extractors that
//! every handler uses to state who may call it; `problem` is the one error
//! type at the HTTP edge.

pub mod app;
pub mod attestation;
pub mod auth;
pub mod cli;
pub mod config;
pub mod demo;
pub mod email_verification;
pub mod extract;
pub mod holder;
pub mod issuance;
pub mod nul_guard;
pub mod mail;
pub mod openapi;
pub mod problem;
pub mod rate_limit;
pub mod routes;
pub mod sharing;
pub mod signing;
pub mod stacking_bridge;
pub mod store;
pub mod telemetry;
pub mod verify;

pub use app::{RunningServer, start};
pub use config::Config;
