//! Support for Weave's end-to-end tests: real `weaved` and `cometbft` processes on
//! free loopback ports, driven through their command lines, gRPC and CometBFT RPC.
//!
//! The tests never skip: when CometBFT or the `weaved` binary is missing they fail and
//! say how to get it.
#![allow(clippy::unwrap_used, clippy::disallowed_methods)]

pub mod browser;
pub mod chaos;
pub mod localnet;

use std::{
    io::{Read, Write},
    net::{TcpListener, TcpStream},
    path::{Path, PathBuf},
    process::{Child, Command, Stdio},
    time::{Duration, Instant},
};

use anyhow::{bail, Context};
use weave_proto::weave::sidecar::v1::sidecar_client::SidecarClient;

/// The `weaved` binary built alongside the tests (`target/<profile>/weaved`), or
/// `$WEAVED_BIN`.
pub fn weaved_bin() -> PathBuf {
    if let Some(p) = std::env::var_os("WEAVED_BIN") {
        return PathBuf::from(p);
    }
    let exe = std::env::current_exe().expect("current exe");
    // target/<profile>/deps/<test> -> target/<profile>/weaved
    let profile_dir = exe.parent().and_then(Path::parent).expect("target dir");
    let bin = profile_dir.join("weaved");
    assert!(
        bin.is_file(),
        "weaved binary not found at {}: build it first with `cargo build --workspace --bins` \
         (the README's test command, `bash scripts/test.sh`, does this)",
        bin.display()
    );
    bin
}

/// Fails with install instructions when CometBFT is not installed.
pub fn require_cometbft() -> PathBuf {
    let mut candidates: Vec<PathBuf> = Vec::new();
    if let Some(p) = std::env::var_os("WEAVE_COMETBFT_BIN") {
        candidates.push(PathBuf::from(p));
    }
    if let Some(path) = std::env::var_os("PATH") {
        candidates.extend(std::env::split_paths(&path).map(|d| d.join("cometbft")));
    }
    if let Some(home) = std::env::var_os("HOME") {
        candidates.push(PathBuf::from(home).join("go/bin/cometbft"));
    }
    match candidates.into_iter().find(|p| p.is_file()) {
        Some(p) => p,
        None => panic!(
            "CometBFT v0.38.25 is required for end-to-end tests and was not found on PATH or in ~/go/bin. \
             Install it with `bash scripts/install-cometbft.sh`."
        ),
    }
}

/// A free TCP port on 127.0.0.1 (bound, then released).
pub fn free_port() -> u16 {
    let l = TcpListener::bind("127.0.0.1:0").expect("bind port 0");
    l.local_addr().expect("local addr").port()
}

/// The ports one node listens on.
#[derive(Debug, Clone, Copy)]
pub struct Ports {
    /// ABCI.
    pub abci: u16,
    /// gRPC.
    pub grpc: u16,
    /// CometBFT RPC.
    pub rpc: u16,
    /// CometBFT P2P.
    pub p2p: u16,
    /// The slice sidecar (libp2p TCP).
    pub sidecar: u16,
    /// `weaved`'s `/metrics` and `/health`.
    pub telemetry: u16,
    /// CometBFT's own Prometheus metrics.
    pub cometbft_metrics: u16,
    /// The web application.
    pub web: u16,
    /// The Cosmos REST API.
    pub rest: u16,
}

impl Ports {
    /// Distinct free ports.
    pub fn free() -> Self {
        loop {
            let p = Ports {
                abci: free_port(),
                grpc: free_port(),
                rpc: free_port(),
                p2p: free_port(),
                sidecar: free_port(),
                telemetry: free_port(),
                cometbft_metrics: free_port(),
                web: free_port(),
                rest: free_port(),
            };
            let mut v = [
                p.abci,
                p.grpc,
                p.rpc,
                p.p2p,
                p.sidecar,
                p.telemetry,
                p.cometbft_metrics,
                p.web,
                p.rest,
            ];
            v.sort();
            if v.windows(2).all(|w| w[0] != w[1]) {
                return p;
            }
        }
    }
}

