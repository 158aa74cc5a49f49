//! The content module.
//!
//! It stores the registry of content: each entry's meta-hash (the BLAKE3 Merkle root
//! over its ciphertext slices with slice size, slice count and plaintext length),
//! bounded metadata, access price, streaming price per GiB, revenue split and rights
//! tiers, plus a price history. Access rights are fungible tokens per content
//! (like ERC-1155): bought at the current price with `MsgPurchaseAccess`, moved with
//! `MsgTransferAccess`; quantity thresholds (tiers) unlock wider rights. Creators also
//! earn through `MsgTip` and time-limited subscriptions to all their content
//! (`MsgSetSubscriptionTerms`, `MsgSubscribe`). Every payment goes through the splits
//! module's single payout function.
//!
//! Content keys reach buyers without a trusted server: a buyer registers an X25519 key
//! (`MsgRegisterBuyerKey`), and the creator posts the content key sealed to it
//! (`MsgDeliverKey`), which the chain accepts only for an account with access.
//!
//! Per block, end block expires the subscriptions due at that height from a
//! height-indexed queue, at most `max_expiries_per_block` of them.

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
pub mod record;
pub mod state_key;

pub use error::ContentError;
pub use event::types as event_types;
pub use genesis::GenesisState;
pub use module::{ContentModule, Registry};
pub use msg::{
    ContentMsg, SplitChoice, TipTarget, MSG_DELIVER_KEY, MSG_PURCHASE_ACCESS,
    MSG_REGISTER_BUYER_KEY, MSG_REGISTER_CONTENT, MSG_RETIRE_CONTENT, MSG_SET_SUBSCRIPTION_TERMS,
    MSG_SUBSCRIBE, MSG_TIP, MSG_TRANSFER_ACCESS, MSG_UPDATE_CONTENT, MSG_UPDATE_PARAMS,
};
pub use names::MODULE_NAME;
pub use params::{Params, MAX_EXPIRIES_PER_BLOCK};
pub use record::{ContentRecord, Status};
