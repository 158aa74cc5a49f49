//! The content commands: `weaved tx content`, `weaved query content` and the
//! `weaved content` group, which works with content keys on this machine.
//!
//! - [`tx`]: register content (encrypting the file to compute its meta-hash and saving
//!   its key first), update, retire, buy, transfer, tip, subscriptions, and the key
//!   exchange.
//! - [`query`]: every `weave.content.v1.Query` method, in text or JSON.
//! - [`keys`]: content key files under `<home>/content-keys`, the buyer key derived
//!   from the account key, and the sealing context.
//! - [`serve`]: `weaved content serve-keys`, the creator's key delivery daemon.
//! - [`slices`]: `weaved content add/get/seed/ls`, through this node's sidecar.
//! - [`holder`]: the key of a content as one of your keys holds it.
//! - [`cli`]: the `weaved content` group.
//!
//! `weaved content` keeps room for the slice commands (`add`, `get`, `seed`, `ls`).

pub mod cli;
pub mod holder;
pub mod keys;
pub mod query;
pub mod serve;
pub mod slices;
pub mod tx;

pub use cli::{run, ContentCmd};
pub use keys::parse_root;
pub use query::{every_page, next_key, print_page, run as run_query, ContentQueryCmd, PageArgs};
pub use serve::init_logging;
pub use tx::{run as run_tx, ContentTxCmd};
