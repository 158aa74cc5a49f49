//! End-to-end: stock CosmJS (from npm, pinned in `tests/cosmjs/package-lock.json`,
//! installed by `scripts/setup.sh`) against a real node under CometBFT.
//!
//! `tests/cosmjs/e2e.mjs` connects to CometBFT's RPC as any CosmJS application does: a
//! `DirectSecp256k1HdWallet` and an amino `Secp256k1HdWallet` each send tokens with
//! `fee: "auto"` (Simulate over ABCI Query), balances are read back, both transactions
//! are found by `searchTx` (CometBFT's `tx_search`), and the amino signer buys access
//! to a content registered with the CLI, with a `/weave.content.v1.MsgPurchaseAccess`
//! signed in amino JSON through Weave's amino types. Every balance change is exact.
#![allow(clippy::unwrap_used, clippy::disallowed_methods, missing_docs)]

use std::{path::PathBuf, process::Command};

use weave_e2e::Node;

/// The npm project, with `node_modules` installed, or a failure that says how to get it.
fn cosmjs_dir() -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("cosmjs");
    let node = Command::new("node").arg("--version").output();
    assert!(
        node.is_ok_and(|o| o.status.success()),
        "node.js is required for the CosmJS end-to-end test and was not found: install it \
         (Debian: `apt-get install nodejs npm`) and run `bash scripts/setup.sh`"
    );
    assert!(
        dir.join("node_modules/@cosmjs/stargate").is_dir(),
        "CosmJS is not installed in {}: run `bash scripts/setup.sh` (or `npm ci --prefix tests/cosmjs`)",
        dir.display()
    );
    dir
}

fn amount(v: &serde_json::Value) -> u128 {
    v.as_str().and_then(|s| s.parse().ok()).expect("an amount")
}

#[test]
fn cosmjs_direct_and_amino_signers_send_search_and_buy() {
    let dir = cosmjs_dir();
    let mut node = Node::init("e2e-cosmjs-1").unwrap();
    node.start().unwrap();

    let direct = node.local(&["keys", "add", "direct"]);
    let amino = node.local(&["keys", "add", "amino"]);
    let recipient = node.add_key("recipient");
    let creator = node.add_key("creator");
    for k in [&direct, &amino] {
        let a = k["address"].as_str().unwrap();
        node.tx(&["bank", "send", "validator", a, "5000000uweave"]);
    }
    node.tx(&["bank", "send", "validator", &creator, "5000000uweave"]);

    // The creator registers a content (all revenue to the creator) with the CLI.
    let file = node.home_path().join("film.bin");
    std::fs::write(&file, vec![7u8; 100_000]).unwrap();
    let split = format!("{creator}:10000");
    let registered = node.tx(&[
        "content",
        "register",
        "--from",
        "creator",
        "--file",
        file.to_str().unwrap(),
        "--title",
        "CosmJS film",
        "--price",
        "777",
        "--price-per-gib",
        "25",
        "--recipient",
        &split,
    ]);
    let content_id = registered["content_id"].as_u64().expect("content_id");
    let creator_before = node.balance(&creator);

    let out = Command::new("node")
        .arg("e2e.mjs")
        .current_dir(&dir)
        .env("WEAVE_RPC", format!("http://127.0.0.1:{}", node.ports.rpc))
        .env("DIRECT_MNEMONIC", direct["mnemonic"].as_str().unwrap())
        .env("AMINO_MNEMONIC", amino["mnemonic"].as_str().unwrap())
        .env("RECIPIENT", &recipient)
        .env("CONTENT_ID", content_id.to_string())
        .env("PRICE", "777")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "e2e.mjs failed: {}\n{}",
        String::from_utf8_lossy(&out.stderr),
        node.tail_logs()
    );
    let r: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "e2e.mjs output ({e}): {}",
            String::from_utf8_lossy(&out.stdout)
        )
    });

    // The wallets derive the same addresses as the key ring.
    assert_eq!(r["directAddr"], direct["address"]);
    assert_eq!(r["aminoAddr"], amino["address"]);
    assert_eq!(r["chainId"], "e2e-cosmjs-1");
    assert!(r["unknownAccount"].is_null(), "{}", r["unknownAccount"]);

    let sends = r["sends"].as_array().unwrap();
    assert_eq!(sends.len(), 2);
    for s in sends {
        // "auto": simulated gas × 1.3, paid at 0.025uweave per gas: enough, and not
        // far above what the transaction used.
        let (wanted, used, fee) = (
            amount(&s["gasWanted"]),
            amount(&s["gasUsed"]),
            amount(&s["fee"]),
        );
        assert!(used <= wanted && wanted <= used * 3 / 2, "{s}");
        assert_eq!(fee, (wanted * 25).div_ceil(1000), "{s}");
        let name = s["name"].as_str().unwrap();
        let hash = &s["hash"];
        for by in ["bySender", "byRecipient"] {
            let found = r["search"][name][by].as_array().unwrap();
            assert!(found.contains(hash), "{name} {by}: {hash} not in {found:?}");
        }
        // The CLI sees the same transaction.
        let tx = node.cli(&["query", "tx", hash.as_str().unwrap()]);
        assert_eq!(tx["code"], 0, "{tx}");
    }
    let fee_direct = amount(&sends[0]["fee"]);
    let fee_amino = amount(&sends[1]["fee"]);
    let fee_purchase = amount(&r["purchase"]["fee"]);
    let (before, after) = (&r["before"], &r["after"]);
    assert_eq!(amount(&before["direct"]), 5_000_000);
    assert_eq!(amount(&after["direct"]), 5_000_000 - 1_234 - fee_direct);
    assert_eq!(
        amount(&after["amino"]),
        5_000_000 - 1_234 - fee_amino - 777 - fee_purchase
    );
    assert_eq!(
        amount(&after["recipient"]),
        amount(&before["recipient"]) + 2 * 1_234
    );
    assert_eq!(
        r["all"],
        serde_json::json!([format!("{}uweave", amount(&after["recipient"]))])
    );
    assert_eq!(r["aminoSequence"], 2);

    // The purchase went through the split: 2% protocol fee, the rest to the creator.
    let paid_creator = node.balance(&creator) - creator_before;
    assert_eq!(
        paid_creator,
        777 - 777 * 200 / 10_000,
        "creator got {paid_creator}"
    );
}
