//! The W3C VC API (VCALM) mapped onto Cairn's use cases: issuing an Open
//! Badges 3.0 credential described as a credential (`issuing`), changing a
//! status through its status purpose (`credential_status`), and verifying
//! (`verification`), with verdicts rendered in the VC API result shape.
//! The mapping decisions are written down in docs/interoperability.md.

use cairn_domain::{AchievementId, CredentialId, Email, OrgId, UserId};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::ToSchema;

use crate::services::Context;
use crate::services::credential_status::{self, StatusError};
use crate::services::issuing::{self, EvidenceInput, IssueRequest, IssuingError, MAX_EVIDENCE, Recipient};
use crate::services::verification::{Check, Outcome, PresentationVerification, Presented, Verifiable, Verification};
use crate::signing;
use crate::store::credentials::CredentialStatus;
use crate::store::{DbConn, StoreError};

/// Why a VC API request was refused. `Invalid` names the field in the VC
/// API request (`credential.credentialSubject.id`, `options.recipientEmail`).
#[derive(Debug, thiserror::Error)]
pub enum VcApiError {
    #[error("`{field}`: {message}")]
    Invalid { field: String, message: String },
    /// The credential the request names is not one of the caller's institution.
    #[error("credential not found")]
    UnknownCredential,
    #[error(transparent)]
    Issuing(#[from] IssuingError),
    #[error(transparent)]
    Status(#[from] StatusError),
    #[error(transparent)]
    Store(#[from] StoreError),
}

fn invalid(field: &str, message: impl Into<String>) -> VcApiError {
    VcApiError::Invalid { field: field.to_owned(), message: message.into() }
}

// ---------------------------------------------------------------- issuing

/// `options` of `POST /credentials/issue`.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[schema(as = VcApiIssueOptions)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct IssueOptions {
    /// Identifies the request for retries (VC API: "to deal with errors of
    /// duplication"): used as the `Idempotency-Key` when that header is
    /// absent. The issued credential's `id` is always Cairn's `urn:uuid:`.
    #[serde(default)]
    pub credential_id: Option<String>,
    /// Selective disclosure is not offered: must be absent or empty.
    #[serde(default)]
    pub mandatory_pointers: Option<Vec<String>>,
    /// Cairn's extension: the recipient's e-mail address, when the
    /// credential's subject has no `id` (a learner's `urn:uuid:`). A
    /// hashed `identifier` cannot be issued to: it names nobody reachable.
    #[schema(value_type = Option<String>, format = Email)]
    #[serde(default)]
    pub recipient_email: Option<Email>,
}

const OB3_TYPES: [&str; 2] = ["OpenBadgeCredential", "AchievementCredential"];

fn has_type(doc: &Value, wanted: &str) -> bool {
    match doc.get("type") {
        Some(Value::String(t)) => t == wanted,
        Some(Value::Array(types)) => types.iter().any(|t| t.as_str() == Some(wanted)),
        _ => false,
    }
}

const DATE_TIME_EXPECTED: &str = "expected an RFC 3339 date-time such as 2026-12-01T00:00:00Z";

fn time_field(doc: &Value, name: &str) -> Result<Option<DateTime<Utc>>, VcApiError> {
    match doc.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(text)) => DateTime::parse_from_rfc3339(text)
            .map(|t| Some(t.with_timezone(&Utc)))
            .map_err(|_| invalid(&format!("credential.{name}"), DATE_TIME_EXPECTED)),
        Some(_) => Err(invalid(&format!("credential.{name}"), DATE_TIME_EXPECTED)),
    }
}

