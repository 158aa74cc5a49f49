//! The state every handler shares.

use std::sync::Arc;

use crate::{chain, flash::Flashes, gateway::Gateway, jobs::Jobs, security::Guard};

/// The shared state of every handler.
pub(crate) struct Inner {
    pub(crate) node: chain::Node,
    pub(crate) token: String,
    pub(crate) guard: Arc<Guard>,
    pub(crate) media: Gateway,
    pub(crate) flashes: Flashes,
    /// The Publish page's jobs and the key daemons they started.
    pub(crate) jobs: Jobs,
}

/// [`Inner`], shared.
pub(crate) type AppState = Arc<Inner>;