/// A single-node chain: its home, ports and the running `weaved` process.
pub struct Node {
    /// The temporary home; removed on drop.
    pub home: tempfile::TempDir,
    /// Its ports.
    pub ports: Ports,
    /// The chain id.
    pub chain_id: String,
    /// The funded key's address (unfunded on a node that joined a chain).
    pub funded_address: String,
    /// CometBFT's `ID@HOST:PORT`, for peers to dial.
    pub p2p_address: String,
    process: Option<Child>,
}

impl Node {
    /// `weaved init` on fresh ports with the test key ring.
    pub fn init(chain_id: &str) -> anyhow::Result<Self> {
        Self::init_with(chain_id, &[])
    }

    /// A full node of `other`'s chain: its genesis, CometBFT peered with `other`,
    /// and its slice sidecar bootstrapped from `other`'s. `other` must be running.
    pub fn join(other: &Node) -> anyhow::Result<Self> {
        Self::join_with(other, &[])
    }

    /// Like [`Node::join`], with extra `weaved init` flags.
    pub fn join_with(other: &Node, extra: &[&str]) -> anyhow::Result<Self> {
        let genesis = other.home.path().join("cometbft/config/genesis.json");
        let status: serde_json::Value =
            serde_json::from_slice(&other.weaved(&["content", "ls", "--output", "json"])?.stdout)
                .context("the other node's sidecar status")?;
        let peer_id = status["peer_id"].as_str().context("sidecar peer id")?;
        let bootstrap = format!("/ip4/127.0.0.1/tcp/{}/p2p/{peer_id}", other.ports.sidecar);
        Self::init_with(
            &other.chain_id,
            &[
                "--genesis",
                genesis.to_str().context("genesis path")?,
                "--persistent-peers",
                &other.p2p_address,
                "--sidecar-bootstrap",
                &bootstrap,
                "--key-name",
                "viewer",
            ]
            .into_iter()
            .chain(extra.iter().copied())
            .collect::<Vec<_>>(),
        )
    }

    /// `weaved init` on fresh ports with the test key ring and extra flags.
    pub fn init_with(chain_id: &str, extra: &[&str]) -> anyhow::Result<Self> {
        require_cometbft();
        let home = tempfile::tempdir()?;
        let ports = Ports::free();
        let out = Command::new(weaved_bin())
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
            .arg(home.path())
            .args(["--abci-laddr", &format!("127.0.0.1:{}", ports.abci)])
            .args(["--grpc-laddr", &format!("127.0.0.1:{}", ports.grpc)])
            .args([
                "--telemetry-laddr",
                &format!("127.0.0.1:{}", ports.telemetry),
            ])
            .args([
                "--cometbft-metrics-laddr",
                &format!("127.0.0.1:{}", ports.cometbft_metrics),
            ])
            .args(["--rpc-laddr", &format!("127.0.0.1:{}", ports.rpc)])
            .args(["--p2p-laddr", &format!("127.0.0.1:{}", ports.p2p)])
            .args([
                "--sidecar-laddr",
                &format!("/ip4/127.0.0.1/tcp/{}", ports.sidecar),
            ])
            .args(["--web-laddr", &format!("127.0.0.1:{}", ports.web)])
            .args(["--rest-laddr", &format!("127.0.0.1:{}", ports.rest)])
            .args(["--timeout-commit", "300ms"])
            .args(extra)
            .output()?;
        if !out.status.success() {
            bail!(
                "weaved init failed: {}",
                String::from_utf8_lossy(&out.stderr)
            );
        }
        let v: serde_json::Value = serde_json::from_slice(&out.stdout).context("init output")?;
        let funded_address = v["key"]["address"]
            .as_str()
            .context("funded address")?
            .to_string();
        let p2p_address = v["p2p"].as_str().context("p2p address")?.to_string();
        Ok(Self {
            home,
            ports,
            chain_id: chain_id.to_string(),
            funded_address,
            p2p_address,
            process: None,
        })
    }

