//! An institution's catalog: publishing an achievement.

use cairn_domain::OrgId;
use cairn_domain::catalog::AchievementDefinition;

use crate::services::Context;
use crate::store::achievements::{self, Achievement};
use crate::store::{DbConn, StoreError};

#[derive(Debug, thiserror::Error)]
pub enum CatalogError {
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Publishes `definition` (already valid by construction) in `org`'s
/// catalog, audited as the context's actor at its instant.
pub fn publish(conn: &mut DbConn, ctx: &Context, org: OrgId, definition: AchievementDefinition) -> Result<Achievement, CatalogError> {
    Ok(achievements::insert(conn, org, definition, ctx.actor, ctx.now)?)
}
