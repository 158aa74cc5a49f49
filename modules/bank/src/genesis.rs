//! The bank module's genesis state: parameters and initial balances. The supply is
//! the sum of the balances.

use serde::{Deserialize, Serialize};
use weave_kernel::{expected::Bank, Address, Coins, Ctx, KernelError, TxError};

use crate::{BankError, Keeper, Params};

/// One funded account at genesis.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GenesisBalance {
    /// The account.
    pub address: Address,
    /// Its coins.
    pub coins: Coins,
}

/// The bank section of the genesis `app_state`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct GenesisState {
    /// Parameters.
    #[serde(default)]
    pub params: Params,
    /// Initial balances; each address at most once.
    #[serde(default)]
    pub balances: Vec<GenesisBalance>,
}

impl GenesisState {
    /// Checks the section: valid params, unique addresses, positive coins, and a
    /// supply that fits in 128 bits.
    pub fn validate(&self) -> Result<(), BankError> {
        self.params.validate()?;
        let mut seen = std::collections::BTreeSet::new();
        for b in &self.balances {
            if !seen.insert(b.address) {
                return Err(BankError::InvalidGenesis(format!(
                    "duplicate balance for {}",
                    b.address
                )));
            }
            Coins::new(b.coins.iter().cloned().collect())
                .map_err(|e| BankError::InvalidGenesis(format!("{}: {e}", b.address)))?;
        }
        Coins::sum(self.balances.iter().map(|b| &b.coins))
            .map_err(|e| BankError::InvalidGenesis(format!("supply: {e}")))?;
        Ok(())
    }
}

pub(crate) fn init(
    keeper: &Keeper,
    ctx: &mut Ctx<'_>,
    state: &GenesisState,
) -> Result<(), TxError> {
    state.validate()?;
    keeper.set_params(ctx, &state.params)?;
    for b in &state.balances {
        keeper.mint(ctx, &b.address, &b.coins).map_err(|e| {
            KernelError::InvalidRequest(format!("genesis balance {}: {}", b.address, e.log))
        })?;
    }
    Ok(())
}

impl weave_kernel::GenesisSection for GenesisState {
    fn from_section(section: &serde_json::Value) -> Result<Self, weave_kernel::TxError> {
        let g: Self = weave_kernel::parse_genesis::<BankError, _>(section)?;
        g.validate()?;
        Ok(g)
    }
}