    /// The home directory.
    pub fn home_path(&self) -> &Path {
        self.home.path()
    }

    /// `weaved start`, then waits until blocks are being made.
    pub fn start(&mut self) -> anyhow::Result<()> {
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(self.home.path().join("weaved.log"))?;
        let child = Command::new(weaved_bin())
            .arg("start")
            .arg("--home")
            .arg(self.home.path())
            .arg("--cometbft-log")
            .arg(self.home.path().join("cometbft.log"))
            .stdin(Stdio::null())
            .stdout(log.try_clone()?)
            .stderr(log)
            .spawn()?;
        self.process = Some(child);
        let h0 = self.wait_for_height(1, Duration::from_secs(60))?;
        self.wait_for_height(h0 + 1, Duration::from_secs(30))?;
        Ok(())
    }

    /// The gRPC endpoint.
    pub fn grpc_url(&self) -> String {
        format!("http://127.0.0.1:{}", self.ports.grpc)
    }

    /// A client of this node's local sidecar API, sending the node's token
    /// (`<home>/config/sidecar-token`, written by `weaved start`).
    pub async fn sidecar(&self) -> anyhow::Result<SidecarApi> {
        let path = self.home.path().join("config").join("sidecar-token");
        let token = std::fs::read_to_string(&path)
            .with_context(|| format!("reading {}", path.display()))?;
        let token = token
            .trim()
            .parse()
            .context("the sidecar token is not a header value")?;
        let channel = tonic::transport::Endpoint::from_shared(self.grpc_url())?
            .connect()
            .await?;
        Ok(SidecarClient::with_interceptor(
            channel,
            SidecarTokenHeader(token),
        ))
    }

    /// Slices present and in all of the first content in this node's slice store.
    pub async fn stored(&self) -> (u64, u64) {
        let mut c = self.sidecar().await.expect("the sidecar API");
        let s = c
            .status(weave_proto::weave::sidecar::v1::StatusRequest {})
            .await
            .expect("sidecar status")
            .into_inner();
        s.contents
            .first()
            .map_or((0, 0), |c| (c.slices_present, c.slices_total))
    }

    /// `content add` of `len` bytes of made-up film (`salt` varies them) in 64 KiB
    /// slices, from a file outside the node's home (which `content add` refuses), by
    /// the funded `validator` key; returns the content id, the plaintext and the
    /// directory holding the file.
    pub fn publish_film(
        &self,
        title: &str,
        len: usize,
        salt: u32,
    ) -> (String, Vec<u8>, tempfile::TempDir) {
        let files = tempfile::tempdir().expect("tempdir");
        let file = files.path().join("film.bin");
        let plaintext: Vec<u8> = (0..len)
            .map(|i| (i as u32).wrapping_mul(2_654_435_761).rotate_left(salt) as u8)
            .collect();
        std::fs::write(&file, &plaintext).expect("writing the film");
        let added = self.cli(&[
            "content",
            "add",
            file.to_str().expect("utf-8 path"),
            "--title",
            title,
            "--price",
            "500",
            "--price-per-gib",
            "10",
            "--slice-size",
            "65536",
            "--from",
            "validator",
            "--fees",
            TEST_FEES,
            "--gas",
            "400000",
            "--wait",
        ]);
        let id = added["content_id"]
            .as_u64()
            .expect("content_id")
            .to_string();
        (id, plaintext, files)
    }

    /// `weaved` with this node's home and the test key ring.
    pub fn weaved(&self, args: &[&str]) -> anyhow::Result<std::process::Output> {
        Ok(Command::new(weaved_bin())
            .args(args)
            .arg("--home")
            .arg(self.home.path())
            .args(["--keyring-backend", "test", "--grpc", &self.grpc_url()])
            .args(["--node", &self.rpc_url()])
            .output()?)
    }

