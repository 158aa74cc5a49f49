//! Accountability: downtime from the last commit's votes, double signs from
//! CometBFT's misbehaviour reports, and the slash both lead to.
//!
//! Liveness is tracked per consensus address in a bitmap over the last
//! `signed_blocks_window` blocks, stored in chunks of [`keeper::CHUNK_BITS`] bits so
//! that a block reads and writes at most one chunk per validator.

use std::collections::BTreeSet;

use weave_kernel::{Ctx, MisbehaviorKind, TxError};

use super::funds::{burn, later, not_bonded_pool, pool_of, sub, Deps};
use super::staking;
use crate::{
    event, keeper, math::bps_of, record::SigningRecord, record::ValidatorRecord, state_key,
};

/// Why a validator is slashed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Infraction {
    DoubleSign,
    Downtime,
}

impl Infraction {
    fn as_str(self) -> &'static str {
        match self {
            Self::DoubleSign => "double_sign",
            Self::Downtime => "downtime",
        }
    }
}

/// Burns `fraction_bps` of `v`'s tokens; for a double sign also of its unbonding and
/// redelegation entries created at or after the infraction height that have not yet
/// matured (their tokens were bonded to it when it misbehaved). The caller stores
/// `v`. Returns the tokens burned.
///
/// The entries are touched once in a validator's life, because a double sign
/// tombstones it.
pub(crate) fn slash(
    deps: &Deps<'_>,
    ctx: &mut Ctx<'_>,
    v: &mut ValidatorRecord,
    infraction_height: u64,
    fraction_bps: u32,
    infraction: Infraction,
) -> Result<u128, TxError> {
    let mut burned = 0u128;
    let now = ctx.block.time_seconds;
    if infraction == Infraction::DoubleSign && fraction_bps > 0 {
        let ids = keeper::ids_from(
            ctx,
            &state_key::unbondings_from(&v.operator, infraction_height),
            &state_key::unbondings_by_validator(&v.operator),
            usize::MAX,
        )?;
        for id in ids {
            let mut e = keeper::unbonding(ctx, id)?;
            if e.completion <= now {
                continue;
            }
            let cut = bps_of(e.initial_balance, fraction_bps).min(e.balance);
            if cut == 0 {
                continue;
            }
            e.balance -= cut;
            keeper::set_unbonding(ctx, &e)?;
            burn(deps, ctx, &not_bonded_pool(), cut)?;
            burned = burned.saturating_add(cut);
        }
        let ids = keeper::ids_from(
            ctx,
            &state_key::redelegations_from(&v.operator, infraction_height),
            &state_key::redelegations_by_source(&v.operator),
            usize::MAX,
        )?;
        for id in ids {
            let e = keeper::redelegation(ctx, id)?;
            if e.completion <= now {
                continue;
            }
            let Some(d) = keeper::delegation(ctx, &e.delegator, &e.dst)? else {
                continue;
            };
            let shares = bps_of(e.shares_dst, fraction_bps).min(d.shares);
            if shares == 0 {
                continue;
            }
            let dst_old = keeper::must_validator(ctx, &e.dst)?;
            let mut dst = dst_old.clone();
            let tokens = staking::remove_shares(deps, ctx, d, &mut dst, shares)?;
            burn(deps, ctx, &pool_of(dst.status), tokens)?;
            keeper::set_validator(ctx, Some(&dst_old), &dst)?;
            burned = burned.saturating_add(tokens);
        }
    }
    let cut = bps_of(v.tokens, fraction_bps);
    v.tokens = sub(v.tokens, cut, "validator tokens")?;
    burn(deps, ctx, &pool_of(v.status), cut)?;
    burned = burned.saturating_add(cut);
    keeper::add_totals(ctx, 0, burned, 0)?;
    ctx.emit(event::slash(
        &v.operator,
        infraction.as_str(),
        infraction_height,
        fraction_bps,
        burned,
    ));
    Ok(burned)
}

