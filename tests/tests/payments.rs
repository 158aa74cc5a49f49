//! End-to-end: a viewer's downloader pays two seeders slice by slice, and the
//! seeders' nodes claim on their own.
//!
//! Four real nodes of one chain: V, the validator (the viewer's node); A, the
//! creator's node, which publishes a 64 MiB file and serves it for free; B and C, two
//! seeders' nodes with `--sidecar-payout` set, which fetch the content from A (for
//! free) and then serve it only for vouchers. A goes away. Without a channel the
//! viewer is refused; with one, `weaved content get --channel` on V downloads from B
//! and C, paying each verified slice with a cumulative voucher.
//!
//! Seeder 1's `weaved channels claim-daemon` claims as soon as anything is unclaimed
//! (threshold 1); seeder 2's has a threshold it never reaches and no periodic claim, so
//! it claims only because the viewer closes the channel, before the challenge period
//! ends. Then the creator, the collaborator, both seeders and the community pool each
//! hold exactly what the split says, the viewer gets the rest of the deposit back, and
//! a replayed, a forged and a late voucher each fail with their codes.
#![allow(clippy::unwrap_used, clippy::disallowed_methods, missing_docs)]

use std::{
    process::{Child, Command, Stdio},
    time::{Duration, Instant},
};

use base64::{engine::general_purpose::STANDARD as BASE64, Engine};
use prost::Message;
use serde_json::{json, Value};
use weave_e2e::{
    has_code, seeder_net_of_claim, split_80_20_of_claims, weaved_bin, Node, TEST_FEE, TEST_FEES,
    TEST_GAS,
};
use weave_proto::weave::{
    channels::v1::{SignedVoucher, Voucher},
    sidecar::v1::{StatusRequest, VouchersRequest},
};

const MIB: u64 = 1 << 20;
/// 2000 uweave per MiB: every 1 MiB slice costs a whole number of uweave.
const PRICE_PER_GIB: u128 = 2_048_000;
const PER_MIB: u128 = 2_000;
const SLICES: u64 = 64;
const DEPOSIT: u128 = 10_000_000;
const CHALLENGE_BLOCKS: u64 = 20;

fn eventually(what: &str, timeout: Duration, mut check: impl FnMut() -> bool) {
    let start = Instant::now();
    while !check() {
        assert!(start.elapsed() < timeout, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(300));
    }
}

/// `weaved ARGS` with V's home (its key ring holds every key) against `node`.
fn cmd(home: &Node, node: &Node, args: &[&str]) -> Command {
    let mut c = Command::new(weaved_bin());
    c.args(args).arg("--home").arg(home.home_path()).args([
        "--keyring-backend",
        "test",
        "--grpc",
        &node.grpc_url(),
    ]);
    // The sidecar API takes `node`'s token, not the key-holding home's.
    c.env(
        "WEAVE_SIDECAR_TOKEN_FILE",
        node.home_path().join("config/sidecar-token"),
    );
    c
}

fn run_json(mut c: Command, logs: &[&Node]) -> Value {
    let out = c.args(["--output", "json"]).output().unwrap();
    assert!(
        out.status.success(),
        "{c:?}: {}\n{}",
        String::from_utf8_lossy(&out.stderr),
        logs.iter()
            .map(|n| grep_log(n))
            .collect::<Vec<_>>()
            .join("\n")
    );
    serde_json::from_slice(&out.stdout).unwrap_or(Value::Null)
}

/// A node's warnings and errors, for a failure message.
fn grep_log(node: &Node) -> String {
    let text = std::fs::read_to_string(node.home_path().join("weaved.log")).unwrap_or_default();
    let lines: Vec<&str> = text
        .lines()
        .filter(|l| l.contains("WARN") || l.contains("ERROR"))
        .collect();
    lines[lines.len().saturating_sub(20)..].join("\n")
}

/// (slices present, total) of the one content in a node's store.
async fn stored(node: &Node) -> (u64, u64) {
    let mut c = node.sidecar().await.unwrap();
    let s = c.status(StatusRequest {}).await.unwrap().into_inner();
    s.contents
        .first()
        .map_or((0, 0), |c| (c.slices_present, c.slices_total))
}

/// The vouchers a seeder's node holds, decoded.
async fn held(node: &Node) -> Vec<(SignedVoucher, Voucher)> {
    let mut c = node.sidecar().await.unwrap();
    let r = c.vouchers(VouchersRequest {}).await.unwrap().into_inner();
    r.vouchers
        .into_iter()
        .map(|s| {
            let v = Voucher::decode(s.voucher.as_slice()).unwrap();
            (s, v)
        })
        .collect()
}

