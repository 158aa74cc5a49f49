//! Client commands (placeholder until they land).

use clap::Subcommand;

use crate::GlobalOpts;

/// `weaved tx ...`
#[derive(Debug, Subcommand)]
pub(crate) enum TxCmd {}

/// `weaved query ...`
#[derive(Debug, Subcommand)]
pub(crate) enum QueryCmd {}

pub(crate) fn run_tx(cmd: TxCmd, _g: &GlobalOpts) -> anyhow::Result<()> {
    match cmd {}
}

pub(crate) fn run_query(cmd: QueryCmd, _g: &GlobalOpts) -> anyhow::Result<()> {
    match cmd {}
}
