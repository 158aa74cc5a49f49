//! The validators module's transaction flows: create and edit a validator, delegate,
//! undelegate, redelegate, unjail and withdraw rewards. Each signs and broadcasts
//! with [`crate::tx::sign_and_submit`] and returns the transaction ([`Submitted`],
//! serializable as a [`crate::tx::TxSummary`]) with the rewards it paid out. A flow
//! returns `Ok` even when the chain refused the transaction: check
//! [`Submitted::outcome`].
//!
//! Messages that pay pending rewards first (delegate, undelegate, redelegate,
//! withdraw) add [`REWARDS_GAS_MARGIN`] per message to a simulated gas estimate.

use anyhow::{anyhow, ensure};
use cosmos_sdk_proto::Any;
use serde::Serialize;
use tonic::transport::Channel;
use weave_kernel::Address;
use weave_proto::weave::validators::v1 as pb;

use super::{msg, query};
use crate::{
    channels::attr,
    keys::SigningKey,
    tx::{sign_and_submit, Submitted, TxPlan},
};

/// Gas added, per message, to a `--gas auto` estimate of a message that pays pending
/// rewards first (delegate, undelegate, redelegate, withdraw). Rewards accrue every
/// block, so a simulation that found nothing to pay can be followed by a block that
/// pays, and paying (transfers, the accumulator) costs about this much more.
pub const REWARDS_GAS_MARGIN: u64 = 40_000;

/// Rewards and commission paid by a transaction to `delegator`, summed over its
/// `EventWithdrawRewards`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Withdrawn {
    /// Delegation rewards, in uweave.
    #[serde(serialize_with = "crate::render::u128_string")]
    pub rewards: u128,
    /// Operator commission, in uweave.
    #[serde(serialize_with = "crate::render::u128_string")]
    pub commission: u128,
    /// How many withdrawals (one per validator).
    pub count: usize,
}

impl Withdrawn {
    /// Sums the `EventWithdrawRewards` attributes that name `delegator`.
    pub fn from_events(events: &[Vec<(String, String)>], delegator: &Address) -> Self {
        let delegator = delegator.to_string();
        let amount = |e: &[(String, String)], key: &str| {
            attr(e, key)
                .and_then(|v| v.parse::<u128>().ok())
                .unwrap_or(0)
        };
        events
            .iter()
            .filter(|e| attr(e, "delegator") == Some(delegator.as_str()))
            .fold(Self::default(), |acc, e| Self {
                rewards: acc.rewards.saturating_add(amount(e, "rewards")),
                commission: acc.commission.saturating_add(amount(e, "commission")),
                count: acc.count + 1,
            })
    }

    /// What `tx` paid out to `delegator`; `None` before it is in a block.
    pub fn of(tx: &Submitted, delegator: &Address) -> Option<Self> {
        tx.is_included()
            .then(|| Self::from_events(&tx.events(msg::EVENT_WITHDRAW_REWARDS), delegator))
    }
}

/// A validators transaction.
#[derive(Debug, Clone, Serialize)]
pub struct ValidatorsTx {
    /// The transaction.
    pub tx: Submitted,
    /// The rewards and commission it paid to the signer, once in a block.
    pub withdrawn: Option<Withdrawn>,
}

/// Signs and broadcasts `messages` from `key`, with [`REWARDS_GAS_MARGIN`] per message
/// on an estimated gas limit when `pays_rewards`.
async fn submit(
    channel: &Channel,
    plan: &TxPlan,
    key: &SigningKey,
    messages: Vec<Any>,
    pays_rewards: bool,
) -> anyhow::Result<ValidatorsTx> {
    let plan = if pays_rewards {
        let count = u64::try_from(messages.len()).unwrap_or(u64::MAX);
        plan.clone()
            .with_gas_margin(REWARDS_GAS_MARGIN.saturating_mul(count))
    } else {
        plan.clone()
    };
    let tx = sign_and_submit(channel, &plan, key, messages).await?;
    Ok(ValidatorsTx {
        withdrawn: Withdrawn::of(&tx, &key.address()),
        tx,
    })
}

/// Creates a validator operated by `key` from a `MsgCreateValidator` built by
/// [`super::NewValidatorArgs::message`].
pub async fn create(
    channel: &Channel,
    plan: &TxPlan,
    key: &SigningKey,
    create_validator: Any,
) -> anyhow::Result<ValidatorsTx> {
    submit(channel, plan, key, vec![create_validator], false).await
}

