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
mod module;
mod msg;
mod names;
mod params;
mod query;
pub mod state_key;

pub use error::BankError;
pub use event::types as event_types;
pub use genesis::{GenesisBalance, GenesisState};
pub use keeper::{
    decode_pubkey, encode_account, Keeper, ED25519_PUBKEY_TYPE, SECP256K1_PUBKEY_TYPE,
};
pub use module::BankModule;
pub use msg::{BankMsg, MSG_MULTI_SEND, MSG_SEND, MSG_SEND_COSMOS, MSG_UPDATE_PARAMS};
pub use names::{COMMUNITY_POOL, FEE_COLLECTOR, MODULE_NAME};
pub use params::Params;
pub use query::{native_denom_metadata, POINT_QUERY_PATHS};
