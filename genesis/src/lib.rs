//! Weave's genesis `app_state`: one section per module, its defaults, and its
//! validation before a node starts.
//!
//! CometBFT's `genesis.json` carries this document under `app_state`; InitChain hands
//! each module its section.

use serde::{Deserialize, Serialize};
use weave_bank::{GenesisBalance, GenesisState as BankGenesis};
use weave_kernel::{Address, Coin, Coins};

/// Why a genesis document is unusable.
#[derive(Debug, thiserror::Error)]
pub enum GenesisError {
    /// The JSON does not parse into the expected shape.
    #[error("genesis app_state does not parse: {0}")]
    Parse(#[from] serde_json::Error),
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
#[serde(deny_unknown_fields)]
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

    /// Checks every section.
    pub fn validate(&self) -> Result<(), GenesisError> {
        self.auth
            .params
            .validate()
            .map_err(|reason| GenesisError::Invalid {
                module: "auth",
                reason,
            })?;
        self.bank.validate().map_err(|e| GenesisError::Invalid {
            module: "bank",
            reason: e.to_string(),
        })?;
        self.splits.validate().map_err(|e| GenesisError::Invalid {
            module: "splits",
            reason: e.to_string(),
        })?;
        self.content.validate().map_err(|e| GenesisError::Invalid {
            module: "content",
            reason: e.to_string(),
        })?;
        self.channels
            .validate()
            .map_err(|e| GenesisError::Invalid {
                module: "channels",
                reason: e.to_string(),
            })?;
        self.validators
            .validate()
            .map_err(|e| GenesisError::Invalid {
                module: "validators",
                reason: e.to_string(),
            })?;
        self.gov
            .params
            .validate()
            .map_err(|e| GenesisError::Invalid {
                module: "gov",
                reason: e.to_string(),
            })?;
        let seeders = serde_json::to_value(&self.seeders)?;
        weave_seeders::GenesisState::from_json(&seeders).map_err(|e| GenesisError::Invalid {
            module: "seeders",
            reason: e.to_string(),
        })?;
        Ok(())
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
        assert!(AppState::from_json(br#"{"nope": {}}"#).is_err());
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
}
