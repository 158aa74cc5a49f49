//! `weaved load`: a load tool that measures committed transactions per second.
//!
//! In one run it
//! 1. starts a fresh single-node Weave chain (a temporary home, free loopback ports)
//!    whose genesis funds `--accounts` load accounts, pre-signs `--txs` bank sends
//!    (secp256k1, full signature checks) and broadcasts them to CometBFT's RPC;
//! 2. starts CometBFT's built-in kvstore application (`cometbft node
//!    --proxy_app=kvstore`) with the same consensus and mempool settings and
//!    broadcasts as many transactions of the same size;
//! 3. measures each from the committed blocks (transactions over the span between the
//!    block before the first loaded block and the last loaded block, by header time)
//!    and prints both figures and their ratio.

use std::{
    io::{Read, Write},
    net::TcpStream,
    path::{Path, PathBuf},
    process::{Child, Command, Stdio},
    sync::Arc,
    time::{Duration, Instant},
};

use anyhow::{bail, Context};
use serde_json::json;
use tendermint_rpc::{Client, HttpClient};
use weave_genesis::AppState;

use crate::{
    client::{build_signed_tx, SignerData},
    cometbft::{self, set_toml},
    keys::{KeyAlgo, SigningKey},
    GlobalOpts,
};

/// `weaved load` arguments.
#[derive(Debug, clap::Args)]
#[command(after_help = "Example:\n  weaved load --txs 20000 --accounts 100")]
pub(crate) struct LoadArgs {
    /// Transactions to send to each chain.
    #[arg(long, default_value_t = 20_000)]
    txs: usize,
    /// Distinct sending accounts on the Weave chain.
    #[arg(long, default_value_t = 100)]
    accounts: usize,
    /// Concurrent broadcasting connections.
    #[arg(long, default_value_t = 8)]
    connections: usize,
    /// consensus.timeout_commit for both chains.
    #[arg(long, default_value = "1s")]
    timeout_commit: String,
    /// Mempool size (transactions) for both chains; CometBFT's default is 5000.
    #[arg(long, default_value_t = 5_000)]
    mempool_size: usize,
    /// CometBFT's transaction indexer for both chains (`kv` or `null`).
    #[arg(long, default_value = "kv")]
    tx_index: String,
    /// Skip the kvstore baseline.
    #[arg(long)]
    skip_kvstore: bool,
    /// Keep the temporary homes (for reading the logs).
    #[arg(long)]
    keep: bool,
    /// The cometbft binary.
    #[arg(long)]
    cometbft_bin: Option<PathBuf>,
}

/// What one chain achieved.
#[derive(Debug, Clone, Copy)]
struct Measured {
    committed: u64,
    seconds: f64,
    blocks: u64,
    rejected: u64,
}

impl Measured {
    fn tps(&self) -> f64 {
        if self.seconds > 0.0 {
            self.committed as f64 / self.seconds
        } else {
            0.0
        }
    }
}

struct Ports {
    abci: u16,
    grpc: u16,
    rpc: u16,
    p2p: u16,
}

fn free_port() -> anyhow::Result<u16> {
    Ok(std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port())
}

impl Ports {
    fn free() -> anyhow::Result<Self> {
        Ok(Self {
            abci: free_port()?,
            grpc: free_port()?,
            rpc: free_port()?,
            p2p: free_port()?,
        })
    }
}

/// Kills the process when dropped.
struct Guard(Child);

