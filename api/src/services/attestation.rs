//! What an employer's attestation of an employment record says: the JWS
//! payload the employer organisation's key signs (`employment::attest`
//! signs and keeps it), which makes the record verified.

use cairn_domain::OrgId;
use chrono::{DateTime, Utc};

use crate::store::employment::EmploymentRecord;

/// The JWS payload: the record as attested, by `org`, at `at`.
pub fn claims(public_url: &str, org: OrgId, record: &EmploymentRecord, at: DateTime<Utc>) -> serde_json::Value {
    serde_json::json!({
        "iss": crate::signing::issuer_id(public_url, org),
        "sub": format!("urn:uuid:{}", record.learner),
        "jti": format!("urn:uuid:{}", record.id),
        "iat": at.timestamp(),
        "employment": record.employment,
    })
}
