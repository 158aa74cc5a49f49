//! End-to-end: one validator under a real CometBFT node.
//!
//! `weaved init` and `weaved start`; a transfer with the weaved CLI; a transfer signed
//! by cosmrs (a stock Cosmos client, not weaved's signing code) and broadcast over
//! gRPC; balances over gRPC; bad transactions refused at CheckTx with stable codes;
//! then `kill -9` of both processes and a restart: the height continues and balances
//! and app hashes are intact, and a transaction committed just before the crash is found
//! by hash though CometBFT's index lost it. Also: weaved stops with a clear message when CometBFT
//! dies, and SIGTERM stops both processes cleanly.
#![allow(clippy::unwrap_used, clippy::disallowed_methods, missing_docs)]

use std::time::{Duration, Instant};

use cosmrs::{
    bank::MsgSend,
    crypto::secp256k1::SigningKey,
    proto::cosmos::{
        auth::v1beta1::{
            query_client::QueryClient as AuthClient, BaseAccount, QueryAccountRequest,
        },
        bank::v1beta1::{query_client::QueryClient as BankClient, QueryBalanceRequest},
        tx::v1beta1::{
            service_client::ServiceClient, BroadcastMode, BroadcastTxRequest, GetTxRequest,
        },
    },
    tx::{Body, Fee, Msg, SignDoc, SignerInfo},
    AccountId, Coin,
};
use prost::Message;
use weave_e2e::Node;

fn coin(amount: u128) -> Coin {
    Coin {
        denom: "uweave".parse().unwrap(),
        amount,
    }
}

async fn balance(node: &Node, address: &str) -> u128 {
    let mut c = BankClient::connect(node.grpc_url()).await.unwrap();
    let r = c
        .balance(QueryBalanceRequest {
            address: address.into(),
            denom: "uweave".into(),
        })
        .await
        .unwrap()
        .into_inner();
    r.balance.unwrap().amount.parse().unwrap()
}

async fn account(node: &Node, address: &str) -> BaseAccount {
    let mut c = AuthClient::connect(node.grpc_url()).await.unwrap();
    let r = c
        .account(QueryAccountRequest {
            address: address.into(),
        })
        .await
        .unwrap()
        .into_inner();
    BaseAccount::decode(r.account.unwrap().value.as_slice()).unwrap()
}

/// Signs a send with cosmrs.
fn cosmrs_send(
    key: &SigningKey,
    chain_id: &str,
    acc: &BaseAccount,
    sequence: u64,
    to: &AccountId,
    amount: u128,
    fee: u128,
) -> Vec<u8> {
    let from = key.public_key().account_id("weave").unwrap();
    let msg = MsgSend {
        from_address: from,
        to_address: to.clone(),
        amount: vec![coin(amount)],
    };
    let body = Body::new(vec![msg.to_any().unwrap()], "sent by cosmrs", 0u32);
    let auth = SignerInfo::single_direct(Some(key.public_key()), sequence)
        .auth_info(Fee::from_amount_and_gas(coin(fee), 200_000u64));
    let doc = SignDoc::new(&body, &auth, &chain_id.parse().unwrap(), acc.account_number).unwrap();
    doc.sign(key).unwrap().to_bytes().unwrap()
}

async fn broadcast(
    node: &Node,
    tx: Vec<u8>,
) -> cosmrs::proto::cosmos::base::abci::v1beta1::TxResponse {
    let mut c = ServiceClient::connect(node.grpc_url()).await.unwrap();
    c.broadcast_tx(BroadcastTxRequest {
        tx_bytes: tx,
        mode: BroadcastMode::Sync as i32,
    })
    .await
    .unwrap()
    .into_inner()
    .tx_response
    .unwrap()
}

