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
//! let entry = |t| CatalogEntry { id: AchievementId::new(), name: String::new(), issuer: org, achievement_type: t,
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
//! - after issue/suspend/reinstate/revoke: [`PathwayGraph::affected_by_achievement`],
//!   then [`evaluate_with`] (automatic awards) and [`award_standing`]
//!   (semantic 9: the status an issued award should have, one rule both ways).
//!
//! Decisions where DESIGN.md is silent:
//! - `credits` counts each achievement once, like `count` (retaking a course
//!   does not earn its credits twice); the most valuable credential of an
//!   achievement is the one that can count. Credentials without credits, or
//!   in a unit with no direct conversion, give nothing to a `credits` node.
//! - A rolling window holds when latest award ≤ earliest award + duration
//!   (inclusive, calendar arithmetic of [`cairn_domain::IsoDuration`]).
//!   `earned_after` is inclusive, `earned_before` exclusive.
//! - Nested pathways are inlined: a `pathway` node holds when the nested rule
//!   holds with credentials the rest of the parent does not use.
//! - A pathway's selectors never count its own award. Cycles are detected
//!   over `pathway` nodes and selectors naming another pathway's award by id
//!   (not broad selectors, which would make "3 badges of this issuer" a
//!   cycle as soon as the issuer's awards are badges).
//! - Unsatisfiable at registration: `count.min` above the matching catalog
//!   achievements; a `credits` selector that matches no catalog achievement
//!   (the catalog amounts are no upper bound: an issuer may record
//!   `credits_earned` in any amount and unit, and evaluation honours it);
//!   `all`/`any`/`at_least` whose children cannot reach their minimum; and
//!   `earned_after` / `earned_before` dates that cannot lie in the `within`
//!   windows above them, nested pathways included (`feasibility`: every
//!   choice among alternatives is judged on its own, up to 16 per node and
//!   64 subsets per `at_least`, beyond which the loosest counts). Updating a
//!   nested pathway so that a pathway nesting it can no longer hold is
//!   refused too.
//! - An incomplete pathway is explained by its best partial allocation: the
//!   assignment of credentials to leaves (each credential once) with the
//!   most progress, first among equals; `have`, `used`, `satisfied` and
//!   progress all come from it (under `within` the best window, ties to the
//!   later one). Beyond [`limits::MAX_PARTIAL_CHOICES`] combinations of
//!   shared credentials, each node is shown on its own. Progress is capped
//!   at 0.99 and floored to 4 decimals (monotone maps), and is 1 only when
//!   complete. For a complete pathway, nodes the allocation uses show its
//!   credentials; unused alternatives show their own view with `used: []`.
//! - Every node has a label: the author's, or one generated from the rule
//!   with catalog and pathway names ("3 micro-credentials within 3 years");
//!   outcomes carry the pathway's name and key; `candidates` and `next` keep
//!   their id lists and gain parallel name lists (`candidate_names`, `names`).
//! - `next`: completing sets first, then single achievements that raise
//!   progress; fewest achievements, then fewest credits, then achievements
//!   not held yet, then id; at most [`limits::MAX_NEXT`].
//! - Hypothetical credentials (what-if, planner) are awarded at `at`, never
//!   expire and carry the catalog credits.
//! - Guard rails ([`limits`]): rule depth, width and size, nesting depth and
//!   inlined size (rejected at registration), a per-search step budget and a
//!   cap on credentials per allocation ([`EvalError::BudgetExceeded`]).
//! - Credential ids are assumed unique; inputs are sorted internally, so the
//!   order of credentials never changes an outcome.
//!
//! Where each part of the rule language (DESIGN.md) is implemented:
//!
//! | rule language | item |
//! |---|---|
//! | 1. eligibility at `at` | [`is_eligible`], [`Eligibility`] (`eligibility`) |
//! | 2. a credential fills one slot; nested pathways consume theirs | `allocate::Search` (takes each credential once), `compile` (inlines nested pathways), `partial::best_partial` (in progress) |
//! | 3. `count` counts distinct achievements | `problem::Problem` (a leaf's credentials grouped by achievement), the `count` branch of `allocate` |
//! | 4. `within` as a rolling window | `allocate` (branches over where each window starts), `problem::Problem::window_end`, `progress::Views` (best window) |
//! | 5. the satisfying allocation is found | `allocate::Search` (exact search), `hall::Matching` and `allocate::bounds` (exact pruning) |
//! | 6. `completed_at` is the earliest instant | `allocate::Search::run` (smallest date threshold with a solution) |
//! | 7. cycles, unknown ids, unsatisfiable rules refused | [`PathwayGraph::check`], [`PathwayGraph::register`] (`graph`), `feasibility`, [`GraphError`] |
//! | 8. deterministic | `problem::Learner` (inputs in (date, id) order), tie-breaks in `allocate`, `partial` and `plan` |
//! | 9. revocation cascade, expiry never revokes | [`check_award`], [`award_standing`] (`evaluate`) |
//! | `all`, `any`, `at_least`, `count`, `credits`, `pathway` | [`RequirementKind`] (parsed and checked in `rule`), `compile::CKind` |
//! | `credits` units and `conversions` | [`convert_credits`], [`Conversions`] (`value`) |
//! | `label`, `within` on every node | [`Requirement`]; generated labels in `label` |
//! | selector `achievement`, `achievements`, `issuer`, `achievement_type`, `tags`, `skill`, `min_level` | [`Selector`], [`matches_entry`] (resolved once per rule: `selector::Matcher::resolve`) |
//! | selector `earned_after`, `earned_before` | `selector::Matcher::matches_time` (per credential, in `problem::Problem::new`) |
//! | `progress` (need-weighted means, best window) | `progress::Views`, `partial` (one allocation), `evaluate::final_progress` (cap and floor) |
//! | `next` | `plan::next_steps` |
//! | outcome JSON, names and labels | [`Outcome`], [`Explanation`], [`NextStep`], [`Measure`] (`outcome`) |

mod allocate;
mod bits;
mod compile;
mod eligibility;
mod error;
mod evaluate;
mod feasibility;
mod graph;
mod hall;
mod horizon;
mod input;
mod label;
pub mod limits;
#[cfg(feature = "openapi")]
mod openapi;
mod outcome;
mod partial;
mod plan;
mod problem;
mod progress;
mod rule;
mod selector;
mod value;

pub use eligibility::{Eligibility, is_eligible};
pub use error::{EvalError, GraphError, RuleError};
pub use evaluate::{
    AwardAction, AwardCheck, AwardStanding, EvalOptions, PathwayOutcomes, award_standing, check_award, evaluate, evaluate_all, evaluate_with,
    what_if, what_if_all,
};
pub use graph::{EdgeKind, GraphNode, PathwayGraph};
pub use horizon::stable_until;
pub use input::{CatalogEntry, CredentialFact, Pathway, hypothetical_credential_id};
pub use outcome::{Explanation, Measure, NextStep, Outcome, Status};
pub use rule::{Conversions, Issuance, OnConstituentRevoked, PathwayRule, Requirement, RequirementKind, Selector};
pub use selector::matches_entry;
pub use value::convert_credits;
