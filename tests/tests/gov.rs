//! End-to-end: governance on the 4-validator localnet (`localnet/up 4`), every step
//! through the `weaved` CLI.
//!
//! Four proposals are submitted in one voting period (30 s, a genesis patch):
//! 1. a channels params change (the challenge period), pinned by a precondition on
//!    the current params: three validators vote yes and the fourth splits its vote;
//!    it passes, the change shows in `query channels params` once voting ends, and
//!    the proposer's deposit comes back;
//! 2. a bank send-enabled change that two validators veto: its deposit is burned;
//! 3. a splits fee change together with a community pool spend larger than the pool:
//!    it passes the vote but its execution fails, the reason is queryable, and the
//!    fee change was not applied either;
//! 4. an expedited software upgrade at a later height: every node halts there, its
//!    `weaved` exits with `UPGRADE "v2" NEEDED at height H` in its log.
//!
//! Also: a vote by an account with no stake is refused, and every node has the same
//! app hash at the heights checked.
#![allow(clippy::unwrap_used, clippy::disallowed_methods, missing_docs)]

use std::time::Duration;

use serde_json::{json, Value};
use weave_e2e::{
    has_code,
    localnet::{eventually, Localnet},
};

/// Seconds of a regular voting period.
const VOTING_PERIOD: u64 = 30;
/// Blocks between the submission of the upgrade proposal and its height: blocks are
/// at least 0.5 s apart (`timeout_commit`), so the plan's height comes well after the
/// regular voting period ends, leaving time to check the other proposals.
const UPGRADE_MARGIN: u64 = 110;

/// Writes a proposal file and submits it from `from` with node 0's key ring.
fn submit(net: &Localnet, name: &str, proposal: Value, from: &str) -> u64 {
    let path = net.dir.join(format!("{name}.json"));
    std::fs::write(&path, serde_json::to_vec_pretty(&proposal).unwrap()).unwrap();
    let out = net.tx(
        0,
        0,
        &[
            "gov",
            "submit-proposal",
            path.to_str().unwrap(),
            "--from",
            from,
        ],
    );
    out["proposal_id"]
        .as_u64()
        .or_else(|| out["proposal_id"].as_str().and_then(|s| s.parse().ok()))
        .unwrap_or_else(|| panic!("no proposal_id in {out}"))
}

/// A module's params as `weaved query MODULE params` prints them.
fn params(net: &Localnet, module: &str) -> Value {
    let v = net.json(0, 0, &["query", module, "params"]);
    if v["params"].is_object() {
        v["params"].clone()
    } else {
        v
    }
}

fn proposal(net: &Localnet, id: u64) -> Value {
    net.json(0, 0, &["query", "gov", "proposal", &id.to_string()])
}

fn status(net: &Localnet, id: u64) -> String {
    let p = proposal(net, id);
    p["status"]
        .as_str()
        .or_else(|| p["proposal"]["status"].as_str())
        .unwrap_or_default()
        .to_lowercase()
}

fn field<'a>(p: &'a Value, name: &str) -> &'a Value {
    if p[name].is_null() {
        &p["proposal"][name]
    } else {
        &p[name]
    }
}

