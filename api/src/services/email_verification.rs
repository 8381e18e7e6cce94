//! Proving an e-mail address. A self-registered learner's address is theirs
//! only once they confirm it with the single-use code mailed to it; until
//! then, credentials issued to the address wait in the claim flow like those
//! for an address without an account. Confirming moves the credentials
//! already waiting for exactly that address into the wallet, through the
//! same path as redeeming a claim code.

use chrono::{DateTime, Duration, Utc};

use cairn_domain::Email;

use crate::mail::{self, Delivery, MailError};
use crate::services::records::CredentialView;
use crate::services::verification::{self, Presented};
use crate::services::{Context, PublicContext};
use crate::signing::{self, MasterKeyError};
use crate::state::AppState;
use crate::store::credentials::{self, Credential};
use crate::store::email_verifications::{self, Redeemed};
use crate::store::users::{self, Account};
use crate::store::{DbConn, Store, StoreError, audit};

/// How long a mailed code works.
pub const CODE_LIFETIME: Duration = Duration::hours(24);
/// Codes are random text of this length at most; anything longer is unknown.
const MAX_CODE: usize = 256;

/// Why confirming an address or sending a code failed.
#[derive(Debug, thiserror::Error)]
pub enum EmailVerificationError {
    /// Never issued, already used, or replaced by a newer one.
    #[error("unknown or already used; ask for a new code with POST /v1/me/email-verification")]
    UnknownCode,
    #[error("expired; ask for a new code with POST /v1/me/email-verification")]
    ExpiredCode,
    #[error("{0} is already confirmed")]
    AlreadyConfirmed(Email),
    #[error("account not found")]
    UnknownAccount,
    #[error("creating the code: {0}")]
    Secret(#[source] MasterKeyError),
    #[error("mailing the code: {0}")]
    Mail(#[source] MailError),
    /// Moving the credentials that waited for the address into the wallet.
    #[error(transparent)]
    Claim(#[from] crate::services::claims::ClaimError),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Creates a code for `account`, replacing any earlier one (whose mail then
/// stops working). Returns the code, to be mailed and never stored or
/// logged, and its expiry.
pub fn new_code(conn: &mut DbConn, account: &Account, now: DateTime<Utc>) -> Result<(String, DateTime<Utc>), EmailVerificationError> {
    let code = signing::random_secret().map_err(EmailVerificationError::Secret)?;
    let expires_at = now + CODE_LIFETIME;
    email_verifications::replace(conn, account.id, &account.email, &signing::hash_secret(&code), expires_at)?;
    Ok((code, expires_at))
}

/// Mails `code` to the account's address. The outcome is logged (never the
/// code); a failure leaves the account as it is, and the learner can ask for
/// a new code.
pub async fn send_code(state: &AppState, account: &Account, code: &str, expires_at: DateTime<Utc>) -> Result<(), MailError> {
    let message = mail::message::email_verification(state.mailer.from(), &account.name, account.email.as_str(), code, &state.public_url, expires_at)?;
    match state.mailer.send(message).await {
        Ok(Delivery::Smtp) => {
            tracing::info!(user = %account.id, "sent the e-mail verification message");
            Ok(())
        }
        Ok(Delivery::Outbox(path)) => {
            tracing::info!(user = %account.id, path = %path.display(), "no SMTP server configured: wrote the e-mail verification message to the outbox");
            Ok(())
        }
        Err(error) => {
            tracing::warn!(user = %account.id, %error, "could not send the e-mail verification message; the learner can ask for a new one");
            Err(error)
        }
    }
}

/// A confirmed address: the account, and the credentials that waited for
/// it, now in the wallet (each verified at the context's instant).
pub struct Confirmed {
    pub account: Account,
    pub claimed: Vec<CredentialView>,
}

/// Spends `code` (anyone holding it may: it proves they read the mail);
/// marks the address verified and moves the credentials waiting for it into
/// the wallet, in one transaction.
pub async fn confirm(store: &Store, ctx: PublicContext, code: &str) -> Result<Confirmed, EmailVerificationError> {
    let code = code.trim().to_owned();
    if code.is_empty() || code.len() > MAX_CODE {
        return Err(EmailVerificationError::UnknownCode);
    }
    store
        .write_as::<_, EmailVerificationError, _>(move |conn| {
            // A refused code stays spent (an expired one is deleted), so the
            // refusal commits: it is the inner error.
            let (account, moved) = match redeem(conn, &ctx, &code)? {
                Ok(redeemed) => redeemed,
                Err(refusal) => return Ok(Err(refusal)),
            };
            let mut claimed = Vec::with_capacity(moved.len());
            for credential in moved {
                let verification = verification::verify(conn, &ctx.public_url, &Presented::Jwt(credential.jwt.clone()), ctx.now)?;
                claimed.push(CredentialView::new(credential, verification, None, None));
            }
            Ok(Ok(Confirmed { account, claimed }))
        })
        .await?
}

/// Spends `code`: the account and the credentials moved into its wallet,
/// or (inner error) why the code is refused.
fn redeem(
    conn: &mut DbConn,
    ctx: &PublicContext,
    code: &str,
) -> Result<Result<(Account, Vec<Credential>), EmailVerificationError>, EmailVerificationError> {
    let (user, email) = match email_verifications::redeem(conn, &signing::hash_secret(code), ctx.now)? {
        None => return Ok(Err(EmailVerificationError::UnknownCode)),
        Some(Redeemed::Expired) => return Ok(Err(EmailVerificationError::ExpiredCode)),
        Some(Redeemed::Valid { user, email }) => (user, email),
    };
    // The address the code was sent to must still be the account's.
    let Some(account) = users::mark_email_verified(conn, user, &email)? else {
        return Ok(Err(EmailVerificationError::UnknownCode));
    };
    audit::record(
        conn,
        audit::Entry::new(audit::Action::AccountEmailVerify, "user", account.id.to_string()).at(ctx.now).actor(account.id).learner(account.id),
    )?;
    let waiting = credentials::waiting_for_email(conn, &account.email)?;
    let claim_ctx = crate::services::Context {
        now: ctx.now,
        actor: account.id,
        public_url: ctx.public_url.clone(),
        master: ctx.master.clone(),
        graphs: ctx.graphs.clone(),
    };
    let moved = crate::services::claims::move_into_wallet(conn, &claim_ctx, account.id, waiting)?;
    Ok(Ok((account, moved)))
}

/// Mails the actor (a learner whose address is not confirmed yet) a new
/// code, which replaces any earlier one. Returns the account and when the
/// code expires.
pub async fn resend(state: &AppState, ctx: Context) -> Result<(Account, DateTime<Utc>), EmailVerificationError> {
    let learner = ctx.actor;
    let (account, code, expires_at) = state
        .store
        .write_as(move |conn| {
            let account = users::find(conn, learner)?.ok_or(EmailVerificationError::UnknownAccount)?;
            if account.email_verified_at.is_some() {
                return Err(EmailVerificationError::AlreadyConfirmed(account.email));
            }
            let (code, expires_at) = new_code(conn, &account, ctx.now)?;
            Ok((account, code, expires_at))
        })
        .await?;
    send_code(state, &account, &code, expires_at).await.map_err(EmailVerificationError::Mail)?;
    Ok((account, expires_at))
}
