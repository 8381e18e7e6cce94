//! What a share link shows: the shared credentials, each verified now; the
//! awards among them with what they are made of; employment records when
//! everything is shared; and a presentation signed by the service that the
//! viewer can keep and re-verify later.

use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;

use cairn_domain::sharing::ShareScope;
use cairn_domain::{AchievementId, CredentialId, OrgId, PathwayId, ShareId, ShareRequestId, UserId};
use chrono::{DateTime, Duration, Utc};
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::auth::Caller;
use crate::services::context::{Context, PublicContext};
use crate::services::events::{self, Event, EventKind};
use crate::services::records::{CredentialView, EmploymentView, ImportedView};
use crate::services::verification::{self, Presented};
use crate::signing::{self, MasterKeyError, OrgSigner, SigningError};
use crate::state::AppState;
use crate::store::credentials::{self, Credential};
use crate::store::shares::{self, RequestStatus, RequestsOf, Share, ShareRequest, View};
use crate::store::skills::Discoverability;
use crate::store::{DbConn, Store, StoreError, StoreResult, achievements, audit, employment, imports, orgs, pathways, skills, time, users};

/// The longest a share link may stay open.
pub const MAX_SHARE_DAYS: i64 = 90;
/// The longest note an employer may send with a share request.
pub const MAX_REQUEST_MESSAGE: usize = 2000;
/// The longest `audience` note on a share.
pub const MAX_AUDIENCE: usize = 200;