    /// CometBFT's RPC endpoint (what `--node` takes).
    pub fn rpc_url(&self) -> String {
        format!("http://127.0.0.1:{}", self.ports.rpc)
    }

    /// A CometBFT RPC GET, returning the `result` object.
    pub fn rpc(&self, path: &str) -> anyhow::Result<serde_json::Value> {
        rpc_get(self.ports.rpc, path)
    }

    /// The latest block height CometBFT reports.
    pub fn height(&self) -> anyhow::Result<u64> {
        let s = self.rpc("/status")?;
        s["sync_info"]["latest_block_height"]
            .as_str()
            .context("height")?
            .parse()
            .context("height")
    }

    /// Waits until the chain is at least at `height`; returns the height reached.
    pub fn wait_for_height(&self, height: u64, timeout: Duration) -> anyhow::Result<u64> {
        let start = Instant::now();
        loop {
            if let Ok(h) = self.height() {
                if h >= height {
                    return Ok(h);
                }
            }
            if let Some(p) = &mut self.process_ref() {
                let _ = p;
            }
            if start.elapsed() > timeout {
                bail!(
                    "chain did not reach height {height} within {timeout:?}; logs in {}:\n{}",
                    self.home.path().display(),
                    self.tail_logs()
                );
            }
            std::thread::sleep(Duration::from_millis(200));
        }
    }

    fn process_ref(&self) -> Option<&Child> {
        self.process.as_ref()
    }

    /// The last lines of both logs, for failure messages.
    pub fn tail_logs(&self) -> String {
        let mut out = String::new();
        for name in ["weaved.log", "cometbft.log"] {
            let text = std::fs::read_to_string(self.home.path().join(name)).unwrap_or_default();
            let lines: Vec<&str> = text.lines().collect();
            let from = lines.len().saturating_sub(30);
            out.push_str(&format!("--- {name} ---\n{}\n", lines[from..].join("\n")));
        }
        out
    }

    /// The pid of `weaved` and of its `cometbft` child.
    pub fn pids(&self) -> anyhow::Result<(u32, Option<u32>)> {
        let p = self.process.as_ref().context("not started")?;
        let pid = p.id();
        let children =
            std::fs::read_to_string(format!("/proc/{pid}/task/{pid}/children")).unwrap_or_default();
        let child = children
            .split_whitespace()
            .next()
            .and_then(|s| s.parse().ok());
        Ok((pid, child))
    }

    /// `kill -9` of both processes, as a crash would do.
    pub fn kill_hard(&mut self) -> anyhow::Result<()> {
        let (pid, child) = self.pids()?;
        if let Some(c) = child {
            let _ = nix::sys::signal::kill(
                nix::unistd::Pid::from_raw(c as i32),
                nix::sys::signal::Signal::SIGKILL,
            );
        }
        let _ = nix::sys::signal::kill(
            nix::unistd::Pid::from_raw(pid as i32),
            nix::sys::signal::Signal::SIGKILL,
        );
        if let Some(mut p) = self.process.take() {
            let _ = p.wait();
        }
        // Wait until CometBFT is gone too (it holds its database lock).
        if let Some(c) = child {
            let start = Instant::now();
            while Path::new(&format!("/proc/{c}")).exists()
                && start.elapsed() < Duration::from_secs(10)
            {
                std::thread::sleep(Duration::from_millis(50));
            }
        }
        Ok(())
    }

