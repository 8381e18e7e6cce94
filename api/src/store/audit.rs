//! The append-only audit log. Rows are only ever inserted; nothing in the
//! code base updates or deletes them.

use cairn_domain::{OrgId, UserId};
use diesel::prelude::*;

use super::schema::audit_log;
use super::{DbConn, StoreError, StoreResult, time};

/// What happened. Stored as its stable snake_case name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    AccountCreate,
    OrgCreate,
}

impl Action {
    pub fn as_str(self) -> &'static str {
        match self {
            Action::AccountCreate => "account.create",
            Action::OrgCreate => "org.create",
        }
    }
}

pub struct Entry {
    action: Action,
    subject_type: &'static str,
    subject_id: String,
    actor: Option<UserId>,
    org: Option<OrgId>,
    detail: serde_json::Value,
}

impl Entry {
    pub fn new(action: Action, subject_type: &'static str, subject_id: String) -> Self {
        Self { action, subject_type, subject_id, actor: None, org: None, detail: serde_json::Value::Null }
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
    diesel::insert_into(audit_log::table)
        .values((
            audit_log::id.eq(uuid::Uuid::now_v7().to_string()),
            audit_log::at.eq(time::to_db(time::now())),
            audit_log::actor_id.eq(entry.actor.map(|a| a.to_string())),
            audit_log::action.eq(entry.action.as_str()),
            audit_log::subject_type.eq(entry.subject_type),
            audit_log::subject_id.eq(entry.subject_id),
            audit_log::org_id.eq(entry.org.map(|o| o.to_string())),
            audit_log::detail.eq(entry.detail.to_string()),
        ))
        .execute(conn)
        .map_err(StoreError::from_query)?;
    Ok(())
}
