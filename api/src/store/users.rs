//! Accounts: learners, staff and administrators.

use cairn_domain::{DisplayName, Email, OrgId, Role, UserId};
use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;

use super::connection::DbConn;
use super::error::{StoreError, StoreResult};
use super::schema::users;
use super::{audit, time};

#[derive(Debug, Clone)]
pub struct Account {
    pub id: UserId,
    pub email: Email,
    pub name: String,
    pub role: Role,
    pub org: Option<OrgId>,
    pub created_at: DateTime<Utc>,
    /// When the owner proved the address is theirs; `None` until then.
    /// Only a verified address makes credentials sent to it theirs.
    pub email_verified_at: Option<DateTime<Utc>>,
}

/// A validated account ready to insert; the password is already hashed.
pub struct NewAccount {
    pub email: Email,
    pub name: DisplayName,
    pub password_hash: String,
    pub role: Role,
    pub org: Option<OrgId>,
    /// Whether the address counts as proved at once: staff and admins are
    /// created by an administrator who vouches for it; self-registered
    /// learners must confirm it.
    pub email_verified: bool,
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
    email_verified_at: Option<NaiveDateTime>,
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
            email_verified_at: self.email_verified_at.map(time::from_db),
        };
        Ok((account, self.password_hash))
    }
}

pub fn insert(conn: &mut DbConn, new: NewAccount, actor: Option<UserId>) -> StoreResult<Account> {
    let now = time::now();
    let account = Account {
        id: UserId::new(),
        email: new.email,
        name: new.name.to_string(),
        role: new.role,
        org: new.org,
        created_at: now,
        email_verified_at: new.email_verified.then_some(now),
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
            email_verified_at: account.email_verified_at.map(time::to_db),
        })
        .execute(conn)
        .map_err(|e| StoreError::conflict_on_unique(e, format!("an account with e-mail {} already exists", account.email)))?;
    let mut entry =
        audit::Entry::new(audit::Action::AccountCreate, "user", account.id.to_string()).detail(serde_json::json!({ "role": account.role }));
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

/// Marks `email` as proved by account `id`, if it is still the account's
/// address. Returns the account as it is afterwards, or `None` when the
/// account is gone or its address changed.
pub fn mark_email_verified(conn: &mut DbConn, id: UserId, email: &Email) -> StoreResult<Option<Account>> {
    let updated = diesel::update(users::table.find(id.to_string()).filter(users::email.eq(email.as_str())))
        .set(users::email_verified_at.eq(Some(time::to_db(time::now()))))
        .execute(conn)
        .map_err(StoreError::from_query)?;
    if updated == 0 {
        return Ok(None);
    }
    find(conn, id)
}

pub fn count(conn: &mut DbConn) -> StoreResult<i64> {
    users::table.count().get_result(conn).map_err(StoreError::from_query)
}

/// Staff of one organisation in creation order, after `after`.
pub fn list_members(conn: &mut DbConn, org: OrgId, after: Option<UserId>, limit: i64) -> StoreResult<Vec<Account>> {
    let mut query =
        users::table.filter(users::org_id.eq(org.to_string())).select(UserRow::as_select()).order(users::id.asc()).limit(limit).into_boxed();
    if let Some(after) = after {
        query = query.filter(users::id.gt(after.to_string()));
    }
    query.load(conn).map_err(StoreError::from_query)?.into_iter().map(|row| row.into_account().map(|(account, _)| account)).collect()
}

/// The addresses the account has proved are theirs (one today: its own,
/// once confirmed).
pub fn verified_emails(account: &Account) -> Vec<Email> {
    account.email_verified_at.map(|_| account.email.clone()).into_iter().collect()
}

#[cfg(test)]
mod tests {
    use cairn_domain::{DisplayName, Email, Role};

    use super::super::connection::{self, DatabaseUrl};
    use super::super::{StoreError, migrate};
    use super::*;

    #[derive(Debug, thiserror::Error)]
    enum Refused {
        #[error("a business rule refused")]
        Rule,
        #[error(transparent)]
        Store(#[from] StoreError),
    }

    fn account(email: &str) -> NewAccount {
        NewAccount {
            email: Email::parse(email).unwrap(),
            name: DisplayName::parse("Ada").unwrap(),
            password_hash: "x".into(),
            role: Role::Learner,
            org: None,
            email_verified: false,
        }
    }

    /// A use case's own error rolls back what it wrote, as a store error does;
    /// success commits.
    #[test]
    fn a_use_case_error_rolls_the_transaction_back() {
        let dir = std::env::temp_dir().join(format!("cairn-store-{}", uuid::Uuid::new_v4()));
        std::fs::create_dir_all(&dir).unwrap();
        let url = DatabaseUrl::sqlite_file(&dir.join("cairn.db"));
        migrate::run_pending(&url).unwrap();
        let mut conn = url.connect().unwrap();
        let mut written = None;
        let refused = connection::write_transaction(&mut conn, |conn| {
            written = Some(insert(conn, account("ada@example.org"), None)?.id);
            Err::<(), _>(Refused::Rule)
        });
        assert!(matches!(refused, Err(Refused::Rule)));
        let id = written.unwrap();
        assert!(find(&mut conn, id).unwrap().is_none());
        let kept = connection::write_transaction(&mut conn, |conn| Ok::<_, Refused>(insert(conn, account("ada@example.org"), None)?.id)).unwrap();
        assert!(find(&mut conn, kept).unwrap().is_some());
        drop(conn);
        std::fs::remove_dir_all(dir).unwrap();
    }
}