/// The issue request a VC API credential describes, for institution `org`.
/// Cairn issues Open Badges 3.0 only: the achievement is one of the
/// institution's catalog, named by its URL; the content of the credential
/// (names, descriptions, criteria) comes from that catalog entry, not from
/// the request.
pub fn issue_request(public_url: &str, org: OrgId, credential: &Value, options: &IssueOptions) -> Result<IssueRequest, VcApiError> {
    if !credential.is_object() {
        return Err(invalid("credential", "must be a JSON object (an unsigned OpenBadgeCredential)"));
    }
    if !OB3_TYPES.iter().any(|t| has_type(credential, t)) {
        return Err(invalid("credential.type", "must include `OpenBadgeCredential` (or `AchievementCredential`): Cairn issues Open Badges 3.0 only"));
    }
    if credential.get("proof").is_some() {
        return Err(invalid("credential.proof", "send the credential unsigned: Cairn adds its own proof"));
    }
    if options.mandatory_pointers.as_ref().is_some_and(|p| !p.is_empty()) {
        return Err(invalid("options.mandatoryPointers", "selective disclosure is not supported"));
    }
    if let Some(issuer) = credential.get("issuer") {
        let id = issuer.as_str().or_else(|| issuer.get("id").and_then(Value::as_str));
        match id {
            Some(id) if signing::names_issuer(public_url, org, id) => {}
            _ => {
                return Err(invalid(
                    "credential.issuer",
                    format!("must be absent or the caller's institution, {}", signing::issuer_id(public_url, org)),
                ));
            }
        }
    }
    let subject = credential.get("credentialSubject").filter(|s| s.is_object()).ok_or_else(|| {
        invalid("credential.credentialSubject", "is required: an AchievementSubject with `achievement.id` and the recipient's `id`")
    })?;
    let prefix = format!("{public_url}/v1/achievements/");
    let achievement: AchievementId = subject
        .pointer("/achievement/id")
        .and_then(Value::as_str)
        .ok_or_else(|| {
            invalid(
                "credential.credentialSubject.achievement.id",
                format!("is required: the URL of an achievement of the caller's institution, {prefix}<id>"),
            )
        })?
        .strip_prefix(&prefix)
        .and_then(|id| id.parse().ok())
        .ok_or_else(|| {
            invalid("credential.credentialSubject.achievement.id", format!("must be the URL of an achievement of this service, {prefix}<id>"))
        })?;
    let recipient = match (subject.get("id"), &options.recipient_email) {
        (Some(_), Some(_)) => {
            return Err(invalid("options.recipientEmail", "give either `credentialSubject.id` or `options.recipientEmail`, not both"));
        }
        (Some(id), None) => {
            let learner: UserId = id
                .as_str()
                .and_then(|id| id.strip_prefix("urn:uuid:"))
                .and_then(|id| id.parse().ok())
                .ok_or_else(|| invalid("credential.credentialSubject.id", "must be a learner's account id as `urn:uuid:<learner id>`"))?;
            Recipient { learner: Some(learner), email: None }
        }
        (None, Some(email)) => Recipient { learner: None, email: Some(email.clone()) },
        (None, None) => {
            return Err(invalid(
                "credential.credentialSubject.id",
                "is required: the learner as `urn:uuid:<learner id>` (or give the recipient's address in `options.recipientEmail`)",
            ));
        }
    };
    Ok(IssueRequest {
        achievement,
        recipient,
        awarded_at: time_field(credential, "validFrom")?,
        valid_until: time_field(credential, "validUntil")?,
        evidence: evidence(credential)?,
        credits_earned: None,
    })
}

/// `credential.evidence` (one object or a list): each entry's `id` (a
/// URL), `name`, `narrative` and `description`; its `type` and other
/// fields are not kept.
fn evidence(credential: &Value) -> Result<Vec<EvidenceInput>, VcApiError> {
    let entries = match credential.get("evidence") {
        None | Some(Value::Null) => return Ok(Vec::new()),
        Some(Value::Array(entries)) => entries.clone(),
        Some(one @ Value::Object(_)) => vec![one.clone()],
        Some(_) => return Err(invalid("credential.evidence", "must be an Evidence object or a list of them")),
    };
    if entries.len() > MAX_EVIDENCE {
        return Err(invalid("credential.evidence", format!("at most {MAX_EVIDENCE} entries")));
    }
    entries
        .iter()
        .enumerate()
        .map(|(index, entry)| {
            let field = format!("credential.evidence[{index}]");
            let kept: serde_json::Map<String, Value> = entry
                .as_object()
                .ok_or_else(|| invalid(&field, "must be an Evidence object"))?
                .iter()
                .filter(|(key, _)| ["id", "name", "narrative", "description"].contains(&key.as_str()))
                .map(|(key, value)| (key.clone(), value.clone()))
                .collect();
            serde_json::from_value(Value::Object(kept)).map_err(|e| invalid(&field, e.to_string()))
        })
        .collect()
}

