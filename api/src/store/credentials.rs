//! Credentials issued here, and their status history.

use cairn_domain::{AchievementId, CredentialId, Credits, Email, OrgId, UserId};
use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;

use super::connection::DbConn;
use super::error::{StoreError, StoreResult};
use super::outcomes::{self, Mark};
use super::schema::{credential_events, credentials};
use super::status_lists::Slot;
use super::time;

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum CredentialStatus {
    Active,
    Suspended,
    Revoked,
}

impl CredentialStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            CredentialStatus::Active => "active",
            CredentialStatus::Suspended => "suspended",
            CredentialStatus::Revoked => "revoked",
        }
    }

    pub(crate) fn parse(text: &str) -> StoreResult<Self> {
        match text {
            "active" => Ok(CredentialStatus::Active),
            "suspended" => Ok(CredentialStatus::Suspended),
            "revoked" => Ok(CredentialStatus::Revoked),
            other => Err(StoreError::Corrupt(format!("credential status `{other}`"))),
        }
    }
}

#[derive(Debug, Clone)]
pub struct Credential {
    pub id: CredentialId,
    pub org: OrgId,
    pub achievement: AchievementId,
    pub learner: Option<UserId>,
    pub recipient_email: Option<Email>,
    pub status: CredentialStatus,
    pub awarded_at: DateTime<Utc>,
    pub valid_until: Option<DateTime<Utc>>,
    pub credits_earned: Option<Credits>,
    pub evidence: serde_json::Value,
    pub slot: Slot,
    pub ob3: serde_json::Value,
    pub jwt: String,
    pub created_at: DateTime<Utc>,
    /// The version of its achievement it was issued under (its document's).
    pub achievement_version: i64,
}

/// Everything needed to insert; the id and slot are chosen by the caller
/// because the signed document already contains them.
pub struct NewCredential {
    pub credential: Credential,
    pub claim_code_hash: Option<String>,
}

// None is NULL, not DEFAULT: SQLite then takes many rows in one INSERT.
#[derive(Queryable, Selectable, Insertable)]
#[diesel(table_name = credentials, treat_none_as_default_value = false)]
struct Row {
    id: String,
    org_id: String,
    achievement_id: String,
    learner_id: Option<String>,
    recipient_email: Option<String>,
    claim_code_hash: Option<String>,
    status: String,
    awarded_at: NaiveDateTime,
    valid_until: Option<NaiveDateTime>,
    credits_earned: Option<String>,
    evidence: String,
    revocation_list_id: String,
    suspension_list_id: String,
    status_index: i64,
    ob3: String,
    jwt: String,
    created_at: NaiveDateTime,
    achievement_version: i64,
}

impl Row {
    fn into_credential(self) -> StoreResult<Credential> {
        let corrupt = |what: &str, e: &dyn std::fmt::Display| StoreError::Corrupt(format!("credential {what}: {e}"));
        Ok(Credential {
            id: self.id.parse().map_err(|e| corrupt("id", &e))?,
            org: self.org_id.parse().map_err(|e| corrupt("org", &e))?,
            achievement: self.achievement_id.parse().map_err(|e| corrupt("achievement", &e))?,
            learner: self.learner_id.map(|l| l.parse()).transpose().map_err(|e| corrupt("learner", &e))?,
            recipient_email: self.recipient_email.map(|e| Email::parse(&e)).transpose().map_err(|e| corrupt("email", &e))?,
            status: CredentialStatus::parse(&self.status)?,
            awarded_at: time::from_db(self.awarded_at),
            valid_until: self.valid_until.map(time::from_db),
            credits_earned: self.credits_earned.map(|c| c.parse()).transpose().map_err(|e| corrupt("credits", &e))?,
            evidence: serde_json::from_str(&self.evidence).map_err(|e| corrupt("evidence", &e))?,
            slot: Slot { revocation_list: self.revocation_list_id, suspension_list: self.suspension_list_id, index: self.status_index },
            ob3: serde_json::from_str(&self.ob3).map_err(|e| corrupt("ob3", &e))?,
            jwt: self.jwt,
            created_at: time::from_db(self.created_at),
            achievement_version: self.achievement_version,
        })
    }
}

pub fn insert(conn: &mut DbConn, new: NewCredential, actor: UserId) -> StoreResult<()> {
    insert_many(conn, &[(&new.credential, new.claim_code_hash)], actor)
}

/// Rows per multi-row INSERT: 18 columns each stays under SQLite's 32,766
/// bound parameters.
const ROWS_PER_INSERT: usize = 500;

