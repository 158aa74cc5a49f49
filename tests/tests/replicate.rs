//! End-to-end: a seeder replicates content it cannot read (issue 15, item 5).
//!
//! Node A (the validator) publishes a file with `weaved content add`. Node B joins A's
//! chain and runs `weaved content seed ID`: it holds no key and no access right, so
//! its sidecar fetches the ciphertext from A, verifies every slice against the
//! registered root, and seeds it. Then A is restarted with its slice store wiped and
//! its sidecar bootstrapped from B's, so that B is the only holder. A buyer on A buys
//! access, gets the key from the creator and downloads: every slice comes from B, and
//! the plaintext is byte-identical.
#![allow(clippy::unwrap_used, clippy::disallowed_methods, missing_docs)]

use std::{
    process::Command,
    time::{Duration, Instant},
};

use serde_json::Value;
use weave_e2e::{weaved_bin, Node};
use weave_proto::weave::sidecar::v1::StatusRequest;

const SLICE: usize = 65_536;
const SLICES: usize = 24;

/// Polls `check` every 200 ms until it holds, failing after `timeout`.
fn eventually(what: &str, timeout: Duration, mut check: impl FnMut() -> bool) {
    let start = Instant::now();
    while !check() {
        assert!(start.elapsed() < timeout, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(200));
    }
}

/// (slices present, slices total) of the one content in a node's slice store.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_seeder_without_key_or_access_replicates_and_serves_a_buyer() {
    let mut a = Node::init("e2e-replicate-1").unwrap();
    a.start().unwrap();

    // A publishes a file (from outside its home).
    let (id, plaintext, files) = a.publish_film("Replicated film", SLICE * SLICES - 777, 5);
    assert_eq!(a.stored().await, (SLICES as u64, SLICES as u64));

    // B joins and seeds the content: no key, no purchase, nothing in its store.
    let mut b = Node::join(&a).unwrap();
    b.start().unwrap();
    assert_eq!(b.stored().await, (0, 0));
    assert!(!b.home_path().join("content-keys").exists());
    let seeded = b.cli(&["content", "seed", &id]);
    assert_eq!(seeded["fetched"], true, "{seeded}");
    assert_eq!(seeded["slices_rejected"], 0, "{seeded}");
    assert!(seeded["bytes_fetched"].as_u64().unwrap() >= plaintext.len() as u64);
    assert_eq!(b.stored().await, (SLICES as u64, SLICES as u64));
    // B's viewer never had access: no key was delivered to it.
    let viewer = b.funded_address.clone();
    assert!(!b
        .weaved(&["query", "content", "sealed-key", &id, &viewer])
        .unwrap()
        .status
        .success());
    // Seeding again needs no fetch.
    let again = b.cli(&["content", "seed", &id]);
    assert_eq!(again["fetched"], false, "{again}");

    // A forgets the slices and restarts with B as its only sidecar peer.
    let b_peer = b
        .sidecar()
        .await
        .unwrap()
        .status(StatusRequest {})
        .await
        .unwrap()
        .into_inner()
        .peer_id;
    a.stop();
    std::fs::remove_dir_all(a.home_path().join("data/slices")).unwrap();
    let config = a.home_path().join("config/weaved.toml");
    let text = std::fs::read_to_string(&config).unwrap();
    let bootstrap = format!(
        "bootstrap = [\"/ip4/127.0.0.1/tcp/{}/p2p/{b_peer}\"]",
        b.ports.sidecar
    );
    let text: String = text
        .lines()
        .map(|line| {
            if line.starts_with("bootstrap") {
                bootstrap.clone()
            } else {
                line.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join("\n");
    assert!(text.contains(&bootstrap), "{text}");
    std::fs::write(&config, text).unwrap();
    a.start().unwrap();
    assert_eq!(a.stored().await, (0, 0));

    // A buyer on A buys access; the creator delivers the key; the buyer downloads,
    // from B, the only holder.
    let keys_add = Command::new(weaved_bin())
        .args(["keys", "add", "buyer", "--keyring-backend", "test"])
        .args(["--output", "json", "--home"])
        .arg(a.home_path())
        .output()
        .unwrap();
    assert!(
        keys_add.status.success(),
        "{}",
        String::from_utf8_lossy(&keys_add.stderr)
    );
    let buyer = serde_json::from_slice::<Value>(&keys_add.stdout).unwrap()["address"]
        .as_str()
        .unwrap()
        .to_string();
    a.tx(&["bank", "send", "validator", &buyer, "1000000uweave"]);
    a.tx(&["content", "register-key", "--from", "buyer"]);
    a.tx(&[
        "content",
        "purchase",
        &id,
        "--quantity",
        "1",
        "--from",
        "buyer",
    ]);
    eventually(
        "the key to reach the buyer",
        Duration::from_secs(60),
        || {
            let _ = a.cli(&["content", "serve-keys", "--from", "validator", "--once"]);
            a.weaved(&["query", "content", "sealed-key", &id, &buyer])
                .unwrap()
                .status
                .success()
        },
    );
    let out_file = files.path().join("film.out");
    let out = Command::new(weaved_bin())
        .args(["content", "get", &id, "--from", "buyer", "--quiet"])
        .args(["--out", out_file.to_str().unwrap(), "--output", "json"])
        .arg("--home")
        .arg(a.home_path())
        .args(["--keyring-backend", "test", "--grpc", &a.grpc_url()])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "get failed: {}\n{}\n{}",
        String::from_utf8_lossy(&out.stderr),
        a.tail_logs(),
        b.tail_logs()
    );
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["slices_rejected"], 0, "{report}");
    assert_eq!(std::fs::read(&out_file).unwrap(), plaintext);
    assert_eq!(a.stored().await, (SLICES as u64, SLICES as u64));

    b.stop();
    a.stop();
}
