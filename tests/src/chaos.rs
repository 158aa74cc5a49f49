//! The chaos suite (issue 19, item 2): a 4-validator localnet under a steady load of
//! signed transfers while validators are killed (`kill -9` of `weaved` and its
//! CometBFT, then restarted), paused (SIGSTOP, then SIGCONT) and partitioned (2 | 2,
//! and one node isolated, then healed).
//!
//! Partitions go through a TCP proxy this process runs on loopback: every node's
//! persistent peers point at proxy ports (PEX off), one per ordered pair of nodes, and
//! a partition closes the links it cuts and refuses new connections on them. Traffic
//! never leaves 127.0.0.1.
//!
//! After each fault is healed, and at the end, [`run`] checks (and fails with a
//! message if one does not hold):
//! - every node has the same app hash (and block hash) at every height;
//! - every transaction the node reported committed is in the block at the height
//!   reported on every node (a transaction missing there is *lost*), and found by hash
//!   (`/tx`) on every node (one that is in its block but not found by hash is counted
//!   apart: CometBFT indexes transactions after the commit, so a `kill -9` between the
//!   two loses the index entries of that block on that node);
//! - the uweave supply equals the sum of the balances of every account that can hold
//!   any (users, validator operators, module accounts), read at one height;
//! - the chain makes blocks again within [`Config::resume_within`] of the heal.
//!
//! `localnet/chaos` runs the long version (`chaos --minutes 10`); the end-to-end
//! test `tests/tests/chaos.rs` a short one.

use std::{
    collections::BTreeSet,
    io::{Read as _, Write as _},
    net::{Shutdown, TcpListener, TcpStream},
    process::{Command, Stdio},
    sync::{
        atomic::{AtomicBool, AtomicU64, Ordering},
        Arc, Mutex,
    },
    time::{Duration, Instant},
};

use anyhow::{bail, ensure, Context as _};
use serde_json::Value;

use crate::{
    free_port, http_get,
    localnet::{eventually, Localnet},
    weaved_bin, TEST_FEES, TEST_GAS,
};

/// Validators in the chaos localnet.
pub const NODES: u16 = 4;
/// Funded users sending transfers (one sender thread each).
const USERS: u32 = 4;
/// Module accounts that can hold uweave.
const MODULE_ACCOUNTS: &[&str] = &[
    "fee_collector",
    "community_pool",
    "distribution",
    "bonded_pool",
    "not_bonded_pool",
    "channels_escrow",
    "seeders",
    "gov",
];

/// How long and how hard to shake the localnet.
#[derive(Debug, Clone)]
pub struct Config {
    /// Keep injecting faults this long (the load runs throughout).
    pub duration: Duration,
    /// A fault every this often (kills are the default fault).
    pub fault_every: Duration,
    /// How long a paused validator stays stopped.
    pub pause_for: Duration,
    /// How long a partition lasts.
    pub partition_for: Duration,
    /// The chain must make a block again within this of a heal.
    pub resume_within: Duration,
    /// Whether to partition the network (2 | 2, and one isolated node).
    pub partitions: bool,
    /// Kills before each other fault (pause, partition, isolation).
    pub kills_between: usize,
}

impl Config {
    /// The long run: `minutes` of faults, one every 20 s, pauses and partitions of 30 s.
    pub fn long(minutes: u64) -> Self {
        Self {
            duration: Duration::from_secs(minutes * 60),
            fault_every: Duration::from_secs(20),
            pause_for: Duration::from_secs(30),
            partition_for: Duration::from_secs(30),
            resume_within: Duration::from_secs(30),
            partitions: true,
            kills_between: 2,
        }
    }

    /// The CI run: each kind of fault once, shorter.
    pub fn short() -> Self {
        Self {
            duration: Duration::from_secs(60),
            fault_every: Duration::from_secs(8),
            pause_for: Duration::from_secs(8),
            partition_for: Duration::from_secs(12),
            // Generous: CI's cores are shared.
            resume_within: Duration::from_secs(60),
            partitions: true,
            kills_between: 1,
        }
    }
}

/// The figures of a run.
#[derive(Debug, Clone, Default)]
pub struct Report {
    /// Faults injected, by kind.
    pub kills: u32,
    /// SIGSTOP pauses.
    pub pauses: u32,
    /// 2 | 2 partitions.
    pub splits: u32,
    /// Single-node isolations.
    pub isolations: u32,
    /// Blocks made during the run (the last height checked).
    pub blocks: u64,
    /// Transactions reported committed (and checked on every node).
    pub committed: u64,
    /// Of which purchases of a content (the rest are transfers).
    pub purchases: u64,
    /// Transactions sent that were not reported committed (refused, timed out, sent
    /// to a node that died): not a fault of the chain.
    pub unconfirmed: u64,
    /// Transactions reported committed but not in that block on some node (must be 0).
    pub lost: u64,
    /// Transactions in their block on every node that some node's CometBFT does not
    /// find by hash (`/tx`, and so gRPC `GetTx`): its tx index missed them.
    pub unindexed: u64,
    /// The longest time no node's height grew.
    pub longest_stall: Duration,
    /// The longest time from a heal to the next block.
    pub longest_resume: Duration,
    /// Heights whose app hash was compared on every node.
    pub heights_checked: u64,
}

