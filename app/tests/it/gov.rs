//! Governance through the whole application: a proposal passed by bonded stake changes
//! another module's params, messages gov may not execute are refused at submission,
//! the tally query counts live votes, and an upgrade plan halts a binary that does
//! not know it while one that does applies it.

use std::sync::{
    atomic::{AtomicUsize, Ordering},
    Arc,
};

use prost::Message;
use weave_app::AppError;
use weave_genesis::AppState;
use weave_kernel::{gov_authority, Address, Any};
use weave_proto::weave::{bank::v1 as bank_pb, gov::v1 as pb, validators::v1 as vpb};
use weave_validators::{GenesisState, MSG_CREATE_VALIDATOR};

use crate::harness::*;

const BOND: u128 = 10_000_000;
const DEPOSIT: u128 = 10_000_000;
/// Seconds of voting; blocks are five seconds apart in the harness.
const VOTING_PERIOD: i64 = 20;

fn create_validator(operator: &Address, seed: u8, self_bond: u128) -> Any {
    let key = ed25519_consensus::SigningKey::from([seed; 32])
        .verification_key()
        .to_bytes();
    Any {
        type_url: MSG_CREATE_VALIDATOR.into(),
        value: vpb::MsgCreateValidator {
            operator: operator.to_string(),
            consensus_pubkey: key.to_vec(),
            self_bond: self_bond.to_string(),
            commission: Some(vpb::Commission {
                rate_bps: 500,
                max_rate_bps: 2_000,
                max_change_rate_bps: 100,
                updated_at_seconds: 0,
            }),
            description: Some(vpb::Description {
                moniker: format!("v{seed}"),
                ..Default::default()
            }),
            min_self_delegation: "1".into(),
        }
        .encode_to_vec(),
    }
}

/// Keys 1 and 2 are genesis validators with `BOND` and `2 * BOND`; gov votes for
/// `VOTING_PERIOD` seconds.
fn chain() -> TestChain {
    let keys = default_keys();
    let addrs: Vec<Address> = keys.iter().map(TestKey::address).collect();
    let mut state = AppState::with_funded(&addrs, INITIAL_BALANCE).unwrap();
    state.validators.gen_txs = [(1usize, 1u128), (2, 2)]
        .iter()
        .map(|&(i, n)| {
            let tx = TxBuilder::new(vec![create_validator(&addrs[i], 100 + i as u8, n * BOND)])
                .fee_coins(vec![])
                .sign(&keys[i]);
            GenesisState::encode_gen_tx(&tx)
        })
        .collect();
    state.gov.params.voting_period = VOTING_PERIOD;
    state.gov.params.expedited_voting_period = VOTING_PERIOD / 2;
    TestChain::with_genesis(keys, &state)
}

fn proto_any(type_url: &str, msg: &impl Message) -> prost_types::Any {
    prost_types::Any {
        type_url: type_url.into(),
        value: msg.encode_to_vec(),
    }
}

fn bank_send_enabled(enabled: bool) -> prost_types::Any {
    proto_any(
        weave_bank::MSG_UPDATE_PARAMS,
        &bank_pb::MsgUpdateParams {
            authority: gov_authority().to_string(),
            params: Some(bank_pb::Params {
                send_enabled: enabled,
            }),
        },
    )
}

fn submit(chain: &TestChain, proposer: usize, messages: Vec<prost_types::Any>) -> Vec<u8> {
    let key = &chain.keys[proposer];
    let msg = pb::MsgSubmitProposal {
        messages,
        initial_deposit: DEPOSIT.to_string(),
        proposer: key.address().to_string(),
        metadata: String::new(),
        title: "t".into(),
        summary: "s".into(),
        expedited: false,
        preconditions: Vec::new(),
    };
    chain
        .tx(
            key,
            vec![Any {
                type_url: weave_gov::MSG_SUBMIT_PROPOSAL.into(),
                value: msg.encode_to_vec(),
            }],
        )
        .sign(key)
}

