//! The social module's genesis section: its params and the profiles it starts with
//! (what [`crate::SocialModule::export_genesis`] writes back). Follows, reactions,
//! comments and views are made by transactions.

use serde::{Deserialize, Serialize};
use weave_kernel::Address;

use crate::{fold_handle, handler::check_profile, Params, SocialError};

/// A profile in the genesis section.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GenesisProfile {
    /// The account.
    pub address: Address,
    /// Its handle (folded on import).
    pub handle: String,
    /// Display name.
    #[serde(default)]
    pub display_name: String,
    /// Bio.
    #[serde(default)]
    pub bio: String,
    /// Avatar content id; 0: none.
    #[serde(default)]
    pub avatar_content_id: u64,
    /// Links.
    #[serde(default)]
    pub links: Vec<String>,
}

/// The social section of the genesis `app_state`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GenesisState {
    /// Parameters.
    #[serde(default)]
    pub params: Params,
    /// Profiles, one per account, with unique handles.
    #[serde(default)]
    pub profiles: Vec<GenesisProfile>,
}

impl GenesisState {
    /// Checks the section: valid params, and profiles that would pass `MsgSetProfile`
    /// with one profile per account and unique handles.
    pub fn validate(&self) -> Result<(), SocialError> {
        self.params.validate()?;
        let mut accounts = std::collections::BTreeSet::new();
        let mut handles = std::collections::BTreeSet::new();
        for p in &self.profiles {
            let bad =
                |m: String| SocialError::InvalidGenesis(format!("profile {}: {m}", p.address));
            let handle = fold_handle(&p.handle).map_err(|e| bad(e.to_string()))?;
            check_profile(&self.params, &handle, &p.display_name, &p.bio, &p.links)
                .map_err(|e| bad(e.to_string()))?;
            if !accounts.insert(p.address) {
                return Err(bad("a second profile for the account".into()));
            }
            if !handles.insert(handle.clone()) {
                return Err(bad(format!("handle {handle:?} is taken")));
            }
        }
        Ok(())
    }
}

impl weave_kernel::GenesisSection for GenesisState {
    fn from_section(section: &serde_json::Value) -> Result<Self, weave_kernel::TxError> {
        let g: Self = weave_kernel::parse_genesis::<SocialError, _>(section)?;
        g.validate()?;
        Ok(g)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn profile(n: u8, handle: &str) -> GenesisProfile {
        GenesisProfile {
            address: Address::new([n; 20]),
            handle: handle.into(),
            display_name: String::new(),
            bio: String::new(),
            avatar_content_id: 0,
            links: Vec::new(),
        }
    }

    #[test]
    fn duplicate_accounts_and_handles_are_refused() {
        let mut g = GenesisState::default();
        g.validate().unwrap();
        g.profiles = vec![profile(1, "alice"), profile(2, "bob")];
        g.validate().unwrap();
        g.profiles = vec![profile(1, "alice"), profile(2, "ALICE")];
        assert!(matches!(g.validate(), Err(SocialError::InvalidGenesis(_))));
        g.profiles = vec![profile(1, "alice"), profile(1, "bob")];
        assert!(matches!(g.validate(), Err(SocialError::InvalidGenesis(_))));
        g.profiles = vec![profile(1, "al")];
        assert!(matches!(g.validate(), Err(SocialError::InvalidGenesis(_))));
        let v = serde_json::json!({"params": Params::default(), "nope": 1});
        assert!(<GenesisState as weave_kernel::GenesisSection>::from_section(&v).is_err());
    }
}
