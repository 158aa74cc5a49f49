//! The gov module's genesis section: its params.

use crate::{GovError, Params};

/// The gov genesis section. Absent (`null`) means default params.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GenesisState {
    /// The params.
    #[serde(default)]
    pub params: Params,
}

impl GenesisState {
    /// Parses and validates a genesis section.
    pub fn from_json(v: &serde_json::Value) -> Result<Self, GovError> {
        let g: Self = if v.is_null() {
            Self::default()
        } else {
            serde_json::from_value(v.clone())
                .map_err(|e| GovError::InvalidGenesis(e.to_string()))?
        };
        g.params
            .validate()
            .map_err(|e| GovError::InvalidGenesis(e.to_string()))?;
        Ok(g)
    }
}

impl weave_kernel::GenesisSection for GenesisState {
    fn from_section(section: &serde_json::Value) -> Result<Self, weave_kernel::TxError> {
        Ok(Self::from_json(section)?)
    }
}
