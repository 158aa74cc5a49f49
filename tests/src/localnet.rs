//! The localnet (`localnet/up N`) as end-to-end tests drive it: started on free
//! ports in a temporary directory, stopped (`localnet/down`) on drop, with helpers to
//! run `weaved` against any node and read CometBFT's RPC.

use std::{
    net::TcpListener,
    path::{Path, PathBuf},
    process::{Child, Command, Stdio},
    time::{Duration, Instant},
};

use serde_json::Value;

use crate::{require_cometbft, rpc_get, weaved_bin, TEST_FEES, TEST_GAS};

/// Polls `check` every 300 ms until it holds, failing after `timeout` with `what`.
pub fn eventually(what: &str, timeout: Duration, mut check: impl FnMut() -> bool) {
    let start = Instant::now();
    while !check() {
        assert!(start.elapsed() < timeout, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(300));
    }
}

/// A base port with `n` nodes' worth of free ports above it (10 per node), between
/// 20,000 and the kernel's ephemeral range (32,768 and up): a node stopped and started
/// again by a test binds its ports again, and a port from the ephemeral range may
/// meanwhile be the source port of some outgoing connection.
pub fn free_base(n: u16) -> u16 {
    for _ in 0..200 {
        let slots = (32_768 - 20_000 - 10 * n) / 10;
        let base = 20_000 + (rand_u16() % slots) * 10;
        let free = (0..n)
            .all(|i| (0..9).all(|k| TcpListener::bind(("127.0.0.1", base + 10 * i + k)).is_ok()));
        if free {
            return base;
        }
    }
    panic!("no free block of ports");
}

fn rand_u16() -> u16 {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .subsec_nanos();
    (nanos ^ std::process::id().rotate_left(16)) as u16
}

/// The running localnet; `localnet/down` on drop.
pub struct Localnet {
    /// The localnet's directory (`LOCALNET_DIR`), inside `_root`.
    pub dir: PathBuf,
    _root: tempfile::TempDir,
    /// The base port: node `i` listens on `base + 10 i` (+0 p2p, +1 RPC, +2 ABCI,
    /// +3 gRPC, +4 sidecar, +5 CometBFT metrics, +6 telemetry, +7 web application,
    /// +8 REST).
    pub base: u16,
    env: Vec<(String, String)>,
    /// Nodes started by the test itself (a restarted or a new node).
    pub extra: Vec<Child>,
    /// What `localnet/up` printed.
    pub printed: String,
}

impl Drop for Localnet {
    fn drop(&mut self) {
        for c in &mut self.extra {
            let _ = nix::sys::signal::kill(
                nix::unistd::Pid::from_raw(c.id() as i32),
                nix::sys::signal::Signal::SIGTERM,
            );
            let _ = c.wait();
        }
        let _ = self.script("down").status();
    }
}

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf()
}

impl Localnet {
    /// `bash localnet/NAME` with this localnet's environment.
    pub fn script(&self, name: &str) -> Command {
        let mut c = Command::new("bash");
        c.arg(repo().join("localnet").join(name));
        for (k, v) in &self.env {
            c.env(k, v);
        }
        c
    }

    /// Node `i`'s home directory.
    pub fn home(&self, i: u16) -> PathBuf {
        self.dir.join(format!("node{i}"))
    }

    /// Node `i`'s CometBFT RPC port.
    pub fn rpc_port(&self, i: u16) -> u16 {
        self.base + 10 * i + 1
    }

    /// Node `i`'s gRPC endpoint.
    pub fn grpc(&self, i: u16) -> String {
        format!("http://127.0.0.1:{}", self.base + 10 * i + 3)
    }

    /// `weaved ARGS` with node `i`'s home, against node `at`.
    pub fn weaved(&self, i: u16, at: u16, args: &[&str]) -> std::process::Output {
        Command::new(weaved_bin())
            .args(args)
            .arg("--home")
            .arg(self.home(i))
            .args(["--keyring-backend", "test", "--grpc", &self.grpc(at)])
            .args(["--output", "json"])
            // The sidecar API takes node `at`'s token, not home `i`'s.
            .env(
                "WEAVE_SIDECAR_TOKEN_FILE",
                self.home(at).join("config/sidecar-token"),
            )
            .output()
            .unwrap()
    }

    /// `weaved ARGS --output json` as [`Localnet::weaved`] runs it; fails the test
    /// with the localnet's status if it fails.
    pub fn json(&self, i: u16, at: u16, args: &[&str]) -> Value {
        let out = self.weaved(i, at, args);
        assert!(
            out.status.success(),
            "weaved {args:?} (home node{i}, node{at}): {}\n{}",
            String::from_utf8_lossy(&out.stderr),
            self.logs()
        );
        serde_json::from_slice(&out.stdout).unwrap_or(Value::Null)
    }

    /// `weaved tx ARGS` with test fees and gas, waiting for its block.
    pub fn tx(&self, i: u16, at: u16, args: &[&str]) -> Value {
        let mut full = vec!["tx"];
        full.extend(args);
        full.extend(["--fees", TEST_FEES, "--gas", TEST_GAS, "--wait"]);
        self.json(i, at, &full)
    }

