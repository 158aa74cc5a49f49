//! The splits module.
//!
//! It stores revenue split tables: 1 to 32 recipients, sorted by address and unique,
//! whose basis points sum to exactly 10000. A table is immutable, or changeable by a
//! named controller; handing control over takes two steps (propose, then accept). It
//! takes `MsgCreateSplit`, `MsgUpdateSplit`, `MsgProposeController`,
//! `MsgAcceptController` and `MsgUpdateParams`, and has no per-block work.
//!
//! Every payment in the chain (access sales, tips, subscriptions, channel claims) goes
//! through one function, [`distribute`], which [`Keeper`] applies with bank transfers
//! via the kernel's [`Splits`](weave_kernel::expected::Splits) trait.

mod distribute;
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
mod table;

pub use distribute::{distribute, share_of, Payout};
pub use error::SplitsError;
pub use event::types as event_types;
pub use genesis::{GenesisState, GenesisTable};
pub use keeper::Keeper;
pub use module::SplitsModule;
pub use msg::{
    SplitsMsg, MSG_ACCEPT_CONTROLLER, MSG_CREATE_SPLIT, MSG_PROPOSE_CONTROLLER, MSG_UPDATE_PARAMS,
    MSG_UPDATE_SPLIT,
};
pub use names::MODULE_NAME;
pub use params::{Params, MAX_PROTOCOL_FEE_BPS};
pub use table::{SplitTable, StoredSplit, MAX_RECIPIENTS, TOTAL_BPS};