/// A lane's claimed amount on chain (0 if never claimed).
fn claimed(v: &Node, channel: &str, seeder: &str, root: &str) -> u128 {
    let out = v
        .weaved(&[
            "query", "channels", "lane", channel, seeder, root, "--output", "json",
        ])
        .unwrap();
    if !out.status.success() {
        return 0;
    }
    let lane: Value = serde_json::from_slice(&out.stdout).unwrap();
    let text = lane.to_string();
    lane["lane"]["claimed_amount"]
        .as_str()
        .or_else(|| lane["claimed_amount"].as_str())
        .unwrap_or_else(|| panic!("no claimed_amount in {text}"))
        .parse()
        .unwrap()
}

fn voucher_file(dir: &std::path::Path, name: &str, s: &SignedVoucher) -> String {
    let path = dir.join(name);
    let doc =
        json!({ "voucher": BASE64.encode(&s.voucher), "signature": BASE64.encode(&s.signature) });
    std::fs::write(&path, doc.to_string()).unwrap();
    path.to_str().unwrap().to_string()
}

struct Daemon(Child);

impl Drop for Daemon {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn claim_daemon(v: &Node, node: &Node, from: &str, extra: &[&str], log: &str) -> Daemon {
    let log = std::fs::File::create(v.home_path().join(log)).unwrap();
    let child = cmd(v, node, &["channels", "claim-daemon", "--from", from])
        .args(["--interval", "1", "--fees", TEST_FEES, "--gas", TEST_GAS])
        .args(extra)
        .stdout(Stdio::null())
        .stderr(log)
        .spawn()
        .unwrap();
    Daemon(child)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_download_pays_two_seeders_who_claim_on_their_own() {
    let mut v = Node::init("e2e-payments-1").unwrap();
    let genesis = v.home_path().join("cometbft/config/genesis.json");
    let mut doc: Value = serde_json::from_slice(&std::fs::read(&genesis).unwrap()).unwrap();
    doc["app_state"]["channels"]["params"]["challenge_period_blocks"] = CHALLENGE_BLOCKS.into();
    std::fs::write(&genesis, serde_json::to_vec_pretty(&doc).unwrap()).unwrap();
    // One block a second: on two cores, four nodes and two 64 MiB transfers can put a
    // full node behind, and at the harness's 300 ms blocks one that fell behind in
    // consensus catch-up barely gains on the validator.
    let cometbft_config = v.home_path().join("cometbft/config/config.toml");
    let text = std::fs::read_to_string(&cometbft_config).unwrap();
    assert!(text.contains("timeout_commit = \"300ms\""), "{text}");
    std::fs::write(
        &cometbft_config,
        text.replace("timeout_commit = \"300ms\"", "timeout_commit = \"1s\""),
    )
    .unwrap();
    v.start().unwrap();

    let names = ["creator", "collab", "viewer", "seeder-1", "seeder-2"];
    let addr: Vec<String> = names.iter().map(|n| v.add_key(n)).collect();
    let (creator, collab, viewer, s1, s2) = (&addr[0], &addr[1], &addr[2], &addr[3], &addr[4]);
    for a in [creator, viewer, s1, s2] {
        v.tx(&["bank", "send", "validator", a, "50000000uweave"]);
    }

    // A: the creator's node, serving for free. B and C: paid seeders.
    let mut a = Node::join(&v).unwrap();
    a.start().unwrap();
    // Each serves a peer at most 4 MiB beyond what its vouchers cover.
    let paid_seeder = |payout: &str| {
        let mut n = Node::join_with(&v, &["--sidecar-payout", payout]).unwrap();
        let config = n.home_path().join("config/weaved.toml");
        let text = std::fs::read_to_string(&config).unwrap();
        let text = text.replace(
            &format!("credit_window_bytes = {}", 64 * MIB),
            &format!("credit_window_bytes = {}", 4 * MIB),
        );
        assert!(
            text.contains(&format!("credit_window_bytes = {}", 4 * MIB)),
            "{text}"
        );
        std::fs::write(&config, text).unwrap();
        n.start().unwrap();
        n
    };
    let mut b = paid_seeder(s1);
    let mut c = paid_seeder(s2);

    // The creator publishes 64 MiB through A, split 80/20 with a collaborator.
    // Outside the node's home: `content add` refuses files inside it.
    let files = tempfile::tempdir().unwrap();
    let file = files.path().join("film.bin");
    let plaintext: Vec<u8> = (0..SLICES * MIB)
        .map(|i| (i as u32).wrapping_mul(2_654_435_761).rotate_left(11) as u8)
        .collect();
    std::fs::write(&file, &plaintext).unwrap();
    let added = run_json(
        cmd(
            &v,
            &a,
            &[
                "content",
                "add",
                file.to_str().unwrap(),
                "--title",
                "Paid film",
                "--price",
                "1000",
                "--price-per-gib",
                &PRICE_PER_GIB.to_string(),
                "--slice-size",
                &MIB.to_string(),
                "--recipient",
                &format!("{creator}:8000"),
                "--recipient",
                &format!("{collab}:2000"),
                "--from",
                "creator",
                "--fees",
                TEST_FEES,
                "--gas",
                TEST_GAS,
                "--wait",
            ],
        ),
        &[&a],
    );
    let id = added["content_id"].as_u64().unwrap().to_string();
    let root = added["root"].as_str().unwrap().to_string();
    let key_file = v.home_path().join(format!("content-keys/{root}.key"));
    let key_file = key_file.to_str().unwrap();

    // B and C fetch it from A (free); then A goes away.
    for seeder in [&b, &c] {
        eventually(
            "the content on the seeder's node",
            Duration::from_secs(60),
            || {
                cmd(&v, seeder, &["query", "content", "get", &id])
                    .output()
                    .unwrap()
                    .status
                    .success()
            },
        );
        let out = cmd(
            &v,
            seeder,
            &[
                "content",
                "get",
                &id,
                "--key-file",
                key_file,
                "--quiet",
                "--out",
                "/dev/null",
            ],
        )
        .output()
        .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert_eq!(stored(seeder).await, (SLICES, SLICES));
    }
    a.stop();

    // Without a channel, the paid seeders are not used, and the viewer is told why.
    let out = cmd(
        &v,
        &v,
        &[
            "content",
            "get",
            &id,
            "--key-file",
            key_file,
            "--quiet",
            "--out",
            "/dev/null",
        ],
    )
    .output()
    .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        !out.status.success() && err.contains("payment channel"),
        "{err}"
    );

