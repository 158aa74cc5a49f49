//! What the gov module needs from the rest of the application.

use std::sync::Arc;

use weave_kernel::expected::{Bank, MessageRouter, Staking};

/// What the module needs from the rest of the application.
#[derive(Clone)]
pub(crate) struct Deps {
    pub(crate) bank: Arc<dyn Bank>,
    pub(crate) staking: Arc<dyn Staking>,
    pub(crate) router: Arc<dyn MessageRouter>,
}
