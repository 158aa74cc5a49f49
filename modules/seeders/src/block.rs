//! Per-block work and what the application feeds in: completing unbondings, ending
//! epochs (reputation and rewards), opening probe rounds, applying probe reports, and
//! recording the bandwidth channels report. Every loop is bounded: unbondings by
//! `max_unbondings_per_block`, seeders by `max_seeders` (≤ 1000), payer entries by 64
//! per seeder, rounds by the few kept, reports by the validator set.

use weave_kernel::{community_pool, expected::Bank, Address, Ctx, ModuleError, TxError, DENOM};

use crate::{
    bond_account, event,
    handler::{coins, jail, slash, Deps},
    keeper::{self, EpochTally, MAX_PAYERS_PER_EPOCH},
    math::{bps_of, mul_div},
    params::PROBE_ROUNDS_KEPT,
    probe::{self, ProbeReport, ProbeRound, ProbeTarget, RoundOutcome},
    record::Status,
    reputation::{bandwidth_points, reputation_next, EpochInputs},
    state_key, Params, SeedersError,
};

pub(crate) fn end_block(deps: &Deps<'_>, ctx: &mut Ctx<'_>) -> Result<(), TxError> {
    let params = keeper::params(ctx)?;
    let height = ctx.block.height;
    complete_unbondings(deps.bank, ctx, &params)?;
    if height > 0 && height.is_multiple_of(params.epoch_blocks) {
        end_epoch(deps.bank, ctx, &params)?;
    }
    if params.probe_interval_blocks > 0
        && height > 0
        && height.is_multiple_of(params.probe_interval_blocks)
    {
        open_round(ctx, &params)?;
    }
    Ok(())
}

/// Returns the bonds of at most `max_unbondings_per_block` unbondings due by now,
/// oldest first, and removes those seeders; the rest wait for the next blocks.
fn complete_unbondings(bank: &dyn Bank, ctx: &mut Ctx<'_>, params: &Params) -> Result<(), TxError> {
    let next = ctx.block.height.saturating_add(1);
    let due = ctx.range(
        &state_key::unbondings(),
        Some(&state_key::unbondings_at(next)),
        params.max_unbondings_per_block as usize,
    )?;
    for (key, _) in due {
        let (_, seeder) =
            state_key::parse_unbonding(&key).ok_or_else(|| SeedersError::corrupt_state(&key))?;
        ctx.delete(key)?;
        let Some(s) = keeper::seeder(ctx, &seeder)? else {
            continue;
        };
        if s.status != Status::Unbonding {
            continue;
        }
        if s.bond > 0 {
            bank.transfer(ctx, &bond_account(), &seeder, &coins(s.bond)?)?;
        }
        keeper::clear_epoch(ctx, &seeder)?;
        keeper::delete_peer(ctx, &s.peer_id)?;
        keeper::delete_seeder(ctx, &seeder)?;
        let count = keeper::count(ctx)?;
        keeper::set_count(ctx, count.saturating_sub(1))?;
        ctx.emit(event::unbonded(&seeder, s.bond));
    }
    Ok(())
}

