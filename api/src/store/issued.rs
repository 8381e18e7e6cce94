//! The issued list of an institution: its credentials (the awards its
//! pathways issued included), each with its achievement's name, its
//! recipient and whether it is an award, filtered and newest first; and the
//! status histories of a page of them, in one query.

use std::collections::HashMap;

use cairn_domain::{AchievementId, CredentialId, Email, OrgId, PathwayId, UserId};
use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;

use crate::store::connection::DbConn;
use crate::store::credentials::CredentialStatus;
use crate::store::error::{StoreError, StoreResult};
use crate::store::schema::{achievements, awards, credential_events, credentials, users};
use crate::store::time;

diesel::define_sql_function! {
    /// SQL `LOWER` (both backends; SQLite folds ASCII letters only).
    fn lower(text: diesel::sql_types::Nullable<diesel::sql_types::Text>) -> diesel::sql_types::Nullable<diesel::sql_types::Text>;
}

/// What the list is narrowed to; every given field must match.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    pub achievement: Option<AchievementId>,
    pub learner: Option<UserId>,
    /// The recipient's address: the one a credential waits at, or its
    /// holder's account address.
    pub email: Option<Email>,
    pub status: Option<CredentialStatus>,
    /// Issued (created) at or after.
    pub issued_after: Option<DateTime<Utc>>,
    /// Issued (created) before.
    pub issued_before: Option<DateTime<Utc>>,
    /// A substring of the holder's name or of either address, any case.
    pub text: Option<String>,
    /// Only these credentials (the results of a bulk change; a page's worth).
    pub ids: Option<Vec<CredentialId>>,
}

/// One issued credential as the list shows it (no documents).
#[derive(Debug, Clone)]
pub struct IssuedRow {
    pub id: CredentialId,
    pub achievement: AchievementId,
    pub achievement_name: String,
    pub learner: Option<UserId>,
    pub learner_name: Option<String>,
    pub learner_email: Option<String>,
    /// The address it was issued to, when it was issued to one.
    pub recipient_email: Option<String>,
    pub status: CredentialStatus,
    pub awarded_at: DateTime<Utc>,
    pub valid_until: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    /// The pathway whose award this is.
    pub award_of: Option<PathwayId>,
}

/// One entry of a credential's history, with who made it.
#[derive(Debug, Clone)]
pub struct HistoryEntry {
    pub status: CredentialStatus,
    pub reason: String,
    pub at: DateTime<Utc>,
    pub actor: Option<UserId>,
    pub actor_name: Option<String>,
}

type Raw = (
    String,
    String,
    String,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
    String,
    NaiveDateTime,
    Option<NaiveDateTime>,
    NaiveDateTime,
    Option<String>,
);

/// `%text%` for LIKE, with LIKE's own characters taken literally.
fn contains_pattern(text: &str) -> String {
    let mut pattern = String::with_capacity(text.len() + 2);
    pattern.push('%');
    for c in text.chars() {
        if matches!(c, '%' | '_' | '\\') {
            pattern.push('\\');
        }
        pattern.push(c);
    }
    pattern.push('%');
    pattern
}

/// The ids of `org`'s credentials at address `email`: waiting there, or
/// held by the account with that address. (Addresses are stored as parsed:
/// lower case.)
fn ids_for_email(conn: &mut DbConn, org: &str, email: &Email) -> StoreResult<Vec<String>> {
    let email = email.as_str();
    let mut ids: Vec<String> = credentials::table
        .filter(credentials::org_id.eq(org))
        .filter(credentials::recipient_email.eq(email))
        .select(credentials::id)
        .load(conn)
        .map_err(StoreError::from_query)?;
    let holder: Option<String> =
        users::table.filter(users::email.eq(email)).select(users::id).first(conn).optional().map_err(StoreError::from_query)?;
    if let Some(holder) = holder {
        let held: Vec<String> = credentials::table
            .filter(credentials::org_id.eq(org))
            .filter(credentials::learner_id.eq(holder))
            .select(credentials::id)
            .load(conn)
            .map_err(StoreError::from_query)?;
        ids.extend(held);
    }
    Ok(ids)
}