    // The viewer opens a channel and downloads from B and C, paying as it goes.
    let opened = v.tx(&[
        "channels",
        "open",
        "--deposit",
        &DEPOSIT.to_string(),
        "--expires-in",
        "100000",
        "--from",
        "viewer",
    ]);
    let channel = opened["channel_id"].as_u64().unwrap().to_string();
    let viewer_after_open = v.balance(viewer);
    let out_file = v.home_path().join("film.out");
    let got = run_json(
        cmd(
            &v,
            &v,
            &[
                "content",
                "get",
                &id,
                "--key-file",
                key_file,
                "--from",
                "viewer",
                "--channel",
                &channel,
                "--out",
                out_file.to_str().unwrap(),
            ],
        ),
        &[&v, &b, &c],
    );
    assert_eq!(std::fs::read(&out_file).unwrap(), plaintext);
    assert_eq!(got["bytes_paid"].as_u64(), Some(SLICES * MIB), "{got}");
    assert_eq!(
        got["amount_promised"].as_str(),
        Some((u128::from(SLICES) * PER_MIB).to_string().as_str())
    );

    // Each seeder's node holds one voucher naming it, together covering every byte.
    let (vb, vc) = (held(&b).await, held(&c).await);
    assert_eq!(
        (vb.len(), vc.len()),
        (1, 1),
        "one lane per seeder: {}",
        v.tail_logs()
    );
    let (bytes_1, amount_1) = (
        vb[0].1.cumulative_bytes,
        vb[0].1.cumulative_amount.parse::<u128>().unwrap(),
    );
    let (bytes_2, amount_2) = (
        vc[0].1.cumulative_bytes,
        vc[0].1.cumulative_amount.parse::<u128>().unwrap(),
    );
    assert_eq!(
        (vb[0].1.seeder.as_str(), vc[0].1.seeder.as_str()),
        (s1.as_str(), s2.as_str())
    );
    assert!(
        bytes_1 > 0 && bytes_2 > 0,
        "both seeders served: {bytes_1} / {bytes_2}"
    );
    assert_eq!(bytes_1 + bytes_2, SLICES * MIB);
    assert_eq!(amount_1, u128::from(bytes_1 / MIB) * PER_MIB);
    assert_eq!(amount_2, u128::from(bytes_2 / MIB) * PER_MIB);

    let before: Vec<u128> = addr.iter().map(|a| v.balance(a)).collect();
    let pool = v.cli(&["query", "bank", "module-account", "community_pool"])["address"]
        .as_str()
        .unwrap()
        .to_string();
    let pool_before = v.balance(&pool);

