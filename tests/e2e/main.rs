//! End-to-end suite: every test starts the real service on a free port with
//! a fresh database (SQLite, or PostgreSQL when CAIRN_TEST_DATABASE_URL is
//! set) and talks HTTP to it.

#![expect(clippy::unwrap_used, reason = "tests: a failed step is a failed test")]

mod accounts;
mod authz;
mod awards_large;
mod cascade;
mod catalog;
mod contract;
mod credentials;
mod csv_batch;
mod data_integrity;
mod demo;
mod documents;
mod email;
mod employment;
mod external_status;
mod feasibility;
mod guides;
mod issued;
mod jobs;
mod migrations;
mod names;
mod nodes;
mod notifications;
mod ob2_imports;
mod orgs;
mod outcomes;
mod pages;
mod pages_authz;
mod pages_catalog;
mod pages_console;
mod pages_issue;
mod pages_progress;
mod pages_sharing;
mod pages_verify;
mod pages_wallet;
mod pathways;
mod races;
mod rule_language;
mod service;
mod sharing;
mod talent;
mod tokens;
mod trust;
mod vc_api;
mod webhooks;
