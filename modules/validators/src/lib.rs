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
//! delivers after every module's genesis ([`GenesisTxs::genesis_txs`](weave_kernel::GenesisTxs::genesis_txs)).
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
//! After end block, [`ValidatorSetHooks::validator_updates`](weave_kernel::ValidatorSetHooks::validator_updates) recomputes the active set (top
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
mod module;
mod msg;
mod names;
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
pub use module::ValidatorsModule;
pub use msg::{
    consensus_key, CommissionRates, ValidatorsMsg, MAX_DETAILS, MAX_IDENTITY, MAX_MONIKER,
    MAX_WEBSITE, MSG_CREATE_VALIDATOR, MSG_DELEGATE, MSG_EDIT_VALIDATOR, MSG_REDELEGATE,
    MSG_UNDELEGATE, MSG_UNJAIL, MSG_UPDATE_PARAMS, MSG_WITHDRAW_REWARDS,
};
pub use names::{
    BONDED_POOL, DISTRIBUTION, FEE_COLLECTOR, MODULE_NAME, NOT_BONDED_POOL, REWARD_SCALE,
};
pub use params::{Params, MAX_ACTIVE_SET, MAX_SIGNED_BLOCKS_WINDOW};
pub use record::{power_of, MAX_POWER, POWER_REDUCTION};
pub use stake_view::{consensus_pubkey, StakeView, MAX_DELEGATIONS_COUNTED};
