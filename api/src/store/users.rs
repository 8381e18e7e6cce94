//! Accounts: learners, staff and administrators.

use cairn_domain::{DisplayName, Email, OrgId, Role, UserId};
use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;

use super::schema::users;
use super::{DbConn, StoreError, StoreResult, audit, time};

#[derive(Debug, Clone)]
pub struct Account {
    pub id: UserId,
    pub email: Email,
    pub name: String,
    pub role: Role,
    pub org: Option<OrgId>,
    pub created_at: DateTime<Utc>,
}

/// A validated account ready to insert; the password is already hashed.
pub struct NewAccount {
    pub email: Email,
    pub name: DisplayName,
    pub password_hash: String,
    pub role: Role,
    pub org: Option<OrgId>,
}

#[derive(Queryable, Selectable, Insertable)]
#[diesel(table_name = users)]
struct UserRow {
    id: String,
    email: String,
    name: String,
    password_hash: String,
    role: String,
    org_id: Option<String>,
    created_at: NaiveDateTime,
}

impl UserRow {
    fn into_account(self) -> StoreResult<(Account, String)> {
        let corrupt = |what: &str, e: &dyn std::fmt::Display| StoreError::Corrupt(format!("user {what}: {e}"));
        let account = Account {
            id: self.id.parse().map_err(|e| corrupt("id", &e))?,
            email: Email::parse(&self.email).map_err(|e| corrupt("email", &e))?,
            name: self.name,
            role: self.role.parse().map_err(|e| corrupt("role", &e))?,
            org: self.org_id.map(|o| o.parse()).transpose().map_err(|e| corrupt("org", &e))?,
            created_at: time::from_db(self.created_at),
        };
        Ok((account, self.password_hash))
    }
}

pub fn insert(conn: &mut DbConn, new: NewAccount, actor: Option<UserId>) -> StoreResult<Account> {
    let account = Account {
        id: UserId::new(),
        email: new.email,
        name: new.name.to_string(),
        role: new.role,
        org: new.org,
        created_at: time::now(),
    };
    diesel::insert_into(users::table)
        .values(UserRow {
            id: account.id.to_string(),
            email: account.email.to_string(),
            name: account.name.clone(),
            password_hash: new.password_hash,
            role: account.role.as_str().to_owned(),
            org_id: account.org.map(|o| o.to_string()),
            created_at: time::to_db(account.created_at),
        })
        .execute(conn)
        .map_err(|e| StoreError::conflict_on_unique(e, format!("an account with e-mail {} already exists", account.email)))?;
    let mut entry = audit::Entry::new(audit::Action::AccountCreate, "user", account.id.to_string())
        .detail(serde_json::json!({ "role": account.role }));
    if let Some(actor) = actor {
        entry = entry.actor(actor);
    }
    if let Some(org) = account.org {
        entry = entry.org(org);
    }
    audit::record(conn, entry)?;
    Ok(account)
}

pub fn find(conn: &mut DbConn, id: UserId) -> StoreResult<Option<Account>> {
    users::table
        .find(id.to_string())
        .select(UserRow::as_select())
        .first(conn)
        .optional()
        .map_err(StoreError::from_query)?
        .map(|row| row.into_account().map(|(account, _)| account))
        .transpose()
}

/// The account with this e-mail and its password hash, for sign-in.
pub fn find_with_hash(conn: &mut DbConn, email: &Email) -> StoreResult<Option<(Account, String)>> {
    users::table
        .filter(users::email.eq(email.as_str()))
        .select(UserRow::as_select())
        .first(conn)
        .optional()
        .map_err(StoreError::from_query)?
        .map(UserRow::into_account)
        .transpose()
}

pub fn count(conn: &mut DbConn) -> StoreResult<i64> {
    users::table.count().get_result(conn).map_err(StoreError::from_query)
}

/// Staff of one organisation in creation order, after `after`.
pub fn list_members(conn: &mut DbConn, org: OrgId, after: Option<UserId>, limit: i64) -> StoreResult<Vec<Account>> {
    let mut query = users::table
        .filter(users::org_id.eq(org.to_string()))
        .select(UserRow::as_select())
        .order(users::id.asc())
        .limit(limit)
        .into_boxed();
    if let Some(after) = after {
        query = query.filter(users::id.gt(after.to_string()));
    }
    query
        .load(conn)
        .map_err(StoreError::from_query)?
        .into_iter()
        .map(|row| row.into_account().map(|(account, _)| account))
        .collect()
}

/// The addresses the learner has proved are theirs.
// TODO(merge): e-mail verification lands on the `mail` branch; until then an
// account's address counts as verified.
pub fn verified_emails(account: &Account) -> Vec<Email> {
    vec![account.email.clone()]
}
