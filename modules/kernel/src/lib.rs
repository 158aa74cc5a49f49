//! The kernel that every Weave module shares.
//!
//! It is deliberately small: a copy-on-write [`Overlay`] over committed state, a
//! [`GasMeter`], typed [`Event`]s, errors with stable codes ([`TxError`]), bech32
//! [`Address`]es, base-denomination [`Coin`]s, and the [`TypedModule`] trait every
//! module implements, adapted here once to the object-safe [`Module`] that the
//! application's router dispatches to: a module's messages are decoded once into its
//! typed message ([`DecodedMsg`]), its genesis section is parsed and validated by the
//! module ([`GenesisSection`]), its events are built from their generated proto types
//! ([`Event::from_proto`]) and its params are updated under the gov authority along one
//! path ([`update_params`]). Modules depend on each other only through the narrow
//! traits in [`expected`].

mod address;
mod coin;
mod consensus;
mod context;
mod error;
mod event;
pub mod expected;
mod gas;
mod message;
mod module;
mod params;
mod query;
mod signature;
mod state;
mod store;

pub use address::{valcons_address, Address, AddressError, BECH32_PREFIX, VALCONS_PREFIX};
pub use coin::{parse_amount, validate_denom, Coin, CoinError, Coins, DENOM};
pub use consensus::{
    consensus_address, ConsensusAddress, ExtendedVote, Misbehavior, MisbehaviorKind,
    ValidatorUpdate, VoteInfo, CONSENSUS_ADDRESS_LEN,
};
pub use context::{BlockInfo, Ctx};
pub use error::{KernelError, TxError, CODESPACE_SDK};
pub use event::{Event, EventAttribute};
pub use gas::{GasCosts, GasMeter};
pub use message::{DecodedMsg, ModuleMsg, NoMsg};
pub use module::{
    decode_any, parse_genesis, BlockHooks, GenesisSection, GenesisTxs, Hooks, Module, PrepareBlock,
    TypedModule, ValidatorSetHooks, VoteExtensions,
};
pub use params::{require_gov_authority, update_params, update_params_with, ModuleParams};
pub use query::{
    decode_request, page, page_end, page_start, page_with, query_address, unknown_query,
    KeyedEntries, PageLimits,
};
pub use store::{decode_proto, ModuleError, StateView, Store};

/// The community pool's account.
pub fn community_pool() -> Address {
    Address::module(COMMUNITY_POOL_NAME)
}
pub use state::{prefix_end, ChangeSet, EmptyState, Entries, Overlay, StateError, StateRead};

/// The protobuf `Any` used throughout: the one the Cosmos SDK types carry.
pub use tendermint_proto::google::protobuf::Any;

/// The name of the governance module account, whose address is the authority that
/// signs every `MsgUpdateParams`.
pub const GOV_MODULE_NAME: &str = "gov";

/// The name of the community pool's module account, which receives protocol fees.
pub const COMMUNITY_POOL_NAME: &str = "community_pool";

/// The gov authority: the only signer every module accepts for `MsgUpdateParams`.
pub fn gov_authority() -> Address {
    Address::module(GOV_MODULE_NAME)
}
