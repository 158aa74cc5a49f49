//! The bank module itself: its wiring and its `TypedModule` implementation,
//! which the application registers.

use crate::{genesis, handler, msg, query, BankError, BankMsg, GenesisState, Keeper, MODULE_NAME};
use weave_kernel::{parse_genesis, Ctx, StateRead, TxError, TypedModule};

/// The bank module.
#[derive(Debug, Default, Clone)]
pub struct BankModule {
    keeper: Keeper,
}

impl BankModule {
    /// A bank module.
    pub fn new() -> Self {
        Self::default()
    }

    /// The keeper, for other modules and the ante checks.
    pub fn keeper(&self) -> Keeper {
        self.keeper
    }
}

impl TypedModule for BankModule {
    type Msg = BankMsg;
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
        let state: GenesisState = parse_genesis::<BankError, _>(genesis)?;
        genesis::init(&self.keeper, ctx, &state)
    }

    fn handle(&self, ctx: &mut Ctx<'_>, msg: BankMsg) -> Result<(), TxError> {
        handler::handle(&self.keeper, ctx, msg)
    }

    fn query_paths(&self) -> &'static [&'static str] {
        query::PATHS
    }

    fn query(&self, state: &dyn StateRead, path: &str, request: &[u8]) -> Result<Vec<u8>, TxError> {
        query::query(state, path, request)
    }
}
