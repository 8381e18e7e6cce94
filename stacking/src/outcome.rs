//! The outcome of one pathway for one learner, in the JSON of DESIGN.md.

use std::borrow::Cow;
use std::sync::Arc;

use cairn_domain::{AchievementId, CreditUnit, CredentialId, IsoDuration, PathwayId};
use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Complete,
    InProgress,
    NotStarted,
}

/// `have` / `need`: a whole number (count, children) or, for `credits`
/// nodes, an exact decimal written as a string.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Measure {
    Count(u64),
    Credits(Decimal),
}

/// One node of the explanation tree.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Explanation {
    /// `all`, `any`, `at_least`, `count`, `credits` or `pathway`.
    #[serde(rename = "type")]
    pub kind: Cow<'static, str>,
    pub label: Option<String>,
    pub satisfied: bool,
    pub have: Measure,
    pub need: Measure,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unit: Option<CreditUnit>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub within: Option<IsoDuration>,
    /// For `pathway` nodes: the nested pathway.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pathway: Option<PathwayId>,
    /// Credentials this node uses, sorted by id.
    pub used: Vec<CredentialId>,
    /// Catalog achievements that would count here (leaves), sorted; shared
    /// with the compiled rule (every outcome of a pathway lists the same).
    pub candidates: Arc<[AchievementId]>,
    pub of: Vec<Explanation>,
}

/// A set of catalog achievements worth earning next.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NextStep {
    pub achievements: Vec<AchievementId>,
    /// Earning all of them (now) would complete the pathway.
    pub completes: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Outcome {
    pub pathway: PathwayId,
    pub status: Status,
    /// In [0, 1]; 1 only when complete; never lower after adding a credential.
    pub progress: f64,
    /// The earliest instant at which the pathway held (semantic 6).
    pub completed_at: Option<DateTime<Utc>>,
    pub requirement: Explanation,
    pub next: Vec<NextStep>,
}

impl Outcome {
    /// Every credential the outcome uses (sorted, distinct): the evidence of
    /// an award when complete.
    pub fn used(&self) -> Vec<CredentialId> {
        let mut out = self.requirement.used.clone();
        out.sort_unstable();
        out.dedup();
        out
    }
}