impl Report {
    /// The figures, one per line.
    pub fn figures(&self) -> String {
        format!(
            "faults injected: {} (kill -9: {}, SIGSTOP: {}, 2|2 partitions: {}, isolations: {})\n\
             blocks: {}\n\
             transactions committed: {} ({} transfers, {} purchases)\n\
             transactions not confirmed to the sender (not counted as committed): {}\n\
             transactions lost (not in their block on some node): {}\n\
             transactions in their block everywhere but not found by hash on some node: {}\n\
             longest stall: {:.1} s\n\
             longest resume after a heal: {:.1} s\n\
             heights whose app hash agreed on all {NODES} nodes: {}",
            self.kills + self.pauses + self.splits + self.isolations,
            self.kills,
            self.pauses,
            self.splits,
            self.isolations,
            self.blocks,
            self.committed,
            self.committed - self.purchases,
            self.purchases,
            self.unconfirmed,
            self.lost,
            self.unindexed,
            self.longest_stall.as_secs_f64(),
            self.longest_resume.as_secs_f64(),
            self.heights_checked,
        )
    }
}

/// A committed transaction, as its sender was told.
#[derive(Debug, Clone)]
struct Committed {
    hash: String,
    height: u64,
    /// A purchase (else a transfer).
    purchase: bool,
}

/// The TCP proxy between the nodes' p2p ports: link `(i, j)`, `i < j`, carries both
/// directions of the pair's traffic.
struct Proxy {
    cut: Mutex<BTreeSet<(u16, u16)>>,
    open: Mutex<Vec<((u16, u16), TcpStream)>>,
}

impl Proxy {
    fn link(i: u16, j: u16) -> (u16, u16) {
        (i.min(j), i.max(j))
    }

    /// Listens on `port` and forwards what `from` dials there to `to`'s p2p port.
    fn serve(self: &Arc<Self>, port: u16, from: u16, to: u16, target: u16) {
        let listener = TcpListener::bind(("127.0.0.1", port)).expect("binding a proxy port");
        let proxy = Arc::clone(self);
        std::thread::spawn(move || {
            for conn in listener.incoming() {
                let Ok(conn) = conn else { continue };
                let link = Self::link(from, to);
                if proxy.cut.lock().expect("lock").contains(&link) {
                    let _ = conn.shutdown(Shutdown::Both);
                    continue;
                }
                let Ok(up) = TcpStream::connect(("127.0.0.1", target)) else {
                    continue;
                };
                let (Ok(c2), Ok(u2)) = (conn.try_clone(), up.try_clone()) else {
                    continue;
                };
                {
                    let mut open = proxy.open.lock().expect("lock");
                    open.retain(|(_, s)| s.peer_addr().is_ok());
                    if let (Ok(a), Ok(b)) = (conn.try_clone(), up.try_clone()) {
                        open.push((link, a));
                        open.push((link, b));
                    }
                }
                std::thread::spawn(move || pipe(conn, u2));
                std::thread::spawn(move || pipe(up, c2));
            }
        });
    }

    /// Cuts every link between `a` and `b` (sets of nodes).
    fn cut(&self, a: &[u16], b: &[u16]) {
        let mut cut = self.cut.lock().expect("lock");
        for &i in a {
            for &j in b {
                cut.insert(Self::link(i, j));
            }
        }
        let mut open = self.open.lock().expect("lock");
        for (link, s) in open.iter() {
            if cut.contains(link) {
                let _ = s.shutdown(Shutdown::Both);
            }
        }
        open.retain(|(link, _)| !cut.contains(link));
    }

    fn heal(&self) {
        self.cut.lock().expect("lock").clear();
    }
}

fn pipe(mut from: TcpStream, mut to: TcpStream) {
    let mut buf = [0u8; 16 * 1024];
    loop {
        match from.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => {
                if to.write_all(&buf[..n]).is_err() {
                    break;
                }
            }
        }
    }
    let _ = to.shutdown(Shutdown::Both);
    let _ = from.shutdown(Shutdown::Both);
}

