//! End-to-end: content over the slice sidecars of two real nodes.
//!
//! Node A (the validator) publishes a file with `weaved content add`: its sidecar
//! encrypts it into A's slice store and seeds it. Node B is a full node that joined
//! A's chain (its genesis, CometBFT peered with A, sidecar bootstrapped from A's). A
//! viewer on B buys access; A's `serve-keys` delivers the key; the viewer runs
//! `weaved content get` on B, which opens the delivered key, finds A through the DHT
//! and downloads. A serves at most 40 slice requests a second, so the download takes
//! seconds: halfway through, the `get` process is killed and then node B itself is
//! killed with SIGKILL. After B restarts, `get` resumes — fetching only what was
//! missing — and the file is byte-identical; `--stream` writes it in order to stdout.
#![allow(clippy::unwrap_used, clippy::disallowed_methods, missing_docs)]

use std::{
    process::{Command, Stdio},
    time::{Duration, Instant},
};

use serde_json::Value;
use weave_e2e::{weaved_bin, Node};

const SLICE: usize = 65_536;
const SLICES: usize = 160;

/// Polls `check` every 200 ms until it holds, failing after `timeout`.
fn eventually(what: &str, timeout: Duration, mut check: impl FnMut() -> bool) {
    let start = Instant::now();
    while !check() {
        assert!(start.elapsed() < timeout, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(200));
    }
}

/// (slices present, slices total) of the content in a node's slice store.
/// `weaved content get` on `node` as a child process.
fn get(node: &Node, id: &str, extra: &[&str]) -> Command {
    let mut cmd = Command::new(weaved_bin());
    cmd.args(["content", "get", id, "--from", "viewer", "--quiet"])
        .args(extra)
        .arg("--home")
        .arg(node.home_path())
        .args(["--keyring-backend", "test", "--grpc", &node.grpc_url()]);
    cmd
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn content_add_then_get_from_a_second_node_with_kill_and_resume() {
    let mut a = Node::init("e2e-slices-1").unwrap();
    // A answers each peer at most 40 slice requests a second.
    let config = a.home_path().join("config/weaved.toml");
    let text = std::fs::read_to_string(&config).unwrap();
    let text: String = text
        .lines()
        .map(|line| {
            if line.starts_with("requests_per_sec") {
                "requests_per_sec = 40".to_string()
            } else if line.starts_with("request_burst") {
                "request_burst = 8".to_string()
            } else {
                line.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join("\n");
    assert!(text.contains("requests_per_sec = 40"), "{text}");
    std::fs::write(&config, text).unwrap();
    a.start().unwrap();

    // A publishes a file of 160 slices.
    // Outside the node's home: `content add` refuses files inside it.
    let (id, plaintext, _files) = a.publish_film("Sidecar film", SLICE * SLICES - 1000, 7);
    assert_eq!(a.stored().await, (SLICES as u64, SLICES as u64));

    // B joins the chain; its viewer key is funded from A and buys access.
    let mut b = Node::join(&a).unwrap();
    b.start().unwrap();
    let viewer = b.funded_address.clone();
    a.tx(&["bank", "send", "validator", &viewer, "1000000uweave"]);
    eventually(
        "B to see the viewer's funds",
        Duration::from_secs(60),
        || {
            let v = b.cli(&["query", "bank", "balances", &viewer]);
            !v["balances"].as_array().unwrap().is_empty()
        },
    );
    b.tx(&["content", "register-key", "--from", "viewer"]);
    b.tx(&[
        "content",
        "purchase",
        &id,
        "--quantity",
        "1",
        "--from",
        "viewer",
    ]);
    eventually(
        "the key to reach the viewer",
        Duration::from_secs(60),
        || {
            let pass = a.cli(&["content", "serve-keys", "--from", "validator", "--once"]);
            let _ = pass;
            b.weaved(&["query", "content", "sealed-key", &id, &viewer])
                .unwrap()
                .status
                .success()
        },
    );

    // Unknown content is a clear error.
    let out = get(&b, "999", &["--out", "/dev/null"]).output().unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("not found"));

    // Start the download, and kill it halfway: first the CLI, then node B itself.
    let out_file = b.home_path().join("film.out");
    let mut child = get(&b, &id, &["--out", out_file.to_str().unwrap()])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let start = Instant::now();
    loop {
        let (present, total) = b.stored().await;
        if present >= 20 {
            assert!(
                present < total,
                "the download finished before it could be interrupted"
            );
            break;
        }
        assert!(
            start.elapsed() < Duration::from_secs(60),
            "the download never started"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    child.kill().unwrap();
    child.wait().unwrap();
    b.kill_hard().unwrap();
    b.start().unwrap();
    let (present, total) = b.stored().await;
    assert!(
        present >= 20 && present < total,
        "{present}/{total} after the crash"
    );
    assert!(!out_file.exists());

    // Resume: only the missing slices are fetched; the file is byte-identical.
    let out = get(
        &b,
        &id,
        &["--out", out_file.to_str().unwrap(), "--output", "json"],
    )
    .output()
    .unwrap();
    assert!(
        out.status.success(),
        "resumed get failed: {}\n{}",
        String::from_utf8_lossy(&out.stderr),
        b.tail_logs()
    );
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    let fetched = report["bytes_fetched"].as_u64().unwrap();
    let missing = (total - present) * (SLICE as u64 + 16);
    assert!(
        fetched <= missing,
        "fetched {fetched} bytes, but only {missing} were missing"
    );
    assert_eq!(report["slices_rejected"], 0);
    assert_eq!(std::fs::read(&out_file).unwrap(), plaintext);
    assert_eq!(b.stored().await, (total, total));

    // Streaming mode writes the same bytes, in order, to stdout.
    let out = get(&b, &id, &["--stream"]).output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(out.stdout, plaintext);

    b.stop();
    a.stop();
}
