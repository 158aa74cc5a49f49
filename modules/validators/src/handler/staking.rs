//! Validators and delegations: create, edit, delegate, undelegate, redelegate,
//! unjail.
//!
//! Every token a validator holds sits in the pool of its status (bonded or not
//! bonded), and every unbonding entry's balance in the not-bonded pool, so bank
//! balances and stake always agree. Shares are issued at the validator's current
//! exchange rate (tokens per share, which only slashing lowers); the last shares out
//! take every token left, so no rounding remainder is stranded.

use weave_kernel::{consensus_address, Address, Ctx, TxError};

use super::funds::{add, later, move_tokens, not_bonded_pool, pool_of, sub, Deps};
use super::rewards;
use crate::{
    event::{self, Redelegated},
    keeper,
    math::mul_div,
    msg::CommissionRates,
    record::{
        BondStatus, Commission, DelegationRecord, Description, RedelegationRecord, SigningRecord,
        UnbondingRecord, ValidatorRecord,
    },
    state_key, ValidatorsError,
};

/// How often the commission rate may change, in seconds of block time.
pub const COMMISSION_CHANGE_INTERVAL: i64 = 24 * 3600;

/// What MsgCreateValidator asks for.
pub(crate) struct NewValidator {
    pub(crate) operator: Address,
    pub(crate) consensus_pubkey: [u8; 32],
    pub(crate) self_bond: u128,
    pub(crate) commission: CommissionRates,
    pub(crate) description: Description,
    pub(crate) min_self_delegation: u128,
}

pub(crate) fn create_validator(
    deps: &Deps<'_>,
    ctx: &mut Ctx<'_>,
    new: NewValidator,
) -> Result<(), TxError> {
    let op = new.operator;
    if keeper::validator(ctx, &op)?.is_some() {
        return Err(ValidatorsError::ValidatorExists(op.to_string()).into());
    }
    let cons = consensus_address(&new.consensus_pubkey);
    if keeper::operator_by_consensus(ctx, &cons)?.is_some() {
        return Err(ValidatorsError::ConsensusKeyInUse(hex::encode(cons)).into());
    }
    let params = keeper::params(ctx)?;
    let mut v = ValidatorRecord {
        operator: op,
        consensus_pubkey: new.consensus_pubkey,
        consensus_address: cons,
        tokens: 0,
        shares: 0,
        status: BondStatus::Unbonded,
        jailed: false,
        jailed_until: 0,
        tombstoned: false,
        commission: Commission {
            rate_bps: new.commission.rate_bps,
            max_rate_bps: new.commission.max_rate_bps,
            max_change_rate_bps: new.commission.max_change_rate_bps,
            updated_at: ctx.block.time_seconds,
        },
        description: new.description,
        min_self_delegation: new.min_self_delegation,
        unbonding_completion: 0,
        created_height: ctx.block.height,
    };
    keeper::set_operator_by_consensus(ctx, &cons, &op)?;
    keeper::set_signing(
        ctx,
        &cons,
        &SigningRecord {
            start_height: ctx.block.height,
            index_offset: 0,
            missed_blocks: 0,
            window: params.signed_blocks_window,
        },
    )?;
    bond(deps, ctx, &op, &mut v, new.self_bond, &op)?;
    keeper::set_validator(ctx, None, &v)?;
    ctx.emit(event::create_validator(&v, new.self_bond));
    Ok(())
}

