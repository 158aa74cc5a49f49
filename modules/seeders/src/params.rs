//! The seeders module's parameters and their validation.

use serde::{Deserialize, Serialize};
use weave_kernel::parse_amount;
use weave_proto::weave::seeders::v1 as pb;

use crate::SeedersError;

/// The most seeders `max_seeders` may allow: it bounds every per-seeder loop of an end
/// block and the size of a probe round.
pub const HARD_MAX_SEEDERS: u32 = 1_000;
/// The most contents `max_contents_per_seeder` may allow (and any message may carry).
pub const HARD_MAX_CONTENTS: u32 = 64;
/// The most challenges a validator may be given per probe round.
pub const MAX_CHALLENGES_PER_VALIDATOR: u32 = 32;
/// Probe rounds kept in state; older ones are deleted as new ones open. The report
/// delay must let a round's reports arrive before it is pruned.
pub const PROBE_ROUNDS_KEPT: u64 = 4;

/// Seeders parameters. Amounts are uweave, periods blocks, ratios basis points.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Params {
    /// The smallest bond.
    pub min_bond: u128,
    /// Most seeders, bonded or unbonding; bonding beyond is refused.
    pub max_seeders: u32,
    /// Most contents one seeder commits to.
    pub max_contents_per_seeder: u32,
    /// Blocks from `MsgUnbondSeeder` to the bond's return; above the channels
    /// challenge period.
    pub unbonding_period_blocks: u64,
    /// Most unbondings completed in one end block; the rest wait.
    pub max_unbondings_per_block: u32,
    /// Blocks per reputation epoch (an epoch ends at every multiple).
    pub epoch_blocks: u64,
    /// Paid from the community pool per epoch, at most the pool's balance.
    pub epoch_reward: u128,
    /// A seeder's epoch reward is at most this share of the protocol fees its payers
    /// paid that epoch; below 10000, so farming the reward with one's own payments
    /// always costs more than it earns.
    #[serde(default = "default_max_reward_fee_bps")]
    pub max_reward_fee_bps: u32,
    /// A seeder's epoch reward is at most this share of its bond.
    #[serde(default = "default_max_reward_bond_bps")]
    pub max_reward_bond_bps: u32,
    /// Reputation lost per epoch.
    pub decay_bps: u32,
    /// Fees from one payer up to which bandwidth points equal the fees; beyond, they
    /// grow as a square root (see [`crate::reputation`]).
    pub bandwidth_knee: u128,
    /// Blocks between probe rounds; 0 turns probes off.
    pub probe_interval_blocks: u64,
    /// Blocks from a probe round to the vote that reports it.
    pub probe_report_delay_blocks: u64,
    /// Challenges per validator per round, drawn over the bonded seeders. A round is
    /// conclusive for a seeder only when more than a third of the power probed it, so
    /// `challenges_per_validator × validators` should be several times the seeders.
    pub challenges_per_validator: u32,
    /// Reputation per passed round.
    pub probe_pass_points: u64,
    /// Reputation lost per failed round.
    pub probe_fail_points: u64,
    /// Failed rounds in a row that jail and slash (inconclusive rounds in between
    /// keep the count, a passed round resets it). Five, so that an honest seeder
    /// offline a third of the time is jailed about once in a few hundred conclusive
    /// rounds (3 + 9 + 27 + 81 + 243 on average), while one that never serves fails
    /// every conclusive round and is jailed within a few epochs at the default coverage
    /// (`docs/economics.md`).
    pub probe_fail_jail_threshold: u32,
    /// Distinct validators that must see a seeder fail a round (besides more than a
    /// third of the whole set's power) for it to fail.
    #[serde(default = "default_min_probe_failers")]
    pub min_probe_failers: u32,
    /// Share of the bond burned at that threshold.
    pub probe_fail_slash_bps: u32,
    /// Share of the bond slashed for a proven bad slice.
    pub bad_slice_slash_bps: u32,
    /// The reporter's share of a bad-slice slash; the rest is burned.
    pub reporter_reward_bps: u32,
    /// How long a jail lasts.
    pub jail_blocks: u64,
}

impl Default for Params {
    fn default() -> Self {
        Self {
            min_bond: 10_000_000,
            max_seeders: 200,
            max_contents_per_seeder: 16,
            unbonding_period_blocks: 200,
            max_unbondings_per_block: 20,
            epoch_blocks: 100,
            epoch_reward: 1_000_000,
            max_reward_fee_bps: default_max_reward_fee_bps(),
            max_reward_bond_bps: default_max_reward_bond_bps(),
            decay_bps: 1_000,
            bandwidth_knee: 1_000_000,
            probe_interval_blocks: 10,
            probe_report_delay_blocks: 2,
            challenges_per_validator: 16,
            probe_pass_points: 10,
            probe_fail_points: 50,
            probe_fail_jail_threshold: 5,
            min_probe_failers: default_min_probe_failers(),
            probe_fail_slash_bps: 100,
            bad_slice_slash_bps: 1_000,
            reporter_reward_bps: 5_000,
            jail_blocks: 100,
        }
    }
}

fn default_min_probe_failers() -> u32 {
    2
}

