//! Pathways (stacking rules), dry runs, award reviews, following.

pub mod create;
pub mod dry_run;
pub mod following;
pub mod get;
pub mod reviews;
pub mod update;

use cairn_stacking::PathwayRule;

use crate::http::problem::ApiResult;

/// Parses a rule body; errors name the JSON path in the rule.
pub fn parse_rule(body: serde_json::Value) -> ApiResult<PathwayRule> {
    PathwayRule::from_value(body).map_err(|e| crate::http::extract::invalid_at(&e.path, &e.message))
}
