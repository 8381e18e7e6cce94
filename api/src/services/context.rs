//! The one value every use case takes: who acts, when (the clock read
//! once per request), the public URL documents name, and the master key
//! that unseals organisations' signing keys.

use std::sync::Arc;

use cairn_domain::UserId;
use cairn_stacking::PathwayGraph;
use chrono::{DateTime, Utc};

use crate::graph_cache::GraphCache;
use crate::signing::MasterKey;
use crate::state::AppState;
use crate::store::graph_version::Stamp;
use crate::store::{DbConn, StoreResult};

/// Owned, so it moves into the store's blocking closures.
#[derive(Clone)]
pub struct Context {
    /// The instant this request happens at; every timestamp it writes and
    /// every evaluation it runs uses this one reading.
    pub now: DateTime<Utc>,
    /// The account on whose behalf the use case runs (audit entries name it).
    pub actor: UserId,
    /// The URL clients reach the service at, without a trailing slash.
    pub public_url: String,
    pub master: MasterKey,
    /// The node's compiled pathway graph.
    pub graphs: Arc<GraphCache>,
}

impl Context {
    pub fn new(state: &AppState, actor: UserId) -> Self {
        Self {
            now: crate::store::time::now(),
            actor,
            public_url: state.public_url.clone(),
            master: state.master.clone(),
            graphs: state.graphs.clone(),
        }
    }

    /// The pathway graph as of now (see `GraphCache::current`).
    pub fn graph(&self, conn: &mut DbConn) -> StoreResult<(Stamp, Arc<PathwayGraph>)> {
        self.graphs.current(conn)
    }
}

/// The context of a use case anyone may run without an account (verifying a
/// credential, opening a share link, registering, confirming an address):
/// the same clock, URL and keys, and no actor. Where an account may be
/// present but is not required, the use case takes it as an argument.
#[derive(Clone)]
pub struct PublicContext {
    pub now: DateTime<Utc>,
    pub public_url: String,
    pub master: MasterKey,
    pub graphs: Arc<GraphCache>,
}

impl PublicContext {
    pub fn new(state: &AppState) -> Self {
        Self { now: crate::store::time::now(), public_url: state.public_url.clone(), master: state.master.clone(), graphs: state.graphs.clone() }
    }
}
