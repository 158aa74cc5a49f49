//! End-to-end: the 4-validator localnet (`localnet/up 4`), with validators held to
//! account.
//!
//! The localnet starts on free ports in a temporary directory, with a short liveness
//! window and jail time (a genesis patch). Then:
//! - all four validators sign blocks;
//! - a delegator delegates to node 1's validator, earns rewards and withdraws them;
//! - node 3 is stopped: it is jailed for downtime and CometBFT drops it from the
//!   validator set; restarted and unjailed after the jail time, it signs again;
//! - a fifth node joins the chain and becomes a validator with `MsgCreateValidator`,
//!   and its signature shows up in commits;
//! - every node has the same app hash at every height checked.
#![allow(clippy::unwrap_used, clippy::disallowed_methods, missing_docs)]

use std::{
    net::TcpListener,
    path::{Path, PathBuf},
    process::{Child, Command, Stdio},
    time::{Duration, Instant},
};

use serde_json::Value;
use weave_e2e::{require_cometbft, rpc_get, weaved_bin, TEST_FEES, TEST_GAS};

/// Polls `check` every 300 ms until it holds, failing after `timeout` with `what`.
fn eventually(what: &str, timeout: Duration, mut check: impl FnMut() -> bool) {
    let start = Instant::now();
    while !check() {
        assert!(start.elapsed() < timeout, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(300));
    }
}

