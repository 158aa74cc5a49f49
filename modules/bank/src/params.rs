//! The bank module's parameters.

use serde::{Deserialize, Serialize};
use weave_proto::weave::bank::v1 as pb;

/// Bank parameters.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Params {
    /// Whether user sends are allowed.
    pub send_enabled: bool,
}

impl Default for Params {
    fn default() -> Self {
        Self { send_enabled: true }
    }
}

impl Params {
    /// Checks the parameters. Every value of the current fields is valid; the method
    /// exists so that every module's params validate the same way.
    pub fn validate(&self) -> Result<(), crate::BankError> {
        Ok(())
    }
}

impl From<pb::Params> for Params {
    fn from(p: pb::Params) -> Self {
        Self {
            send_enabled: p.send_enabled,
        }
    }
}

impl From<&Params> for pb::Params {
    fn from(p: &Params) -> Self {
        Self {
            send_enabled: p.send_enabled,
        }
    }
}

impl weave_kernel::ModuleParams for Params {
    type Error = crate::BankError;

    fn store(&self, ctx: &mut weave_kernel::Ctx<'_>) -> Result<(), weave_kernel::TxError> {
        ctx.put_proto(crate::state_key::params(), &pb::Params::from(self))
    }

    fn updated_event(&self) -> weave_kernel::Event {
        crate::event::params_updated(self)
    }
}
