//! Rewards with a lazy per-validator accumulator.
//!
//! Each block, the fees collected and a minted block reward are shared among the
//! validators that signed the previous block, in proportion to their power. A
//! validator's share pays its commission (kept in its rewards record for the
//! operator) and raises its *reward per share*, a cumulative sum scaled by
//! [`REWARD_SCALE`]. A delegation remembers the reward per share at which it last
//! settled; what it is owed is `shares × (now − then) / REWARD_SCALE`. So a block
//! touches one record per signing validator and none per delegator.
//!
//! Rounding: the validator's `outstanding` is credited with the ceiling of what its
//! delegators can ever claim for the block, never more than the block gave it; the
//! remainder goes to the community pool at once. What the delegators' rounded-down
//! claims leave in `outstanding` goes to the community pool when the validator has no
//! shares left. The distribution account always holds exactly the sum of every
//! validator's `outstanding` and `commission`.

use std::collections::BTreeMap;

use weave_kernel::{community_pool, Address, Ctx, TxError, DENOM};

use super::funds::{add, coins, distribution, fee_collector, move_tokens, sub, Deps};
use crate::{
    event, keeper,
    math::{bps_of, mul_div, mul_div_ceil},
    record::{DelegationRecord, RewardsRecord},
    ValidatorsError, REWARD_SCALE,
};

/// What `shares` earned while the reward per share rose from `index` to `current`.
pub(crate) fn pending(shares: u128, current: u128, index: u128) -> u128 {
    mul_div(shares, current.saturating_sub(index), REWARD_SCALE).unwrap_or(0)
}

/// Pays a delegation what it is owed and moves its index to the current reward per
/// share. Call it before the delegation's shares change. Returns what was paid.
pub(crate) fn settle(
    deps: &Deps<'_>,
    ctx: &mut Ctx<'_>,
    d: &mut DelegationRecord,
    rw: &mut RewardsRecord,
) -> Result<u128, TxError> {
    let owed = pending(d.shares, rw.reward_per_share, d.reward_index).min(rw.outstanding);
    d.reward_index = rw.reward_per_share;
    if owed > 0 {
        rw.outstanding -= owed;
        move_tokens(deps, ctx, &distribution(), &d.delegator, owed)?;
    }
    Ok(owed)
}

/// Sends what is left in a validator's `outstanding` to the community pool, once it
/// has no shares left (every delegation settled on its way out).
pub(crate) fn flush_dust(
    deps: &Deps<'_>,
    ctx: &mut Ctx<'_>,
    rw: &mut RewardsRecord,
) -> Result<(), TxError> {
    let dust = std::mem::take(&mut rw.outstanding);
    if dust > 0 {
        move_tokens(deps, ctx, &distribution(), &community_pool(), dust)?;
        keeper::add_totals(ctx, 0, 0, dust)?;
    }
    Ok(())
}

/// Shares the previous block's fees and this block's reward among the validators that
/// signed the previous block. Nothing happens (no mint, fees stay) when no validator
/// this module knows signed it.
pub(crate) fn distribute(deps: &Deps<'_>, ctx: &mut Ctx<'_>) -> Result<(), TxError> {
    let votes = ctx.block.last_commit.clone();
    let mut signers: BTreeMap<Address, u128> = BTreeMap::new();
    for vote in votes.iter().filter(|v| v.signed && v.power > 0) {
        if let Some(op) = keeper::operator_by_consensus(ctx, &vote.validator_address)? {
            // A validator listed twice counts once.
            signers.insert(op, vote.power.unsigned_abs().into());
        }
    }
    if signers.is_empty() {
        return Ok(());
    }
    let params = keeper::params(ctx)?;
    let fees = deps.bank.balance(ctx, &fee_collector(), DENOM)?;
    move_tokens(deps, ctx, &fee_collector(), &distribution(), fees)?;
    if params.block_reward > 0 {
        deps.bank
            .mint(ctx, &distribution(), &coins(params.block_reward)?)?;
    }
    let total = add(fees, params.block_reward, "block rewards")?;
    if total == 0 {
        return Ok(());
    }
    let total_power: u128 = signers.values().sum();
    let mut distributed = 0u128;
    let mut dust = 0u128;
    for (op, power) in &signers {
        let portion = mul_div(total, *power, total_power)
            .ok_or_else(|| ValidatorsError::Overflow("reward portion".into()))?;
        distributed = add(distributed, portion, "rewards distributed")?;
        let v = keeper::must_validator(ctx, op)?;
        let mut rw = keeper::rewards(ctx, op)?;
        let commission = bps_of(portion, v.commission.rate_bps);
        rw.commission = add(rw.commission, commission, "commission")?;
        let rest = portion - commission;
        let increase = if v.shares == 0 {
            None
        } else {
            mul_div(rest, REWARD_SCALE, v.shares)
                .and_then(|inc| Some((inc, rw.reward_per_share.checked_add(inc)?)))
        };
        match increase {
            Some((inc, next)) => {
                let credited = mul_div_ceil(inc, v.shares, REWARD_SCALE)
                    .unwrap_or(rest)
                    .min(rest);
                rw.reward_per_share = next;
                rw.outstanding = add(rw.outstanding, credited, "outstanding rewards")?;
                dust = add(dust, rest - credited, "dust")?;
            }
            // No shares to credit (or an accumulator at its limit): the community
            // pool takes the delegators' part.
            None => dust = add(dust, rest, "dust")?,
        }
        keeper::set_rewards(ctx, op, &rw)?;
    }
    dust = add(
        dust,
        sub(total, distributed, "undistributed rewards")?,
        "dust",
    )?;
    move_tokens(deps, ctx, &distribution(), &community_pool(), dust)?;
    keeper::add_totals(ctx, params.block_reward, 0, dust)?;
    ctx.emit(event::rewards_distributed(
        fees,
        params.block_reward,
        signers.len(),
        dust,
    ));
    Ok(())
}

/// MsgWithdrawRewards: the delegation's rewards and, for the operator, the commission.
pub(crate) fn withdraw(
    deps: &Deps<'_>,
    ctx: &mut Ctx<'_>,
    delegator: &Address,
    validator: &Address,
) -> Result<(), TxError> {
    let v = keeper::must_validator(ctx, validator)?;
    let delegation = keeper::delegation(ctx, delegator, validator)?;
    let is_operator = v.operator == *delegator;
    if delegation.is_none() && !is_operator {
        return Err(ValidatorsError::NoDelegation {
            delegator: delegator.to_string(),
            validator: validator.to_string(),
        }
        .into());
    }
    let mut rw = keeper::rewards(ctx, validator)?;
    let paid = match delegation {
        Some(mut d) => {
            let paid = settle(deps, ctx, &mut d, &mut rw)?;
            keeper::set_delegation(ctx, &d)?;
            paid
        }
        None => 0,
    };
    let commission = if is_operator {
        let c = std::mem::take(&mut rw.commission);
        move_tokens(deps, ctx, &distribution(), delegator, c)?;
        c
    } else {
        0
    };
    keeper::set_rewards(ctx, validator, &rw)?;
    ctx.emit(event::withdraw_rewards(
        delegator, validator, paid, commission,
    ));
    Ok(())
}