/// The VC API field an issuing error is about, in place of the JSON issue
/// endpoint's field name.
pub fn issue_field(field: &str) -> String {
    match field {
        "achievement" => "credential.credentialSubject.achievement.id".to_owned(),
        "recipient" | "recipient.learner" => "credential.credentialSubject.id".to_owned(),
        "recipient.email" => "options.recipientEmail".to_owned(),
        "awarded_at" => "credential.validFrom".to_owned(),
        "valid_until" => "credential.validUntil".to_owned(),
        evidence if evidence.starts_with("evidence") => format!("credential.{evidence}"),
        other => other.to_owned(),
    }
}

/// Issues as `issuing::issue_one` does and answers the VC API response:
/// the stored Open Badges 3.0 credential with its Data Integrity proof.
pub fn issue(conn: &mut DbConn, ctx: &Context, org: OrgId, request: IssueRequest) -> Result<IssueResponse, IssuingError> {
    let view = issuing::issue_one(conn, ctx, org, request)?;
    Ok(IssueResponse { verifiable_credential: view.ob3, claim_code: view.claim_code })
}

/// `201` of `POST /credentials/issue`.
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = VcApiIssueResponse)]
#[serde(rename_all = "camelCase")]
pub struct IssueResponse {
    /// The OpenBadgeCredential as stored: its `credentialStatus` entries and
    /// its `DataIntegrityProof` (`eddsa-rdfc-2022`).
    #[schema(value_type = Object)]
    pub verifiable_credential: Value,
    /// Cairn's extension, only for a credential issued to an e-mail address
    /// without an account: deliver it to the recipient, who redeems it with
    /// `POST /v1/me/claims`. Shown once.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub claim_code: Option<String>,
}

// ----------------------------------------------------------- status update

/// `credentialStatus` of `POST /credentials/status`.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[schema(as = VcApiStatusEntry)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct StatusEntryRef {
    /// `BitstringStatusListEntry` (or `BitstringStatusList`).
    #[serde(rename = "type")]
    pub kind: String,
    /// `revocation` or `suspension`.
    pub status_purpose: String,
    /// Accepted and ignored: each credential has one entry per purpose.
    #[serde(default)]
    pub id: Option<String>,
    #[serde(default)]
    pub status_list_index: Option<String>,
    #[serde(default)]
    pub status_list_credential: Option<String>,
}

/// One entry, or (older drafts) a list of one.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[schema(as = VcApiStatusEntries)]
#[serde(untagged)]
pub enum StatusEntries {
    One(StatusEntryRef),
    List(Vec<StatusEntryRef>),
}

/// `POST /credentials/status` (VC API "Update Status").
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[schema(as = VcApiUpdateStatusRequest)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct UpdateStatusRequest {
    /// The credential's `id`: `urn:uuid:<credential id>` (the bare id is accepted too).
    pub credential_id: String,
    pub credential_status: StatusEntries,
    /// The new value of the status bit: `true` sets it (revoke, suspend),
    /// `false` clears it (reinstate; revocation is final).
    pub status: bool,
    /// Cairn's extension: why, for the credential's history and the audit log.
    #[schema(max_length = 1000)]
    #[serde(default)]
    pub reason: Option<String>,
    /// Accepted and ignored: Cairn allocates status list indexes itself.
    #[serde(default)]
    pub index_allocator: Option<String>,
}

/// `200` of `POST /credentials/status`.
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = VcApiUpdateStatusResponse)]
#[serde(rename_all = "camelCase")]
pub struct UpdateStatusResponse {
    pub credential_id: String,
    /// The credential's status now.
    pub status: CredentialStatus,
}

const DEFAULT_REASON: &str = "status updated through the VC API";

