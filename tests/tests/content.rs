//! End-to-end: content with a three-way revenue split on a real CometBFT node.
//!
//! A creator registers a file with `weaved tx content register`, splitting revenue
//! 50/30/20 with two collaborators. Two buyers purchase access, one transfers a token
//! to a third account, every balance moves by exactly the split, the creator's
//! `weaved content serve-keys` delivers the content key sealed to each holder, each
//! holder opens it with `weaved content key`, and the feed and by-creator listings show
//! the content — over the CLI and over gRPC.
#![allow(clippy::unwrap_used, clippy::disallowed_methods, missing_docs)]

use std::process::Command;

use serde_json::Value;
use weave_e2e::{weaved_bin, Node};
use weave_proto::weave::content::v1::{query_client::QueryClient, QueryContentByCreatorRequest};

/// Every transaction pays this fee at this gas limit, so balances are exact.
const FEES: &str = "10000uweave";
const FEE: u128 = 10_000;
const GAS: &str = "400000";

/// Runs weaved against the node and parses its JSON output, failing with its stderr.
fn cli(node: &Node, args: &[&str]) -> Value {
    let mut full: Vec<&str> = args.to_vec();
    full.extend(["--output", "json"]);
    let out = node.weaved(&full).unwrap();
    assert!(
        out.status.success(),
        "weaved {args:?} failed: {}\n{}",
        String::from_utf8_lossy(&out.stderr),
        node.tail_logs()
    );
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "weaved {args:?}: bad JSON ({e}): {}",
            String::from_utf8_lossy(&out.stdout)
        )
    })
}

/// A transaction with the fixed fee, waiting for its block.
fn tx(node: &Node, args: &[&str]) -> Value {
    let mut full: Vec<&str> = vec!["tx"];
    full.extend(args);
    full.extend(["--fees", FEES, "--gas", GAS, "--wait"]);
    cli(node, &full)
}

/// Adds a key to the node's test key ring and returns its address.
fn add_key(node: &Node, name: &str) -> String {
    let out = Command::new(weaved_bin())
        .args([
            "keys",
            "add",
            name,
            "--keyring-backend",
            "test",
            "--output",
            "json",
        ])
        .arg("--home")
        .arg(node.home_path())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    v["address"].as_str().unwrap().to_string()
}

fn balance(node: &Node, address: &str) -> u128 {
    let v = cli(node, &["query", "bank", "balances", address]);
    v["balances"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["denom"] == "uweave")
        .map_or(0, |c| c["amount"].as_str().unwrap().parse().unwrap())
}

