//! The validators module itself: its wiring and its `TypedModule` implementation,
//! which the application registers.

use crate::{
    handler, keeper, msg, query, GenesisState, ValidatorsError, ValidatorsMsg, MODULE_NAME,
};
use std::sync::Arc;
use weave_kernel::{
    expected::Bank, BlockHooks, Ctx, Event, GenesisTxs, Hooks, StateRead, TxError, TypedModule,
    ValidatorSetHooks, ValidatorUpdate,
};

/// The validators module.
#[derive(Clone)]
pub struct ValidatorsModule {
    bank: Arc<dyn Bank>,
}

impl std::fmt::Debug for ValidatorsModule {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ValidatorsModule").finish_non_exhaustive()
    }
}

impl ValidatorsModule {
    /// A validators module that moves, mints and burns tokens through `bank`.
    pub fn new(bank: Arc<dyn Bank>) -> Self {
        Self { bank }
    }

    fn deps(&self) -> handler::Deps<'_> {
        handler::Deps {
            bank: self.bank.as_ref(),
        }
    }
}

fn parse_genesis(genesis: &serde_json::Value) -> Result<GenesisState, TxError> {
    weave_kernel::parse_genesis::<ValidatorsError, _>(genesis)
}

impl TypedModule for ValidatorsModule {
    type Msg = ValidatorsMsg;
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
        let state = parse_genesis(genesis)?;
        state.validate()?;
        keeper::set_params(ctx, &state.params)
    }

    fn handle(&self, ctx: &mut Ctx<'_>, msg: ValidatorsMsg) -> Result<(), TxError> {
        handler::handle(&self.deps(), ctx, msg)
    }

    fn query_paths(&self) -> &'static [&'static str] {
        query::PATHS
    }

    fn query(&self, state: &dyn StateRead, path: &str, request: &[u8]) -> Result<Vec<u8>, TxError> {
        query::query(state, path, request)
    }

    fn hooks(&self) -> Hooks<'_> {
        Hooks {
            block: Some(self),
            validator_set: Some(self),
            genesis_txs: Some(self),
            ..Hooks::default()
        }
    }
}

impl BlockHooks for ValidatorsModule {
    /// The block's reward distribution, double-sign evidence and liveness, each in
    /// its own checkpoint: a step that fails drops only its own writes and events and
    /// is reported as a `hook_failed` event naming it, so no unrelated failure (a
    /// reward record that no longer decodes, an overflow) can roll back the evidence.
    /// The hook itself never fails.
    fn begin_block(&self, ctx: &mut Ctx<'_>) -> Result<(), TxError> {
        let deps = self.deps();
        isolated(ctx, "rewards", |ctx| {
            handler::rewards::distribute(&deps, ctx)
        });
        isolated(ctx, "evidence", |ctx| {
            handler::slashing::handle_misbehavior(&deps, ctx)
        });
        isolated(ctx, "liveness", |ctx| {
            handler::slashing::handle_liveness(&deps, ctx)
        });
        Ok(())
    }

    fn end_block(&self, ctx: &mut Ctx<'_>) -> Result<(), TxError> {
        handler::queue::end_block(&self.deps(), ctx)
    }
}

/// Runs one step of the block's work atomically; a failure drops the step's writes
/// and events and is recorded as a `hook_failed` event (module, step, error).
fn isolated(ctx: &mut Ctx<'_>, step: &str, f: impl FnOnce(&mut Ctx<'_>) -> Result<(), TxError>) {
    if let Err(e) = ctx.atomically(f) {
        ctx.emit(
            Event::new("hook_failed")
                .attr("module", MODULE_NAME)
                .attr("step", step)
                .attr("error", e),
        );
    }
}

impl ValidatorSetHooks for ValidatorsModule {
    fn validator_updates(&self, ctx: &mut Ctx<'_>) -> Result<Vec<ValidatorUpdate>, TxError> {
        handler::set::validator_updates(&self.deps(), ctx)
    }
}

impl GenesisTxs for ValidatorsModule {
    fn genesis_txs(&self, genesis: &serde_json::Value) -> Result<Vec<Vec<u8>>, TxError> {
        Ok(parse_genesis(genesis)?.decoded_gen_txs()?)
    }
}