/// The credential and the status an update asks for.
pub fn status_target(request: &UpdateStatusRequest) -> Result<(CredentialId, CredentialStatus, String), VcApiError> {
    let raw = request.credential_id.trim();
    let id: CredentialId = raw
        .strip_prefix("urn:uuid:")
        .unwrap_or(raw)
        .parse()
        .map_err(|_| invalid("credentialId", "must be a credential's id, `urn:uuid:<credential id>`"))?;
    let entry = match &request.credential_status {
        StatusEntries::One(entry) => entry,
        StatusEntries::List(entries) => match entries.as_slice() {
            [entry] => entry,
            _ => return Err(invalid("credentialStatus", "give exactly one status entry")),
        },
    };
    if entry.kind != "BitstringStatusListEntry" && entry.kind != "BitstringStatusList" {
        return Err(invalid("credentialStatus.type", "must be `BitstringStatusListEntry`: Cairn publishes Bitstring Status Lists"));
    }
    let target = match (entry.status_purpose.as_str(), request.status) {
        ("revocation", true) => CredentialStatus::Revoked,
        ("revocation", false) => return Err(invalid("status", "revocation is final: a revoked credential is never reinstated")),
        ("suspension", true) => CredentialStatus::Suspended,
        ("suspension", false) => CredentialStatus::Active,
        _ => return Err(invalid("credentialStatus.statusPurpose", "must be `revocation` or `suspension`")),
    };
    let reason = request.reason.as_deref().map(str::trim).unwrap_or(DEFAULT_REASON).to_owned();
    if reason.is_empty() || reason.chars().count() > 1000 {
        return Err(invalid("reason", "give a reason of 1 to 1000 characters"));
    }
    Ok((id, target, reason))
}

/// Applies the update as `credential_status::change` (cascade included);
/// a credential of another institution is not found.
pub fn update_status(conn: &mut DbConn, ctx: &Context, org: OrgId, request: &UpdateStatusRequest) -> Result<UpdateStatusResponse, VcApiError> {
    let (id, target, reason) = status_target(request)?;
    let (credential, _) = credential_status::change(conn, ctx, org, id, target, &reason).map_err(|error| match error {
        StatusError::NotFound => VcApiError::UnknownCredential,
        other => VcApiError::Status(other),
    })?;
    Ok(UpdateStatusResponse { credential_id: format!("urn:uuid:{}", credential.id), status: credential.status })
}

// ------------------------------------------------------------ verification

/// `options` of `POST /credentials/verify`.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[schema(as = VcApiVerifyOptions)]
#[serde(rename_all = "camelCase")]
pub struct VerifyOptions {
    /// Return the verified credential (as Cairn read it) in `credential`.
    #[serde(default)]
    pub return_credential: bool,
    /// Accepted: problem details are always returned.
    #[serde(default)]
    pub return_problem_details: bool,
    /// Accepted: `checks` always lists the checks made.
    #[serde(default)]
    pub return_results: bool,
}

/// `options` of `POST /presentations/verify`. `challenge` and `domain`
/// are not checked against the presentation's proof, so a presentation
/// verified with either is not verified (never silently passed).
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[schema(as = VcApiVerifyPresentationOptions)]
#[serde(rename_all = "camelCase")]
pub struct VerifyPresentationOptions {
    #[serde(default)]
    pub challenge: Option<String>,
    #[serde(default)]
    pub domain: Option<String>,
    #[serde(default)]
    pub return_presentation: bool,
}

/// A VC API problem detail (an error or a warning).
#[derive(Debug, Clone, Serialize, ToSchema, PartialEq, Eq)]
#[schema(as = VcApiProblemDetail)]
pub struct ProblemDetail {
    /// A URL naming the kind of problem.
    #[serde(rename = "type")]
    pub kind: String,
    pub title: String,
    pub detail: String,
}

/// The result of verifying one credential, in the VC API shape.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(as = VcApiCredentialResult)]
#[serde(rename_all = "camelCase")]
pub struct CredentialResult {
    /// True when every check in `checks` passed: the proof, the status, the
    /// validity period and the Open Badges 3.0 shape. Whether the issuer is
    /// trusted does not decide it: an untrusted issuer is a warning.
    pub verified: bool,
    /// The checks made: `proof`, `issuer`, `credentialStatus`, `validFrom`
    /// (the validity period), `credentialSchema`.
    pub checks: Vec<String>,
    pub errors: Vec<ProblemDetail>,
    pub warnings: Vec<ProblemDetail>,
    /// `errors` then `warnings` (the current VCALM name).
    pub problem_details: Vec<ProblemDetail>,
    /// The credential's `id`, when it could be read.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub credential_id: Option<String>,
    /// The issuer the credential names.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub issuer: Option<String>,
    /// `cairn`, `trusted` or `unknown` (an untrusted issuer).
    pub issuer_trust: &'static str,
    /// With `options.returnCredential`.
    #[schema(value_type = Option<Object>)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub credential: Option<Value>,
}