/// Inserts credentials and their `issued` events, a few hundred rows per
/// statement (one round trip for a typical batch). Each credential comes
/// with the hash of its claim code, if any.
pub fn insert_many(conn: &mut DbConn, new: &[(&Credential, Option<String>)], actor: UserId) -> StoreResult<()> {
    for chunk in new.chunks(ROWS_PER_INSERT) {
        let rows: Vec<Row> = chunk.iter().map(|(credential, claim_code_hash)| Row::new(credential, claim_code_hash.clone())).collect();
        let events: Vec<EventRow> =
            chunk.iter().map(|(c, _)| event_row(c.id, c.learner, CredentialStatus::Active, "issued", Some(actor), c.created_at)).collect();
        if let ([row], [event]) = (rows.as_slice(), events.as_slice()) {
            // One row: the single-row statements diesel keeps prepared.
            diesel::insert_into(credentials::table).values(row).execute(conn).map_err(StoreError::from_query)?;
            diesel::insert_into(credential_events::table).values(event).execute(conn).map_err(StoreError::from_query)?;
            continue;
        }
        // Batch inserts are per backend in diesel (not through the MultiConnection).
        match conn {
            DbConn::Sqlite(c) => diesel::insert_into(credentials::table).values(&rows).execute(c),
            DbConn::Postgres(c) => diesel::insert_into(credentials::table).values(&rows).execute(c),
        }
        .map_err(StoreError::from_query)?;
        match conn {
            DbConn::Sqlite(c) => diesel::insert_into(credential_events::table).values(&events).execute(c),
            DbConn::Postgres(c) => diesel::insert_into(credential_events::table).values(&events).execute(c),
        }
        .map_err(StoreError::from_query)?;
    }
    // What each holder gained, for their stored outcomes (`outcomes::mark`).
    let gained: std::collections::BTreeSet<(UserId, AchievementId)> = new.iter().filter_map(|(c, _)| c.learner.map(|l| (l, c.achievement))).collect();
    for (learner, achievement) in gained {
        outcomes::mark(conn, learner, Mark::Achievement(achievement))?;
    }
    Ok(())
}

impl Row {
    fn new(c: &Credential, claim_code_hash: Option<String>) -> Self {
        Row {
            id: c.id.to_string(),
            org_id: c.org.to_string(),
            achievement_id: c.achievement.to_string(),
            learner_id: c.learner.map(|l| l.to_string()),
            recipient_email: c.recipient_email.as_ref().map(ToString::to_string),
            claim_code_hash,
            status: c.status.as_str().to_owned(),
            awarded_at: time::to_db(c.awarded_at),
            valid_until: c.valid_until.map(time::to_db),
            credits_earned: c.credits_earned.as_ref().map(Credits::to_canonical),
            evidence: c.evidence.to_string(),
            revocation_list_id: c.slot.revocation_list.clone(),
            suspension_list_id: c.slot.suspension_list.clone(),
            status_index: c.slot.index,
            ob3: c.ob3.to_string(),
            jwt: c.jwt.clone(),
            created_at: time::to_db(c.created_at),
            achievement_version: c.achievement_version,
        }
    }
}

#[derive(Insertable)]
#[diesel(table_name = credential_events, treat_none_as_default_value = false)]
struct EventRow {
    id: String,
    credential_id: String,
    status: &'static str,
    reason: String,
    actor_id: Option<String>,
    at: NaiveDateTime,
    learner_id: Option<String>,
}

/// An event of credential `id`, held by `learner` (copied to the event so
/// that a learner's latest event is one index lookup).
fn event_row(
    id: CredentialId,
    learner: Option<UserId>,
    status: CredentialStatus,
    reason: &str,
    actor: Option<UserId>,
    at: DateTime<Utc>,
) -> EventRow {
    EventRow {
        id: uuid::Uuid::now_v7().to_string(),
        credential_id: id.to_string(),
        status: status.as_str(),
        reason: reason.to_owned(),
        actor_id: actor.map(|a| a.to_string()),
        at: time::to_db(at),
        learner_id: learner.map(|l| l.to_string()),
    }
}

fn record_event(
    conn: &mut DbConn,
    id: CredentialId,
    status: CredentialStatus,
    reason: &str,
    actor: Option<UserId>,
    at: DateTime<Utc>,
) -> StoreResult<()> {
    let learner: Option<String> =
        credentials::table.find(id.to_string()).select(credentials::learner_id).first(conn).optional().map_err(StoreError::from_query)?.flatten();
    let learner = learner.map(|l| l.parse()).transpose().map_err(|e| StoreError::Corrupt(format!("credential learner: {e}")))?;
    diesel::insert_into(credential_events::table)
        .values(event_row(id, learner, status, reason, actor, at))
        .execute(conn)
        .map_err(StoreError::from_query)?;
    Ok(())
}

