//! The achievement catalog. An achievement's `definition` is its current
//! version; every version stays in `achievement_versions`, and each
//! credential records the version it was issued under, so its document can
//! be rendered again (a claim) exactly as it was issued.

use cairn_domain::catalog::AchievementDefinition;
use cairn_domain::{AchievementId, OrgId, UserId};
use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;

use super::connection::DbConn;
use super::error::{StoreError, StoreResult};
use super::graph_version::{self, GraphChange};
use super::schema::{achievement_skills, achievement_versions, achievements};
use super::{audit, time};

#[derive(Debug, Clone)]
pub struct Achievement {
    pub id: AchievementId,
    pub org: OrgId,
    pub definition: AchievementDefinition,
    pub created_at: DateTime<Utc>,
    /// The version `definition` is (1 when created).
    pub version: i64,
    /// Set once retired: nothing new is issued of it.
    pub retired_at: Option<DateTime<Utc>>,
}

/// One version of an achievement's definition.
#[derive(Debug, Clone)]
pub struct Version {
    pub version: i64,
    pub definition: AchievementDefinition,
    pub created_at: DateTime<Utc>,
}

type Row = (String, String, String, NaiveDateTime, i64, Option<NaiveDateTime>);

fn corrupt(what: &str, e: &dyn std::fmt::Display) -> StoreError {
    StoreError::Corrupt(format!("achievement {what}: {e}"))
}

fn from_row((id, org, definition, created_at, version, retired_at): Row) -> StoreResult<Achievement> {
    Ok(Achievement {
        id: id.parse().map_err(|e| corrupt("id", &e))?,
        org: org.parse().map_err(|e| corrupt("org", &e))?,
        definition: serde_json::from_str(&definition).map_err(|e| corrupt("definition", &e))?,
        created_at: time::from_db(created_at),
        version,
        retired_at: retired_at.map(time::from_db),
    })
}

fn columns()
-> (achievements::id, achievements::org_id, achievements::definition, achievements::created_at, achievements::version, achievements::retired_at) {
    (achievements::id, achievements::org_id, achievements::definition, achievements::created_at, achievements::version, achievements::retired_at)
}

fn key_taken(definition: &AchievementDefinition) -> String {
    match &definition.key {
        Some(key) => format!("this institution already has an achievement with key `{}`", key.as_str()),
        None => "this institution already has an achievement with this key".into(),
    }
}

fn to_json(definition: &AchievementDefinition) -> StoreResult<String> {
    serde_json::to_string(definition).map_err(|e| StoreError::Corrupt(e.to_string()))
}

fn insert_version(conn: &mut DbConn, id: AchievementId, version: i64, json: &str, at: DateTime<Utc>) -> StoreResult<()> {
    diesel::insert_into(achievement_versions::table)
        .values((
            achievement_versions::achievement_id.eq(id.to_string()),
            achievement_versions::version.eq(version),
            achievement_versions::definition.eq(json),
            achievement_versions::created_at.eq(time::to_db(at)),
        ))
        .execute(conn)
        // Only a concurrent writer of the same version can collide here.
        .map_err(|e| StoreError::conflict_on_unique(e, concurrent_update().to_string()))?;
    Ok(())
}

fn concurrent_update() -> StoreError {
    StoreError::Conflict("the achievement was changed by a concurrent request; read it again and retry".into())
}

