//! Pathways (stacking rules), dry runs, award reviews, following.

pub mod create;
pub mod dry_run;
pub mod following;
pub mod get;
pub mod reviews;
pub mod update;

use cairn_stacking::PathwayRule;
use serde::Serialize;
use utoipa::ToSchema;

use crate::http::jobs::JobLink;
use crate::http::problem::ApiResult;
use crate::http::views::PathwayView;

/// A pathway as registered or changed (in force at once), with the job
/// that awards the learners who already complete it.
#[derive(Debug, Serialize, ToSchema)]
pub struct PathwayWithJob {
    #[serde(flatten)]
    pub pathway: PathwayView,
    /// The back-fill: follow its `url` for learners done and awards issued.
    pub job: JobLink,
}

/// Parses a rule body; errors name the JSON path in the rule.
pub fn parse_rule(body: serde_json::Value) -> ApiResult<PathwayRule> {
    PathwayRule::from_value(body).map_err(|e| crate::http::extract::invalid_at(&e.path, &e.message))
}
