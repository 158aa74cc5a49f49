//! `weaved tx validators` ([`tx`]) and `weaved query validators` ([`query`]): clap
//! arguments and rendering over the validators library.

pub mod query;
pub mod tx;
