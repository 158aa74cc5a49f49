//! The channels module's parameters.

use serde::{Deserialize, Serialize};
use weave_proto::weave::channels::v1 as pb;

use crate::ChannelsError;

/// Channels parameters.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Params {
    /// The seeder's share of each claimed amount, in basis points.
    pub seeder_share_bps: u32,
    /// Blocks between a close (or expiry) and settlement.
    pub challenge_period_blocks: u64,
    /// Most vouchers one claim may carry.
    pub max_vouchers_per_claim: u32,
    /// Most channels expired or settled in one end block.
    pub max_settlements_per_block: u32,
}

impl Default for Params {
    fn default() -> Self {
        Self {
            seeder_share_bps: 7_000,
            challenge_period_blocks: 100,
            max_vouchers_per_claim: 256,
            max_settlements_per_block: 100,
        }
    }
}

impl Params {
    /// Checks the parameters.
    pub fn validate(&self) -> Result<(), ChannelsError> {
        let bad = |m: String| Err(ChannelsError::InvalidParams(m));
        if self.seeder_share_bps > 10_000 {
            return bad(format!(
                "seeder_share_bps {} above 10000",
                self.seeder_share_bps
            ));
        }
        if self.challenge_period_blocks == 0 {
            return bad("challenge_period_blocks must be positive".into());
        }
        if !(1..=4096).contains(&self.max_vouchers_per_claim) {
            return bad(format!(
                "max_vouchers_per_claim {} outside 1..=4096",
                self.max_vouchers_per_claim
            ));
        }
        if !(1..=10_000).contains(&self.max_settlements_per_block) {
            return bad(format!(
                "max_settlements_per_block {} outside 1..=10000",
                self.max_settlements_per_block
            ));
        }
        Ok(())
    }
}

impl From<pb::Params> for Params {
    fn from(p: pb::Params) -> Self {
        Self {
            seeder_share_bps: p.seeder_share_bps,
            challenge_period_blocks: p.challenge_period_blocks,
            max_vouchers_per_claim: p.max_vouchers_per_claim,
            max_settlements_per_block: p.max_settlements_per_block,
        }
    }
}

impl From<&Params> for pb::Params {
    fn from(p: &Params) -> Self {
        Self {
            seeder_share_bps: p.seeder_share_bps,
            challenge_period_blocks: p.challenge_period_blocks,
            max_vouchers_per_claim: p.max_vouchers_per_claim,
            max_settlements_per_block: p.max_settlements_per_block,
        }
    }
}

impl weave_kernel::ModuleParams for Params {
    type Error = crate::ChannelsError;

    fn store(&self, ctx: &mut weave_kernel::Ctx<'_>) -> Result<(), weave_kernel::TxError> {
        ctx.put_proto(crate::state_key::params(), &pb::Params::from(self))
    }

    fn updated_event(&self) -> weave_kernel::Event {
        crate::event::params_updated(self)
    }
}
