//! Pathways learners follow.

use std::collections::BTreeSet;

use cairn_domain::{PathwayId, UserId};
use diesel::prelude::*;

use super::connection::DbConn;
use super::error::{StoreError, StoreResult};
use super::outcomes::{self, Mark};
use super::schema::pathway_follows;
use super::time;

/// Follows `pathway` (idempotent).
pub fn follow(conn: &mut DbConn, learner: UserId, pathway: PathwayId, now: chrono::DateTime<chrono::Utc>) -> StoreResult<()> {
    let already: i64 = pathway_follows::table
        .filter(pathway_follows::learner_id.eq(learner.to_string()))
        .filter(pathway_follows::pathway_id.eq(pathway.to_string()))
        .count()
        .get_result(conn)
        .map_err(StoreError::from_query)?;
    if already > 0 {
        return Ok(());
    }
    diesel::insert_into(pathway_follows::table)
        .values((
            pathway_follows::learner_id.eq(learner.to_string()),
            pathway_follows::pathway_id.eq(pathway.to_string()),
            pathway_follows::created_at.eq(time::to_db(now)),
        ))
        .execute(conn)
        .map_err(StoreError::from_query)?;
    outcomes::mark(conn, learner, Mark::Pathway(pathway))
}

pub fn unfollow(conn: &mut DbConn, learner: UserId, pathway: PathwayId) -> StoreResult<()> {
    diesel::delete(
        pathway_follows::table
            .filter(pathway_follows::learner_id.eq(learner.to_string()))
            .filter(pathway_follows::pathway_id.eq(pathway.to_string())),
    )
    .execute(conn)
    .map_err(StoreError::from_query)?;
    outcomes::mark(conn, learner, Mark::Pathway(pathway))
}

pub fn followed(conn: &mut DbConn, learner: UserId) -> StoreResult<BTreeSet<PathwayId>> {
    let ids: Vec<String> = pathway_follows::table
        .filter(pathway_follows::learner_id.eq(learner.to_string()))
        .select(pathway_follows::pathway_id)
        .load(conn)
        .map_err(StoreError::from_query)?;
    ids.iter().map(|id| id.parse().map_err(|e| StoreError::Corrupt(format!("followed pathway: {e:?}")))).collect()
}