/// Up to `limit` credentials of `org` matching `filter`, newest issued
/// first (ties by id), after the credential `after` of that order.
/// An `after` that is not a credential of `org` is `StoreError::NotFound`.
pub fn list(conn: &mut DbConn, org: OrgId, filter: &Filter, after: Option<CredentialId>, limit: i64) -> StoreResult<Vec<IssuedRow>> {
    let org = org.to_string();
    let mut query = credentials::table
        .inner_join(achievements::table.on(achievements::id.eq(credentials::achievement_id)))
        .left_join(users::table.on(users::id.nullable().eq(credentials::learner_id)))
        .left_join(awards::table.on(awards::credential_id.eq(credentials::id)))
        .filter(credentials::org_id.eq(org.clone()))
        .select((
            credentials::id,
            credentials::achievement_id,
            achievements::name,
            credentials::learner_id,
            users::name.nullable(),
            users::email.nullable(),
            credentials::recipient_email,
            credentials::status,
            credentials::awarded_at,
            credentials::valid_until,
            credentials::created_at,
            awards::pathway_id.nullable(),
        ))
        .order((credentials::created_at.desc(), credentials::id.desc()))
        .limit(limit)
        .into_boxed();
    if let Some(after) = after {
        let at: Option<NaiveDateTime> = credentials::table
            .filter(credentials::id.eq(after.to_string()))
            .filter(credentials::org_id.eq(&org))
            .select(credentials::created_at)
            .first(conn)
            .optional()
            .map_err(StoreError::from_query)?;
        // Nothing follows a credential that is not in the list (another
        // institution's id included: it tells nothing about it).
        let Some(at) = at else { return Ok(Vec::new()) };
        let after = after.to_string();
        query = query.filter(credentials::created_at.lt(at).or(credentials::created_at.eq(at).and(credentials::id.lt(after))));
    }
    if let Some(achievement) = filter.achievement {
        query = query.filter(credentials::achievement_id.eq(achievement.to_string()));
    }
    if let Some(ids) = &filter.ids {
        query = query.filter(credentials::id.eq_any(ids.iter().map(ToString::to_string).collect::<Vec<_>>()));
    }
    if let Some(learner) = filter.learner {
        query = query.filter(credentials::learner_id.eq(learner.to_string()));
    }
    if let Some(email) = &filter.email {
        // Looked up first by its indexes: an OR across the join would scan
        // the institution's credentials.
        query = query.filter(credentials::id.eq_any(ids_for_email(conn, &org, email)?));
    }
    if let Some(status) = filter.status {
        query = query.filter(credentials::status.eq(status.as_str()));
    }
    if let Some(after) = filter.issued_after {
        query = query.filter(credentials::created_at.ge(time::to_db(after)));
    }
    if let Some(before) = filter.issued_before {
        query = query.filter(credentials::created_at.lt(time::to_db(before)));
    }
    if let Some(text) = &filter.text {
        let pattern = contains_pattern(&text.to_lowercase());
        query = query.filter(
            lower(users::name.nullable())
                .like(pattern.clone())
                .escape('\\')
                .or(lower(users::email.nullable()).like(pattern.clone()).escape('\\'))
                .or(lower(credentials::recipient_email).like(pattern).escape('\\')),
        );
    }
    let rows: Vec<Raw> = query.load(conn).map_err(StoreError::from_query)?;
    rows.into_iter().map(row).collect()
}

fn row(raw: Raw) -> StoreResult<IssuedRow> {
    let (
        id,
        achievement,
        achievement_name,
        learner,
        learner_name,
        learner_email,
        recipient_email,
        status,
        awarded_at,
        valid_until,
        created_at,
        award,
    ) = raw;
    let corrupt = |what: &str, e: &dyn std::fmt::Display| StoreError::Corrupt(format!("credential {id} {what}: {e}"));
    Ok(IssuedRow {
        id: id.parse().map_err(|e| corrupt("id", &e))?,
        achievement: achievement.parse().map_err(|e| corrupt("achievement", &e))?,
        achievement_name,
        learner: learner.map(|l| l.parse()).transpose().map_err(|e| corrupt("learner", &e))?,
        learner_name,
        learner_email,
        recipient_email,
        status: CredentialStatus::parse(&status)?,
        awarded_at: time::from_db(awarded_at),
        valid_until: valid_until.map(time::from_db),
        created_at: time::from_db(created_at),
        award_of: award.map(|p| p.parse()).transpose().map_err(|e| corrupt("award pathway", &e))?,
    })
}

/// The histories of `ids` (a page: at most a few hundred), oldest entry
/// first, in one query.
pub fn histories(conn: &mut DbConn, ids: &[CredentialId]) -> StoreResult<HashMap<CredentialId, Vec<HistoryEntry>>> {
    let ids: Vec<String> = ids.iter().map(ToString::to_string).collect();
    /// Credential, status, reason, at, actor, the actor's name.
    type EventRaw = (String, String, String, NaiveDateTime, Option<String>, Option<String>);
    let rows: Vec<EventRaw> = credential_events::table
        .left_join(users::table.on(users::id.nullable().eq(credential_events::actor_id)))
        .filter(credential_events::credential_id.eq_any(&ids))
        .order((credential_events::at.asc(), credential_events::id.asc()))
        .select((
            credential_events::credential_id,
            credential_events::status,
            credential_events::reason,
            credential_events::at,
            credential_events::actor_id,
            users::name.nullable(),
        ))
        .load(conn)
        .map_err(StoreError::from_query)?;
    let mut by_credential: HashMap<CredentialId, Vec<HistoryEntry>> = HashMap::new();
    for (id, status, reason, at, actor, actor_name) in rows {
        let corrupt = |e: &dyn std::fmt::Display| StoreError::Corrupt(format!("event of credential {id}: {e}"));
        let credential: CredentialId = id.parse().map_err(|e| corrupt(&e))?;
        let actor = actor.map(|a| a.parse()).transpose().map_err(|e| corrupt(&e))?;
        by_credential.entry(credential).or_default().push(HistoryEntry {
            status: CredentialStatus::parse(&status)?,
            reason,
            at: time::from_db(at),
            actor,
            actor_name,
        });
    }
    Ok(by_credential)
}

#[cfg(test)]
mod tests {
    use crate::store::issued::contains_pattern;

    #[test]
    fn like_characters_are_taken_literally() {
        assert_eq!(contains_pattern("ann"), "%ann%");
        assert_eq!(contains_pattern("50%_a\\b"), "%50\\%\\_a\\\\b%");
    }
}