/// Double signs and light-client attacks reported in this block: slash, jail for ever,
/// tombstone. Evidence older than the unbonding time, for an unknown address or an
/// already tombstoned validator, is ignored.
pub(crate) fn handle_misbehavior(deps: &Deps<'_>, ctx: &mut Ctx<'_>) -> Result<(), TxError> {
    if ctx.block.misbehavior.is_empty() {
        return Ok(());
    }
    let params = keeper::params(ctx)?;
    let now = ctx.block.time_seconds;
    let max_age = i64::try_from(params.unbonding_time_seconds).unwrap_or(i64::MAX);
    for m in ctx.block.misbehavior.clone() {
        if m.kind == MisbehaviorKind::Unknown {
            continue;
        }
        let Some(old) = keeper::validator_by_consensus(ctx, &m.validator_address)? else {
            continue;
        };
        if old.tombstoned || now.saturating_sub(m.time_seconds) > max_age {
            continue;
        }
        let mut v = old.clone();
        slash(
            deps,
            ctx,
            &mut v,
            m.height,
            params.slash_fraction_double_sign_bps,
            Infraction::DoubleSign,
        )?;
        v.jailed = true;
        v.jailed_until = i64::MAX;
        v.tombstoned = true;
        keeper::set_validator(ctx, Some(&old), &v)?;
        ctx.emit(event::jail(&v, Infraction::DoubleSign.as_str()));
    }
    Ok(())
}

/// Counts each vote of the last commit in its validator's liveness window; a
/// validator that missed more than the window allows is slashed, jailed for
/// `downtime_jail_seconds` and starts a fresh window.
pub(crate) fn handle_liveness(deps: &Deps<'_>, ctx: &mut Ctx<'_>) -> Result<(), TxError> {
    if ctx.block.last_commit.is_empty() {
        return Ok(());
    }
    let params = keeper::params(ctx)?;
    let window = params.signed_blocks_window;
    let max_missed = params.max_missed_blocks();
    let height = ctx.block.height;
    let mut seen = BTreeSet::new();
    for vote in ctx.block.last_commit.clone() {
        let cons = vote.validator_address;
        if !seen.insert(cons) {
            continue;
        }
        let Some(old) = keeper::validator_by_consensus(ctx, &cons)? else {
            continue;
        };
        let mut info = keeper::signing(ctx, &cons)?.unwrap_or(SigningRecord {
            start_height: height,
            index_offset: 0,
            missed_blocks: 0,
            window,
        });
        if info.window != window {
            keeper::clear_missed(ctx, &cons)?;
            info.index_offset = 0;
            info.missed_blocks = 0;
            info.window = window;
        }
        let index = info.index_offset % window;
        info.index_offset = info.index_offset.saturating_add(1);
        let was_missed = info.missed_blocks > 0 && keeper::missed_bit(ctx, &cons, index)?;
        let missed = !vote.signed;
        if was_missed != missed {
            keeper::set_missed_bit(ctx, &cons, index, missed)?;
            if missed {
                info.missed_blocks = info.missed_blocks.saturating_add(1);
            } else {
                info.missed_blocks = info.missed_blocks.saturating_sub(1);
            }
        }
        if height > info.start_height.saturating_add(window) && info.missed_blocks > max_missed {
            if !old.jailed {
                let mut v = old.clone();
                slash(
                    deps,
                    ctx,
                    &mut v,
                    height,
                    params.slash_fraction_downtime_bps,
                    Infraction::Downtime,
                )?;
                v.jailed = true;
                v.jailed_until = later(ctx.block.time_seconds, params.downtime_jail_seconds)?;
                keeper::set_validator(ctx, Some(&old), &v)?;
                ctx.emit(event::jail(&v, Infraction::Downtime.as_str()));
            }
            keeper::clear_missed(ctx, &cons)?;
            info.index_offset = 0;
            info.missed_blocks = 0;
        }
        keeper::set_signing(ctx, &cons, &info)?;
    }
    Ok(())
}
