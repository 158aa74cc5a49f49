//! `weaved init`: a node home with a CometBFT home (config, node key, validator key),
//! a genesis with that validator and a funded account, and `weaved.toml`.

use std::{net::SocketAddr, path::PathBuf};

use anyhow::{bail, Context};
use serde_json::json;
use toml_edit::Value;
use weave_genesis::AppState;

use weave_client::{
    cometbft::{self, set_toml},
    home::HomeLayout,
    keys::{KeyAlgo, Keyring},
    opts::GlobalOpts,
};

use crate::config::NodeConfig;

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
    /// The funded key's self-bond: a new chain's validator is created at genesis by a
    /// gentx staking this much (0: no gentx; CometBFT's genesis validator then stands
    /// outside the validators module).
    #[arg(long, default_value_t = DEFAULT_SELF_BOND)]
    self_bond: u128,
    /// The first height whose precommits carry vote extensions (validators' probe
    /// results), written to a new chain's genesis consensus params; 0 leaves them off.
    #[arg(long, default_value_t = 1)]
    vote_extensions_height: u64,
    /// Replace an existing home.
    #[arg(long)]
    overwrite: bool,
    /// ABCI listen address (CometBFT's proxy_app).
    #[arg(long, default_value = "127.0.0.1:26658")]
    abci_laddr: SocketAddr,
    /// gRPC listen address.
    #[arg(long, default_value = "127.0.0.1:9090")]
    grpc_laddr: SocketAddr,
    /// Where `/metrics` and `/health` are served (`[telemetry] laddr`).
    #[arg(long, default_value_t = crate::config::DEFAULT_TELEMETRY_LADDR)]
    telemetry_laddr: SocketAddr,
    /// Where CometBFT serves its own Prometheus metrics (consensus, p2p, mempool):
    /// `instrumentation.prometheus_listen_addr` in its config.toml, turned on by init.
    #[arg(long, value_name = "ADDR", default_value_t = DEFAULT_COMETBFT_METRICS_LADDR)]
    cometbft_metrics_laddr: SocketAddr,
    /// CometBFT RPC listen address.
    #[arg(long, default_value = "127.0.0.1:26657")]
    rpc_laddr: SocketAddr,
    /// CometBFT P2P listen address.
    #[arg(long, default_value = "127.0.0.1:26656")]
    p2p_laddr: SocketAddr,
    /// Slice sidecar listen addresses (libp2p multiaddrs; repeat the flag). Default:
    /// TCP and QUIC on 127.0.0.1:26660.
    #[arg(long = "sidecar-laddr", value_name = "MULTIADDR")]
    sidecar_laddrs: Vec<String>,
    /// The web application's listen address (`[web] address`; default 127.0.0.1:8080).
    #[arg(long, value_name = "ADDR")]
    web_laddr: Option<SocketAddr>,
    /// The Cosmos REST API's listen address (`[rest] address`; default 127.0.0.1:1317).
    #[arg(long, value_name = "ADDR")]
    rest_laddr: Option<SocketAddr>,
    /// Slice sidecar peers to dial at start (libp2p multiaddrs; repeat the flag).
    #[arg(long = "sidecar-bootstrap", value_name = "MULTIADDR")]
    sidecar_bootstrap: Vec<String>,
    /// Be paid for serving slices at this account (bech32): peers must pay with
    /// payment-channel vouchers (`[sidecar] payout_address`). Default: serve for free.
    #[arg(long = "sidecar-payout", value_name = "ADDRESS")]
    sidecar_payout: Option<String>,
    /// Join an existing chain: use this genesis.json (its chain id wins over
    /// --chain-id) instead of making one; the new key is not funded.
    #[arg(long, value_name = "FILE")]
    genesis: Option<PathBuf>,
    /// CometBFT peers to keep connected to, `ID@HOST:PORT,...`.
    #[arg(long, value_name = "PEERS")]
    persistent_peers: Option<String>,
    /// Join by state sync instead of replaying from genesis: CometBFT RPC URL(s) of
    /// nodes of the chain (comma-separated; one is used twice). Fills CometBFT's
    /// `[statesync]`: enabled, these RPC servers, and the trust height and hash of
    /// the latest block the first one reports. Use with --genesis.
    #[arg(long, value_name = "RPC_URL")]
    state_sync: Option<String>,
    /// CometBFT's consensus.timeout_commit, e.g. `1s` or `200ms`.
    #[arg(long)]
    timeout_commit: Option<String>,
    /// The cometbft binary (default: found on PATH or in ~/go/bin).
    #[arg(long)]
    cometbft_bin: Option<PathBuf>,
}