    /// Waits for `weaved` to exit on its own; returns its exit code.
    pub fn wait_exit(&mut self, timeout: Duration) -> anyhow::Result<Option<i32>> {
        let p = self.process.as_mut().context("not started")?;
        let start = Instant::now();
        loop {
            if let Some(status) = p.try_wait()? {
                self.process = None;
                return Ok(status.code());
            }
            if start.elapsed() > timeout {
                bail!("weaved did not exit within {timeout:?}");
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// SIGTERM to `weaved`, which stops CometBFT; waits for both.
    pub fn stop(&mut self) {
        if let Some(mut p) = self.process.take() {
            let _ = nix::sys::signal::kill(
                nix::unistd::Pid::from_raw(p.id() as i32),
                nix::sys::signal::Signal::SIGTERM,
            );
            let start = Instant::now();
            loop {
                if let Ok(Some(_)) = p.try_wait() {
                    break;
                }
                if start.elapsed() > Duration::from_secs(20) {
                    let _ = p.kill();
                    let _ = p.wait();
                    break;
                }
                std::thread::sleep(Duration::from_millis(50));
            }
        }
    }
}

impl Drop for Node {
    fn drop(&mut self) {
        self.stop();
    }
}

/// A plain HTTP GET on loopback: the status code and the body.
pub fn http_get(port: u16, path: &str) -> anyhow::Result<(u16, String)> {
    let mut s = TcpStream::connect(("127.0.0.1", port))?;
    s.set_read_timeout(Some(Duration::from_secs(10)))?;
    write!(s, "GET {path} HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n")?;
    let mut buf = Vec::new();
    s.read_to_end(&mut buf)?;
    let text = String::from_utf8_lossy(&buf);
    let (head, body) = text.split_once("\r\n\r\n").context("no HTTP body")?;
    let code = head
        .split(' ')
        .nth(1)
        .and_then(|c| c.parse().ok())
        .with_context(|| format!("no status in {head:?}"))?;
    Ok((code, body.to_string()))
}

/// An HTTP GET against CometBFT's RPC on loopback, returning the JSON-RPC `result`.
pub fn rpc_get(port: u16, path: &str) -> anyhow::Result<serde_json::Value> {
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
    let v: serde_json::Value =
        serde_json::from_str(body).with_context(|| format!("RPC {path}: {body}"))?;
    if let Some(err) = v.get("error") {
        bail!("RPC {path} failed: {err}");
    }
    Ok(v["result"].clone())
}

/// The fee every CLI transaction of the end-to-end tests pays ([`Node::tx`]), so
/// balances can be checked to the unit.
pub const TEST_FEES: &str = "10000uweave";
/// [`TEST_FEES`] as a number.
pub const TEST_FEE: u128 = 10_000;
/// The gas limit those transactions carry.
pub const TEST_GAS: &str = "400000";

impl Node {
    /// Runs `weaved ARGS --output json` against this node and parses its output,
    /// failing with its stderr and the node's logs.
    pub fn cli(&self, args: &[&str]) -> serde_json::Value {
        let mut full: Vec<&str> = args.to_vec();
        full.extend(["--output", "json"]);
        let out = self.weaved(&full).expect("running weaved");
        assert!(
            out.status.success(),
            "weaved {args:?} failed: {}\n{}",
            String::from_utf8_lossy(&out.stderr),
            self.tail_logs()
        );
        serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
            panic!(
                "weaved {args:?}: bad JSON ({e}): {}",
                String::from_utf8_lossy(&out.stdout)
            )
        })
    }

    fn tx_args<'a>(args: &[&'a str]) -> Vec<&'a str> {
        let mut full: Vec<&str> = vec!["tx"];
        full.extend(args);
        full.extend(["--fees", TEST_FEES, "--gas", TEST_GAS, "--wait"]);
        full
    }

    /// `weaved tx ARGS` with the fixed fee and gas, waiting for its block.
    pub fn tx(&self, args: &[&str]) -> serde_json::Value {
        self.cli(&Self::tx_args(args))
    }

    /// `weaved tx ARGS` that must fail; returns its stderr.
    pub fn tx_fails(&self, args: &[&str]) -> String {
        let out = self.weaved(&Self::tx_args(args)).expect("running weaved");
        assert!(
            !out.status.success(),
            "weaved tx {args:?} should have failed"
        );
        String::from_utf8_lossy(&out.stderr).into_owned()
    }

    /// An offline `weaved` command (home and key ring, no node), parsed as JSON.
    pub fn local(&self, args: &[&str]) -> serde_json::Value {
        let out = Command::new(weaved_bin())
            .args(args)
            .args(["--keyring-backend", "test", "--output", "json"])
            .arg("--home")
            .arg(self.home.path())
            .output()
            .expect("running weaved");
        assert!(
            out.status.success(),
            "weaved {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        serde_json::from_slice(&out.stdout).unwrap_or(serde_json::Value::Null)
    }

    /// Adds a key to this node's test key ring; returns its address.
    pub fn add_key(&self, name: &str) -> String {
        let v = self.local(&["keys", "add", name]);
        v["address"].as_str().expect("key address").to_string()
    }

    /// The uweave balance of an address.
    pub fn balance(&self, address: &str) -> u128 {
        let v = self.cli(&["query", "bank", "balances", address]);
        v["balances"]
            .as_array()
            .expect("balances")
            .iter()
            .find(|c| c["denom"] == "uweave")
            .map_or(0, |c| {
                c["amount"]
                    .as_str()
                    .and_then(|a| a.parse().ok())
                    .expect("amount")
            })
    }
}

