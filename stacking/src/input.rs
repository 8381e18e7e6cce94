//! What the engine is given: the catalog, a learner's credentials, pathways.

use cairn_domain::{AchievementId, AchievementType, CredentialId, Credits, Level, OrgId, PathwayId};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::rule::PathwayRule;

/// One achievement of an institution's catalog, as far as stacking cares.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CatalogEntry {
    pub id: AchievementId,
    /// The achievement's name: labels, `candidate_names`, `next` and the
    /// graph show it (empty: the id is shown).
    #[serde(default)]
    pub name: String,
    pub issuer: OrgId,
    pub achievement_type: AchievementType,
    #[serde(default)]
    pub tags: Vec<String>,
    /// Alignment `targetUrl` and `targetCode` values.
    #[serde(default)]
    pub skills: Vec<String>,
    #[serde(default)]
    pub level: Option<Level>,
    #[serde(default)]
    pub credits: Option<Credits>,
}

/// One credential held by the learner, with its status history.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CredentialFact {
    pub id: CredentialId,
    pub achievement: AchievementId,
    pub awarded_at: DateTime<Utc>,
    #[serde(default)]
    pub valid_until: Option<DateTime<Utc>>,
    #[serde(default)]
    pub revoked_at: Option<DateTime<Utc>>,
    /// Suspension periods `[from, until)`; `until: None` = still suspended.
    #[serde(default)]
    pub suspensions: Vec<(DateTime<Utc>, Option<DateTime<Utc>>)>,
    pub verified: bool,
    /// `credits_earned` of the credential; `None` = the achievement's credits.
    #[serde(default)]
    pub credits: Option<Credits>,
}

impl CredentialFact {
    /// A verified, active credential with no expiry (handy for callers and tests).
    pub fn earned(id: CredentialId, achievement: AchievementId, awarded_at: DateTime<Utc>) -> Self {
        Self { id, achievement, awarded_at, valid_until: None, revoked_at: None, suspensions: Vec::new(), verified: true, credits: None }
    }
}

/// The id given to the `index`-th hypothetical credential of a what-if:
/// `00000000-0000-0000-0000-00000000000N` (N = index + 1), never a real id.
pub fn hypothetical_credential_id(index: usize) -> CredentialId {
    CredentialId::from(uuid::Uuid::from_u128(index as u128 + 1))
}

/// A registered pathway: its id, owning organisation and rule.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Pathway {
    pub id: PathwayId,
    pub issuer: OrgId,
    pub rule: PathwayRule,
}
