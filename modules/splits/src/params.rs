//! The splits module's parameters.

use serde::{Deserialize, Serialize};
use weave_kernel::{Ctx, Event, ModuleParams, TxError};
use weave_proto::weave::splits::v1 as pb;

use crate::{event, state_key, SplitsError, TOTAL_BPS};

/// Splits parameters.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Params {
    /// The protocol fee taken from every payout, in basis points, paid to the
    /// community pool.
    pub protocol_fee_bps: u32,
}

impl Default for Params {
    fn default() -> Self {
        Self {
            protocol_fee_bps: 200,
        }
    }
}

/// The highest protocol fee governance may set: 20%.
pub const MAX_PROTOCOL_FEE_BPS: u32 = 2_000;

impl Params {
    /// Checks the parameters: the fee is at most [`MAX_PROTOCOL_FEE_BPS`].
    pub fn validate(&self) -> Result<(), SplitsError> {
        if self.protocol_fee_bps > MAX_PROTOCOL_FEE_BPS {
            return Err(SplitsError::InvalidParams(format!(
                "protocol_fee_bps {} above the maximum {MAX_PROTOCOL_FEE_BPS} (of {TOTAL_BPS})",
                self.protocol_fee_bps
            )));
        }
        Ok(())
    }
}

impl ModuleParams for Params {
    type Error = SplitsError;

    fn store(&self, ctx: &mut Ctx<'_>) -> Result<(), TxError> {
        ctx.put_proto(state_key::params(), &pb::Params::from(self))
    }

    fn updated_event(&self) -> Event {
        event::params_updated(self)
    }
}

impl From<pb::Params> for Params {
    fn from(p: pb::Params) -> Self {
        Self {
            protocol_fee_bps: p.protocol_fee_bps,
        }
    }
}

impl From<&Params> for pb::Params {
    fn from(p: &Params) -> Self {
        Self {
            protocol_fee_bps: p.protocol_fee_bps,
        }
    }
}