fn vote(chain: &TestChain, voter: usize, id: u64, option: pb::VoteOption) -> Vec<u8> {
    let key = &chain.keys[voter];
    let msg = pb::MsgVote {
        proposal_id: id,
        voter: key.address().to_string(),
        option: option as i32,
        metadata: String::new(),
    };
    chain
        .tx(
            key,
            vec![Any {
                type_url: weave_gov::MSG_VOTE.into(),
                value: msg.encode_to_vec(),
            }],
        )
        .sign(key)
}

fn proposal(chain: &TestChain, id: u64) -> pb::Proposal {
    let res: pb::QueryProposalResponse = chain.query(
        "/weave.gov.v1.Query/Proposal",
        &pb::QueryProposalRequest { proposal_id: id },
    );
    res.proposal.unwrap()
}

fn tally(chain: &TestChain, id: u64) -> pb::QueryTallyResponse {
    chain.query(
        "/weave.gov.v1.Query/Tally",
        &pb::QueryTallyRequest { proposal_id: id },
    )
}

/// Delivers empty blocks until the voting period of proposal `id` has ended.
fn end_voting(chain: &mut TestChain, id: u64) {
    let end = proposal(chain, id).voting_end_time;
    while GENESIS_TIME + 5 * (chain.height + 1) <= end {
        chain.deliver_block(&[]);
    }
    chain.deliver_block(&[]);
}

fn send_enabled(chain: &TestChain) -> bool {
    let res: bank_pb::QueryParamsResponse = chain.query(
        "/weave.bank.v1.Query/Params",
        &bank_pb::QueryParamsRequest {},
    );
    res.params.unwrap().send_enabled
}