pub(crate) fn edit_validator(
    _deps: &Deps<'_>,
    ctx: &mut Ctx<'_>,
    operator: &Address,
    description: Option<Description>,
    commission_rate_bps: Option<u32>,
    min_self_delegation: Option<u128>,
) -> Result<(), TxError> {
    let old = keeper::must_validator(ctx, operator)?;
    let mut v = old.clone();
    if let Some(d) = description {
        v.description = d;
    }
    if let Some(rate) = commission_rate_bps {
        let c = &mut v.commission;
        let now = ctx.block.time_seconds;
        let next_allowed = c.updated_at.saturating_add(COMMISSION_CHANGE_INTERVAL);
        if now < next_allowed {
            return Err(ValidatorsError::CommissionChangeTooSoon { next_allowed }.into());
        }
        if rate > c.max_rate_bps {
            return Err(ValidatorsError::CommissionAboveMax {
                rate,
                max: c.max_rate_bps,
            }
            .into());
        }
        if rate.abs_diff(c.rate_bps) > c.max_change_rate_bps {
            return Err(ValidatorsError::CommissionChangeTooLarge {
                from: c.rate_bps,
                to: rate,
                max_change: c.max_change_rate_bps,
            }
            .into());
        }
        c.rate_bps = rate;
        c.updated_at = now;
    }
    if let Some(min) = min_self_delegation {
        if min <= v.min_self_delegation {
            return Err(ValidatorsError::MinSelfDelegationDecrease {
                current: v.min_self_delegation.to_string(),
                requested: min.to_string(),
            }
            .into());
        }
        let own = self_delegation(ctx, &v)?;
        if own < min {
            return Err(ValidatorsError::SelfDelegationBelowMin {
                self_delegation: own.to_string(),
                min: min.to_string(),
            }
            .into());
        }
        v.min_self_delegation = min;
    }
    keeper::set_validator(ctx, Some(&old), &v)?;
    ctx.emit(event::edit_validator(&v));
    Ok(())
}

pub(crate) fn delegate(
    deps: &Deps<'_>,
    ctx: &mut Ctx<'_>,
    delegator: &Address,
    validator: &Address,
    amount: u128,
) -> Result<(), TxError> {
    let old = keeper::must_validator(ctx, validator)?;
    let mut v = old.clone();
    let shares = bond(deps, ctx, delegator, &mut v, amount, delegator)?;
    keeper::set_validator(ctx, Some(&old), &v)?;
    ctx.emit(event::delegate(delegator, validator, amount, shares));
    Ok(())
}

pub(crate) fn undelegate(
    deps: &Deps<'_>,
    ctx: &mut Ctx<'_>,
    delegator: &Address,
    validator: &Address,
    amount: u128,
) -> Result<(), TxError> {
    let params = keeper::params(ctx)?;
    let old = keeper::must_validator(ctx, validator)?;
    let mut v = old.clone();
    let max = params.max_entries;
    if keeper::count_prefix(
        ctx,
        &state_key::unbondings_of_pair(delegator, validator),
        max as usize,
    )? >= max as usize
    {
        return Err(ValidatorsError::TooManyEntries {
            what: "unbonding",
            max,
        }
        .into());
    }
    let tokens = unbond(deps, ctx, delegator, &mut v, amount)?;
    move_tokens(deps, ctx, &pool_of(v.status), &not_bonded_pool(), tokens)?;
    let completion = later(ctx.block.time_seconds, params.unbonding_time_seconds)?;
    let entry = UnbondingRecord {
        id: keeper::next_entry_id(ctx)?,
        delegator: *delegator,
        validator: *validator,
        creation_height: ctx.block.height,
        completion,
        initial_balance: tokens,
        balance: tokens,
    };
    keeper::set_unbonding(ctx, &entry)?;
    enforce_min_self_delegation(ctx, delegator, &mut v)?;
    keeper::set_validator(ctx, Some(&old), &v)?;
    ctx.emit(event::undelegate(
        delegator, validator, tokens, entry.id, completion,
    ));
    Ok(())
}

