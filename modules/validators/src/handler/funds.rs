//! What the handlers share: their dependencies, the module accounts tokens sit in,
//! token moves and checked arithmetic.

use weave_kernel::{expected::Bank, Address, Coin, Coins, Ctx, KernelError, TxError};

use crate::{record::BondStatus, ValidatorsError};

/// What the handlers work with.
pub(crate) struct Deps<'a> {
    pub(crate) bank: &'a dyn Bank,
}

/// The account holding the tokens of bonded validators.
pub fn bonded_pool() -> Address {
    Address::module(crate::BONDED_POOL)
}

/// The account holding the tokens of validators outside the active set and of
/// unbonding entries.
pub fn not_bonded_pool() -> Address {
    Address::module(crate::NOT_BONDED_POOL)
}

/// The account holding rewards and commission not yet withdrawn.
pub fn distribution() -> Address {
    Address::module(crate::DISTRIBUTION)
}

/// The account transaction fees are collected into.
pub fn fee_collector() -> Address {
    Address::module(crate::FEE_COLLECTOR)
}

/// The pool a validator's tokens sit in.
pub(crate) fn pool_of(status: BondStatus) -> Address {
    match status {
        BondStatus::Bonded => bonded_pool(),
        BondStatus::Unbonding | BondStatus::Unbonded => not_bonded_pool(),
    }
}

pub(crate) fn coins(amount: u128) -> Result<Coins, TxError> {
    Coins::new(vec![Coin::base(amount)])
        .map_err(|e| KernelError::InvalidCoins(e.to_string()).into())
}

/// Moves uweave between accounts; nothing when the amount is zero or both are one.
pub(crate) fn move_tokens(
    deps: &Deps<'_>,
    ctx: &mut Ctx<'_>,
    from: &Address,
    to: &Address,
    amount: u128,
) -> Result<(), TxError> {
    if amount == 0 || from == to {
        return Ok(());
    }
    deps.bank.transfer(ctx, from, to, &coins(amount)?)
}

/// Burns uweave from an account; nothing when the amount is zero.
pub(crate) fn burn(
    deps: &Deps<'_>,
    ctx: &mut Ctx<'_>,
    from: &Address,
    amount: u128,
) -> Result<(), TxError> {
    if amount == 0 {
        return Ok(());
    }
    deps.bank.burn(ctx, from, &coins(amount)?)
}

pub(crate) fn add(a: u128, b: u128, what: &str) -> Result<u128, ValidatorsError> {
    a.checked_add(b)
        .ok_or_else(|| ValidatorsError::Overflow(what.to_string()))
}

pub(crate) fn sub(a: u128, b: u128, what: &str) -> Result<u128, ValidatorsError> {
    a.checked_sub(b)
        .ok_or_else(|| ValidatorsError::CorruptState(format!("{what} would go below zero")))
}

/// `now + seconds` in block time, failing instead of overflowing.
pub(crate) fn later(now: i64, seconds: u64) -> Result<i64, ValidatorsError> {
    i64::try_from(seconds)
        .ok()
        .and_then(|s| now.checked_add(s))
        .ok_or_else(|| ValidatorsError::Overflow("time".into()))
}
