//! The validators module: proof-of-stake validators held to account.
//!
//! **What it stores.** Validators (operator, ed25519 consensus key, tokens, delegator
//! shares, status, jail, commission, description), delegations as shares of a
//! validator, unbonding and redelegation entries with queues keyed by completion
//! time, the power index of candidates for the active set, the active set as last
//! reported to CometBFT, per-validator reward accumulators, and per-consensus-address
//! liveness bitmaps. Every key is listed in [`state_key`].
//!
//! **Messages.** `MsgCreateValidator`, `MsgEditValidator`, `MsgDelegate`,
//! `MsgUndelegate`, `MsgRedelegate`, `MsgUnjail`, `MsgWithdrawRewards` and
//! `MsgUpdateParams` (gov authority only). Genesis validators come from gentxs:
//! signed transactions carrying one `MsgCreateValidator` each, which the application
//! delivers after every module's genesis ([`Module::genesis_txs`]).
//!
//! **Money.** Bonded validators' tokens sit in the `bonded_pool` account; other
//! validators' tokens and unbonding balances in `not_bonded_pool`; unpaid rewards and
//! commission in `distribution`. Slashes burn; block rewards mint; rounding remainders
//! go to the community pool. Bank supply is therefore conserved up to what
//! [`Totals`](record::Totals) records as minted and burned.
//!
//! **Per block.** Begin block: the fees collected and a minted `block_reward` go to
//! the validators that signed the previous block, by power (see
//! [`handler::rewards`]); reported misbehaviour slashes, jails for ever and
//! tombstones; the last commit's votes feed the liveness windows, and too many misses
//! slash and jail. End block: at most `max_matured_per_block` queue entries mature.
//! After end block, [`Module::validator_updates`] recomputes the active set (top
//! `max_validators` by tokens, power = tokens / 10^6) only if something changed, and
//! returns only the differences.
//!
//! **Bounds.** A block touches: per vote of the last commit, one validator, one
//! rewards record, one signing record and one bitmap chunk (plus, for a validator
//! jailed for downtime, at most 98 bitmap chunks); per reported misbehaviour, the
//! validator and — once in its life, since it is tombstoned — its unbonding and
//! redelegation entries started since the infraction; at most `max_matured_per_block`
//! queue entries; and, when the set is recomputed, at most `max_validators` (≤ 1000)
//! index entries plus the previous set. Transactions touch a bounded number of
//! entries each (at most `max_entries` per pair).

mod error;
mod event;
mod genesis;
pub mod handler;
mod keeper;
pub mod math;
mod msg;
mod params;
mod query;
pub mod record;
mod stake_view;
pub mod state_key;

pub use error::ValidatorsError;
pub use event::types as event_types;
pub use genesis::{GenesisState, MAX_GEN_TX_LEN};
pub use handler::{
    bonded_pool, distribution, fee_collector, not_bonded_pool, staking::COMMISSION_CHANGE_INTERVAL,
};
pub use msg::{
    consensus_key, CommissionRates, ValidatorsMsg, MAX_DETAILS, MAX_IDENTITY, MAX_MONIKER,
    MAX_WEBSITE, MSG_CREATE_VALIDATOR, MSG_DELEGATE, MSG_EDIT_VALIDATOR, MSG_REDELEGATE,
    MSG_UNDELEGATE, MSG_UNJAIL, MSG_UPDATE_PARAMS, MSG_WITHDRAW_REWARDS,
};
pub use params::{Params, MAX_ACTIVE_SET, MAX_SIGNED_BLOCKS_WINDOW};
pub use record::{power_of, MAX_POWER, POWER_REDUCTION};
pub use stake_view::{consensus_pubkey, StakeView, MAX_DELEGATIONS_COUNTED};

use std::sync::Arc;

use weave_kernel::{
    expected::Bank, BlockHooks, Ctx, Event, GenesisTxs, Hooks, StateRead, TxError, TypedModule,
    ValidatorSetHooks, ValidatorUpdate,
};

/// The module's name: its key prefix and error codespace.
pub const MODULE_NAME: &str = "validators";

/// The module account of bonded validators' tokens.
pub const BONDED_POOL: &str = "bonded_pool";

/// The module account of unbonded validators' tokens and unbonding balances.
pub const NOT_BONDED_POOL: &str = "not_bonded_pool";

/// The module account of rewards and commission not yet withdrawn.
pub const DISTRIBUTION: &str = "distribution";

/// The module account transaction fees are collected into (the bank module's).
pub const FEE_COLLECTOR: &str = "fee_collector";

/// The scale of the cumulative reward per share.
pub const REWARD_SCALE: u128 = 1_000_000_000_000_000_000;

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
