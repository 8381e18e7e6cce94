//! The pathway graph as stored: every catalog entry and every registered
//! pathway, compiled by the engine.

use cairn_stacking::{CatalogEntry, PathwayGraph};

use super::achievements::{self, Achievement};
use super::connection::DbConn;
use super::error::{StoreError, StoreResult};
use super::pathways;

pub fn catalog_entry(achievement: &Achievement) -> CatalogEntry {
    let d = &achievement.definition;
    CatalogEntry {
        id: achievement.id,
        name: d.name.as_str().to_owned(),
        issuer: achievement.org,
        achievement_type: d.achievement_type.clone(),
        tags: d.tags.iter().map(|t| t.as_str().to_owned()).collect(),
        skills: d.skills(),
        level: d.level,
        credits: d.credits.clone(),
    }
}

/// The whole graph, read now. The pathways are read before the catalog:
/// the two reads need not see one snapshot (a read outside a transaction
/// on SQLite, any statement on PostgreSQL under read committed), and a
/// pathway only names achievements committed before it, which a later read
/// of the catalog (never shrinking) always sees.
pub fn load(conn: &mut DbConn) -> StoreResult<PathwayGraph> {
    let stored: Vec<_> = pathways::all(conn)?.into_iter().map(|p| p.pathway).collect();
    let catalog: Vec<CatalogEntry> = achievements::all(conn)?.iter().map(catalog_entry).collect();
    PathwayGraph::load(catalog, stored).map_err(|e| StoreError::Corrupt(format!("stored pathways no longer form a valid graph: {e}")))
}