pub fn insert(
    conn: &mut DbConn,
    org: OrgId,
    definition: AchievementDefinition,
    actor: UserId,
    now: chrono::DateTime<chrono::Utc>,
) -> StoreResult<Achievement> {
    let achievement = Achievement { id: AchievementId::new(), org, definition, created_at: now, version: 1, retired_at: None };
    let json = to_json(&achievement.definition)?;
    diesel::insert_into(achievements::table)
        .values((
            achievements::id.eq(achievement.id.to_string()),
            achievements::org_id.eq(org.to_string()),
            achievements::definition.eq(&json),
            achievements::name.eq(achievement.definition.name.as_str()),
            achievements::achievement_type.eq(achievement.definition.achievement_type.as_str()),
            achievements::created_at.eq(time::to_db(achievement.created_at)),
            achievements::version.eq(1i64),
            achievements::achievement_key.eq(achievement.definition.key.as_ref().map(|k| k.as_str())),
        ))
        .execute(conn)
        .map_err(|e| StoreError::conflict_on_unique(e, key_taken(&achievement.definition)))?;
    insert_version(conn, achievement.id, 1, &json, now)?;
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

/// The achievement of `org` with this key.
pub fn by_key(conn: &mut DbConn, org: OrgId, key: &str) -> StoreResult<Option<Achievement>> {
    achievements::table
        .filter(achievements::org_id.eq(org.to_string()))
        .filter(achievements::achievement_key.eq(key))
        .select(columns())
        .first::<Row>(conn)
        .optional()
        .map_err(StoreError::from_query)?
        .map(from_row)
        .transpose()
}

/// The achievement as it was at `version` (what a credential issued under
/// that version shows); `version` and the definition are that version's,
/// the rest is current.
pub fn find_version(conn: &mut DbConn, id: AchievementId, version: i64) -> StoreResult<Option<Achievement>> {
    let Some(mut achievement) = find(conn, id)? else { return Ok(None) };
    if achievement.version == version {
        return Ok(Some(achievement));
    }
    let Some(json) = achievement_versions::table
        .find((id.to_string(), version))
        .select(achievement_versions::definition)
        .first::<String>(conn)
        .optional()
        .map_err(StoreError::from_query)?
    else {
        return Ok(None);
    };
    achievement.definition = serde_json::from_str(&json).map_err(|e| corrupt("version", &e))?;
    achievement.version = version;
    Ok(Some(achievement))
}

/// Every version of an achievement, oldest first.
pub fn versions(conn: &mut DbConn, id: AchievementId) -> StoreResult<Vec<Version>> {
    achievement_versions::table
        .filter(achievement_versions::achievement_id.eq(id.to_string()))
        .order(achievement_versions::version.asc())
        .select((achievement_versions::version, achievement_versions::definition, achievement_versions::created_at))
        .load::<(i64, String, NaiveDateTime)>(conn)
        .map_err(StoreError::from_query)?
        .into_iter()
        .map(|(version, json, at)| {
            Ok(Version { version, definition: serde_json::from_str(&json).map_err(|e| corrupt("version", &e))?, created_at: time::from_db(at) })
        })
        .collect()
}

/// Makes `definition` the current version of `current` (one more than
/// its version). Conditional on `current.version`: a concurrent update that
/// got there first makes this one a conflict that writes nothing.
pub fn update(
    conn: &mut DbConn,
    current: &Achievement,
    definition: AchievementDefinition,
    actor: UserId,
    now: DateTime<Utc>,
) -> StoreResult<Achievement> {
    let version = current.version + 1;
    let json = to_json(&definition)?;
    let updated = diesel::update(achievements::table.find(current.id.to_string()).filter(achievements::version.eq(current.version)))
        .set((
            achievements::definition.eq(&json),
            achievements::name.eq(definition.name.as_str()),
            achievements::achievement_type.eq(definition.achievement_type.as_str()),
            achievements::version.eq(version),
            achievements::achievement_key.eq(definition.key.as_ref().map(|k| k.as_str())),
        ))
        .execute(conn)
        .map_err(|e| StoreError::conflict_on_unique(e, key_taken(&definition)))?;
    if updated == 0 {
        return Err(concurrent_update());
    }
    insert_version(conn, current.id, version, &json, now)?;
    diesel::delete(achievement_skills::table.filter(achievement_skills::achievement_id.eq(current.id.to_string())))
        .execute(conn)
        .map_err(StoreError::from_query)?;
    super::skills::index_achievement(conn, current.id, &definition)?;
    graph_version::bump(conn, GraphChange::Achievement(current.id), now)?;
    audit::record(
        conn,
        audit::Entry::new(audit::Action::AchievementUpdate, "achievement", current.id.to_string())
            .at(now)
            .actor(actor)
            .org(current.org)
            .detail(serde_json::json!({ "name": definition.name, "version": version })),
    )?;
    Ok(Achievement { definition, version, ..current.clone() })
}

/// Retires `current` at `now`; already retired, it is returned unchanged
/// (retiring is idempotent and audited once).
pub fn retire(conn: &mut DbConn, current: &Achievement, actor: UserId, now: DateTime<Utc>) -> StoreResult<Achievement> {
    if current.retired_at.is_some() {
        return Ok(current.clone());
    }
    let updated = diesel::update(achievements::table.find(current.id.to_string()).filter(achievements::retired_at.is_null()))
        .set(achievements::retired_at.eq(Some(time::to_db(now))))
        .execute(conn)
        .map_err(StoreError::from_query)?;
    if updated == 0 {
        // Retired by a concurrent request: that one's instant stands.
        return find(conn, current.id)?.ok_or(StoreError::NotFound("achievement"));
    }
    audit::record(
        conn,
        audit::Entry::new(audit::Action::AchievementRetire, "achievement", current.id.to_string())
            .at(now)
            .actor(actor)
            .org(current.org)
            .detail(serde_json::json!({ "name": current.definition.name, "version": current.version })),
    )?;
    Ok(Achievement { retired_at: Some(now), ..current.clone() })
}
