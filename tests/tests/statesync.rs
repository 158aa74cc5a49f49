//! End-to-end: state sync (issue 19, item 1).
//!
//! Four validators make blocks 100 ms apart and take a snapshot every 20 blocks. Past
//! height 220, a fifth node made with `weaved init --state-sync <rpc>` joins: CometBFT
//! fetches the latest snapshot over p2p, weaved checks every chunk and the restored
//! root against the app hash the light client trusted, and the node then follows the
//! chain by block sync. It holds no block 1 (it never replayed from genesis), its app
//! hash at the snapshot height is the others', its headers and answers agree with
//! theirs afterwards, and it keeps following new blocks.
#![allow(clippy::unwrap_used, clippy::disallowed_methods, missing_docs)]

use std::{
    process::Command,
    time::{Duration, Instant},
};

use serde_json::Value;
use weave_e2e::{
    localnet::{eventually, Localnet},
    weaved_bin,
};

/// The snapshot interval the validators use.
const INTERVAL: u64 = 20;

fn p2p(net: &Localnet, i: u16) -> String {
    let v: Value =
        serde_json::from_slice(&std::fs::read(net.dir.join(format!("node{i}.init.json"))).unwrap())
            .unwrap();
    v["p2p"].as_str().unwrap().to_string()
}

/// Heights of node `i`'s complete snapshots, and their total chunk bytes.
fn snapshots(net: &Localnet, i: u16) -> Vec<(u64, u64)> {
    let dir = net.home(i).join("data/snapshots");
    let Ok(list) = std::fs::read_dir(&dir) else {
        return Vec::new();
    };
    let mut out: Vec<(u64, u64)> = list
        .filter_map(|e| {
            let e = e.ok()?;
            let height: u64 = e.file_name().to_str()?.parse().ok()?;
            let bytes = std::fs::read_dir(e.path())
                .ok()?
                .filter_map(|f| f.ok())
                .filter(|f| f.file_name().to_string_lossy().starts_with("chunk-"))
                .map(|f| f.metadata().map(|m| m.len()).unwrap_or(0))
                .sum();
            Some((height, bytes))
        })
        .collect();
    out.sort_unstable();
    out
}

/// `text` without terminal colour codes (`ESC [ ... m`).
fn strip_ansi(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        if c == '\u{1b}' {
            for c in chars.by_ref() {
                if c == 'm' {
                    break;
                }
            }
        } else {
            out.push(c);
        }
    }
    out
}

fn status(net: &Localnet, i: u16) -> Option<Value> {
    net.rpc(i, "/status").ok()
}

fn num(v: &Value) -> u64 {
    v.as_str().and_then(|s| s.parse().ok()).unwrap_or(0)
}

