//! The bank module from the client's side: [`msg`] builds its messages, [`query`] reads
//! balances, and [`cli`] holds `weaved tx bank` and `weaved query bank`.

pub mod cli;
pub mod msg;
pub mod query;
