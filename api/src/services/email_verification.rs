//! Proving an e-mail address. A self-registered learner's address is theirs
//! only once they confirm it with the single-use code mailed to it; until
//! then, credentials issued to the address wait in the claim flow like those
//! for an address without an account. Confirming moves the credentials
//! already waiting for exactly that address into the wallet, through the
//! same path as redeeming a claim code.

use chrono::{DateTime, Duration, Utc};

use crate::state::AppState;
use crate::mail::{self, Delivery};
use crate::signing::{self, MasterKey};
use crate::store::credentials::{self, Credential};
use crate::store::email_verifications::{self, Redeemed};
use crate::store::users::{self, Account};
use crate::store::{DbConn, StoreError, StoreResult, audit, time};

/// How long a mailed code works.
pub const CODE_LIFETIME: Duration = Duration::hours(24);

/// Creates a code for `account`, replacing any earlier one (whose mail then
/// stops working). Returns the code, to be mailed and never stored or
/// logged, and its expiry.
pub fn new_code(conn: &mut DbConn, account: &Account) -> StoreResult<(String, DateTime<Utc>)> {
    let code = signing::random_secret().map_err(|e| StoreError::Corrupt(e.to_string()))?;
    let expires_at = time::now() + CODE_LIFETIME;
    email_verifications::replace(
        conn,
        account.id,
        &account.email,
        &signing::hash_secret(&code),
        expires_at,
    )?;
    Ok((code, expires_at))
}

/// Mails `code` to the account's address. The outcome is logged (never the
/// code); a failure leaves the account as it is, and the learner can ask for
/// a new code.
pub async fn send_code(
    state: &AppState,
    account: &Account,
    code: &str,
    expires_at: DateTime<Utc>,
) -> Result<(), mail::MailError> {
    let message = mail::message::email_verification(
        state.mailer.from(),
        &account.name,
        account.email.as_str(),
        code,
        &state.public_url,
        expires_at,
    )?;
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

pub enum Confirmation {
    /// The address is now the account's; `moved` went into its wallet.
    Confirmed {
        account: Account,
        moved: Vec<Credential>,
    },
    /// No such code: never issued, already used, or replaced by a newer one.
    Unknown,
    Expired,
}

/// Spends `code`; on success marks the address verified and moves the
/// credentials waiting for it into the wallet. One transaction: the caller
/// runs it inside `Store::write`.
pub fn confirm(
    conn: &mut DbConn,
    master: &MasterKey,
    public_url: &str,
    code: &str,
) -> Result<Confirmation, crate::services::claims::ClaimError> {
    let (user, email) = match email_verifications::redeem(conn, &signing::hash_secret(code))? {
        None => return Ok(Confirmation::Unknown),
        Some(Redeemed::Expired) => return Ok(Confirmation::Expired),
        Some(Redeemed::Valid { user, email }) => (user, email),
    };
    // The address the code was sent to must still be the account's.
    let Some(account) = users::mark_email_verified(conn, user, &email)? else {
        return Ok(Confirmation::Unknown);
    };
    audit::record(
        conn,
        audit::Entry::new(
            audit::Action::AccountEmailVerify,
            "user",
            account.id.to_string(),
        )
        .actor(account.id)
        .learner(account.id),
    )?;
    let waiting = credentials::waiting_for_email(conn, &account.email)?;
    let ctx = crate::services::Context {
        now: time::now(),
        actor: account.id,
        public_url: public_url.to_owned(),
        master: master.clone(),
    };
    let moved = crate::services::claims::move_into_wallet(conn, &ctx, account.id, waiting)?;
    Ok(Confirmation::Confirmed { account, moved })
}
