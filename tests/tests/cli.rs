//! End-to-end: the `weaved` CLI's Cosmos conventions against a real node.
//!
//! `--node` is CometBFT's RPC and `--grpc` the gRPC API, each refusing the other
//! protocol with a message naming the right flag; `weaved status`; a send made with
//! `--generate-only`, signed offline with `tx sign` and sent with `tx broadcast`; a key
//! exported, imported into another home and used there; `query txs --events`,
//! `query block` and `--height`.
#![allow(clippy::unwrap_used, clippy::disallowed_methods, missing_docs)]

use std::{path::Path, process::Command, time::Duration};

use serde_json::Value;
use weave_e2e::{has_code, weaved_bin, Node, TEST_FEES, TEST_GAS};

/// `weaved ARGS` with `home`'s test key ring against `node`, with `env` set; returns
/// (success, stdout, stderr).
fn run(home: &Path, node: &Node, args: &[&str], env: &[(&str, &str)]) -> (bool, String, String) {
    let mut command = Command::new(weaved_bin());
    command
        .args(args)
        .arg("--home")
        .arg(home)
        .args(["--keyring-backend", "test"]);
    if args[0] != "keys" {
        command.args(["--grpc", &node.grpc_url(), "--node", &node.rpc_url()]);
    }
    let out = command.envs(env.iter().copied()).output().unwrap();
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// Like [`run`], which must succeed; stdout parsed as JSON.
fn json(home: &Path, node: &Node, args: &[&str], env: &[(&str, &str)]) -> Value {
    let (ok, out, err) = run(home, node, args, env);
    assert!(ok, "weaved {args:?} failed: {err}\n{}", node.tail_logs());
    serde_json::from_str(&out).unwrap_or_else(|e| panic!("weaved {args:?}: {e}: {out}"))
}

/// The uweave balance of `address` at `height` (0: the latest).
fn balance_at(node: &Node, address: &str, height: u64) -> u128 {
    let height = height.to_string();
    let mut args = vec![
        "query", "bank", "balances", address, "--denom", "uweave", "-o", "json",
    ];
    if height != "0" {
        args.extend(["--height", &height]);
    }
    let v = json(node.home_path(), node, &args, &[]);
    v["balance"]["amount"].as_str().unwrap().parse().unwrap()
}

#[test]
fn cosmos_cli_conventions_against_a_real_node() {
    let mut node = Node::init("cli-1").unwrap();
    node.start().unwrap();
    node.wait_for_height(2, Duration::from_secs(60)).unwrap();
    let home = node.home_path().to_path_buf();

    // `status` reads CometBFT's RPC.
    let status = json(&home, &node, &["status", "-o", "json"], &[]);
    assert_eq!(status["node_info"]["network"], "cli-1");
    let latest: u64 = status["sync_info"]["latest_block_height"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!(latest >= 2, "{status}");

    // Old scripts: `--node` given the gRPC URL, and the reverse, fail naming the flag.
    let bank = ["query", "bank", "balances", &node.funded_address];
    let out = Command::new(weaved_bin())
        .args(bank)
        .arg("--home")
        .arg(&home)
        .args(["--node", &node.grpc_url()])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        !out.status.success() && err.contains("--grpc"),
        "--node given the gRPC URL: {}, stdout {:?}, stderr {err:?}",
        out.status,
        String::from_utf8_lossy(&out.stdout)
    );
    let out = Command::new(weaved_bin())
        .args(bank)
        .arg("--home")
        .arg(&home)
        .args(["--grpc", &node.rpc_url()])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        !out.status.success() && err.contains("--node"),
        "--grpc given the RPC URL: {}, stdout {:?}, stderr {err:?}",
        out.status,
        String::from_utf8_lossy(&out.stdout)
    );

    // Generate only, sign offline, broadcast.
    let bob = node.add_key("bob");
    let before_send = node.height().unwrap();
    let (ok, unsigned, err) = run(
        &home,
        &node,
        &[
            "tx",
            "bank",
            "send",
            "validator",
            &bob,
            "1000uweave",
            "--fees",
            TEST_FEES,
            "--gas",
            TEST_GAS,
            "--memo",
            "offline",
            "--generate-only",
        ],
        &[],
    );
    assert!(ok, "{err}");
    let unsigned_json: Value = serde_json::from_str(&unsigned).unwrap();
    assert_eq!(
        unsigned_json["body"]["messages"][0]["@type"],
        "/weave.bank.v1.MsgSend"
    );
    assert_eq!(unsigned_json["signatures"], serde_json::json!([]));
    assert_eq!(
        balance_at(&node, &bob, 0),
        0,
        "generate-only broadcast nothing"
    );
    let dir = tempfile::tempdir().unwrap();
    let unsigned_file = dir.path().join("unsigned.json");
    std::fs::write(&unsigned_file, &unsigned).unwrap();
    // Broadcasting the unsigned file is refused before it reaches the node.
    let (ok, _, err) = run(
        &home,
        &node,
        &["tx", "broadcast", unsigned_file.to_str().unwrap()],
        &[],
    );
    assert!(!ok && err.contains("tx sign"), "{err}");
    let account = json(
        &home,
        &node,
        &["query", "auth", "account", "validator", "-o", "json"],
        &[],
    );
    let number = account["account"]["account_number"].to_string();
    let sequence = account["account"]["sequence"].to_string();
    let signed_file = dir.path().join("signed.json");
    let (ok, _, err) = run(
        &home,
        &node,
        &[
            "tx",
            "sign",
            unsigned_file.to_str().unwrap(),
            "--from",
            "validator",
            "--offline",
            "--account-number",
            &number,
            "--sequence",
            &sequence,
            "--chain-id",
            "cli-1",
            "--output-document",
            signed_file.to_str().unwrap(),
        ],
        &[],
    );
    assert!(ok, "{err}");
    let sent = json(
        &home,
        &node,
        &[
            "tx",
            "broadcast",
            signed_file.to_str().unwrap(),
            "--wait",
            "-o",
            "json",
        ],
        &[],
    );
    assert_eq!(sent["code"], 0, "{sent}");
    let send_height: u64 = sent["height"].as_u64().unwrap();
    assert_eq!(balance_at(&node, &bob, 0), 1000);
    // The same file again: refused (already in CometBFT's cache, or its sequence used).
    let (ok, _, err) = run(
        &home,
        &node,
        &["tx", "broadcast", signed_file.to_str().unwrap()],
        &[],
    );
    assert!(
        !ok && (has_code(&err, "sdk", 19) || has_code(&err, "sdk", 32)),
        "{err}"
    );

    // --height: bob's balance before and at the send.
    assert_eq!(balance_at(&node, &bob, before_send), 0);
    assert_eq!(balance_at(&node, &bob, send_height), 1000);

    // A key exported, imported into another home, and used there.
    let carol = node.add_key("carol");
    node.tx(&["bank", "send", "validator", &carol, "100000uweave"]);
    let pass = [("WEAVE_EXPORT_PASSPHRASE", "correct horse")];
    let (ok, armor, err) = run(&home, &node, &["keys", "export", "carol"], &pass);
    assert!(ok, "{err}");
    assert!(
        armor.starts_with("-----BEGIN WEAVE PRIVATE KEY-----"),
        "{armor}"
    );
    let armor_file = dir.path().join("carol.armor");
    std::fs::write(&armor_file, &armor).unwrap();
    let other = tempfile::tempdir().unwrap();
    let wrong = [("WEAVE_EXPORT_PASSPHRASE", "wrong")];
    let import = [
        "keys",
        "import",
        "carol2",
        armor_file.to_str().unwrap(),
        "-o",
        "json",
    ];
    let (ok, _, err) = run(other.path(), &node, &import, &wrong);
    assert!(!ok && err.contains("passphrase"), "{err}");
    let imported = json(other.path(), &node, &import, &pass);
    assert_eq!(imported["address"], carol.as_str());
    let paid = json(
        other.path(),
        &node,
        &[
            "tx",
            "bank",
            "send",
            "carol2",
            &bob,
            "5uweave",
            "--chain-id",
            "cli-1",
            "--fees",
            TEST_FEES,
            "--gas",
            TEST_GAS,
            "--wait",
            "-o",
            "json",
        ],
        &[],
    );
    assert_eq!(paid["code"], 0, "{paid}");
    assert_eq!(balance_at(&node, &bob, 0), 1005);
    let carol_height = paid["height"].as_u64().unwrap();
    let carol_hash = paid["txhash"].as_str().unwrap().to_string();

    // query txs --events finds carol's transaction; query block shows its block.
    let found = json(
        &home,
        &node,
        &[
            "query",
            "txs",
            "--events",
            &format!("message.sender={carol}"),
            "-o",
            "json",
        ],
        &[],
    );
    assert_eq!(found["total"], "1", "{found}");
    assert_eq!(found["txs"][0]["txhash"], carol_hash.as_str());
    let both = json(
        &home,
        &node,
        &[
            "query",
            "txs",
            "--events",
            &format!("message.sender={carol}&message.action=/weave.bank.v1.MsgSend"),
            "-o",
            "json",
        ],
        &[],
    );
    assert_eq!(both["total"], "1", "{both}");
    let none = json(
        &home,
        &node,
        &[
            "query",
            "txs",
            "--events",
            &format!("message.sender={bob}"),
            "-o",
            "json",
        ],
        &[],
    );
    assert_eq!(none["total"], "0", "{none}");
    let block = json(
        &home,
        &node,
        &["query", "block", &carol_height.to_string(), "-o", "json"],
        &[],
    );
    assert_eq!(
        block["block"]["header"]["height"],
        carol_height.to_string().as_str()
    );
    // Carol's transaction, and any the proposer injected (vote extensions).
    assert!(!block["block"]["data"]["txs"].as_array().unwrap().is_empty());
    let (ok, text, err) = run(
        &home,
        &node,
        &["query", "block", &carol_height.to_string()],
        &[],
    );
    assert!(ok && text.contains(&carol_hash), "{text}{err}");
}
