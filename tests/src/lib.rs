//! The end-to-end harness, in the style of crates.io's `TestApp`: one app
//! builder ([`TestApp`]), a client per role ([`Admin`], [`Learner`],
//! [`Institution`], [`Employer`]), fixture builders that produce the JSON
//! bodies ([`AchievementBuilder`], [`IssueRequest`], [`Rule`], [`Pathway`]),
//! and response snapshots with the volatile parts redacted ([`snapshot`]).
//!
//! Every test starts the real service (the same `start` the binary uses) on
//! a free port against a fresh database, and talks to it over HTTP as a
//! client would. The database is a new SQLite file per test, or, when
//! `CAIRN_TEST_DATABASE_URL` names a PostgreSQL database, a new schema in it
//! per test (dropped afterwards).

#![expect(clippy::unwrap_used, clippy::expect_used, reason = "a test harness: a failed step is a failed test")]

mod app;
mod clients;
mod fixtures;
mod http;
mod mail;
mod pages;
mod process;
pub mod snapshot;
mod web_server;

pub use app::{TestApp, TestAppBuilder, TestDb};
pub use clients::{Admin, Employer, Institution, Learner, Session, Staff};
pub use fixtures::{AchievementBuilder, Body, IssueRequest, Pathway, Rule, did_key_credential, in_days};
pub use http::{Response, jwt_parts};
pub use mail::{MailSink, addressed_to, decoded_parts, header_value, html_part, outbox_messages, text_part, verification_code_in};
pub use pages::{FilePart, PageClient, csrf_token};
pub use process::{CHILD_TEST, free_port, serve_if_child};
pub use web_server::{Received, WebServer};

/// The service's own items that the harness and the tests name: the one
/// place to fix when `cairn_api` moves them.
pub mod service {
    pub use cairn_api::auth::{Password, PasswordHasher};
    pub use cairn_api::config::AdminBootstrap;
    pub use cairn_api::demo::PASSWORD as DEMO_PASSWORD;
    pub use cairn_api::fetch::FetchSettings;
    pub use cairn_api::graph_cache::GraphCache;
    pub use cairn_api::mail::message::CODE_INTRO;
    pub use cairn_api::mail::{DEFAULT_FROM, MailConfig};
    pub use cairn_api::rate_limit::RateLimiter;
    pub use cairn_api::services::holder::email_identity_hash;
    pub use cairn_api::services::jobs::JobSettings;
    pub use cairn_api::services::outbox::OutboxSettings;
    pub use cairn_api::services::progress;
    pub use cairn_api::services::webhooks::delivery::DeliverySettings;
    pub use cairn_api::signing::data_integrity::Ed25519Signer;
    pub use cairn_api::signing::did::did_key;
    pub use cairn_api::signing::keys::SigningKey;
    pub use cairn_api::store::{DatabaseUrl, Store, award_constituents, graph, jobs, mail_outbox, migrate, outcomes, rate_limits, users};
    pub use cairn_api::{Config, start};
}

pub const ADMIN_EMAIL: &str = "admin@cairn.test";
pub const ADMIN_PASSWORD: &str = "admin-password-for-tests";
pub const PASSWORD: &str = "password-for-tests";