    // Seeder 1 claims at once (threshold 1); seeder 2 waits for a threshold it never
    // reaches, with no periodic claim.
    let _d1 = claim_daemon(&v, &b, "seeder-1", &["--threshold", "1"], "claimd-1.log");
    let _d2 = claim_daemon(
        &v,
        &c,
        "seeder-2",
        &[
            "--threshold",
            "1000000000000",
            "--claim-every",
            "1000000",
            "--closing-margin",
            "25",
        ],
        "claimd-2.log",
    );
    eventually("seeder 1's claim", Duration::from_secs(60), || {
        claimed(&v, &channel, s1, &root) == amount_1
    });
    std::thread::sleep(Duration::from_secs(3));
    assert_eq!(claimed(&v, &channel, s2, &root), 0, "seeder 2 waits");

    // A replayed voucher and a forged one are refused (at CheckTx: no fee).
    let dir = tempfile::tempdir().unwrap();
    let replay = voucher_file(dir.path(), "replay.json", &vb[0].0);
    let err = v.tx_fails(&[
        "channels",
        "claim",
        "--voucher-file",
        &replay,
        "--from",
        "seeder-1",
    ]);
    assert!(has_code(&err, "channels", 14), "{err}");
    let mut forged = vc[0].0.clone();
    forged.signature[0] ^= 1;
    let forged = voucher_file(dir.path(), "forged.json", &forged);
    let err = v.tx_fails(&[
        "channels",
        "claim",
        "--voucher-file",
        &forged,
        "--from",
        "seeder-2",
    ]);
    assert!(has_code(&err, "channels", 13), "{err}");

    // The viewer closes: seeder 2's node claims before the challenge period ends.
    let closed = v.tx(&["channels", "close", &channel, "--from", "viewer"]);
    let settle = closed["settle_height"].as_u64().unwrap();
    let start = Instant::now();
    while claimed(&v, &channel, s2, &root) != amount_2 {
        assert!(
            start.elapsed() < Duration::from_secs(60),
            "seeder 2 did not claim: {}\nheights V {:?} C {:?}, C's peers {:?}\n{}",
            std::fs::read_to_string(v.home_path().join("claimd-2.log")).unwrap_or_default(),
            v.height().ok(),
            c.height().ok(),
            c.rpc("/net_info")
                .ok()
                .map(|n| n["result"]["n_peers"].clone()),
            c.tail_logs()
        );
        std::thread::sleep(Duration::from_millis(300));
    }
    assert!(
        v.height().unwrap() < settle,
        "claimed before the challenge period ended"
    );
    v.wait_for_height(settle + 1, Duration::from_secs(90))
        .unwrap();

    // Exact balances: each claim pays 70 % to its seeder and the rest through the split.
    let (creator_gain, collab_gain, fees) =
        split_80_20_of_claims(&[amount_1, amount_2], creator, collab);
    assert_eq!(
        v.balance(s1),
        before[3] + seeder_net_of_claim(amount_1) - TEST_FEE
    );
    assert_eq!(
        v.balance(s2),
        before[4] + seeder_net_of_claim(amount_2) - TEST_FEE
    );
    assert_eq!(v.balance(creator), before[0] + creator_gain);
    assert_eq!(v.balance(collab), before[1] + collab_gain);
    assert_eq!(v.balance(&pool), pool_before + fees);
    assert_eq!(
        v.balance(viewer),
        viewer_after_open - TEST_FEE + (DEPOSIT - amount_1 - amount_2)
    );
    for (seeder, bytes) in [(s1, bytes_1), (s2, bytes_2)] {
        let earnings = v.cli(&["query", "channels", "earnings", seeder]);
        assert!(
            earnings.to_string().contains(&bytes.to_string()),
            "{earnings}"
        );
    }

    // The daemons drop the settled channel's vouchers from their nodes.
    for seeder in [&b, &c] {
        let start = Instant::now();
        while !held(seeder).await.is_empty() {
            assert!(
                start.elapsed() < Duration::from_secs(30),
                "vouchers of a settled channel kept"
            );
            tokio::time::sleep(Duration::from_millis(300)).await;
        }
    }

    // A voucher claimed after settlement fails.
    let late = dir.path().join("late.json");
    v.local(&[
        "channels",
        "sign-voucher",
        "--from",
        "viewer",
        "--channel",
        &channel,
        "--seeder",
        s2,
        "--content-root",
        &root,
        "--bytes",
        &(bytes_2 + MIB).to_string(),
        "--amount",
        &(amount_2 + PER_MIB).to_string(),
        "--nonce",
        &(vc[0].1.nonce + 1).to_string(),
        "--out",
        late.to_str().unwrap(),
    ]);
    let err = v.tx_fails(&[
        "channels",
        "claim",
        "--voucher-file",
        late.to_str().unwrap(),
        "--from",
        "seeder-2",
    ]);
    assert!(has_code(&err, "channels", 9), "{err}");

    b.stop();
    c.stop();
    v.stop();
}
