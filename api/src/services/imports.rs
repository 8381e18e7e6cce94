//! Importing a credential from elsewhere: recognise, verify, decide whose it
//! is, keep it (whatever the verdict), once.

use cairn_domain::ImportId;
use chrono::{DateTime, Utc};
use serde_json::Value;

use crate::services::Context;
use crate::services::holder::{self, HolderMatch};
use crate::services::verification::{self, Check, Outcome, Presented};
use crate::store::imports::{self, Imported};
use crate::store::trusted_issuers::{self, TrustedIssuer};
use crate::store::{Store, StoreError, audit, users};

/// Why an import failed (a credential that does not verify is no failure:
/// it is kept and marked).
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    /// The importing account is gone.
    #[error("account not found")]
    UnknownAccount,
    #[error("recording the verification: {0}")]
    Json(#[from] serde_json::Error),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// An import and whether this call created it (false: the same credential
/// was imported before, and this is that import).
pub struct ImportOutcome {
    pub imported: Imported,
    pub created: bool,
}

/// Imports `presented` into the actor's (a learner's) wallet: verifies it
/// against the issuers this service knows, checks that its subject is the
/// learner, and keeps it with the result. The same credential imported
/// again is the first import.
pub async fn import(state: std::sync::Arc<crate::state::AppState>, ctx: Context, presented: Presented) -> Result<ImportOutcome, ImportError> {
    let learner = ctx.actor;
    // Status lists hosted elsewhere are fetched before the write transaction.
    let lists = verification::fetch_status_lists(state.clone(), &ctx.public_url, &presented).await;
    // So are the DID documents of other services' proofs.
    let resolved = match &presented {
        Presented::Json(doc) => crate::services::dids::prefetch(state.clone(), &ctx.public_url, Some(doc)).await,
        Presented::Jwt(_) => crate::services::dids::Prefetched::default(),
    };
    state
        .store
        .write_as(move |conn| {
            let mut verification = verification::verify_with(conn, &ctx.public_url, &resolved, &presented, ctx.now)?;
            verification::apply_external_status(conn, &ctx.public_url, &mut verification, &lists, ctx.now)?;
            let doc = verification.credential.clone().unwrap_or(Value::Null);
            let account = users::find(conn, learner)?.ok_or(ImportError::UnknownAccount)?;
            let holder = holder::Holder { subject_ids: vec![format!("urn:uuid:{learner}")], verified_emails: users::verified_emails(&account) };
            let verdict = if verification::is_ob2(&doc) { holder.check_ob2(&doc) } else { holder.check(&doc) };
            let is_holder = !matches!(verdict, HolderMatch::NotTheHolder(_));
            verification.checks.push(match verdict {
                HolderMatch::Subject(id) => Check { check: "holder", result: Outcome::Pass, detail: format!("issued to you ({id})") },
                HolderMatch::Email => Check { check: "holder", result: Outcome::Pass, detail: "issued to your verified e-mail address".into() },
                HolderMatch::NotTheHolder(why) => Check { check: "holder", result: Outcome::Fail, detail: why },
            });
            verification.verified &= is_holder;
            let fingerprint = fingerprint(&presented, &doc, verification.issuer.as_deref(), verification.verified);
            if let Some(existing) = imports::find_by_fingerprint(conn, learner, &fingerprint)? {
                return Ok(ImportOutcome { imported: existing, created: false });
            }
            let imported = Imported {
                id: ImportId::new(),
                learner,
                issuer_id: verification.issuer.clone(),
                issuer_name: text_at(&doc, "/issuer/name"),
                achievement_name: text_at(&doc, "/credentialSubject/achievement/name").or_else(|| text_at(&doc, "/name")),
                jwt: match &presented {
                    Presented::Jwt(jwt) => Some(jwt.clone()),
                    Presented::Json(_) => None,
                },
                verified: verification.verified,
                verification: serde_json::to_value(&verification)?,
                awarded_at: time_at(&doc, "awardedDate").or_else(|| time_at(&doc, "validFrom")).or_else(|| time_at(&doc, "issuanceDate")),
                valid_until: time_at(&doc, "validUntil").or_else(|| time_at(&doc, "expirationDate")),
                credential: doc,
                imported_at: ctx.now,
                holder: is_holder,
                fingerprint,
            };
            imports::insert(conn, &imported)?;
            audit::record(
                conn,
                audit::Entry::new(audit::Action::CredentialImport, "imported_credential", imported.id.to_string())
                    .at(ctx.now)
                    .actor(learner)
                    .learner(learner)
                    .detail(serde_json::json!({ "issuer": imported.issuer_id, "verified": imported.verified, "holder": imported.holder })),
            )?;
            Ok(ImportOutcome { imported, created: true })
        })
        .await
}

/// The actor (an administrator) trusts an external issuer: credentials
/// signed by a key of `jwks` (already checked to be a JWK set) verify on
/// import.
pub async fn trust_issuer(store: &Store, ctx: Context, issuer_id: String, name: String, jwks: Value) -> Result<TrustedIssuer, ImportError> {
    store
        .write_as(move |conn| {
            let added = trusted_issuers::insert(conn, &issuer_id, &name, &jwks)?;
            audit::record(
                conn,
                audit::Entry::new(audit::Action::TrustedIssuerAdd, "trusted_issuer", added.id.clone())
                    .at(ctx.now)
                    .actor(ctx.actor)
                    .detail(serde_json::json!({ "issuer_id": added.issuer_id })),
            )?;
            Ok(added)
        })
        .await
}

/// A short text field of the document (at most 500 characters).
fn text_at(doc: &Value, pointer: &str) -> Option<String> {
    doc.pointer(pointer).and_then(Value::as_str).map(|s| s.chars().take(500).collect())
}

fn time_at(doc: &Value, field: &str) -> Option<DateTime<Utc>> {
    doc.get(field).and_then(Value::as_str).and_then(|t| DateTime::parse_from_rfc3339(t).ok()).map(|t| t.with_timezone(&Utc))
}

/// A verified credential is fingerprinted by its issuer and id, so it is the
/// same import however it is presented (VC-JWT or its JSON). What does not
/// verify proves nothing about its id: it is fingerprinted by its bytes, so
/// a forged copy never stands in for (or hides behind) the genuine one.
fn fingerprint(presented: &Presented, doc: &Value, issuer: Option<&str>, verified: bool) -> String {
    let id = doc.get("id").and_then(Value::as_str).filter(|_| verified);
    let basis = match id {
        Some(id) => format!("id\n{}\n{id}", issuer.unwrap_or_default()),
        None => match presented {
            Presented::Jwt(jwt) => format!("jwt\n{}", jwt.trim()),
            Presented::Json(presented) => format!("json\n{presented}"),
        },
    };
    crate::signing::hash_secret(&basis)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_verified_credential_is_the_same_import_however_presented() {
        let doc = serde_json::json!({ "id": "urn:uuid:1" });
        let as_jwt = fingerprint(&Presented::Jwt("a.b.c".into()), &doc, Some("https://issuer"), true);
        let as_json = fingerprint(&Presented::Json(doc.clone()), &doc, Some("https://issuer"), true);
        assert_eq!(as_jwt, as_json);
        let unverified = fingerprint(&Presented::Jwt("a.b.c".into()), &doc, Some("https://issuer"), false);
        assert_ne!(unverified, as_jwt);
    }
}