/// Every process (pid) whose command line names node `i`'s home: its `weaved` and
/// its `cometbft`.
fn node_pids(net: &Localnet, i: u16) -> Vec<i32> {
    let home = net.home(i);
    let needle = home.to_string_lossy().into_owned();
    let me = std::process::id() as i32;
    let mut pids = Vec::new();
    let Ok(dir) = std::fs::read_dir("/proc") else {
        return pids;
    };
    for e in dir.flatten() {
        let Some(pid) = e.file_name().to_str().and_then(|s| s.parse::<i32>().ok()) else {
            continue;
        };
        if pid == me {
            continue;
        }
        let cmd = std::fs::read(format!("/proc/{pid}/cmdline")).unwrap_or_default();
        let cmd = String::from_utf8_lossy(&cmd);
        // `weaved start` or `cometbft node` with the home itself or a path inside
        // it as a whole argument (not the load's `weaved tx` commands).
        let args: Vec<&str> = cmd.split('\0').collect();
        if (args.contains(&"start") || args.contains(&"node"))
            && args
                .iter()
                .any(|a| *a == needle || a.starts_with(&format!("{needle}/")))
        {
            pids.push(pid);
        }
    }
    pids
}

fn signal_all(pids: &[i32], sig: nix::sys::signal::Signal) {
    for &p in pids {
        let _ = nix::sys::signal::kill(nix::unistd::Pid::from_raw(p), sig);
    }
}

/// Shared state of the load and the monitor.
struct Shared {
    stop: AtomicBool,
    /// Nodes not to send transactions to now (faulted).
    faulted: Mutex<BTreeSet<u16>>,
    committed: Mutex<Vec<Committed>>,
    unconfirmed: AtomicU64,
    /// Highest height seen on any node, and when it last grew.
    top: Mutex<(u64, Instant)>,
    longest_stall: Mutex<Duration>,
}

/// One transaction of the load.
#[derive(Debug, Clone)]
enum Load {
    /// 1000 uweave to this address.
    Transfer(String),
    /// One token of this content.
    Purchase(u64),
}

