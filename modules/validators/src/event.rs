//! Constructors for the validators module's typed events (see
//! `weave/validators/v1/event.proto`).

use weave_kernel::{Address, Event};
use weave_proto::weave::validators::v1 as ev;

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
    Event::from_proto(&ev::EventCreateValidator {
        operator: v.operator.to_string(),
        consensus_address: hex::encode(v.consensus_address),
        self_bond: self_bond.to_string(),
        commission_rate_bps: v.commission.rate_bps,
    })
}

pub(crate) fn edit_validator(v: &ValidatorRecord) -> Event {
    Event::from_proto(&ev::EventEditValidator {
        operator: v.operator.to_string(),
        commission_rate_bps: v.commission.rate_bps,
        min_self_delegation: v.min_self_delegation.to_string(),
    })
}

pub(crate) fn delegate(
    delegator: &Address,
    validator: &Address,
    amount: u128,
    shares: u128,
) -> Event {
    Event::from_proto(&ev::EventDelegate {
        delegator: delegator.to_string(),
        validator: validator.to_string(),
        amount: amount.to_string(),
        shares: shares.to_string(),
    })
}

pub(crate) fn undelegate(
    delegator: &Address,
    validator: &Address,
    amount: u128,
    entry_id: u64,
    completion: i64,
) -> Event {
    Event::from_proto(&ev::EventUndelegate {
        delegator: delegator.to_string(),
        validator: validator.to_string(),
        amount: amount.to_string(),
        entry_id,
        completion_seconds: completion,
    })
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
    Event::from_proto(&ev::EventRedelegate {
        delegator: r.delegator.to_string(),
        src_validator: r.src.to_string(),
        dst_validator: r.dst.to_string(),
        amount: r.amount.to_string(),
        entry_id: r.entry_id,
        completion_seconds: r.completion,
    })
}

pub(crate) fn unbonding_completed(
    delegator: &Address,
    validator: &Address,
    amount: u128,
    entry_id: u64,
) -> Event {
    Event::from_proto(&ev::EventUnbondingCompleted {
        delegator: delegator.to_string(),
        validator: validator.to_string(),
        amount: amount.to_string(),
        entry_id,
    })
}

pub(crate) fn redelegation_completed(
    delegator: &Address,
    src: &Address,
    dst: &Address,
    entry_id: u64,
) -> Event {
    Event::from_proto(&ev::EventRedelegationCompleted {
        delegator: delegator.to_string(),
        src_validator: src.to_string(),
        dst_validator: dst.to_string(),
        entry_id,
    })
}

pub(crate) fn withdraw_rewards(
    delegator: &Address,
    validator: &Address,
    rewards: u128,
    commission: u128,
) -> Event {
    Event::from_proto(&ev::EventWithdrawRewards {
        delegator: delegator.to_string(),
        validator: validator.to_string(),
        rewards: rewards.to_string(),
        commission: commission.to_string(),
    })
}

pub(crate) fn rewards_distributed(
    fees: u128,
    minted: u128,
    validators: usize,
    community_pool: u128,
) -> Event {
    Event::from_proto(&ev::EventRewardsDistributed {
        fees: fees.to_string(),
        minted: minted.to_string(),
        validators: u32::try_from(validators).unwrap_or(u32::MAX),
        community_pool: community_pool.to_string(),
    })
}

pub(crate) fn slash(
    operator: &Address,
    reason: &str,
    infraction_height: u64,
    fraction_bps: u32,
    burned: u128,
) -> Event {
    Event::from_proto(&ev::EventSlash {
        operator: operator.to_string(),
        reason: reason.to_string(),
        infraction_height,
        fraction_bps,
        burned: burned.to_string(),
    })
}

pub(crate) fn jail(v: &ValidatorRecord, reason: &str) -> Event {
    Event::from_proto(&ev::EventJail {
        operator: v.operator.to_string(),
        reason: reason.to_string(),
        jailed_until_seconds: v.jailed_until,
        tombstoned: v.tombstoned,
    })
}

pub(crate) fn unjail(operator: &Address) -> Event {
    Event::from_proto(&ev::EventUnjail {
        operator: operator.to_string(),
    })
}

pub(crate) fn power_change(operator: &Address, power: i64) -> Event {
    Event::from_proto(&ev::EventPowerChange {
        operator: operator.to_string(),
        power,
    })
}

pub(crate) fn params_updated(p: &Params) -> Event {
    Event::from_proto(&ev::EventParamsUpdated {
        max_validators: p.max_validators,
        unbonding_time_seconds: p.unbonding_time_seconds,
        block_reward: p.block_reward.to_string(),
    })
}

#[cfg(test)]
mod tests {
    use prost::Name;

    use super::*;

    /// The type strings clients match are the full names of the proto events.
    #[test]
    fn event_types_are_the_proto_full_names() {
        assert_eq!(
            types::CREATE_VALIDATOR,
            ev::EventCreateValidator::full_name()
        );
        assert_eq!(types::EDIT_VALIDATOR, ev::EventEditValidator::full_name());
        assert_eq!(types::DELEGATE, ev::EventDelegate::full_name());
        assert_eq!(types::UNDELEGATE, ev::EventUndelegate::full_name());
        assert_eq!(types::REDELEGATE, ev::EventRedelegate::full_name());
        assert_eq!(
            types::UNBONDING_COMPLETED,
            ev::EventUnbondingCompleted::full_name()
        );
        assert_eq!(
            types::REDELEGATION_COMPLETED,
            ev::EventRedelegationCompleted::full_name()
        );
        assert_eq!(
            types::WITHDRAW_REWARDS,
            ev::EventWithdrawRewards::full_name()
        );
        assert_eq!(
            types::REWARDS_DISTRIBUTED,
            ev::EventRewardsDistributed::full_name()
        );
        assert_eq!(types::SLASH, ev::EventSlash::full_name());
        assert_eq!(types::JAIL, ev::EventJail::full_name());
        assert_eq!(types::UNJAIL, ev::EventUnjail::full_name());
        assert_eq!(types::POWER_CHANGE, ev::EventPowerChange::full_name());
        assert_eq!(types::PARAMS_UPDATED, ev::EventParamsUpdated::full_name());
    }
}