    /// A CometBFT RPC GET against node `i`.
    pub fn rpc(&self, i: u16, path: &str) -> anyhow::Result<Value> {
        rpc_get(self.rpc_port(i), path)
    }

    /// Node `i`'s latest height (0 while it does not answer).
    pub fn height(&self, i: u16) -> u64 {
        self.rpc(i, "/status")
            .ok()
            .and_then(|s| {
                s["sync_info"]["latest_block_height"]
                    .as_str()
                    .and_then(|h| h.parse().ok())
            })
            .unwrap_or(0)
    }

    /// Consensus addresses (hex) of CometBFT's current validator set, seen by node `i`.
    pub fn cometbft_set(&self, i: u16) -> Vec<String> {
        // Empty while the node is not answering (starting, or just restarted).
        let Ok(v) = self.rpc(i, "/validators?per_page=100") else {
            return Vec::new();
        };
        v["validators"]
            .as_array()
            .map(|list| {
                list.iter()
                    .filter_map(|v| v["address"].as_str().map(str::to_string))
                    .collect()
            })
            .unwrap_or_default()
    }

    /// Consensus addresses (hex) that signed the commit of `height`.
    pub fn signers(&self, i: u16, height: u64) -> Vec<String> {
        let Ok(c) = self.rpc(i, &format!("/commit?height={height}")) else {
            return Vec::new();
        };
        c["signed_header"]["commit"]["signatures"]
            .as_array()
            .map(|list| {
                list.iter()
                    .filter(|s| s["block_id_flag"].as_u64() == Some(2))
                    .filter_map(|s| s["validator_address"].as_str().map(str::to_string))
                    .collect()
            })
            .unwrap_or_default()
    }

    /// The app hash in the header of block `height`, seen by node `i`.
    pub fn app_hash(&self, i: u16, height: u64) -> String {
        let b = self.rpc(i, &format!("/block?height={height}")).unwrap();
        b["block"]["header"]["app_hash"]
            .as_str()
            .unwrap()
            .to_string()
    }

    /// The consensus address (hex, upper case) of node `i`'s validator key.
    pub fn cons_address(&self, i: u16) -> String {
        let key: Value = serde_json::from_slice(
            &std::fs::read(self.home(i).join("cometbft/config/priv_validator_key.json")).unwrap(),
        )
        .unwrap();
        key["address"].as_str().unwrap().to_uppercase()
    }

    /// The operator (account) address of node `i`'s validator.
    pub fn operator(&self, i: u16) -> String {
        let v: Value = serde_json::from_slice(
            &std::fs::read(self.dir.join(format!("node{i}.init.json"))).unwrap(),
        )
        .unwrap();
        v["key"]["address"].as_str().unwrap().to_string()
    }

    /// `weaved init` of an extra full node `i` (numbered past the localnet's
    /// validators, on its own ports `base + 10 i ..`) with node 0's genesis and node 0
    /// as its peer; writes its init JSON to `node{i}.init.json` and returns it. Start
    /// it with [`Localnet::start`].
    pub fn init_extra(&self, i: u16, timeout_commit: &str) -> Value {
        let genesis = self.home(0).join("cometbft/config/genesis.json");
        let node0: Value =
            serde_json::from_slice(&std::fs::read(self.dir.join("node0.init.json")).unwrap())
                .unwrap();
        let p2p0 = node0["p2p"].as_str().unwrap().to_string();
        let port = |k: u16| self.base + 10 * i + k;
        let init = Command::new(weaved_bin())
            .args(["init", "--keyring-backend", "test", "--output", "json"])
            .args(["--key-name", "validator"])
            .arg("--home")
            .arg(self.home(i))
            .arg("--genesis")
            .arg(&genesis)
            .args(["--persistent-peers", &p2p0])
            .args(["--p2p-laddr", &format!("127.0.0.1:{}", port(0))])
            .args(["--rpc-laddr", &format!("127.0.0.1:{}", port(1))])
            .args(["--abci-laddr", &format!("127.0.0.1:{}", port(2))])
            .args(["--grpc-laddr", &format!("127.0.0.1:{}", port(3))])
            .args([
                "--sidecar-laddr",
                &format!("/ip4/127.0.0.1/tcp/{}", port(4)),
            ])
            .args([
                "--cometbft-metrics-laddr",
                &format!("127.0.0.1:{}", port(5)),
            ])
            .args(["--timeout-commit", timeout_commit])
            .output()
            .unwrap();
        assert!(
            init.status.success(),
            "{}",
            String::from_utf8_lossy(&init.stderr)
        );
        std::fs::write(self.dir.join(format!("node{i}.init.json")), &init.stdout).unwrap();
        serde_json::from_slice(&init.stdout).unwrap()
    }

    /// `weaved start` for node `i`, owned by the test.
    pub fn start(&mut self, i: u16) {
        self.start_with_env(i, &[]);
    }