/// `weaved tx bank send validator TO AMOUNT --wait`: its JSON answer, the test failing
/// with the node's logs if the CLI fails.
fn cli_send(node: &Node, to: &str, amount: &str) -> serde_json::Value {
    let out = node
        .weaved(&[
            "tx",
            "bank",
            "send",
            "validator",
            to,
            amount,
            "--wait",
            "--output",
            "json",
        ])
        .unwrap();
    assert!(
        out.status.success(),
        "CLI send failed: {}\n{}",
        String::from_utf8_lossy(&out.stderr),
        node.tail_logs()
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

async fn wait_for_tx(
    node: &Node,
    hash: &str,
) -> cosmrs::proto::cosmos::base::abci::v1beta1::TxResponse {
    let mut c = ServiceClient::connect(node.grpc_url()).await.unwrap();
    let start = Instant::now();
    loop {
        if let Ok(r) = c.get_tx(GetTxRequest { hash: hash.into() }).await {
            if let Some(t) = r.into_inner().tx_response {
                return t;
            }
        }
        assert!(
            start.elapsed() < Duration::from_secs(30),
            "tx {hash} not committed in 30 s"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn single_node_transfers_survive_kill_9() {
    let mut node = Node::init("e2e-chain-1").unwrap();
    node.start().unwrap();

    // A stock client's key, funded through the weaved CLI.
    let key = SigningKey::random();
    let user = key.public_key().account_id("weave").unwrap();
    cli_send(&node, user.as_ref(), "10000000uweave");
    assert_eq!(balance(&node, user.as_ref()).await, 10_000_000);

    // cosmrs signs a transfer; gRPC broadcasts it.
    let dest_key = SigningKey::random();
    let dest = dest_key.public_key().account_id("weave").unwrap();
    let acc = account(&node, user.as_ref()).await;
    assert_eq!(acc.sequence, 0);
    let tx = cosmrs_send(&key, &node.chain_id, &acc, 0, &dest, 1_234_567, 5_000);
    let resp = broadcast(&node, tx.clone()).await;
    assert_eq!(
        resp.code, 0,
        "CheckTx refused the cosmrs tx: {}",
        resp.raw_log
    );
    let committed = wait_for_tx(&node, &resp.txhash).await;
    assert_eq!(
        committed.code, 0,
        "tx failed in block: {}",
        committed.raw_log
    );
    assert!(committed.height > 0);
    assert_eq!(balance(&node, dest.as_ref()).await, 1_234_567);
    assert_eq!(
        balance(&node, user.as_ref()).await,
        10_000_000 - 1_234_567 - 5_000
    );

    // Bad input: refused by CheckTx with stable codes, never included.
    // The same bytes again stop at CometBFT's mempool cache (sdk:19, as in the Cosmos
    // SDK); a new transaction that reuses the spent sequence stops at the ante check.
    let replay = broadcast(&node, tx).await;
    assert_eq!(
        (replay.codespace.as_str(), replay.code),
        ("sdk", 19),
        "replayed bytes: {}",
        replay.raw_log
    );
    let reused = cosmrs_send(&key, &node.chain_id, &acc, 0, &dest, 7, 5_000);
    let r = broadcast(&node, reused).await;
    assert_eq!(
        (r.codespace.as_str(), r.code),
        ("sdk", 32),
        "reused sequence: {}",
        r.raw_log
    );
    let acc = account(&node, user.as_ref()).await;
    let wrong_chain = cosmrs_send(&key, "other-chain", &acc, acc.sequence, &dest, 1, 5_000);
    let r = broadcast(&node, wrong_chain).await;
    assert_eq!(
        (r.codespace.as_str(), r.code),
        ("sdk", 4),
        "wrong chain id: {}",
        r.raw_log
    );
    let low_fee = cosmrs_send(&key, &node.chain_id, &acc, acc.sequence, &dest, 1, 1);
    let r = broadcast(&node, low_fee).await;
    assert_eq!(
        (r.codespace.as_str(), r.code),
        ("sdk", 13),
        "low fee: {}",
        r.raw_log
    );
    let too_much = cosmrs_send(
        &key,
        &node.chain_id,
        &acc,
        acc.sequence,
        &dest,
        1_000_000_000,
        5_000,
    );
    let r = broadcast(&node, too_much).await;
    assert_eq!(
        (r.codespace.as_str(), r.code),
        ("sdk", 5),
        "insufficient funds: {}",
        r.raw_log
    );
    let r = broadcast(&node, vec![0xde, 0xad, 0xbe, 0xef]).await;
    assert_eq!(
        (r.codespace.as_str(), r.code),
        ("sdk", 2),
        "garbage: {}",
        r.raw_log
    );
    assert_eq!(balance(&node, dest.as_ref()).await, 1_234_567);

    // A transfer committed just before the crash, from the validator to a third account
    // (the balances checked below are not touched).
    let third = SigningKey::random()
        .public_key()
        .account_id("weave")
        .unwrap();
    let last = cli_send(&node, third.as_ref(), "1uweave");
    let last_hash = last["txhash"].as_str().unwrap().to_string();
    assert_eq!(last["code"], 0, "{last}");

    // Crash both processes, hard.
    let before = node.rpc("/abci_info").unwrap();
    let app_height: u64 = before["response"]["last_block_height"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    let app_hash = before["response"]["last_block_app_hash"]
        .as_str()
        .unwrap()
        .to_string();
    node.kill_hard().unwrap();
    // The crash also loses CometBFT's transaction index (as a kill between a block's
    // commit and its indexing loses that block's entries): weaved start indexes the
    // newest blocks again before CometBFT starts.
    let index = node.home_path().join("cometbft/data/tx_index.db");
    std::fs::remove_dir_all(&index).unwrap();

    node.start().unwrap();
    let h = node
        .wait_for_height(app_height + 2, Duration::from_secs(60))
        .unwrap();
    assert!(h >= app_height + 2);
    // The header of the next block carries the app hash of the state we had.
    let header_hash = {
        let b = node
            .rpc(&format!("/block?height={}", app_height + 1))
            .unwrap();
        b["block"]["header"]["app_hash"]
            .as_str()
            .unwrap()
            .to_string()
    };
    let expected = hex_of_base64(&app_hash);
    assert_eq!(header_hash, expected, "app hash changed across the crash");
    let found = node
        .rpc(&format!("/tx?hash=0x{last_hash}"))
        .unwrap_or_else(|e| {
            panic!(
                "the last transfer before the crash is not found by hash: {e}\n{}",
                node.tail_logs()
            )
        });
    assert_eq!(found["tx_result"]["code"], 0, "{found}");
    assert_eq!(balance(&node, dest.as_ref()).await, 1_234_567);
    assert_eq!(
        balance(&node, user.as_ref()).await,
        10_000_000 - 1_234_567 - 5_000
    );

    // And the chain still takes transactions.
    let acc = account(&node, user.as_ref()).await;
    let tx = cosmrs_send(&key, &node.chain_id, &acc, acc.sequence, &dest, 1, 5_000);
    let resp = broadcast(&node, tx).await;
    assert_eq!(resp.code, 0, "{}", resp.raw_log);
    assert_eq!(wait_for_tx(&node, &resp.txhash).await.code, 0);
    assert_eq!(balance(&node, dest.as_ref()).await, 1_234_568);
}

#[test]
fn weaved_stops_with_a_clear_message_when_cometbft_dies() {
    let mut node = Node::init("e2e-supervise").unwrap();
    node.start().unwrap();
    let (_, child) = node.pids().unwrap();
    let child = child.expect("cometbft runs as a child of weaved");
    nix::sys::signal::kill(
        nix::unistd::Pid::from_raw(child as i32),
        nix::sys::signal::Signal::SIGKILL,
    )
    .unwrap();
    let code = node.wait_exit(Duration::from_secs(20)).unwrap();
    assert_eq!(code, Some(1), "weaved must fail when CometBFT dies");
    let log = std::fs::read_to_string(node.home_path().join("weaved.log")).unwrap();
    assert!(
        log.contains("cometbft exited"),
        "no clear message in:\n{log}"
    );
}

#[test]
fn sigterm_stops_weaved_and_cometbft_cleanly() {
    let mut node = Node::init("e2e-sigterm").unwrap();
    node.start().unwrap();
    let (pid, child) = node.pids().unwrap();
    let child = child.expect("cometbft child");
    nix::sys::signal::kill(
        nix::unistd::Pid::from_raw(pid as i32),
        nix::sys::signal::Signal::SIGTERM,
    )
    .unwrap();
    assert_eq!(node.wait_exit(Duration::from_secs(30)).unwrap(), Some(0));
    assert!(
        !std::path::Path::new(&format!("/proc/{child}")).exists(),
        "cometbft (pid {child}) outlived weaved"
    );
}

/// CometBFT's `abci_info` shows the app hash as base64; block headers show hex.
fn hex_of_base64(s: &str) -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut bits = 0u32;
    let mut n = 0;
    let mut out = Vec::new();
    for c in s.bytes().filter(|&c| c != b'=') {
        let v = ALPHABET.iter().position(|&a| a == c).unwrap() as u32;
        bits = (bits << 6) | v;
        n += 6;
        if n >= 8 {
            n -= 8;
            out.push((bits >> n) as u8);
            bits &= (1 << n) - 1;
        }
    }
    out.iter().map(|b| format!("{b:02X}")).collect()
}
