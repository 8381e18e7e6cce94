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

/// The whole graph, read now.
pub fn load(conn: &mut DbConn) -> StoreResult<PathwayGraph> {
    let catalog: Vec<CatalogEntry> = achievements::all(conn)?.iter().map(catalog_entry).collect();
    let stored: Vec<_> = pathways::all(conn)?.into_iter().map(|p| p.pathway).collect();
    PathwayGraph::load(catalog, stored).map_err(|e| StoreError::Corrupt(format!("stored pathways no longer form a valid graph: {e}")))
}
