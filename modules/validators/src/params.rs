//! The validators module's parameters.

use serde::{Deserialize, Serialize};
use weave_kernel::parse_amount;
use weave_proto::weave::validators::v1 as pb;

use crate::ValidatorsError;

/// The largest active set any parameter may ask for; it bounds the per-block work of
/// computing the set.
pub const MAX_ACTIVE_SET: u32 = 1_000;

/// The largest liveness window; it bounds the bitmap cleared when a validator is
/// jailed.
pub const MAX_SIGNED_BLOCKS_WINDOW: u64 = 100_000;

/// Validators parameters.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Params {
    /// How long unbonding takes, in seconds of block time.
    pub unbonding_time_seconds: u64,
    /// The size of the active set.
    pub max_validators: u32,
    /// Most unbonding entries per (delegator, validator), and most redelegation
    /// entries per (delegator, source, destination).
    pub max_entries: u32,
    /// Most queue entries matured per block.
    pub max_matured_per_block: u32,
    /// uweave minted per block for the validators that signed the previous one.
    #[serde(with = "crate::params::serde_amount")]
    pub block_reward: u128,
    /// Blocks in the liveness window.
    pub signed_blocks_window: u64,
    /// Share of the window a validator must sign, in basis points.
    pub min_signed_per_window_bps: u32,
    /// How long downtime jails, in seconds.
    pub downtime_jail_seconds: u64,
    /// Share of stake burned for a double sign, in basis points.
    pub slash_fraction_double_sign_bps: u32,
    /// Share of stake burned for downtime, in basis points.
    pub slash_fraction_downtime_bps: u32,
}

impl Default for Params {
    fn default() -> Self {
        Self {
            unbonding_time_seconds: 21 * 24 * 3600,
            max_validators: 100,
            max_entries: 7,
            max_matured_per_block: 100,
            block_reward: 1_000_000,
            signed_blocks_window: 100,
            min_signed_per_window_bps: 5_000,
            downtime_jail_seconds: 600,
            slash_fraction_double_sign_bps: 500,
            slash_fraction_downtime_bps: 1,
        }
    }
}

impl Params {
    /// Checks the parameters.
    pub fn validate(&self) -> Result<(), ValidatorsError> {
        let bad = |m: String| Err(ValidatorsError::InvalidParams(m));
        // Ten years: far beyond any sensible unbonding time, far below overflow.
        if !(1..=10 * 365 * 24 * 3600).contains(&self.unbonding_time_seconds) {
            return bad(format!(
                "unbonding_time_seconds {} outside 1..=315360000",
                self.unbonding_time_seconds
            ));
        }
        if !(1..=MAX_ACTIVE_SET).contains(&self.max_validators) {
            return bad(format!(
                "max_validators {} outside 1..={MAX_ACTIVE_SET}",
                self.max_validators
            ));
        }
        if !(1..=100).contains(&self.max_entries) {
            return bad(format!("max_entries {} outside 1..=100", self.max_entries));
        }
        if !(1..=10_000).contains(&self.max_matured_per_block) {
            return bad(format!(
                "max_matured_per_block {} outside 1..=10000",
                self.max_matured_per_block
            ));
        }
        if !(10..=MAX_SIGNED_BLOCKS_WINDOW).contains(&self.signed_blocks_window) {
            return bad(format!(
                "signed_blocks_window {} outside 10..={MAX_SIGNED_BLOCKS_WINDOW}",
                self.signed_blocks_window
            ));
        }
        if !(1..=10_000).contains(&self.min_signed_per_window_bps) {
            return bad(format!(
                "min_signed_per_window_bps {} outside 1..=10000",
                self.min_signed_per_window_bps
            ));
        }
        if !(1..=10 * 365 * 24 * 3600).contains(&self.downtime_jail_seconds) {
            return bad(format!(
                "downtime_jail_seconds {} outside 1..=315360000",
                self.downtime_jail_seconds
            ));
        }
        for (name, v) in [
            (
                "slash_fraction_double_sign_bps",
                self.slash_fraction_double_sign_bps,
            ),
            (
                "slash_fraction_downtime_bps",
                self.slash_fraction_downtime_bps,
            ),
        ] {
            if v > 10_000 {
                return bad(format!("{name} {v} above 10000"));
            }
        }
        Ok(())
    }

