//! An institution that issues: it resolves the recipient, applies the
//! achievement's validity policy, allocates a status list slot, renders the
//! Open Badges 3.0 document and signs it as a VC-JWT, inside the caller's
//! write transaction so that nothing is half-written. The issuing use case
//! (`issuing`) and automatic awards (`awards`) both issue through it.

use std::collections::BTreeMap;
use std::rc::Rc;

use cairn_domain::catalog::AchievementDefinition;
use cairn_domain::ob3;
use cairn_domain::{AchievementId, CredentialId, Credits, Email, OrgId, OrgKind, Role, UserId};
use chrono::{DateTime, Utc};
use serde::Deserialize;
use utoipa::ToSchema;

use crate::services::Context;
use crate::services::records::CredentialView;
use crate::services::verification;
use crate::signing::{self, KeyAlg, MasterKey, MasterKeyError, OrgSigner, SigningError};
use crate::store::achievements::{self, Achievement};
use crate::store::credentials::{Credential, CredentialStatus};
use crate::store::orgs::{self, Organisation};
use crate::store::status_lists::{self, Slot};
use crate::store::{DbConn, StoreError, StoreResult, audit, credentials, keys, users};

/// Why a credential was not issued. The field-level ones are the caller's
/// to fix; the edge names the field.
#[derive(Debug, thiserror::Error)]
pub enum IssueError {
    /// No such institution (or not an institution).
    #[error("organisation not found")]
    UnknownIssuer,
    #[error("not an achievement in this institution's catalog")]
    UnknownAchievement,
    /// Retired: what was issued stays valid, nothing new is issued.
    #[error("this achievement is retired; nothing new is issued of it")]
    AchievementRetired,
    #[error("give exactly one of `learner` or `email`")]
    RecipientAmbiguous,
    #[error("no learner account has this id")]
    RecipientNotLearner,
    #[error("this address belongs to a staff account, not a learner")]
    RecipientIsStaff,
    #[error("lies in the future")]
    AwardedInFuture,
    #[error("lies before 1900-01-01T00:00:00Z; give the real date it was earned")]
    AwardedBefore1900,
    #[error("must be after awarded_at")]
    ValidUntilNotAfterAward,
    #[error("validity policy overflows")]
    ValidityOverflows,
    #[error("at most {MAX_EVIDENCE} entries")]
    TooMuchEvidence,
    #[error("texts have at most 10000 characters")]
    EvidenceTooLong { index: usize },
    #[error("give at least an id (URL), name, narrative or description")]
    EvidenceEmpty { index: usize },
    #[error("signing: {0}")]
    Signing(#[from] SigningError),
    #[error("claim code: {0}")]
    ClaimCode(#[from] MasterKeyError),
    #[error("JSON: {0}")]
    Json(#[from] serde_json::Error),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// For savepoints (`Connection::transaction`).
impl From<diesel::result::Error> for IssueError {
    fn from(error: diesel::result::Error) -> Self {
        IssueError::Store(StoreError::from_query(error))
    }
}

/// Who receives a credential: a learner account, or an e-mail address.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Recipient {
    /// A learner's account id.
    #[schema(value_type = Option<String>, format = Uuid)]
    #[serde(default)]
    pub learner: Option<UserId>,
    /// An e-mail address. If a learner has it and has confirmed it, the
    /// credential goes straight to them; otherwise (no account, or an
    /// unconfirmed address) it waits for a claim code to be redeemed, or for
    /// the address's owner to confirm it.
    #[schema(value_type = Option<String>, format = Email)]
    #[serde(default)]
    pub email: Option<Email>,
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EvidenceInput {
    /// A URL where the evidence can be seen.
    #[schema(value_type = Option<String>)]
    #[serde(default)]
    pub id: Option<cairn_domain::HttpUrl>,
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub narrative: Option<String>,
    #[serde(default)]
    pub description: Option<String>,
}

pub const MAX_EVIDENCE: usize = 20;

/// No credential this service issues was earned before 1900: an earlier
/// date is a typo or a placeholder such as `0001-01-01`.
fn earliest_award_date() -> DateTime<Utc> {
    DateTime::<Utc>::from_timestamp(-2_208_988_800, 0).unwrap_or(DateTime::<Utc>::MIN_UTC)
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct IssueRequest {
    #[schema(value_type = String, format = Uuid)]
    pub achievement: AchievementId,
    pub recipient: Recipient,
    /// When it was earned; may lie in the past (back-filled history). Default: now.
    #[serde(default)]
    pub awarded_at: Option<DateTime<Utc>>,
    /// Default: the achievement's validity policy applied to `awarded_at`.
    #[serde(default)]
    pub valid_until: Option<DateTime<Utc>>,
    #[serde(default)]
    pub evidence: Vec<EvidenceInput>,
    /// Credits actually earned, when they differ from the achievement's.
    #[serde(default)]
    pub credits_earned: Option<Credits>,
}

/// A credential checked and built, waiting for its status-list slot and
/// its signature (`Issuer::prepare`).
pub(crate) struct Prepared {
    credential: Credential,
    claim_code: Option<String>,
}

/// Below this many credentials per thread, spawning costs more than it saves.
const MIN_PER_THREAD: usize = 16;

/// A credential just issued (or re-signed), with what was signed.
pub struct Issued {
    pub credential: Credential,
    /// Single-use code for an e-mail recipient without an account; shown once.
    pub claim_code: Option<String>,
    /// The VC-JWT payload exactly as signed.
    pub payload: serde_json::Value,
}

impl Issued {
    /// The credential as its issuer sees it in the response, with the
    /// verification of what was just signed (no reading back of the JWT).
    pub fn into_view(self, now: DateTime<Utc>, issuing_message: Option<String>) -> CredentialView {
        let verification = verification::of_just_signed(&self.payload, self.credential.status, now);
        CredentialView::new(self.credential, verification, self.claim_code, issuing_message)
    }
}

/// The current signing key of any organisation (institutions sign
/// credentials and status lists; employers sign attestations).
pub fn org_signer(conn: &mut DbConn, master: &MasterKey, public_url: &str, org: OrgId) -> StoreResult<OrgSigner> {
    let key = keys::current(conn, org)?;
    let ed25519 = keys::current_of(conn, org, KeyAlg::Ed25519)?.ok_or(StoreError::NotFound("Ed25519 signing key"))?;
    let kid = signing::key_id(public_url, org, &key.thumbprint);
    let method = signing::verification_method(public_url, org, &ed25519.thumbprint);
    OrgSigner::unseal(master, &key.sealed_private_key, kid, &ed25519.sealed_private_key, method).map_err(|e| StoreError::Corrupt(e.to_string()))
}

/// An institution ready to issue: the organisation and its unsealed signer.
pub struct Issuer {
    pub org: Organisation,
    pub signer: OrgSigner,
    pub public_url: String,
    /// The `created` time of the Data Integrity proofs it signs: the
    /// request's clock.
    pub signed_at: DateTime<Utc>,
}

/// The institutions a request has loaded, each once (a batch, and the
/// awards a request completes, reuse them).
#[derive(Default)]
pub struct Issuers {
    loaded: BTreeMap<OrgId, Rc<Issuer>>,
}

impl Issuers {
    pub fn get(&mut self, conn: &mut DbConn, ctx: &Context, org: OrgId) -> Result<Rc<Issuer>, IssueError> {
        if let Some(issuer) = self.loaded.get(&org) {
            return Ok(issuer.clone());
        }
        let issuer = Rc::new(Issuer::load(conn, ctx, org)?);
        self.loaded.insert(org, issuer.clone());
        Ok(issuer)
    }
}

/// Who a recipient is: a learner account (by id, or by an address they
/// proved), or an address that waits for its owner.
pub(crate) fn resolve_recipient(conn: &mut DbConn, recipient: &Recipient) -> Result<(Option<UserId>, Option<Email>), IssueError> {
    match (recipient.learner, &recipient.email) {
        (Some(_), Some(_)) | (None, None) => Err(IssueError::RecipientAmbiguous),
        (Some(id), None) => match users::find(conn, id)? {
            Some(account) if account.role == Role::Learner => Ok((Some(id), None)),
            _ => Err(IssueError::RecipientNotLearner),
        },
        (None, Some(email)) => match users::find_with_hash(conn, email)? {
            // Only a proved address is the learner's: registering someone
            // else's address must not collect their credentials.
            Some((account, _)) if account.role == Role::Learner && account.email_verified_at.is_some() => Ok((Some(account.id), None)),
            Some((account, _)) if account.role == Role::Learner => Ok((None, Some(email.clone()))),
            Some(_) => Err(IssueError::RecipientIsStaff),
            None => Ok((None, Some(email.clone()))),
        },
    }
}

impl Issuer {
    pub fn load(conn: &mut DbConn, ctx: &Context, org: OrgId) -> Result<Self, IssueError> {
        let org = orgs::find(conn, org)?.filter(|o| o.kind == OrgKind::Institution).ok_or(IssueError::UnknownIssuer)?;
        let signer = org_signer(conn, &ctx.master, &ctx.public_url, org.id)?;
        Ok(Self { org, signer, public_url: ctx.public_url.clone(), signed_at: ctx.now })
    }

    /// An achievement of this institution's catalog.
    pub(crate) fn achievement(&self, conn: &mut DbConn, id: AchievementId) -> Result<Achievement, IssueError> {
        achievements::find(conn, id)?.filter(|a| a.org == self.org.id).ok_or(IssueError::UnknownAchievement)
    }

    /// An achievement of this catalog that may be issued by hand (not
    /// retired). Pathways keep awarding a retired award achievement
    /// (`issue_award`): learners were promised it by the pathway.
    pub(crate) fn issuable(&self, conn: &mut DbConn, id: AchievementId) -> Result<Achievement, IssueError> {
        let achievement = self.achievement(conn, id)?;
        if achievement.retired_at.is_some() {
            return Err(IssueError::AchievementRetired);
        }
        Ok(achievement)
    }

    /// Issues an award to `learner`, whose lock the caller holds: its
    /// evidence lists every constituent credential, as many as the pathway
    /// needed, so the caller cap does not apply.
    pub fn issue_award(&self, conn: &mut DbConn, ctx: &Context, request: IssueRequest) -> Result<Issued, IssueError> {
        let achievement = self.achievement(conn, request.achievement)?;
        let (learner, email) = resolve_recipient(conn, &request.recipient)?;
        self.issue_to(conn, ctx, request, &achievement, learner, email)
    }

    pub(crate) fn issue_to(
        &self,
        conn: &mut DbConn,
        ctx: &Context,
        request: IssueRequest,
        achievement: &Achievement,
        learner: Option<UserId>,
        recipient_email: Option<Email>,
    ) -> Result<Issued, IssueError> {
        let prepared = self.prepare(ctx, request, achievement, learner, recipient_email)?;
        let slot = status_lists::allocate(conn, self.org.id, ctx.now)?;
        let issued = self.sign_prepared(prepared, slot, achievement)?;
        self.store(conn, ctx.actor, std::slice::from_ref(&issued))?;
        Ok(issued)
    }

    /// Checks a request to issue `achievement` (the recipient resolved) and
    /// builds the credential at `ctx.now`, without touching the database:
    /// everything but its status-list slot and signature.
    pub(crate) fn prepare(
        &self,
        ctx: &Context,
        request: IssueRequest,
        achievement: &Achievement,
        learner: Option<UserId>,
        recipient_email: Option<Email>,
    ) -> Result<Prepared, IssueError> {
        let now = ctx.now;
        let awarded_at = request.awarded_at.unwrap_or(now);
        // A minute of tolerance for clocks that disagree.
        if awarded_at > now + chrono::Duration::minutes(1) {
            return Err(IssueError::AwardedInFuture);
        }
        if awarded_at < earliest_award_date() {
            return Err(IssueError::AwardedBefore1900);
        }
        let valid_until = match request.valid_until {
            Some(until) if until <= awarded_at => return Err(IssueError::ValidUntilNotAfterAward),
            Some(until) => Some(until),
            None => match &achievement.definition.validity {
                Some(policy) => Some(policy.add_to(awarded_at).ok_or(IssueError::ValidityOverflows)?),
                None => None,
            },
        };
        for (index, e) in request.evidence.iter().enumerate() {
            let texts = [&e.name, &e.narrative, &e.description];
            if texts.iter().any(|t| t.as_ref().is_some_and(|t| t.chars().count() > 10_000)) {
                return Err(IssueError::EvidenceTooLong { index });
            }
            if e.id.is_none() && texts.iter().all(|t| t.as_ref().is_none_or(|t| t.trim().is_empty())) {
                return Err(IssueError::EvidenceEmpty { index });
            }
        }
        let evidence = serde_json::to_value(
            request
                .evidence
                .iter()
                .map(|e| serde_json::json!({ "id": e.id, "name": e.name, "narrative": e.narrative, "description": e.description }))
                .collect::<Vec<_>>(),
        )?;
        let claim_code = match learner {
            Some(_) => None,
            None => Some(signing::random_secret()?),
        };
        let credential = Credential {
            id: CredentialId::new(),
            org: self.org.id,
            achievement: achievement.id,
            learner,
            recipient_email,
            status: CredentialStatus::Active,
            awarded_at,
            valid_until,
            credits_earned: request.credits_earned,
            evidence,
            slot: Slot { revocation_list: String::new(), suspension_list: String::new(), index: 0 },
            ob3: serde_json::Value::Null,
            jwt: String::new(),
            created_at: now,
            achievement_version: achievement.version,
        };
        Ok(Prepared { credential, claim_code })
    }

    /// Places a prepared credential at `slot` and signs it.
    fn sign_prepared(&self, prepared: Prepared, slot: Slot, achievement: &Achievement) -> Result<Issued, IssueError> {
        let Prepared { mut credential, claim_code } = prepared;
        credential.slot = slot;
        let payload = self.sign(achievement, &mut credential)?;
        Ok(Issued { credential, claim_code, payload })
    }

    /// Places each prepared credential at its slot and signs it, spread
    /// over the cores (signing and rendering are most of a credential's
    /// cost; nothing here touches the database). `achievement` finds each
    /// one's achievement. In order.
    pub(crate) fn sign_all<'a>(
        &self,
        prepared: Vec<(Prepared, Slot)>,
        achievement: impl Fn(AchievementId) -> Option<&'a Achievement> + Sync,
    ) -> Vec<Result<Issued, IssueError>> {
        let sign = |(prepared, slot): (Prepared, Slot)| match achievement(prepared.credential.achievement) {
            Some(found) => self.sign_prepared(prepared, slot, found),
            None => Err(IssueError::UnknownAchievement),
        };
        let threads = std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get).min(prepared.len() / MIN_PER_THREAD).max(1);
        if threads == 1 {
            return prepared.into_iter().map(sign).collect();
        }
        let per_thread = prepared.len().div_ceil(threads);
        let mut chunks: Vec<Vec<(Prepared, Slot)>> = Vec::with_capacity(threads);
        let mut rest = prepared.into_iter();
        loop {
            let chunk: Vec<_> = rest.by_ref().take(per_thread).collect();
            if chunk.is_empty() {
                break;
            }
            chunks.push(chunk);
        }
        let sign = &sign;
        std::thread::scope(|scope| {
            let mut chunks = chunks.into_iter();
            // This thread signs the first chunk; the others get one each.
            let first = chunks.next().unwrap_or_default();
            let others: Vec<_> = chunks.map(|chunk| scope.spawn(move || chunk.into_iter().map(sign).collect::<Vec<_>>())).collect();
            let mut signed: Vec<Result<Issued, IssueError>> = first.into_iter().map(sign).collect();
            for handle in others {
                match handle.join() {
                    Ok(part) => signed.extend(part),
                    Err(panic) => std::panic::resume_unwind(panic),
                }
            }
            signed
        })
    }

    /// Stores signed credentials (the caller's transaction): their rows,
    /// `issued` events and audit entries, many rows per statement.
    pub(crate) fn store(&self, conn: &mut DbConn, actor: UserId, issued: &[Issued]) -> Result<(), IssueError> {
        let rows: Vec<(&Credential, Option<String>)> =
            issued.iter().map(|i| (&i.credential, i.claim_code.as_deref().map(signing::hash_secret))).collect();
        credentials::insert_many(conn, &rows, actor)?;
        let entries = issued
            .iter()
            .map(|i| {
                let credential = &i.credential;
                audit::Entry::new(audit::Action::CredentialIssue, "credential", credential.id.to_string())
                    .at(credential.created_at)
                    .actor(actor)
                    .org(self.org.id)
                    .learner(credential.learner)
                    .detail(serde_json::json!({
                        "achievement": credential.achievement,
                        "learner": credential.learner,
                        "to_email": credential.recipient_email.is_some(),
                    }))
            })
            .collect();
        audit::record_all(conn, entries)?;
        Ok(())
    }

    /// Renders and signs `credential`'s document (also after a claim, when
    /// the subject becomes the learner); returns the signed payload.
    pub fn sign(&self, achievement: &Achievement, credential: &mut Credential) -> Result<serde_json::Value, IssueError> {
        let doc = render(&self.public_url, &self.org, achievement, credential);
        let ob3 = ob3::credential_json(&doc);
        let claims = signing::vc_jwt_claims(&ob3, &doc.issuer.id, doc.subject_id.as_deref(), credential.awarded_at, credential.valid_until);
        credential.jwt = self.signer.sign(&claims)?;
        // Signed when it is signed again (a claim), not when it was awarded.
        credential.ob3 = self.signer.prove(&ob3, self.signed_at)?;
        Ok(claims)
    }
}

pub fn issuer_profile(public_url: &str, org: &Organisation) -> ob3::IssuerProfile {
    ob3::IssuerProfile { id: signing::issuer_id(public_url, org.id), name: org.name.clone(), url: org.url.clone(), description: None }
}

pub fn achievement_doc(public_url: &str, org: &Organisation, id: AchievementId, definition: &AchievementDefinition) -> ob3::AchievementDoc {
    ob3::AchievementDoc {
        id: format!("{public_url}/v1/achievements/{id}"),
        name: definition.name.as_str().to_owned(),
        description: definition.description.as_str().to_owned(),
        criteria_narrative: definition.criteria.narrative.as_str().to_owned(),
        achievement_type: definition.achievement_type.clone(),
        image: definition.image.as_ref().map(ToString::to_string),
        tags: definition.tags.iter().map(|t| t.as_str().to_owned()).collect(),
        alignments: definition
            .alignments
            .iter()
            .map(|a| ob3::AlignmentDoc {
                target_name: a.target_name.as_str().to_owned(),
                target_url: a.target_url.to_string(),
                target_code: a.target_code.as_ref().map(|c| c.as_str().to_owned()),
                target_framework: a.target_framework.as_ref().map(|f| f.as_str().to_owned()),
                target_description: a.target_description.as_ref().map(|d| d.as_str().to_owned()),
                target_type: a.target_type.as_ref().map(|t| t.as_str().to_owned()),
            })
            .collect(),
        credits: definition.credits.clone(),
        level: definition.level,
        issuer: issuer_profile(public_url, org),
        in_language: definition.in_language.as_ref().map(|l| l.as_str().to_owned()),
    }
}

/// The credential's two status entries: revocation, then suspension, each
/// at the same index of its own list (see the `ob3` module docs).
fn status_entries(public_url: &str, slot: &Slot) -> Vec<ob3::StatusEntry> {
    let entry = |list: &str, purpose| ob3::StatusEntry {
        id: format!("{public_url}/v1/status-lists/{list}#{}", slot.index),
        list_url: format!("{public_url}/v1/status-lists/{list}"),
        index: slot.index as u64,
        purpose,
    };
    vec![entry(&slot.revocation_list, ob3::StatusPurpose::Revocation), entry(&slot.suspension_list, ob3::StatusPurpose::Suspension)]
}

/// The document inputs for a stored or new credential.
pub fn render(public_url: &str, org: &Organisation, achievement: &Achievement, credential: &Credential) -> ob3::CredentialDoc {
    let evidence = credential
        .evidence
        .as_array()
        .map(|items| {
            items
                .iter()
                .map(|e| ob3::EvidenceDoc {
                    id: e["id"].as_str().map(str::to_owned),
                    name: e["name"].as_str().map(str::to_owned),
                    narrative: e["narrative"].as_str().map(str::to_owned),
                    description: e["description"].as_str().map(str::to_owned),
                })
                .collect()
        })
        .unwrap_or_default();
    ob3::CredentialDoc {
        id: format!("urn:uuid:{}", credential.id),
        name: achievement.definition.name.as_str().to_owned(),
        issuer: issuer_profile(public_url, org),
        subject_id: credential.learner.map(|l| format!("urn:uuid:{l}")),
        subject_email_hash: credential.recipient_email.as_ref().map(|email| email_identity_hash(email, &credential.id)),
        achievement: achievement_doc(public_url, org, achievement.id, &achievement.definition),
        awarded_at: credential.awarded_at,
        valid_from: credential.awarded_at,
        valid_until: credential.valid_until,
        evidence,
        credits_earned: credential.credits_earned.clone(),
        status: status_entries(public_url, &credential.slot),
    }
}

/// OB 3.0 IdentityObject hash of an e-mail, salted with the credential id so
/// the same address gives different hashes in different credentials.
fn email_identity_hash(email: &Email, salt: &CredentialId) -> ob3::EmailIdentity {
    let salt = salt.to_string();
    ob3::EmailIdentity { identity_hash: crate::services::holder::email_identity_hash(email, &salt), salt }
}
