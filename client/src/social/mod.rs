//! The social module from the client's side: profiles with handles, follows,
//! reactions, comments and verified (paid) views. [`msg`] builds the messages and
//! checks them as the chain's CheckTx would without state, [`query`] reads
//! `weave.social.v1.Query`, and [`cli`] holds `weaved tx social` and
//! `weaved query social`.

pub mod cli;
pub mod msg;
pub mod query;

pub use cli::{run_query, run_tx, SocialQueryCmd, SocialTxCmd};
