//! The compiled pathway graph, kept in memory and replaced when the
//! database's graph version moves (`store::graph_version`): each read costs
//! one small query, and a node sees another node's change at its next read.

use std::sync::{Arc, PoisonError, RwLock};

use cairn_stacking::PathwayGraph;

use crate::store::graph_version::{self, Stamp};
use crate::store::{DbConn, StoreResult, graph};

#[derive(Default)]
pub struct GraphCache {
    current: RwLock<Option<(Stamp, Arc<PathwayGraph>)>>,
}

impl GraphCache {
    /// The graph as of the stamp this transaction reads now. The stamp is
    /// read before the graph, so the graph is never older than its stamp.
    pub fn current(&self, conn: &mut DbConn) -> StoreResult<(Stamp, Arc<PathwayGraph>)> {
        let stamp = graph_version::current(conn)?;
        // A poisoned lock only means a reader panicked; the slot is whole.
        if let Some((cached, graph)) = &*self.current.read().unwrap_or_else(PoisonError::into_inner)
            && *cached == stamp
        {
            return Ok((stamp, graph.clone()));
        }
        let graph = Arc::new(graph::load(conn)?);
        // The last one read wins: a slower reader of an older version only
        // costs the next reader a reload. A graph read inside a transaction
        // that bumped the version and then rolled back carries a token no
        // later version has, so it is never used again.
        *self.current.write().unwrap_or_else(PoisonError::into_inner) = Some((stamp.clone(), graph.clone()));
        Ok((stamp, graph))
    }
}
