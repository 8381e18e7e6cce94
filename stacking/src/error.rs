//! Error types. Messages are written for the institution that registers a
//! rule (they become the `detail` of a 422) or for the service's logs.

use cairn_domain::{AchievementId, PathwayId};

/// A rule that cannot be read: the path in the JSON and what is wrong there.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}", if path.is_empty() { message.clone() } else { format!("{path}: {message}") })]
pub struct RuleError {
    /// e.g. `requirement.of[2].min`; empty for the document itself.
    pub path: String,
    pub message: String,
}

impl RuleError {
    pub fn at(path: impl Into<String>, message: impl Into<String>) -> Self {
        Self { path: path.into(), message: message.into() }
    }
}

/// A pathway that cannot be registered in the graph.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum GraphError {
    #[error("{path}: unknown achievement {id}")]
    UnknownAchievement { path: String, id: AchievementId },
    #[error("{path}: unknown pathway {id}")]
    UnknownPathway { path: String, id: PathwayId },
    #[error("award: achievement {id} does not belong to the pathway's organisation")]
    AwardNotOwned { id: AchievementId },
    #[error("the rule would close a cycle: {}", cycle.join(" -> "))]
    Cycle {
        /// Pathway keys (or ids) along the cycle, first repeated at the end.
        cycle: Vec<String>,
    },
    #[error("{path}: can never be satisfied: {reason}")]
    Unsatisfiable { path: String, reason: String },
    #[error("the rule is too large once nested pathways are included: {reason}")]
    TooLarge { reason: String },
    #[error("pathway {id} cannot be removed: pathway `{by}` requires it")]
    InUse { id: PathwayId, by: String },
    #[error("another pathway of this organisation already has the key `{key}`")]
    DuplicateKey { key: String },
}

/// An evaluation that could not be carried out.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EvalError {
    #[error("unknown pathway {0}")]
    UnknownPathway(PathwayId),
    #[error("unknown achievement {0}")]
    UnknownAchievement(AchievementId),
    #[error("the allocation search for pathway {pathway} exceeded its budget of {budget} steps; the rule is too combinatorial for these credentials")]
    BudgetExceeded { pathway: PathwayId, budget: u64 },
}
