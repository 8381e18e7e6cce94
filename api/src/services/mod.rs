//! The use cases, one module per capability. Each runs inside one store
//! transaction it is given or opens, reads the clock once (its context) and
//! returns its own error; the HTTP edge maps those errors to problems in one
//! place (`http::problem`).

pub mod accounts;
pub mod attestation;
pub mod awards;
pub mod badge_image;
pub mod baked;
pub mod baking;
pub mod catalog;
pub mod claims;
pub mod context;
pub mod credential_status;
pub mod credentials;
pub mod csv_batch;
pub mod dids;
pub mod email_verification;
pub mod employment;
pub mod events;
pub mod external_status;
pub mod facts;
pub mod holder;
pub mod imports;
pub mod institution;
pub mod issued;
pub mod issuer;
pub mod issuing;
pub mod jobs;
pub mod notifications;
pub mod ob2;
pub mod outbox;
pub mod pathways;
pub mod progress;
pub mod proof_check;
pub mod rate_limits;
pub mod records;
pub mod reviews;
pub mod sessions;
pub mod sharing;
pub mod talent;
pub mod vc_api;
pub mod verification;
pub mod wallet;
pub mod webhooks;
pub mod worker;

pub use context::{Context, PublicContext};