pub fn find(conn: &mut DbConn, id: CredentialId) -> StoreResult<Option<Credential>> {
    credentials::table
        .find(id.to_string())
        .select(Row::as_select())
        .first(conn)
        .optional()
        .map_err(StoreError::from_query)?
        .map(Row::into_credential)
        .transpose()
}

/// A learner's credentials, newest award first.
pub fn for_learner(conn: &mut DbConn, learner: UserId) -> StoreResult<Vec<Credential>> {
    credentials::table
        .filter(credentials::learner_id.eq(learner.to_string()))
        .select(Row::as_select())
        .order((credentials::awarded_at.desc(), credentials::id.desc()))
        .load(conn)
        .map_err(StoreError::from_query)?
        .into_iter()
        .map(Row::into_credential)
        .collect()
}

/// What the stacking engine needs of a credential: no documents.
pub struct FactRow {
    pub id: CredentialId,
    pub learner: UserId,
    pub achievement: AchievementId,
    pub awarded_at: DateTime<Utc>,
    pub valid_until: Option<DateTime<Utc>>,
    pub credits_earned: Option<Credits>,
}

/// Learners per `IN (...)` list: well under SQLite's bound parameters.
const LEARNERS_PER_QUERY: usize = 500;

/// The credentials of `learners` as the engine needs them, newest first per
/// learner (one query per few hundred learners).
pub fn fact_rows(conn: &mut DbConn, learners: &[UserId]) -> StoreResult<Vec<FactRow>> {
    type Raw = (String, Option<String>, String, NaiveDateTime, Option<NaiveDateTime>, Option<String>);
    let mut out = Vec::new();
    for chunk in learners.chunks(LEARNERS_PER_QUERY) {
        let ids: Vec<String> = chunk.iter().map(ToString::to_string).collect();
        let rows: Vec<Raw> = credentials::table
            .filter(credentials::learner_id.eq_any(&ids))
            .order((credentials::learner_id.asc(), credentials::awarded_at.desc(), credentials::id.desc()))
            .select((
                credentials::id,
                credentials::learner_id,
                credentials::achievement_id,
                credentials::awarded_at,
                credentials::valid_until,
                credentials::credits_earned,
            ))
            .load(conn)
            .map_err(StoreError::from_query)?;
        for (id, learner, achievement, awarded_at, valid_until, credits) in rows {
            let corrupt = |what: &str, e: &dyn std::fmt::Debug| StoreError::Corrupt(format!("credential {id} {what}: {e:?}"));
            let Some(learner) = learner else { continue };
            out.push(FactRow {
                id: id.parse().map_err(|e| corrupt("id", &e))?,
                learner: learner.parse().map_err(|e| corrupt("learner", &e))?,
                achievement: achievement.parse().map_err(|e| corrupt("achievement", &e))?,
                awarded_at: time::from_db(awarded_at),
                valid_until: valid_until.map(time::from_db),
                credits_earned: credits.map(|c| c.parse()).transpose().map_err(|e| corrupt("credits", &e))?,
            });
        }
    }
    Ok(out)
}

/// The status histories of every credential `learners` hold, in time order.
pub fn events_of_learners(conn: &mut DbConn, learners: &[UserId]) -> StoreResult<std::collections::HashMap<CredentialId, Vec<StatusEvent>>> {
    let mut by_credential: std::collections::HashMap<CredentialId, Vec<StatusEvent>> = std::collections::HashMap::new();
    for chunk in learners.chunks(LEARNERS_PER_QUERY) {
        let ids: Vec<String> = chunk.iter().map(ToString::to_string).collect();
        let rows: Vec<(String, String, String, NaiveDateTime)> = credential_events::table
            .inner_join(credentials::table.on(credentials::id.eq(credential_events::credential_id)))
            .filter(credentials::learner_id.eq_any(&ids))
            .order((credential_events::at.asc(), credential_events::id.asc()))
            .select((credential_events::credential_id, credential_events::status, credential_events::reason, credential_events::at))
            .load(conn)
            .map_err(StoreError::from_query)?;
        for (id, status, reason, at) in rows {
            let id: CredentialId = id.parse().map_err(|e| StoreError::Corrupt(format!("event credential: {e}")))?;
            by_credential.entry(id).or_default().push(StatusEvent { status: CredentialStatus::parse(&status)?, reason, at: time::from_db(at) });
        }
    }
    Ok(by_credential)
}