/// Ends the epoch: every seeder's reputation moves by [`reputation_next`] from this
/// epoch's inputs (which are then deleted), then `min(epoch_reward, pool)` leaves the
/// community pool to the bonded, unjailed seeders pro rata to their [`reward_weight`]
/// (reputation weighted by this epoch's probe results), each share truncated and
/// capped by [`reward_cap`] (a part of the protocol fees its payers paid this epoch
/// and of its bond); the remainder stays in the pool.
fn end_epoch(bank: &dyn Bank, ctx: &mut Ctx<'_>, params: &Params) -> Result<(), TxError> {
    let epoch = keeper::take_epoch(ctx)?;
    let height = ctx.block.height;
    let mut seeders = keeper::all_seeders(ctx)?;
    let mut tallies = Vec::with_capacity(seeders.len());
    for s in &mut seeders {
        let tally = keeper::tally(ctx, &s.address)?;
        tallies.push(tally.clone());
        let entries = keeper::payer_fees(ctx, &s.address)?;
        let mut inputs = EpochInputs {
            seeder: s.address,
            payer_fees: Vec::with_capacity(entries.len()),
            probe_passes: tally.probe_passes,
            probe_fails: tally.probe_fails,
        };
        for (key, e) in &entries {
            let payer: Address = e
                .payer
                .parse()
                .map_err(|_| SeedersError::corrupt_state(key))?;
            let fee =
                weave_kernel::parse_amount(&e.fee).map_err(|_| SeedersError::corrupt_state(key))?;
            inputs.payer_fees.push((payer, fee));
        }
        let points = bandwidth_points(&inputs, params.bandwidth_knee);
        s.reputation = reputation_next(s.reputation, &inputs, params);
        for (key, _) in entries {
            ctx.delete(key)?;
        }
        ctx.delete(state_key::tally(&s.address))?;
        keeper::set_seeder(ctx, s)?;
        ctx.emit(event::reputation_updated(&event::ReputationUpdate {
            epoch,
            seeder: &s.address,
            reputation: s.reputation,
            bandwidth_points: points,
            probe_passes: tally.probe_passes,
            probe_fails: tally.probe_fails,
        }));
    }

    let mut eligible: Vec<(Address, u128)> = Vec::new();
    let mut caps: Vec<u128> = Vec::new();
    for (s, t) in seeders.iter().zip(&tallies) {
        let weight = reward_weight(s.reputation, t.probe_passes, t.probe_fails);
        if s.is_active() && weight > 0 {
            eligible.push((s.address, weight));
            caps.push(reward_cap(t.fees, s.bond, params));
        }
    }
    let pool = bank.balance(ctx, &community_pool(), DENOM)?;
    let reward = params.epoch_reward.min(pool);
    let mut paid = 0u128;
    if reward > 0 {
        let (shift, total) = scaled_total(&eligible);
        if total > 0 {
            for ((seeder, reputation), cap) in eligible.iter().zip(&caps) {
                let share = mul_div(reward, reputation >> shift, total)
                    .ok_or_else(|| SeedersError::Overflow("epoch reward share".into()))?
                    .min(*cap);
                if share == 0 {
                    continue;
                }
                bank.transfer(ctx, &community_pool(), seeder, &coins(share)?)?;
                paid = paid.saturating_add(share);
                ctx.emit(event::epoch_reward(epoch, seeder, share, *reputation));
            }
        }
    }
    keeper::set_last_epoch_end(ctx, height)?;
    ctx.emit(event::epoch_ended(epoch, height, reward, paid));
    Ok(())
}

/// A seeder's weight in the epoch reward: its reputation times the share of this
/// epoch's probe verdicts it passed (all of it when no verdict was reached).
pub(crate) fn reward_weight(reputation: u128, passes: u64, fails: u64) -> u128 {
    let verdicts = u128::from(passes).saturating_add(u128::from(fails));
    if verdicts == 0 {
        return reputation;
    }
    mul_div(reputation, u128::from(passes), verdicts).unwrap_or(0)
}

/// The most a seeder may take of an epoch's reward: `max_reward_fee_bps` of the
/// protocol fees its payers paid this epoch (below 100 %, so paying oneself to farm
/// the reward always loses money) and `max_reward_bond_bps` of its bond.
pub(crate) fn reward_cap(fees: u128, bond: u128, params: &Params) -> u128 {
    bps_of(fees, params.max_reward_fee_bps).min(bps_of(bond, params.max_reward_bond_bps))
}

/// The sum of the reputations, each shifted right just enough that the sum fits in
/// 128 bits (no shift in any realistic case): `(shift, sum)`.
fn scaled_total(reputations: &[(Address, u128)]) -> (u32, u128) {
    for shift in 0..128u32 {
        let sum = reputations
            .iter()
            .try_fold(0u128, |acc, (_, r)| acc.checked_add(r >> shift));
        if let Some(sum) = sum {
            return (shift, sum);
        }
    }
    // Unreachable: at 127 every term is at most 1 and there are at most 1000.
    (127, 0)
}