impl Drop for Guard {
    fn drop(&mut self) {
        let _ = nix::sys::signal::kill(
            nix::unistd::Pid::from_raw(self.0.id() as i32),
            nix::sys::signal::Signal::SIGTERM,
        );
        let start = Instant::now();
        while start.elapsed() < Duration::from_secs(15) {
            if let Ok(Some(_)) = self.0.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn tune_cometbft(
    config: &Path,
    args: &LoadArgs,
    ports: &Ports,
    proxy_app: Option<&str>,
) -> anyhow::Result<()> {
    use toml::Value;
    cometbft::edit_config(config, |doc| {
        if let Some(p) = proxy_app {
            set_toml(doc, "", "proxy_app", Value::String(p.into()))?;
        }
        set_toml(
            doc,
            "rpc",
            "laddr",
            Value::String(format!("tcp://127.0.0.1:{}", ports.rpc)),
        )?;
        set_toml(
            doc,
            "p2p",
            "laddr",
            Value::String(format!("tcp://127.0.0.1:{}", ports.p2p)),
        )?;
        set_toml(
            doc,
            "consensus",
            "timeout_commit",
            Value::String(args.timeout_commit.clone()),
        )?;
        set_toml(
            doc,
            "mempool",
            "size",
            Value::Integer(args.mempool_size as i64),
        )?;
        set_toml(doc, "rpc", "max_open_connections", Value::Integer(0))?;
        set_toml(
            doc,
            "tx_index",
            "indexer",
            Value::String(args.tx_index.clone()),
        )?;
        Ok(())
    })
}

fn http_get(port: u16, path: &str) -> anyhow::Result<serde_json::Value> {
    let mut s = TcpStream::connect(("127.0.0.1", port))?;
    s.set_read_timeout(Some(Duration::from_secs(10)))?;
    write!(s, "GET {path} HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n")?;
    let mut buf = Vec::new();
    s.read_to_end(&mut buf)?;
    let text = String::from_utf8_lossy(&buf);
    let body = text
        .split_once("\r\n\r\n")
        .map(|(_, b)| b)
        .context("no HTTP body")?;
    let v: serde_json::Value = serde_json::from_str(body)?;
    Ok(v["result"].clone())
}

fn wait_for_blocks(port: u16, timeout: Duration) -> anyhow::Result<u64> {
    let start = Instant::now();
    loop {
        if let Ok(s) = http_get(port, "/status") {
            if let Some(h) = s["sync_info"]["latest_block_height"]
                .as_str()
                .and_then(|h| h.parse::<u64>().ok())
            {
                if h >= 2 {
                    return Ok(h);
                }
            }
        }
        if start.elapsed() > timeout {
            bail!("node on RPC port {port} made no blocks within {timeout:?}");
        }
        std::thread::sleep(Duration::from_millis(200));
    }
}

/// Broadcasts pre-built transactions, one lane per connection so that each
/// account's transactions arrive in sequence order, keeping fewer than
/// `window` transactions unconfirmed. Returns how many were refused.
async fn broadcast_all(
    rpc_port: u16,
    lanes: Vec<Vec<Vec<u8>>>,
    window: usize,
) -> anyhow::Result<u64> {
    let url = format!("http://127.0.0.1:{rpc_port}");
    let rejected = Arc::new(std::sync::atomic::AtomicU64::new(0));
    let in_flight_ok = Arc::new(tokio::sync::Notify::new());
    let pending = Arc::new(std::sync::atomic::AtomicUsize::new(0));

    // A watcher refreshes the unconfirmed count.
    let watcher = {
        let pending = pending.clone();
        let notify = in_flight_ok.clone();
        tokio::spawn(async move {
            loop {
                let n =
                    tokio::task::spawn_blocking(move || http_get(rpc_port, "/num_unconfirmed_txs"))
                        .await
                        .ok()
                        .and_then(|r| r.ok())
                        .and_then(|v| v["n_txs"].as_str().and_then(|s| s.parse::<usize>().ok()));
                if let Some(n) = n {
                    pending.store(n, std::sync::atomic::Ordering::Relaxed);
                    notify.notify_waiters();
                }
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        })
    };

    let mut tasks = Vec::new();
    for lane in lanes {
        let client = HttpClient::new(url.as_str())?;
        let rejected = rejected.clone();
        let pending = pending.clone();
        tasks.push(tokio::spawn(async move {
            for (i, tx) in lane.into_iter().enumerate() {
                if i % 64 == 0 {
                    while pending.load(std::sync::atomic::Ordering::Relaxed) >= window {
                        tokio::time::sleep(Duration::from_millis(20)).await;
                    }
                }
                match client.broadcast_tx_async(tx).await {
                    Ok(r) if r.code.is_ok() => {}
                    _ => {
                        rejected.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    }
                }
            }
        }));
    }
    for t in tasks {
        t.await?;
    }
    watcher.abort();
    Ok(rejected.load(std::sync::atomic::Ordering::Relaxed))
}

/// Measures from the blocks after `start_height` until `expected` transactions are
/// committed (or no new one arrives for `idle`).
async fn measure(
    rpc_port: u16,
    start_height: u64,
    expected: u64,
    idle: Duration,
) -> anyhow::Result<Measured> {
    let client = HttpClient::new(format!("http://127.0.0.1:{rpc_port}").as_str())?;
    let mut committed = 0u64;
    let mut first: Option<(u64, tendermint::Time)> = None;
    let mut last: Option<tendermint::Time> = None;
    let mut blocks = 0u64;
    let mut next = start_height + 1;
    let mut last_progress = Instant::now();
    let base_time = client
        .blockchain(
            tendermint::block::Height::try_from(start_height)?,
            tendermint::block::Height::try_from(start_height)?,
        )
        .await?
        .block_metas
        .first()
        .map(|m| m.header.time)
        .context("start block")?;
    while committed < expected && last_progress.elapsed() < idle {
        let latest = client.status().await?.sync_info.latest_block_height.value();
        if latest < next {
            tokio::time::sleep(Duration::from_millis(100)).await;
            continue;
        }
        let to = latest.min(next + 19);
        let metas = client
            .blockchain(
                tendermint::block::Height::try_from(next)?,
                tendermint::block::Height::try_from(to)?,
            )
            .await?
            .block_metas;
        let mut metas: Vec<_> = metas.into_iter().collect();
        metas.sort_by_key(|m| m.header.height.value());
        for m in metas {
            if m.num_txs > 0 {
                committed += m.num_txs as u64;
                blocks += 1;
                if first.is_none() {
                    first = Some((m.header.height.value(), m.header.time));
                }
                last = Some(m.header.time);
                last_progress = Instant::now();
            }
        }
        next = to + 1;
    }
    let seconds = match (first, last) {
        (Some(_), Some(l)) => {
            let d = l.duration_since(base_time).unwrap_or_default();
            d.as_secs_f64()
        }
        _ => 0.0,
    };
    Ok(Measured {
        committed,
        seconds,
        blocks,
        rejected: 0,
    })
}

pub(crate) fn run(args: LoadArgs, g: &GlobalOpts) -> anyhow::Result<()> {
    if args.accounts == 0 || args.txs == 0 || args.connections == 0 {
        bail!("--txs, --accounts and --connections must be positive");
    }
    let bin = cometbft::find_binary(args.cometbft_bin.as_deref())?;
    let weaved = std::env::current_exe()?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;

    // ---- Weave ----
    let weave_home = tempfile::Builder::new().prefix("weave-load-").tempdir()?;
    let ports = Ports::free()?;
    let chain_id = "weave-load";
    let status = Command::new(&weaved)
        .args([
            "init",
            "--keyring-backend",
            "test",
            "--output",
            "json",
            "--chain-id",
            chain_id,
        ])
        .arg("--home")
        .arg(weave_home.path())
        .args(["--abci-laddr", &format!("127.0.0.1:{}", ports.abci)])
        .args(["--grpc-laddr", &format!("127.0.0.1:{}", ports.grpc)])
        .args(["--rpc-laddr", &format!("127.0.0.1:{}", ports.rpc)])
        .args(["--p2p-laddr", &format!("127.0.0.1:{}", ports.p2p)])
        .arg("--cometbft-bin")
        .arg(&bin)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()?;
    if !status.success() {
        bail!("weaved init failed");
    }
    let comet_config = weave_home.path().join("cometbft/config/config.toml");
    tune_cometbft(&comet_config, &args, &ports, None)?;

    // Deterministic load accounts, funded at genesis after the init key.
    let keys: Vec<SigningKey> = (0..args.accounts)
        .map(|i| {
            let mut secret = [0u8; 32];
            secret[..8].copy_from_slice(&(i as u64 + 1).to_be_bytes());
            secret[31] = 1;
            SigningKey::from_secret_bytes(KeyAlgo::Secp256k1, &secret)
        })
        .collect::<anyhow::Result<_>>()?;
    let genesis_path = weave_home.path().join("cometbft/config/genesis.json");
    cometbft::edit_genesis(&genesis_path, |doc| {
        let mut state: AppState = serde_json::from_value(doc["app_state"].clone())?;
        for k in &keys {
            state.add_balance(k.address(), 1_000_000_000_000)?;
        }
        doc["app_state"] = state.to_json()?;
        Ok(())
    })?;
    // Account numbers follow genesis order: the init key is 0, then the load keys.
    let account_number = |i: usize| (i + 1) as u64;

    let per_account = args.txs.div_ceil(args.accounts);
    let sign_start = Instant::now();
    let recipient = keys[0].address().to_string();
    let mut all: Vec<Vec<Vec<u8>>> = Vec::new();
    let mut sample_len = 0;
    for (i, key) in keys.iter().enumerate() {
        let signer = SignerData {
            account_number: account_number(i),
            sequence: 0,
            chain_id: chain_id.to_string(),
        };
        let mut txs = Vec::new();
        for seq in 0..per_account {
            if all.iter().map(Vec::len).sum::<usize>() + txs.len() >= args.txs {
                break;
            }
            let msg = weave_proto::to_any(
                "weave.bank.v1.MsgSend",
                &weave_proto::weave::bank::v1::MsgSend {
                    from_address: key.address().to_string(),
                    to_address: recipient.clone(),
                    amount: vec![weave_proto::weave::base::v1::Coin {
                        denom: "uweave".into(),
                        amount: "1".into(),
                    }],
                },
            );
            let any = cosmos_sdk_proto::Any {
                type_url: msg.type_url,
                value: msg.value,
            };
            let tx = build_signed_tx(
                key,
                vec![any],
                &SignerData {
                    sequence: seq as u64,
                    ..signer.clone()
                },
                2_500,
                100_000,
                "",
                0,
            );
            sample_len = tx.len();
            txs.push(tx);
        }
        all.push(txs);
    }
    let signed = all.iter().map(Vec::len).sum::<usize>() as u64;
    eprintln!(
        "signed {signed} transactions ({sample_len} bytes each) in {:.1?}",
        sign_start.elapsed()
    );

    let weave_measured = {
        let log = std::fs::File::create(weave_home.path().join("weaved.log"))?;
        let _node = Guard(
            Command::new(&weaved)
                .arg("start")
                .arg("--home")
                .arg(weave_home.path())
                .arg("--cometbft-bin")
                .arg(&bin)
                .arg("--cometbft-log")
                .arg(weave_home.path().join("cometbft.log"))
                .args(["--log-level", "warn"])
                .stdout(log.try_clone()?)
                .stderr(log)
                .spawn()?,
        );
        let h0 = wait_for_blocks(ports.rpc, Duration::from_secs(60))?;
        // Spread accounts over the connections; each account stays on one lane.
        let mut lanes: Vec<Vec<Vec<u8>>> = vec![Vec::new(); args.connections];
        for (i, txs) in all.into_iter().enumerate() {
            lanes[i % args.connections].extend(txs);
        }
        let window = args.mempool_size / 2;
        let m = runtime.block_on(async {
            let sender = tokio::spawn(broadcast_all(ports.rpc, lanes, window));
            let m = measure(ports.rpc, h0, signed, Duration::from_secs(30)).await;
            let rejected = sender.await??;
            m.map(|m| Measured { rejected, ..m })
        })?;
        m
    };
    report("weave", &weave_measured, sample_len);

    // ---- kvstore ----
    let kv_measured = if args.skip_kvstore {
        None
    } else {
        let kv_home = tempfile::Builder::new().prefix("kvstore-load-").tempdir()?;
        let kports = Ports::free()?;
        let home = kv_home.path().to_string_lossy().into_owned();
        cometbft::run(&bin, &["init", "--home", &home])?;
        tune_cometbft(
            &kv_home.path().join("config/config.toml"),
            &args,
            &kports,
            Some("kvstore"),
        )?;
        let log = std::fs::File::create(kv_home.path().join("cometbft.log"))?;
        let _node = Guard(
            Command::new(&bin)
                .args(["node", "--home", &home])
                .stdout(log.try_clone()?)
                .stderr(log)
                .spawn()?,
        );
        let h0 = wait_for_blocks(kports.rpc, Duration::from_secs(60))?;
        // kvstore transactions of the same size: "k<i>=<padding>".
        let mut lanes: Vec<Vec<Vec<u8>>> = vec![Vec::new(); args.connections];
        for i in 0..signed as usize {
            let mut tx = format!("k{i}=").into_bytes();
            tx.resize(sample_len.max(tx.len() + 1), b'v');
            lanes[i % args.connections].push(tx);
        }
        let window = args.mempool_size / 2;
        let m = runtime.block_on(async {
            let sender = tokio::spawn(broadcast_all(kports.rpc, lanes, window));
            let m = measure(kports.rpc, h0, signed, Duration::from_secs(30)).await;
            let rejected = sender.await??;
            m.map(|m| Measured { rejected, ..m })
        })?;
        report("kvstore", &m, sample_len);
        if args.keep {
            eprintln!("kvstore home kept at {}", kv_home.keep().display());
        }
        Some(m)
    };
    if args.keep {
        eprintln!("weave home kept at {}", weave_home.keep().display());
    }

    let ratio = kv_measured.map(|k| {
        if k.tps() > 0.0 {
            weave_measured.tps() / k.tps()
        } else {
            0.0
        }
    });
    if g.json() {
        let one = |m: &Measured| json!({"committed": m.committed, "seconds": m.seconds, "blocks": m.blocks, "rejected": m.rejected, "tps": m.tps()});
        println!(
            "{}",
            json!({
                "tx_bytes": sample_len,
                "timeout_commit": args.timeout_commit,
                "tx_index": args.tx_index,
                "weave": one(&weave_measured),
                "kvstore": kv_measured.as_ref().map(one),
                "ratio": ratio,
            })
        );
    } else {
        println!("weave:   {:>10.1} tx/s", weave_measured.tps());
        if let (Some(k), Some(r)) = (kv_measured, ratio) {
            println!("kvstore: {:>10.1} tx/s", k.tps());
            println!("ratio:   {:>10.1} %  (target: at least 50 %)", r * 100.0);
        }
    }
    Ok(())
}

fn report(name: &str, m: &Measured, size: usize) {
    eprintln!(
        "{name}: {} txs of {size} bytes committed in {} blocks over {:.2} s of block time ({} refused at broadcast): {:.1} tx/s",
        m.committed,
        m.blocks,
        m.seconds,
        m.rejected,
        m.tps()
    );
}
