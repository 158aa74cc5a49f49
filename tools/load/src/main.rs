//! `weave-load`: a load tool that measures committed transactions per second of a
//! single Weave node (the `weaved` binary, run as a child process) against CometBFT's
//! kvstore. It builds and signs its transactions with the `weave-client` library.
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
//!
//! `--workload claims` loads the channels module instead of the bank: genesis also
//! funds a payer, which opens a payment channel and registers one content (both
//! committed before the measured span starts); each load account is then a seeder
//! whose `--txs` claims (spread over the seeders) each carry `--vouchers-per-claim`
//! vouchers of the payer on the seeder's lane, with increasing nonces and cumulative
//! amounts. Besides committed claim transactions per second it prints vouchers per
//! second: the vouchers the chain accepted (the sum of the lanes' last nonces, read
//! back after the run) over the same span.

// Wall-clock time and floats are fine here: this measures, it is not the state machine.
#![allow(clippy::disallowed_methods)]

use std::{
    io::{Read, Write},
    net::TcpStream,
    path::{Path, PathBuf},
    process::{Child, Command, Stdio},
    sync::Arc,
    time::{Duration, Instant},
};

use anyhow::{anyhow, bail, Context};
use serde_json::json;
use tendermint_rpc::{Client, HttpClient};
use weave_genesis::AppState;

use clap::Parser;
use weave_client::{
    builder::{build_signed_tx, to_any, SignerData},
    channels::{voucher_key, voucher_public_key},
    cometbft::{self, set_toml},
    keys::{KeyAlgo, SigningKey},
    opts::OutputFormat,
};

/// What `weave-load` sends to the Weave chain.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum Workload {
    /// Bank sends of 1 uweave.
    Bank,
    /// Channel claims, each carrying --vouchers-per-claim vouchers.
    Claims,
}

/// `weave-load` arguments.
#[derive(Debug, Parser)]
#[command(
    name = "weave-load",
    version,
    about = "Load-test a Weave node with signed transactions and compare with CometBFT's kvstore",
    after_help = "Example:\n  weave-load --txs 20000 --accounts 100\n  weave-load --workload claims --txs 2000 --accounts 50 --vouchers-per-claim 50 --skip-kvstore"
)]
struct LoadArgs {
    /// What to send: bank sends, or channel claims carrying vouchers.
    #[arg(long, value_enum, default_value = "bank")]
    workload: Workload,
    /// Transactions to send to each chain (claims with --workload claims).
    #[arg(long, default_value_t = 20_000)]
    txs: usize,
    /// Distinct sending accounts on the Weave chain (seeders with --workload claims).
    #[arg(long, default_value_t = 100)]
    accounts: usize,
    /// With --workload claims: the vouchers each claim carries (1 to 4096; above the
    /// chain's default limit of 256, genesis raises the limit).
    #[arg(long, default_value_t = 50, value_parser = clap::value_parser!(u32).range(1..=4096))]
    vouchers_per_claim: u32,
    /// Concurrent broadcasting connections (default: 32 for bank sends, 8 for claims).
    /// With 8, Weave's mempool filled with sends only as fast as the connections'
    /// round trips allowed, with a core partly idle.
    #[arg(long, value_parser = clap::value_parser!(u64).range(1..))]
    connections: Option<u64>,
    /// consensus.timeout_commit for both chains.
    #[arg(long, default_value = "1s")]
    timeout_commit: String,
    /// Mempool size (transactions) for both chains; CometBFT's default is 5000.
    #[arg(long, default_value_t = 5_000)]
    mempool_size: usize,
    /// Most transactions unconfirmed at once while broadcasting (default: half of
    /// --mempool-size for bank sends; 10000 vouchers' worth of claims).
    #[arg(long, value_name = "TXS", value_parser = clap::value_parser!(u64).range(1..))]
    window: Option<u64>,
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
    /// The weaved binary (default: `weaved` next to this program, else on `PATH`).
    #[arg(long, env = "WEAVE_WEAVED_BIN")]
    weaved_bin: Option<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value = "text")]
    output: OutputFormat,
}

