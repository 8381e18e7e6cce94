//! The credentials that hold each award now (table `award_constituents`).
//! Written when an award is issued and replaced when the cascade keeps it
//! with another allocation; the award's signed evidence keeps the
//! constituents it was issued with.

use cairn_domain::CredentialId;
use diesel::prelude::*;

use super::connection::DbConn;
use super::credentials;
use super::error::{StoreError, StoreResult};
use super::schema::{award_constituents, awards};

fn parse(id: &str) -> StoreResult<CredentialId> {
    id.parse().map_err(|e| StoreError::Corrupt(format!("award constituent id: {e:?}")))
}

/// Records `constituents`, in order, as those holding `award` (replacing
/// any recorded before).
pub fn set(conn: &mut DbConn, award: CredentialId, constituents: &[CredentialId]) -> StoreResult<()> {
    diesel::delete(award_constituents::table.filter(award_constituents::award_credential_id.eq(award.to_string())))
        .execute(conn)
        .map_err(StoreError::from_query)?;
    for (position, constituent) in constituents.iter().enumerate() {
        diesel::insert_into(award_constituents::table)
            .values((
                award_constituents::award_credential_id.eq(award.to_string()),
                award_constituents::constituent_credential_id.eq(constituent.to_string()),
                award_constituents::position.eq(i64::try_from(position).unwrap_or(i64::MAX)),
            ))
            .execute(conn)
            .map_err(StoreError::from_query)?;
    }
    Ok(())
}

/// The recorded constituents of `award`, in order; empty when none are
/// recorded (an award from before the table that the start-up backfill has
/// not reached: see [`of_award`]).
pub fn recorded(conn: &mut DbConn, award: CredentialId) -> StoreResult<Vec<CredentialId>> {
    let ids: Vec<String> = award_constituents::table
        .filter(award_constituents::award_credential_id.eq(award.to_string()))
        .order(award_constituents::position.asc())
        .select(award_constituents::constituent_credential_id)
        .load(conn)
        .map_err(StoreError::from_query)?;
    ids.iter().map(|id| parse(id)).collect()
}

/// The constituents that hold `award` now: the recorded ones, or, when none
/// are recorded, those its signed evidence names.
pub fn of_award(conn: &mut DbConn, award: &credentials::Credential) -> StoreResult<Vec<CredentialId>> {
    let recorded = recorded(conn, award.id)?;
    if recorded.is_empty() {
        return Ok(constituents_of(&award.ob3));
    }
    Ok(recorded)
}

/// Fills in the constituents of awards issued before the table existed,
/// from each award's signed evidence (run once at start-up; afterwards it
/// finds nothing to do). Returns how many awards were filled in.
pub fn backfill(conn: &mut DbConn) -> StoreResult<usize> {
    let missing: Vec<String> = awards::table
        .filter(diesel::dsl::not(diesel::dsl::exists(
            award_constituents::table.filter(award_constituents::award_credential_id.eq(awards::credential_id)),
        )))
        .select(awards::credential_id)
        .load(conn)
        .map_err(StoreError::from_query)?;
    let mut filled = 0;
    for id in missing {
        let Some(award) = credentials::find(conn, parse(&id)?)? else {
            continue;
        };
        let mut constituents = Vec::new();
        for constituent in constituents_of(&award.ob3) {
            // Only credentials stored here (the foreign key).
            if credentials::find(conn, constituent)?.is_some() {
                constituents.push(constituent);
            }
        }
        if !constituents.is_empty() {
            set(conn, award.id, &constituents)?;
            filled += 1;
        }
    }
    Ok(filled)
}

/// Read only by the backfill of awards issued before this table existed.
/// The constituents an award credential names in its `evidence` (each is
/// `{public_url}/v1/credentials/{id}`), in the award's order.
fn constituents_of(award_ob3: &serde_json::Value) -> Vec<CredentialId> {
    award_ob3["evidence"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|evidence| evidence["id"].as_str())
        .filter_map(|url| url.rsplit('/').next())
        .filter_map(|id| id.parse().ok())
        .collect()
}
