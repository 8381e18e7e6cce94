//! Reading one credential issued here: who may see it, and its verification
//! at the request's instant.

use cairn_domain::{CredentialId, Role};

use crate::auth::Caller;
use crate::services::PublicContext;
use crate::services::records::CredentialView;
use crate::services::verification::{self, Presented};
use crate::store::credentials::Credential;
use crate::store::{DbConn, StoreError, credentials};

#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    /// No such credential, or the reader may not see it (the same answer,
    /// so ids do not leak).
    #[error("credential not found")]
    NotFound,
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// The credential for its holder and for staff of its issuing institution.
pub fn get(conn: &mut DbConn, ctx: &PublicContext, reader: &Caller, id: CredentialId) -> Result<CredentialView, ReadError> {
    let credential = find_visible(conn, reader, id)?;
    let verification = verification::verify(conn, &ctx.public_url, &Presented::Jwt(credential.jwt.clone()), ctx.now)?;
    Ok(CredentialView::new(credential, verification, None, None))
}

/// The stored credential, when `reader` may see it (its holder, staff of
/// its issuing institution).
pub fn find_visible(conn: &mut DbConn, reader: &Caller, id: CredentialId) -> Result<Credential, ReadError> {
    let credential = credentials::find(conn, id)?.ok_or(ReadError::NotFound)?;
    let visible = match reader.role {
        Role::Learner => credential.learner == Some(reader.id),
        Role::Issuer => reader.is_staff_of(credential.org),
        Role::Admin | Role::Employer => false,
    };
    if !visible {
        return Err(ReadError::NotFound);
    }
    Ok(credential)
}