fn default_max_reward_fee_bps() -> u32 {
    5_000
}

fn default_max_reward_bond_bps() -> u32 {
    100
}

/// The most `max_reward_fee_bps` may be: strictly below 100 % of the fees.
pub const MAX_REWARD_FEE_BPS: u32 = 9_999;

/// The most `min_probe_failers` may ask for.
pub const MAX_MIN_PROBE_FAILERS: u32 = 100;

fn bps(name: &str, v: u32) -> Result<(), SeedersError> {
    if v > 10_000 {
        return Err(SeedersError::InvalidParams(format!(
            "{name} {v} above 10000 bps"
        )));
    }
    Ok(())
}

fn within<T: PartialOrd + std::fmt::Display>(
    name: &str,
    v: T,
    lo: T,
    hi: T,
) -> Result<(), SeedersError> {
    if v < lo || v > hi {
        return Err(SeedersError::InvalidParams(format!(
            "{name} {v} outside {lo}..={hi}"
        )));
    }
    Ok(())
}

impl Params {
    /// Checks that the params fit together. The unbonding period's relation to the
    /// channels challenge period needs state; see [`Params::check_challenge_period`].
    pub fn validate(&self) -> Result<(), SeedersError> {
        let bad = |m: &str| Err(SeedersError::InvalidParams(m.into()));
        if self.min_bond == 0 {
            return bad("min_bond must be positive");
        }
        within("max_seeders", self.max_seeders, 1, HARD_MAX_SEEDERS)?;
        within(
            "max_contents_per_seeder",
            self.max_contents_per_seeder,
            1,
            HARD_MAX_CONTENTS,
        )?;
        if self.unbonding_period_blocks == 0 {
            return bad("unbonding_period_blocks must be positive");
        }
        within(
            "max_unbondings_per_block",
            self.max_unbondings_per_block,
            1,
            10_000,
        )?;
        if self.epoch_blocks == 0 {
            return bad("epoch_blocks must be positive");
        }
        bps("decay_bps", self.decay_bps)?;
        within(
            "max_reward_fee_bps",
            self.max_reward_fee_bps,
            0,
            MAX_REWARD_FEE_BPS,
        )?;
        bps("max_reward_bond_bps", self.max_reward_bond_bps)?;
        if self.bandwidth_knee == 0 {
            return bad("bandwidth_knee must be positive");
        }
        if self.probe_interval_blocks > 0 {
            // A round's reports arrive `delay` blocks after it opens and are applied in
            // the next block; by then at most PROBE_ROUNDS_KEPT − 1 newer rounds may
            // have opened, or the round is already pruned.
            let kept_span = self.probe_interval_blocks.saturating_mul(PROBE_ROUNDS_KEPT);
            if self.probe_report_delay_blocks == 0
                || self.probe_report_delay_blocks.saturating_add(1) >= kept_span
            {
                return Err(SeedersError::InvalidParams(format!(
                    "probe_report_delay_blocks {} must be at least 1 and below {} \
                     (probe_interval_blocks × {PROBE_ROUNDS_KEPT} − 1)",
                    self.probe_report_delay_blocks,
                    kept_span.saturating_sub(1)
                )));
            }
        }
        within(
            "challenges_per_validator",
            self.challenges_per_validator,
            1,
            MAX_CHALLENGES_PER_VALIDATOR,
        )?;
        if self.probe_fail_jail_threshold == 0 {
            return bad("probe_fail_jail_threshold must be positive");
        }
        within(
            "min_probe_failers",
            self.min_probe_failers,
            1,
            MAX_MIN_PROBE_FAILERS,
        )?;
        bps("probe_fail_slash_bps", self.probe_fail_slash_bps)?;
        bps("bad_slice_slash_bps", self.bad_slice_slash_bps)?;
        bps("reporter_reward_bps", self.reporter_reward_bps)?;
        if self.jail_blocks == 0 {
            return bad("jail_blocks must be positive");
        }
        Ok(())
    }

    /// Checks the unbonding period against the channels challenge period in force, so
    /// that a seeder cannot leave before the vouchers it served can still be claimed
    /// and disputed. `None` (channels params not yet in state) checks nothing more.
    pub fn check_challenge_period(
        &self,
        challenge_period: Option<u64>,
    ) -> Result<(), SeedersError> {
        match challenge_period {
            Some(p) if self.unbonding_period_blocks <= p => {
                Err(SeedersError::InvalidParams(format!(
                    "unbonding_period_blocks {} must be above the channels challenge period {p}",
                    self.unbonding_period_blocks
                )))
            }
            _ => Ok(()),
        }
    }