/// Opens a probe round over the bonded, unjailed seeders, if there are any, and prunes
/// rounds beyond the latest [`PROBE_ROUNDS_KEPT`].
fn open_round(ctx: &mut Ctx<'_>, params: &Params) -> Result<(), TxError> {
    let height = ctx.block.height;
    let seeders: Vec<ProbeTarget> = keeper::all_seeders(ctx)?
        .into_iter()
        .filter(|s| s.is_active() && !s.contents.is_empty())
        .map(|s| ProbeTarget {
            seeder: s.address,
            contents: s.contents,
        })
        .collect();
    if seeders.is_empty() {
        return Ok(());
    }
    let round = ProbeRound {
        height,
        block_hash: ctx.block.hash.clone(),
        report_height: height.saturating_add(params.probe_report_delay_blocks),
        challenges_per_validator: params.challenges_per_validator,
        seeders,
    };
    keeper::set_round(ctx, &round)?;
    let mut kept = keeper::round_heights(ctx)?;
    kept.retain(|h| *h != height);
    kept.push(height);
    let excess = kept.len().saturating_sub(PROBE_ROUNDS_KEPT as usize);
    for old in kept.drain(..excess) {
        keeper::delete_round(ctx, old)?;
    }
    keeper::set_round_heights(ctx, &kept)?;
    ctx.emit(event::probe_round(
        height,
        round.seeders.len(),
        round.report_height,
    ));
    Ok(())
}

/// Applies a round's verified probe reports, once, judged against `total_power` (the
/// whole validator set's power at the vote height): returns false (and changes
/// nothing) if the round is unknown or was applied before.
pub(crate) fn apply_probe_reports(
    bank: &dyn Bank,
    ctx: &mut Ctx<'_>,
    round_height: u64,
    reports: &[([u8; 20], i64, ProbeReport)],
    total_power: u128,
) -> Result<bool, TxError> {
    ctx.atomically(|ctx| {
        if keeper::round_applied(ctx, round_height)? {
            return Ok(false);
        }
        let Some(round) = keeper::round(ctx, round_height)? else {
            return Ok(false);
        };
        let params = keeper::params(ctx)?;
        for (seeder, verdict) in probe::tally_reports(&round, reports) {
            let Some(mut s) = keeper::seeder(ctx, &seeder)? else {
                continue;
            };
            let outcome = verdict.outcome(total_power, params.min_probe_failers);
            let failed = outcome == RoundOutcome::Failed;
            match outcome {
                RoundOutcome::Failed => s.failed_rounds = s.failed_rounds.saturating_add(1),
                RoundOutcome::Passed => s.failed_rounds = 0,
                RoundOutcome::Inconclusive => {}
            }
            if s.status == Status::Bonded && outcome != RoundOutcome::Inconclusive {
                let mut t = keeper::tally(ctx, &seeder)?;
                if failed {
                    t.probe_fails = t.probe_fails.saturating_add(1);
                } else {
                    t.probe_passes = t.probe_passes.saturating_add(1);
                }
                keeper::set_tally(ctx, &seeder, &t)?;
            }
            ctx.emit(event::probe_result(&event::ProbeResult {
                round_height,
                seeder: &seeder,
                power_probed: verdict.power_probed,
                power_failed: verdict.power_failed,
                passed: outcome == RoundOutcome::Passed,
                failed_rounds: s.failed_rounds,
            }));
            if failed && s.failed_rounds >= params.probe_fail_jail_threshold {
                slash(
                    bank,
                    ctx,
                    &mut s,
                    params.probe_fail_slash_bps,
                    None,
                    "probe_failures",
                )?;
                jail(ctx, &mut s, &params, "probe_failures");
                s.failed_rounds = 0;
            }
            keeper::set_seeder(ctx, &s)?;
        }
        keeper::set_round_applied(ctx, round_height)?;
        Ok(true)
    })
}

