//! End-to-end: an operator watches a node. `weaved start` serves `/metrics` and
//! `/health` on its telemetry address and the gRPC health service on its gRPC address.
//! A few transactions (accepted and refused) move the counters between two scrapes;
//! when CometBFT is paused (SIGSTOP) the node stops making blocks and both health
//! checks turn unhealthy, and healthy again once it resumes.
#![allow(clippy::unwrap_used, clippy::disallowed_methods, missing_docs)]

use std::time::{Duration, Instant};

use nix::{sys::signal, unistd::Pid};
use tonic_health::pb::{
    health_check_response::ServingStatus, health_client::HealthClient, HealthCheckRequest,
};
use weave_e2e::{http_get, rpc_get, Node};

/// The sum of every sample of `name` whose labels contain each of `labels`.
fn sum(text: &str, name: &str, labels: &[&str]) -> f64 {
    text.lines()
        .filter(|l| !l.starts_with('#'))
        .filter_map(|l| {
            let (series, value) = l.rsplit_once(' ')?;
            let (metric, rest) = series.split_once('{').unwrap_or((series, ""));
            (metric == name && labels.iter().all(|want| rest.contains(want)))
                .then(|| value.parse::<f64>().ok())
                .flatten()
        })
        .sum()
}

fn scrape(node: &Node) -> String {
    let (code, body) = http_get(node.ports.telemetry, "/metrics").unwrap();
    assert_eq!(code, 200, "{body}");
    body
}

fn health(node: &Node) -> (u16, serde_json::Value) {
    let (code, body) = http_get(node.ports.telemetry, "/health").unwrap();
    (code, serde_json::from_str(&body).unwrap())
}

async fn grpc_health(node: &Node) -> i32 {
    let channel = tonic::transport::Endpoint::from_shared(node.grpc_url())
        .unwrap()
        .connect()
        .await
        .unwrap();
    let mut client = HealthClient::new(channel);
    client
        .check(HealthCheckRequest {
            service: String::new(),
        })
        .await
        .unwrap()
        .into_inner()
        .status
}

/// Waits until `check` holds, or fails saying `what`.
async fn until(what: &str, timeout: Duration, mut check: impl AsyncFnMut() -> bool) {
    let start = Instant::now();
    while !check().await {
        assert!(start.elapsed() < timeout, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn metrics_move_with_transactions_and_health_follows_blocks() {
    let mut node = Node::init("e2e-telemetry").unwrap();
    // A short limit, so pausing CometBFT shows quickly.
    let config = node.home_path().join("config/weaved.toml");
    let text = std::fs::read_to_string(&config).unwrap();
    assert!(text.contains("[telemetry]"), "{text}");
    std::fs::write(
        &config,
        text.replace("max_block_age_secs = 60", "max_block_age_secs = 3"),
    )
    .unwrap();
    node.start().unwrap();

    let (code, body) = health(&node);
    assert_eq!(code, 200, "{body}\n{}", node.tail_logs());
    assert_eq!(body["status"], "ok");
    assert!(body["height"].as_i64().unwrap() >= 1, "{body}");
    until("gRPC health SERVING", Duration::from_secs(10), async || {
        grpc_health(&node).await == ServingStatus::Serving as i32
    })
    .await;

    let before = scrape(&node);
    assert!(
        before.contains("# TYPE weave_block_execute_seconds histogram"),
        "{before}"
    );
    let alice = node.add_key("alice");
    for amount in ["1000uweave", "2000uweave", "3000uweave"] {
        node.tx(&["bank", "send", "validator", &alice, amount]);
    }
    // Refused at CheckTx: bytes that are no transaction.
    let refused = rpc_get(node.ports.rpc, "/broadcast_tx_sync?tx=0x0badbeef").unwrap();
    assert_eq!(refused["codespace"], "sdk", "{refused}");
    assert_eq!(refused["code"], 2, "{refused}");
    let after = scrape(&node);

    let moved =
        |name: &str, labels: &[&str]| sum(&after, name, labels) - sum(&before, name, labels);
    assert!(
        moved(
            "weave_txs_total",
            &["module=\"bank\"", "codespace=\"\"", "code=\"0\""]
        ) >= 3.0,
        "{after}"
    );
    assert!(moved("weave_check_txs_total", &["result=\"accepted\""]) >= 3.0);
    assert!(
        moved(
            "weave_check_txs_total",
            &["result=\"rejected\"", "codespace=\"sdk\"", "code=\"2\""]
        ) >= 1.0,
        "{after}"
    );
    assert!(moved("weave_gas_used_total", &[]) > 0.0);
    assert!(moved("weave_block_execute_seconds_count", &[]) >= 1.0);
    assert!(moved("weave_block_commit_seconds_count", &[]) >= 1.0);
    assert!(moved("weave_block_height", &[]) >= 1.0);
    assert!(
        sum(&after, "weave_last_block_age_seconds", &[]) < 3.0,
        "{after}"
    );
    // The store's sizes per column family: the JMT has nodes, the flat state keys.
    assert!(
        sum(
            &after,
            "weave_store_estimated_keys",
            &["family=\"jmt_nodes\""]
        ) > 0.0,
        "{after}"
    );
    assert!(
        sum(&after, "weave_store_estimated_keys", &["family=\"state\""]) > 0.0,
        "{after}"
    );
    assert!(
        after.contains("weave_store_sst_bytes{family=\"jmt_values\"}"),
        "{after}"
    );
    assert!(
        after.contains("weave_store_memtable_bytes{family=\"state\"}"),
        "{after}"
    );
    // The node's sidecar is running: its counters are reported.
    assert!(
        after.contains("weave_sidecar_slices_served_total"),
        "{after}"
    );

    // CometBFT's own metrics: turned on by `weaved init`, on their own port.
    let (code, cometbft_metrics) = http_get(node.ports.cometbft_metrics, "/metrics").unwrap();
    assert_eq!(code, 200, "{cometbft_metrics}");
    assert!(
        cometbft_metrics.contains("cometbft_consensus_height"),
        "{cometbft_metrics}"
    );

    // CometBFT paused: no more blocks, and both health checks say so.
    let (_, cometbft) = node.pids().unwrap();
    let cometbft = Pid::from_raw(i32::try_from(cometbft.expect("cometbft runs")).unwrap());
    signal::kill(cometbft, signal::Signal::SIGSTOP).unwrap();
    until("/health 503", Duration::from_secs(20), async || {
        health(&node).0 == 503
    })
    .await;
    let (_, body) = health(&node);
    assert_eq!(body["status"], "unhealthy");
    assert!(
        body["reason"].as_str().unwrap().contains("more than"),
        "{body}"
    );
    until(
        "gRPC health NOT_SERVING",
        Duration::from_secs(10),
        async || grpc_health(&node).await == ServingStatus::NotServing as i32,
    )
    .await;

    signal::kill(cometbft, signal::Signal::SIGCONT).unwrap();
    until("/health 200 again", Duration::from_secs(30), async || {
        health(&node).0 == 200
    })
    .await;
    until(
        "gRPC health SERVING again",
        Duration::from_secs(10),
        async || grpc_health(&node).await == ServingStatus::Serving as i32,
    )
    .await;
}
