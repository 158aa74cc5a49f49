//! The splits module.
//!
//! It stores revenue split tables: 1 to 32 recipients, sorted by address and unique,
//! whose basis points sum to exactly 10000. A table is immutable, or changeable by a
//! named controller; handing control over takes two steps (propose, then accept). It
//! takes `MsgCreateSplit`, `MsgUpdateSplit`, `MsgProposeController`,
//! `MsgAcceptController` and `MsgUpdateParams`, and has no per-block work.
//!
//! Every payment in the chain (access sales, tips, subscriptions, channel claims) goes
//! through one function, [`distribute`], which [`Keeper`] applies with bank transfers
//! via the kernel's [`Splits`](weave_kernel::expected::Splits) trait.

mod distribute;
mod error;
mod event;
mod genesis;
mod handler;
mod keeper;
mod msg;
mod params;
mod query;
pub mod state_key;
mod table;

pub use distribute::{distribute, share_of, Payout};
pub use error::SplitsError;
pub use event::types as event_types;
pub use genesis::{GenesisState, GenesisTable};
pub use keeper::Keeper;
pub use msg::{
    SplitsMsg, MSG_ACCEPT_CONTROLLER, MSG_CREATE_SPLIT, MSG_PROPOSE_CONTROLLER, MSG_UPDATE_PARAMS,
    MSG_UPDATE_SPLIT,
};
pub use params::{Params, MAX_PROTOCOL_FEE_BPS};
pub use table::{SplitTable, StoredSplit, MAX_RECIPIENTS, TOTAL_BPS};

use std::sync::Arc;

use weave_kernel::{expected::Bank, parse_genesis, Ctx, StateRead, TxError, TypedModule};

/// The module's name: its key prefix and error codespace.
pub const MODULE_NAME: &str = "splits";

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
