//! The learner's whole record: the wallet (issued, imported, employment)
//! and its CLR 2.0 export.

use std::collections::{BTreeSet, HashMap};

use cairn_domain::CredentialId;
use cairn_domain::clr::{self, ClrDoc, PartOf};
use cairn_domain::ob3::IssuerProfile;

use crate::services::Context;
use crate::services::records::CredentialView;
use crate::services::verification::{self, Presented};
use crate::signing::{self, SigningError};
use crate::state::AppState;
use crate::store::credentials::{self, Credential, CredentialStatus};
use crate::store::employment::EmploymentRecord;
use crate::store::imports::{self, Imported};
use crate::store::{Store, StoreError, award_constituents, employment, pathways, users};

/// Why assembling a record failed.
#[derive(Debug, thiserror::Error)]
pub enum WalletError {
    #[error("account not found")]
    UnknownAccount,
    #[error("signing the CLR: {0}")]
    Signing(#[source] SigningError),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// What the wallet holds, issued credentials verified at the context's instant.
pub struct Contents {
    pub credentials: Vec<CredentialView>,
    pub imported: Vec<Imported>,
    pub employment: Vec<EmploymentRecord>,
}

/// The actor's (a learner's) wallet.
pub async fn contents(store: &Store, ctx: Context) -> Result<Contents, WalletError> {
    let learner = ctx.actor;
    store
        .read_as(move |conn| {
            let mut issued = Vec::new();
            for credential in credentials::for_learner(conn, learner)? {
                let verification = verification::verify(conn, &ctx.public_url, &Presented::Jwt(credential.jwt.clone()), ctx.now)?;
                issued.push(CredentialView::new(credential, verification, None, None));
            }
            let imported = imports::for_learner(conn, learner)?;
            let employment = employment::for_learner(conn, learner)?;
            Ok(Contents { credentials: issued, imported, employment })
        })
        .await
}

/// The CLR as its JSON document, or signed as a VC-JWT.
pub enum ClrExport {
    Json(serde_json::Value),
    Jwt(String),
}

/// The actor's whole record as a CLR 2.0 `ClrCredential`: every active
/// credential issued here, an `isPartOf` association from each constituent
/// achievement to the award it stacked into, and employment records;
/// signed by the service's own keys: a VC-JWT when `signed`, else JSON
/// with an embedded Data Integrity proof.
pub async fn clr(state: &AppState, ctx: Context, signed: bool) -> Result<ClrExport, WalletError> {
    let learner = ctx.actor;
    let public_url = ctx.public_url.clone();
    let now = ctx.now;
    let doc: ClrDoc = state
        .store
        .read_as(move |conn| {
            let account = users::find(conn, learner)?.ok_or(WalletError::UnknownAccount)?;
            let held: Vec<_> = credentials::for_learner(conn, learner)?.into_iter().filter(|c| c.status == CredentialStatus::Active).collect();
            let by_id: HashMap<CredentialId, &Credential> = held.iter().map(|c| (c.id, c)).collect();
            let achievement_url = |c: &Credential| format!("{public_url}/v1/achievements/{}", c.achievement);
            let mut associations = BTreeSet::new();
            for award in pathways::awards_of(conn, learner)? {
                let Some(award_credential) = by_id.get(&award.credential) else { continue };
                // The constituents that hold the award now.
                for constituent in award_constituents::of_award(conn, award_credential)? {
                    if let Some(constituent) = by_id.get(&constituent) {
                        associations.insert(PartOf { source: achievement_url(constituent), target: achievement_url(award_credential) });
                    }
                }
            }
            Ok::<_, WalletError>(ClrDoc {
                id: format!("urn:uuid:{}", uuid::Uuid::now_v7()),
                name: format!("Comprehensive Learner Record of {}", account.name),
                issuer: IssuerProfile {
                    id: signing::did::platform_did(&public_url),
                    name: "Cairn".into(),
                    url: Some(public_url.clone()),
                    description: None,
                },
                subject_id: format!("urn:uuid:{learner}"),
                credentials: held.iter().map(|c| c.ob3.clone()).collect(),
                associations: associations.into_iter().collect(),
                achievements: employment::for_learner(conn, learner)?
                    .into_iter()
                    .map(|record| {
                        let attested_by = record.attestation.as_ref().map(|_| record.employment.employer_name.as_str());
                        record.employment.as_achievement(&format!("urn:uuid:{}", record.id), attested_by)
                    })
                    .collect(),
                valid_from: now,
            })
        })
        .await?;
    let json = clr::clr_json(&doc);
    if !signed {
        return Ok(ClrExport::Json(state.platform.prove(&json, now).map_err(WalletError::Signing)?));
    }
    let claims = signing::vc_jwt_claims(&json, &doc.issuer.id, Some(&doc.subject_id), doc.valid_from, None);
    Ok(ClrExport::Jwt(state.platform.sign(&claims).map_err(WalletError::Signing)?))
}