/// Serialises status changes and issuances of one holder's credentials
/// (PostgreSQL; on SQLite writers are serial anyway). The conditional update
/// in `set_status` guards one credential; the award cascade also reads the
/// holder's other credentials and awards, which two concurrent changes of
/// different constituents (or a change and a new credential) would each see
/// without the other's.
pub fn lock_holder(conn: &mut DbConn, learner: UserId) -> StoreResult<()> {
    super::connection::lock_account(conn, &learner.to_string())
}

/// Whether a credential may go from `from` to `to`: active ⇄ suspended,
/// either → revoked; revoked is final.
pub fn transition_allowed(from: CredentialStatus, to: CredentialStatus) -> bool {
    matches!(
        (from, to),
        (CredentialStatus::Active, CredentialStatus::Suspended)
            | (CredentialStatus::Active | CredentialStatus::Suspended, CredentialStatus::Revoked)
            | (CredentialStatus::Suspended, CredentialStatus::Active)
    )
}

/// Changes the status from `expected` to `status` and records why, only if
/// the credential is still in `expected`: a conditional update, so that of
/// concurrent changes exactly one applies (on PostgreSQL the second waits
/// for the first's row lock, then finds the status changed). A change from
/// a status it no longer has is a conflict, and nothing is written.
pub fn set_status(
    conn: &mut DbConn,
    id: CredentialId,
    expected: CredentialStatus,
    status: CredentialStatus,
    reason: &str,
    actor: Option<UserId>,
    now: DateTime<Utc>,
) -> StoreResult<()> {
    if !transition_allowed(expected, status) {
        return Err(StoreError::Conflict(format!("a {} credential cannot become {}", expected.as_str(), status.as_str())));
    }
    let updated = diesel::update(credentials::table.find(id.to_string()).filter(credentials::status.eq(expected.as_str())))
        .set(credentials::status.eq(status.as_str()))
        .execute(conn)
        .map_err(StoreError::from_query)?;
    if updated == 0 {
        return Err(StoreError::Conflict(format!("the credential is no longer {}: its status was changed concurrently", expected.as_str())));
    }
    mark_holder(conn, id)?;
    record_event(conn, id, status, reason, actor, now)
}

/// When the latest status event of any of `learner`'s credentials happened
/// (issue, suspension, reinstatement, revocation).
pub fn latest_event_of_learner(conn: &mut DbConn, learner: UserId) -> StoreResult<Option<DateTime<Utc>>> {
    use diesel::dsl::max;
    // The events carry their credential's holder: one index lookup.
    let latest: Option<NaiveDateTime> = credential_events::table
        .filter(credential_events::learner_id.eq(learner.to_string()))
        .select(max(credential_events::at))
        .first(conn)
        .map_err(StoreError::from_query)?;
    Ok(latest.map(time::from_db))
}

/// When the latest status event of credential `id` happened.
pub fn latest_event_of(conn: &mut DbConn, id: CredentialId) -> StoreResult<Option<DateTime<Utc>>> {
    use diesel::dsl::max;
    let latest: Option<NaiveDateTime> = credential_events::table
        .filter(credential_events::credential_id.eq(id.to_string()))
        .select(max(credential_events::at))
        .first(conn)
        .map_err(StoreError::from_query)?;
    Ok(latest.map(time::from_db))
}

/// The unclaimed credential whose claim code hashes to `code_hash`.
pub fn find_by_claim(conn: &mut DbConn, code_hash: &str) -> StoreResult<Option<Credential>> {
    credentials::table
        .filter(credentials::claim_code_hash.eq(code_hash))
        .filter(credentials::learner_id.is_null())
        .select(Row::as_select())
        .first(conn)
        .optional()
        .map_err(StoreError::from_query)?
        .map(Row::into_credential)
        .transpose()
}

/// Credentials issued to exactly `email` that no account holds yet, oldest first.
pub fn waiting_for_email(conn: &mut DbConn, email: &cairn_domain::Email) -> StoreResult<Vec<Credential>> {
    credentials::table
        .filter(credentials::recipient_email.eq(email.as_str()))
        .filter(credentials::learner_id.is_null())
        .select(Row::as_select())
        .order((credentials::created_at.asc(), credentials::id.asc()))
        .load(conn)
        .map_err(StoreError::from_query)?
        .into_iter()
        .map(Row::into_credential)
        .collect()
}

