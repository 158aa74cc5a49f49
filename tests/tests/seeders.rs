//! End-to-end: seeder staking and reputation on the 4-validator localnet, with the
//! availability probes carried in the validators' vote extensions.
//!
//! Node 0 publishes a 12 MiB content; the sidecars of nodes 1, 2 and 3 become the
//! seeders of user1, user2 and user3 (`tx seeders bond`, with each node's sidecar
//! identity). Then:
//! - node 2 is restarted serving corrupted (but signed) slices; node 3 downloads the
//!   content, holds evidence against it, and its validator reports it
//!   (`tx seeders report-bad-slices`): seeder 2 is slashed and jailed, the reporter is
//!   paid its share of the slash;
//! - validators probe the seeders at every probe round through their sidecars; the
//!   honest seeders' probe passes count, and a claimed voucher pays seeder 1 for
//!   bandwidth from a payer;
//! - at the epoch's end, reputation follows the inputs and the epoch reward follows
//!   reputation (seeder 1 earns the most, jailed seeder 2 nothing);
//! - node 3 stops: its seeder fails the validators' probes and is jailed;
//! - every node has the same app hash at the heights checked.
#![allow(clippy::unwrap_used, clippy::disallowed_methods, missing_docs)]

use std::time::Duration;

use serde_json::{json, Value};
use weave_e2e::{
    has_code,
    localnet::{eventually, Localnet},
    TEST_FEE, TEST_FEES, TEST_GAS,
};

const MIB: usize = 1 << 20;
const BOND: u128 = 10_000_000;

fn seeder(net: &Localnet, address: &str) -> Value {
    net.json(0, 0, &["query", "seeders", "show", address])["seeder"].clone()
}

fn number(v: &Value) -> u128 {
    v.as_str()
        .map(|s| s.parse().unwrap())
        .or_else(|| v.as_u64().map(u128::from))
        .unwrap_or(0)
}

fn probe_passes(net: &Localnet, address: &str) -> u128 {
    number(&net.json(0, 0, &["query", "seeders", "epoch", address])["tally"]["probe_passes"])
}

/// `weaved content get` on node `i`, from node `i`'s sidecar, into /dev/null. A
/// sidecar that has not found a provider yet (its DHT still filling) is given a few
/// more tries; what it stored is kept between them.
fn download(net: &Localnet, i: u16, id: &str, key_file: &str) {
    let mut last = String::new();
    for _ in 0..4 {
        let out = net.weaved(
            i,
            i,
            &[
                "content",
                "get",
                id,
                "--key-file",
                key_file,
                "--quiet",
                "--out",
                "/dev/null",
            ],
        );
        if out.status.success() {
            return;
        }
        last = String::from_utf8_lossy(&out.stderr).into_owned();
        std::thread::sleep(Duration::from_secs(1));
    }
    let log =
        std::fs::read_to_string(net.dir.join(format!("logs/weaved{i}.log"))).unwrap_or_default();
    let tail: String = log.lines().rev().take(40).collect::<Vec<_>>().join("\n");
    panic!("node{i} download: {last}\n--- node{i} log (last lines, newest first) ---\n{tail}");
}

/// Bonds `user` as the seeder of content `id` with node `i`'s sidecar identity.
fn bond(net: &Localnet, user: &str, i: u16, id: &str) {
    net.tx(
        0,
        i,
        &[
            "seeders",
            "bond",
            &format!("{BOND}uweave"),
            "--content",
            id,
            "--from",
            user,
        ],
    );
}

/// The events of one type in the block results of `height`, as attribute maps.
fn block_events(net: &Localnet, height: u64, kind: &str) -> Vec<Value> {
    let r = net
        .rpc(0, &format!("/block_results?height={height}"))
        .unwrap();
    r["finalize_block_events"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|e| e["type"] == kind)
        .map(|e| {
            let mut m = serde_json::Map::new();
            for a in e["attributes"].as_array().into_iter().flatten() {
                m.insert(
                    a["key"].as_str().unwrap_or_default().to_string(),
                    a["value"].clone(),
                );
            }
            Value::Object(m)
        })
        .collect()
}