/// `floor(amount × bps / 10000)`.
fn share(amount: u128, bps: u128) -> u128 {
    amount * bps / 10_000
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn content_sale_pays_a_three_way_split_and_delivers_keys() {
    let mut node = Node::init("e2e-content-1").unwrap();
    node.start().unwrap();

    let names = [
        "creator", "collab-a", "collab-b", "buyer-1", "buyer-2", "third",
    ];
    let addr: Vec<String> = names.iter().map(|n| add_key(&node, n)).collect();
    let (creator, collab_a, collab_b, buyer1, buyer2, third) =
        (&addr[0], &addr[1], &addr[2], &addr[3], &addr[4], &addr[5]);
    for a in [creator, buyer1, buyer2, third] {
        tx(&node, &["bank", "send", "validator", a, "5000000uweave"]);
    }

    // The creator registers a file: 300 000 bytes in 64 KiB slices.
    let file = node.home_path().join("film.bin");
    let plaintext: Vec<u8> = (0..300_000u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
        .collect();
    std::fs::write(&file, &plaintext).unwrap();
    let creator_split = format!("{creator}:5000");
    let a_split = format!("{collab_a}:3000");
    let b_split = format!("{collab_b}:2000");
    let registered = tx(
        &node,
        &[
            "content",
            "register",
            "--from",
            "creator",
            "--file",
            file.to_str().unwrap(),
            "--title",
            "E2E film",
            "--tag",
            "e2e",
            "--mime-type",
            "video/mp4",
            "--price",
            "1000",
            "--price-per-gib",
            "25",
            "--recipient",
            &creator_split,
            "--recipient",
            &a_split,
            "--recipient",
            &b_split,
            "--tier",
            "personal:1",
            "--tier",
            "commercial:1000",
            "--slice-size",
            "65536",
        ],
    );
    let id = registered["content_id"]
        .as_u64()
        .expect("content_id in the register output");
    let id_s = id.to_string();
    let root = registered["root"].as_str().unwrap().to_string();
    let key_file = node
        .home_path()
        .join("content-keys")
        .join(format!("{root}.key"));
    let content_key = std::fs::read_to_string(&key_file)
        .unwrap()
        .trim()
        .to_string();
    assert_eq!(content_key.len(), 64);

    let got = cli(&node, &["query", "content", "get", &id_s]);
    assert_eq!(got["content"]["meta_hash"]["slice_count"], 5);
    assert_eq!(got["content"]["meta_hash"]["plaintext_len"], 300_000);
    assert_eq!(got["content"]["creator"].as_str(), Some(creator.as_str()));

    // Buyers register their X25519 keys and buy: 2 tokens and 1 token.
    let before: Vec<u128> = addr.iter().map(|a| balance(&node, a)).collect();
    let pool = cli(
        &node,
        &["query", "bank", "module-account", "community_pool"],
    );
    let pool = pool["address"].as_str().unwrap().to_string();
    let pool_before = balance(&node, &pool);
    for b in ["buyer-1", "buyer-2", "third"] {
        tx(&node, &["content", "register-key", "--from", b]);
    }
    tx(
        &node,
        &[
            "content",
            "purchase",
            &id_s,
            "--quantity",
            "2",
            "--from",
            "buyer-1",
        ],
    );
    tx(
        &node,
        &[
            "content",
            "purchase",
            &id_s,
            "--quantity",
            "1",
            "--from",
            "buyer-2",
        ],
    );
    tx(
        &node,
        &[
            "content",
            "transfer",
            &id_s,
            third,
            "--quantity",
            "1",
            "--from",
            "buyer-1",
        ],
    );

    // Every balance equals the split to the unit. Each purchase is divided on its own:
    // 2% protocol fee, then 50/30/20, the remainder to the lowest address.
    let mut expected_gain = [0u128; 3];
    let mut fees = 0u128;
    for paid in [2_000u128, 1_000] {
        let fee = share(paid, 200);
        fees += fee;
        let net = paid - fee;
        let shares = [share(net, 5000), share(net, 3000), share(net, 2000)];
        let remainder = net - shares.iter().sum::<u128>();
        // The chain orders recipients by raw address bytes, not by the bech32 text.
        let lowest = (0..3)
            .min_by_key(|i| addr[*i].parse::<cosmrs::AccountId>().unwrap().to_bytes())
            .unwrap();
        for i in 0..3 {
            expected_gain[i] += shares[i] + if i == lowest { remainder } else { 0 };
        }
    }
    assert_eq!(balance(&node, creator), before[0] + expected_gain[0]);
    assert_eq!(balance(&node, collab_a), before[1] + expected_gain[1]);
    assert_eq!(balance(&node, collab_b), before[2] + expected_gain[2]);
    assert_eq!(balance(&node, &pool), pool_before + fees);
    assert_eq!(balance(&node, buyer1), before[3] - 2_000 - 3 * FEE);
    assert_eq!(balance(&node, buyer2), before[4] - 1_000 - 2 * FEE);
    assert_eq!(balance(&node, third), before[5] - FEE);

    let access =
        |who: &str| cli(&node, &["query", "content", "access", &id_s, who])["access"].clone();
    assert_eq!(access(buyer1)["tokens"], 1);
    assert_eq!(access(third)["tokens"], 1);
    assert_eq!(access(third)["rights"], serde_json::json!(["personal"]));
    assert_eq!(access(collab_a)["has_access"], false);

    // The creator's daemon delivers the key to the three holders; each opens it.
    let pass = cli(
        &node,
        &[
            "content",
            "serve-keys",
            "--from",
            "creator",
            "--once",
            "--fees",
            FEES,
            "--gas",
            GAS,
        ],
    );
    assert_eq!(pass["delivered"].as_array().unwrap().len(), 3, "{pass}");
    for holder in ["buyer-1", "buyer-2", "third"] {
        let opened = cli(&node, &["content", "key", &id_s, "--from", holder]);
        assert_eq!(
            opened["key"].as_str(),
            Some(content_key.as_str()),
            "{holder}"
        );
    }
    // Nothing is left pending, and a second pass delivers nothing.
    let pass = cli(
        &node,
        &["content", "serve-keys", "--from", "creator", "--once"],
    );
    assert!(pass["delivered"].as_array().unwrap().is_empty(), "{pass}");

    // A non-holder gets no key: the chain refuses delivery to it.
    let out = node
        .weaved(&[
            "tx",
            "content",
            "deliver-key",
            &id_s,
            collab_a,
            "--from",
            "creator",
            "--fees",
            FEES,
            "--gas",
            GAS,
        ])
        .unwrap();
    assert!(!out.status.success());

    // Feed and by-creator listings show it, over the CLI and over gRPC.
    let feed = cli(&node, &["query", "content", "feed"]);
    assert_eq!(feed["contents"][0]["id"], id);
    let mine = cli(&node, &["query", "content", "by-creator", creator]);
    assert_eq!(mine["contents"].as_array().unwrap().len(), 1);
    let mut grpc = QueryClient::connect(node.grpc_url()).await.unwrap();
    let r = grpc
        .content_by_creator(QueryContentByCreatorRequest {
            creator: creator.clone(),
            page: None,
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(r.contents.len(), 1);
    assert_eq!(r.contents[0].id, id);
    assert_eq!(r.contents[0].tokens_issued, 3);

    node.stop();
}
