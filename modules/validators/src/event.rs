//! Constructors for the validators module's typed events (see
//! `weave/validators/v1/event.proto`).

use weave_kernel::{Address, Event};

use crate::{record::ValidatorRecord, Params};

/// The type strings of the module's events: the full names of the messages of
/// `weave/validators/v1/event.proto`. Clients match events by these.
pub mod types {
    /// `EventCreateValidator`.
    pub const CREATE_VALIDATOR: &str = "weave.validators.v1.EventCreateValidator";
    /// `EventEditValidator`.
    pub const EDIT_VALIDATOR: &str = "weave.validators.v1.EventEditValidator";
    /// `EventDelegate`.
    pub const DELEGATE: &str = "weave.validators.v1.EventDelegate";
    /// `EventUndelegate`.
    pub const UNDELEGATE: &str = "weave.validators.v1.EventUndelegate";
    /// `EventRedelegate`.
    pub const REDELEGATE: &str = "weave.validators.v1.EventRedelegate";
    /// `EventUnbondingCompleted`.
    pub const UNBONDING_COMPLETED: &str = "weave.validators.v1.EventUnbondingCompleted";
    /// `EventRedelegationCompleted`.
    pub const REDELEGATION_COMPLETED: &str = "weave.validators.v1.EventRedelegationCompleted";
    /// `EventWithdrawRewards`.
    pub const WITHDRAW_REWARDS: &str = "weave.validators.v1.EventWithdrawRewards";
    /// `EventRewardsDistributed`.
    pub const REWARDS_DISTRIBUTED: &str = "weave.validators.v1.EventRewardsDistributed";
    /// `EventSlash`.
    pub const SLASH: &str = "weave.validators.v1.EventSlash";
    /// `EventJail`.
    pub const JAIL: &str = "weave.validators.v1.EventJail";
    /// `EventUnjail`.
    pub const UNJAIL: &str = "weave.validators.v1.EventUnjail";
    /// `EventPowerChange`.
    pub const POWER_CHANGE: &str = "weave.validators.v1.EventPowerChange";
    /// `EventParamsUpdated`.
    pub const PARAMS_UPDATED: &str = "weave.validators.v1.EventParamsUpdated";
}

pub(crate) fn create_validator(v: &ValidatorRecord, self_bond: u128) -> Event {
    Event::new(types::CREATE_VALIDATOR)
        .attr("operator", v.operator)
        .attr("consensus_address", hex::encode(v.consensus_address))
        .attr("self_bond", self_bond)
        .attr("commission_rate_bps", v.commission.rate_bps)
}

pub(crate) fn edit_validator(v: &ValidatorRecord) -> Event {
    Event::new(types::EDIT_VALIDATOR)
        .attr("operator", v.operator)
        .attr("commission_rate_bps", v.commission.rate_bps)
        .attr("min_self_delegation", v.min_self_delegation)
}

pub(crate) fn delegate(
    delegator: &Address,
    validator: &Address,
    amount: u128,
    shares: u128,
) -> Event {
    Event::new(types::DELEGATE)
        .attr("delegator", delegator)
        .attr("validator", validator)
        .attr("amount", amount)
        .attr("shares", shares)
}

pub(crate) fn undelegate(
    delegator: &Address,
    validator: &Address,
    amount: u128,
    entry_id: u64,
    completion: i64,
) -> Event {
    Event::new(types::UNDELEGATE)
        .attr("delegator", delegator)
        .attr("validator", validator)
        .attr("amount", amount)
        .attr("entry_id", entry_id)
        .attr("completion_seconds", completion)
}

pub(crate) struct Redelegated<'a> {
    pub(crate) delegator: &'a Address,
    pub(crate) src: &'a Address,
    pub(crate) dst: &'a Address,
    pub(crate) amount: u128,
    pub(crate) entry_id: u64,
    pub(crate) completion: i64,
}

pub(crate) fn redelegate(r: &Redelegated<'_>) -> Event {
    Event::new(types::REDELEGATE)
        .attr("delegator", r.delegator)
        .attr("src_validator", r.src)
        .attr("dst_validator", r.dst)
        .attr("amount", r.amount)
        .attr("entry_id", r.entry_id)
        .attr("completion_seconds", r.completion)
}

pub(crate) fn unbonding_completed(
    delegator: &Address,
    validator: &Address,
    amount: u128,
    entry_id: u64,
) -> Event {
    Event::new(types::UNBONDING_COMPLETED)
        .attr("delegator", delegator)
        .attr("validator", validator)
        .attr("amount", amount)
        .attr("entry_id", entry_id)
}

pub(crate) fn redelegation_completed(
    delegator: &Address,
    src: &Address,
    dst: &Address,
    entry_id: u64,
) -> Event {
    Event::new(types::REDELEGATION_COMPLETED)
        .attr("delegator", delegator)
        .attr("src_validator", src)
        .attr("dst_validator", dst)
        .attr("entry_id", entry_id)
}

pub(crate) fn withdraw_rewards(
    delegator: &Address,
    validator: &Address,
    rewards: u128,
    commission: u128,
) -> Event {
    Event::new(types::WITHDRAW_REWARDS)
        .attr("delegator", delegator)
        .attr("validator", validator)
        .attr("rewards", rewards)
        .attr("commission", commission)
}

pub(crate) fn rewards_distributed(
    fees: u128,
    minted: u128,
    validators: usize,
    community_pool: u128,
) -> Event {
    Event::new(types::REWARDS_DISTRIBUTED)
        .attr("fees", fees)
        .attr("minted", minted)
        .attr("validators", validators)
        .attr("community_pool", community_pool)
}

pub(crate) fn slash(
    operator: &Address,
    reason: &str,
    infraction_height: u64,
    fraction_bps: u32,
    burned: u128,
) -> Event {
    Event::new(types::SLASH)
        .attr("operator", operator)
        .attr("reason", reason)
        .attr("infraction_height", infraction_height)
        .attr("fraction_bps", fraction_bps)
        .attr("burned", burned)
}

pub(crate) fn jail(v: &ValidatorRecord, reason: &str) -> Event {
    Event::new(types::JAIL)
        .attr("operator", v.operator)
        .attr("reason", reason)
        .attr("jailed_until_seconds", v.jailed_until)
        .attr("tombstoned", v.tombstoned)
}

pub(crate) fn unjail(operator: &Address) -> Event {
    Event::new(types::UNJAIL).attr("operator", operator)
}

pub(crate) fn power_change(operator: &Address, power: i64) -> Event {
    Event::new(types::POWER_CHANGE)
        .attr("operator", operator)
        .attr("power", power)
}

pub(crate) fn params_updated(p: &Params) -> Event {
    Event::new(types::PARAMS_UPDATED)
        .attr("max_validators", p.max_validators)
        .attr("unbonding_time_seconds", p.unbonding_time_seconds)
        .attr("block_reward", p.block_reward)
}