/// The result of verifying a presentation, in the VC API shape, with one
/// result per enclosed credential.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(as = VcApiPresentationResult)]
#[serde(rename_all = "camelCase")]
pub struct PresentationResult {
    /// True when the presentation's own checks passed and every enclosed
    /// credential verified and is about the holder.
    pub verified: bool,
    /// The presentation's own checks: `format`, `proof`, `holder`.
    pub checks: Vec<String>,
    pub errors: Vec<ProblemDetail>,
    pub warnings: Vec<ProblemDetail>,
    pub problem_details: Vec<ProblemDetail>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub holder: Option<String>,
    /// One result per enclosed credential, in order.
    pub credential_results: Vec<CredentialResult>,
}

const PROBLEMS: &str = "https://cairn.dev/problems/vc/";

/// The VC API name of a Cairn check.
fn check_name(check: &str) -> &str {
    match check {
        "signature" => "proof",
        "status" => "credentialStatus",
        "validity" => "validFrom",
        "schema" => "credentialSchema",
        other => other,
    }
}

fn problem(slug: &str, title: &str, detail: &str) -> ProblemDetail {
    ProblemDetail { kind: format!("{PROBLEMS}{slug}"), title: title.to_owned(), detail: detail.to_owned() }
}

/// The error a failed check is, named for what failed.
fn error_of(check: &Check) -> ProblemDetail {
    let detail = check.detail.as_str();
    match check.check {
        "signature" => problem("proof", "Proof not verified", detail),
        "status" if detail.starts_with("revoked") => problem("revoked", "Credential revoked", detail),
        "status" if detail.starts_with("suspended") => problem("suspended", "Credential suspended", detail),
        "status" => problem("status", "Status not verified", detail),
        "validity" if detail.starts_with("expired") => problem("expired", "Credential expired", detail),
        "validity" => problem("validity-period", "Outside its validity period", detail),
        "schema" => problem("schema", "Not a valid Open Badges 3.0 credential", detail),
        "format" => problem("format", "Format not supported", detail),
        "holder" => problem("holder", "Holder not verified", detail),
        other => problem(other, "Check failed", detail),
    }
}

/// Maps Cairn's checks: a failed `issuer` check (the issuer is neither an
/// institution of this service nor a registered trusted issuer) is the
/// warning "issuer not trusted"; any other failed check is an error; a
/// skipped check (an external status list) is a warning.
fn map_checks(checks: &[Check]) -> (Vec<String>, Vec<ProblemDetail>, Vec<ProblemDetail>) {
    let mut names = Vec::new();
    let mut errors = Vec::new();
    let mut warnings = Vec::new();
    for check in checks {
        match (check.check, check.result) {
            (_, Outcome::Skipped) => warnings.push(problem("not-checked", &format!("{} not checked", check_name(check.check)), &check.detail)),
            ("issuer", Outcome::Fail) => {
                names.push("issuer".to_owned());
                warnings.push(problem("issuer-not-trusted", "issuer not trusted", &check.detail));
            }
            (name, Outcome::Fail) => {
                names.push(check_name(name).to_owned());
                errors.push(error_of(check));
            }
            (name, Outcome::Pass) => names.push(check_name(name).to_owned()),
        }
    }
    (names, errors, warnings)
}

/// A Cairn verification in the VC API shape.
pub fn credential_result(verification: Verification, return_credential: bool) -> CredentialResult {
    let (checks, errors, warnings) = map_checks(&verification.checks);
    let problem_details = errors.iter().chain(&warnings).cloned().collect();
    CredentialResult {
        verified: errors.is_empty(),
        checks,
        errors,
        warnings,
        problem_details,
        credential_id: verification.credential.as_ref().and_then(|c| c.get("id")).and_then(Value::as_str).map(str::to_owned),
        issuer: verification.issuer,
        issuer_trust: verification.issuer_kind,
        credential: if return_credential { verification.credential } else { None },
    }
}