#[test]
fn seeders_earn_reputation_are_probed_and_slashed_for_real() {
    let patch = json!({"app_state": {"seeders": {"params": {
        "probe_interval_blocks": 4,
        "probe_report_delay_blocks": 2,
        "challenges_per_validator": 4,
        "probe_fail_jail_threshold": 2,
        "epoch_blocks": 60,
    }}}});
    let mut net = Localnet::up(4, "500ms", &patch.to_string());
    let (user1, user2, user3) = (net.user(1), net.user(2), net.user(3));

    // Node 0 publishes 12 MiB in 1 MiB slices.
    let file = net.dir.join("film.bin");
    let plaintext: Vec<u8> = (0..12 * MIB)
        .map(|i| (i as u32).wrapping_mul(2_654_435_761).rotate_left(7) as u8)
        .collect();
    std::fs::write(&file, &plaintext).unwrap();
    let added = net.json(
        0,
        0,
        &[
            "content",
            "add",
            file.to_str().unwrap(),
            "--title",
            "Seeded film",
            "--price",
            "1000",
            "--price-per-gib",
            "1000000",
            "--slice-size",
            &MIB.to_string(),
            "--from",
            "validator",
            "--fees",
            TEST_FEES,
            "--gas",
            TEST_GAS,
            "--wait",
        ],
    );
    let id = added["content_id"].as_u64().unwrap().to_string();
    let root = added["root"].as_str().unwrap().to_string();
    let key_file = net.home(0).join(format!("content-keys/{root}.key"));
    let key_file = key_file.to_str().unwrap().to_string();

    // Nodes 1 and 2 fetch it and become the seeders of user1 and user2.
    for i in [1u16, 2] {
        eventually("the content on the node", Duration::from_secs(30), || {
            net.weaved(i, i, &["query", "content", "get", &id])
                .status
                .success()
        });
        download(&net, i, &id, &key_file);
    }
    bond(&net, "user1", 1, &id);
    bond(&net, "user2", 2, &id);
    let s1 = seeder(&net, &user1);
    assert_eq!(number(&s1["bond"]), BOND, "{s1}");

    // Node 2 turns bad: it serves corrupted slices, still signed.
    net.stop(2);
    net.start_with_env(2, &[("WEAVE_SIDECAR_FAULT", "corrupt-slices")]);
    eventually("node 2 back", Duration::from_secs(60), || {
        net.weaved(2, 2, &["content", "ls"]).status.success()
    });

    // Node 3 downloads from nodes 0, 1 and 2, and keeps evidence against node 2. It
    // must be connected to the restarted node 2 first: a download takes the connected
    // peers at once. Nodes 0 and 1 alone can still serve all 12 slices before node 2
    // answers; then node 3 forgets the slices (stopped, its store's directory for the
    // content removed) and fetches again, at most three times.
    let mut records = Vec::new();
    for _ in 0..3 {
        eventually(
            "node 3 connected to the three others",
            Duration::from_secs(60),
            || net.json(3, 3, &["content", "ls"])["connected_peers"].as_u64() >= Some(3),
        );
        download(&net, 3, &id, &key_file);
        let evidence = net.json(3, 3, &["query", "seeders", "evidence"]);
        records = evidence.as_array().cloned().unwrap_or_default();
        if !records.is_empty() {
            break;
        }
        net.stop(3);
        std::fs::remove_dir_all(net.home(3).join("data/slices").join(&root)).unwrap();
        net.start(3);
        eventually("node 3 back", Duration::from_secs(60), || {
            net.weaved(3, 3, &["content", "ls"]).status.success()
        });
    }
    assert!(!records.is_empty(), "no evidence against node 2");
    let reporter = net.operator(3);
    let reporter_before = net.balance(&reporter);
    net.tx(
        3,
        3,
        &["seeders", "report-bad-slices", "--from", "validator"],
    );
    // Each reported slice slashes 10 % of what is left of the bond; half of each
    // slash goes to the reporter, the rest is burned.
    let s2 = seeder(&net, &user2);
    assert_eq!(s2["jailed"], true, "{s2}");
    let (mut bond_left, mut reward) = (BOND, 0u128);
    for _ in &records {
        let slash = bond_left * 1_000 / 10_000;
        reward += slash * 5_000 / 10_000;
        bond_left -= slash;
    }
    assert_eq!(number(&s2["bond"]), bond_left, "{s2}");
    assert_eq!(number(&s2["slashed"]), BOND - bond_left, "{s2}");
    let fees = records.len() as u128 * TEST_FEE;
    assert_eq!(net.balance(&reporter), reporter_before + reward - fees);
    // The same evidence again is refused: every slice was reported already.
    let again = net.weaved(
        3,
        3,
        &[
            "tx",
            "seeders",
            "report-bad-slices",
            "--from",
            "validator",
            "--fees",
            TEST_FEES,
            "--gas",
            TEST_GAS,
            "--wait",
        ],
    );
    let err = String::from_utf8_lossy(&again.stderr);
    assert!(
        !again.status.success() && has_code(&err, "seeders", 19),
        "{err}"
    );

    // The honest seeder 3 joins with node 3's sidecar.
    bond(&net, "user3", 3, &id);

    // Paid bandwidth for seeder 1: node 0's validator opens a channel and pays it.
    let opened = net.tx(
        0,
        0,
        &[
            "channels",
            "open",
            "--deposit",
            "50000000uweave",
            "--expires-in",
            "2000",
            "--from",
            "validator",
        ],
    );
    let channel = opened["channel_id"].as_u64().unwrap().to_string();
    let voucher = net.dir.join("v1.json");
    // Signed offline, with node 0's key ring.
    let signed = std::process::Command::new(weave_e2e::weaved_bin())
        .args([
            "channels",
            "sign-voucher",
            "--from",
            "validator",
            "--channel",
            &channel,
            "--seeder",
            &user1,
            "--content-root",
            &root,
            "--bytes",
            &(12 * MIB).to_string(),
            "--amount",
            "20000000",
            "--nonce",
            "1",
            "--out",
            voucher.to_str().unwrap(),
            "--keyring-backend",
            "test",
            "--home",
        ])
        .arg(net.home(0))
        .output()
        .unwrap();
    assert!(
        signed.status.success(),
        "{}",
        String::from_utf8_lossy(&signed.stderr)
    );
    net.tx(
        0,
        0,
        &[
            "channels",
            "claim",
            "--voucher-file",
            voucher.to_str().unwrap(),
            "--from",
            "user1",
        ],
    );
    // The epoch's inputs count the protocol fee the voucher left in the community pool
    // (2 % of both the seeder's share and the split's part of 20000000), never the
    // amount, part of which may flow back to its payer (issue 15).
    let inputs = net.json(0, 0, &["query", "seeders", "epoch", &user1]);
    assert_eq!(inputs["tally"]["fees"], "400000", "{inputs}");
    assert_eq!(inputs["tally"]["bytes"], 12 * MIB, "{inputs}");

    // Validators probe: the honest seeders pass.
    eventually(
        "probe passes for seeders 1 and 3",
        Duration::from_secs(60),
        || probe_passes(&net, &user1) > 0 && probe_passes(&net, &user3) > 0,
    );

    // The epoch ends: reputation from the inputs, rewards by reputation.
    let epoch_end = net.json(0, 0, &["query", "seeders", "epoch", &user1])["epoch_end_height"]
        .as_str()
        .map(|s| s.parse::<u64>().unwrap())
        .or_else(|| {
            net.json(0, 0, &["query", "seeders", "epoch", &user1])["epoch_end_height"].as_u64()
        })
        .unwrap();
    eventually("the epoch's end", Duration::from_secs(120), || {
        net.height(0) > epoch_end
    });
    let r1 = number(&seeder(&net, &user1)["reputation"]);
    let r3 = number(&seeder(&net, &user3)["reputation"]);
    assert!(
        r1 > r3 && r3 > 0,
        "reputation: seeder 1 {r1}, seeder 3 {r3}"
    );
    let rewards = block_events(&net, epoch_end, "weave.seeders.v1.EventEpochReward");
    let paid: Vec<(String, u128)> = rewards
        .iter()
        .map(|e| {
            (
                e["seeder"].as_str().unwrap().to_string(),
                number(&e["amount"]),
            )
        })
        .collect();
    let amount_of = |who: &str| paid.iter().find(|(s, _)| s == who).map_or(0, |p| p.1);
    assert!(amount_of(&user1) > 0, "epoch rewards: {rewards:?}");
    assert!(amount_of(&user1) >= amount_of(&user3), "{rewards:?}");
    assert_eq!(amount_of(&user2), 0, "a jailed seeder earned: {rewards:?}");

    // Node 3 stops: seeder 3 fails the remaining validators' probes and is jailed.
    net.stop(3);
    eventually("seeder 3 jailed", Duration::from_secs(120), || {
        seeder(&net, &user3)["jailed"] == true
    });

    // The running nodes agree on the app hash.
    let h = net.height(0).saturating_sub(1);
    eventually(
        "nodes 1 and 2 at the height",
        Duration::from_secs(30),
        || (1..3).all(|i| net.height(i) >= h),
    );
    let hash = net.app_hash(0, h);
    for i in 1..3 {
        assert_eq!(net.app_hash(i, h), hash, "node{i} at height {h}");
    }
}
