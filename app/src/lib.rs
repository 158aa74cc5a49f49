//! The Weave ABCI application.
//!
//! It decodes Cosmos SDK transactions ([`tx`], signed directly or in amino JSON:
//! [`amino`]), runs the ante checks and messages on
//! a copy-on-write overlay ([`exec`]), routes messages and queries to modules
//! ([`router`]), and commits each block atomically to RocksDB plus a Jellyfish Merkle
//! Tree whose root is the app hash ([`store`]), and serves and restores state-sync
//! snapshots of it ([`snapshot`]). [`App`] implements the ABCI 2.0 block
//! lifecycle; [`abci`] serves it to CometBFT.

pub mod abci;
pub mod amino;
mod app;
pub mod exec;
pub mod fault;
mod gov_exec;
pub mod router;
pub mod sigcache;
pub mod snapshot;
pub mod store;
pub mod tx;
pub mod vote_ext;

/// The auth module, re-exported under its old path (`weave_app::auth`).
pub use weave_auth as auth;

pub use app::{
    to_abci_event, to_abci_validator_update, App, AppError, CommittedEvents, Simulation,
    UpgradeHandler, APP_NAME, APP_VERSION, PROOF_OP_TYPE, SIMULATE_QUERY_PATH,
};
