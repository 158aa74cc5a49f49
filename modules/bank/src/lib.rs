//! The bank module.
//!
//! It stores accounts (number, sequence, public key), balances per account and
//! denomination, and the total supply per denomination. It takes `MsgSend`,
//! `MsgMultiSend` and `MsgUpdateParams` (and the Cosmos SDK's
//! `cosmos.bank.v1beta1.MsgSend`, so stock wallets work unchanged). It answers
//! `weave.bank.v1.Query`, the balance and supply queries of `cosmos.bank.v1beta1.Query`
//! and `cosmos.auth.v1beta1.Query/Account`. It has no per-block work.
//!
//! Other modules move money only through [`Keeper`], which implements the kernel's
//! `Bank` and `Accounts` traits; module accounts (fee collector, community pool,
//! escrows) are ordinary accounts whose address derives from a name.

mod error;
mod event;
mod genesis;
mod handler;
mod keeper;
mod msg;
mod params;
mod query;
pub mod state_key;

pub use error::BankError;
pub use event::types as event_types;
pub use genesis::{GenesisBalance, GenesisState};
pub use keeper::{
    decode_pubkey, encode_account, Keeper, ED25519_PUBKEY_TYPE, SECP256K1_PUBKEY_TYPE,
};
pub use msg::{BankMsg, MSG_MULTI_SEND, MSG_SEND, MSG_SEND_COSMOS, MSG_UPDATE_PARAMS};
pub use params::Params;

use weave_kernel::{parse_genesis, Ctx, StateRead, TxError, TypedModule};

/// The module's name: its key prefix and error codespace.
pub const MODULE_NAME: &str = "bank";

/// The module account that collects transaction fees.
pub const FEE_COLLECTOR: &str = "fee_collector";

/// The module account of the community pool.
pub const COMMUNITY_POOL: &str = weave_kernel::COMMUNITY_POOL_NAME;

/// The bank module.
#[derive(Debug, Default, Clone)]
pub struct BankModule {
    keeper: Keeper,
}

impl BankModule {
    /// A bank module.
    pub fn new() -> Self {
        Self::default()
    }

    /// The keeper, for other modules and the ante checks.
    pub fn keeper(&self) -> Keeper {
        self.keeper
    }
}

impl TypedModule for BankModule {
    type Msg = BankMsg;

    fn name(&self) -> &'static str {
        MODULE_NAME
    }

    fn message_types(&self) -> &'static [&'static str] {
        msg::MESSAGE_TYPES
    }

    fn governance_message_types(&self) -> &'static [&'static str] {
        &[msg::MSG_UPDATE_PARAMS]
    }

    fn init_genesis(&self, ctx: &mut Ctx<'_>, genesis: &serde_json::Value) -> Result<(), TxError> {
        let state: GenesisState = parse_genesis::<BankError, _>(genesis)?;
        genesis::init(&self.keeper, ctx, &state)
    }

    fn handle(&self, ctx: &mut Ctx<'_>, msg: BankMsg) -> Result<(), TxError> {
        handler::handle(&self.keeper, ctx, msg)
    }

    fn query_paths(&self) -> &'static [&'static str] {
        query::PATHS
    }

    fn query(&self, state: &dyn StateRead, path: &str, request: &[u8]) -> Result<Vec<u8>, TxError> {
        query::query(state, path, request)
    }
}