/// CometBFT's metrics address: loopback, next to `weaved`'s own endpoint (26590). Not
/// CometBFT's default, 26660, which is the sidecar's default port.
const DEFAULT_COMETBFT_METRICS_LADDR: SocketAddr =
    SocketAddr::new(std::net::IpAddr::V4(std::net::Ipv4Addr::LOCALHOST), 26591);

/// 100 units of voting power.
const DEFAULT_SELF_BOND: u128 = 100_000_000;

pub(crate) fn run(args: InitArgs, g: &GlobalOpts) -> anyhow::Result<()> {
    let layout = HomeLayout::new(&g.home);
    let mut sidecar = crate::sidecar::SidecarSettings::default();
    if !args.sidecar_laddrs.is_empty() {
        sidecar.listen = args.sidecar_laddrs.clone();
    }
    sidecar.bootstrap = args.sidecar_bootstrap.clone();
    sidecar.payout_address = args.sidecar_payout.clone().unwrap_or_default();
    sidecar.validate()?;
    let joined: Option<serde_json::Value> = match &args.genesis {
        Some(path) => {
            let text = std::fs::read_to_string(path)
                .with_context(|| format!("reading {}", path.display()))?;
            Some(
                serde_json::from_str(&text)
                    .with_context(|| format!("parsing {}", path.display()))?,
            )
        }
        None => None,
    };
    let chain_id = match &joined {
        Some(doc) => doc["chain_id"]
            .as_str()
            .context("the genesis file has no chain_id")?
            .to_string(),
        None => args.chain_id.clone(),
    };
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
    // Asked before anything is written, so a wrong URL leaves no half-made home.
    let state_sync = args.state_sync.as_deref().map(trusted_block).transpose()?;
    let bin = cometbft::find_binary(args.cometbft_bin.as_deref())?;
    cometbft::check_version(&bin)?;
    let comet_home = layout.cometbft_home();
    let comet_home_str = comet_home.to_string_lossy().into_owned();
    cometbft::run(&bin, &["init", "--home", &comet_home_str])?;

    cometbft::edit_config(&layout.cometbft_config(), |doc| {
        set_toml(doc, "", "moniker", Value::from(args.moniker.clone()))?;
        set_toml(
            doc,
            "",
            "proxy_app",
            Value::from(format!("tcp://{}", args.abci_laddr)),
        )?;
        set_toml(
            doc,
            "rpc",
            "laddr",
            Value::from(format!("tcp://{}", args.rpc_laddr)),
        )?;
        set_toml(
            doc,
            "p2p",
            "laddr",
            Value::from(format!("tcp://{}", args.p2p_laddr)),
        )?;
        // Loopback localnets need these; they are harmless for a single node.
        set_toml(doc, "p2p", "addr_book_strict", Value::from(false))?;
        set_toml(doc, "p2p", "allow_duplicate_ip", Value::from(true))?;
        // CometBFT's own metrics, on by default.
        set_toml(doc, "instrumentation", "prometheus", Value::from(true))?;
        set_toml(
            doc,
            "instrumentation",
            "prometheus_listen_addr",
            Value::from(args.cometbft_metrics_laddr.to_string()),
        )?;
        if let Some(peers) = &args.persistent_peers {
            set_toml(doc, "p2p", "persistent_peers", Value::from(peers.clone()))?;
        }
        if let Some(t) = &args.timeout_commit {
            set_toml(doc, "consensus", "timeout_commit", Value::from(t.clone()))?;
        }
        if let Some(trust) = &state_sync {
            set_state_sync(doc, trust)?;
        }
        Ok(())
    })?;

    // The funded key: reuse it if the key ring already has it.
    let keyring = Keyring::open(&g.home, g.keyring_backend)?;
    let (info, mnemonic) = match keyring.show(&args.key_name) {
        Ok(info) => (info, None),
        Err(_) => keyring.add(&args.key_name, KeyAlgo::Secp256k1, None)?,
    };

    let mut power = None;
    match joined {
        Some(doc) => {
            let app_state = serde_json::to_vec(&doc["app_state"])?;
            AppState::from_json(&app_state).context("the genesis file's app_state")?;
            std::fs::write(layout.genesis(), serde_json::to_vec_pretty(&doc)?)
                .with_context(|| format!("writing {}", layout.genesis().display()))?;
        }
        None => {
            let app_state = AppState::with_funded(&[info.address], args.amount)?;
            app_state.validate()?;
            let app_state_json = app_state.to_json()?;
            cometbft::edit_genesis(&layout.genesis(), |doc| {
                doc["chain_id"] = json!(chain_id);
                doc["initial_height"] = json!("1");
                doc["app_hash"] = json!("");
                doc["app_state"] = app_state_json;
                doc["consensus_params"]["abci"]["vote_extensions_enable_height"] =
                    json!(args.vote_extensions_height.to_string());
                Ok(())
            })?;
            if args.self_bond > 0 {
                anyhow::ensure!(
                    args.self_bond <= args.amount,
                    "--self-bond {} is more than the funded --amount {}",
                    args.self_bond,
                    args.amount
                );
                let key = keyring.signing_key(&args.key_name)?;
                power = Some(weave_client::genesis::self_bond_at_genesis(
                    layout.root(),
                    &key,
                    args.self_bond,
                )?);
            }
        }
    }

    let config = NodeConfig {
        chain_id: chain_id.clone(),
        abci_laddr: args.abci_laddr,
        grpc_laddr: args.grpc_laddr,
        cometbft_rpc: format!("http://{}", args.rpc_laddr),
        sidecar,
        telemetry: crate::config::TelemetrySettings {
            laddr: args.telemetry_laddr,
            ..Default::default()
        },
        web: weave_web::WebSettings {
            address: args.web_laddr.unwrap_or(weave_web::DEFAULT_ADDRESS),
            // The pages sign with the key ring this home was made with.
            keyring_backend: g.keyring_backend.to_string(),
            ..weave_web::WebSettings::default()
        },
        rest: crate::rest::RestSettings {
            address: args.rest_laddr.unwrap_or(crate::rest::DEFAULT_ADDRESS),
            ..crate::rest::RestSettings::default()
        },
        ..NodeConfig::default()
    };
    config.save(&layout)?;
    let node_id = cometbft::run(&bin, &["show-node-id", "--home", &comet_home_str])?
        .trim()
        .to_string();

    if g.json() {
        println!(
            "{}",
            json!({
                "home": layout.root(),
                "chain_id": chain_id,
                "key": {"name": info.name, "address": info.address.to_string()},
                "mnemonic": mnemonic,
                "grpc": args.grpc_laddr.to_string(),
                "rpc": format!("http://{}", args.rpc_laddr),
                "node_id": node_id,
                "p2p": format!("{node_id}@{}", args.p2p_laddr),
                "validator": power.map(|p| json!({
                    "operator": info.address.to_string(),
                    "self_bond": args.self_bond.to_string(),
                    "power": p,
                })),
            })
        );
    } else {
        println!(
            "Initialized {} for chain {}",
            layout.root().display(),
            chain_id
        );
        if args.genesis.is_some() {
            println!("  key {:?}: {} (not funded)", info.name, info.address);
        } else {
            println!(
                "  funded key {:?}: {} ({} uweave)",
                info.name, info.address, args.amount
            );
        }
        if let Some(p) = power {
            println!(
                "  validator {} self-bonds {} uweave at genesis (power {p})",
                info.address, args.self_bond
            );
        }
        println!("  CometBFT node: {node_id}@{}", args.p2p_laddr);
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

/// What `--state-sync` fills in CometBFT's `[statesync]`.
#[derive(Debug, Clone, PartialEq, Eq)]
struct StateSyncTrust {
    /// `rpc_servers`: at least two, as CometBFT requires.
    rpc_servers: Vec<String>,
    /// The trusted block's height.
    height: u64,
    /// Its block hash (hex, upper case).
    hash: String,
}

/// The latest block of the first of `urls` (comma-separated CometBFT RPC URLs), to trust.
fn trusted_block(urls: &str) -> anyhow::Result<StateSyncTrust> {
    use tendermint_rpc::Client;
    let mut rpc_servers: Vec<String> = urls
        .split(',')
        .map(str::trim)
        .filter(|u| !u.is_empty())
        .map(str::to_string)
        .collect();
    let first = rpc_servers
        .first()
        .cloned()
        .context("--state-sync needs a CometBFT RPC URL")?;
    if rpc_servers.len() == 1 {
        rpc_servers.push(first.clone());
    }
    let client = tendermint_rpc::HttpClient::new(first.as_str())
        .with_context(|| format!("--state-sync {first}"))?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let latest = runtime
        .block_on(client.latest_block())
        .with_context(|| format!("reading the latest block from {first}"))?;
    Ok(StateSyncTrust {
        rpc_servers,
        height: latest.block.header.height.value(),
        hash: latest.block_id.hash.to_string(),
    })
}

/// Turns on state sync in CometBFT's config, trusting `trust`; the file's comments stay.
fn set_state_sync(doc: &mut toml_edit::DocumentMut, trust: &StateSyncTrust) -> anyhow::Result<()> {
    set_toml(doc, "statesync", "enable", Value::from(true))?;
    set_toml(
        doc,
        "statesync",
        "rpc_servers",
        Value::from(trust.rpc_servers.join(",")),
    )?;
    let height = i64::try_from(trust.height).context("trust height")?;
    set_toml(doc, "statesync", "trust_height", Value::from(height))?;
    set_toml(
        doc,
        "statesync",
        "trust_hash",
        Value::from(trust.hash.clone()),
    )?;
    set_toml(doc, "statesync", "trust_period", Value::from("168h0m0s"))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn state_sync_fills_the_statesync_section_and_keeps_comments() {
        let text =
            "# top\n[statesync]\n# Turn it on.\nenable = false\n# Servers.\nrpc_servers = \"\"\n\
                    trust_height = 0\ntrust_hash = \"\"\ntrust_period = \"168h0m0s\"\n";
        let mut doc: toml_edit::DocumentMut = text.parse().expect("toml");
        let trust = StateSyncTrust {
            rpc_servers: vec!["http://a:1".into(), "http://a:1".into()],
            height: 230,
            hash: "AB12".into(),
        };
        set_state_sync(&mut doc, &trust).expect("set");
        let out = doc.to_string();
        assert!(out.contains("# Turn it on.\nenable = true\n"), "{out}");
        assert!(
            out.contains("# Servers.\nrpc_servers = \"http://a:1,http://a:1\"\n"),
            "{out}"
        );
        assert!(out.contains("trust_height = 230\n"), "{out}");
        assert!(out.contains("trust_hash = \"AB12\"\n"), "{out}");
        assert_eq!(out.matches("[statesync]").count(), 1, "{out}");
    }

    #[test]
    fn an_unreachable_state_sync_server_fails_init() {
        let err = trusted_block("http://127.0.0.1:9").unwrap_err();
        assert!(format!("{err:#}").contains("127.0.0.1:9"), "{err:#}");
        assert!(trusted_block(" , ").is_err());
    }
}