/// Moves a credential into a learner's wallet with its re-signed document;
/// the claim code is spent.
pub fn claim(conn: &mut DbConn, id: CredentialId, learner: UserId, ob3: &serde_json::Value, jwt: &str) -> StoreResult<()> {
    let updated = diesel::update(credentials::table.find(id.to_string()).filter(credentials::learner_id.is_null()))
        .set((
            credentials::learner_id.eq(Some(learner.to_string())),
            credentials::claim_code_hash.eq(None::<String>),
            credentials::ob3.eq(ob3.to_string()),
            credentials::jwt.eq(jwt),
        ))
        .execute(conn)
        .map_err(StoreError::from_query)?;
    if updated == 0 {
        return Err(StoreError::Conflict("this credential has already been claimed".into()));
    }
    // Its history moves with it.
    diesel::update(credential_events::table.filter(credential_events::credential_id.eq(id.to_string())))
        .set(credential_events::learner_id.eq(Some(learner.to_string())))
        .execute(conn)
        .map_err(StoreError::from_query)?;
    mark_holder(conn, id)
}

/// Leaves a mark on the stored outcomes of the credential's holder: the
/// credential `id` changed (`outcomes::mark`).
fn mark_holder(conn: &mut DbConn, id: CredentialId) -> StoreResult<()> {
    let row: Option<(Option<String>, String)> = credentials::table
        .find(id.to_string())
        .select((credentials::learner_id, credentials::achievement_id))
        .first(conn)
        .optional()
        .map_err(StoreError::from_query)?;
    let Some((Some(learner), achievement)) = row else { return Ok(()) };
    let corrupt = |e: cairn_domain::ids::InvalidId| StoreError::Corrupt(format!("credential {id}: {e:?}"));
    outcomes::mark(conn, learner.parse().map_err(corrupt)?, Mark::Achievement(achievement.parse().map_err(corrupt)?))
}

/// One status change in a credential's history.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct StatusEvent {
    pub status: CredentialStatus,
    pub reason: String,
    pub at: DateTime<Utc>,
}

pub fn events(conn: &mut DbConn, id: CredentialId) -> StoreResult<Vec<StatusEvent>> {
    let rows: Vec<(String, String, NaiveDateTime)> = credential_events::table
        .filter(credential_events::credential_id.eq(id.to_string()))
        .order((credential_events::at.asc(), credential_events::id.asc()))
        .select((credential_events::status, credential_events::reason, credential_events::at))
        .load(conn)
        .map_err(StoreError::from_query)?;
    rows.into_iter()
        .map(|(status, reason, at)| Ok(StatusEvent { status: CredentialStatus::parse(&status)?, reason, at: time::from_db(at) }))
        .collect()
}

/// Every learner who holds at least one credential (for re-evaluating a new
/// or changed pathway).
pub fn learners_with_credentials(conn: &mut DbConn) -> StoreResult<Vec<UserId>> {
    let ids: Vec<Option<String>> = credentials::table
        .filter(credentials::learner_id.is_not_null())
        .select(credentials::learner_id)
        .distinct()
        .load(conn)
        .map_err(StoreError::from_query)?;
    ids.into_iter().flatten().map(|id| id.parse().map_err(|e| StoreError::Corrupt(format!("learner id: {e}")))).collect()
}

/// The status history of every credential a learner holds, by credential.
pub fn events_of_learner(conn: &mut DbConn, learner: UserId) -> StoreResult<std::collections::HashMap<CredentialId, Vec<StatusEvent>>> {
    let rows: Vec<(String, String, String, NaiveDateTime)> = credential_events::table
        .inner_join(credentials::table.on(credentials::id.eq(credential_events::credential_id)))
        .filter(credentials::learner_id.eq(learner.to_string()))
        .order((credential_events::at.asc(), credential_events::id.asc()))
        .select((credential_events::credential_id, credential_events::status, credential_events::reason, credential_events::at))
        .load(conn)
        .map_err(StoreError::from_query)?;
    let mut by_credential: std::collections::HashMap<CredentialId, Vec<StatusEvent>> = std::collections::HashMap::new();
    for (id, status, reason, at) in rows {
        let id: CredentialId = id.parse().map_err(|e| StoreError::Corrupt(format!("event credential: {e}")))?;
        by_credential.entry(id).or_default().push(StatusEvent { status: CredentialStatus::parse(&status)?, reason, at: time::from_db(at) });
    }
    Ok(by_credential)
}
