//! Accounts and organisations: anyone registers as a learner; an
//! administrator creates organisations (each with its signing key) and adds
//! staff members to them, with the role that fits.

use cairn_domain::{DisplayName, Email, OrgId, OrgKind, Role};

use crate::auth::Password;
use crate::services::email_verification::{self, EmailVerificationError};
use crate::services::{Context, PublicContext};
use crate::signing::{NewOrgKey, SigningError};
use crate::state::AppState;
use crate::store::orgs::{NewOrganisation, Organisation};
use crate::store::users::{self, Account, NewAccount};
use crate::store::{StoreError, orgs};

/// Why an account use case refused.
#[derive(Debug, thiserror::Error)]
pub enum AccountError {
    #[error("organisation not found")]
    UnknownOrganisation,
    /// Staff of an institution issue, staff of an employer employ.
    #[error("a {kind} organisation's staff have the role `{}`", staff_role(*kind))]
    RoleMismatch { kind: OrgKind },
    #[error("creating the organisation's signing key: {0}")]
    Key(#[source] SigningError),
    #[error("hashing the password: {0}")]
    Hashing(#[source] anyhow::Error),
    #[error(transparent)]
    Verification(#[from] EmailVerificationError),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// The role staff of an organisation of `kind` have.
fn staff_role(kind: OrgKind) -> &'static str {
    match kind {
        OrgKind::Institution => "issuer",
        OrgKind::Employer => "employer",
    }
}

/// Who registers or is added.
pub struct NewPerson {
    pub email: Email,
    pub password: Password,
    pub name: DisplayName,
}

/// Registers a learner account. The address starts unconfirmed and a code
/// is mailed to it; a mail that cannot be sent is logged and does not undo
/// the account (the learner can ask for a new code).
pub async fn register(state: &AppState, ctx: PublicContext, person: NewPerson) -> Result<Account, AccountError> {
    let NewPerson { email, password, name } = person;
    let password_hash = state.hash_password(password).await.map_err(AccountError::Hashing)?;
    let now = ctx.now;
    let (account, code, expires_at) = state
        .store
        .write_as(move |conn| {
            let new = NewAccount { email, name, password_hash, role: Role::Learner, org: None, email_verified: false };
            let account = users::insert(conn, new, None)?;
            let (code, expires_at) = email_verification::new_code(conn, &account, now)?;
            Ok::<_, AccountError>((account, code, expires_at))
        })
        .await?;
    // A mail failure is logged by `send_code` and does not undo the account.
    let _ = email_verification::send_code(state, &account, &code, expires_at).await;
    Ok(account)
}

/// The actor (an administrator) adds a staff member with `role` to `org`;
/// the role must fit the organisation's kind. Staff addresses count as
/// confirmed: the administrator vouches for them.
pub async fn add_staff(state: &AppState, ctx: Context, org: OrgId, role: Role, person: NewPerson) -> Result<Account, AccountError> {
    let found = state.store.read(move |conn| orgs::find(conn, org)).await?.ok_or(AccountError::UnknownOrganisation)?;
    if role.org_kind() != Some(found.kind) {
        return Err(AccountError::RoleMismatch { kind: found.kind });
    }
    let NewPerson { email, password, name } = person;
    let password_hash = state.hash_password(password).await.map_err(AccountError::Hashing)?;
    state
        .store
        .write_as(move |conn| {
            // Re-checked inside the transaction: the organisation must still exist.
            orgs::find(conn, org)?.ok_or(AccountError::UnknownOrganisation)?;
            let new = NewAccount { email, name, password_hash, role, org: Some(org), email_verified: true };
            Ok(users::insert(conn, new, Some(ctx.actor))?)
        })
        .await
}

/// The actor (an administrator) creates an organisation with a fresh
/// signing key, sealed by the master key.
pub async fn create_organisation(state: &AppState, ctx: Context, new: NewOrganisation) -> Result<Organisation, AccountError> {
    let key = NewOrgKey::generate(&ctx.master).map_err(AccountError::Key)?;
    let actor = ctx.actor;
    Ok(state.store.write(move |conn| orgs::insert(conn, new, key, actor)).await?)
}