/// Decodes the vote extensions of `vote_height` against the round reported at that
/// height and applies them, judged against the power of every vote of the block's
/// last commit (the whole set that voted at `vote_height`). Extensions that are empty
/// or do not check are skipped (the application verified them already).
pub(crate) fn apply_vote_extensions(
    bank: &dyn Bank,
    ctx: &mut Ctx<'_>,
    vote_height: u64,
    votes: &[weave_kernel::ExtendedVote],
) -> Result<(), TxError> {
    if votes.iter().all(|v| v.extension.is_empty()) {
        return Ok(());
    }
    let Some(round) = probe::round_for_vote(ctx, vote_height)? else {
        return Ok(());
    };
    let reports: Vec<([u8; 20], i64, ProbeReport)> = votes
        .iter()
        .filter(|v| !v.extension.is_empty())
        .filter_map(|v| {
            let w = probe::decode_wire(&v.extension).ok()?;
            let report = probe::check_report(&round, vote_height, &v.validator_address, w).ok()?;
            Some((v.validator_address, v.power, report))
        })
        .collect();
    let total_power = ctx
        .block
        .last_commit
        .iter()
        .map(|v| u128::try_from(v.power).unwrap_or(0))
        .fold(0u128, u128::saturating_add);
    apply_probe_reports(bank, ctx, round.height, &reports, total_power).map(|_| ())
}

/// Adds a voucher's payment to the seeder's epoch inputs (see
/// [`crate::BandwidthLedger`]).
pub(crate) fn record_paid_bandwidth(
    ctx: &mut Ctx<'_>,
    seeder: &Address,
    payer: &Address,
    bytes: u64,
    amount: u128,
) -> Result<(), TxError> {
    if seeder == payer || (bytes == 0 && amount == 0) {
        return Ok(());
    }
    if !keeper::is_bonded(ctx, seeder)? {
        return Ok(());
    }
    let mut t: EpochTally = keeper::tally(ctx, seeder)?;
    t.fees = t.fees.saturating_add(amount);
    t.bytes = t.bytes.saturating_add(bytes);
    match keeper::payer_fee(ctx, seeder, payer)? {
        Some((fee, b)) => keeper::set_payer_fee(
            ctx,
            seeder,
            payer,
            fee.saturating_add(amount),
            b.saturating_add(bytes),
        )?,
        None if t.payers < MAX_PAYERS_PER_EPOCH => {
            keeper::set_payer_fee(ctx, seeder, payer, amount, bytes)?;
            t.payers += 1;
        }
        None => t.untracked_fees = t.untracked_fees.saturating_add(amount),
    }
    keeper::set_tally(ctx, seeder, &t)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rewards_weigh_probe_results_and_are_capped_by_fees_and_bond() {
        // Reputation times the share of verdicts passed; no verdict, all of it.
        assert_eq!(reward_weight(1_000, 0, 0), 1_000);
        assert_eq!(reward_weight(1_000, 3, 1), 750);
        assert_eq!(reward_weight(1_000, 0, 4), 0);
        assert_eq!(reward_weight(u128::MAX, u64::MAX, 0), u128::MAX);
        let p = Params::default();
        // Half of the fees (default), 1% of the bond, whichever is lower.
        assert_eq!(reward_cap(10_000, 10_000_000, &p), 5_000);
        assert_eq!(reward_cap(1_000_000, 10_000_000, &p), 100_000);
        assert_eq!(reward_cap(0, 10_000_000, &p), 0);
        // At the highest fee cap governance can set, still below the fees.
        let max = Params {
            max_reward_fee_bps: crate::params::MAX_REWARD_FEE_BPS,
            max_reward_bond_bps: 10_000,
            ..p
        };
        for fees in [1u128, 9_999, 10_000, 123_456_789, u128::MAX] {
            assert!(reward_cap(fees, u128::MAX, &max) < fees);
        }
    }
}