/// Whether a CLI error names `codespace:code` (refused at CheckTx or failed in a
/// block).
pub fn has_code(err: &str, codespace: &str, code: u32) -> bool {
    err.contains(&format!("{codespace}:{code}"))
        || err.contains(&format!("codespace {codespace}, code {code}:"))
}

/// `floor(amount × bps / 10000)`.
pub fn bps_of(amount: u128, bps: u128) -> u128 {
    amount * bps / 10_000
}

/// What a seeder keeps of a claim of `amount` under the default channel and split
/// parameters: its 70 % share less the 2 % protocol fee on that share.
pub fn seeder_net_of_claim(amount: u128) -> u128 {
    let share = bps_of(amount, 7000);
    share - bps_of(share, 200)
}

/// What claims of `amounts` pay, under the default channel and split parameters,
/// through an 80/20 split between `creator` and `collab`: the seeders get 70 % and the
/// split the rest, the community pool takes the 2 % protocol fee of both parts, and the
/// split's remainder goes to its first recipient (the lower address). Returns
/// `(creator, collab, pool)`.
pub fn split_80_20_of_claims(amounts: &[u128], creator: &str, collab: &str) -> (u128, u128, u128) {
    let raw = |a: &str| {
        a.parse::<cosmrs::AccountId>()
            .expect("bech32 address")
            .to_bytes()
    };
    let creator_first = raw(creator) < raw(collab);
    let (mut to_creator, mut to_collab, mut pool) = (0, 0, 0);
    for &amount in amounts {
        // The seeder's share pays the protocol fee too (issue 15).
        pool += bps_of(bps_of(amount, 7000), 200);
        let rest = amount - bps_of(amount, 7000);
        let fee = bps_of(rest, 200);
        let net = rest - fee;
        let (c, k) = (bps_of(net, 8000), bps_of(net, 2000));
        let remainder = net - c - k;
        to_creator += c + if creator_first { remainder } else { 0 };
        to_collab += k + if creator_first { 0 } else { remainder };
        pool += fee;
    }
    (to_creator, to_collab, pool)
}

/// A client of a node's sidecar API with its token.
pub type SidecarApi = SidecarClient<
    tonic::service::interceptor::InterceptedService<tonic::transport::Channel, SidecarTokenHeader>,
>;

/// Puts a node's sidecar token in the `x-weave-sidecar-token` header of every call.
#[derive(Debug, Clone)]
pub struct SidecarTokenHeader(tonic::metadata::MetadataValue<tonic::metadata::Ascii>);

impl tonic::service::Interceptor for SidecarTokenHeader {
    fn call(
        &mut self,
        mut request: tonic::Request<()>,
    ) -> Result<tonic::Request<()>, tonic::Status> {
        request
            .metadata_mut()
            .insert("x-weave-sidecar-token", self.0.clone());
        Ok(request)
    }
}