    /// `weaved start` for node `i` with extra environment variables, owned by the
    /// test; its logs go to `logs/weaved{i}.restart.log` (appended).
    pub fn start_with_env(&mut self, i: u16, env: &[(&str, &str)]) {
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(self.dir.join(format!("logs/weaved{i}.restart.log")))
            .unwrap();
        let child = Command::new(weaved_bin())
            .envs(env.iter().copied())
            .arg("start")
            .arg("--home")
            .arg(self.home(i))
            .arg("--cometbft-log")
            .arg(self.dir.join(format!("logs/cometbft{i}.restart.log")))
            .env("PATH", self.env[0].1.clone())
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .unwrap();
        self.extra.push(child);
    }

    /// Stops node `i` (SIGTERM to its `weaved`, which stops its CometBFT) and waits
    /// until it has exited: the node `localnet/up` started, or the last one the test
    /// started for it.
    pub fn stop(&mut self, i: u16) {
        let restarted = self.extra.iter().rposition(|c| {
            // A child started by this test for node `i`: its home is in its args.
            let cmdline = std::fs::read(format!("/proc/{}/cmdline", c.id())).unwrap_or_default();
            let home = self.home(i);
            String::from_utf8_lossy(&cmdline).contains(&*home.to_string_lossy())
        });
        let pid = match restarted {
            Some(k) => self.extra[k].id() as i32,
            None => self.pid(i),
        };
        let pid = nix::unistd::Pid::from_raw(pid);
        let _ = nix::sys::signal::kill(pid, nix::sys::signal::Signal::SIGTERM);
        match restarted {
            Some(k) => {
                let mut child = self.extra.remove(k);
                let _ = child.wait();
            }
            None => eventually("the node to exit", Duration::from_secs(30), || {
                nix::sys::signal::kill(pid, None).is_err()
            }),
        }
    }

    /// The address of `user{n}`, a funded key of node 0's key ring.
    pub fn user(&self, n: u32) -> String {
        let v: Value =
            serde_json::from_slice(&std::fs::read(self.dir.join(format!("user{n}.json"))).unwrap())
                .unwrap();
        v["address"].as_str().unwrap().to_string()
    }

    /// `who`'s uweave balance, as node 0 answers.
    pub fn balance(&self, who: &str) -> u128 {
        let v = self.json(0, 0, &["query", "bank", "balances", who]);
        v["balances"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["denom"] == "uweave")
            .map_or(0, |c| c["amount"].as_str().unwrap().parse().unwrap())
    }

    /// The pid the localnet started node `i` with.
    pub fn pid(&self, i: u16) -> i32 {
        let pids = std::fs::read_to_string(self.dir.join("pids")).unwrap();
        pids.lines()
            .nth(usize::from(i))
            .unwrap()
            .trim()
            .parse()
            .unwrap()
    }

    /// What `localnet/status` prints, for failure messages.
    pub fn logs(&self) -> String {
        let out = self.script("status").output().unwrap();
        String::from_utf8_lossy(&out.stdout).into_owned()
    }
}

impl Localnet {
    /// Runs `localnet/up n` on free ports in a new temporary directory, with blocks
    /// `timeout_commit` apart and `genesis_patch` (JSON merged into the genesis, or
    /// empty) applied. Fails the test, with the script's output, if it fails.
    pub fn up(n: u16, timeout_commit: &str, genesis_patch: &str) -> Self {
        Self::up_with(n, timeout_commit, genesis_patch, &[])
    }

    /// [`Localnet::up`] with more of `localnet/up`'s knobs (`LOCALNET_…` variables).
    pub fn up_with(
        n: u16,
        timeout_commit: &str,
        genesis_patch: &str,
        knobs: &[(&str, &str)],
    ) -> Self {
        let cometbft = require_cometbft();
        let path = format!(
            "{}:{}",
            cometbft.parent().unwrap().display(),
            std::env::var("PATH").unwrap_or_default()
        );
        let root = tempfile::tempdir().unwrap();
        let base = free_base(n + 1);
        let dir = root.path().join("net");
        let mut env = vec![
            ("PATH".to_string(), path),
            ("WEAVED".into(), weaved_bin().display().to_string()),
            ("LOCALNET_DIR".into(), dir.display().to_string()),
            ("LOCALNET_BASE_PORT".into(), base.to_string()),
            ("LOCALNET_TIMEOUT_COMMIT".into(), timeout_commit.to_string()),
        ];
        env.extend(knobs.iter().map(|(k, v)| (k.to_string(), v.to_string())));
        if !genesis_patch.is_empty() {
            let patch = root.path().join("patch.json");
            std::fs::write(&patch, genesis_patch).unwrap();
            env.push(("LOCALNET_GENESIS_PATCH".into(), patch.display().to_string()));
        }
        let mut net = Localnet {
            env,
            dir,
            _root: root,
            base,
            extra: Vec::new(),
            printed: String::new(),
        };
        let up = net.script("up").arg(n.to_string()).output().unwrap();
        assert!(
            up.status.success(),
            "localnet/up failed: {}\n{}",
            String::from_utf8_lossy(&up.stdout),
            String::from_utf8_lossy(&up.stderr)
        );
        net.printed = String::from_utf8_lossy(&up.stdout).into_owned();
        net
    }
}
