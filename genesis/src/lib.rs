//! Weave's genesis `app_state`: one section per module of the registry
//! ([`weave_registry`]), its defaults, and its validation before a node starts.
//!
//! CometBFT's `genesis.json` carries this document under `app_state`; InitChain hands
//! each module its section. Which sections exist and what makes one valid come from the
//! registry's module list: each module parses, validates and defaults its own section
//! through the kernel (`Module::validate_genesis`, `Module::default_genesis`). The
//! typed fields below are conveniences for the callers that edit the sections of the
//! modules they name; a module without a field here keeps its section in
//! [`AppState::sections`], and is validated all the same.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use weave_bank::{GenesisBalance, GenesisState as BankGenesis};
use weave_kernel::{Address, Coin, Coins};

/// Why a genesis document is unusable.
#[derive(Debug, thiserror::Error)]
pub enum GenesisError {
    /// The JSON does not parse into the expected shape.
    #[error("genesis app_state does not parse: {0}")]
    Parse(#[from] serde_json::Error),
    /// A section names no module of the registry.
    #[error("genesis app_state has a section {0:?} that names no module")]
    UnknownSection(String),
    /// A module's section is invalid.
    #[error("genesis section {module}: {reason}")]
    Invalid {
        /// The module.
        module: &'static str,
        /// What is wrong.
        reason: String,
    },
}

/// The auth section.
pub type AuthGenesis = weave_auth::GenesisState;

/// The whole `app_state`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AppState {
    /// Ante parameters.
    #[serde(default)]
    pub auth: AuthGenesis,
    /// Balances and bank parameters.
    #[serde(default)]
    pub bank: BankGenesis,
    /// Split tables and the protocol fee.
    #[serde(default)]
    pub splits: weave_splits::GenesisState,
    /// Content parameters.
    #[serde(default)]
    pub content: weave_content::GenesisState,
    /// Payment channel parameters.
    #[serde(default)]
    pub channels: weave_channels::GenesisState,
    /// Validator parameters and gentxs.
    #[serde(default)]
    pub validators: weave_validators::GenesisState,
    /// Governance params.
    #[serde(default)]
    pub gov: weave_gov::GenesisState,
    /// Seeder staking, reputation and probe params.
    #[serde(default)]
    pub seeders: weave_seeders::GenesisState,
    /// Social params and profiles.
    #[serde(default)]
    pub social: weave_social::GenesisState,
    /// The sections of the registry's other modules, by module name, as JSON (a
    /// section that names no module fails validation).
    #[serde(flatten)]
    pub sections: BTreeMap<String, serde_json::Value>,
}

impl AppState {
    /// A genesis that funds the given accounts with `amount` uweave each.
    pub fn with_funded(accounts: &[Address], amount: u128) -> Result<Self, GenesisError> {
        let mut state = Self::default();
        for a in accounts {
            state.add_balance(*a, amount)?;
        }
        Ok(state)
    }

    /// Adds `amount` uweave to an account, merging with any balance it already has.
    pub fn add_balance(&mut self, address: Address, amount: u128) -> Result<(), GenesisError> {
        let invalid = |reason: String| GenesisError::Invalid {
            module: "bank",
            reason,
        };
        let existing = self.bank.balances.iter_mut().find(|b| b.address == address);
        let new = Coins::new(vec![Coin::base(amount)]).map_err(|e| invalid(e.to_string()))?;
        match existing {
            Some(b) => {
                b.coins = Coins::sum([&b.coins, &new]).map_err(|e| invalid(e.to_string()))?;
            }
            None => self.bank.balances.push(GenesisBalance {
                address,
                coins: new,
            }),
        }
        Ok(())
    }

    /// Parses and validates an `app_state` document.
    pub fn from_json(bytes: &[u8]) -> Result<Self, GenesisError> {
        let s: Self = serde_json::from_slice(bytes)?;
        s.validate()?;
        Ok(s)
    }

    /// Checks every section: each module of the registry validates its own (`null`
    /// when absent), in registry order, and a section that names no module is refused.
    pub fn validate(&self) -> Result<(), GenesisError> {
        let doc = serde_json::to_value(self)?;
        let empty = serde_json::Map::new();
        let sections = doc.as_object().unwrap_or(&empty);
        let modules = weave_registry::modules();
        if let Some(unknown) = sections
            .keys()
            .find(|k| !modules.iter().any(|m| m.name() == k.as_str()))
        {
            return Err(GenesisError::UnknownSection(unknown.clone()));
        }
        for module in &modules {
            let section = sections
                .get(module.name())
                .unwrap_or(&serde_json::Value::Null);
            module
                .validate_genesis(section)
                .map_err(|e| GenesisError::Invalid {
                    module: module.name(),
                    reason: e.log,
                })?;
        }
        Ok(())
    }

    /// The default document: every module's default section, by module name.
    pub fn default_sections() -> BTreeMap<&'static str, serde_json::Value> {
        weave_registry::modules()
            .iter()
            .map(|m| (m.name(), m.default_genesis()))
            .collect()
    }

    /// The document as JSON.
    pub fn to_json(&self) -> Result<serde_json::Value, GenesisError> {
        Ok(serde_json::to_value(self)?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn funded_genesis_round_trips_and_validates() {
        let a = Address::new([1; 20]);
        let mut g = AppState::with_funded(&[a], 1_000).unwrap();
        g.add_balance(a, 5).unwrap();
        assert_eq!(g.bank.balances.len(), 1);
        assert_eq!(g.bank.balances[0].coins.amount_of("uweave"), 1_005);
        let json = serde_json::to_vec(&g).unwrap();
        assert_eq!(AppState::from_json(&json).unwrap(), g);
    }

    #[test]
    fn rejects_unknown_sections_and_duplicates() {
        assert!(matches!(
            AppState::from_json(br#"{"nope": {}}"#),
            Err(GenesisError::UnknownSection(s)) if s == "nope"
        ));
        let a = Address::new([1; 20]).to_string();
        let dup = format!(
            r#"{{"bank": {{"balances": [{{"address": "{a}", "coins": [{{"denom":"uweave","amount":"1"}}]}},
                {{"address": "{a}", "coins": [{{"denom":"uweave","amount":"1"}}]}}]}}}}"#
        );
        assert!(matches!(
            AppState::from_json(dup.as_bytes()),
            Err(GenesisError::Invalid { .. })
        ));
    }

    #[test]
    fn every_module_validates_its_own_section() {
        // A module's section is checked by the module itself.
        let mut g = AppState::default();
        g.seeders.params.unbonding_period_blocks = 0;
        let json = serde_json::to_vec(&g).unwrap();
        assert!(matches!(
            AppState::from_json(&json),
            Err(GenesisError::Invalid {
                module: "seeders",
                ..
            })
        ));
        let mut g = AppState::default();
        g.gov.params.voting_period = 0;
        assert!(matches!(
            g.validate(),
            Err(GenesisError::Invalid { module: "gov", .. })
        ));
    }

    #[test]
    fn default_sections_name_every_module_of_the_registry() {
        let d = AppState::default_sections();
        let names: Vec<_> = d.keys().copied().collect();
        assert_eq!(
            names,
            [
                "auth",
                "bank",
                "channels",
                "content",
                "gov",
                "seeders",
                "social",
                "splits",
                "validators"
            ]
        );
        let doc = serde_json::to_value(d).unwrap();
        let parsed: AppState = serde_json::from_value(doc).unwrap();
        assert_eq!(parsed, AppState::default());
        parsed.validate().unwrap();
    }
}
