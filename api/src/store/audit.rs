//! The append-only audit log. Rows are only ever inserted; nothing in the
//! code base updates or deletes them.

use cairn_domain::{AuditEntryId, OrgId, UserId};
use chrono::{DateTime, Utc};
use diesel::prelude::*;

use super::connection::DbConn;
use super::error::{StoreError, StoreResult};
use super::schema::audit_log;
use super::time;

/// What happened. Stored as its stable snake_case name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    AccountCreate,
    AccountEmailVerify,
    OrgCreate,
    AchievementCreate,
    AchievementUpdate,
    AchievementRetire,
    AchievementImage,
    CredentialIssue,
    CredentialClaim,
    CredentialRevoke,
    CredentialSuspend,
    CredentialReinstate,
    CredentialImport,
    TrustedIssuerAdd,
    PathwayRegister,
    PathwayUpdate,
    AwardIssue,
    AwardRevoke,
    AwardSuspend,
    AwardReinstate,
    AwardQueue,
    AwardApprove,
    AwardReject,
    EmploymentAdd,
    EmploymentDelete,
    EmploymentAttest,
    ShareCreate,
    ShareRevoke,
    ShareView,
    ShareRequest,
    ShareRequestAnswer,
    DiscoverabilitySet,
    TalentMatch,
    WebhookRegister,
    WebhookDisable,
}

impl Action {
    pub fn as_str(self) -> &'static str {
        match self {
            Action::AccountCreate => "account.create",
            Action::AccountEmailVerify => "account.email_verify",
            Action::OrgCreate => "org.create",
            Action::AchievementCreate => "achievement.create",
            Action::AchievementUpdate => "achievement.update",
            Action::AchievementRetire => "achievement.retire",
            Action::AchievementImage => "achievement.image",
            Action::CredentialIssue => "credential.issue",
            Action::CredentialClaim => "credential.claim",
            Action::CredentialRevoke => "credential.revoke",
            Action::CredentialSuspend => "credential.suspend",
            Action::CredentialReinstate => "credential.reinstate",
            Action::CredentialImport => "credential.import",
            Action::TrustedIssuerAdd => "trusted_issuer.add",
            Action::PathwayRegister => "pathway.register",
            Action::PathwayUpdate => "pathway.update",
            Action::AwardIssue => "award.issue",
            Action::AwardRevoke => "award.revoke",
            Action::AwardSuspend => "award.suspend",
            Action::AwardReinstate => "award.reinstate",
            Action::AwardQueue => "award.queue",
            Action::AwardApprove => "award.approve",
            Action::AwardReject => "award.reject",
            Action::EmploymentAdd => "employment.add",
            Action::EmploymentDelete => "employment.delete",
            Action::EmploymentAttest => "employment.attest",
            Action::ShareCreate => "share.create",
            Action::ShareRevoke => "share.revoke",
            Action::ShareView => "share.view",
            Action::ShareRequest => "share_request.create",
            Action::ShareRequestAnswer => "share_request.answer",
            Action::DiscoverabilitySet => "discoverability.set",
            Action::TalentMatch => "talent.match",
            Action::WebhookRegister => "webhook.register",
            Action::WebhookDisable => "webhook.disable",
        }
    }
}

pub struct Entry {
    action: Action,
    subject_type: &'static str,
    subject_id: String,
    actor: Option<UserId>,
    org: Option<OrgId>,
    learner: Option<UserId>,
    detail: serde_json::Value,
    at: Option<DateTime<Utc>>,
}

impl Entry {
    pub fn new(action: Action, subject_type: &'static str, subject_id: String) -> Self {
        Self { action, subject_type, subject_id, actor: None, org: None, learner: None, detail: serde_json::Value::Null, at: None }
    }

    /// When it happened: the instant of the use case that records it
    /// (default: the clock when the entry is written).
    pub fn at(mut self, at: DateTime<Utc>) -> Self {
        self.at = Some(at);
        self
    }

    /// The learner whose data the action concerns: the entry then shows in
    /// that learner's own log (`GET /v1/me/audit`).
    pub fn learner(mut self, learner: impl Into<Option<UserId>>) -> Self {
        self.learner = learner.into();
        self
    }

    pub fn actor(mut self, actor: UserId) -> Self {
        self.actor = Some(actor);
        self
    }

    pub fn org(mut self, org: OrgId) -> Self {
        self.org = Some(org);
        self
    }

    pub fn detail(mut self, detail: serde_json::Value) -> Self {
        self.detail = detail;
        self
    }
}

/// Appends one entry. Call it inside the same write transaction as the
/// change it records, so the log and the data never disagree.
pub fn record(conn: &mut DbConn, entry: Entry) -> StoreResult<()> {
    record_all(conn, vec![entry])
}

/// Rows per multi-row INSERT (9 columns each, under SQLite's 32,766 bound
/// parameters).
const ROWS_PER_INSERT: usize = 1_000;

