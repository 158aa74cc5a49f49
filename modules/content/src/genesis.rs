//! The content module's genesis state: its parameters. Content itself is registered
//! by transactions.

use serde::{Deserialize, Serialize};

use crate::{ContentError, Params};

/// The content section of the genesis `app_state`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GenesisState {
    /// Parameters.
    #[serde(default)]
    pub params: Params,
}

impl GenesisState {
    /// Checks the section.
    pub fn validate(&self) -> Result<(), ContentError> {
        self.params.validate()
    }
}

impl weave_kernel::GenesisSection for GenesisState {
    fn from_section(section: &serde_json::Value) -> Result<Self, weave_kernel::TxError> {
        let g: Self = weave_kernel::parse_genesis::<ContentError, _>(section)?;
        g.validate()?;
        Ok(g)
    }
}