/// A Cairn presentation verification in the VC API shape.
pub fn presentation_result(verification: PresentationVerification, options: &VerifyPresentationOptions) -> PresentationResult {
    let (checks, mut errors, warnings) = map_checks(&verification.checks);
    if options.challenge.is_some() || options.domain.is_some() {
        errors.push(problem("challenge", "Challenge or domain not verified", "the presentation carries no challenge or domain to match the options"));
    }
    let mut credential_results = Vec::with_capacity(verification.credentials.len());
    for (index, enclosed) in verification.credentials.into_iter().enumerate() {
        if !enclosed.subject_is_holder {
            errors.push(problem(
                "subject-not-holder",
                "Subject is not the holder",
                &format!("credential {index}'s subject is not the presentation's holder"),
            ));
        }
        credential_results.push(credential_result(enclosed.verification, false));
    }
    let verified = errors.is_empty() && credential_results.iter().all(|c| c.verified);
    let problem_details = errors.iter().chain(&warnings).cloned().collect();
    PresentationResult { verified, checks, errors, warnings, problem_details, holder: verification.holder, credential_results }
}

const VC_ENVELOPE: &str = "data:application/vc+jwt,";
const VP_ENVELOPE: &str = "data:application/vp+jwt,";

/// The payload of an `Enveloped…` object with the given data URL prefix.
fn enveloped(value: &Value, kind: &str, prefix: &str) -> Option<String> {
    if !has_type(value, kind) {
        return None;
    }
    value.get("id").and_then(Value::as_str).and_then(|id| id.strip_prefix(prefix)).map(str::to_owned)
}

/// `verifiableCredential`: credential JSON, an
/// `EnvelopedVerifiableCredential` (`data:application/vc+jwt,…`), or a
/// compact VC-JWT string.
pub fn presented_credential(value: Value) -> Result<Presented, VcApiError> {
    let field = "verifiableCredential";
    match value {
        Value::String(jwt) => Ok(Presented::Jwt(jwt)),
        doc @ Value::Object(_) => match enveloped(&doc, "EnvelopedVerifiableCredential", VC_ENVELOPE) {
            Some(jwt) => Ok(Presented::Jwt(jwt)),
            None if has_type(&doc, "EnvelopedVerifiableCredential") => {
                Err(invalid(field, format!("an EnvelopedVerifiableCredential's id must be `{VC_ENVELOPE}<jwt>`")))
            }
            None => Ok(Presented::Json(doc)),
        },
        _ => Err(invalid(field, "must be a credential (JSON object, or an EnvelopedVerifiableCredential) or a compact VC-JWT string")),
    }
}

