//! The records use cases hand to the edge: a credential with its
//! verification, an imported credential, an employment record. The JSON
//! API renders them as they are; shares enclose them.

use cairn_domain::{AchievementId, CredentialId, Credits, EmploymentRecordId, ImportId, OrgId, UserId};
use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;
use utoipa::ToSchema;

use crate::services::verification::Verification;
use crate::store::credentials::{Credential, CredentialStatus};
use crate::store::employment::EmploymentRecord;
use crate::store::imports::Imported;

/// A credential issued by this service, as its holder and its issuer see it.
#[derive(Debug, Serialize, ToSchema)]
pub struct CredentialView {
    #[schema(value_type = String, format = Uuid)]
    pub id: CredentialId,
    #[schema(value_type = String, format = Uuid)]
    pub achievement: AchievementId,
    /// The version of the achievement it was issued under (its document shows that version).
    pub achievement_version: i64,
    /// The issuing institution.
    #[schema(value_type = String, format = Uuid)]
    pub org: OrgId,
    /// The holder; null while a credential issued to an e-mail is unclaimed.
    #[schema(value_type = Option<String>, format = Uuid)]
    pub learner: Option<UserId>,
    pub status: CredentialStatus,
    pub awarded_at: DateTime<Utc>,
    pub valid_until: Option<DateTime<Utc>>,
    pub credits_earned: Option<Credits>,
    /// The OpenBadgeCredential JSON.
    #[schema(value_type = Object)]
    pub ob3: serde_json::Value,
    /// The compact VC-JWT (ES256) of `ob3`.
    pub jwt: String,
    pub verification: Verification,
    /// Where this credential's status is published.
    pub status_lists: StatusListRefs,
    /// Only in the response to issuing, for a credential sent to an e-mail
    /// address without an account: deliver it to the recipient, who redeems
    /// it with `POST /v1/me/claims`. Shown once; stored only hashed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub claim_code: Option<String>,
    /// The issuing message of the achievement, for the recipient.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub issuing_message: Option<String>,
}

/// The credential's entries in its institution's status lists.
#[derive(Debug, Serialize, ToSchema)]
pub struct StatusListRefs {
    /// Revocation list URL (the first of the credential's `credentialStatus` entries).
    pub revocation: String,
    /// Suspension list URL (the second entry).
    pub suspension: String,
    /// The credential's index in both lists.
    pub index: i64,
}

impl CredentialView {
    pub fn new(credential: Credential, verification: Verification, claim_code: Option<String>, issuing_message: Option<String>) -> Self {
        let ob3_status = &credential.ob3["credentialStatus"][0]["statusListCredential"];
        // The revocation URL is in the signed document; the suspension list
        // lives beside it under the same base.
        let base = ob3_status.as_str().and_then(|url| url.rsplit_once('/').map(|(base, _)| base.to_owned())).unwrap_or_default();
        let status_lists = StatusListRefs {
            revocation: format!("{base}/{}", credential.slot.revocation_list),
            suspension: format!("{base}/{}", credential.slot.suspension_list),
            index: credential.slot.index,
        };
        CredentialView {
            status_lists,
            id: credential.id,
            achievement: credential.achievement,
            achievement_version: credential.achievement_version,
            org: credential.org,
            learner: credential.learner,
            status: credential.status,
            awarded_at: credential.awarded_at,
            valid_until: credential.valid_until,
            credits_earned: credential.credits_earned,
            ob3: credential.ob3,
            jwt: credential.jwt,
            verification,
            claim_code,
            issuing_message,
        }
    }
}

/// A credential imported into a wallet from elsewhere.
#[derive(Serialize, ToSchema)]
pub struct ImportedView {
    #[schema(value_type = String)]
    pub id: ImportId,
    pub issuer: Option<String>,
    pub issuer_name: Option<String>,
    pub achievement_name: Option<String>,
    /// True only when every check passed, the holder check included;
    /// unverified imports are kept and shown, but never count toward pathways.
    pub verified: bool,
    /// Whether the credential's subject is the learner. Someone else's
    /// credential is kept and marked, never shared as the learner's.
    pub holder: bool,
    #[schema(value_type = Verification)]
    pub verification: serde_json::Value,
    /// The credential document, when one could be read.
    #[schema(value_type = Option<Object>)]
    pub credential: serde_json::Value,
    pub jwt: Option<String>,
    pub awarded_at: Option<DateTime<Utc>>,
    pub valid_until: Option<DateTime<Utc>>,
    pub imported_at: DateTime<Utc>,
}

impl ImportedView {
    pub fn new(imported: Imported) -> Self {
        let verification = imported.verification;
        ImportedView {
            id: imported.id,
            issuer: imported.issuer_id,
            issuer_name: imported.issuer_name,
            achievement_name: imported.achievement_name,
            verified: imported.verified,
            holder: imported.holder,
            verification,
            credential: imported.credential,
            jwt: imported.jwt,
            awarded_at: imported.awarded_at,
            valid_until: imported.valid_until,
            imported_at: imported.imported_at,
        }
    }
}

/// An employment record as its learner, its employer and a share show it.
#[derive(Debug, Serialize, ToSchema)]
pub struct EmploymentView {
    #[schema(value_type = String, format = Uuid)]
    pub id: EmploymentRecordId,
    #[schema(value_type = String, format = Uuid)]
    pub learner: UserId,
    pub employer_name: String,
    #[schema(value_type = Option<String>, format = Uuid)]
    pub employer_org: Option<OrgId>,
    pub title: String,
    pub start_date: NaiveDate,
    pub end_date: Option<NaiveDate>,
    pub description: Option<String>,
    pub skills: Vec<String>,
    /// True once the employer organisation attested it; otherwise the
    /// record is self-asserted.
    pub verified: bool,
    pub attestation: Option<AttestationView>,
    pub created_at: DateTime<Utc>,
}

/// Who attested a record, when, and the proof.
#[derive(Debug, Serialize, ToSchema)]
pub struct AttestationView {
    /// The employer organisation's issuer profile URL (the JWS `iss`).
    pub issuer: String,
    pub attested_at: DateTime<Utc>,
    /// Compact JWS (ES256) by the employer organisation's key over the
    /// record; verify it with the organisation's JWKS.
    pub jwt: String,
}

impl EmploymentView {
    pub fn new(record: EmploymentRecord, public_url: &str) -> Self {
        let e = record.employment;
        let attestation = record.attestation.zip(e.employer_org).map(|(a, org)| AttestationView {
            issuer: crate::signing::issuer_id(public_url, org),
            attested_at: a.at,
            jwt: a.jwt,
        });
        EmploymentView {
            id: record.id,
            learner: record.learner,
            employer_name: e.employer_name.as_str().to_owned(),
            employer_org: e.employer_org,
            title: e.title.as_str().to_owned(),
            start_date: e.start_date,
            end_date: e.end_date,
            description: e.description.map(|d| d.as_str().to_owned()),
            skills: e.skills.iter().map(|s| s.as_str().to_owned()).collect(),
            verified: attestation.is_some(),
            attestation,
            created_at: record.created_at,
        }
    }
}