#[test]
fn governance_changes_params_vetoes_fails_cleanly_and_halts_for_an_upgrade() {
    let patch = json!({"app_state": {"gov": {"params": {
        "voting_period": VOTING_PERIOD,
        "expedited_voting_period": 15,
        "max_deposit_period": 60,
    }}}});
    let net = Localnet::up(4, "500ms", &patch.to_string());
    eventually("the chain to make blocks", Duration::from_secs(60), || {
        net.height(0) > 2
    });
    let gov = weave_kernel::gov_authority().to_string();
    let (user1, user2, user3) = (net.user(1), net.user(2), net.user(3));

    // 1. The channels challenge period, pinned to the current channels params.
    let before = params(&net, "channels");
    let period = before["challenge_period_blocks"].as_u64().unwrap();
    let new_period = period + 17;
    let p1 = submit(
        &net,
        "p1",
        json!({
            "title": "Longer challenge period",
            "summary": "Gives seeders more time to claim before a channel settles.",
            "deposit": "10000000uweave",
            "messages": [{
                "@type": "/weave.channels.v1.MsgUpdateParams",
                "authority": gov,
                "params": {
                    "seeder_share_bps": before["seeder_share_bps"],
                    "challenge_period_blocks": new_period.to_string(),
                    "max_vouchers_per_claim": before["max_vouchers_per_claim"],
                    "max_settlements_per_block": before["max_settlements_per_block"],
                },
            }],
            "pin_params": ["channels"],
        }),
        "user1",
    );
    // 2. Sends switched off: to be vetoed.
    let p2 = submit(
        &net,
        "p2",
        json!({
            "title": "Stop all sends",
            "summary": "A bad idea.",
            "deposit": "10000000uweave",
            "messages": [{
                "@type": "/weave.bank.v1.MsgUpdateParams",
                "authority": gov,
                "params": {"send_enabled": false},
            }],
        }),
        "user2",
    );
    // 3. A fee change and a spend the community pool cannot cover.
    let fee_before = params(&net, "splits");
    let p3 = submit(
        &net,
        "p3",
        json!({
            "title": "Fee change and a grant",
            "summary": "Fails in execution: the pool is smaller than the grant.",
            "deposit": "10000000uweave",
            "messages": [
                {
                    "@type": "/weave.splits.v1.MsgUpdateParams",
                    "authority": gov,
                    "params": {"protocol_fee_bps": 777},
                },
                {
                    "@type": "/weave.gov.v1.MsgCommunityPoolSpend",
                    "authority": gov,
                    "recipient": user3,
                    "amount": "1000000000000000",
                },
            ],
        }),
        "user3",
    );
    // 4. An expedited upgrade, far enough ahead for the other proposals to finish.
    let plan_height = net.height(0) + UPGRADE_MARGIN;
    let p4 = submit(
        &net,
        "p4",
        json!({
            "title": "Upgrade to v2",
            "summary": "Halts the chain for the v2 binary.",
            "deposit": "50000000uweave",
            "expedited": true,
            "messages": [{
                "@type": "/weave.gov.v1.MsgSoftwareUpgrade",
                "authority": gov,
                "plan": {"name": "v2", "height": plan_height.to_string(), "info": "weaved v2"},
            }],
        }),
        "validator",
    );
    for id in [p1, p2, p3, p4] {
        assert_eq!(status(&net, id), "voting", "{}", proposal(&net, id));
    }

    // An account with no stake may not vote.
    let out = net.weaved(
        0,
        0,
        &[
            "tx",
            "gov",
            "vote",
            &p1.to_string(),
            "yes",
            "--from",
            "user1",
            "--fees",
            weave_e2e::TEST_FEES,
            "--gas",
            weave_e2e::TEST_GAS,
            "--wait",
        ],
    );
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success() && has_code(&err, "gov", 9), "{err}");

    // Each validator votes from its own node, the four in parallel: 0-2 vote yes on
    // the upgrade first (its period is shorter), then yes on 1 and 3; 0 and 1 veto 2
    // and 2 votes yes on it; 3 splits its vote on 1 and says no elsewhere.
    std::thread::scope(|scope| {
        for i in 0..4u16 {
            let net = &net;
            scope.spawn(move || {
                let vote = |id: u64, option: &str| {
                    net.tx(
                        i,
                        i,
                        &[
                            "gov",
                            "vote",
                            &id.to_string(),
                            option,
                            "--from",
                            "validator",
                        ],
                    );
                };
                if i == 3 {
                    net.tx(
                        3,
                        3,
                        &[
                            "gov",
                            "vote-weighted",
                            &p1.to_string(),
                            "yes=0.5,abstain=0.5",
                            "--from",
                            "validator",
                        ],
                    );
                    vote(p2, "no");
                    vote(p3, "no");
                    return;
                }
                vote(p4, "yes");
                vote(p1, "yes");
                vote(p3, "yes");
                vote(p2, if i < 2 { "no-with-veto" } else { "yes" });
            });
        }
    });
    let votes = net.json(0, 0, &["query", "gov", "votes", &p1.to_string()]);
    assert_eq!(votes["votes"].as_array().unwrap().len(), 4, "{votes}");
    let tally = net.json(0, 0, &["query", "gov", "tally", &p2.to_string()]);
    assert_eq!(tally["final"], false, "{tally}");

    // The expedited upgrade passes first; the others when the regular period ends.
    let (b1, b2, b3) = (
        net.balance(&user1),
        net.balance(&user2),
        net.balance(&user3),
    );
    eventually(
        "the upgrade proposal to pass",
        Duration::from_secs(60),
        || status(&net, p4) == "passed",
    );
    let plan = net.json(0, 0, &["query", "gov", "upgrade-plan"]);
    assert!(plan.to_string().contains("v2"), "{plan}");
    eventually(
        "the regular voting period to end",
        Duration::from_secs(90),
        || {
            status(&net, p1) != "voting"
                && status(&net, p2) != "voting"
                && status(&net, p3) != "voting"
        },
    );
    assert!(
        net.height(0) < plan_height - 5,
        "the upgrade height came too soon to check the proposals"
    );

    // 1 passed: the channels challenge period changed, the deposit came back.
    assert_eq!(status(&net, p1), "passed", "{}", proposal(&net, p1));
    let after = params(&net, "channels");
    assert_eq!(after["challenge_period_blocks"].as_u64(), Some(new_period));
    assert_eq!(net.balance(&user1), b1 + 10_000_000);

    // 2 vetoed: the deposit is burned, not refunded; sends still work.
    assert_eq!(status(&net, p2), "vetoed", "{}", proposal(&net, p2));
    assert_eq!(net.balance(&user2), b2);
    let deposits = net.json(0, 0, &["query", "gov", "deposits", &p2.to_string()]);
    assert!(
        deposits["deposits"].as_array().is_none_or(|d| d.is_empty()),
        "{deposits}"
    );
    let bank = params(&net, "bank");
    assert_eq!(bank["send_enabled"], true, "{bank}");

    // 3 failed in execution: the reason is recorded and the fee change not applied.
    let p = proposal(&net, p3);
    assert_eq!(status(&net, p3), "failed", "{p}");
    let reason = field(&p, "failure_reason").as_str().unwrap_or_default();
    assert!(reason.contains("insufficient"), "{p}");
    assert_eq!(params(&net, "splits"), fee_before);
    assert_eq!(net.balance(&user3), b3 + 10_000_000);

    // The gov escrow is empty: every deposit was refunded or burned.
    assert_eq!(net.balance(&gov), 0);

    // Every node agrees on the app hash.
    let h = net.height(0).saturating_sub(1);
    eventually(
        "all nodes at the checked height",
        Duration::from_secs(30),
        || (1..4).all(|i| net.height(i) >= h),
    );
    let hash = net.app_hash(0, h);
    for i in 1..4 {
        assert_eq!(net.app_hash(i, h), hash, "node{i} at height {h}");
    }

    // 4: every node halts at the plan's height, saying why. A node that lagged
    // still gets the block from the halted ones, which linger before exiting.
    let halted = |i: u16| {
        std::fs::read_to_string(net.dir.join(format!("logs/weaved{i}.log")))
            .unwrap_or_default()
            .contains("UPGRADE \"v2\" NEEDED")
    };
    let deadline = std::time::Instant::now() + Duration::from_secs(180);
    while !(0..4).all(halted) {
        assert!(
            std::time::Instant::now() < deadline,
            "timed out waiting for every node to halt for the upgrade at {plan_height}: \
             halted {:?}, heights {:?}\n{}",
            (0..4).map(halted).collect::<Vec<_>>(),
            (0..4).map(|i| net.height(i)).collect::<Vec<_>>(),
            net.logs()
        );
        std::thread::sleep(Duration::from_millis(500));
    }
    for i in 0..4u16 {
        let log = std::fs::read_to_string(net.dir.join(format!("logs/weaved{i}.log"))).unwrap();
        assert!(
            log.contains(&format!("at height {plan_height}")),
            "node{i}: {log}"
        );
        let pid = nix::unistd::Pid::from_raw(net.pid(i));
        eventually("the node to exit", Duration::from_secs(90), || {
            nix::sys::signal::kill(pid, None).is_err()
        });
    }
}
