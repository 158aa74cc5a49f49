//! The gov module: proposals that carry messages, decided by stake-weighted vote.
//!
//! **What it stores.** Params, proposals (with their messages as `Any`s, status,
//! deposit total, times, final tally and failure reason), each depositor's deposit,
//! each voter's vote, two queues keyed by end time (deposit periods and voting
//! periods) and the scheduled software upgrade plan. Every key is in [`state_key`].
//!
//! **Messages.** `MsgSubmitProposal`, `MsgDeposit`, `MsgVote`, `MsgVoteWeighted`, and
//! three that only the gov authority may sign: `MsgCommunityPoolSpend`,
//! `MsgSoftwareUpgrade` and `MsgUpdateParams`.
//!
//! **Money.** Deposits are escrowed in the `gov` module account (the gov authority).
//! They are refunded when a proposal passes, fails in execution or is rejected, and
//! burned when it is vetoed or when its deposit period ends below the minimum.
//!
//! **Per block.** End block processes at most `max_ended_per_block` entries of each
//! queue that are due by block time: expired deposit periods burn and remove the
//! proposal; ended voting periods tally (see [`tally`]) and, on pass, execute the
//! messages through the application's [`MessageRouter`] with the gov authority as
//! signer, atomically and within `max_execution_gas`, after checking the proposal's
//! preconditions. A failure is recorded on the proposal and leaves no write behind.
//! An expedited proposal that does not pass (and is not vetoed) becomes a regular
//! one and votes on, with its votes kept, until the regular voting period ends.
//! The gas bound is checked after each message, not preemptively: the kernel's
//! [`Ctx`] does not yet offer a nested gas limit.
//!
//! **Bounds.** A proposal carries at most `max_messages` messages and 16
//! preconditions. The tally of one proposal reads every vote on it and each voter's
//! delegations, and its refund touches every depositor; both grow with the number of
//! voters and depositors (as in the Cosmos SDK).

mod error;
mod event;
mod genesis;
mod handler;
mod keeper;
mod msg;
mod params;
mod query;
pub mod state_key;
pub mod tally;

use std::sync::Arc;

pub use error::GovError;
pub use event::types as event_types;
pub use genesis::GenesisState;
pub use msg::{
    check_options, GovMsg, MAX_METADATA, MAX_PRECONDITIONS, MAX_PRECONDITION_LEN, MAX_SUMMARY,
    MAX_TITLE, MESSAGE_TYPES, MSG_COMMUNITY_POOL_SPEND, MSG_DEPOSIT, MSG_SOFTWARE_UPGRADE,
    MSG_SUBMIT_PROPOSAL, MSG_UPDATE_PARAMS, MSG_VOTE, MSG_VOTE_WEIGHTED,
};
pub use params::Params;
use weave_kernel::{
    expected::{Bank, MessageRouter, Staking},
    BlockHooks, Ctx, Hooks, StateRead, TxError, TypedModule,
};
pub use weave_proto::weave::gov::v1::UpgradePlan;

/// The module's name: its key prefix and error codespace.
pub const MODULE_NAME: &str = "gov";

/// What the module needs from the rest of the application.
#[derive(Clone)]
pub(crate) struct Deps {
    pub(crate) bank: Arc<dyn Bank>,
    pub(crate) staking: Arc<dyn Staking>,
    pub(crate) router: Arc<dyn MessageRouter>,
}

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
