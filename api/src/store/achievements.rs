//! The achievement catalog.

use cairn_domain::catalog::AchievementDefinition;
use cairn_domain::{AchievementId, OrgId, UserId};
use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;

use super::connection::DbConn;
use super::error::{StoreError, StoreResult};
use super::graph_version::{self, GraphChange};
use super::schema::achievements;
use super::{audit, time};

#[derive(Debug, Clone)]
pub struct Achievement {
    pub id: AchievementId,
    pub org: OrgId,
    pub definition: AchievementDefinition,
    pub created_at: DateTime<Utc>,
}

type Row = (String, String, String, NaiveDateTime);

fn from_row((id, org, definition, created_at): Row) -> StoreResult<Achievement> {
    let corrupt = |what: &str, e: &dyn std::fmt::Display| StoreError::Corrupt(format!("achievement {what}: {e}"));
    Ok(Achievement {
        id: id.parse().map_err(|e| corrupt("id", &e))?,
        org: org.parse().map_err(|e| corrupt("org", &e))?,
        definition: serde_json::from_str(&definition).map_err(|e| corrupt("definition", &e))?,
        created_at: time::from_db(created_at),
    })
}

fn columns() -> (achievements::id, achievements::org_id, achievements::definition, achievements::created_at) {
    (achievements::id, achievements::org_id, achievements::definition, achievements::created_at)
}

pub fn insert(
    conn: &mut DbConn,
    org: OrgId,
    definition: AchievementDefinition,
    actor: UserId,
    now: chrono::DateTime<chrono::Utc>,
) -> StoreResult<Achievement> {
    let achievement = Achievement { id: AchievementId::new(), org, definition, created_at: now };
    let json = serde_json::to_string(&achievement.definition).map_err(|e| StoreError::Corrupt(e.to_string()))?;
    diesel::insert_into(achievements::table)
        .values((
            achievements::id.eq(achievement.id.to_string()),
            achievements::org_id.eq(org.to_string()),
            achievements::definition.eq(json),
            achievements::name.eq(achievement.definition.name.as_str()),
            achievements::achievement_type.eq(achievement.definition.achievement_type.as_str()),
            achievements::created_at.eq(time::to_db(achievement.created_at)),
        ))
        .execute(conn)
        .map_err(StoreError::from_query)?;
    super::skills::index_achievement(conn, achievement.id, &achievement.definition)?;
    graph_version::bump(conn, GraphChange::Achievement(achievement.id), now)?;
    audit::record(
        conn,
        audit::Entry::new(audit::Action::AchievementCreate, "achievement", achievement.id.to_string())
            .at(now)
            .actor(actor)
            .org(org)
            .detail(serde_json::json!({ "name": achievement.definition.name })),
    )?;
    Ok(achievement)
}

pub fn find(conn: &mut DbConn, id: AchievementId) -> StoreResult<Option<Achievement>> {
    achievements::table
        .find(id.to_string())
        .select(columns())
        .first::<Row>(conn)
        .optional()
        .map_err(StoreError::from_query)?
        .map(from_row)
        .transpose()
}

/// Several achievements by id (unknown ids are skipped).
pub fn find_many(conn: &mut DbConn, ids: &[AchievementId]) -> StoreResult<Vec<Achievement>> {
    let ids: Vec<String> = ids.iter().map(ToString::to_string).collect();
    achievements::table
        .filter(achievements::id.eq_any(ids))
        .select(columns())
        .load::<Row>(conn)
        .map_err(StoreError::from_query)?
        .into_iter()
        .map(from_row)
        .collect()
}

pub fn list(conn: &mut DbConn, org: OrgId, after: Option<AchievementId>, limit: i64) -> StoreResult<Vec<Achievement>> {
    let mut query = achievements::table
        .filter(achievements::org_id.eq(org.to_string()))
        .select(columns())
        .order(achievements::id.asc())
        .limit(limit)
        .into_boxed();
    if let Some(after) = after {
        query = query.filter(achievements::id.gt(after.to_string()));
    }
    query.load::<Row>(conn).map_err(StoreError::from_query)?.into_iter().map(from_row).collect()
}

/// The whole catalog (every institution), for the pathway graph.
pub fn all(conn: &mut DbConn) -> StoreResult<Vec<Achievement>> {
    achievements::table
        .select(columns())
        .order(achievements::id.asc())
        .load::<Row>(conn)
        .map_err(StoreError::from_query)?
        .into_iter()
        .map(from_row)
        .collect()
}
