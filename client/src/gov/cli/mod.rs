//! `weaved tx gov` ([`tx`]) and `weaved query gov` ([`query`]): clap arguments and
//! rendering over the gov library ([`super::msg`], [`super::query`], [`super::tx`]).

pub mod query;
pub mod tx;
