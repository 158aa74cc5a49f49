//! The gov module itself: its wiring and its `TypedModule` implementation,
//! which the application registers.

use crate::{
    deps::Deps, handler, keeper, msg, query, tally, GenesisState, GovMsg, UpgradePlan,
    MESSAGE_TYPES, MODULE_NAME,
};
use std::sync::Arc;
use weave_kernel::{
    expected::{Bank, MessageRouter, Staking},
    BlockHooks, Ctx, Hooks, StateRead, TxError, TypedModule,
};

/// The gov module.
#[derive(Clone)]
pub struct GovModule {
    deps: Deps,
}

impl std::fmt::Debug for GovModule {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GovModule").finish_non_exhaustive()
    }
}

impl GovModule {
    /// Builds the module over the bank, bonded stake and the application's router of
    /// messages that passed proposals execute.
    pub fn new(
        bank: Arc<dyn Bank>,
        staking: Arc<dyn Staking>,
        router: Arc<dyn MessageRouter>,
    ) -> Self {
        Self {
            deps: Deps {
                bank,
                staking,
                router,
            },
        }
    }

    /// The scheduled software upgrade, if any, in committed state. The application
    /// halts at its height unless this binary knows how to apply it.
    pub fn upgrade_plan(state: &dyn StateRead) -> Result<Option<UpgradePlan>, TxError> {
        keeper::upgrade_plan(&mut weave_kernel::StateView(state))
    }

    /// Removes the scheduled upgrade once the new binary has applied it.
    pub fn clear_upgrade_plan(ctx: &mut Ctx<'_>) -> Result<(), TxError> {
        keeper::set_upgrade_plan(ctx, None)
    }

    /// Counts a proposal's votes against the current bonded stake.
    pub fn tally_proposal(&self, ctx: &mut Ctx<'_>, id: u64) -> Result<tally::Tally, TxError> {
        handler::tally_proposal(&self.deps, ctx, id)
    }
}

impl TypedModule for GovModule {
    type Msg = GovMsg;
    type Genesis = GenesisState;

    fn name(&self) -> &'static str {
        MODULE_NAME
    }

    fn message_types(&self) -> &'static [&'static str] {
        MESSAGE_TYPES
    }

    fn governance_message_types(&self) -> &'static [&'static str] {
        &[
            msg::MSG_UPDATE_PARAMS,
            msg::MSG_COMMUNITY_POOL_SPEND,
            msg::MSG_SOFTWARE_UPGRADE,
        ]
    }

    fn init_genesis(&self, ctx: &mut Ctx<'_>, genesis: &serde_json::Value) -> Result<(), TxError> {
        let g = GenesisState::from_json(genesis)?;
        keeper::set_params(ctx, &g.params)
    }

    fn handle(&self, ctx: &mut Ctx<'_>, msg: GovMsg) -> Result<(), TxError> {
        handler::handle(&self.deps, ctx, msg)
    }

    fn query_paths(&self) -> &'static [&'static str] {
        query::PATHS
    }

    fn query(&self, state: &dyn StateRead, path: &str, request: &[u8]) -> Result<Vec<u8>, TxError> {
        query::query(state, path, request)
    }

    fn query_snapshot(
        &self,
        state: Arc<dyn StateRead>,
        path: &str,
        request: &[u8],
    ) -> Result<Vec<u8>, TxError> {
        if path == "/weave.gov.v1.Query/Tally" {
            return query::tally(&self.deps, state, request);
        }
        query::query(state.as_ref(), path, request)
    }

    fn hooks(&self) -> Hooks<'_> {
        Hooks {
            block: Some(self),
            ..Hooks::default()
        }
    }
}

impl BlockHooks for GovModule {
    fn end_block(&self, ctx: &mut Ctx<'_>) -> Result<(), TxError> {
        handler::end_block(&self.deps, ctx)
    }
}
