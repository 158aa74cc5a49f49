//! `weaved`: the Weave node and its command line.
//!
//! One binary is the ABCI application server, the gRPC API and its REST gateway, the supervisor of the
//! CometBFT process and the slice sidecar's glue. The key ring, the genesis tools
//! (`genesis`) and the client commands (`tx`, `query`, `content`, `channels`) come from
//! the `weave-client` library; this file only mounts them. The load tool is
//! `tools/load` (`weave-load`).

// Wall-clock time is fine outside the state machine (timeouts).
#![allow(clippy::disallowed_methods)]

mod abci_metrics;
mod config;
mod descriptors;
mod grpc;
mod health;
mod init;
mod metrics;
mod ops;
mod probes;
mod rest;
mod search;
mod sidecar;
mod start;
mod web;

use clap::{Parser, Subcommand};
use weave_client::{cli, genesis, keys, opts::GlobalOpts};

#[derive(Debug, Parser)]
#[command(
    name = "weaved",
    version,
    about = "Weave: paid, decentralized content distribution on CometBFT"
)]
struct Cli {
    #[command(flatten)]
    global: GlobalOpts,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Create a node home: CometBFT config and keys, a genesis with one validator and
    /// a funded key.
    Init(init::InitArgs),
    /// Run the node: ABCI and gRPC servers, and CometBFT as a supervised child.
    Start(start::StartArgs),
    /// Build a network's genesis: fund accounts, sign and collect gentxs, patch,
    /// validate.
    #[command(subcommand)]
    Genesis(genesis::GenesisCmd),
    /// Manage keys.
    #[command(subcommand)]
    Keys(keys::KeysCmd),
    /// Build, sign and broadcast transactions.
    #[command(subcommand)]
    Tx(cli::TxCmd),
    /// Query the chain over gRPC (blocks over CometBFT's RPC).
    #[command(subcommand)]
    Query(cli::QueryCmd),
    /// CometBFT's status over its RPC (`--node`): node info, latest block, catching up.
    Status(cli::StatusArgs),
    /// Content keys on this machine: open a delivered key, serve keys to buyers.
    #[command(subcommand)]
    Content(cli::ContentCmd),
    /// Payment channel vouchers on this machine: sign a voucher with a channel's key.
    #[command(subcommand)]
    Channels(cli::ChannelsCmd),
    /// Search the node's index: contents and profiles by words and filters, the
    /// following feed, the trending list.
    Search(weave_client::search::SearchCmd),
}

fn main() {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Init(args) => init::run(args, &cli.global),
        Command::Start(args) => start::run(args, &cli.global),
        Command::Genesis(cmd) => genesis::run(cmd, &cli.global),
        Command::Keys(cmd) => keys::run_keys(
            cmd,
            &cli.global.home,
            cli.global.keyring_backend,
            cli.global.json(),
        ),
        Command::Tx(cmd) => cli::run_tx(cmd, &cli.global),
        Command::Query(cmd) => cli::run_query(cmd, &cli.global),
        Command::Status(args) => cli::run_status(args, &cli.global),
        Command::Content(cmd) => cli::run_content(cmd, &cli.global),
        Command::Channels(cmd) => cli::run_channels(cmd, &cli.global),
        Command::Search(cmd) => weave_client::search::run(cmd, &cli.global),
    };
    if let Err(e) = result {
        eprintln!("Error: {e:#}");
        std::process::exit(1);
    }
}

#[cfg(test)]
mod client_reads;
#[cfg(test)]
mod sidecar_api_tests;