/// Changes to a validator's description: each `Some` field replaces the current one,
/// read from the chain.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DescriptionEdit {
    /// A new moniker.
    pub moniker: Option<String>,
    /// A new identity.
    pub identity: Option<String>,
    /// A new website.
    pub website: Option<String>,
    /// New details.
    pub details: Option<String>,
}

impl DescriptionEdit {
    /// Whether nothing changes.
    pub fn is_empty(&self) -> bool {
        *self == Self::default()
    }
}

/// Edits `key`'s validator: its description, commission rate (bps) and/or minimum
/// self-delegation (uweave).
pub async fn edit(
    channel: &Channel,
    plan: &TxPlan,
    key: &SigningKey,
    description: DescriptionEdit,
    commission_rate_bps: Option<u32>,
    min_self_delegation: Option<u128>,
) -> anyhow::Result<ValidatorsTx> {
    let operator = key.address();
    let description = if description.is_empty() {
        None
    } else {
        let current = query::validator(channel, &operator)
            .await?
            .description
            .unwrap_or_default();
        Some(pb::Description {
            moniker: description.moniker.unwrap_or(current.moniker),
            identity: description.identity.unwrap_or(current.identity),
            website: description.website.unwrap_or(current.website),
            details: description.details.unwrap_or(current.details),
        })
    };
    let message = msg::edit_validator(
        &operator,
        description,
        commission_rate_bps,
        min_self_delegation,
    )?;
    submit(channel, plan, key, vec![message], false).await
}

/// Delegates `amount` uweave from `key` to `validator`.
pub async fn delegate(
    channel: &Channel,
    plan: &TxPlan,
    key: &SigningKey,
    validator: &Address,
    amount: u128,
) -> anyhow::Result<ValidatorsTx> {
    let message = msg::delegate(&key.address(), validator, amount)?;
    submit(channel, plan, key, vec![message], true).await
}

/// Starts unbonding `amount` uweave of `key`'s delegation to `validator`.
pub async fn undelegate(
    channel: &Channel,
    plan: &TxPlan,
    key: &SigningKey,
    validator: &Address,
    amount: u128,
) -> anyhow::Result<ValidatorsTx> {
    let message = msg::undelegate(&key.address(), validator, amount)?;
    submit(channel, plan, key, vec![message], true).await
}

/// Moves `amount` uweave of `key`'s delegation from `src` to `dst`.
pub async fn redelegate(
    channel: &Channel,
    plan: &TxPlan,
    key: &SigningKey,
    src: &Address,
    dst: &Address,
    amount: u128,
) -> anyhow::Result<ValidatorsTx> {
    let message = msg::redelegate(&key.address(), src, dst, amount)?;
    submit(channel, plan, key, vec![message], true).await
}

/// Takes `key`'s validator out of jail.
pub async fn unjail(
    channel: &Channel,
    plan: &TxPlan,
    key: &SigningKey,
) -> anyhow::Result<ValidatorsTx> {
    let message = msg::unjail(&key.address())?;
    submit(channel, plan, key, vec![message], false).await
}

/// Withdraws `key`'s pending rewards from `validator`, or from every validator it
/// delegates to (`None`), in one transaction.
pub async fn withdraw_rewards(
    channel: &Channel,
    plan: &TxPlan,
    key: &SigningKey,
    validator: Option<&Address>,
) -> anyhow::Result<ValidatorsTx> {
    let delegator = key.address();
    let validators = match validator {
        Some(v) => vec![*v],
        None => {
            let all = query::delegated_validators(channel, &delegator).await?;
            ensure!(!all.is_empty(), "{delegator} has no delegations");
            all
        }
    };
    ensure!(
        validators.len() <= weave_auth::MAX_TX_MESSAGES,
        "{} delegations are more than one transaction carries ({}): withdraw from one VALIDATOR at a time",
        validators.len(),
        weave_auth::MAX_TX_MESSAGES
    );
    let messages = validators
        .iter()
        .map(|v| msg::withdraw_rewards(&delegator, v))
        .collect::<anyhow::Result<Vec<_>>>()
        .map_err(|e| anyhow!("{e}"))?;
    submit(channel, plan, key, messages, true).await
}
