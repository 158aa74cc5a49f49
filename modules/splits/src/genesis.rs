//! The splits module's genesis state: parameters and tables that exist from the start.

use serde::{Deserialize, Serialize};
use weave_kernel::{Address, Ctx, TxError};

use crate::{Keeper, Params, SplitTable, SplitsError};

/// A table at genesis. Ids are assigned in order, starting at 1.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GenesisTable {
    /// Who created it.
    pub creator: Address,
    /// (address, basis points), ascending by address.
    pub recipients: Vec<(Address, u32)>,
    /// Who may change it; absent: immutable.
    #[serde(default)]
    pub controller: Option<Address>,
}

/// The splits section of the genesis `app_state`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GenesisState {
    /// Parameters.
    #[serde(default)]
    pub params: Params,
    /// Tables.
    #[serde(default)]
    pub tables: Vec<GenesisTable>,
}

impl GenesisState {
    /// Checks the section: valid params and valid tables.
    pub fn validate(&self) -> Result<(), SplitsError> {
        self.params.validate()?;
        for (i, t) in self.tables.iter().enumerate() {
            SplitTable::new(t.recipients.clone())
                .map_err(|e| SplitsError::InvalidGenesis(format!("table {}: {e}", i + 1)))?;
        }
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
    for t in &state.tables {
        let table = SplitTable::new(t.recipients.clone())?;
        keeper.create(ctx, t.creator, table, t.controller)?;
    }
    Ok(())
}

impl weave_kernel::GenesisSection for GenesisState {
    fn from_section(section: &serde_json::Value) -> Result<Self, weave_kernel::TxError> {
        let g: Self = weave_kernel::parse_genesis::<SplitsError, _>(section)?;
        g.validate()?;
        Ok(g)
    }
}