#[test]
fn a_passed_proposal_changes_bank_params_and_stake_decides() {
    let mut chain = chain();
    let res = chain.deliver_block(&[submit(&chain, 3, vec![bank_send_enabled(false)])]);
    assert_ok(&res.tx_results[0]);
    assert_eq!(
        proposal(&chain, 1).status,
        pb::ProposalStatus::VotingPeriod as i32
    );

    // Key 1 (a third of the stake) votes no, key 2 (two thirds) yes; key 3 holds no
    // stake and may not vote.
    let res = chain.deliver_block(&[
        vote(&chain, 1, 1, pb::VoteOption::No),
        vote(&chain, 2, 1, pb::VoteOption::Yes),
        vote(&chain, 3, 1, pb::VoteOption::Yes),
    ]);
    assert_ok(&res.tx_results[0]);
    assert_ok(&res.tx_results[1]);
    assert_eq!(
        (res.tx_results[2].codespace.as_str(), res.tx_results[2].code),
        ("gov", 9)
    );
    let live = tally(&chain, 1);
    assert!(!live.r#final);
    assert_eq!(live.total_bonded, (3 * BOND).to_string());
    let t = live.tally.unwrap();
    assert_eq!((t.yes, t.no), ((2 * BOND).to_string(), BOND.to_string()));
    assert!(send_enabled(&chain));

    let proposer_before = chain.balance(&chain.addr(3));
    end_voting(&mut chain, 1);
    let p = proposal(&chain, 1);
    assert_eq!(p.status, pb::ProposalStatus::Passed as i32, "{p:?}");
    assert!(tally(&chain, 1).r#final);
    assert!(!send_enabled(&chain));
    // The deposit came back.
    assert_eq!(chain.balance(&chain.addr(3)), proposer_before + DEPOSIT);
    // And sends are now refused.
    let res = chain.deliver_block(&[chain.send(4, &chain.addr(0), 1)]);
    assert_ne!(res.tx_results[0].code, 0);

    // A vote after the end is refused.
    let res = chain.deliver_block(&[vote(&chain, 2, 1, pb::VoteOption::Yes)]);
    assert_eq!(
        (res.tx_results[0].codespace.as_str(), res.tx_results[0].code),
        ("gov", 7)
    );

    // Listing by status finds it.
    let list: pb::QueryProposalsResponse = chain.query(
        "/weave.gov.v1.Query/Proposals",
        &pb::QueryProposalsRequest {
            status: pb::ProposalStatus::Passed as i32,
            page: None,
        },
    );
    assert_eq!(list.proposals.len(), 1);
    let votes: pb::QueryVotesResponse = chain.query(
        "/weave.gov.v1.Query/Votes",
        &pb::QueryVotesRequest {
            proposal_id: 1,
            page: None,
        },
    );
    assert_eq!(votes.votes.len(), 2);
}

#[test]
fn messages_gov_may_not_execute_are_refused_at_submission() {
    let mut chain = chain();
    let gov = gov_authority().to_string();
    let send_from_gov = proto_any(
        weave_bank::MSG_SEND,
        &bank_pb::MsgSend {
            from_address: gov.clone(),
            to_address: chain.addr(3).to_string(),
            amount: vec![],
        },
    );
    let unknown = proto_any("/weave.nothing.v1.MsgNothing", &bank_pb::Params::default());
    let supply = chain.total_supply();
    for (msgs, code) in [
        (vec![send_from_gov], 4),
        (vec![unknown], 4),
        (vec![bank_send_enabled(true), bank_send_enabled(false)], 0),
        (Vec::new(), 3),
    ] {
        let res = chain.deliver_block(&[submit(&chain, 3, msgs)]);
        let r = &res.tx_results[0];
        if code == 0 {
            assert_ok(r);
        } else {
            assert_eq!((r.codespace.as_str(), r.code), ("gov", code), "{}", r.log);
        }
    }
    assert_eq!(chain.total_supply(), supply);

    // A MsgUpdateParams signed by anyone but the gov authority is refused by bank.
    let key = &chain.keys[3];
    let msg = bank_pb::MsgUpdateParams {
        authority: key.address().to_string(),
        params: Some(bank_pb::Params {
            send_enabled: false,
        }),
    };
    let tx = chain
        .tx(
            key,
            vec![Any {
                type_url: weave_bank::MSG_UPDATE_PARAMS.into(),
                value: msg.encode_to_vec(),
            }],
        )
        .sign(key);
    let res = chain.deliver_block(&[tx]);
    assert_eq!(res.tx_results[0].codespace, "bank");
    assert_ne!(res.tx_results[0].code, 0);
    assert!(send_enabled(&chain));
}

#[test]
fn an_upgrade_plan_halts_the_old_binary_and_the_new_one_applies_it() {
    let mut chain = chain();
    let plan_height = 12;
    let upgrade = proto_any(
        weave_gov::MSG_SOFTWARE_UPGRADE,
        &pb::MsgSoftwareUpgrade {
            authority: gov_authority().to_string(),
            plan: Some(pb::UpgradePlan {
                name: "v2".into(),
                height: plan_height,
                info: "weaved v2".into(),
            }),
        },
    );
    let res = chain.deliver_block(&[submit(&chain, 3, vec![upgrade])]);
    assert_ok(&res.tx_results[0]);
    chain.deliver_block(&[vote(&chain, 2, 1, pb::VoteOption::Yes)]);
    end_voting(&mut chain, 1);
    assert_eq!(
        proposal(&chain, 1).status,
        pb::ProposalStatus::Passed as i32
    );
    while chain.height + 1 < plan_height as i64 {
        chain.deliver_block(&[]);
    }

    // The old binary refuses the plan's block, again after a restart.
    let hash_before = chain.info().last_block_app_hash;
    for _ in 0..2 {
        match chain.try_finalize(&[]) {
            Err(AppError::UpgradeNeeded { name, height, .. }) => {
                assert_eq!((name.as_str(), height), ("v2", plan_height));
            }
            other => panic!("expected UpgradeNeeded, got {other:?}"),
        }
        chain.reopen();
        assert_eq!(chain.height, plan_height as i64 - 1);
        assert_eq!(chain.info().last_block_app_hash, hash_before);
    }

    // The new binary runs its handler once and the chain goes on.
    let runs = Arc::new(AtomicUsize::new(0));
    let counter = runs.clone();
    chain.reopen_with(|app| {
        app.with_upgrade(
            "v2",
            Arc::new(move |ctx| {
                counter.fetch_add(1, Ordering::SeqCst);
                ctx.put(b"bank/upgraded".to_vec(), b"v2".to_vec())
            }),
        )
    });
    let res = chain.deliver_block(&[]);
    assert!(res.events.iter().any(|e| e.r#type == "upgrade_applied"));
    chain.deliver_block(&[]);
    assert_eq!(runs.load(Ordering::SeqCst), 1);
    let plan: pb::QueryUpgradePlanResponse = chain.query(
        "/weave.gov.v1.Query/UpgradePlan",
        &pb::QueryUpgradePlanRequest {},
    );
    assert!(plan.plan.is_none());
}

fn auth_params(min_gas_price: &str, max_tx_gas: u64) -> prost_types::Any {
    let mut p = weave_app::auth::AuthParams::default().to_proto();
    p.min_gas_price = min_gas_price.into();
    p.max_tx_gas = max_tx_gas;
    proto_any(
        weave_app::auth::MSG_UPDATE_PARAMS,
        &weave_proto::weave::auth::v1::MsgUpdateParams {
            authority: gov_authority().to_string(),
            params: Some(p),
        },
    )
}

#[test]
fn governance_changes_the_ante_params_and_refuses_ones_that_would_lock_it_out() {
    let mut chain = chain();
    // Proposal 1 raises the minimum gas price; proposal 2 would cap transactions
    // below what a vote needs, which auth's validation refuses at execution.
    let res = chain.deliver_block(&[submit(&chain, 3, vec![auth_params("1", 100_000_000)])]);
    assert_ok(&res.tx_results[0]);
    let res = chain.deliver_block(&[submit(&chain, 4, vec![auth_params("0.025", 1_000)])]);
    assert_ok(&res.tx_results[0]);
    chain.deliver_block(&[
        vote(&chain, 2, 1, pb::VoteOption::Yes),
        vote(&chain, 1, 2, pb::VoteOption::Yes),
    ]);
    chain.deliver_block(&[vote(&chain, 2, 2, pb::VoteOption::Yes)]);
    end_voting(&mut chain, 2);
    assert_eq!(
        proposal(&chain, 1).status,
        pb::ProposalStatus::Passed as i32
    );
    let failed = proposal(&chain, 2);
    assert_eq!(failed.status, pb::ProposalStatus::Failed as i32);
    assert!(
        failed.failure_reason.contains("max_tx_gas"),
        "{}",
        failed.failure_reason
    );
    let res: weave_proto::weave::auth::v1::QueryParamsResponse = chain.query(
        weave_app::auth::QUERY_PARAMS,
        &weave_proto::weave::auth::v1::QueryParamsRequest {},
    );
    let p = res.params.unwrap();
    assert_eq!((p.min_gas_price.as_str(), p.max_tx_gas), ("1", 100_000_000));
    // The harness' default fee now pays too little for its gas.
    assert_ne!(chain.check(&chain.send(3, &chain.addr(4), 1)).code, 0);

    // Signed by anyone but the gov authority: refused.
    let key = &chain.keys[3];
    let mut msg = weave_proto::weave::auth::v1::MsgUpdateParams {
        authority: key.address().to_string(),
        params: Some(weave_app::auth::AuthParams::default().to_proto()),
    };
    msg.params.as_mut().unwrap().min_gas_price = "0".into();
    let tx = chain
        .tx(
            key,
            vec![Any {
                type_url: weave_app::auth::MSG_UPDATE_PARAMS.into(),
                value: msg.encode_to_vec(),
            }],
        )
        .fee(10_000_000)
        .gas(1_000_000)
        .sign(key);
    let res = chain.deliver_block(&[tx]);
    assert_eq!(
        (res.tx_results[0].codespace.as_str(), res.tx_results[0].code),
        ("sdk", 4),
        "{}",
        res.tx_results[0].log
    );
}
