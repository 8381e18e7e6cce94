//! Employment records: learners add and remove their own; staff of the
//! employer organisation a record names list and attest them (attesting
//! itself is in `attestation`).

use cairn_domain::employment::Employment;
use cairn_domain::{EmploymentRecordId, OrgId, OrgKind};

use crate::services::{Context, attestation, issuing};
use crate::signing::SigningError;
use crate::store::employment::{self, Attestation, EmploymentRecord};
use crate::store::{DbConn, Store, StoreError, audit, orgs};

/// Why an employment use case refused.
#[derive(Debug, thiserror::Error)]
pub enum EmploymentError {
    /// `employer_org` names no employer organisation of this service.
    #[error("not an employer organisation of this service")]
    NotAnEmployer,
    /// No such record, or not one the caller may act on.
    #[error("employment record not found")]
    UnknownRecord,
    #[error("this record is already attested")]
    AlreadyAttested,
    #[error("signing the attestation: {0}")]
    Signing(#[source] SigningError),
    #[error(transparent)]
    Store(#[from] StoreError),
}

pub type EmploymentResult<T> = Result<T, EmploymentError>;

/// Adds a self-asserted job to the actor's (a learner's) record.
pub async fn add(store: &Store, ctx: Context, employment: Employment) -> EmploymentResult<EmploymentRecord> {
    let learner = ctx.actor;
    store
        .write_as(move |conn| {
            if let Some(org) = employment.employer_org {
                let is_employer = orgs::find(conn, org)?.is_some_and(|o| o.kind == OrgKind::Employer);
                if !is_employer {
                    return Err(EmploymentError::NotAnEmployer);
                }
            }
            let record = EmploymentRecord { id: EmploymentRecordId::new(), learner, employment, attestation: None, created_at: ctx.now };
            employment::insert(conn, &record)?;
            audit::record(
                conn,
                audit::Entry::new(audit::Action::EmploymentAdd, "employment", record.id.to_string())
                    .at(ctx.now)
                    .actor(learner)
                    .learner(learner)
                    .detail(serde_json::json!({ "employer_org": record.employment.employer_org })),
            )?;
            Ok(record)
        })
        .await
}

/// Removes the actor's record `id`; anyone else's is unknown.
pub async fn delete(store: &Store, ctx: Context, id: EmploymentRecordId) -> EmploymentResult<()> {
    let learner = ctx.actor;
    store
        .write_as(move |conn| {
            let record = employment::find(conn, id)?.filter(|r| r.learner == learner).ok_or(EmploymentError::UnknownRecord)?;
            employment::delete(conn, record.id)?;
            audit::record(
                conn,
                audit::Entry::new(audit::Action::EmploymentDelete, "employment", record.id.to_string()).at(ctx.now).actor(learner).learner(learner),
            )?;
            Ok(())
        })
        .await
}

/// Records naming employer `org`, oldest first, after `after`.
pub async fn of_employer(store: &Store, org: OrgId, after: Option<EmploymentRecordId>, limit: i64) -> EmploymentResult<Vec<EmploymentRecord>> {
    Ok(store.read(move |conn| employment::for_employer(conn, org, after, limit)).await?)
}

/// The actor, staff of `org`, attests record `id`, which must name `org`.
pub async fn attest(store: &Store, ctx: Context, org: OrgId, id: EmploymentRecordId) -> EmploymentResult<EmploymentRecord> {
    store
        .write_as(move |conn| {
            let record = employment::find(conn, id)?.filter(|r| r.employment.employer_org == Some(org)).ok_or(EmploymentError::UnknownRecord)?;
            attest_record(conn, &ctx, org, record)
        })
        .await
}

/// Attests `record` for `org` (the employer it names), by the actor, a
/// staff member of `org`, inside the caller's transaction. A record already
/// attested is refused.
pub fn attest_record(conn: &mut DbConn, ctx: &Context, org: OrgId, record: EmploymentRecord) -> EmploymentResult<EmploymentRecord> {
    if record.employment.employer_org != Some(org) {
        return Err(EmploymentError::UnknownRecord);
    }
    if record.attestation.is_some() {
        return Err(EmploymentError::AlreadyAttested);
    }
    let signer = issuing::org_signer(conn, &ctx.master, &ctx.public_url, org)?;
    let jwt = signer.sign(&attestation::claims(&ctx.public_url, org, &record, ctx.now)).map_err(EmploymentError::Signing)?;
    let attestation = Attestation { by: ctx.actor, at: ctx.now, jwt };
    if !employment::attest(conn, record.id, &attestation)? {
        return Err(EmploymentError::AlreadyAttested);
    }
    audit::record(
        conn,
        audit::Entry::new(audit::Action::EmploymentAttest, "employment", record.id.to_string())
            .at(ctx.now)
            .actor(ctx.actor)
            .org(org)
            .learner(record.learner),
    )?;
    Ok(EmploymentRecord { attestation: Some(attestation), ..record })
}