pub(crate) fn redelegate(
    deps: &Deps<'_>,
    ctx: &mut Ctx<'_>,
    delegator: &Address,
    src: &Address,
    dst: &Address,
    amount: u128,
) -> Result<(), TxError> {
    let params = keeper::params(ctx)?;
    let src_old = keeper::must_validator(ctx, src)?;
    let dst_old = keeper::must_validator(ctx, dst)?;
    if keeper::count_prefix(ctx, &state_key::redelegations_into(delegator, src), 1)? > 0 {
        return Err(ValidatorsError::TransitiveRedelegation {
            delegator: delegator.to_string(),
            validator: src.to_string(),
        }
        .into());
    }
    let max = params.max_entries;
    if keeper::count_prefix(
        ctx,
        &state_key::redelegations_of_triple(delegator, src, dst),
        max as usize,
    )? >= max as usize
    {
        return Err(ValidatorsError::TooManyEntries {
            what: "redelegation",
            max,
        }
        .into());
    }
    let (mut s, mut d) = (src_old.clone(), dst_old.clone());
    let tokens = unbond(deps, ctx, delegator, &mut s, amount)?;
    let shares = bond(deps, ctx, delegator, &mut d, tokens, &pool_of(s.status))?;
    let completion = later(ctx.block.time_seconds, params.unbonding_time_seconds)?;
    let entry = RedelegationRecord {
        id: keeper::next_entry_id(ctx)?,
        delegator: *delegator,
        src: *src,
        dst: *dst,
        creation_height: ctx.block.height,
        completion,
        initial_balance: tokens,
        shares_dst: shares,
    };
    keeper::set_redelegation(ctx, &entry)?;
    enforce_min_self_delegation(ctx, delegator, &mut s)?;
    keeper::set_validator(ctx, Some(&src_old), &s)?;
    keeper::set_validator(ctx, Some(&dst_old), &d)?;
    ctx.emit(event::redelegate(&Redelegated {
        delegator,
        src,
        dst,
        amount: tokens,
        entry_id: entry.id,
        completion,
    }));
    Ok(())
}

pub(crate) fn unjail(
    _deps: &Deps<'_>,
    ctx: &mut Ctx<'_>,
    operator: &Address,
) -> Result<(), TxError> {
    let old = keeper::must_validator(ctx, operator)?;
    if !old.jailed {
        return Err(ValidatorsError::NotJailed(operator.to_string()).into());
    }
    if old.tombstoned {
        return Err(ValidatorsError::Tombstoned(operator.to_string()).into());
    }
    let now = ctx.block.time_seconds;
    if now < old.jailed_until {
        return Err(ValidatorsError::JailPeriodActive {
            until: old.jailed_until,
            now,
        }
        .into());
    }
    let own = self_delegation(ctx, &old)?;
    if own < old.min_self_delegation {
        return Err(ValidatorsError::SelfDelegationBelowMin {
            self_delegation: own.to_string(),
            min: old.min_self_delegation.to_string(),
        }
        .into());
    }
    let mut v = old.clone();
    v.jailed = false;
    keeper::set_validator(ctx, Some(&old), &v)?;
    ctx.emit(event::unjail(operator));
    Ok(())
}

/// The tokens the operator's own delegation is worth.
pub(crate) fn self_delegation(ctx: &mut Ctx<'_>, v: &ValidatorRecord) -> Result<u128, TxError> {
    Ok(keeper::delegation(ctx, &v.operator, &v.operator)?.map_or(0, |d| v.tokens_of(d.shares)))
}

/// Jails the validator if its operator just took its own delegation below the
/// minimum (as the Cosmos SDK does); it can unjail once it bonds enough again.
fn enforce_min_self_delegation(
    ctx: &mut Ctx<'_>,
    delegator: &Address,
    v: &mut ValidatorRecord,
) -> Result<(), TxError> {
    if *delegator != v.operator || v.jailed {
        return Ok(());
    }
    if self_delegation(ctx, v)? < v.min_self_delegation {
        v.jailed = true;
        v.jailed_until = ctx.block.time_seconds;
        ctx.emit(event::jail(v, "self_delegation_below_min"));
    }
    Ok(())
}

