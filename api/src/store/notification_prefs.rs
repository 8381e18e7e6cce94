//! Which mail each learner wants, per kind. No row: every kind.

use std::collections::HashMap;

use cairn_domain::UserId;
use chrono::{DateTime, Utc};
use diesel::prelude::*;

use super::connection::DbConn;
use super::error::{StoreError, StoreResult};
use super::schema::notification_preferences as prefs;
use super::time;

/// A learner's choice; `Default` is what a learner who never chose gets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Preferences {
    pub issued: bool,
    pub awards: bool,
    pub status_changes: bool,
    pub share_requests: bool,
}

impl Default for Preferences {
    fn default() -> Self {
        Self { issued: true, awards: true, status_changes: true, share_requests: true }
    }
}

type Row = (String, bool, bool, bool, bool);

fn from_row((_, issued, awards, status_changes, share_requests): Row) -> Preferences {
    Preferences { issued, awards, status_changes, share_requests }
}

pub fn find(conn: &mut DbConn, learner: UserId) -> StoreResult<Preferences> {
    let row: Option<Row> = prefs::table
        .find(learner.to_string())
        .select((prefs::user_id, prefs::issued, prefs::awards, prefs::status_changes, prefs::share_requests))
        .first(conn)
        .optional()
        .map_err(StoreError::from_query)?;
    Ok(row.map(from_row).unwrap_or_default())
}

/// The choices of `learners` who made one (the others get the default).
pub fn find_many(conn: &mut DbConn, learners: &[String]) -> StoreResult<HashMap<String, Preferences>> {
    let mut found = HashMap::new();
    for chunk in learners.chunks(500) {
        let rows: Vec<Row> = prefs::table
            .filter(prefs::user_id.eq_any(chunk))
            .select((prefs::user_id, prefs::issued, prefs::awards, prefs::status_changes, prefs::share_requests))
            .load(conn)
            .map_err(StoreError::from_query)?;
        found.extend(rows.into_iter().map(|row| (row.0.clone(), from_row(row))));
    }
    Ok(found)
}

/// Replaces `learner`'s choice.
pub fn set(conn: &mut DbConn, learner: UserId, chosen: Preferences, now: DateTime<Utc>) -> StoreResult<()> {
    let id = learner.to_string();
    diesel::delete(prefs::table.find(&id)).execute(conn).map_err(StoreError::from_query)?;
    diesel::insert_into(prefs::table)
        .values((
            prefs::user_id.eq(&id),
            prefs::issued.eq(chosen.issued),
            prefs::awards.eq(chosen.awards),
            prefs::status_changes.eq(chosen.status_changes),
            prefs::share_requests.eq(chosen.share_requests),
            prefs::updated_at.eq(time::to_db(now)),
        ))
        .execute(conn)
        .map_err(StoreError::from_query)?;
    Ok(())
}
