//! `weaved`: the Weave node and its command line.
//!
//! One binary is the ABCI application server, the gRPC API, the supervisor of the
//! CometBFT process, the key ring, the genesis tools (`genesis`) and the client
//! commands (`tx`, `query`, `content`, `channels`).

// Wall-clock time is fine outside the state machine (timeouts, the load tool).
#![allow(clippy::disallowed_methods)]

mod client;
mod cometbft;
mod config;
mod genesis;
mod grpc;
mod init;
mod keys;
mod load;
mod probes;
mod sidecar;
mod start;

use std::path::PathBuf;

use clap::{Parser, Subcommand};

/// Global options shared by every command.
#[derive(Debug, Clone, clap::Args)]
pub(crate) struct GlobalOpts {
    /// The node's home directory (config, data, keys, CometBFT home).
    #[arg(long, global = true, env = "WEAVE_HOME", default_value_os_t = default_home())]
    pub(crate) home: PathBuf,
    /// Where keys are kept: `file` (encrypted with a passphrase) or `test` (plaintext,
    /// for scripts and tests).
    #[arg(
        long,
        global = true,
        value_enum,
        default_value = "file",
        env = "WEAVE_KEYRING_BACKEND"
    )]
    pub(crate) keyring_backend: keys::KeyringBackend,
    /// Output format.
    #[arg(long, global = true, value_enum, default_value = "text")]
    pub(crate) output: OutputFormat,
}

impl GlobalOpts {
    pub(crate) fn json(&self) -> bool {
        self.output == OutputFormat::Json
    }
}

/// How commands print their results.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum OutputFormat {
    /// Human-readable text.
    Text,
    /// One JSON document, for scripts.
    Json,
}

fn default_home() -> PathBuf {
    std::env::var_os("HOME")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("."))
        .join(".weave")
}

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
    Tx(client::TxCmd),
    /// Query the chain over gRPC.
    #[command(subcommand)]
    Query(client::QueryCmd),
    /// Content keys on this machine: open a delivered key, serve keys to buyers.
    #[command(subcommand)]
    Content(client::ContentCmd),
    /// Payment channel vouchers on this machine: sign a voucher with a channel's key.
    #[command(subcommand)]
    Channels(client::ChannelsCmd),
    /// Load-test a node with signed bank sends and compare with CometBFT's kvstore.
    Load(load::LoadArgs),
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
        Command::Tx(cmd) => client::run_tx(cmd, &cli.global),
        Command::Query(cmd) => client::run_query(cmd, &cli.global),
        Command::Content(cmd) => client::run_content(cmd, &cli.global),
        Command::Channels(cmd) => client::run_channels(cmd, &cli.global),
        Command::Load(args) => load::run(args, &cli.global),
    };
    if let Err(e) = result {
        eprintln!("Error: {e:#}");
        std::process::exit(1);
    }
}