/// Bonds `amount` tokens from the account `from` to `v` for `delegator`: settles the
/// delegation's pending rewards, moves the tokens into the validator's pool and
/// issues shares at the current rate. The caller stores `v`. Returns the shares.
pub(crate) fn bond(
    deps: &Deps<'_>,
    ctx: &mut Ctx<'_>,
    delegator: &Address,
    v: &mut ValidatorRecord,
    amount: u128,
    from: &Address,
) -> Result<u128, TxError> {
    if v.shares > 0 && v.tokens == 0 {
        return Err(ValidatorsError::ValidatorHasNoTokens(v.operator.to_string()).into());
    }
    let shares = if v.shares == 0 {
        amount
    } else {
        mul_div(amount, v.shares, v.tokens)
            .ok_or_else(|| ValidatorsError::Overflow("delegator shares".into()))?
    };
    if shares == 0 {
        return Err(ValidatorsError::InvalidAmount(format!(
            "{amount} tokens buy no share of {}",
            v.operator
        ))
        .into());
    }
    let mut rw = keeper::rewards(ctx, &v.operator)?;
    let mut d = keeper::delegation(ctx, delegator, &v.operator)?.unwrap_or(DelegationRecord {
        delegator: *delegator,
        validator: v.operator,
        shares: 0,
        reward_index: rw.reward_per_share,
    });
    let paid = rewards::settle(deps, ctx, &mut d, &mut rw)?;
    move_tokens(deps, ctx, from, &pool_of(v.status), amount)?;
    v.tokens = add(v.tokens, amount, "validator tokens")?;
    v.shares = add(v.shares, shares, "validator shares")?;
    d.shares = add(d.shares, shares, "delegation shares")?;
    keeper::set_delegation(ctx, &d)?;
    keeper::set_rewards(ctx, &v.operator, &rw)?;
    if paid > 0 {
        ctx.emit(event::withdraw_rewards(delegator, &v.operator, paid, 0));
    }
    Ok(shares)
}

/// Takes `amount` tokens (or a little more, never less: shares are rounded up) out of
/// `delegator`'s delegation to `v`, settling its rewards first. The tokens leave the
/// validator's books but stay in its pool; the caller moves them and stores `v`.
/// Returns the tokens taken.
pub(crate) fn unbond(
    deps: &Deps<'_>,
    ctx: &mut Ctx<'_>,
    delegator: &Address,
    v: &mut ValidatorRecord,
    amount: u128,
) -> Result<u128, TxError> {
    let d = keeper::delegation(ctx, delegator, &v.operator)?.ok_or_else(|| {
        ValidatorsError::NoDelegation {
            delegator: delegator.to_string(),
            validator: v.operator.to_string(),
        }
    })?;
    let available = v.tokens_of(d.shares);
    if amount > available {
        return Err(ValidatorsError::InsufficientDelegation {
            requested: amount.to_string(),
            available: available.to_string(),
        }
        .into());
    }
    let shares = if amount == available {
        d.shares
    } else {
        v.shares_for_at_least(amount).min(d.shares)
    };
    remove_shares(deps, ctx, d, v, shares)
}

/// Removes `shares` from a delegation and the tokens they are worth from `v` (all of
/// them when these are its last shares), settling the delegation's rewards first.
/// Returns the tokens.
pub(crate) fn remove_shares(
    deps: &Deps<'_>,
    ctx: &mut Ctx<'_>,
    mut d: DelegationRecord,
    v: &mut ValidatorRecord,
    shares: u128,
) -> Result<u128, TxError> {
    let mut rw = keeper::rewards(ctx, &v.operator)?;
    let paid = rewards::settle(deps, ctx, &mut d, &mut rw)?;
    let tokens = v.tokens_of(shares);
    v.tokens = sub(v.tokens, tokens, "validator tokens")?;
    v.shares = sub(v.shares, shares, "validator shares")?;
    d.shares = sub(d.shares, shares, "delegation shares")?;
    if v.shares == 0 {
        rewards::flush_dust(deps, ctx, &mut rw)?;
    }
    keeper::set_delegation(ctx, &d)?;
    keeper::set_rewards(ctx, &v.operator, &rw)?;
    if paid > 0 {
        ctx.emit(event::withdraw_rewards(&d.delegator, &v.operator, paid, 0));
    }
    Ok(tokens)
}