/// `verifiablePresentation`: a `vp+jwt` string, an
/// `EnvelopedVerifiablePresentation` (`data:application/vp+jwt,…`), or a
/// JSON `VerifiablePresentation` with an embedded proof.
pub fn presented_presentation(value: Value) -> Result<Verifiable, VcApiError> {
    let field = "verifiablePresentation";
    let expected = "must be a `vp+jwt` string, an EnvelopedVerifiablePresentation, or a VerifiablePresentation with an embedded proof";
    match value {
        Value::String(jwt) => Ok(Verifiable::Presentation(jwt)),
        doc @ Value::Object(_) => match enveloped(&doc, "EnvelopedVerifiablePresentation", VP_ENVELOPE) {
            Some(jwt) => Ok(Verifiable::Presentation(jwt)),
            None if has_type(&doc, "EnvelopedVerifiablePresentation") => {
                Err(invalid(field, format!("an EnvelopedVerifiablePresentation's id must be `{VP_ENVELOPE}<jwt>`")))
            }
            None if has_type(&doc, "VerifiablePresentation") => Ok(Verifiable::PresentationDocument(doc)),
            None => Err(invalid(field, expected)),
        },
        _ => Err(invalid(field, expected)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const URL: &str = "https://cairn.example";

    fn org() -> OrgId {
        "01234567-89ab-7def-8123-456789abcdef".parse().unwrap()
    }

    fn credential(subject: Value) -> Value {
        json!({ "type": ["VerifiableCredential", "OpenBadgeCredential"], "credentialSubject": subject, "validFrom": "2026-01-01T00:00:00Z" })
    }

    fn field(error: VcApiError) -> String {
        match error {
            VcApiError::Invalid { field, .. } => field,
            other => panic!("expected an invalid field, got {other:?}"),
        }
    }

    #[test]
    fn a_learner_and_an_achievement_map_onto_an_issue_request() {
        let achievement = "01234567-89ab-7def-8123-456789abcde0";
        let learner = "01234567-89ab-7def-8123-456789abcde1";
        let doc = credential(json!({ "id": format!("urn:uuid:{learner}"), "achievement": { "id": format!("{URL}/v1/achievements/{achievement}") } }));
        let request = issue_request(URL, org(), &doc, &IssueOptions::default()).unwrap();
        assert_eq!(request.achievement.to_string(), achievement);
        assert_eq!(request.recipient.learner.map(|l| l.to_string()).as_deref(), Some(learner));
        assert_eq!(request.awarded_at.map(|t| t.to_rfc3339()).as_deref(), Some("2026-01-01T00:00:00+00:00"));
    }

    #[test]
    fn what_is_missing_is_named() {
        let none = IssueOptions::default();
        let achievement = json!({ "id": format!("{URL}/v1/achievements/01234567-89ab-7def-8123-456789abcde0") });
        assert_eq!(field(issue_request(URL, org(), &json!({ "type": "VerifiableCredential" }), &none).unwrap_err()), "credential.type");
        assert_eq!(
            field(issue_request(URL, org(), &credential(json!({ "achievement": {} })), &none).unwrap_err()),
            "credential.credentialSubject.achievement.id"
        );
        assert_eq!(
            field(issue_request(URL, org(), &credential(json!({ "achievement": achievement })), &none).unwrap_err()),
            "credential.credentialSubject.id"
        );
        let foreign = credential(json!({ "id": "did:example:1", "achievement": achievement }));
        assert_eq!(field(issue_request(URL, org(), &foreign, &none).unwrap_err()), "credential.credentialSubject.id");
        let mut other_issuer = credential(json!({ "achievement": achievement }));
        other_issuer["issuer"] = json!("did:web:elsewhere.example");
        assert_eq!(field(issue_request(URL, org(), &other_issuer, &none).unwrap_err()), "credential.issuer");
    }

    #[test]
    fn status_purposes_map_onto_changes() {
        let update = |purpose: &str, status: bool| UpdateStatusRequest {
            credential_id: "urn:uuid:01234567-89ab-7def-8123-456789abcde0".into(),
            credential_status: StatusEntries::One(StatusEntryRef {
                kind: "BitstringStatusListEntry".into(),
                status_purpose: purpose.into(),
                id: None,
                status_list_index: None,
                status_list_credential: None,
            }),
            status,
            reason: None,
            index_allocator: None,
        };
        assert_eq!(status_target(&update("revocation", true)).unwrap().1, CredentialStatus::Revoked);
        assert_eq!(status_target(&update("suspension", true)).unwrap().1, CredentialStatus::Suspended);
        assert_eq!(status_target(&update("suspension", false)).unwrap().1, CredentialStatus::Active);
        assert_eq!(field(status_target(&update("revocation", false)).unwrap_err()), "status");
        assert_eq!(field(status_target(&update("refresh", true)).unwrap_err()), "credentialStatus.statusPurpose");
    }

    #[test]
    fn an_untrusted_issuer_is_a_warning_and_a_failed_proof_an_error() {
        let check = |name: &'static str, result, detail: &str| Check { check: name, result, detail: detail.into() };
        let verification = |checks| Verification { verified: false, checks, issuer: None, issuer_kind: "unknown", credential: None };
        let untrusted = credential_result(
            verification(vec![
                check("signature", Outcome::Pass, "ok"),
                check("issuer", Outcome::Fail, "unknown issuer"),
                check("status", Outcome::Pass, ""),
            ]),
            false,
        );
        assert!(untrusted.verified);
        assert_eq!(untrusted.checks, ["proof", "issuer", "credentialStatus"]);
        assert_eq!(untrusted.warnings[0].title, "issuer not trusted");
        let revoked = credential_result(
            verification(vec![check("signature", Outcome::Pass, ""), check("status", Outcome::Fail, "revoked by the issuer")]),
            false,
        );
        assert!(!revoked.verified);
        assert_eq!(revoked.errors[0].title, "Credential revoked");
    }
}
