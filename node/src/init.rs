//! `weaved init`: a node home with a CometBFT home (config, node key, validator key),
//! a genesis with that validator and a funded account, and `weaved.toml`.

use std::{net::SocketAddr, path::PathBuf};

use anyhow::{bail, Context};
use serde_json::json;
use toml::Value;
use weave_genesis::AppState;

use crate::{
    cometbft::{self, set_toml},
    config::{HomeLayout, NodeConfig},
    keys::{KeyAlgo, Keyring},
    GlobalOpts,
};

/// `weaved init` arguments.
#[derive(Debug, clap::Args)]
#[command(after_help = "Example:\n  weaved init --chain-id weave-local --keyring-backend test")]
pub(crate) struct InitArgs {
    /// The chain id.
    #[arg(long, default_value = "weave-local")]
    chain_id: String,
    /// The node's name on the network.
    #[arg(long, default_value = "node0")]
    moniker: String,
    /// The key ring entry to create (or reuse) and fund at genesis.
    #[arg(long, default_value = "validator")]
    key_name: String,
    /// How many uweave the key gets at genesis.
    #[arg(long, default_value_t = 1_000_000_000_000_000)]
    amount: u128,
    /// Replace an existing home.
    #[arg(long)]
    overwrite: bool,
    /// ABCI listen address (CometBFT's proxy_app).
    #[arg(long, default_value = "127.0.0.1:26658")]
    abci_laddr: SocketAddr,
    /// gRPC listen address.
    #[arg(long, default_value = "127.0.0.1:9090")]
    grpc_laddr: SocketAddr,
    /// CometBFT RPC listen address.
    #[arg(long, default_value = "127.0.0.1:26657")]
    rpc_laddr: SocketAddr,
    /// CometBFT P2P listen address.
    #[arg(long, default_value = "127.0.0.1:26656")]
    p2p_laddr: SocketAddr,
    /// CometBFT's consensus.timeout_commit, e.g. `1s` or `200ms`.
    #[arg(long)]
    timeout_commit: Option<String>,
    /// The cometbft binary (default: found on PATH or in ~/go/bin).
    #[arg(long)]
    cometbft_bin: Option<PathBuf>,
}

pub(crate) fn run(args: InitArgs, g: &GlobalOpts) -> anyhow::Result<()> {
    let layout = HomeLayout::new(&g.home);
    if layout.config_file().exists() || layout.cometbft_home().exists() {
        if !args.overwrite {
            bail!(
                "{} is already initialized; pass --overwrite to replace it",
                layout.root().display()
            );
        }
        for dir in [
            layout.cometbft_home(),
            layout.root().join("data"),
            layout.root().join("config"),
        ] {
            if dir.exists() {
                std::fs::remove_dir_all(&dir)
                    .with_context(|| format!("removing {}", dir.display()))?;
            }
        }
    }
    let bin = cometbft::find_binary(args.cometbft_bin.as_deref())?;
    cometbft::check_version(&bin)?;
    let comet_home = layout.cometbft_home();
    let comet_home_str = comet_home.to_string_lossy().into_owned();
    cometbft::run(&bin, &["init", "--home", &comet_home_str])?;

    cometbft::edit_config(&layout.cometbft_config(), |doc| {
        set_toml(doc, "", "moniker", Value::String(args.moniker.clone()))?;
        set_toml(
            doc,
            "",
            "proxy_app",
            Value::String(format!("tcp://{}", args.abci_laddr)),
        )?;
        set_toml(
            doc,
            "rpc",
            "laddr",
            Value::String(format!("tcp://{}", args.rpc_laddr)),
        )?;
        set_toml(
            doc,
            "p2p",
            "laddr",
            Value::String(format!("tcp://{}", args.p2p_laddr)),
        )?;
        // Loopback localnets need these; they are harmless for a single node.
        set_toml(doc, "p2p", "addr_book_strict", Value::Boolean(false))?;
        set_toml(doc, "p2p", "allow_duplicate_ip", Value::Boolean(true))?;
        if let Some(t) = &args.timeout_commit {
            set_toml(doc, "consensus", "timeout_commit", Value::String(t.clone()))?;
        }
        Ok(())
    })?;

    // The funded key: reuse it if the key ring already has it.
    let keyring = Keyring::open(&g.home, g.keyring_backend)?;
    let (info, mnemonic) = match keyring.show(&args.key_name) {
        Ok(info) => (info, None),
        Err(_) => keyring.add(&args.key_name, KeyAlgo::Secp256k1, None)?,
    };

    let app_state = AppState::with_funded(&[info.address], args.amount)?;
    app_state.validate()?;
    let app_state_json = app_state.to_json()?;
    cometbft::edit_genesis(&layout.genesis(), |doc| {
        doc["chain_id"] = json!(args.chain_id);
        doc["initial_height"] = json!("1");
        doc["app_hash"] = json!("");
        doc["app_state"] = app_state_json;
        Ok(())
    })?;

    let config = NodeConfig {
        chain_id: args.chain_id.clone(),
        abci_laddr: args.abci_laddr,
        grpc_laddr: args.grpc_laddr,
        cometbft_rpc: format!("http://{}", args.rpc_laddr),
        ..NodeConfig::default()
    };
    config.save(&layout)?;

    if g.json() {
        println!(
            "{}",
            json!({
                "home": layout.root(),
                "chain_id": args.chain_id,
                "key": {"name": info.name, "address": info.address.to_string()},
                "mnemonic": mnemonic,
                "grpc": args.grpc_laddr.to_string(),
                "rpc": format!("http://{}", args.rpc_laddr),
            })
        );
    } else {
        println!(
            "Initialized {} for chain {}",
            layout.root().display(),
            args.chain_id
        );
        println!(
            "  funded key {:?}: {} ({} uweave)",
            info.name, info.address, args.amount
        );
        if let Some(m) = mnemonic {
            eprintln!(
                "\n**Write this mnemonic down; it is the only way to recover the key:**\n{m}\n"
            );
        }
        println!("  CometBFT home: {}", comet_home.display());
        println!(
            "  gRPC: {}  CometBFT RPC: http://{}",
            args.grpc_laddr, args.rpc_laddr
        );
        println!(
            "Start it with: weaved start --home {}",
            layout.root().display()
        );
    }
    Ok(())
}
