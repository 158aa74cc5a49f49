//! The content module from the client's side.
//!
//! The library (no clap, no printing):
//! - [`msg`]: every content message, built from Rust values and checked as the chain
//!   checks it without state (register, update, retire, purchase, transfer, tip,
//!   subscription terms, subscribe, buyer key, key delivery).
//! - [`query`]: every `weave.content.v1.Query` method, returning proto values, pages
//!   ([`crate::page::Page`]) or serializable views ([`query::ContentView`],
//!   [`query::AccessView`]).
//! - [`tx`]: the transaction flows (register a file, buy, subscribe, deliver a key,
//!   ...), each signing and broadcasting with a key and returning what a page shows.
//! - [`keys`]: content key files under `<home>/content-keys`, the buyer key derived
//!   from the account key, the sealing context and the meta-hash of a file.
//! - [`holder`]: the key of a content as one of your keys holds it.
//!
//! The command line ([`cli`]): `weaved tx content` ([`cli::tx`]), `weaved query
//! content` ([`cli::query`]) and the `weaved content` group, with the key daemon
//! ([`serve`]) and the slice commands ([`slices`]) that drive this node's sidecar.

pub mod cli;
pub mod holder;
pub mod keys;
pub mod msg;
pub mod query;
pub mod serve;
pub mod sidecar;
pub mod slices;
pub mod tx;

pub use cli::{
    query::{run as run_query, ContentQueryCmd},
    run,
    tx::{run as run_tx, ContentTxCmd},
    ContentCmd,
};
pub use keys::parse_root;
pub use serve::init_logging;