/// Appends entries in order, many per statement (a batch's entries in one
/// round trip), as `record` does.
pub fn record_all(conn: &mut DbConn, entries: Vec<Entry>) -> StoreResult<()> {
    let mut rows = Vec::with_capacity(entries.len().min(ROWS_PER_INSERT));
    let mut entries = entries.into_iter().peekable();
    while entries.peek().is_some() {
        rows.clear();
        rows.extend(entries.by_ref().take(ROWS_PER_INSERT).map(|entry| {
            (
                audit_log::id.eq(AuditEntryId::new().to_string()),
                audit_log::at.eq(time::to_db(entry.at.unwrap_or_else(time::now))),
                audit_log::actor_id.eq(entry.actor.map(|a| a.to_string())),
                audit_log::action.eq(entry.action.as_str()),
                audit_log::subject_type.eq(entry.subject_type),
                audit_log::subject_id.eq(entry.subject_id),
                audit_log::org_id.eq(entry.org.map(|o| o.to_string())),
                audit_log::detail.eq(entry.detail.to_string()),
                audit_log::learner_id.eq(entry.learner.map(|l| l.to_string())),
            )
        }));
        if let [row] = rows.as_slice() {
            // One row: the single-row statement diesel keeps prepared.
            diesel::insert_into(audit_log::table).values(row).execute(conn).map_err(StoreError::from_query)?;
            continue;
        }
        // Batch inserts are per backend in diesel (not through the MultiConnection).
        match conn {
            DbConn::Sqlite(c) => diesel::insert_into(audit_log::table).values(&rows).execute(c),
            DbConn::Postgres(c) => diesel::insert_into(audit_log::table).values(&rows).execute(c),
        }
        .map_err(StoreError::from_query)?;
    }
    Ok(())
}

#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct LoggedEntry {
    #[schema(value_type = String)]
    pub id: AuditEntryId,
    pub at: chrono::DateTime<chrono::Utc>,
    pub actor: Option<String>,
    pub action: String,
    pub subject_type: String,
    pub subject_id: String,
    pub org: Option<String>,
    #[schema(value_type = Option<Object>)]
    pub detail: serde_json::Value,
}

type LogRow = (String, chrono::NaiveDateTime, Option<String>, String, String, String, Option<String>, String);

/// Whose entries to list.
#[derive(Debug, Clone, Copy)]
pub enum Scope {
    All,
    Org(OrgId),
    Learner(UserId),
}

/// Entries oldest first, of `scope`, after `after`.
pub fn list(conn: &mut DbConn, scope: Scope, after: Option<AuditEntryId>, limit: i64) -> StoreResult<Vec<LoggedEntry>> {
    let mut query = audit_log::table
        .select((
            audit_log::id,
            audit_log::at,
            audit_log::actor_id,
            audit_log::action,
            audit_log::subject_type,
            audit_log::subject_id,
            audit_log::org_id,
            audit_log::detail,
        ))
        .order(audit_log::id.asc())
        .limit(limit)
        .into_boxed();
    match scope {
        Scope::All => {}
        Scope::Org(org) => query = query.filter(audit_log::org_id.eq(org.to_string())),
        Scope::Learner(learner) => query = query.filter(audit_log::learner_id.eq(learner.to_string())),
    }
    if let Some(after) = after {
        query = query.filter(audit_log::id.gt(after.to_string()));
    }
    let rows: Vec<LogRow> = query.load(conn).map_err(StoreError::from_query)?;
    entries(rows)
}

/// A learner's entries newest first, before `before` (the activity page:
/// what happened last matters most to the person reading it).
pub fn newest_of_learner(conn: &mut DbConn, learner: UserId, before: Option<AuditEntryId>, limit: i64) -> StoreResult<Vec<LoggedEntry>> {
    newest(conn, Scope::Learner(learner), before, limit)
}

/// Entries of `scope` newest first, before `before` (the pages people read:
/// the learner's activity, the institution's audit log).
pub fn newest(conn: &mut DbConn, scope: Scope, before: Option<AuditEntryId>, limit: i64) -> StoreResult<Vec<LoggedEntry>> {
    let mut query = audit_log::table
        .select((
            audit_log::id,
            audit_log::at,
            audit_log::actor_id,
            audit_log::action,
            audit_log::subject_type,
            audit_log::subject_id,
            audit_log::org_id,
            audit_log::detail,
        ))
        .order(audit_log::id.desc())
        .limit(limit)
        .into_boxed();
    match scope {
        Scope::All => {}
        Scope::Org(org) => query = query.filter(audit_log::org_id.eq(org.to_string())),
        Scope::Learner(learner) => query = query.filter(audit_log::learner_id.eq(learner.to_string())),
    }
    if let Some(before) = before {
        query = query.filter(audit_log::id.lt(before.to_string()));
    }
    let rows: Vec<LogRow> = query.load(conn).map_err(StoreError::from_query)?;
    entries(rows)
}

fn entries(rows: Vec<LogRow>) -> StoreResult<Vec<LoggedEntry>> {
    rows.into_iter()
        .map(|(id, at, actor, action, subject_type, subject_id, org, detail)| {
            Ok(LoggedEntry {
                id: id.parse().map_err(|e| StoreError::Corrupt(format!("audit entry id: {e}")))?,
                at: time::from_db(at),
                actor,
                action,
                subject_type,
                subject_id,
                org,
                detail: serde_json::from_str(&detail).unwrap_or(serde_json::Value::Null),
            })
        })
        .collect()
}