/// A base port with `n` nodes' worth of free ports above it (10 per node).
fn free_base(n: u16) -> u16 {
    for _ in 0..200 {
        let base = 20_000 + (rand_u16() % 3_000) * 10;
        let free = (0..n)
            .all(|i| (0..5).all(|k| TcpListener::bind(("127.0.0.1", base + 10 * i + k)).is_ok()));
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
struct Localnet {
    /// The localnet's directory (`LOCALNET_DIR`), inside `_root`.
    dir: PathBuf,
    _root: tempfile::TempDir,
    base: u16,
    env: Vec<(String, String)>,
    /// Nodes started by the test itself (a restarted or a new node).
    extra: Vec<Child>,
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
    fn script(&self, name: &str) -> Command {
        let mut c = Command::new("bash");
        c.arg(repo().join("localnet").join(name));
        for (k, v) in &self.env {
            c.env(k, v);
        }
        c
    }

    fn home(&self, i: u16) -> PathBuf {
        self.dir.join(format!("node{i}"))
    }

    fn rpc_port(&self, i: u16) -> u16 {
        self.base + 10 * i + 1
    }

    fn grpc(&self, i: u16) -> String {
        format!("http://127.0.0.1:{}", self.base + 10 * i + 3)
    }

    /// `weaved ARGS` with node `i`'s home, against node `at`.
    fn weaved(&self, i: u16, at: u16, args: &[&str]) -> std::process::Output {
        Command::new(weaved_bin())
            .args(args)
            .arg("--home")
            .arg(self.home(i))
            .args(["--keyring-backend", "test", "--node", &self.grpc(at)])
            .args(["--output", "json"])
            .output()
            .unwrap()
    }

    fn json(&self, i: u16, at: u16, args: &[&str]) -> Value {
        let out = self.weaved(i, at, args);
        assert!(
            out.status.success(),
            "weaved {args:?} (home node{i}, node{at}): {}\n{}",
            String::from_utf8_lossy(&out.stderr),
            self.logs()
        );
        serde_json::from_slice(&out.stdout).unwrap_or(Value::Null)
    }

    fn tx(&self, i: u16, at: u16, args: &[&str]) -> Value {
        let mut full = vec!["tx"];
        full.extend(args);
        full.extend(["--fees", TEST_FEES, "--gas", TEST_GAS, "--wait"]);
        self.json(i, at, &full)
    }

    fn rpc(&self, i: u16, path: &str) -> anyhow::Result<Value> {
        rpc_get(self.rpc_port(i), path)
    }

    fn height(&self, i: u16) -> u64 {
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
    fn cometbft_set(&self, i: u16) -> Vec<String> {
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
    fn signers(&self, i: u16, height: u64) -> Vec<String> {
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

    fn app_hash(&self, i: u16, height: u64) -> String {
        let b = self.rpc(i, &format!("/block?height={height}")).unwrap();
        b["block"]["header"]["app_hash"]
            .as_str()
            .unwrap()
            .to_string()
    }

    /// The consensus address (hex, upper case) of node `i`'s validator key.
    fn cons_address(&self, i: u16) -> String {
        let key: Value = serde_json::from_slice(
            &std::fs::read(self.home(i).join("cometbft/config/priv_validator_key.json")).unwrap(),
        )
        .unwrap();
        key["address"].as_str().unwrap().to_uppercase()
    }

    fn operator(&self, i: u16) -> String {
        let v: Value = serde_json::from_slice(
            &std::fs::read(self.dir.join(format!("node{i}.init.json"))).unwrap(),
        )
        .unwrap();
        v["key"]["address"].as_str().unwrap().to_string()
    }

    /// `weaved start` for node `i`, owned by the test.
    fn start(&mut self, i: u16) {
        let log =
            std::fs::File::create(self.dir.join(format!("logs/weaved{i}.restart.log"))).unwrap();
        let child = Command::new(weaved_bin())
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

    /// The pid the localnet started node `i` with.
    fn pid(&self, i: u16) -> i32 {
        let pids = std::fs::read_to_string(self.dir.join("pids")).unwrap();
        pids.lines()
            .nth(usize::from(i))
            .unwrap()
            .trim()
            .parse()
            .unwrap()
    }

    fn logs(&self) -> String {
        let out = self.script("status").output().unwrap();
        String::from_utf8_lossy(&out.stdout).into_owned()
    }
}

fn validator<'a>(list: &'a Value, operator: &str) -> &'a Value {
    list["validators"]
        .as_array()
        .unwrap_or_else(|| panic!("no validators in {list}"))
        .iter()
        .find(|v| v["operator"].as_str() == Some(operator))
        .unwrap_or_else(|| panic!("no validator {operator} in {list}"))
}

#[test]
fn four_validators_are_held_to_account() {
    let cometbft = require_cometbft();
    let path = format!(
        "{}:{}",
        cometbft.parent().unwrap().display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let root = tempfile::tempdir().unwrap();
    let patch = root.path().join("patch.json");
    std::fs::write(
        &patch,
        r#"{"app_state":{"validators":{"params":{
            "signed_blocks_window":10,"min_signed_per_window_bps":5000,
            "downtime_jail_seconds":5,"unbonding_time_seconds":30}}}}"#,
    )
    .unwrap();
    let base = free_base(5);
    let dir = root.path().join("net");
    let mut net = Localnet {
        env: vec![
            ("PATH".into(), path),
            ("WEAVED".into(), weaved_bin().display().to_string()),
            ("LOCALNET_DIR".into(), dir.display().to_string()),
            ("LOCALNET_BASE_PORT".into(), base.to_string()),
            ("LOCALNET_TIMEOUT_COMMIT".into(), "500ms".into()),
            ("LOCALNET_GENESIS_PATCH".into(), patch.display().to_string()),
        ],
        dir,
        _root: root,
        base,
        extra: Vec::new(),
    };
    let up = net.script("up").arg("4").output().unwrap();
    assert!(
        up.status.success(),
        "localnet/up failed: {}\n{}",
        String::from_utf8_lossy(&up.stdout),
        String::from_utf8_lossy(&up.stderr)
    );
    let printed = String::from_utf8_lossy(&up.stdout);
    assert!(
        printed.contains("node3") && printed.contains("http://127.0.0.1:"),
        "{printed}"
    );

    // All four validators are in CometBFT's set and sign.
    let cons: Vec<String> = (0..4).map(|i| net.cons_address(i)).collect();
    eventually(
        "four validators in the set",
        Duration::from_secs(30),
        || net.cometbft_set(0).len() == 4,
    );
    net.json(0, 0, &["query", "validators", "list"]);
    eventually(
        "a commit signed by all four",
        Duration::from_secs(30),
        || {
            let top = net.height(0);
            top > 1 && {
                let signed = net.signers(0, top - 1);
                cons.iter().all(|c| signed.contains(c))
            }
        },
    );

    // A delegator delegates to node 1's validator and earns rewards.
    let op1 = net.operator(1);
    net.tx(
        0,
        0,
        &[
            "validators",
            "delegate",
            &op1,
            "50000000uweave",
            "--from",
            "user1",
        ],
    );
    let user1 = String::from_utf8_lossy(
        &Command::new(weaved_bin())
            .args([
                "keys",
                "show",
                "user1",
                "--address",
                "--keyring-backend",
                "test",
                "--home",
            ])
            .arg(net.home(0))
            .output()
            .unwrap()
            .stdout,
    )
    .trim()
    .to_string();
    let rewards = |net: &Localnet| -> u128 {
        let r = net.json(0, 0, &["query", "validators", "rewards", &user1]);
        r["total_rewards"]
            .as_str()
            .unwrap_or_else(|| panic!("no total_rewards in {r}"))
            .trim_end_matches("uweave")
            .parse()
            .unwrap()
    };
    eventually("the delegator's rewards", Duration::from_secs(30), || {
        rewards(&net) > 0
    });
    let balance = |net: &Localnet, who: &str| -> u128 {
        let v = net.json(0, 0, &["query", "bank", "balances", who]);
        v["balances"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["denom"] == "uweave")
            .map_or(0, |c| c["amount"].as_str().unwrap().parse().unwrap())
    };
    let before = balance(&net, &user1);
    let withdrawn = net.tx(0, 0, &["validators", "withdraw-rewards", "--from", "user1"]);
    let paid: u128 = withdrawn["rewards_paid"]
        .as_str()
        .unwrap_or_else(|| panic!("no rewards_paid in {withdrawn}"))
        .trim_end_matches("uweave")
        .parse()
        .unwrap();
    assert!(paid > 0, "{withdrawn}");
    assert_eq!(balance(&net, &user1), before - weave_e2e::TEST_FEE + paid);

    // Node 3 stops: jailed for downtime, out of CometBFT's set.
    let op3 = net.operator(3);
    nix::sys::signal::kill(
        nix::unistd::Pid::from_raw(net.pid(3)),
        nix::sys::signal::Signal::SIGTERM,
    )
    .unwrap();
    eventually("node 3 jailed", Duration::from_secs(60), || {
        let list = net.json(0, 0, &["query", "validators", "list"]);
        validator(&list, &op3)["jailed"].as_bool() == Some(true)
    });
    eventually(
        "node 3 out of CometBFT's set",
        Duration::from_secs(30),
        || !net.cometbft_set(0).contains(&cons[3]),
    );
    assert_eq!(net.cometbft_set(0).len(), 3);

    // Restarted and, after the jail time, unjailed: it signs again.
    net.start(3);
    eventually("node 3 to catch up", Duration::from_secs(60), || {
        net.height(3) + 2 >= net.height(0)
    });
    std::thread::sleep(Duration::from_secs(5));
    net.tx(3, 3, &["validators", "unjail", "--from", "validator"]);
    eventually(
        "node 3 back in CometBFT's set",
        Duration::from_secs(30),
        || net.cometbft_set(0).contains(&cons[3]),
    );
    let h = net.height(0);
    eventually("node 3 signing again", Duration::from_secs(30), || {
        let top = net.height(0);
        top > h + 1 && net.signers(0, top - 1).contains(&cons[3])
    });

    // A fifth node joins and becomes a validator with MsgCreateValidator.
    let genesis = net.home(0).join("cometbft/config/genesis.json");
    let p2p0 = {
        let v: Value =
            serde_json::from_slice(&std::fs::read(net.dir.join("node0.init.json")).unwrap())
                .unwrap();
        v["p2p"].as_str().unwrap().to_string()
    };
    let port = |k: u16| base + 40 + k;
    let init = Command::new(weaved_bin())
        .args([
            "init",
            "--keyring-backend",
            "test",
            "--output",
            "json",
            "--key-name",
            "validator",
        ])
        .arg("--home")
        .arg(net.home(4))
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
        .args(["--timeout-commit", "500ms"])
        .output()
        .unwrap();
    assert!(
        init.status.success(),
        "{}",
        String::from_utf8_lossy(&init.stderr)
    );
    let v4: Value = serde_json::from_slice(&init.stdout).unwrap();
    let op4 = v4["key"]["address"].as_str().unwrap().to_string();
    std::fs::write(net.dir.join("node4.init.json"), &init.stdout).unwrap();
    net.start(4);
    net.tx(0, 0, &["bank", "send", "user2", &op4, "200000000uweave"]);
    eventually("node 4 to catch up", Duration::from_secs(90), || {
        net.height(4) + 2 >= net.height(0)
    });
    net.tx(
        4,
        4,
        &[
            "validators",
            "create",
            "--amount",
            "100000000uweave",
            "--moniker",
            "node4",
            "--from",
            "validator",
        ],
    );
    let cons4 = net.cons_address(4);
    eventually("node 4 in CometBFT's set", Duration::from_secs(30), || {
        net.cometbft_set(0).contains(&cons4)
    });
    let h = net.height(0);
    eventually("node 4 signing", Duration::from_secs(30), || {
        let top = net.height(0);
        top > h + 1 && net.signers(0, top - 1).contains(&cons4)
    });
    let list = net.json(0, 0, &["query", "validators", "list"]);
    assert_eq!(
        validator(&list, &op4)["jailed"].as_bool(),
        Some(false),
        "{list}"
    );

    // The same app hash on every node at every height checked.
    let top = (0..5).map(|i| net.height(i)).min().unwrap();
    assert!(top > 10, "chain too short: {top}");
    for height in (1..=top).step_by(3).chain([top]) {
        let hashes: Vec<String> = (0..5).map(|i| net.app_hash(i, height)).collect();
        assert!(
            hashes.iter().all(|h| *h == hashes[0]),
            "app hashes differ at height {height}: {hashes:?}"
        );
    }
}