/// Why a sharing use case refused.
#[derive(Debug, thiserror::Error)]
pub enum ShareError {
    #[error("the expiry must be in the future")]
    ExpiryInPast,
    #[error("the expiry must be at most {MAX_SHARE_DAYS} days ahead")]
    ExpiryTooFar,
    #[error("the audience must be at most {MAX_AUDIENCE} characters")]
    AudienceTooLong,
    /// A named credential is an import whose subject is someone else.
    #[error("{id} was imported but is not yours (its subject is someone else), so it cannot be shared")]
    NotTheHolder { index: usize, id: Uuid },
    #[error("{id} is not in your wallet")]
    NotInWallet { index: usize, id: Uuid },
    /// No such request to this learner (or of this organisation).
    #[error("share request not found")]
    UnknownRequest,
    #[error("this share request was already answered")]
    RequestAnswered,
    /// Unknown, someone else's, expired or revoked: the same answer.
    #[error("share not found")]
    UnknownShare,
    #[error("the learner has not granted this request (status {0:?})")]
    NotGranted(RequestStatus),
    /// Not discoverable, so as good as unknown to an employer.
    #[error("learner not found")]
    UnknownLearner,
    #[error("the message must be at most {MAX_REQUEST_MESSAGE} characters")]
    MessageTooLong,
    #[error("creating the share token: {0}")]
    Token(#[source] MasterKeyError),
    #[error("signing the presentation: {0}")]
    Signing(#[source] SigningError),
    #[error(transparent)]
    Store(#[from] StoreError),
}

pub type ShareResult<T> = Result<T, ShareError>;

/// A shared record as the holder of the link sees it.
#[derive(Serialize, ToSchema)]
pub struct SharedRecord {
    /// The share's id.
    #[schema(value_type = String, format = Uuid)]
    pub share: ShareId,
    pub audience: Option<String>,
    pub expires_at: DateTime<Utc>,
    pub learner: SharedLearner,
    /// Credentials issued through this service, each verified at `viewed_at`.
    pub credentials: Vec<CredentialView>,
    /// Credentials the learner imported, with the result of their
    /// verification at import (unverified ones say so).
    pub imported: Vec<ImportedView>,
    /// Employment records (only when everything is shared).
    pub employment: Vec<EmploymentView>,
    /// The shared credentials that are awards of a pathway, and what they
    /// are made of.
    pub awards: Vec<SharedAward>,
    pub viewed_at: DateTime<Utc>,
    /// A VC-JOSE-COSE presentation (`typ: vp+jwt`, ES256) signed by the
    /// service's key from `/.well-known/jwks.json`: the payload is a VCDM 2.0
    /// `VerifiablePresentation` whose `holder` is the learner and whose
    /// `verifiableCredential` entries are `EnvelopedVerifiableCredential`s
    /// (`data:application/vc+jwt,<jwt>`). Keep it and verify it later with
    /// `POST /v1/verify {"presentation": ...}`.
    pub presentation: String,
    /// The same presentation as JSON with an embedded Data Integrity proof
    /// (`eddsa-rdfc-2022`, the service's key in `/.well-known/did.json`),
    /// enclosing each credential's own signed document.
    #[schema(value_type = Object)]
    pub presentation_document: serde_json::Value,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SharedLearner {
    #[schema(value_type = String, format = Uuid)]
    pub id: UserId,
    pub name: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SharedAward {
    /// The award credential.
    #[schema(value_type = String, format = Uuid)]
    pub credential: CredentialId,
    #[schema(value_type = String, format = Uuid)]
    pub pathway: PathwayId,
    pub pathway_name: String,
    /// The credentials it was built from.
    pub constituents: Vec<Constituent>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Constituent {
    #[schema(value_type = String, format = Uuid)]
    pub credential: CredentialId,
    #[schema(value_type = String, format = Uuid)]
    pub achievement: AchievementId,
    pub achievement_name: String,
    pub status: credentials::CredentialStatus,
    /// Whether this credential is itself part of the share.
    pub shared: bool,
}

/// What a scope selects from the learner's wallet, resolved now.
struct Selection {
    issued: Vec<Credential>,
    imported: Vec<imports::Imported>,
    employment: Vec<employment::EmploymentRecord>,
}

/// Imports whose subject is the learner: someone else's credential, even a
/// genuine one, is never shown as the learner's.
fn holders_imports(conn: &mut DbConn, learner: UserId) -> StoreResult<Vec<imports::Imported>> {
    Ok(imports::for_learner(conn, learner)?.into_iter().filter(|i| i.holder).collect())
}

fn select(conn: &mut DbConn, learner: UserId, scope: &ShareScope) -> StoreResult<Selection> {
    let held = credentials::for_learner(conn, learner)?;
    Ok(match scope {
        ShareScope::All(_) => {
            Selection { issued: held, imported: holders_imports(conn, learner)?, employment: employment::for_learner(conn, learner)? }
        }
        ShareScope::Credentials(ids) => {
            let ids: BTreeSet<Uuid> = ids.iter().copied().collect();
            Selection {
                issued: held.into_iter().filter(|c| ids.contains(&c.id.as_uuid())).collect(),
                imported: holders_imports(conn, learner)?.into_iter().filter(|i| ids.contains(&i.id.as_uuid())).collect(),
                employment: Vec::new(),
            }
        }
        ShareScope::Skills(wanted) => {
            let aligned: BTreeSet<CredentialId> = skills::credentials_with_skills(conn, learner, wanted)?.into_iter().collect();
            Selection { issued: held.into_iter().filter(|c| aligned.contains(&c.id)).collect(), imported: Vec::new(), employment: Vec::new() }
        }
    })
}

/// Checks, when a share is created, that every named credential is in the
/// learner's wallet; names the first that is not.
fn check_scope(conn: &mut DbConn, learner: UserId, scope: &ShareScope) -> ShareResult<()> {
    let ShareScope::Credentials(ids) = scope else { return Ok(()) };
    let selection = select(conn, learner, scope)?;
    let found: BTreeSet<Uuid> = selection.issued.iter().map(|c| c.id.as_uuid()).chain(selection.imported.iter().map(|i| i.id.as_uuid())).collect();
    let someone_elses: BTreeSet<Uuid> = imports::for_learner(conn, learner)?.into_iter().filter(|i| !i.holder).map(|i| i.id.as_uuid()).collect();
    for (index, &id) in ids.iter().enumerate() {
        if someone_elses.contains(&id) {
            return Err(ShareError::NotTheHolder { index, id });
        }
        if !found.contains(&id) {
            return Err(ShareError::NotInWallet { index, id });
        }
    }
    Ok(())
}

/// Renders `share` as seen at `now`, with a presentation signed by `platform`.
fn render(conn: &mut DbConn, public_url: &str, platform: &OrgSigner, share: &Share, now: DateTime<Utc>) -> ShareResult<SharedRecord> {
    let account = users::find(conn, share.learner)?.ok_or(ShareError::UnknownShare)?;
    let selection = select(conn, share.learner, &share.scope)?;
    let mut views = Vec::with_capacity(selection.issued.len());
    for credential in &selection.issued {
        let verification = verification::verify(conn, public_url, &Presented::Jwt(credential.jwt.clone()), now)?;
        views.push(CredentialView::new(credential.clone(), verification, None, None));
    }
    let awards = shared_awards(conn, share.learner, &selection.issued)?;
    // Enclosed: credentials whose subject id is the holder, so that a
    // verifier can check each is the holder's. Imports matched to the learner
    // only by e-mail are listed in `imported` but not enclosed.
    let holder = format!("urn:uuid:{}", share.learner);
    let enclosed: Vec<serde_json::Value> = selection
        .issued
        .iter()
        .map(|c| c.jwt.clone())
        .chain(selection.imported.iter().filter(|i| crate::services::holder::subject_is(&i.credential, &holder)).filter_map(|i| i.jwt.clone()))
        .map(|jwt| verification::envelope(&jwt))
        .collect();
    let claims = serde_json::json!({
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "type": ["VerifiablePresentation"],
        "id": format!("urn:uuid:{}", uuid::Uuid::now_v7()),
        "holder": holder,
        "verifiableCredential": enclosed,
        "iss": public_url,
        "iat": now.timestamp(),
        "nbf": now.timestamp(),
        "share": { "id": share.id, "audience": share.audience, "url_expires_at": share.expires_at },
        "employmentAttestations": selection.employment.iter().filter_map(|r| r.attestation.as_ref().map(|a| a.jwt.clone())).collect::<Vec<_>>(),
    });
    let presentation = platform.sign_typed(&claims, "vp+jwt").map_err(ShareError::Signing)?;
    // The same presentation for Data Integrity verifiers: the credentials'
    // own signed documents, under a proof of the service's Ed25519 key.
    let documents: Vec<serde_json::Value> = selection
        .issued
        .iter()
        .map(|c| c.ob3.clone())
        .chain(
            selection
                .imported
                .iter()
                .filter(|i| i.credential.get("proof").is_some() && crate::services::holder::subject_is(&i.credential, &holder))
                .map(|i| i.credential.clone()),
        )
        .collect();
    let document = serde_json::json!({
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "type": ["VerifiablePresentation"],
        "id": claims["id"],
        "holder": holder,
        "verifiableCredential": documents,
    });
    let presentation_document = platform.prove(&document, now).map_err(ShareError::Signing)?;
    Ok(SharedRecord {
        share: share.id,
        audience: share.audience.clone(),
        expires_at: share.expires_at,
        learner: SharedLearner { id: account.id, name: account.name },
        credentials: views,
        imported: selection.imported.into_iter().map(ImportedView::new).collect(),
        employment: selection.employment.into_iter().map(|r| EmploymentView::new(r, public_url)).collect(),
        awards,
        viewed_at: now,
        presentation,
        presentation_document,
    })
}

fn shared_awards(conn: &mut DbConn, learner: UserId, shared: &[Credential]) -> StoreResult<Vec<SharedAward>> {
    let shared_ids: BTreeSet<CredentialId> = shared.iter().map(|c| c.id).collect();
    let by_credential: HashMap<CredentialId, pathways::Award> = pathways::awards_of(conn, learner)?.into_iter().map(|a| (a.credential, a)).collect();
    let mut awards = Vec::new();
    for credential in shared {
        let Some(award) = by_credential.get(&credential.id) else { continue };
        let pathway_name = pathways::find(conn, award.pathway)?.map(|p| p.pathway.rule.name).unwrap_or_default();
        let mut constituents = Vec::new();
        // Those that hold it now (the cascade may have moved it to another
        // allocation), not necessarily those its signed evidence names.
        for id in crate::store::award_constituents::of_award(conn, credential)? {
            let Some(constituent) = credentials::find(conn, id)? else { continue };
            let achievement_name =
                achievements::find(conn, constituent.achievement)?.map(|a| a.definition.name.as_str().to_owned()).unwrap_or_default();
            constituents.push(Constituent {
                credential: id,
                achievement: constituent.achievement,
                achievement_name,
                status: constituent.status,
                shared: shared_ids.contains(&id),
            });
        }
        awards.push(SharedAward { credential: credential.id, pathway: award.pathway, pathway_name, constituents });
    }
    Ok(awards)
}

/// Records one opening of `share` in its view log and in the learner's audit log.
fn log_view(conn: &mut DbConn, share: &Share, view: &View) -> StoreResult<()> {
    shares::record_view(conn, share.id, view)?;
    let mut entry = audit::Entry::new(audit::Action::ShareView, "share", share.id.to_string()).at(view.at).learner(share.learner);
    if let Some(viewer) = view.viewer {
        entry = entry.actor(viewer);
    }
    if let Some(org) = view.viewer_org {
        entry = entry.org(org);
    }
    audit::record(conn, entry)
}

/// What a learner asks for when creating a share link (the scope already
/// parsed at the edge).
pub struct NewShare {
    pub scope: ShareScope,
    pub expires_at: DateTime<Utc>,
    pub audience: Option<String>,
    /// An employer's share request this share answers.
    pub request: Option<ShareRequestId>,
}

/// A new share link with its token, which exists only here: the store
/// keeps a hash of it.
pub struct CreatedShare {
    pub share: Share,
    pub token: String,
    pub url: String,
}

/// Creates a share link for the actor (a learner): the expiry in the
/// future and at most `MAX_SHARE_DAYS` ahead, named credentials in the
/// wallet and the learner's own; answering `request` marks it granted.
pub async fn create(store: &Store, ctx: Context, new: NewShare) -> ShareResult<CreatedShare> {
    let now = ctx.now;
    if new.expires_at <= now {
        return Err(ShareError::ExpiryInPast);
    }
    if new.expires_at > now + Duration::days(MAX_SHARE_DAYS) {
        return Err(ShareError::ExpiryTooFar);
    }
    let audience = match new.audience.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(text) if text.chars().count() > MAX_AUDIENCE => return Err(ShareError::AudienceTooLong),
        Some(text) => Some(text.to_owned()),
    };
    let token = signing::random_secret().map_err(ShareError::Token)?;
    let learner = ctx.actor;
    // Stored times have microsecond precision: show what is stored.
    let expires_at = time::to_db(new.expires_at).and_utc();
    let share = Share { id: ShareId::new(), learner, scope: new.scope, audience, expires_at, revoked_at: None, created_at: now };
    let request = new.request;
    let hash = signing::hash_secret(&token);
    let url = format!("{}/v1/shares/{token}", ctx.public_url);
    let share = store
        .write_as(move |conn| {
            check_scope(conn, learner, &share.scope)?;
            shares::insert(conn, &share, &hash)?;
            if let Some(request) = request {
                let asked = shares::find_request(conn, request)?.filter(|r| r.learner == learner).ok_or(ShareError::UnknownRequest)?;
                if !shares::answer_request(conn, request, RequestStatus::Granted, Some(share.id), now)? {
                    return Err(ShareError::RequestAnswered);
                }
                let kind = EventKind::ShareRequestGranted { request, share: share.id, learner };
                events::publish(conn, &ctx, &[Event::new(&ctx, asked.org, kind)])?;
            }
            audit::record(
                conn,
                audit::Entry::new(audit::Action::ShareCreate, "share", share.id.to_string()).at(ctx.now).actor(learner).learner(learner).detail(
                    serde_json::json!({ "scope": share.scope, "expires_at": share.expires_at, "audience": share.audience, "request": request }),
                ),
            )?;
            Ok(share)
        })
        .await?;
    Ok(CreatedShare { share, token, url })
}

/// Where a share stands at a given instant.
#[derive(Serialize, ToSchema, Clone, Copy, PartialEq, Eq, Debug)]
#[serde(rename_all = "lowercase")]
pub enum ShareState {
    Active,
    Expired,
    Revoked,
}

/// One of a learner's shares with its state now and every opening.
pub struct ListedShare {
    pub share: Share,
    pub state: ShareState,
    pub views: Vec<View>,
}

/// The actor's shares after `after`, oldest first, `limit` of them.
pub async fn list(store: &Store, ctx: Context, after: Option<ShareId>, limit: i64) -> ShareResult<Vec<ListedShare>> {
    let learner = ctx.actor;
    let now = ctx.now;
    store
        .read_as(move |conn| {
            let mut rows = Vec::new();
            for share in shares::list(conn, learner, after, limit)? {
                let views = shares::views(conn, share.id)?;
                let state = if share.revoked_at.is_some() {
                    ShareState::Revoked
                } else if share.is_live(now) {
                    ShareState::Active
                } else {
                    ShareState::Expired
                };
                rows.push(ListedShare { share, state, views });
            }
            Ok(rows)
        })
        .await
}

/// Revokes the actor's share `id`; revoking again changes nothing.
pub async fn revoke(store: &Store, ctx: Context, id: ShareId) -> ShareResult<()> {
    let learner = ctx.actor;
    store
        .write_as(move |conn| {
            let share = shares::find_for_learner(conn, learner, id)?.ok_or(ShareError::UnknownShare)?;
            if share.revoked_at.is_none() {
                shares::revoke(conn, share.id, ctx.now)?;
                audit::record(
                    conn,
                    audit::Entry::new(audit::Action::ShareRevoke, "share", share.id.to_string()).at(ctx.now).actor(learner).learner(learner),
                )?;
            }
            Ok(())
        })
        .await
}

/// Opens the share behind `token` (as the link carries it): the record as
/// it is now, logged as viewed by `viewer` (anyone, or a signed-in
/// account and its organisation). Unknown, expired and revoked
/// links are the same `UnknownShare`.
pub async fn open(state: Arc<AppState>, ctx: PublicContext, token: String, viewer: Option<Caller>) -> ShareResult<SharedRecord> {
    if token.is_empty() || token.len() > 128 {
        return Err(ShareError::UnknownShare);
    }
    let hash = signing::hash_secret(&token);
    let store = state.store.clone();
    store
        .write_as(move |conn| {
            let now = ctx.now;
            let share = shares::find_by_token(conn, &hash)?.filter(|s| s.is_live(now)).ok_or(ShareError::UnknownShare)?;
            let record = render(conn, &ctx.public_url, &state.platform, &share, now)?;
            log_view(conn, &share, &View { at: now, viewer: viewer.map(|v| v.id), viewer_org: viewer.and_then(|v| v.org) })?;
            Ok(record)
        })
        .await
}

/// An employer's share request, with the organisation's name.
pub struct RequestWithOrg {
    pub request: ShareRequest,
    pub org_name: String,
    /// The learner asked (the employer found them by name in talent search).
    pub learner_name: String,
}

fn with_org(conn: &mut DbConn, request: ShareRequest) -> StoreResult<RequestWithOrg> {
    let org_name = orgs::find(conn, request.org)?.map(|o| o.name).unwrap_or_default();
    let learner_name = users::find(conn, request.learner)?.map(|u| u.name).unwrap_or_default();
    Ok(RequestWithOrg { request, org_name, learner_name })
}

/// Employer staff (the actor, of `org`) ask `learner` for a share; only
/// learners who opted in to talent search can be asked.
pub async fn request(store: &Store, ctx: Context, org: OrgId, learner: UserId, message: &str) -> ShareResult<RequestWithOrg> {
    let message = message.trim().to_owned();
    if message.chars().count() > MAX_REQUEST_MESSAGE {
        return Err(ShareError::MessageTooLong);
    }
    store
        .write_as(move |conn| {
            if skills::discoverability(conn, learner)? == Discoverability::Hidden {
                return Err(ShareError::UnknownLearner);
            }
            let request = ShareRequest {
                id: ShareRequestId::new(),
                org,
                requester: ctx.actor,
                learner,
                message,
                status: RequestStatus::Pending,
                share: None,
                created_at: ctx.now,
                answered_at: None,
            };
            shares::insert_request(conn, &request)?;
            audit::record(
                conn,
                audit::Entry::new(audit::Action::ShareRequest, "share_request", request.id.to_string())
                    .at(ctx.now)
                    .actor(ctx.actor)
                    .org(org)
                    .learner(learner),
            )?;
            events::publish(conn, &ctx, &[Event::new(&ctx, org, EventKind::ShareRequested { request: request.id, learner })])?;
            Ok(with_org(conn, request)?)
        })
        .await
}

/// Requests of a learner or of an organisation after `after`, oldest first.
pub async fn requests(store: &Store, of: RequestsOf, after: Option<ShareRequestId>, limit: i64) -> ShareResult<Vec<RequestWithOrg>> {
    store
        .read_as(move |conn| {
            let mut rows = Vec::new();
            for request in shares::requests(conn, of, after, limit)? {
                rows.push(with_org(conn, request)?);
            }
            Ok(rows)
        })
        .await
}

/// The actor (a learner) declines request `id` sent to them.
pub async fn decline(store: &Store, ctx: Context, id: ShareRequestId) -> ShareResult<RequestWithOrg> {
    let learner = ctx.actor;
    store
        .write_as(move |conn| {
            shares::find_request(conn, id)?.filter(|r| r.learner == learner).ok_or(ShareError::UnknownRequest)?;
            if !shares::answer_request(conn, id, RequestStatus::Declined, None, ctx.now)? {
                return Err(ShareError::RequestAnswered);
            }
            audit::record(
                conn,
                audit::Entry::new(audit::Action::ShareRequestAnswer, "share_request", id.to_string())
                    .at(ctx.now)
                    .actor(learner)
                    .learner(learner)
                    .detail(serde_json::json!({ "status": "declined" })),
            )?;
            let request = shares::find_request(conn, id)?.ok_or(ShareError::UnknownRequest)?;
            Ok(with_org(conn, request)?)
        })
        .await
}

/// Opens the share a learner granted in answer to request `id` of `org`,
/// logged as viewed by the actor (its staff member).
pub async fn requested_record(state: Arc<AppState>, ctx: Context, org: OrgId, id: ShareRequestId) -> ShareResult<SharedRecord> {
    let store = state.store.clone();
    store
        .write_as(move |conn| {
            let request = shares::find_request(conn, id)?.filter(|r| r.org == org).ok_or(ShareError::UnknownRequest)?;
            let Some(share_id) = request.share else {
                return Err(ShareError::NotGranted(request.status));
            };
            let now = ctx.now;
            let share = shares::find_for_learner(conn, request.learner, share_id)?.filter(|s| s.is_live(now)).ok_or(ShareError::UnknownShare)?;
            let record = render(conn, &ctx.public_url, &state.platform, &share, now)?;
            log_view(conn, &share, &View { at: now, viewer: Some(ctx.actor), viewer_org: Some(org) })?;
            Ok(record)
        })
        .await
}
