//! Employers attest employment records: a JWS by the employer
//! organisation's key over the record, which makes the record verified.

use cairn_domain::{OrgId, UserId};
use chrono::{DateTime, Utc};

use crate::services::issuing;
use crate::signing::MasterKey;
use crate::store::employment::{self, Attestation, EmploymentRecord};
use crate::store::{DbConn, StoreError, StoreResult, audit, time};

/// Attests `record` for `org` (the employer it names), by staff member `by`.
/// A record already attested is a conflict.
pub fn attest(conn: &mut DbConn, master: &MasterKey, public_url: &str, org: OrgId, by: UserId, record: EmploymentRecord) -> StoreResult<EmploymentRecord> {
    if record.employment.employer_org != Some(org) {
        return Err(StoreError::NotFound("employment record"));
    }
    if record.attestation.is_some() {
        return Err(StoreError::Conflict("this record is already attested".into()));
    }
    let signer = issuing::org_signer(conn, master, public_url, org)?;
    let at = time::now();
    let jwt = signer.sign(&claims(public_url, org, &record, at)).map_err(|e| StoreError::Corrupt(e.to_string()))?;
    let attestation = Attestation { by, at, jwt };
    if !employment::attest(conn, record.id, &attestation)? {
        return Err(StoreError::Conflict("this record is already attested".into()));
    }
    audit::record(
        conn,
        audit::Entry::new(audit::Action::EmploymentAttest, "employment", record.id.to_string()).actor(by).org(org).learner(record.learner),
    )?;
    Ok(EmploymentRecord { attestation: Some(attestation), ..record })
}

/// The JWS payload: the record as attested.
fn claims(public_url: &str, org: OrgId, record: &EmploymentRecord, at: DateTime<Utc>) -> serde_json::Value {
    serde_json::json!({
        "iss": crate::signing::issuer_id(public_url, org),
        "sub": format!("urn:uuid:{}", record.learner),
        "jti": format!("urn:uuid:{}", record.id),
        "iat": at.timestamp(),
        "employment": record.employment,
    })
}