#[test]
fn a_new_node_joins_by_state_sync_above_height_200() {
    let mut net = Localnet::up_with(
        4,
        "100ms",
        "",
        &[
            ("LOCALNET_SNAPSHOT_INTERVAL", &INTERVAL.to_string()),
            // Blocks are fast: keep snapshots long enough to be fetched whole.
            ("LOCALNET_SNAPSHOT_KEEP_RECENT", "10"),
        ],
    );
    // Some state besides genesis: transfers between users.
    let user3 = net.user(3);
    net.tx(0, 0, &["bank", "send", "user1", &user3, "1234567uweave"]);
    net.tx(0, 1, &["bank", "send", "user2", &user3, "7654321uweave"]);
    // And social state, which node 4's search index must find without the blocks that
    // wrote it.
    net.tx(
        0,
        0,
        &[
            "social",
            "set-profile",
            "harbour_films",
            "--bio",
            "timelapses of the old lighthouse",
            "--from",
            "user1",
        ],
    );
    let user1 = net.user(1);
    net.tx(0, 0, &["social", "follow", &user3, "--from", "user1"]);

    eventually(
        "a snapshot above height 200 on every validator",
        Duration::from_secs(600),
        || (0..4).all(|i| snapshots(&net, i).last().is_some_and(|(h, _)| *h > 200)),
    );
    for i in 0..4 {
        let list = snapshots(&net, i);
        assert!(
            list.len() <= 10,
            "node {i} keeps at most 10 snapshots: {list:?}"
        );
        assert!(
            list.iter().all(|(h, _)| h.is_multiple_of(INTERVAL)),
            "{list:?}"
        );
    }

    // The fifth node: the chain's genesis, every validator as a peer, state sync from
    // nodes 0 and 1.
    let port = |k: u16| net.base + 40 + k;
    let peers = (0..4).map(|i| p2p(&net, i)).collect::<Vec<_>>().join(",");
    let rpcs = format!(
        "http://127.0.0.1:{},http://127.0.0.1:{}",
        net.rpc_port(0),
        net.rpc_port(1)
    );
    let init = Command::new(weaved_bin())
        .args(["init", "--keyring-backend", "test", "--output", "json"])
        .args(["--key-name", "validator", "--moniker", "node4"])
        .arg("--home")
        .arg(net.home(4))
        .arg("--genesis")
        .arg(net.home(0).join("cometbft/config/genesis.json"))
        .args(["--persistent-peers", &peers])
        .args(["--state-sync", &rpcs])
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
        .args(["--telemetry-laddr", &format!("127.0.0.1:{}", port(6))])
        .args(["--web-laddr", &format!("127.0.0.1:{}", port(7))])
        .output()
        .unwrap();
    assert!(
        init.status.success(),
        "{}",
        String::from_utf8_lossy(&init.stderr)
    );
    std::fs::write(net.dir.join("node4.init.json"), &init.stdout).unwrap();
    let config = std::fs::read_to_string(net.home(4).join("cometbft/config/config.toml")).unwrap();
    let section = config.split("[statesync]").nth(1).unwrap();
    assert!(section.contains("enable = true"), "{section}");
    assert!(
        section.contains(&format!("rpc_servers = \"{rpcs}\"")),
        "{section}"
    );
    assert!(!section.contains("trust_height = 0\n"), "{section}");
    assert!(section.contains("trust_hash = \""), "{section}");
    // CometBFT's own comments stay.
    assert!(section.contains("# "), "{section}");

    let started = Instant::now();
    net.start(4);
    eventually(
        "node 4 to sync and catch up",
        Duration::from_secs(300),
        || {
            status(&net, 4).is_some_and(|s| {
                s["sync_info"]["catching_up"] == false
                    && num(&s["sync_info"]["latest_block_height"]) > 200
            })
        },
    );
    let join = started.elapsed();

    // It restored a snapshot above 200 whose root is the chain's app hash there.
    let log =
        strip_ansi(&std::fs::read_to_string(net.dir.join("logs/weaved4.restart.log")).unwrap());
    let line = log
        .lines()
        .find(|l| l.contains("state-sync snapshot restored"))
        .unwrap_or_else(|| panic!("node 4 restored no snapshot:\n{log}"));
    let field = |name: &str| {
        line.split(&format!("{name}="))
            .nth(1)
            .and_then(|rest| rest.split_whitespace().next())
            .unwrap_or_else(|| panic!("no {name} in {line}"))
            .to_string()
    };
    let height: u64 = field("height").parse().unwrap();
    let restored_hash = field("app_hash");
    assert!(height > 200 && height.is_multiple_of(INTERVAL), "{line}");
    // The header of block h + 1 carries the app hash after block h.
    for i in 0..4 {
        assert_eq!(
            net.app_hash(i, height + 1),
            restored_hash,
            "node {i}'s app hash at the snapshot height"
        );
    }
    let size = snapshots(&net, 0)
        .into_iter()
        .find(|(h, _)| *h == height)
        .map(|(_, bytes)| bytes);

    // It did not replay from genesis: its first block is above the snapshot height.
    let s = status(&net, 4).unwrap();
    let earliest = num(&s["sync_info"]["earliest_block_height"]);
    assert!(
        earliest > height,
        "earliest block {earliest}, snapshot {height}"
    );
    let err = net.rpc(4, "/block?height=1").unwrap_err().to_string();
    assert!(err.contains("height 1"), "{err}");

    // It follows new blocks, with the others' app hashes.
    let target = net.height(0) + 10;
    eventually(
        "node 4 to follow 10 more blocks",
        Duration::from_secs(120),
        || net.height(4) >= target,
    );
    let top = net.height(4).min(net.height(0));
    for h in (earliest..=top).step_by(3).chain([top]) {
        let hashes: Vec<String> = [0, 1, 2, 3, 4]
            .iter()
            .map(|&i| net.app_hash(i, h))
            .collect();
        assert!(
            hashes.iter().all(|x| *x == hashes[0]),
            "app hashes differ at height {h}: {hashes:?}"
        );
    }
    // Its application answers as the others' (no transactions since the transfers).
    let balances = |i: u16| net.json(4, i, &["query", "bank", "balances", &user3]);
    assert_eq!(balances(4), balances(0));
    // Its search index, with no blocks before the snapshot to read, was filled from the
    // state: the profile is found by a word of its bio, and the follow is there.
    let node4_log =
        || strip_ansi(&std::fs::read_to_string(net.dir.join("logs/weaved4.restart.log")).unwrap());
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let found = net.json(4, 4, &["search", "lighthouse"]);
        if found["search"]["profiles"]
            .as_array()
            .is_some_and(|p| p.iter().any(|p| p["handle"] == "harbour_films"))
        {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "node 4's search index did not find the profile: {found}\n{}",
            node4_log()
                .lines()
                .filter(|l| l.contains("search"))
                .collect::<Vec<_>>()
                .join("\n")
        );
        std::thread::sleep(Duration::from_millis(500));
    }
    let feed = net.json(4, 4, &["search", "feed", &user1]);
    assert_eq!(
        feed["feed"]["following"],
        serde_json::json!([user3]),
        "{feed}"
    );
    let log =
        strip_ansi(&std::fs::read_to_string(net.dir.join("logs/weaved4.restart.log")).unwrap());
    assert!(
        log.contains("search index filled from the chain's state"),
        "node 4's search index was not seeded from state"
    );
    // And a transaction sent through it is committed and seen by the validators.
    let before = net.balance(&user3);
    net.tx(0, 4, &["bank", "send", "user1", &user3, "1000uweave"]);
    eventually(
        "the transfer through node 4 on node 0",
        Duration::from_secs(30),
        || net.balance(&user3) == before + 1000,
    );

    println!(
        "state sync: joined at snapshot height {height} ({} bytes of chunks) in {:.1} s \
         from start to caught up; first block held {earliest}",
        size.map_or_else(|| "?".to_string(), |b| b.to_string()),
        join.as_secs_f64()
    );
}