    /// Missed blocks in a window beyond which a validator is jailed.
    pub fn max_missed_blocks(&self) -> u64 {
        let window = self.signed_blocks_window;
        let min_signed =
            window.saturating_mul(u64::from(self.min_signed_per_window_bps.min(10_000))) / 10_000;
        window - min_signed
    }

    /// Rebuilds parameters from the wire, checking the amount.
    pub fn from_wire(p: pb::Params) -> Result<Self, ValidatorsError> {
        Ok(Self {
            unbonding_time_seconds: p.unbonding_time_seconds,
            max_validators: p.max_validators,
            max_entries: p.max_entries,
            max_matured_per_block: p.max_matured_per_block,
            block_reward: parse_amount(&p.block_reward)
                .map_err(|e| ValidatorsError::InvalidParams(format!("block_reward: {e}")))?,
            signed_blocks_window: p.signed_blocks_window,
            min_signed_per_window_bps: p.min_signed_per_window_bps,
            downtime_jail_seconds: p.downtime_jail_seconds,
            slash_fraction_double_sign_bps: p.slash_fraction_double_sign_bps,
            slash_fraction_downtime_bps: p.slash_fraction_downtime_bps,
        })
    }
}

impl From<&Params> for pb::Params {
    fn from(p: &Params) -> Self {
        Self {
            unbonding_time_seconds: p.unbonding_time_seconds,
            max_validators: p.max_validators,
            max_entries: p.max_entries,
            max_matured_per_block: p.max_matured_per_block,
            block_reward: p.block_reward.to_string(),
            signed_blocks_window: p.signed_blocks_window,
            min_signed_per_window_bps: p.min_signed_per_window_bps,
            downtime_jail_seconds: p.downtime_jail_seconds,
            slash_fraction_double_sign_bps: p.slash_fraction_double_sign_bps,
            slash_fraction_downtime_bps: p.slash_fraction_downtime_bps,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_validate_and_round_trip() {
        let p = Params::default();
        p.validate().unwrap();
        assert_eq!(p.max_missed_blocks(), 50);
        assert_eq!(Params::from_wire(pb::Params::from(&p)).unwrap(), p);
        let json = serde_json::to_value(&p).unwrap();
        assert_eq!(json["block_reward"], "1000000");
        assert_eq!(serde_json::from_value::<Params>(json).unwrap(), p);
    }

    #[test]
    fn each_bound_is_checked() {
        let cases: Vec<fn(&mut Params)> = vec![
            |p| p.unbonding_time_seconds = 0,
            |p| p.max_validators = 0,
            |p| p.max_validators = MAX_ACTIVE_SET + 1,
            |p| p.max_entries = 0,
            |p| p.max_matured_per_block = 0,
            |p| p.signed_blocks_window = 5,
            |p| p.min_signed_per_window_bps = 10_001,
            |p| p.downtime_jail_seconds = 0,
            |p| p.slash_fraction_double_sign_bps = 10_001,
            |p| p.slash_fraction_downtime_bps = 20_000,
        ];
        for edit in cases {
            let mut p = Params::default();
            edit(&mut p);
            assert!(matches!(
                p.validate(),
                Err(ValidatorsError::InvalidParams(_))
            ));
        }
    }
}

/// Serializes a `u128` amount as a decimal string, as amounts travel in JSON.
pub(crate) mod serde_amount {
    use serde::{Deserialize, Deserializer, Serializer};

    pub(crate) fn serialize<S: Serializer>(v: &u128, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&v.to_string())
    }

    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<u128, D::Error> {
        let s = String::deserialize(d)?;
        weave_kernel::parse_amount(&s).map_err(serde::de::Error::custom)
    }
}
