//! Stored outcomes (tables `learner_outcomes`, `outcomes`, `outcome_marks`):
//! each learner's outcomes as last settled, and the marks the store leaves
//! in the transaction of every change that can alter them.

use cairn_domain::{AchievementId, PathwayId, UserId};
use chrono::{DateTime, Utc};
use diesel::prelude::*;

use super::connection::DbConn;
use super::error::{StoreError, StoreResult};
use super::schema::{learner_outcomes, outcome_marks, outcomes};
use super::time;

/// As of which graph version the learner's outcomes were settled, and until
/// when they hold without a new event.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Header {
    pub graph_version: i64,
    pub valid_until: Option<DateTime<Utc>>,
}

/// One stored outcome: its pathway and the JSON.
#[derive(Debug, Clone)]
pub struct StoredOutcome {
    pub pathway: PathwayId,
    pub json: String,
}

/// What changed for a learner since their outcomes were settled.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Mark {
    /// A credential of this achievement was issued, claimed or changed status.
    Achievement(AchievementId),
    /// The learner followed or stopped following this pathway.
    Pathway(PathwayId),
}

impl Mark {
    fn subject(self) -> String {
        match self {
            Mark::Achievement(id) => format!("a:{id}"),
            Mark::Pathway(id) => format!("p:{id}"),
        }
    }

    fn parse(subject: &str) -> StoreResult<Self> {
        let corrupt = || StoreError::Corrupt(format!("outcome mark `{subject}`"));
        match subject.split_once(':') {
            Some(("a", id)) => Ok(Mark::Achievement(id.parse().map_err(|_| corrupt())?)),
            Some(("p", id)) => Ok(Mark::Pathway(id.parse().map_err(|_| corrupt())?)),
            _ => Err(corrupt()),
        }
    }
}

/// Leaves `mark` for `learner` (idempotent). Cheap when the learner's
/// outcomes were never settled: nothing is stored for them to go stale.
pub fn mark(conn: &mut DbConn, learner: UserId, mark: Mark) -> StoreResult<()> {
    if header(conn, learner)?.is_none() {
        return Ok(());
    }
    // A concurrent change may mark the same subject: keep the one mark.
    let sql = match conn {
        DbConn::Sqlite(_) => "INSERT INTO outcome_marks (learner_id, subject) VALUES (?, ?) ON CONFLICT DO NOTHING",
        DbConn::Postgres(_) => "INSERT INTO outcome_marks (learner_id, subject) VALUES ($1, $2) ON CONFLICT DO NOTHING",
    };
    diesel::sql_query(sql)
        .bind::<diesel::sql_types::Text, _>(learner.to_string())
        .bind::<diesel::sql_types::Text, _>(mark.subject())
        .execute(conn)
        .map_err(StoreError::from_query)?;
    Ok(())
}

pub fn marks(conn: &mut DbConn, learner: UserId) -> StoreResult<Vec<Mark>> {
    let subjects: Vec<String> = outcome_marks::table
        .filter(outcome_marks::learner_id.eq(learner.to_string()))
        .select(outcome_marks::subject)
        .load(conn)
        .map_err(StoreError::from_query)?;
    subjects.iter().map(|s| Mark::parse(s)).collect()
}

pub fn has_marks(conn: &mut DbConn, learner: UserId) -> StoreResult<bool> {
    let n: i64 =
        outcome_marks::table.filter(outcome_marks::learner_id.eq(learner.to_string())).count().get_result(conn).map_err(StoreError::from_query)?;
    Ok(n > 0)
}

pub fn header(conn: &mut DbConn, learner: UserId) -> StoreResult<Option<Header>> {
    let row: Option<(i64, Option<chrono::NaiveDateTime>)> = learner_outcomes::table
        .find(learner.to_string())
        .select((learner_outcomes::graph_version, learner_outcomes::valid_until))
        .first(conn)
        .optional()
        .map_err(StoreError::from_query)?;
    Ok(row.map(|(graph_version, valid_until)| Header { graph_version, valid_until: valid_until.map(time::from_db) }))
}

