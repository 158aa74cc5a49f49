//! End-to-end: Byzantine validators on the 4-validator localnet (issue 19, item 4).
//!
//! Node 3's validator misbehaves in turn, restarted each time with
//! `WEAVE_CONSENSUS_FAULT` (see `weave_app::fault`):
//! - **garbage** and then **oversized vote extensions**: the other validators refuse
//!   them in VerifyVoteExtension (so its precommits do not count) and the chain keeps
//!   making blocks on the other three;
//! - as proposer, **no injected extended commit**, and then one with **every extension
//!   blanked**: the other validators refuse its proposals in ProcessProposal and the
//!   next round's proposer makes the block;
//! - **double signing**: a fifth node runs with node 3's validator key beside node 3.
//!   When validator 3 proposes, the two sign different blocks; CometBFT's evidence
//!   reaches the chain, and the validators module slashes and tombstones validator 3,
//!   which leaves CometBFT's set while the chain goes on.
//!
//! Every honest node agrees on the app hash at the end.
#![allow(clippy::unwrap_used, clippy::disallowed_methods, missing_docs)]

use std::time::Duration;

use serde_json::Value;
use weave_e2e::localnet::{eventually, Localnet};

fn validator<'a>(list: &'a Value, operator: &str) -> &'a Value {
    list["validators"]
        .as_array()
        .unwrap_or_else(|| panic!("no validators in {list}"))
        .iter()
        .find(|v| v["operator"].as_str() == Some(operator))
        .unwrap_or_else(|| panic!("no validator {operator} in {list}"))
}

/// How many lines of node `i`'s own log contain `needle`.
fn log_count(net: &Localnet, i: u16, needle: &str) -> usize {
    std::fs::read_to_string(net.dir.join(format!("logs/weaved{i}.log")))
        .unwrap_or_default()
        .lines()
        .filter(|l| l.contains(needle))
        .count()
}

/// Restarts node 3 with `fault` (empty: none) and waits until it follows the chain.
fn restart_node3(net: &mut Localnet, fault: &str) {
    net.stop(3);
    net.start_with_env(3, &[("WEAVE_CONSENSUS_FAULT", fault)]);
    eventually(
        &format!("node 3 back with fault {fault:?}"),
        Duration::from_secs(60),
        || net.height(3) + 1 >= net.height(0),
    );
}

/// The chain makes `n` more blocks within `timeout` (measured on node 0).
fn makes_blocks(net: &Localnet, n: u64, timeout: Duration, what: &str) {
    let from = net.height(0);
    eventually(&format!("{n} blocks while {what}"), timeout, || {
        net.height(0) >= from + n
    });
}

#[test]
fn byzantine_validators_are_refused_and_a_double_signer_is_tombstoned() {
    let mut net = Localnet::up(
        4,
        "500ms",
        // A long liveness window: node 3's refused precommits must not jail it before
        // it double-signs.
        r#"{"app_state":{"validators":{"params":{"signed_blocks_window":10000}}}}"#,
    );
    let cons3 = net.cons_address(3);
    let op3 = net.operator(3);
    eventually(
        "four validators in the set",
        Duration::from_secs(30),
        || net.cometbft_set(0).len() == 4,
    );

    // Garbage, then oversized, vote extensions: refused, and the chain goes on.
    let hex3 = cons3.to_lowercase();
    for fault in ["garbage-extensions", "oversized-extensions"] {
        let refused = |net: &Localnet| {
            (0..3u16)
                .map(|i| {
                    std::fs::read_to_string(net.dir.join(format!("logs/weaved{i}.log")))
                        .unwrap_or_default()
                        .lines()
                        .filter(|l| l.contains("rejecting vote extension") && l.contains(&hex3))
                        .count()
                })
                .sum::<usize>()
        };
        let before = refused(&net);
        restart_node3(&mut net, fault);
        makes_blocks(&net, 8, Duration::from_secs(60), fault);
        assert!(
            refused(&net) > before,
            "no validator refused node 3's {fault}\n{}",
            net.logs()
        );
    }

    // As proposer: no extended commit, then a blanked one. Refused; the next round's
    // proposer makes the block.
    for (fault, reason) in [
        (
            "omit-injection",
            "the extended commit of the previous height is not injected",
        ),
        ("blank-injection", "rejecting proposal"),
    ] {
        let before = log_count(&net, 0, reason);
        restart_node3(&mut net, fault);
        // Validator 3 proposes about every fourth height; give it a few turns.
        makes_blocks(&net, 12, Duration::from_secs(120), fault);
        assert!(
            log_count(&net, 0, reason) > before,
            "node 0 never refused a proposal of node 3 with {fault}\n{}",
            net.logs()
        );
    }
    restart_node3(&mut net, "");

    // Double signing: node 4 runs with node 3's validator key.
    let tokens_before: u128 = {
        let list = net.json(0, 0, &["query", "validators", "list"]);
        let v = validator(&list, &op3);
        assert_ne!(v["tombstoned"], true, "{v}");
        v["tokens"].as_str().unwrap().parse().unwrap()
    };
    net.init_extra(4, "500ms");
    std::fs::copy(
        net.home(3).join("cometbft/config/priv_validator_key.json"),
        net.home(4).join("cometbft/config/priv_validator_key.json"),
    )
    .unwrap();
    net.start(4);
    eventually(
        "validator 3 tombstoned for double signing",
        Duration::from_secs(180),
        || {
            let out = net.weaved(0, 0, &["query", "validators", "list"]);
            out.status.success()
                && serde_json::from_slice::<Value>(&out.stdout)
                    .ok()
                    .is_some_and(|list| validator(&list, &op3)["tombstoned"] == true)
        },
    );
    let list = net.json(0, 0, &["query", "validators", "list"]);
    let v = validator(&list, &op3);
    assert_eq!(v["jailed"].as_bool(), Some(true), "{v}");
    let tokens_after: u128 = v["tokens"].as_str().unwrap().parse().unwrap();
    assert!(
        tokens_after < tokens_before,
        "validator 3 was not slashed: {tokens_before} -> {tokens_after}"
    );
    eventually(
        "validator 3 out of CometBFT's set",
        Duration::from_secs(30),
        || {
            let set = net.cometbft_set(0);
            set.len() == 3 && !set.contains(&cons3)
        },
    );
    makes_blocks(
        &net,
        5,
        Duration::from_secs(30),
        "the other three go on alone",
    );

    // The honest nodes agree on the app hash.
    let h = net.height(0).saturating_sub(1);
    eventually(
        "nodes 1 and 2 at the checked height",
        Duration::from_secs(30),
        || (1..3).all(|i| net.height(i) >= h),
    );
    let hash = net.app_hash(0, h);
    for i in 1..3 {
        assert_eq!(net.app_hash(i, h), hash, "node{i} at height {h}");
    }
}
