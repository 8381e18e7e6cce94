//! Pathways: what a graph error means to a caller.

use crate::store::StoreError;

/// A graph error (cycle, unknown id, unsatisfiable rule) is a 422 naming it.
pub fn graph_error(error: cairn_stacking::GraphError) -> StoreError {
    StoreError::Invalid { field: "requirement".into(), message: error.to_string() }
}