/// The learner's stored outcomes (any order).
pub fn of_learner(conn: &mut DbConn, learner: UserId) -> StoreResult<Vec<StoredOutcome>> {
    let rows: Vec<(String, String)> = outcomes::table
        .filter(outcomes::learner_id.eq(learner.to_string()))
        .select((outcomes::pathway_id, outcomes::outcome))
        .load(conn)
        .map_err(StoreError::from_query)?;
    rows.into_iter()
        .map(|(pathway, json)| {
            let pathway = pathway.parse().map_err(|e| StoreError::Corrupt(format!("stored outcome pathway: {e}")))?;
            Ok(StoredOutcome { pathway, json })
        })
        .collect()
}

/// Replaces the stored outcome of `pathway` (None: removes it).
pub fn put(conn: &mut DbConn, learner: UserId, pathway: PathwayId, outcome: Option<&str>) -> StoreResult<()> {
    let (learner, pathway) = (learner.to_string(), pathway.to_string());
    diesel::delete(outcomes::table.filter(outcomes::learner_id.eq(&learner)).filter(outcomes::pathway_id.eq(&pathway)))
        .execute(conn)
        .map_err(StoreError::from_query)?;
    if let Some(json) = outcome {
        diesel::insert_into(outcomes::table)
            .values((outcomes::learner_id.eq(learner), outcomes::pathway_id.eq(pathway), outcomes::outcome.eq(json)))
            .execute(conn)
            .map_err(StoreError::from_query)?;
    }
    Ok(())
}

/// Removes every stored outcome of the learner (before a full settle).
pub fn clear(conn: &mut DbConn, learner: UserId) -> StoreResult<()> {
    diesel::delete(outcomes::table.filter(outcomes::learner_id.eq(learner.to_string()))).execute(conn).map_err(StoreError::from_query)?;
    Ok(())
}

/// The learner's progress list as stored, with its header and whether a
/// mark waits.
pub fn body(conn: &mut DbConn, learner: UserId) -> StoreResult<Option<(Header, bool, String)>> {
    let row: Option<(i64, Option<chrono::NaiveDateTime>, String)> = learner_outcomes::table
        .find(learner.to_string())
        .select((learner_outcomes::graph_version, learner_outcomes::valid_until, learner_outcomes::body))
        .first(conn)
        .optional()
        .map_err(StoreError::from_query)?;
    let Some((graph_version, valid_until, body)) = row else { return Ok(None) };
    let marked = has_marks(conn, learner)?;
    Ok(Some((Header { graph_version, valid_until: valid_until.map(time::from_db) }, marked, body)))
}

/// The stored outcome of one pathway.
pub fn one(conn: &mut DbConn, learner: UserId, pathway: PathwayId) -> StoreResult<Option<String>> {
    outcomes::table
        .filter(outcomes::learner_id.eq(learner.to_string()))
        .filter(outcomes::pathway_id.eq(pathway.to_string()))
        .select(outcomes::outcome)
        .first(conn)
        .optional()
        .map_err(StoreError::from_query)
}

/// Records the learner's outcomes as settled: at graph `header.graph_version`,
/// holding until `header.valid_until`, with no change left to apply, and
/// `body` the progress list they make.
pub fn settled(conn: &mut DbConn, learner: UserId, header: Header, body: &str, now: DateTime<Utc>) -> StoreResult<()> {
    let id = learner.to_string();
    diesel::delete(outcome_marks::table.filter(outcome_marks::learner_id.eq(&id))).execute(conn).map_err(StoreError::from_query)?;
    diesel::delete(learner_outcomes::table.find(&id)).execute(conn).map_err(StoreError::from_query)?;
    diesel::insert_into(learner_outcomes::table)
        .values((
            learner_outcomes::learner_id.eq(id),
            learner_outcomes::graph_version.eq(header.graph_version),
            learner_outcomes::valid_until.eq(header.valid_until.map(time::to_db)),
            learner_outcomes::computed_at.eq(time::to_db(now)),
            learner_outcomes::body.eq(body),
        ))
        .execute(conn)
        .map_err(StoreError::from_query)?;
    Ok(())
}
