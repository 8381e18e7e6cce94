//! What a share link shows: the shared credentials, each verified now; the
//! awards among them with what they are made of; employment records when
//! everything is shared; and a presentation signed by the service that the
//! viewer can keep and re-verify later.

use std::collections::{BTreeSet, HashMap};

use cairn_domain::sharing::ShareScope;
use cairn_domain::{AchievementId, CredentialId, PathwayId, UserId};
use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;

use crate::services::records::EmploymentView;
use crate::services::records::ImportedView;
use crate::services::records::CredentialView;
use crate::signing::OrgSigner;
use crate::store::credentials::{self, Credential};
use crate::store::shares::{self, Share, View};
use crate::store::{DbConn, StoreError, StoreResult, achievements, audit, employment, imports, pathways, skills, users};
use crate::services::verification::{self, Presented};

/// A shared record as the holder of the link sees it.
#[derive(Serialize, ToSchema)]
pub struct SharedRecord {
    /// The share's id.
    #[schema(value_type = String, format = Uuid)]
    pub share: uuid::Uuid,
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
            let ids: BTreeSet<String> = ids.iter().map(ToString::to_string).collect();
            Selection {
                issued: held.into_iter().filter(|c| ids.contains(&c.id.to_string())).collect(),
                imported: holders_imports(conn, learner)?.into_iter().filter(|i| ids.contains(&i.id)).collect(),
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
pub fn check_scope(conn: &mut DbConn, learner: UserId, scope: &ShareScope) -> StoreResult<()> {
    let ShareScope::Credentials(ids) = scope else { return Ok(()) };
    let selection = select(conn, learner, scope)?;
    let found: BTreeSet<String> =
        selection.issued.iter().map(|c| c.id.to_string()).chain(selection.imported.iter().map(|i| i.id.clone())).collect();
    let someone_elses: BTreeSet<String> = imports::for_learner(conn, learner)?.into_iter().filter(|i| !i.holder).map(|i| i.id).collect();
    for (index, id) in ids.iter().enumerate() {
        let id = id.to_string();
        if someone_elses.contains(&id) {
            return Err(StoreError::Invalid {
                field: format!("credentials[{index}]"),
                message: format!("{id} was imported but is not yours (its subject is someone else), so it cannot be shared"),
            });
        }
        if !found.contains(&id) {
            return Err(StoreError::Invalid { field: format!("credentials[{index}]"), message: format!("{id} is not in your wallet") });
        }
    }
    Ok(())
}

/// Renders `share` as seen at `now`, with a presentation signed by `platform`.
pub fn render(conn: &mut DbConn, public_url: &str, platform: &OrgSigner, share: &Share, now: DateTime<Utc>) -> StoreResult<SharedRecord> {
    let account = users::find(conn, share.learner)?.ok_or(StoreError::NotFound("share"))?;
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
    let presentation = platform.sign_typed(&claims, "vp+jwt").map_err(|e| StoreError::Corrupt(format!("signing the presentation: {e}")))?;
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
            let achievement_name = achievements::find(conn, constituent.achievement)?.map(|a| a.definition.name.as_str().to_owned()).unwrap_or_default();
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
pub fn log_view(conn: &mut DbConn, share: &Share, view: &View) -> StoreResult<()> {
    shares::record_view(conn, share.id, view)?;
    let mut entry = audit::Entry::new(audit::Action::ShareView, "share", share.id.to_string()).learner(share.learner);
    if let Some(viewer) = view.viewer {
        entry = entry.actor(viewer);
    }
    if let Some(org) = view.viewer_org {
        entry = entry.org(org);
    }
    audit::record(conn, entry)
}
