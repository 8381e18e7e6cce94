//! Guard rails: every bound the engine enforces, in one place.

/// Deepest nesting of one rule's requirement tree.
pub const MAX_RULE_DEPTH: usize = 12;
/// Most children of an `all` / `any` / `at_least` node (and ids in a selector list).
pub const MAX_CHILDREN: usize = 64;
/// Most nodes in one rule as written.
pub const MAX_RULE_NODES: usize = 256;
/// Largest `min` of a `count` node.
pub const MAX_COUNT_MIN: u64 = 256;
/// Most nodes of a rule once nested pathways are inlined.
pub const MAX_COMPILED_NODES: usize = 1024;
/// Deepest chain of nested pathways.
pub const MAX_NESTING: usize = 16;
/// Most credentials one allocation may use: the search recurses once per
/// credential taken, so this bounds its stack depth.
pub const MAX_ALLOCATED: usize = 1024;
/// Default search budget (node expansions) for one allocation search.
pub const DEFAULT_SEARCH_BUDGET: u64 = 2_000_000;
/// Most entries in an outcome's `next` list.
pub const MAX_NEXT: usize = 5;
/// Most catalog achievements the planner considers adding.
pub const MAX_PLAN_CANDIDATES: usize = 64;
/// Most combinations of shared credentials the best partial allocation of
/// an unfinished pathway searches (beyond: each node on its own, see `partial`).
pub const MAX_PARTIAL_CHOICES: usize = 4096;
