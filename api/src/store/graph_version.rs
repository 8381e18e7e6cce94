//! The pathway graph's version (tables `graph_version`, `graph_changes`):
//! bumped in the transaction of every change to pathways or the catalog, so
//! every node sees another node's change at its next read.

use cairn_domain::{AchievementId, PathwayId};
use chrono::{DateTime, Utc};
use diesel::prelude::*;

use super::connection::DbConn;
use super::error::{StoreError, StoreResult};
use super::schema::{graph_changes, graph_version};
use super::time;

/// Which graph a reader saw: `version` orders changes, `token` names the
/// graph (a new one at every bump, so a number reused after a rolled-back
/// bump never matches a cache built inside that transaction).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stamp {
    pub version: i64,
    pub token: String,
}

/// What one bump changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GraphChange {
    Pathway(PathwayId),
    Achievement(AchievementId),
}

pub fn current(conn: &mut DbConn) -> StoreResult<Stamp> {
    let (version, token) = graph_version::table
        .find(1)
        .select((graph_version::version, graph_version::token))
        .first::<(i64, String)>(conn)
        .map_err(StoreError::from_query)?;
    Ok(Stamp { version, token })
}

/// Records `change` as the next version. The update takes the row's lock
/// until the transaction ends, so versions commit in order.
pub fn bump(conn: &mut DbConn, change: GraphChange, now: DateTime<Utc>) -> StoreResult<i64> {
    diesel::update(graph_version::table.find(1))
        .set((graph_version::version.eq(graph_version::version + 1), graph_version::token.eq(uuid::Uuid::new_v4().to_string())))
        .execute(conn)
        .map_err(StoreError::from_query)?;
    let version = current(conn)?.version;
    let (pathway, achievement) = match change {
        GraphChange::Pathway(id) => (Some(id.to_string()), None),
        GraphChange::Achievement(id) => (None, Some(id.to_string())),
    };
    diesel::insert_into(graph_changes::table)
        .values((
            graph_changes::version.eq(version),
            graph_changes::pathway_id.eq(pathway),
            graph_changes::achievement_id.eq(achievement),
            graph_changes::changed_at.eq(time::to_db(now)),
        ))
        .execute(conn)
        .map_err(StoreError::from_query)?;
    Ok(version)
}

/// The changes after `version`, oldest first.
pub fn changes_since(conn: &mut DbConn, version: i64) -> StoreResult<Vec<GraphChange>> {
    let rows: Vec<(Option<String>, Option<String>)> = graph_changes::table
        .filter(graph_changes::version.gt(version))
        .order(graph_changes::version.asc())
        .select((graph_changes::pathway_id, graph_changes::achievement_id))
        .load(conn)
        .map_err(StoreError::from_query)?;
    let corrupt = |e: cairn_domain::ids::InvalidId| StoreError::Corrupt(format!("graph change id: {e}"));
    rows.into_iter()
        .filter_map(|row| match row {
            (Some(p), _) => Some(p.parse().map(GraphChange::Pathway).map_err(corrupt)),
            (None, Some(a)) => Some(a.parse().map(GraphChange::Achievement).map_err(corrupt)),
            (None, None) => None,
        })
        .collect()
}
