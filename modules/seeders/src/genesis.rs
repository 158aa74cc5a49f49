//! The seeders module's genesis section: its params. Seeders bond by transaction.

use crate::{Params, SeedersError};

/// The seeders section of the genesis `app_state`. Absent (`null`) means default
/// params.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GenesisState {
    /// The params.
    #[serde(default)]
    pub params: Params,
}

impl GenesisState {
    /// Parses and validates a genesis section. The unbonding period's relation to the
    /// channels challenge period is checked at InitChain, against the channels params
    /// the channels module's genesis wrote (when it ran first); this function cannot
    /// see them and checks only that the period is positive.
    pub fn from_json(v: &serde_json::Value) -> Result<Self, SeedersError> {
        let g: Self = if v.is_null() {
            Self::default()
        } else {
            serde_json::from_value(v.clone())
                .map_err(|e| SeedersError::InvalidGenesis(e.to_string()))?
        };
        g.params
            .validate()
            .map_err(|e| SeedersError::InvalidGenesis(e.to_string()))?;
        Ok(g)
    }
}

impl weave_kernel::GenesisSection for GenesisState {
    fn from_section(section: &serde_json::Value) -> Result<Self, weave_kernel::TxError> {
        Ok(Self::from_json(section)?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn null_is_default_and_bad_sections_are_refused() {
        assert_eq!(
            GenesisState::from_json(&serde_json::Value::Null).unwrap(),
            GenesisState::default()
        );
        let mut v = serde_json::to_value(GenesisState::default()).unwrap();
        assert_eq!(
            GenesisState::from_json(&v).unwrap(),
            GenesisState::default()
        );
        v["params"]["epoch_blocks"] = 0.into();
        assert!(matches!(
            GenesisState::from_json(&v),
            Err(SeedersError::InvalidGenesis(_))
        ));
        let unknown = serde_json::json!({"params": {"nope": 1}});
        assert!(GenesisState::from_json(&unknown).is_err());
    }
}