/// `user{from}` sends `load` through node `at`; `Some` if it was committed with
/// code 0.
fn send(net_env: &NetEnv, from: u32, load: &Load, at: u16) -> Option<Committed> {
    let from_key = format!("user{from}");
    let args: Vec<String> = match load {
        Load::Transfer(to) => vec![
            "bank".into(),
            "send".into(),
            from_key,
            to.clone(),
            "1000uweave".into(),
        ],
        Load::Purchase(id) => vec![
            "content".into(),
            "purchase".into(),
            id.to_string(),
            "--quantity".into(),
            "1".into(),
            "--from".into(),
            from_key,
        ],
    };
    let mut child = Command::new(weaved_bin())
        .arg("tx")
        .args(&args)
        .args(["--fees", TEST_FEES, "--gas", TEST_GAS, "--wait"])
        .arg("--home")
        .arg(&net_env.home0)
        .args(["--keyring-backend", "test", "--output", "json"])
        // Node `at`'s CometBFT RPC (+1) and gRPC API (+3). (This passed the gRPC URL
        // as `--node` until the CLI's flag check stopped letting it through: every
        // transaction then went through node 0's gRPC, from `home0`'s config.)
        .args([
            "--node",
            &format!("http://127.0.0.1:{}", net_env.base + 10 * at + 1),
            "--grpc",
            &format!("http://127.0.0.1:{}", net_env.base + 10 * at + 3),
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .ok()?;
    let start = Instant::now();
    loop {
        match child.try_wait() {
            Ok(Some(_)) => break,
            Ok(None) if start.elapsed() > Duration::from_secs(45) => {
                let _ = child.kill();
                let _ = child.wait();
                return None;
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(50)),
            Err(_) => return None,
        }
    }
    let mut out = String::new();
    child.stdout.take()?.read_to_string(&mut out).ok()?;
    let v: Value = serde_json::from_str(&out).ok()?;
    if v["code"].as_u64() != Some(0) {
        return None;
    }
    let height = match &v["height"] {
        Value::String(s) => s.parse().ok()?,
        h => h.as_u64()?,
    };
    Some(Committed {
        hash: v["txhash"].as_str()?.to_uppercase(),
        height,
        purchase: matches!(load, Load::Purchase(_)),
    })
}

/// What the sender threads need of the localnet.
#[derive(Clone)]
struct NetEnv {
    home0: std::path::PathBuf,
    base: u16,
    users: Vec<String>,
    /// The content the users buy.
    content: u64,
}

fn rand_below(n: u64) -> u64 {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(7);
    let x = u64::from(nanos).wrapping_mul(6_364_136_223_846_793_005) ^ u64::from(nanos >> 7);
    x % n.max(1)
}

/// Starts the chaos localnet, rewired through the proxy.
fn up() -> (Localnet, Arc<Proxy>) {
    let mut net = Localnet::up_with(
        NODES,
        "500ms",
        // A long liveness window: validators killed or paused are not jailed (two
        // jailed validators of four would halt the chain).
        r#"{"app_state":{"validators":{"params":{"signed_blocks_window":100000}}}}"#,
        &[("LOCALNET_USERS", &USERS.to_string())],
    );
    // Rewire: node i reaches node j through proxy port (i, j); PEX off so they dial
    // nothing else.
    for i in 0..NODES {
        net.stop(i);
    }
    let proxy = Arc::new(Proxy {
        cut: Mutex::new(BTreeSet::new()),
        open: Mutex::new(Vec::new()),
    });
    let ids: Vec<String> = (0..NODES)
        .map(|i| {
            let v: Value = serde_json::from_slice(
                &std::fs::read(net.dir.join(format!("node{i}.init.json"))).expect("init json"),
            )
            .expect("init json");
            let p2p = v["p2p"].as_str().expect("p2p").to_string();
            p2p.split('@').next().expect("id").to_string()
        })
        .collect();
    for i in 0..NODES {
        let mut peers = Vec::new();
        for j in 0..NODES {
            if i == j {
                continue;
            }
            let port = proxy_port();
            proxy.serve(port, i, j, net.base + 10 * j);
            peers.push(format!("{}@127.0.0.1:{port}", ids[usize::from(j)]));
        }
        let config = net.home(i).join("cometbft/config/config.toml");
        let text = std::fs::read_to_string(&config).expect("config.toml");
        let text: String = text
            .lines()
            .map(|l| {
                let line = if l.starts_with("persistent_peers = ") {
                    format!("persistent_peers = \"{}\"", peers.join(","))
                } else if l.starts_with("pex = ") {
                    "pex = false".to_string()
                } else {
                    l.to_string()
                };
                line + "\n"
            })
            .collect();
        std::fs::write(&config, text).expect("config.toml");
        let _ = std::fs::remove_file(net.home(i).join("cometbft/config/addrbook.json"));
    }
    for i in 0..NODES {
        net.start(i);
    }
    let h = net.height(0);
    let start = Instant::now();
    while !(0..NODES).all(|i| net.height(i) > h + 1) {
        assert!(
            start.elapsed() < Duration::from_secs(120),
            "timed out waiting for the rewired localnet to make blocks (heights {:?}, from {h})\n{}",
            (0..NODES).map(|i| net.height(i)).collect::<Vec<_>>(),
            restart_logs(&net)
        );
        std::thread::sleep(Duration::from_millis(300));
    }
    (net, proxy)
}

/// A free port for the proxy, below the localnet's ports (which start at 20,000) and
/// below the kernel's ephemeral range (32,768 and up), where no node's port and no
/// outgoing connection's source port can be: the proxy binds its ports while the nodes
/// are stopped, so a port from the ephemeral range could be one a node binds again.
fn proxy_port() -> u16 {
    for _ in 0..1000 {
        let port = 10_000 + u16::try_from(rand_below(10_000)).unwrap_or(0);
        if TcpListener::bind(("127.0.0.1", port)).is_ok() {
            return port;
        }
    }
    free_port()
}

/// The end of each node's restart logs (`weaved` and CometBFT), for a failure message.
fn restart_logs(net: &Localnet) -> String {
    let mut out = String::new();
    for i in 0..NODES {
        for name in [
            format!("weaved{i}.restart.log"),
            format!("cometbft{i}.restart.log"),
        ] {
            let text =
                std::fs::read_to_string(net.dir.join("logs").join(&name)).unwrap_or_default();
            let lines: Vec<&str> = text.lines().collect();
            out.push_str(&format!("--- {name} (last 15 lines)\n"));
            for l in &lines[lines.len().saturating_sub(15)..] {
                out.push_str(l);
                out.push('\n');
            }
        }
    }
    out
}

/// The checker: what has been verified so far.
struct Checker {
    hashes_upto: u64,
    /// How many of the committed transactions have been taken from the load.
    txs_taken: usize,
    /// Taken but above the heights checked so far.
    pending: Vec<Committed>,
    /// Checked on every node.
    txs_checked: u64,
    /// Reported committed, then not found on some node.
    /// (By hash: the final check reads every transaction again.)
    lost: std::collections::BTreeMap<String, String>,
    /// In its block on every node, but not found by hash on some node.
    unindexed: std::collections::BTreeMap<String, String>,
}

impl Checker {
    /// Waits until every node reaches the highest height now seen, then checks app
    /// hashes up to it, the committed transactions and the supply.
    fn check(&mut self, net: &Localnet, shared: &Shared, what: &str) -> anyhow::Result<()> {
        let target = (0..NODES).map(|i| net.height(i)).max().unwrap_or(0);
        let start = Instant::now();
        while (0..NODES).any(|i| net.height(i) < target) {
            ensure!(
                start.elapsed() < Duration::from_secs(120),
                "after {what}: nodes did not reach height {target} within 120 s: {:?}",
                (0..NODES).map(|i| net.height(i)).collect::<Vec<_>>()
            );
            std::thread::sleep(Duration::from_millis(300));
        }
        // App hashes and block hashes, 20 heights per request.
        let mut from = self.hashes_upto + 1;
        while from <= target {
            let to = (from + 19).min(target);
            let mut first: Option<Vec<(u64, String, String)>> = None;
            for i in 0..NODES {
                let v = net
                    .rpc(i, &format!("/blockchain?minHeight={from}&maxHeight={to}"))
                    .with_context(|| format!("node {i}: blocks {from}..{to}"))?;
                let mut metas: Vec<(u64, String, String)> = v["block_metas"]
                    .as_array()
                    .context("no block_metas")?
                    .iter()
                    .map(|m| {
                        (
                            m["header"]["height"]
                                .as_str()
                                .and_then(|h| h.parse().ok())
                                .unwrap_or(0),
                            m["header"]["app_hash"].as_str().unwrap_or("").to_string(),
                            m["block_id"]["hash"].as_str().unwrap_or("").to_string(),
                        )
                    })
                    .collect();
                metas.sort();
                ensure!(
                    metas.len() as u64 == to - from + 1,
                    "node {i}: {} blocks in {from}..{to}",
                    metas.len()
                );
                match &first {
                    None => first = Some(metas),
                    Some(f) => {
                        for (a, b) in f.iter().zip(&metas) {
                            ensure!(
                                a == b,
                                "after {what}: node 0 and node {i} differ at height {}: {a:?} vs {b:?}",
                                a.0
                            );
                        }
                    }
                }
            }
            from = to + 1;
        }
        self.hashes_upto = target;
        // Every transaction reported committed, by hash on every node.
        {
            let committed = shared.committed.lock().expect("lock");
            self.pending
                .extend(committed[self.txs_taken..].iter().cloned());
            self.txs_taken = committed.len();
        }
        let (now, later): (Vec<Committed>, Vec<Committed>) = std::mem::take(&mut self.pending)
            .into_iter()
            .partition(|tx| tx.height <= target);
        self.pending = later;
        for tx in &now {
            let mut missing = Vec::new();
            let mut unindexed = Vec::new();
            for i in 0..NODES {
                // CometBFT indexes a block's transactions after its commit: a miss is
                // asked again for a few seconds.
                let mut v = net.rpc(i, &format!("/tx?hash=0x{}", tx.hash));
                let found = |v: &anyhow::Result<Value>| {
                    v.as_ref()
                        .ok()
                        .and_then(|v| v["height"].as_str().and_then(|h| h.parse::<u64>().ok()))
                        == Some(tx.height)
                };
                for _ in 0..10 {
                    if found(&v) {
                        break;
                    }
                    std::thread::sleep(Duration::from_millis(500));
                    v = net.rpc(i, &format!("/tx?hash=0x{}", tx.hash));
                }
                if found(&v) {
                    continue;
                }
                // Not found by hash: is it in the block at its height?
                if in_block(net, i, tx)? {
                    unindexed.push(i);
                } else {
                    missing.push(format!("node {i}: {}", short_err(&v)));
                }
            }
            if !missing.is_empty() {
                self.lost.entry(tx.hash.clone()).or_insert(format!(
                    "after {what}: transaction {} committed at {} is not in that block on {missing:?}",
                    tx.hash, tx.height
                ));
            }
            if !unindexed.is_empty() {
                self.unindexed.entry(tx.hash.clone()).or_insert(format!(
                    "after {what}: transaction {} is in block {} but not found by hash (CometBFT's \
                     tx index) on nodes {unindexed:?}",
                    tx.hash, tx.height
                ));
            }
            self.txs_checked += 1;
        }
        check_supply(net).with_context(|| format!("after {what}"))?;
        Ok(())
    }
}

/// Whether `tx` is in the block at its height on node `i` (by the SHA-256 of its
/// bytes).
fn in_block(net: &Localnet, i: u16, tx: &Committed) -> anyhow::Result<bool> {
    use base64::Engine as _;
    use sha2::Digest as _;
    let b = net
        .rpc(i, &format!("/block?height={}", tx.height))
        .with_context(|| format!("node {i}: block {}", tx.height))?;
    let txs = b["block"]["data"]["txs"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    Ok(txs.iter().filter_map(Value::as_str).any(|t| {
        base64::engine::general_purpose::STANDARD
            .decode(t)
            .map(|bytes| hex::encode_upper(sha2::Sha256::digest(bytes)) == tx.hash)
            .unwrap_or(false)
    }))
}

/// The first line of an RPC answer or error.
fn short_err(v: &anyhow::Result<Value>) -> String {
    match v {
        Ok(v) => v.to_string(),
        Err(e) => e.to_string().lines().next().unwrap_or("").to_string(),
    }
}

/// A REST GET on node 0 at `height`.
fn rest(net: &Localnet, path: &str, height: u64) -> anyhow::Result<Value> {
    let sep = if path.contains('?') { '&' } else { '?' };
    let (code, body) = http_get(net.base + 8, &format!("{path}{sep}height={height}"))?;
    ensure!(code == 200, "GET {path} at {height}: {code} {body}");
    Ok(serde_json::from_str(&body)?)
}

fn uweave(coins: &Value) -> u128 {
    coins
        .as_array()
        .into_iter()
        .flatten()
        .find(|c| c["denom"] == "uweave")
        .and_then(|c| c["amount"].as_str().and_then(|a| a.parse().ok()))
        .unwrap_or(0)
}

/// The supply equals the sum of every holder's balance, all read at one height.
///
/// The bank's queries answer at the latest height only, so the reads are repeated
/// until they all succeed at the same height.
fn check_supply(net: &Localnet) -> anyhow::Result<u64> {
    let mut holders: Vec<String> = (1..=USERS).map(|u| net.user(u)).collect();
    holders.extend((0..NODES).map(|i| net.operator(i)));
    for name in MODULE_ACCOUNTS {
        let (code, body) = http_get(
            net.base + 8,
            &format!("/weave/bank/v1/module_account/?name={name}"),
        )?;
        ensure!(code == 200, "module account {name}: {code} {body}");
        let v: Value = serde_json::from_str(&body)?;
        holders.push(v["address"].as_str().context("no address")?.to_string());
    }
    holders.sort();
    holders.dedup();
    let mut last_err = None;
    for _ in 0..100 {
        let attempt = || -> anyhow::Result<(u64, u128, u128)> {
            let height = net.height(0);
            let supply = uweave(&rest(net, "/cosmos/bank/v1beta1/supply", height)?["supply"]);
            let mut sum = 0u128;
            for h in &holders {
                let path = format!("/cosmos/bank/v1beta1/balances/{h}");
                let b = uweave(&rest(net, &path, height)?["balances"]);
                sum = sum.checked_add(b).context("overflow")?;
            }
            Ok((height, supply, sum))
        };
        match attempt() {
            Ok((height, supply, sum)) => {
                ensure!(
                    sum == supply,
                    "at height {height}: supply {supply} but the {} holders hold {sum}",
                    holders.len()
                );
                return Ok(height);
            }
            Err(e) => {
                last_err = Some(e);
                std::thread::sleep(Duration::from_millis(50));
            }
        }
    }
    bail!("no consistent read of the supply: {last_err:?}")
}

/// The chain makes a block within `limit` of now; returns how long it took.
fn resumes(net: &Localnet, limit: Duration, what: &str) -> anyhow::Result<Duration> {
    let top = |net: &Localnet| (0..NODES).map(|i| net.height(i)).max().unwrap_or(0);
    let h = top(net);
    let start = Instant::now();
    // Two blocks: the first may have been agreed before the heal.
    while top(net) < h + 2 {
        ensure!(
            start.elapsed() < limit,
            "after {what}: no new block within {limit:?} (height {h})"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    Ok(start.elapsed())
}

/// Every node's height, each read again (up to 10 times) while it does not answer.
fn heights(net: &Localnet) -> Vec<u64> {
    (0..NODES)
        .map(|i| {
            for _ in 0..10 {
                let h = net.height(i);
                if h > 0 {
                    return h;
                }
                std::thread::sleep(Duration::from_millis(200));
            }
            0
        })
        .collect()
}

/// How long after a cut blocks agreed before it may still arrive.
const CUT_GRACE: Duration = Duration::from_secs(3);

/// One fault.
#[derive(Debug, Clone, Copy)]
enum Fault {
    Kill,
    Pause,
    Split,
    Isolate,
}

/// Runs the chaos suite: starts the localnet, loads and shakes it for
/// `cfg.duration`, checks after every fault and at the end. Fails on the first check
/// that does not hold.
pub fn run(cfg: &Config, log: &mut dyn FnMut(&str)) -> anyhow::Result<Report> {
    let (mut net, proxy) = up();
    log(&format!("localnet up in {}", net.dir.display()));
    // A content for sale (user1's, 1000 uweave a token), and every user's key.
    let file = net.dir.join("chaos-content.bin");
    std::fs::write(
        &file,
        (0..100_000u32)
            .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
            .collect::<Vec<u8>>(),
    )?;
    let creator = format!("{}:10000", net.user(1));
    let file_arg = file.display().to_string();
    let registered = net.tx(
        0,
        0,
        &[
            "content",
            "register",
            "--from",
            "user1",
            "--file",
            &file_arg,
            "--title",
            "chaos",
            "--mime-type",
            "video/mp4",
            "--price",
            "1000",
            "--price-per-gib",
            "25",
            "--recipient",
            &creator,
            "--tier",
            "personal:1",
        ],
    );
    let content = registered["content_id"]
        .as_u64()
        .with_context(|| format!("no content_id in {registered}"))?;
    for u in 1..=USERS {
        net.tx(
            0,
            0,
            &["content", "register-key", "--from", &format!("user{u}")],
        );
    }
    let env = NetEnv {
        home0: net.home(0),
        base: net.base,
        users: (1..=USERS).map(|u| net.user(u)).collect(),
        content,
    };
    let shared = Arc::new(Shared {
        stop: AtomicBool::new(false),
        faulted: Mutex::new(BTreeSet::new()),
        committed: Mutex::new(Vec::new()),
        unconfirmed: AtomicU64::new(0),
        top: Mutex::new((0, Instant::now())),
        longest_stall: Mutex::new(Duration::ZERO),
    });
    let mut threads = Vec::new();
    for u in 1..=USERS {
        let (env, shared) = (env.clone(), Arc::clone(&shared));
        threads.push(std::thread::spawn(move || {
            let mut n = 0u64;
            while !shared.stop.load(Ordering::Relaxed) {
                n += 1;
                // Every third transaction a purchase, the others transfers.
                let load = if n.is_multiple_of(3) {
                    Load::Purchase(env.content)
                } else {
                    Load::Transfer(env.users[usize::try_from(u % USERS).unwrap_or(0)].clone())
                };
                let healthy: Vec<u16> = {
                    let f = shared.faulted.lock().expect("lock");
                    (0..NODES).filter(|i| !f.contains(i)).collect()
                };
                let at = healthy[usize::try_from(rand_below(healthy.len() as u64) + n)
                    .unwrap_or(0)
                    % healthy.len()];
                match send(&env, u, &load, at) {
                    Some(c) => shared.committed.lock().expect("lock").push(c),
                    None => {
                        shared.unconfirmed.fetch_add(1, Ordering::Relaxed);
                        std::thread::sleep(Duration::from_millis(500));
                    }
                }
            }
        }));
    }
    // The monitor: the longest time no node's height grew.
    {
        let shared = Arc::clone(&shared);
        let rpc: Vec<u16> = (0..NODES).map(|i| net.rpc_port(i)).collect();
        threads.push(std::thread::spawn(move || {
            while !shared.stop.load(Ordering::Relaxed) {
                let h = rpc
                    .iter()
                    .filter_map(|p| {
                        crate::rpc_get(*p, "/status").ok().and_then(|s| {
                            s["sync_info"]["latest_block_height"]
                                .as_str()
                                .and_then(|h| h.parse::<u64>().ok())
                        })
                    })
                    .max()
                    .unwrap_or(0);
                let mut top = shared.top.lock().expect("lock");
                let now = Instant::now();
                if h > top.0 {
                    *top = (h, now);
                } else {
                    let stall = now - top.1;
                    let mut longest = shared.longest_stall.lock().expect("lock");
                    *longest = (*longest).max(stall);
                }
                drop(top);
                std::thread::sleep(Duration::from_millis(200));
            }
        }));
    }

    let mut report = Report::default();
    let mut checker = Checker {
        hashes_upto: 0,
        txs_taken: 0,
        pending: Vec::new(),
        txs_checked: 0,
        lost: std::collections::BTreeMap::new(),
        unindexed: std::collections::BTreeMap::new(),
    };
    let result = (|| -> anyhow::Result<()> {
        // Some load before the first fault.
        std::thread::sleep(cfg.fault_every);
        checker.check(&net, &shared, "the start")?;
        let mut others = vec![Fault::Pause];
        if cfg.partitions {
            others.extend([Fault::Split, Fault::Isolate]);
        }
        let schedule: Vec<Fault> = others
            .into_iter()
            .flat_map(|f| std::iter::repeat_n(Fault::Kill, cfg.kills_between).chain([f]))
            .collect();
        let start = Instant::now();
        let mut k = 0usize;
        while start.elapsed() < cfg.duration || k < schedule.len() {
            let fault = schedule[k % schedule.len()];
            k += 1;
            let victim = u16::try_from(rand_below(u64::from(NODES))).unwrap_or(0);
            let began = Instant::now();
            let what = format!("{fault:?} of node {victim}");
            log(&format!("fault {k}: {what}"));
            shared.faulted.lock().expect("lock").insert(victim);
            match fault {
                Fault::Kill => {
                    let pids = node_pids(&net, victim);
                    ensure!(!pids.is_empty(), "node {victim} has no processes to kill");
                    signal_all(&pids, nix::sys::signal::Signal::SIGKILL);
                    // Reap the children this process started.
                    for c in &mut net.extra {
                        if pids.contains(&(c.id() as i32)) {
                            let _ = c.wait();
                        }
                    }
                    net.extra.retain(|c| !pids.contains(&(c.id() as i32)));
                    std::thread::sleep(Duration::from_secs(2));
                    net.start(victim);
                    report.kills += 1;
                }
                Fault::Pause => {
                    let pids = node_pids(&net, victim);
                    signal_all(&pids, nix::sys::signal::Signal::SIGSTOP);
                    std::thread::sleep(cfg.pause_for);
                    signal_all(&pids, nix::sys::signal::Signal::SIGCONT);
                    report.pauses += 1;
                }
                Fault::Split => {
                    let other = (victim + 1 + u16::try_from(rand_below(3)).unwrap_or(0)) % NODES;
                    let a = [victim, other];
                    let b: Vec<u16> = (0..NODES).filter(|i| !a.contains(i)).collect();
                    log(&format!("  partition {a:?} | {b:?}"));
                    proxy.cut(&a, &b);
                    // Neither half has more than 2/3 of the power: once a block
                    // agreed before the cut is out, no node makes another.
                    std::thread::sleep(CUT_GRACE);
                    let before = heights(&net);
                    std::thread::sleep(cfg.partition_for.saturating_sub(CUT_GRACE));
                    let after = heights(&net);
                    proxy.heal();
                    let top = |v: &[u64]| v.iter().copied().max().unwrap_or(0);
                    ensure!(
                        top(&after) == top(&before),
                        "blocks made during the 2 | 2 partition: {before:?} -> {after:?}"
                    );
                    report.splits += 1;
                }
                Fault::Isolate => {
                    let rest: Vec<u16> = (0..NODES).filter(|&i| i != victim).collect();
                    proxy.cut(&[victim], &rest);
                    // The isolated node makes no block; the other three go on.
                    std::thread::sleep(CUT_GRACE);
                    let before = heights(&net);
                    std::thread::sleep(cfg.partition_for.saturating_sub(CUT_GRACE));
                    let after = heights(&net);
                    proxy.heal();
                    let v = usize::from(victim);
                    ensure!(
                        after[v] == before[v],
                        "the isolated node {victim} made blocks: {before:?} -> {after:?}"
                    );
                    ensure!(
                        rest.iter()
                            .any(|&i| after[usize::from(i)] > before[usize::from(i)]),
                        "the three connected nodes made no block while {victim} was isolated: \
                         {before:?} -> {after:?}"
                    );
                    report.isolations += 1;
                }
            }
            let resumed = resumes(&net, cfg.resume_within, &what)?;
            report.longest_resume = report.longest_resume.max(resumed);
            checker.check(&net, &shared, &what)?;
            shared.faulted.lock().expect("lock").remove(&victim);
            log(&format!(
                "  healed; resumed in {:.1} s; checked up to height {}, {} transactions",
                resumed.as_secs_f64(),
                checker.hashes_upto,
                checker.txs_checked
            ));
            if let Some(rest) = cfg.fault_every.checked_sub(began.elapsed()) {
                std::thread::sleep(rest);
            }
        }
        Ok(())
    })();
    shared.stop.store(true, Ordering::Relaxed);
    for t in threads {
        let _ = t.join();
    }
    result.map_err(|e| anyhow::anyhow!("{e:#}\n{}", net.logs()))?;
    // The final check, with every transaction re-read on every node.
    checker.txs_taken = 0;
    checker.pending.clear();
    checker.txs_checked = 0;
    // Index misses count as they stand at the end (lost ones from any check).
    checker.unindexed.clear();
    let h = (0..NODES).map(|i| net.height(i)).max().unwrap_or(0);
    eventually("two more blocks", Duration::from_secs(60), || {
        (0..NODES).map(|i| net.height(i)).min().unwrap_or(0) > h + 1
    });
    checker.check(&net, &shared, "the end")?;
    for l in checker.lost.values().chain(checker.unindexed.values()) {
        log(l);
    }
    ensure!(
        checker.pending.is_empty(),
        "transactions above the last height checked: {:?}",
        checker.pending
    );
    report.blocks = checker.hashes_upto;
    report.heights_checked = checker.hashes_upto;
    report.committed = checker.txs_checked;
    report.purchases = shared
        .committed
        .lock()
        .expect("lock")
        .iter()
        .filter(|c| c.purchase)
        .count() as u64;
    report.unconfirmed = shared.unconfirmed.load(Ordering::Relaxed);
    report.lost = checker.lost.len() as u64;
    report.unindexed = checker.unindexed.len() as u64;
    report.longest_stall = *shared.longest_stall.lock().expect("lock");
    Ok(report)
}
