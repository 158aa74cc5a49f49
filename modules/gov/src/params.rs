//! Gov parameters and their validation.

use weave_proto::weave::gov::v1 as pb;

use crate::GovError;

/// Gov parameters. Periods are seconds of block time, ratios basis points.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Params {
    /// uweave a proposal's deposit must reach to enter voting.
    pub min_deposit: u128,
    /// The same for expedited proposals.
    pub expedited_min_deposit: u128,
    /// The share of the minimum that the initial deposit must reach.
    pub min_initial_deposit_bps: u32,
    /// How long a proposal may wait for its minimum deposit.
    pub max_deposit_period: i64,
    /// How long voting lasts.
    pub voting_period: i64,
    /// How long voting lasts for expedited proposals (shorter).
    pub expedited_voting_period: i64,
    /// Share of total bonded stake that must vote.
    pub quorum_bps: u32,
    /// Share of non-abstaining votes that must be yes.
    pub threshold_bps: u32,
    /// The same for expedited proposals (higher).
    pub expedited_threshold_bps: u32,
    /// Share of all votes that, as no-with-veto, vetoes.
    pub veto_threshold_bps: u32,
    /// Messages one proposal may carry.
    pub max_messages: u32,
    /// Gas a proposal's execution may use.
    pub max_execution_gas: u64,
    /// Proposals whose period ended that one end block processes, per queue.
    pub max_ended_per_block: u32,
}

impl Default for Params {
    fn default() -> Self {
        Self {
            min_deposit: 10_000_000,
            expedited_min_deposit: 50_000_000,
            min_initial_deposit_bps: 2_500,
            max_deposit_period: 2 * 24 * 3600,
            voting_period: 2 * 24 * 3600,
            expedited_voting_period: 24 * 3600,
            quorum_bps: 3_340,
            threshold_bps: 5_000,
            expedited_threshold_bps: 6_670,
            veto_threshold_bps: 3_340,
            max_messages: 10,
            max_execution_gas: 10_000_000,
            max_ended_per_block: 10,
        }
    }
}

fn bps(name: &str, v: u32) -> Result<(), GovError> {
    if v == 0 || v > 10_000 {
        return Err(GovError::InvalidParams(format!(
            "{name} must be in 1..=10000 bps, got {v}"
        )));
    }
    Ok(())
}

impl Params {
    /// Checks that the params fit together.
    pub fn validate(&self) -> Result<(), GovError> {
        let bad = |s: String| Err(GovError::InvalidParams(s));
        if self.min_deposit == 0 {
            return bad("min_deposit must be positive".into());
        }
        if self.expedited_min_deposit < self.min_deposit {
            return bad("expedited_min_deposit must be at least min_deposit".into());
        }
        if self.min_initial_deposit_bps > 10_000 {
            return bad("min_initial_deposit_bps must be at most 10000".into());
        }
        if self.max_deposit_period <= 0 || self.voting_period <= 0 {
            return bad("periods must be positive".into());
        }
        if self.expedited_voting_period <= 0 || self.expedited_voting_period >= self.voting_period {
            return bad("expedited_voting_period must be positive and below voting_period".into());
        }
        bps("quorum_bps", self.quorum_bps)?;
        bps("threshold_bps", self.threshold_bps)?;
        bps("expedited_threshold_bps", self.expedited_threshold_bps)?;
        bps("veto_threshold_bps", self.veto_threshold_bps)?;
        if self.expedited_threshold_bps < self.threshold_bps {
            return bad("expedited_threshold_bps must be at least threshold_bps".into());
        }
        if self.max_messages == 0 || self.max_messages > 100 {
            return bad("max_messages must be in 1..=100".into());
        }
        if self.max_execution_gas == 0 {
            return bad("max_execution_gas must be positive".into());
        }
        if self.max_ended_per_block == 0 || self.max_ended_per_block > 1_000 {
            return bad("max_ended_per_block must be in 1..=1000".into());
        }
        Ok(())
    }

    /// The smallest initial deposit a proposal may carry.
    pub fn min_initial_deposit(&self, expedited: bool) -> u128 {
        let min = if expedited {
            self.expedited_min_deposit
        } else {
            self.min_deposit
        };
        // min_initial_deposit_bps ≤ 10000, so this never exceeds `min`.
        (min / 10_000).saturating_mul(u128::from(self.min_initial_deposit_bps))
            + (min % 10_000) * u128::from(self.min_initial_deposit_bps) / 10_000
    }

    /// The wire form.
    pub fn to_proto(&self) -> pb::Params {
        pb::Params {
            min_deposit: self.min_deposit.to_string(),
            expedited_min_deposit: self.expedited_min_deposit.to_string(),
            max_deposit_period: self.max_deposit_period,
            voting_period: self.voting_period,
            expedited_voting_period: self.expedited_voting_period,
            quorum_bps: self.quorum_bps,
            threshold_bps: self.threshold_bps,
            expedited_threshold_bps: self.expedited_threshold_bps,
            veto_threshold_bps: self.veto_threshold_bps,
            max_messages: self.max_messages,
            max_execution_gas: self.max_execution_gas,
            max_ended_per_block: self.max_ended_per_block,
            min_initial_deposit_bps: self.min_initial_deposit_bps,
        }
    }

    /// From the wire form; amounts must parse. Does not validate.
    pub fn from_proto(p: &pb::Params) -> Result<Self, GovError> {
        let amount = |s: &str, f: &str| {
            weave_kernel::parse_amount(s).map_err(|e| GovError::InvalidParams(format!("{f}: {e}")))
        };
        Ok(Self {
            min_deposit: amount(&p.min_deposit, "min_deposit")?,
            expedited_min_deposit: amount(&p.expedited_min_deposit, "expedited_min_deposit")?,
            min_initial_deposit_bps: p.min_initial_deposit_bps,
            max_deposit_period: p.max_deposit_period,
            voting_period: p.voting_period,
            expedited_voting_period: p.expedited_voting_period,
            quorum_bps: p.quorum_bps,
            threshold_bps: p.threshold_bps,
            expedited_threshold_bps: p.expedited_threshold_bps,
            veto_threshold_bps: p.veto_threshold_bps,
            max_messages: p.max_messages,
            max_execution_gas: p.max_execution_gas,
            max_ended_per_block: p.max_ended_per_block,
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
        assert_eq!(p.min_initial_deposit(false), 2_500_000);
    }

    #[test]
    fn bad_params_are_rejected() {
        let p = Params {
            quorum_bps: 10_001,
            ..Params::default()
        };
        assert!(p.validate().is_err());
        let mut p = Params::default();
        p.expedited_voting_period = p.voting_period;
        assert!(p.validate().is_err());
        let p = Params {
            expedited_threshold_bps: 4_000,
            ..Params::default()
        };
        assert!(p.validate().is_err());
    }
}