    /// The wire form.
    pub fn to_proto(&self) -> pb::Params {
        pb::Params {
            min_bond: self.min_bond.to_string(),
            max_seeders: self.max_seeders,
            max_contents_per_seeder: self.max_contents_per_seeder,
            unbonding_period_blocks: self.unbonding_period_blocks,
            max_unbondings_per_block: self.max_unbondings_per_block,
            epoch_blocks: self.epoch_blocks,
            epoch_reward: self.epoch_reward.to_string(),
            max_reward_fee_bps: self.max_reward_fee_bps,
            max_reward_bond_bps: self.max_reward_bond_bps,
            decay_bps: self.decay_bps,
            bandwidth_knee: self.bandwidth_knee.to_string(),
            probe_interval_blocks: self.probe_interval_blocks,
            probe_report_delay_blocks: self.probe_report_delay_blocks,
            challenges_per_validator: self.challenges_per_validator,
            probe_pass_points: self.probe_pass_points,
            probe_fail_points: self.probe_fail_points,
            probe_fail_jail_threshold: self.probe_fail_jail_threshold,
            min_probe_failers: self.min_probe_failers,
            probe_fail_slash_bps: self.probe_fail_slash_bps,
            bad_slice_slash_bps: self.bad_slice_slash_bps,
            reporter_reward_bps: self.reporter_reward_bps,
            jail_blocks: self.jail_blocks,
        }
    }

    /// From the wire form; amounts must parse. Does not validate.
    pub fn from_proto(p: &pb::Params) -> Result<Self, SeedersError> {
        let amount = |s: &str, f: &str| {
            parse_amount(s).map_err(|e| SeedersError::InvalidParams(format!("{f}: {e}")))
        };
        Ok(Self {
            min_bond: amount(&p.min_bond, "min_bond")?,
            max_seeders: p.max_seeders,
            max_contents_per_seeder: p.max_contents_per_seeder,
            unbonding_period_blocks: p.unbonding_period_blocks,
            max_unbondings_per_block: p.max_unbondings_per_block,
            epoch_blocks: p.epoch_blocks,
            epoch_reward: amount(&p.epoch_reward, "epoch_reward")?,
            max_reward_fee_bps: p.max_reward_fee_bps,
            max_reward_bond_bps: p.max_reward_bond_bps,
            decay_bps: p.decay_bps,
            bandwidth_knee: amount(&p.bandwidth_knee, "bandwidth_knee")?,
            probe_interval_blocks: p.probe_interval_blocks,
            probe_report_delay_blocks: p.probe_report_delay_blocks,
            challenges_per_validator: p.challenges_per_validator,
            probe_pass_points: p.probe_pass_points,
            probe_fail_points: p.probe_fail_points,
            probe_fail_jail_threshold: p.probe_fail_jail_threshold,
            min_probe_failers: p.min_probe_failers,
            probe_fail_slash_bps: p.probe_fail_slash_bps,
            bad_slice_slash_bps: p.bad_slice_slash_bps,
            reporter_reward_bps: p.reporter_reward_bps,
            jail_blocks: p.jail_blocks,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_validate_and_round_trip() {
        let p = Params::default();
        p.validate().expect("defaults are valid");
        assert_eq!(Params::from_proto(&p.to_proto()).expect("parses"), p);
        p.check_challenge_period(Some(100)).expect("above 100");
        p.check_challenge_period(None).expect("nothing to check");
        assert!(p.check_challenge_period(Some(200)).is_err());
    }

    #[test]
    fn bad_params_are_rejected() {
        let cases: Vec<Params> = vec![
            Params {
                min_bond: 0,
                ..Params::default()
            },
            Params {
                max_seeders: HARD_MAX_SEEDERS + 1,
                ..Params::default()
            },
            Params {
                max_contents_per_seeder: 0,
                ..Params::default()
            },
            Params {
                unbonding_period_blocks: 0,
                ..Params::default()
            },
            Params {
                epoch_blocks: 0,
                ..Params::default()
            },
            Params {
                decay_bps: 10_001,
                ..Params::default()
            },
            Params {
                bandwidth_knee: 0,
                ..Params::default()
            },
            Params {
                probe_report_delay_blocks: 0,
                ..Params::default()
            },
            Params {
                probe_interval_blocks: 1,
                probe_report_delay_blocks: 3,
                ..Params::default()
            },
            Params {
                challenges_per_validator: 33,
                ..Params::default()
            },
            Params {
                probe_fail_jail_threshold: 0,
                ..Params::default()
            },
            Params {
                min_probe_failers: 0,
                ..Params::default()
            },
            Params {
                max_reward_fee_bps: 10_000,
                ..Params::default()
            },
            Params {
                max_reward_bond_bps: 10_001,
                ..Params::default()
            },
            Params {
                min_probe_failers: MAX_MIN_PROBE_FAILERS + 1,
                ..Params::default()
            },
            Params {
                reporter_reward_bps: 10_001,
                ..Params::default()
            },
            Params {
                jail_blocks: 0,
                ..Params::default()
            },
        ];
        for p in cases {
            assert!(
                matches!(p.validate(), Err(SeedersError::InvalidParams(_))),
                "{p:?}"
            );
        }
        // Probes off: the delay is not constrained.
        Params {
            probe_interval_blocks: 0,
            probe_report_delay_blocks: 0,
            ..Params::default()
        }
        .validate()
        .expect("probes off");
        // Every block, reported two blocks later: kept long enough.
        Params {
            probe_interval_blocks: 1,
            probe_report_delay_blocks: 2,
            ..Params::default()
        }
        .validate()
        .expect("every block");
    }
}
