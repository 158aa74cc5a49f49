//! The validators module's messages, built from Rust values and checked as the
//! chain's CheckTx checks them without state. `MsgCreateValidator` is built by
//! [`super::NewValidatorArgs::message`] (which also serves `weaved genesis gentx`).

use anyhow::anyhow;
use cosmos_sdk_proto::Any;
use prost::Message;
use weave_kernel::Address;
use weave_proto::weave::validators::v1 as pb;
use weave_validators::ValidatorsMsg;

use crate::builder::to_any;

/// Paid rewards and commission, by a withdrawal or before a delegation changed.
pub const EVENT_WITHDRAW_REWARDS: &str = "weave.validators.v1.EventWithdrawRewards";
/// A new validator.
pub const EVENT_CREATE_VALIDATOR: &str = "weave.validators.v1.EventCreateValidator";
/// An edited validator.
pub const EVENT_EDIT_VALIDATOR: &str = "weave.validators.v1.EventEditValidator";
/// A delegation.
pub const EVENT_DELEGATE: &str = "weave.validators.v1.EventDelegate";
/// An unbonding started.
pub const EVENT_UNDELEGATE: &str = "weave.validators.v1.EventUndelegate";
/// A redelegation.
pub const EVENT_REDELEGATE: &str = "weave.validators.v1.EventRedelegate";

/// Checks a message as the chain's CheckTx would without state, so that a mistake is
/// reported before anything is signed.
pub fn validators_msg(type_url: &str, msg: &impl Message) -> anyhow::Result<Any> {
    let any = to_any(type_url, msg);
    ValidatorsMsg::decode(&any).map_err(|e| anyhow!("{}", e.log))?;
    Ok(any)
}

/// `/weave.validators.v1.MsgEditValidator`: a new description (whole), commission rate
/// (bps) and/or minimum self-delegation (uweave); `None` leaves one as it is.
pub fn edit_validator(
    operator: &Address,
    description: Option<pb::Description>,
    commission_rate_bps: Option<u32>,
    min_self_delegation: Option<u128>,
) -> anyhow::Result<Any> {
    validators_msg(
        weave_validators::MSG_EDIT_VALIDATOR,
        &pb::MsgEditValidator {
            operator: operator.to_string(),
            description,
            commission_rate_bps,
            min_self_delegation: min_self_delegation
                .map(|m| m.to_string())
                .unwrap_or_default(),
        },
    )
}

/// `/weave.validators.v1.MsgDelegate`: delegate `amount` uweave to `validator`.
pub fn delegate(delegator: &Address, validator: &Address, amount: u128) -> anyhow::Result<Any> {
    validators_msg(
        weave_validators::MSG_DELEGATE,
        &pb::MsgDelegate {
            delegator: delegator.to_string(),
            validator: validator.to_string(),
            amount: amount.to_string(),
        },
    )
}

/// `/weave.validators.v1.MsgUndelegate`: start unbonding `amount` uweave.
pub fn undelegate(delegator: &Address, validator: &Address, amount: u128) -> anyhow::Result<Any> {
    validators_msg(
        weave_validators::MSG_UNDELEGATE,
        &pb::MsgUndelegate {
            delegator: delegator.to_string(),
            validator: validator.to_string(),
            amount: amount.to_string(),
        },
    )
}

/// `/weave.validators.v1.MsgRedelegate`: move `amount` uweave from `src` to `dst`.
pub fn redelegate(
    delegator: &Address,
    src: &Address,
    dst: &Address,
    amount: u128,
) -> anyhow::Result<Any> {
    validators_msg(
        weave_validators::MSG_REDELEGATE,
        &pb::MsgRedelegate {
            delegator: delegator.to_string(),
            src_validator: src.to_string(),
            dst_validator: dst.to_string(),
            amount: amount.to_string(),
        },
    )
}

/// `/weave.validators.v1.MsgUnjail`.
pub fn unjail(operator: &Address) -> anyhow::Result<Any> {
    validators_msg(
        weave_validators::MSG_UNJAIL,
        &pb::MsgUnjail {
            operator: operator.to_string(),
        },
    )
}

/// `/weave.validators.v1.MsgWithdrawRewards`: the rewards (and, for its operator,
/// the commission) pending from `validator`.
pub fn withdraw_rewards(delegator: &Address, validator: &Address) -> anyhow::Result<Any> {
    validators_msg(
        weave_validators::MSG_WITHDRAW_REWARDS,
        &pb::MsgWithdrawRewards {
            delegator: delegator.to_string(),
            validator: validator.to_string(),
        },
    )
}
