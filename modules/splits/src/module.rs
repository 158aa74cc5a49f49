//! The splits module itself: its wiring and its `TypedModule` implementation,
//! which the application registers.

use crate::{
    genesis, handler, msg, query, GenesisState, Keeper, SplitsError, SplitsMsg, MODULE_NAME,
};
use std::sync::Arc;
use weave_kernel::{expected::Bank, parse_genesis, Ctx, StateRead, TxError, TypedModule};

/// The splits module.
#[derive(Clone)]
pub struct SplitsModule {
    keeper: Keeper,
}

impl std::fmt::Debug for SplitsModule {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SplitsModule").finish_non_exhaustive()
    }
}

impl SplitsModule {
    /// A splits module that moves money through `bank`.
    pub fn new(bank: Arc<dyn Bank>) -> Self {
        Self {
            keeper: Keeper::new(bank),
        }
    }

    /// The keeper, for other modules.
    pub fn keeper(&self) -> Keeper {
        self.keeper.clone()
    }
}

impl TypedModule for SplitsModule {
    type Msg = SplitsMsg;
    type Genesis = GenesisState;

    fn name(&self) -> &'static str {
        MODULE_NAME
    }

    fn message_types(&self) -> &'static [&'static str] {
        msg::MESSAGE_TYPES
    }

    fn governance_message_types(&self) -> &'static [&'static str] {
        &[msg::MSG_UPDATE_PARAMS]
    }

    fn init_genesis(&self, ctx: &mut Ctx<'_>, genesis: &serde_json::Value) -> Result<(), TxError> {
        let state: GenesisState = parse_genesis::<SplitsError, _>(genesis)?;
        genesis::init(&self.keeper, ctx, &state)
    }

    fn handle(&self, ctx: &mut Ctx<'_>, msg: SplitsMsg) -> Result<(), TxError> {
        handler::handle(&self.keeper, ctx, msg)
    }

    fn query_paths(&self) -> &'static [&'static str] {
        query::PATHS
    }

    fn query(&self, state: &dyn StateRead, path: &str, request: &[u8]) -> Result<Vec<u8>, TxError> {
        query::query(state, path, request)
    }
}
