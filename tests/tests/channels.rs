//! End-to-end: a payment channel on a real CometBFT node, driven by the CLI.
//!
//! A viewer opens a channel and signs cumulative vouchers for 64 MiB served by two
//! seeders (40 MiB and 24 MiB) of content with an 80/20 split — the vouchers its
//! downloader signs after each verified slice. Both seeders claim: each gets its
//! share, and the creator, the collaborator and the community pool each hold exactly
//! what the split says. A replayed voucher and a forged one are refused with their
//! codes. The viewer closes, waits out the challenge period and gets the rest of the
//! deposit back; a claim after settlement fails.
#![allow(clippy::unwrap_used, clippy::disallowed_methods, missing_docs)]

use std::time::Duration;

use serde_json::Value;
use weave_e2e::{has_code, seeder_net_of_claim, split_80_20_of_claims, Node, TEST_FEE};

/// uweave per GiB.
const PRICE: u128 = 2_000_000;
const GIB: u128 = 1 << 30;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn vouchers_pay_two_seeders_and_the_split_then_the_channel_settles() {
    let mut node = Node::init("e2e-channels-1").unwrap();
    // A short challenge period.
    let genesis = node.home_path().join("cometbft/config/genesis.json");
    let mut doc: Value = serde_json::from_slice(&std::fs::read(&genesis).unwrap()).unwrap();
    doc["app_state"]["channels"]["params"]["challenge_period_blocks"] = 8.into();
    std::fs::write(&genesis, serde_json::to_vec_pretty(&doc).unwrap()).unwrap();
    node.start().unwrap();

    let names = ["creator", "collab", "viewer", "seeder-a", "seeder-b"];
    let addr: Vec<String> = names.iter().map(|n| node.add_key(n)).collect();
    let (creator, collab, viewer, seeder_a, seeder_b) =
        (&addr[0], &addr[1], &addr[2], &addr[3], &addr[4]);
    for a in [creator, viewer, seeder_a, seeder_b] {
        node.tx(&["bank", "send", "validator", a, "50000000uweave"]);
    }

    // 64 MiB of content, split 80/20.
    let file = node.home_path().join("film.bin");
    std::fs::write(&file, vec![7u8; 64 << 20]).unwrap();
    let registered = node.tx(&[
        "content",
        "register",
        "--from",
        "creator",
        "--file",
        file.to_str().unwrap(),
        "--title",
        "Paid film",
        "--price",
        "1000",
        "--price-per-gib",
        &PRICE.to_string(),
        "--recipient",
        &format!("{creator}:8000"),
        "--recipient",
        &format!("{collab}:2000"),
    ]);
    let root = registered["root"].as_str().unwrap().to_string();

    // The viewer opens a channel.
    let opened = node.tx(&[
        "channels",
        "open",
        "--deposit",
        "10000000",
        "--expires-in",
        "10000",
        "--from",
        "viewer",
    ]);
    let channel = opened["channel_id"].as_u64().unwrap().to_string();
    let viewer_after_open = node.balance(viewer);

    // Vouchers for 40 MiB from seeder A and 24 MiB from seeder B, cumulative.
    let dir = tempfile::tempdir().unwrap();
    let sign = |seeder: &str, mib: u64, nonce: u64, name: &str| {
        let path = dir.path().join(name);
        let bytes = mib << 20;
        let amount = (u128::from(bytes) * PRICE).div_ceil(GIB);
        node.local(&[
            "channels",
            "sign-voucher",
            "--from",
            "viewer",
            "--channel",
            &channel,
            "--seeder",
            seeder,
            "--content-root",
            &root,
            "--bytes",
            &bytes.to_string(),
            "--amount",
            &amount.to_string(),
            "--nonce",
            &nonce.to_string(),
            "--out",
            path.to_str().unwrap(),
        ]);
        (path.to_str().unwrap().to_string(), amount)
    };
    let (a1, _) = sign(seeder_a, 20, 1, "a1.json");
    let (a2, a_amount) = sign(seeder_a, 40, 2, "a2.json");
    let (b1, b_amount) = sign(seeder_b, 24, 1, "b1.json");

    let before: Vec<u128> = addr.iter().map(|a| node.balance(a)).collect();
    let pool = node.cli(&["query", "bank", "module-account", "community_pool"])["address"]
        .as_str()
        .unwrap()
        .to_string();
    let pool_before = node.balance(&pool);
    node.tx(&[
        "channels",
        "claim",
        "--voucher-file",
        &a1,
        "--voucher-file",
        &a2,
        "--from",
        "seeder-a",
    ]);
    node.tx(&[
        "channels",
        "claim",
        "--voucher-file",
        &b1,
        "--from",
        "seeder-b",
    ]);

    // Each claim pays 70 % to its seeder and the rest through the split, both less the
    // 2 % protocol fee.
    let (creator_gain, collab_gain, fees) =
        split_80_20_of_claims(&[a_amount, b_amount], creator, collab);
    assert_eq!(
        node.balance(seeder_a),
        before[3] + seeder_net_of_claim(a_amount) - TEST_FEE
    );
    assert_eq!(
        node.balance(seeder_b),
        before[4] + seeder_net_of_claim(b_amount) - TEST_FEE
    );
    assert_eq!(node.balance(creator), before[0] + creator_gain);
    assert_eq!(node.balance(collab), before[1] + collab_gain);
    assert_eq!(node.balance(&pool), pool_before + fees);
    let earnings = node.cli(&["query", "channels", "earnings", seeder_a]);
    assert!(
        earnings.to_string().contains(&(40u64 << 20).to_string()),
        "{earnings}"
    );

    // A replayed voucher and a forged one are refused.
    let err = node.tx_fails(&[
        "channels",
        "claim",
        "--voucher-file",
        &a2,
        "--from",
        "seeder-a",
    ]);
    assert!(has_code(&err, "channels", 14), "{err}");
    let forged_path = dir.path().join("forged.json");
    let mut forged: Value =
        serde_json::from_slice(&std::fs::read(dir.path().join("b1.json")).unwrap()).unwrap();
    let sig = forged["signature"].as_str().unwrap().to_string();
    // Change the first base64 character: the signature's first byte changes.
    let flipped = match sig.strip_prefix('A') {
        Some(rest) => format!("B{rest}"),
        None => format!("A{}", sig.get(1..).unwrap()),
    };
    forged["signature"] = Value::String(flipped);
    std::fs::write(&forged_path, serde_json::to_vec(&forged).unwrap()).unwrap();
    let err = node.tx_fails(&[
        "channels",
        "claim",
        "--voucher-file",
        forged_path.to_str().unwrap(),
        "--from",
        "seeder-b",
    ]);
    assert!(has_code(&err, "channels", 13), "{err}");

    // The viewer closes and, after the challenge period, gets the rest back.
    let closed = node.tx(&["channels", "close", &channel, "--from", "viewer"]);
    let settle = closed["settle_height"].as_u64().unwrap();
    node.wait_for_height(settle + 1, Duration::from_secs(60))
        .unwrap();
    let ch = node.cli(&["query", "channels", "channel", &channel]);
    assert!(
        ch.to_string().contains("SETTLED") || ch.to_string().contains("settled"),
        "{ch}"
    );
    assert_eq!(
        node.balance(viewer),
        viewer_after_open - TEST_FEE + (10_000_000 - a_amount - b_amount)
    );
    // A claim after settlement fails.
    let (late, _) = sign(seeder_b, 30, 2, "late.json");
    let err = node.tx_fails(&[
        "channels",
        "claim",
        "--voucher-file",
        &late,
        "--from",
        "seeder-b",
    ]);
    assert!(has_code(&err, "channels", 9), "{err}");
    node.stop();
}
