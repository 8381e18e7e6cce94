//! The outcome of one pathway for one learner, in the JSON of DESIGN.md.

use std::borrow::Cow;
use std::sync::Arc;

use cairn_domain::{AchievementId, CredentialId, CreditUnit, IsoDuration, PathwayId};
use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(as = PathwayStatus))]
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
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Explanation {
    /// `all`, `any`, `at_least`, `count`, `credits` or `pathway`.
    #[serde(rename = "type")]
    #[cfg_attr(feature = "openapi", schema(value_type = String, example = "count"))]
    pub kind: Cow<'static, str>,
    /// The author's label, or one generated from the rule ("3
    /// micro-credentials within 3 years", "all of 2").
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub label: String,
    pub satisfied: bool,
    pub have: Measure,
    pub need: Measure,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unit: Option<CreditUnit>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub within: Option<IsoDuration>,
    /// For `pathway` nodes: the nested pathway.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<uuid::Uuid>))]
    pub pathway: Option<PathwayId>,
    /// Credentials this node uses, sorted by id.
    #[cfg_attr(feature = "openapi", schema(value_type = Vec<uuid::Uuid>))]
    pub used: Vec<CredentialId>,
    /// Catalog achievements that would count here (leaves), sorted; shared
    /// with the compiled rule (every outcome of a pathway lists the same).
    #[cfg_attr(feature = "openapi", schema(value_type = Vec<uuid::Uuid>))]
    pub candidates: Arc<[AchievementId]>,
    /// The names of `candidates`, in the same order.
    #[serde(default = "no_names")]
    #[cfg_attr(feature = "openapi", schema(value_type = Vec<String>, required = true))]
    pub candidate_names: Arc<[String]>,
    #[cfg_attr(feature = "openapi", schema(no_recursion))]
    pub of: Vec<Explanation>,
}

/// A set of catalog achievements worth earning next.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct NextStep {
    #[cfg_attr(feature = "openapi", schema(value_type = Vec<uuid::Uuid>))]
    pub achievements: Vec<AchievementId>,
    /// The names of `achievements`, in the same order.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub names: Vec<String>,
    /// Earning all of them (now) would complete the pathway.
    pub completes: bool,
}

/// The outcome of one pathway for one learner.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(as = PathwayOutcome, example = json!({
    "pathway": "01937c2e-5a10-7000-8000-00000000000a", "key": "coaching-award", "name": "Coaching Award",
    "status": "in_progress", "progress": 0.5, "completed_at": null,
    "requirement": {
        "type": "count", "label": "2 micro-credentials within 3 years", "within": "P3Y",
        "satisfied": false, "have": 1, "need": 2,
        "used": ["01937c2e-5a10-7000-8000-0000000000c1"],
        "candidates": ["01937c2e-5a10-7000-8000-0000000000a1", "01937c2e-5a10-7000-8000-0000000000a2"],
        "candidate_names": ["Coaching Basics", "Feedback Conversations"],
        "of": []
    },
    "next": [{ "achievements": ["01937c2e-5a10-7000-8000-0000000000a2"], "names": ["Feedback Conversations"], "completes": true }]
})))]
pub struct Outcome {
    #[cfg_attr(feature = "openapi", schema(value_type = uuid::Uuid))]
    pub pathway: PathwayId,
    /// The pathway's name and key, as registered.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub name: String,
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub key: String,
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

fn no_names() -> Arc<[String]> {
    Arc::from([])
}
