//! Cairn's stacking engine: the rule language of DESIGN.md, the pathway
//! graph, exact evaluation with explanations, and a completion planner.
//!
//! Pure: no IO and no clock. The service loads the catalog and pathways into
//! a [`PathwayGraph`] (validating each pathway at registration, semantic 7),
//! then evaluates a learner's [`CredentialFact`]s at an instant.
//!
//! ```
//! use cairn_domain::{AchievementId, AchievementType, CredentialId, OrgId, PathwayId};
//! use cairn_stacking::{evaluate, CatalogEntry, CredentialFact, Pathway, PathwayGraph, PathwayRule, Status};
//! use chrono::{TimeZone, Utc};
//!
//! let org = OrgId::new();
//! let entry = |t| CatalogEntry { id: AchievementId::new(), issuer: org, achievement_type: t,
//!     tags: vec![], skills: vec![], level: None, credits: None };
//! let micro: Vec<CatalogEntry> = (0..3).map(|_| entry(AchievementType::MicroCredential)).collect();
//! let award = entry(AchievementType::Award);
//! let rule = PathwayRule::from_json(&format!(r#"{{
//!     "key": "pla", "name": "Professional Learning Award", "award": "{}",
//!     "requirement": {{"type": "count", "min": 3, "within": "P3Y",
//!                      "where": {{"achievement_type": "MicroCredential"}}}}}}"#, award.id)).unwrap();
//! let pathway = Pathway { id: PathwayId::new(), issuer: org, rule };
//! let mut catalog = micro.clone();
//! catalog.push(award);
//! let graph = PathwayGraph::build(catalog, [pathway.clone()]).unwrap(); // a 422 on Err
//!
//! let at = |y| Utc.with_ymd_and_hms(y, 6, 1, 0, 0, 0).unwrap();
//! let creds: Vec<CredentialFact> = micro.iter().enumerate()
//!     .map(|(i, m)| CredentialFact::earned(CredentialId::new(), m.id, at(2020 + i as i32)))
//!     .collect();
//! let outcome = evaluate(&graph, pathway.id, &creds, at(2024)).unwrap();
//! assert_eq!(outcome.status, Status::Complete);
//! assert_eq!(outcome.completed_at, Some(at(2022)));
//! let json = serde_json::to_value(&outcome).unwrap(); // the DESIGN.md Outcome JSON
//! assert_eq!(json["status"], "complete");
//! ```
//!
//! What the service calls:
//! - registration: [`PathwayRule::from_json`] (errors name the JSON path),
//!   then [`PathwayGraph::check`] / [`PathwayGraph::register`] ([`GraphError`]);
//! - `GET /v1/pathways/{id}/graph`: [`PathwayGraph::to_json`] / [`PathwayGraph::to_dot`];
//! - progress: [`evaluate`], [`evaluate_with`], [`evaluate_all`];
//! - what-if: [`what_if`], [`what_if_all`];
//! - after issue/revoke: [`PathwayGraph::affected_by_achievement`], then
//!   [`evaluate_with`] (automatic awards) or [`check_award`] (semantic 9).
//!
//! Decisions where DESIGN.md is silent:
//! - `credits` counts each achievement once, like `count` (retaking a course
//!   does not earn its credits twice); the most valuable credential of an
//!   achievement is the one that can count.
//! - A rolling window holds when latest award ≤ earliest award + duration
//!   (inclusive, calendar arithmetic of [`cairn_domain::IsoDuration`]).
//! - Nested pathways are inlined: a `pathway` node holds when the nested rule
//!   holds with credentials the rest of the parent does not use.
//! - A pathway's selectors never count its own award. Cycles are detected
//!   over `pathway` nodes and selectors naming another pathway's award by id.
//! - For an incomplete pathway, each node of the explanation shows what the
//!   learner's credentials give it on its own (two nodes may show the same
//!   credential); progress is computed from those views and capped at 0.99.

mod allocate;
mod compile;
mod eligibility;
mod error;
mod evaluate;
mod graph;
mod input;
pub mod limits;
mod outcome;
mod plan;
mod problem;
mod progress;
mod rule;
mod selector;
mod value;

pub use eligibility::{Eligibility, is_eligible};
pub use error::{EvalError, GraphError, RuleError};
pub use evaluate::{
    AwardAction, AwardCheck, EvalOptions, PathwayOutcomes, check_award, evaluate, evaluate_all, evaluate_with,
    hypothetical_credential_id, what_if, what_if_all,
};
pub use graph::{EdgeKind, GraphNode, PathwayGraph};
pub use input::{CatalogEntry, CredentialFact, Pathway};
pub use outcome::{Explanation, Measure, NextStep, Outcome, Status};
pub use rule::{
    Conversions, Issuance, OnConstituentRevoked, PathwayRule, Requirement, RequirementKind, Selector,
};
pub use selector::matches_entry;
pub use value::convert_credits;
