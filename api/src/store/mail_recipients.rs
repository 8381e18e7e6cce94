//! What the outbox needs to address and word a batch of messages, a few
//! queries per batch however many events it holds (keyed by id text).

use std::collections::HashMap;

use diesel::prelude::*;

use super::connection::DbConn;
use super::error::{StoreError, StoreResult};
use super::schema::{credentials, organisations, share_requests, users};

/// Ids per `IN (…)`: under SQLite's bound-parameter limit.
const IDS_PER_QUERY: usize = 500;

/// Who a credential is for.
#[derive(Debug, Clone)]
pub struct CredentialTarget {
    pub org: String,
    pub achievement: String,
    pub learner: Option<String>,
    pub recipient_email: Option<String>,
}

/// id, org, achievement, learner, recipient address.
type TargetRow = (String, String, String, Option<String>, Option<String>);

pub fn credentials(conn: &mut DbConn, ids: &[String]) -> StoreResult<HashMap<String, CredentialTarget>> {
    let mut found = HashMap::new();
    for chunk in ids.chunks(IDS_PER_QUERY) {
        let rows: Vec<TargetRow> = credentials::table
            .filter(credentials::id.eq_any(chunk))
            .select((credentials::id, credentials::org_id, credentials::achievement_id, credentials::learner_id, credentials::recipient_email))
            .load(conn)
            .map_err(StoreError::from_query)?;
        found.extend(
            rows.into_iter()
                .map(|(id, org, achievement, learner, recipient_email)| (id, CredentialTarget { org, achievement, learner, recipient_email })),
        );
    }
    Ok(found)
}

/// An account as mail addresses it.
#[derive(Debug, Clone)]
pub struct Addressee {
    pub email: String,
    pub name: String,
    /// Only a confirmed address is the learner's to mail.
    pub confirmed: bool,
}

pub fn accounts(conn: &mut DbConn, ids: &[String]) -> StoreResult<HashMap<String, Addressee>> {
    let mut found = HashMap::new();
    for chunk in ids.chunks(IDS_PER_QUERY) {
        let rows: Vec<(String, String, String, Option<chrono::NaiveDateTime>)> = users::table
            .filter(users::id.eq_any(chunk))
            .select((users::id, users::email, users::name, users::email_verified_at))
            .load(conn)
            .map_err(StoreError::from_query)?;
        found.extend(rows.into_iter().map(|(id, email, name, verified)| (id, Addressee { email, name, confirmed: verified.is_some() })));
    }
    Ok(found)
}

pub fn org_names(conn: &mut DbConn, ids: &[String]) -> StoreResult<HashMap<String, String>> {
    let mut found = HashMap::new();
    for chunk in ids.chunks(IDS_PER_QUERY) {
        let rows: Vec<(String, String)> = organisations::table
            .filter(organisations::id.eq_any(chunk))
            .select((organisations::id, organisations::name))
            .load(conn)
            .map_err(StoreError::from_query)?;
        found.extend(rows);
    }
    Ok(found)
}

/// A share request's message, by request id.
pub fn share_request_messages(conn: &mut DbConn, ids: &[String]) -> StoreResult<HashMap<String, String>> {
    let mut found = HashMap::new();
    for chunk in ids.chunks(IDS_PER_QUERY) {
        let rows: Vec<(String, String)> = share_requests::table
            .filter(share_requests::id.eq_any(chunk))
            .select((share_requests::id, share_requests::message))
            .load(conn)
            .map_err(StoreError::from_query)?;
        found.extend(rows);
    }
    Ok(found)
}