/// The `weaved` to run: `--weaved-bin`, else the one built next to this program
/// (`target/<profile>/weaved`), else `weaved` on `PATH`.
fn find_weaved(explicit: Option<&Path>) -> anyhow::Result<PathBuf> {
    if let Some(p) = explicit {
        anyhow::ensure!(p.is_file(), "weaved binary {} does not exist", p.display());
        return Ok(p.to_path_buf());
    }
    let sibling = std::env::current_exe()?.with_file_name("weaved");
    if sibling.is_file() {
        return Ok(sibling);
    }
    std::env::var_os("PATH")
        .into_iter()
        .flat_map(|path| std::env::split_paths(&path).collect::<Vec<_>>())
        .map(|dir| dir.join("weaved"))
        .find(|p| p.is_file())
        .context("weaved was not found next to weave-load or on PATH; build it (`cargo build --release -p weaved`) or pass --weaved-bin")
}

fn main() {
    if let Err(e) = run(LoadArgs::parse()) {
        eprintln!("Error: {e:#}");
        std::process::exit(1);
    }
}

/// What one chain achieved.
#[derive(Debug, Clone)]
struct Measured {
    committed: u64,
    seconds: f64,
    blocks: u64,
    rejected: u64,
    /// Each loaded block: its transactions, and its header time after the start block's.
    timeline: Vec<(u64, f64)>,
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
    use toml_edit::Value;
    cometbft::edit_config(config, |doc| {
        if let Some(p) = proxy_app {
            set_toml(doc, "", "proxy_app", Value::from(p))?;
        }
        set_toml(
            doc,
            "rpc",
            "laddr",
            Value::from(format!("tcp://127.0.0.1:{}", ports.rpc)),
        )?;
        set_toml(
            doc,
            "p2p",
            "laddr",
            Value::from(format!("tcp://127.0.0.1:{}", ports.p2p)),
        )?;
        set_toml(
            doc,
            "consensus",
            "timeout_commit",
            Value::from(args.timeout_commit.clone()),
        )?;
        set_toml(
            doc,
            "mempool",
            "size",
            Value::from(i64::try_from(args.mempool_size)?),
        )?;
        set_toml(doc, "rpc", "max_open_connections", Value::from(0i64))?;
        set_toml(
            doc,
            "tx_index",
            "indexer",
            Value::from(args.tx_index.clone()),
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

/// How broadcasting keeps the mempool from overflowing: a connection waits while
/// `window` or more transactions are unconfirmed, as the mempool reported at its
/// last reading (every 100 ms).
#[derive(Debug, Clone, Copy)]
struct Pacing {
    /// Most transactions unconfirmed at once.
    window: usize,
    /// A connection checks the window before every this many of its transactions.
    check_every: usize,
    /// Count the transactions sent since the last reading as unconfirmed too (for
    /// large transactions, where a reading's lag matters).
    count_sent: bool,
}

impl Pacing {
    /// The bank workload's: half the mempool, checked every 64 transactions.
    fn bank(args: &LoadArgs) -> Self {
        Self {
            window: args.window.map_or(args.mempool_size / 2, |w| w as usize),
            check_every: 64,
            count_sent: false,
        }
    }

    /// The claims workload's: by default 10 000 vouchers' worth of claims
    /// unconfirmed, checked before every claim. Claims are large and slow to check, and
    /// blocks that take longer to propose than CometBFT's propose timeout never commit.
    fn claims(args: &LoadArgs) -> Self {
        Self {
            window: args
                .window
                .map_or((10_000 / args.vouchers_per_claim as usize).max(1), |w| {
                    w as usize
                }),
            check_every: 1,
            count_sent: true,
        }
    }
}

/// Broadcasts pre-built transactions, one lane per connection so that each
/// account's transactions arrive in sequence order, keeping fewer than
/// `pacing.window` transactions unconfirmed. Returns how many were refused.
async fn broadcast_all(
    rpc_port: u16,
    lanes: Vec<Vec<Vec<u8>>>,
    pacing: Pacing,
) -> anyhow::Result<u64> {
    let url = format!("http://127.0.0.1:{rpc_port}");
    let rejected = Arc::new(std::sync::atomic::AtomicU64::new(0));
    let in_flight_ok = Arc::new(tokio::sync::Notify::new());
    let pending = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    // Transactions sent in all, and how many had been sent when the mempool was last
    // read.
    let sent = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let sent_at_reading = Arc::new(std::sync::atomic::AtomicUsize::new(0));

    // A watcher refreshes the unconfirmed count.
    let watcher = {
        let pending = pending.clone();
        let notify = in_flight_ok.clone();
        let sent = sent.clone();
        let sent_at_reading = sent_at_reading.clone();
        tokio::spawn(async move {
            loop {
                let before = sent.load(std::sync::atomic::Ordering::Relaxed);
                let n =
                    tokio::task::spawn_blocking(move || http_get(rpc_port, "/num_unconfirmed_txs"))
                        .await
                        .ok()
                        .and_then(|r| r.ok())
                        .and_then(|v| v["n_txs"].as_str().and_then(|s| s.parse::<usize>().ok()));
                if let Some(n) = n {
                    pending.store(n, std::sync::atomic::Ordering::Relaxed);
                    sent_at_reading.store(before, std::sync::atomic::Ordering::Relaxed);
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
        let counted = sent.clone();
        let sent = sent.clone();
        let sent_at_reading = sent_at_reading.clone();
        let unconfirmed = move || {
            let reported = pending.load(std::sync::atomic::Ordering::Relaxed);
            if !pacing.count_sent {
                return reported;
            }
            let since = counted
                .load(std::sync::atomic::Ordering::Relaxed)
                .saturating_sub(sent_at_reading.load(std::sync::atomic::Ordering::Relaxed));
            reported + since
        };
        tasks.push(tokio::spawn(async move {
            for (i, tx) in lane.into_iter().enumerate() {
                if i % pacing.check_every == 0 {
                    while unconfirmed() >= pacing.window {
                        tokio::time::sleep(Duration::from_millis(20)).await;
                    }
                }
                sent.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
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
    let mut timeline = Vec::new();
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
                let after = m.header.time.duration_since(base_time).unwrap_or_default();
                timeline.push((m.num_txs as u64, after.as_secs_f64()));
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
        timeline,
    })
}

fn run(args: LoadArgs) -> anyhow::Result<()> {
    let connections = args.connections.map_or(
        match args.workload {
            Workload::Bank => 32,
            Workload::Claims => 8,
        },
        |c| c as usize,
    );
    if args.accounts == 0 || args.txs == 0 {
        bail!("--txs and --accounts must be positive");
    }
    let bin = cometbft::find_binary(args.cometbft_bin.as_deref())?;
    let weaved = find_weaved(args.weaved_bin.as_deref())?;
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
    // With --workload claims, the payer of the channel, funded after the load keys.
    let payer = SigningKey::from_secret_bytes(KeyAlgo::Secp256k1, &[0x5a; 32])?;
    let claims = args.workload == Workload::Claims;
    let genesis_path = weave_home.path().join("cometbft/config/genesis.json");
    cometbft::edit_genesis(&genesis_path, |doc| {
        let mut state: AppState = serde_json::from_value(doc["app_state"].clone())?;
        for k in &keys {
            state.add_balance(k.address(), 1_000_000_000_000)?;
        }
        if claims {
            state.add_balance(payer.address(), 1_000_000_000_000_000)?;
            let limit = &mut state.channels.params.max_vouchers_per_claim;
            *limit = (*limit).max(args.vouchers_per_claim);
        }
        doc["app_state"] = state.to_json()?;
        Ok(())
    })?;
    // Account numbers follow genesis order: the init key is 0, then the load keys,
    // then the payer.
    let account_number = |i: usize| (i + 1) as u64;

    let (all, sample_len, claims_plan) = if claims {
        let plan = ClaimsPlan::new(&args, &keys, &payer, account_number(keys.len()), chain_id)?;
        let (all, sample_len) = plan.sign_claims(&keys, &payer, &args, chain_id, account_number);
        (all, sample_len, Some(plan))
    } else {
        let (all, sample_len) = sign_sends(&keys, &args, chain_id, account_number);
        (all, sample_len, None)
    };
    let mut all = all;
    let mut signed = all.iter().map(Vec::len).sum::<usize>() as u64;
    let pacing = if claims {
        Pacing::claims(&args)
    } else {
        Pacing::bank(&args)
    };

    let (weave_measured, vouchers_accepted) = {
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
        let mut h0 = wait_for_blocks(ports.rpc, Duration::from_secs(60))?;
        if let Some(plan) = &claims_plan {
            runtime.block_on(plan.set_up(ports.rpc))?;
            // The first claim goes alone and must commit: a claim the chain refuses
            // would otherwise leave the run measuring empty blocks, since
            // `broadcast_tx_async` reports nothing.
            if let Some(first) = all.first_mut().filter(|txs| !txs.is_empty()) {
                let tx = first.remove(0);
                signed -= 1;
                runtime.block_on(plan.first_claim(ports.rpc, tx))?;
            }
            // The measured span starts after the setup's blocks.
            h0 = latest_height(ports.rpc)?;
        }
        // Spread accounts over the connections; each account stays on one lane.
        let mut lanes: Vec<Vec<Vec<u8>>> = vec![Vec::new(); connections];
        for (i, txs) in all.into_iter().enumerate() {
            lanes[i % connections].extend(txs);
        }
        let m = runtime.block_on(async {
            let sender = tokio::spawn(broadcast_all(ports.rpc, lanes, pacing));
            let m = measure(ports.rpc, h0, signed, Duration::from_secs(30)).await;
            let rejected = sender.await??;
            m.map(|m| Measured { rejected, ..m })
        })?;
        let vouchers = match &claims_plan {
            Some(plan) => Some(runtime.block_on(plan.accepted_vouchers(ports.rpc))?),
            None => None,
        };
        (m, vouchers)
    };
    let name = if claims { "weave claims" } else { "weave" };
    report(name, &weave_measured, sample_len);
    if let Some(v) = vouchers_accepted {
        eprintln!(
            "{name}: {v} vouchers accepted over {:.2} s: {:.1} vouchers/s",
            weave_measured.seconds,
            per_second(v, weave_measured.seconds)
        );
    }
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
        let mut lanes: Vec<Vec<Vec<u8>>> = vec![Vec::new(); connections];
        for i in 0..signed as usize {
            let mut tx = format!("k{i}=").into_bytes();
            tx.resize(sample_len.max(tx.len() + 1), b'v');
            lanes[i % connections].push(tx);
        }
        let m = runtime.block_on(async {
            let sender = tokio::spawn(broadcast_all(kports.rpc, lanes, pacing));
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

    let ratio = kv_measured.as_ref().map(|k| {
        if k.tps() > 0.0 {
            weave_measured.tps() / k.tps()
        } else {
            0.0
        }
    });
    if args.output == OutputFormat::Json {
        let one = |m: &Measured| json!({"committed": m.committed, "seconds": m.seconds, "blocks": m.blocks, "rejected": m.rejected, "tps": m.tps()});
        let mut doc = json!({
            "workload": if claims { "claims" } else { "bank" },
            "tx_bytes": sample_len,
            "timeout_commit": args.timeout_commit,
            "tx_index": args.tx_index,
            "weave": one(&weave_measured),
            "kvstore": kv_measured.as_ref().map(one),
            "ratio": ratio,
        });
        if let Some(v) = vouchers_accepted {
            doc["vouchers_per_claim"] = json!(args.vouchers_per_claim);
            doc["weave"]["vouchers_accepted"] = json!(v);
            doc["weave"]["vouchers_per_second"] = json!(per_second(v, weave_measured.seconds));
        }
        println!("{doc}");
    } else if let Some(v) = vouchers_accepted {
        println!(
            "weave:   {:>10.1} claim tx/s  ({} vouchers per claim)",
            weave_measured.tps(),
            args.vouchers_per_claim
        );
        println!(
            "weave:   {:>10.1} vouchers/s",
            per_second(v, weave_measured.seconds)
        );
        if let (Some(k), Some(r)) = (kv_measured, ratio) {
            println!("kvstore: {:>10.1} tx/s  (same-size transactions)", k.tps());
            println!("ratio:   {:>10.1} %", r * 100.0);
        }
    } else {
        println!("weave:   {:>10.1} tx/s", weave_measured.tps());
        if let (Some(k), Some(r)) = (kv_measured, ratio) {
            println!("kvstore: {:>10.1} tx/s", k.tps());
            println!("ratio:   {:>10.1} %  (target: at least 60 %)", r * 100.0);
        }
    }
    Ok(())
}

/// `count` over `seconds`, 0 for an empty span.
fn per_second(count: u64, seconds: f64) -> f64 {
    if seconds > 0.0 {
        count as f64 / seconds
    } else {
        0.0
    }
}

/// Signs `args.txs` bank sends of 1 uweave, spread over `keys` (each key's in sequence
/// order), to the first key. Returns them per key, and the size of one.
fn sign_sends(
    keys: &[SigningKey],
    args: &LoadArgs,
    chain_id: &str,
    account_number: impl Fn(usize) -> u64,
) -> (Vec<Vec<Vec<u8>>>, usize) {
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
    let signed = all.iter().map(Vec::len).sum::<usize>();
    eprintln!(
        "signed {signed} transactions ({sample_len} bytes each) in {:.1?}",
        sign_start.elapsed()
    );
    (all, sample_len)
}

/// The gas limit of a claim: a base and a share per voucher, generous (the load only
/// pays for it in fees). A claim of 20 vouchers on a fresh lane uses about 694,000
/// (2026-12-07); at 20,000 per voucher every claim ran out of gas in CheckTx and the
/// run measured empty blocks, which the first claim, sent alone, now catches.
const CLAIM_GAS_BASE: u64 = 200_000;
/// See [`CLAIM_GAS_BASE`].
const CLAIM_GAS_PER_VOUCHER: u64 = 50_000;
/// The gas limit of each setup transaction.
const SETUP_GAS: u64 = 1_000_000;

/// The fee of `gas` at the default minimum gas price, 0.025 uweave per unit.
fn fee_for(gas: u64) -> u128 {
    u128::from(gas.div_ceil(40))
}

/// What `--workload claims` sets up before the measured span, and what it claims.
struct ClaimsPlan {
    /// The channel the setup opens: the first of the fresh chain.
    channel_id: u64,
    /// The content every voucher pays for.
    root: [u8; 32],
    /// The seeders, whose lanes are read back after the run.
    seeders: Vec<weave_kernel::Address>,
    /// The payer's transactions, sent one at a time and each committed: open the
    /// channel, then register the content.
    setup: Vec<(&'static str, Vec<u8>)>,
}

impl ClaimsPlan {
    /// Signs the setup: `payer` (account number `payer_number`, sequences 0 and 1)
    /// opens a channel with its derived voucher key and a deposit that covers every
    /// voucher, and registers a content priced at 1 uweave per GiB whose split pays
    /// the payer.
    fn new(
        args: &LoadArgs,
        seeders: &[SigningKey],
        payer: &SigningKey,
        payer_number: u64,
        chain_id: &str,
    ) -> anyhow::Result<Self> {
        use weave_proto::weave::{channels::v1 as ch, content::v1 as ct, splits::v1 as sp};
        let root = *blake3::hash(b"weave load: the content claims pay for").as_bytes();
        let vouchers = (args.txs as u128) * u128::from(args.vouchers_per_claim);
        let open = to_any(
            weave_channels::MSG_OPEN_CHANNEL,
            &ch::MsgOpenChannel {
                payer: payer.address().to_string(),
                deposit: (vouchers + 1_000_000).to_string(),
                voucher_key: voucher_public_key(payer).to_vec(),
                expiry_height: 1_000_000_000,
                collateral: String::new(),
            },
        );
        weave_channels::ChannelsMsg::decode(&open).map_err(|e| anyhow!("{e}"))?;
        let meta = weave_slices::MetaHash {
            root,
            slice_size: weave_slices::DEFAULT_SLICE_SIZE,
            slice_count: 1024,
            plaintext_len: 1 << 30,
            cipher: weave_slices::Cipher::ChaCha20Poly1305,
        };
        let register = to_any(
            weave_content::MSG_REGISTER_CONTENT,
            &ct::MsgRegisterContent {
                creator: payer.address().to_string(),
                meta_hash: Some(weave_content::record::meta_to_wire(&meta)),
                metadata: Some(ct::Metadata {
                    title: "load".into(),
                    mime_type: "application/octet-stream".into(),
                    ..Default::default()
                }),
                access_price: "1".into(),
                price_per_gib: "1".into(),
                split_id: 0,
                split_recipients: vec![sp::Recipient {
                    address: payer.address().to_string(),
                    bps: weave_splits::TOTAL_BPS,
                }],
                split_controller: String::new(),
                tiers: Vec::new(),
            },
        );
        weave_content::ContentMsg::decode(&register).map_err(|e| anyhow!("{e}"))?;
        let setup = [
            ("open the channel", open),
            ("register the content", register),
        ]
        .into_iter()
        .enumerate()
        .map(|(sequence, (what, msg))| {
            let signer = SignerData {
                account_number: payer_number,
                sequence: sequence as u64,
                chain_id: chain_id.to_string(),
            };
            let tx = build_signed_tx(
                payer,
                vec![msg],
                &signer,
                fee_for(SETUP_GAS),
                SETUP_GAS,
                "",
                0,
            );
            (what, tx)
        })
        .collect();
        Ok(Self {
            channel_id: 1,
            root,
            seeders: seeders.iter().map(SigningKey::address).collect(),
            setup,
        })
    }

    /// Signs `args.txs` claims spread over the seeders, each carrying
    /// `args.vouchers_per_claim` vouchers of `payer` on the seeder's lane: voucher `n`
    /// of a lane (from 1) has nonce `n`, `n` MiB and `n` uweave, so each pays 1 uweave.
    /// Returns them per seeder, in sequence order, and the size of one.
    fn sign_claims(
        &self,
        seeders: &[SigningKey],
        payer: &SigningKey,
        args: &LoadArgs,
        chain_id: &str,
        account_number: impl Fn(usize) -> u64,
    ) -> (Vec<Vec<Vec<u8>>>, usize) {
        let sign_start = Instant::now();
        let key = voucher_key(payer);
        let per_claim = u64::from(args.vouchers_per_claim);
        let per_seeder = args.txs.div_ceil(seeders.len());
        let gas = CLAIM_GAS_BASE + per_claim * CLAIM_GAS_PER_VOUCHER;
        let mut all = Vec::new();
        let mut total = 0usize;
        let mut sample_len = 0;
        for (i, seeder_key) in seeders.iter().enumerate() {
            let seeder = seeder_key.address();
            let mut txs = Vec::new();
            for sequence in 0..per_seeder as u64 {
                if total >= args.txs {
                    break;
                }
                // Carried compact, as the CLI's claims carry them: without the seeder
                // each voucher would otherwise repeat.
                let vouchers: Vec<_> = (1..=per_claim)
                    .map(|v| {
                        let n = sequence * per_claim + v;
                        weave_channels::Voucher {
                            chain_id: chain_id.to_string(),
                            channel_id: self.channel_id,
                            seeder,
                            content_root: self.root,
                            cumulative_bytes: n << 20,
                            cumulative_amount: u128::from(n),
                            nonce: n,
                        }
                        .sign(&key)
                    })
                    .collect();
                let msg = to_any(
                    weave_channels::MSG_CLAIM,
                    &weave_client::channels::msg::claim_msg(&seeder, &vouchers),
                );
                let signer = SignerData {
                    account_number: account_number(i),
                    sequence,
                    chain_id: chain_id.to_string(),
                };
                let tx = build_signed_tx(seeder_key, vec![msg], &signer, fee_for(gas), gas, "", 0);
                sample_len = tx.len();
                txs.push(tx);
                total += 1;
            }
            all.push(txs);
        }
        eprintln!(
            "signed {total} claims of {per_claim} vouchers ({sample_len} bytes each) in {:.1?}",
            sign_start.elapsed()
        );
        (all, sample_len)
    }

    /// Sends the setup transactions one at a time, each waited for until committed,
    /// and checks that the channel opened is the one the claims name.
    async fn set_up(&self, rpc_port: u16) -> anyhow::Result<()> {
        let client = HttpClient::new(format!("http://127.0.0.1:{rpc_port}").as_str())?;
        for (what, tx) in &self.setup {
            let r = client
                .broadcast_tx_commit(tx.clone())
                .await
                .with_context(|| format!("load setup: {what}"))?;
            if r.check_tx.code.is_err() {
                bail!("load setup: {what}: refused by CheckTx: {}", r.check_tx.log);
            }
            if r.tx_result.code.is_err() {
                bail!("load setup: {what}: failed: {}", r.tx_result.log);
            }
            let opened = r
                .tx_result
                .events
                .iter()
                .filter(|e| e.kind == "weave.channels.v1.EventChannelOpened")
                .flat_map(|e| e.attributes.iter())
                .find(|a| a.key_bytes() == b"channel_id")
                .and_then(|a| a.value_str().ok()?.parse::<u64>().ok());
            if let Some(id) = opened {
                if id != self.channel_id {
                    bail!(
                        "load setup opened channel {id}, the claims name {}",
                        self.channel_id
                    );
                }
            }
        }
        Ok(())
    }

    /// Sends one claim and waits for its block: an error if CheckTx refuses it or it
    /// fails.
    async fn first_claim(&self, rpc_port: u16, tx: Vec<u8>) -> anyhow::Result<()> {
        let client = HttpClient::new(format!("http://127.0.0.1:{rpc_port}").as_str())?;
        let r = client
            .broadcast_tx_commit(tx)
            .await
            .context("the first claim")?;
        if r.check_tx.code.is_err() {
            bail!(
                "the first claim is refused by CheckTx ({}:{}): {}",
                r.check_tx.codespace,
                r.check_tx.code.value(),
                r.check_tx.log
            );
        }
        if r.tx_result.code.is_err() {
            bail!(
                "the first claim failed ({}:{}): {}",
                r.tx_result.codespace,
                r.tx_result.code.value(),
                r.tx_result.log
            );
        }
        eprintln!(
            "the first claim committed: {} of its {} gas used",
            r.tx_result.gas_used, r.tx_result.gas_wanted
        );
        Ok(())
    }

    /// The vouchers the chain accepted: each lane's last nonce, summed over the
    /// seeders (a seeder without a lane accepted none). CometBFT stores a block before
    /// the application commits it, so this first waits for the next block: then every
    /// block seen so far is committed and queries read its state.
    async fn accepted_vouchers(&self, rpc_port: u16) -> anyhow::Result<u64> {
        use weave_proto::weave::channels::v1::{QueryLaneRequest, QueryLaneResponse};
        let client = HttpClient::new(format!("http://127.0.0.1:{rpc_port}").as_str())?;
        let height =
            || async { anyhow::Ok(client.status().await?.sync_info.latest_block_height.value()) };
        let seen = height().await?;
        let start = Instant::now();
        while height().await? <= seen {
            if start.elapsed() > Duration::from_secs(30) {
                bail!("no block after height {seen} within 30 s");
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let mut total = 0u64;
        for seeder in &self.seeders {
            let request = QueryLaneRequest {
                channel_id: self.channel_id,
                seeder: seeder.to_string(),
                content_root: self.root.to_vec(),
            };
            let r = client
                .abci_query(
                    Some("/weave.channels.v1.Query/Lane".to_string()),
                    prost::Message::encode_to_vec(&request),
                    None,
                    false,
                )
                .await?;
            if r.code.is_err() {
                continue;
            }
            let lane = <QueryLaneResponse as prost::Message>::decode(r.value.as_slice())?;
            total += lane.lane.map_or(0, |l| l.last_nonce);
        }
        Ok(total)
    }
}

/// The height of the latest block.
fn latest_height(port: u16) -> anyhow::Result<u64> {
    http_get(port, "/status")?["sync_info"]["latest_block_height"]
        .as_str()
        .and_then(|h| h.parse::<u64>().ok())
        .context("no latest height in /status")
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
    let blocks: Vec<String> = m
        .timeline
        .iter()
        .map(|(txs, at)| format!("{txs} at {at:.2} s"))
        .collect();
    eprintln!("{name}: blocks: {}", blocks.join(", "));
}
