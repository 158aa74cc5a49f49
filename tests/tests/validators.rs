//! End-to-end: the 4-validator localnet (`localnet/up 4`), with validators held to
//! account.
//!
//! The localnet starts on free ports in a temporary directory, with a short liveness
//! window and jail time (a genesis patch). Then:
//! - all four validators sign blocks;
//! - a delegator delegates to node 1's validator, earns rewards and withdraws them;
//! - node 3 is stopped: it is jailed for downtime and CometBFT drops it from the
//!   validator set; restarted and unjailed after the jail time, it signs again;
//! - a fifth node joins the chain and becomes a validator with `MsgCreateValidator`,
//!   and its signature shows up in commits;
//! - every node has the same app hash at every height checked.
#![allow(clippy::unwrap_used, clippy::disallowed_methods, missing_docs)]

use std::{process::Command, time::Duration};

use serde_json::Value;
use weave_e2e::{
    localnet::{eventually, Localnet},
    weaved_bin,
};

fn validator<'a>(list: &'a Value, operator: &str) -> &'a Value {
    list["validators"]
        .as_array()
        .unwrap_or_else(|| panic!("no validators in {list}"))
        .iter()
        .find(|v| v["operator"].as_str() == Some(operator))
        .unwrap_or_else(|| panic!("no validator {operator} in {list}"))
}

#[test]
fn four_validators_are_held_to_account() {
    let mut net = Localnet::up(
        4,
        "500ms",
        r#"{"app_state":{"validators":{"params":{
            "signed_blocks_window":10,"min_signed_per_window_bps":5000,
            "downtime_jail_seconds":5,"unbonding_time_seconds":30}}}}"#,
    );
    let printed = &net.printed;
    assert!(
        printed.contains("node3") && printed.contains("http://127.0.0.1:"),
        "{printed}"
    );

    // All four validators are in CometBFT's set and sign.
    let cons: Vec<String> = (0..4).map(|i| net.cons_address(i)).collect();
    eventually(
        "four validators in the set",
        Duration::from_secs(30),
        || net.cometbft_set(0).len() == 4,
    );
    net.json(0, 0, &["query", "validators", "list"]);
    eventually(
        "a commit signed by all four",
        Duration::from_secs(30),
        || {
            let top = net.height(0);
            top > 1 && {
                let signed = net.signers(0, top - 1);
                cons.iter().all(|c| signed.contains(c))
            }
        },
    );

    // A delegator delegates to node 1's validator and earns rewards.
    let op1 = net.operator(1);
    net.tx(
        0,
        0,
        &[
            "validators",
            "delegate",
            &op1,
            "50000000uweave",
            "--from",
            "user1",
        ],
    );
    let user1 = String::from_utf8_lossy(
        &Command::new(weaved_bin())
            .args([
                "keys",
                "show",
                "user1",
                "--address",
                "--keyring-backend",
                "test",
                "--home",
            ])
            .arg(net.home(0))
            .output()
            .unwrap()
            .stdout,
    )
    .trim()
    .to_string();
    let rewards = |net: &Localnet| -> u128 {
        let r = net.json(0, 0, &["query", "validators", "rewards", &user1]);
        r["total_rewards"]
            .as_str()
            .unwrap_or_else(|| panic!("no total_rewards in {r}"))
            .trim_end_matches("uweave")
            .parse()
            .unwrap()
    };
    eventually("the delegator's rewards", Duration::from_secs(30), || {
        rewards(&net) > 0
    });
    let balance = |net: &Localnet, who: &str| -> u128 {
        let v = net.json(0, 0, &["query", "bank", "balances", who]);
        v["balances"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["denom"] == "uweave")
            .map_or(0, |c| c["amount"].as_str().unwrap().parse().unwrap())
    };
    let before = balance(&net, &user1);
    let withdrawn = net.tx(0, 0, &["validators", "withdraw-rewards", "--from", "user1"]);
    let paid: u128 = withdrawn["rewards_paid"]
        .as_str()
        .unwrap_or_else(|| panic!("no rewards_paid in {withdrawn}"))
        .trim_end_matches("uweave")
        .parse()
        .unwrap();
    assert!(paid > 0, "{withdrawn}");
    assert_eq!(balance(&net, &user1), before - weave_e2e::TEST_FEE + paid);

    // Node 3 stops: jailed for downtime, out of CometBFT's set.
    let op3 = net.operator(3);
    nix::sys::signal::kill(
        nix::unistd::Pid::from_raw(net.pid(3)),
        nix::sys::signal::Signal::SIGTERM,
    )
    .unwrap();
    eventually("node 3 jailed", Duration::from_secs(60), || {
        let list = net.json(0, 0, &["query", "validators", "list"]);
        validator(&list, &op3)["jailed"].as_bool() == Some(true)
    });
    eventually(
        "node 3 out of CometBFT's set",
        Duration::from_secs(30),
        || !net.cometbft_set(0).contains(&cons[3]),
    );
    assert_eq!(net.cometbft_set(0).len(), 3);

    // Restarted and, after the jail time, unjailed: it signs again.
    net.start(3);
    eventually("node 3 to catch up", Duration::from_secs(60), || {
        net.height(3) + 2 >= net.height(0)
    });
    std::thread::sleep(Duration::from_secs(5));
    net.tx(3, 3, &["validators", "unjail", "--from", "validator"]);
    eventually(
        "node 3 back in CometBFT's set",
        Duration::from_secs(30),
        || net.cometbft_set(0).contains(&cons[3]),
    );
    let h = net.height(0);
    eventually("node 3 signing again", Duration::from_secs(30), || {
        let top = net.height(0);
        top > h + 1 && net.signers(0, top - 1).contains(&cons[3])
    });

    // A fifth node joins and becomes a validator with MsgCreateValidator.
    let v4 = net.init_extra(4, "500ms");
    let op4 = v4["key"]["address"].as_str().unwrap().to_string();
    net.start(4);
    net.tx(0, 0, &["bank", "send", "user2", &op4, "200000000uweave"]);
    eventually("node 4 to catch up", Duration::from_secs(90), || {
        net.height(4) + 2 >= net.height(0)
    });
    net.tx(
        4,
        4,
        &[
            "validators",
            "create",
            "--amount",
            "100000000uweave",
            "--moniker",
            "node4",
            "--from",
            "validator",
        ],
    );
    let cons4 = net.cons_address(4);
    eventually("node 4 in CometBFT's set", Duration::from_secs(30), || {
        net.cometbft_set(0).contains(&cons4)
    });
    let h = net.height(0);
    eventually("node 4 signing", Duration::from_secs(30), || {
        let top = net.height(0);
        top > h + 1 && net.signers(0, top - 1).contains(&cons4)
    });
    let list = net.json(0, 0, &["query", "validators", "list"]);
    assert_eq!(
        validator(&list, &op4)["jailed"].as_bool(),
        Some(false),
        "{list}"
    );

    // The same app hash on every node at every height checked.
    let top = (0..5).map(|i| net.height(i)).min().unwrap();
    assert!(top > 10, "chain too short: {top}");
    for height in (1..=top).step_by(3).chain([top]) {
        let hashes: Vec<String> = (0..5).map(|i| net.app_hash(i, height)).collect();
        assert!(
            hashes.iter().all(|h| *h == hashes[0]),
            "app hashes differ at height {height}: {hashes:?}"
        );
    }
}
