//! Importing a credential from elsewhere: recognise, verify, decide whose it
//! is, keep it (whatever the verdict), once. What is imported is a
//! credential (OB 3.0 JSON or VC-JWT), an Open Badges 2.0 assertion (its
//! JSON, its JWS, or its URL), or a badge baked into a PNG or SVG image.
//! Open Badges 2.0 assertions are fetched from their issuers before the
//! store transaction opens.

use std::sync::Arc;

use cairn_domain::ImportId;
use chrono::{DateTime, Utc};
use serde_json::Value;

use crate::services::Context;
use crate::services::baked::{self, Baked, BakedError, ImageKind};
use crate::services::external_status;
use crate::services::holder::{self, HolderMatch};
use crate::services::ob2::{self, Assertion};
use crate::services::verification::{self, Check, Outcome, Presented};
use crate::state::AppState;
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
    /// The image is no PNG or SVG, or carries no readable badge.
    #[error(transparent)]
    Baked(#[from] BakedError),
    /// What an image carries is no credential.
    #[error("the badge baked into the image is {0}")]
    NotACredential(String),
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

/// What a learner imports.
#[derive(Debug, Clone)]
pub enum Source {
    /// A credential or an OB 2.0 assertion as presented: JSON or a compact
    /// JWS (already recognised as a credential by the caller).
    Presented(Presented),
    /// The URL of a hosted Open Badges 2.0 assertion.
    Url(String),
    /// A baked badge: the bytes of a PNG or SVG image.
    Image { kind: ImageKind, bytes: Vec<u8> },
}

/// What is verified, once taken out of its image.
enum Input {
    Presented(Presented),
    Url(String),
}

/// How it is verified: from what was fetched (OB 2.0), or here.
enum Prepared {
    Fetched(ob2::Resolved),
    Local(Presented, external_status::Lists, crate::services::dids::Prefetched),
}

/// Imports `source` into the actor's (a learner's) wallet: verifies it
/// against the issuers this service knows (fetching an OB 2.0 assertion
/// and its issuer's documents, or the status lists a credential names, through
/// the state's fetcher), checks that its subject
/// is the learner, and keeps it with the result. The same credential
/// imported again is the first import.
pub async fn import(state: Arc<AppState>, ctx: Context, source: Source) -> Result<ImportOutcome, ImportError> {
    let learner = ctx.actor;
    let input = match source {
        Source::Presented(presented) => Input::Presented(presented),
        Source::Url(url) => Input::Url(url),
        Source::Image { kind, bytes } => match baked::extract(kind, &bytes)? {
            Baked::Presented(presented) => {
                verification::recognise(&presented).map_err(|e| ImportError::NotACredential(e.to_string()))?;
                Input::Presented(presented)
            }
            Baked::Url(url) => Input::Url(url),
        },
    };
    // What lives elsewhere (an OB 2.0 assertion and its issuer's documents,
    // external status lists) is fetched now, outside the transaction.
    let fetcher = state.fetcher.clone();
    let prepared = match &input {
        Input::Url(url) => Prepared::Fetched(ob2::resolve_blocking(fetcher, Assertion::Url(url.clone()), ctx.now).await?),
        Input::Presented(presented) => match Assertion::of(presented) {
            Some(assertion) => Prepared::Fetched(ob2::resolve_blocking(fetcher, assertion, ctx.now).await?),
            None => {
                let lists = verification::fetch_status_lists(state.clone(), &ctx.public_url, presented).await;
                // So are the DID documents of other services' proofs.
                let resolved = match presented {
                    Presented::Json(doc) => crate::services::dids::prefetch(state.clone(), &ctx.public_url, Some(doc)).await,
                    Presented::Jwt(_) => crate::services::dids::Prefetched::default(),
                };
                Prepared::Local(presented.clone(), lists, resolved)
            }
        },
    };
    state
        .store
        .write_as(move |conn| {
            let mut verification = match prepared {
                Prepared::Fetched(resolved) => ob2::finish(conn, resolved)?,
                Prepared::Local(presented, lists, resolved) => {
                    let mut verification = verification::verify_with(conn, &ctx.public_url, &resolved, &presented, ctx.now)?;
                    verification::apply_external_status(conn, &ctx.public_url, &mut verification, &lists, ctx.now)?;
                    verification
                }
            };
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
            let fingerprint = fingerprint(&input, &doc, verification.issuer.as_deref(), verification.verified);
            if let Some(existing) = imports::find_by_fingerprint(conn, learner, &fingerprint)? {
                return Ok(ImportOutcome { imported: existing, created: false });
            }
            let imported = Imported {
                id: ImportId::new(),
                learner,
                issuer_id: verification.issuer.clone(),
                issuer_name: text_at(&doc, "/issuer/name").or_else(|| text_at(&doc, "/badge/issuer/name")),
                achievement_name: text_at(&doc, "/credentialSubject/achievement/name")
                    .or_else(|| text_at(&doc, "/badge/name"))
                    .or_else(|| text_at(&doc, "/name")),
                jwt: match &input {
                    Input::Presented(Presented::Jwt(jwt)) => Some(jwt.clone()),
                    Input::Presented(Presented::Json(_)) | Input::Url(_) => None,
                },
                verified: verification.verified,
                verification: serde_json::to_value(&verification)?,
                awarded_at: time_at(&doc, "awardedDate")
                    .or_else(|| time_at(&doc, "validFrom"))
                    .or_else(|| time_at(&doc, "issuanceDate"))
                    .or_else(|| ob2::time_of(&doc, "issuedOn")),
                valid_until: time_at(&doc, "validUntil").or_else(|| time_at(&doc, "expirationDate")).or_else(|| ob2::time_of(&doc, "expires")),
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
fn fingerprint(input: &Input, doc: &Value, issuer: Option<&str>, verified: bool) -> String {
    let id = doc.get("id").and_then(Value::as_str).filter(|_| verified);
    let basis = match id {
        Some(id) => format!("id\n{}\n{id}", issuer.unwrap_or_default()),
        None => match input {
            Input::Presented(Presented::Jwt(jwt)) => format!("jwt\n{}", jwt.trim()),
            Input::Presented(Presented::Json(presented)) => format!("json\n{presented}"),
            Input::Url(url) => format!("url\n{url}"),
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
        let as_jwt = fingerprint(&Input::Presented(Presented::Jwt("a.b.c".into())), &doc, Some("https://issuer"), true);
        let as_json = fingerprint(&Input::Presented(Presented::Json(doc.clone())), &doc, Some("https://issuer"), true);
        assert_eq!(as_jwt, as_json);
        let as_url = fingerprint(&Input::Url("https://issuer/a/1".into()), &doc, Some("https://issuer"), true);
        assert_eq!(as_url, as_json);
        let unverified = fingerprint(&Input::Presented(Presented::Jwt("a.b.c".into())), &doc, Some("https://issuer"), false);
        assert_ne!(unverified, as_jwt);
    }
}
