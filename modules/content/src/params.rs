//! The content module's parameters.

use serde::{Deserialize, Serialize};
use weave_proto::weave::content::v1 as pb;

use crate::ContentError;

/// Content parameters.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Params {
    /// Most subscription expiries processed in one end block; the rest wait for the
    /// next block (access checks compare heights, so a late expiry grants nothing).
    pub max_expiries_per_block: u32,
    /// Longest subscription one message may buy, and longest period, in blocks.
    pub max_subscription_blocks: u64,
}

impl Default for Params {
    fn default() -> Self {
        Self {
            max_expiries_per_block: 200,
            // About 18 months at 5-second blocks.
            max_subscription_blocks: 10_000_000,
        }
    }
}

/// The most expiries one block may be asked to process.
pub const MAX_EXPIRIES_PER_BLOCK: u32 = 10_000;

impl Params {
    /// Checks the parameters.
    pub fn validate(&self) -> Result<(), ContentError> {
        if !(1..=MAX_EXPIRIES_PER_BLOCK).contains(&self.max_expiries_per_block) {
            return Err(ContentError::InvalidParams(format!(
                "max_expiries_per_block {} outside 1..={MAX_EXPIRIES_PER_BLOCK}",
                self.max_expiries_per_block
            )));
        }
        if self.max_subscription_blocks == 0 {
            return Err(ContentError::InvalidParams(
                "max_subscription_blocks must be positive".into(),
            ));
        }
        Ok(())
    }
}

impl From<pb::Params> for Params {
    fn from(p: pb::Params) -> Self {
        Self {
            max_expiries_per_block: p.max_expiries_per_block,
            max_subscription_blocks: p.max_subscription_blocks,
        }
    }
}

impl From<&Params> for pb::Params {
    fn from(p: &Params) -> Self {
        Self {
            max_expiries_per_block: p.max_expiries_per_block,
            max_subscription_blocks: p.max_subscription_blocks,
        }
    }
}

impl weave_kernel::ModuleParams for Params {
    type Error = crate::ContentError;

    fn store(&self, ctx: &mut weave_kernel::Ctx<'_>) -> Result<(), weave_kernel::TxError> {
        crate::keeper::Keeper.set_params(ctx, self)
    }

    fn updated_event(&self) -> weave_kernel::Event {
        crate::event::params_updated(self)
    }
}
