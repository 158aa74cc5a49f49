//! Revenue split tables, which every payment for content goes through: [`msg`] builds
//! the splits module's messages, [`query`] reads tables and payout previews, and [`cli`]
//! holds `weaved tx splits` and `weaved query splits`.

pub mod cli;
pub mod msg;
pub mod query;

pub use cli::{
    parse_recipient, resolve_recipients, run_query, run_tx, RecipientArg, SplitsQueryCmd,
    SplitsTxCmd,
};
pub use msg::sorted_recipients;
