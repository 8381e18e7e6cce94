//! Cairn's model: identifiers, accounts and organisations, achievements,
//! credits, durations. Pure data and validation: no IO, no HTTP, no SQL.
//!
//! Every type here is parsed once at the edge ("parse, don't validate"): a
//! value of `Email`, `Credits` or `IsoDuration` is valid by construction.

pub mod account;
pub mod achievement;
pub mod catalog;
pub mod clr;
pub mod credits;
pub mod duration;
pub mod employment;
pub mod ids;
pub mod ob3;
#[cfg(feature = "openapi")]
mod openapi;
pub mod sharing;
pub mod skill;
pub mod status_list;
pub mod web_url;

pub use account::{DisplayName, Email, OrgKind, Role};
pub use achievement::{AchievementType, Level};
pub use credits::{CreditUnit, Credits};
pub use duration::IsoDuration;
pub use ids::{
    AchievementId, AuditEntryId, CredentialId, EmploymentRecordId, ImportId, JobId, OrgId, PathwayId, ReviewId, ShareId, ShareRequestId, UserId,
};
pub use ids::{DeliveryId, WebhookId};
pub use web_url::HttpUrl;
