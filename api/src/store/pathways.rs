//! Pathways (stacking rules), their versions, and the awards they produced.

use cairn_domain::{CredentialId, OrgId, PathwayId, UserId};
use cairn_stacking::{Pathway, PathwayRule};
use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;

use super::connection::DbConn;
use super::error::{StoreError, StoreResult};
use super::graph_version::{self, GraphChange};
use super::schema::{awards, pathway_versions, pathways};
use super::{audit, time};

#[derive(Debug, Clone)]
pub struct StoredPathway {
    pub pathway: Pathway,
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

type Row = (String, String, String, i64, String, NaiveDateTime, NaiveDateTime);

fn columns() -> (pathways::id, pathways::org_id, pathways::pathway_key, pathways::version, pathways::rule, pathways::created_at, pathways::updated_at)
{
    (pathways::id, pathways::org_id, pathways::pathway_key, pathways::version, pathways::rule, pathways::created_at, pathways::updated_at)
}

fn from_row((id, org, _key, version, rule, created_at, updated_at): Row) -> StoreResult<StoredPathway> {
    let corrupt = |what: &str, e: &dyn std::fmt::Display| StoreError::Corrupt(format!("pathway {what}: {e}"));
    Ok(StoredPathway {
        pathway: Pathway {
            id: id.parse().map_err(|e| corrupt("id", &e))?,
            issuer: org.parse().map_err(|e| corrupt("org", &e))?,
            rule: PathwayRule::from_json(&rule).map_err(|e| corrupt("rule", &e))?,
        },
        version,
        created_at: time::from_db(created_at),
        updated_at: time::from_db(updated_at),
    })
}

pub fn insert(conn: &mut DbConn, pathway: &Pathway, actor: UserId, now: DateTime<Utc>) -> StoreResult<StoredPathway> {
    let rule = pathway.rule.to_value().to_string();
    diesel::insert_into(pathways::table)
        .values((
            pathways::id.eq(pathway.id.to_string()),
            pathways::org_id.eq(pathway.issuer.to_string()),
            pathways::pathway_key.eq(&pathway.rule.key),
            pathways::version.eq(1i64),
            pathways::rule.eq(&rule),
            pathways::created_at.eq(time::to_db(now)),
            pathways::updated_at.eq(time::to_db(now)),
        ))
        .execute(conn)
        .map_err(|e| StoreError::conflict_on_unique(e, format!("this institution already has a pathway with key `{}`", pathway.rule.key)))?;
    insert_version(conn, pathway.id, 1, &rule, now)?;
    graph_version::bump(conn, GraphChange::Pathway(pathway.id), now)?;
    audit::record(
        conn,
        audit::Entry::new(audit::Action::PathwayRegister, "pathway", pathway.id.to_string())
            .at(now)
            .actor(actor)
            .org(pathway.issuer)
            .detail(serde_json::json!({ "key": pathway.rule.key, "version": 1 })),
    )?;
    Ok(StoredPathway { pathway: pathway.clone(), version: 1, created_at: now, updated_at: now })
}

fn insert_version(conn: &mut DbConn, id: PathwayId, version: i64, rule: &str, at: DateTime<Utc>) -> StoreResult<()> {
    diesel::insert_into(pathway_versions::table)
        .values((
            pathway_versions::pathway_id.eq(id.to_string()),
            pathway_versions::version.eq(version),
            pathway_versions::rule.eq(rule),
            pathway_versions::created_at.eq(time::to_db(at)),
        ))
        .execute(conn)
        // Only a concurrent writer of the same version can collide here.
        .map_err(|e| StoreError::conflict_on_unique(e, concurrent_update().to_string()))?;
    Ok(())
}

fn concurrent_update() -> StoreError {
    StoreError::Conflict("the pathway was changed by a concurrent request; read it again and retry".into())
}

/// Replaces the rule of `current` with a new version; earlier versions stay
/// readable and awards keep the version they were earned under. The update
/// is conditional on `current.version`: when a concurrent update got there
/// first, this one is a conflict (409) and writes nothing, so versions stay
/// contiguous.
pub fn update(conn: &mut DbConn, current: &StoredPathway, pathway: &Pathway, actor: UserId, now: DateTime<Utc>) -> StoreResult<StoredPathway> {
    let version = current.version + 1;
    let rule = pathway.rule.to_value().to_string();
    let updated = diesel::update(pathways::table.find(pathway.id.to_string()).filter(pathways::version.eq(current.version)))
        .set((
            pathways::pathway_key.eq(&pathway.rule.key),
            pathways::version.eq(version),
            pathways::rule.eq(&rule),
            pathways::updated_at.eq(time::to_db(now)),
        ))
        .execute(conn)
        .map_err(|e| StoreError::conflict_on_unique(e, format!("this institution already has a pathway with key `{}`", pathway.rule.key)))?;
    if updated == 0 {
        return Err(concurrent_update());
    }
    insert_version(conn, pathway.id, version, &rule, now)?;
    graph_version::bump(conn, GraphChange::Pathway(pathway.id), now)?;
    audit::record(
        conn,
        audit::Entry::new(audit::Action::PathwayUpdate, "pathway", pathway.id.to_string())
            .at(now)
            .actor(actor)
            .org(pathway.issuer)
            .detail(serde_json::json!({ "key": pathway.rule.key, "version": version })),
    )?;
    Ok(StoredPathway { pathway: pathway.clone(), version, created_at: current.created_at, updated_at: now })
}

pub fn find(conn: &mut DbConn, id: PathwayId) -> StoreResult<Option<StoredPathway>> {
    pathways::table.find(id.to_string()).select(columns()).first::<Row>(conn).optional().map_err(StoreError::from_query)?.map(from_row).transpose()
}

pub fn all(conn: &mut DbConn) -> StoreResult<Vec<StoredPathway>> {
    pathways::table.select(columns()).order(pathways::id.asc()).load::<Row>(conn).map_err(StoreError::from_query)?.into_iter().map(from_row).collect()
}

pub fn list(conn: &mut DbConn, org: OrgId, after: Option<PathwayId>, limit: i64) -> StoreResult<Vec<StoredPathway>> {
    let mut query =
        pathways::table.filter(pathways::org_id.eq(org.to_string())).select(columns()).order(pathways::id.asc()).limit(limit).into_boxed();
    if let Some(after) = after {
        query = query.filter(pathways::id.gt(after.to_string()));
    }
    query.load::<Row>(conn).map_err(StoreError::from_query)?.into_iter().map(from_row).collect()
}

#[derive(Debug, Clone)]
pub struct Award {
    pub pathway: PathwayId,
    pub learner: UserId,
    pub version: i64,
    pub credential: CredentialId,
}

pub fn find_award(conn: &mut DbConn, pathway: PathwayId, learner: UserId) -> StoreResult<Option<Award>> {
    let row: Option<(i64, String)> = awards::table
        .find((pathway.to_string(), learner.to_string()))
        .select((awards::pathway_version, awards::credential_id))
        .first(conn)
        .optional()
        .map_err(StoreError::from_query)?;
    row.map(|(version, credential)| {
        Ok(Award { pathway, learner, version, credential: credential.parse().map_err(|e| StoreError::Corrupt(format!("award credential: {e}")))? })
    })
    .transpose()
}

pub fn awards_of(conn: &mut DbConn, learner: UserId) -> StoreResult<Vec<Award>> {
    let rows: Vec<(String, i64, String)> = awards::table
        .filter(awards::learner_id.eq(learner.to_string()))
        .select((awards::pathway_id, awards::pathway_version, awards::credential_id))
        .order(awards::created_at.asc())
        .load(conn)
        .map_err(StoreError::from_query)?;
    rows.into_iter()
        .map(|(pathway, version, credential)| {
            let corrupt = |e: &dyn std::fmt::Display| StoreError::Corrupt(format!("award: {e}"));
            Ok(Award {
                pathway: pathway.parse().map_err(|e| corrupt(&e))?,
                learner,
                version,
                credential: credential.parse().map_err(|e| corrupt(&e))?,
            })
        })
        .collect()
}

/// Records an award; a second award of the same pathway to the same learner
/// is a conflict (the primary key), which callers treat as "already awarded".
pub fn insert_award(conn: &mut DbConn, award: &Award, now: DateTime<Utc>) -> StoreResult<()> {
    diesel::insert_into(awards::table)
        .values((
            awards::pathway_id.eq(award.pathway.to_string()),
            awards::learner_id.eq(award.learner.to_string()),
            awards::pathway_version.eq(award.version),
            awards::credential_id.eq(award.credential.to_string()),
            awards::created_at.eq(time::to_db(now)),
        ))
        .execute(conn)
        .map_err(|e| StoreError::conflict_on_unique(e, "already awarded"))?;
    Ok(())
}
