//! Proposals, deposits, votes, tally, execution and the gov-only messages.

use weave_gov::{
    MSG_COMMUNITY_POOL_SPEND, MSG_DEPOSIT, MSG_SOFTWARE_UPGRADE, MSG_SUBMIT_PROPOSAL,
    MSG_UPDATE_PARAMS, MSG_VOTE, MSG_VOTE_WEIGHTED,
};
use weave_kernel::{community_pool, gov_authority, Any, TxError};
use weave_proto::weave::gov::v1 as pb;
use weave_testkit::addr;

use crate::*;

const YES: pb::VoteOption = pb::VoteOption::Yes;
const NO: pb::VoteOption = pb::VoteOption::No;
const ABSTAIN: pb::VoteOption = pb::VoteOption::Abstain;
const VETO: pb::VoteOption = pb::VoteOption::NoWithVeto;

fn params_msg(quorum_bps: u32) -> Any {
    params_msg_with(quorum_bps, 10_000_000)
}

fn params_msg_with(quorum_bps: u32, max_execution_gas: u64) -> Any {
    let mut p = weave_gov::Params {
        min_deposit: 1000,
        expedited_min_deposit: 5000,
        min_initial_deposit_bps: 2500,
        max_deposit_period: 100,
        voting_period: 100,
        expedited_voting_period: 50,
        quorum_bps: 3340,
        threshold_bps: 5000,
        expedited_threshold_bps: 6670,
        veto_threshold_bps: 3340,
        max_messages: 3,
        max_execution_gas: 10_000_000,
        max_ended_per_block: 10,
    };
    p.quorum_bps = quorum_bps;
    p.max_execution_gas = max_execution_gas;
    to_any(
        MSG_UPDATE_PARAMS,
        &pb::MsgUpdateParams {
            authority: gov_authority().to_string(),
            params: Some(p.to_proto()),
        },
    )
}

fn spend_msg(amount: u128) -> Any {
    to_any(
        MSG_COMMUNITY_POOL_SPEND,
        &pb::MsgCommunityPoolSpend {
            authority: gov_authority().to_string(),
            recipient: addr(NOBODY).to_string(),
            amount: amount.to_string(),
        },
    )
}

fn submit_full(
    env: &mut Env,
    msgs: &[Any],
    deposit: u128,
    expedited: bool,
    preconditions: Vec<pb::Precondition>,
) -> Result<(), TxError> {
    let m = pb::MsgSubmitProposal {
        messages: msgs.iter().map(pb_any).collect(),
        initial_deposit: deposit.to_string(),
        proposer: addr(PROPOSER).to_string(),
        metadata: String::new(),
        title: "Raise quorum".into(),
        summary: "s".into(),
        expedited,
        preconditions,
    };
    env.h
        .exec_checked(addr(PROPOSER), &to_any(MSG_SUBMIT_PROPOSAL, &m))
}

fn submit(env: &mut Env, msgs: &[Any], deposit: u128, expedited: bool) -> Result<(), TxError> {
    submit_full(env, msgs, deposit, expedited, Vec::new())
}

fn vote(env: &mut Env, voter: u8, id: u64, option: pb::VoteOption) -> Result<(), TxError> {
    let m = pb::MsgVote {
        proposal_id: id,
        voter: addr(voter).to_string(),
        option: option as i32,
        metadata: String::new(),
    };
    env.h.exec_checked(addr(voter), &to_any(MSG_VOTE, &m))
}

fn vote_weighted(
    env: &mut Env,
    voter: u8,
    id: u64,
    w: &[(pb::VoteOption, u32)],
) -> Result<(), TxError> {
    let m = pb::MsgVoteWeighted {
        proposal_id: id,
        voter: addr(voter).to_string(),
        options: w
            .iter()
            .map(|(o, bps)| pb::WeightedVoteOption {
                option: *o as i32,
                weight_bps: *bps,
            })
            .collect(),
        metadata: String::new(),
    };
    env.h
        .exec_checked(addr(voter), &to_any(MSG_VOTE_WEIGHTED, &m))
}

fn deposit(env: &mut Env, who: u8, id: u64, amount: u128) -> Result<(), TxError> {
    let m = pb::MsgDeposit {
        proposal_id: id,
        depositor: addr(who).to_string(),
        amount: amount.to_string(),
    };
    env.h.exec_checked(addr(who), &to_any(MSG_DEPOSIT, &m))
}

fn status(env: &Env, id: u64) -> pb::ProposalStatus {
    let p = proposal(&env.h, id).expect("proposal");
    pb::ProposalStatus::try_from(p.status).expect("status")
}

fn quorum(env: &Env) -> u32 {
    let r: pb::QueryParamsResponse = env
        .h
        .query("/weave.gov.v1.Query/Params", &pb::QueryParamsRequest {})
        .expect("params");
    r.params.expect("params").quorum_bps
}

/// Ends the voting period (100 s at 5 s a block).
fn end_voting(env: &mut Env) {
    env.h.advance(21).expect("blocks");
}

#[test]
fn passed_proposal_executes_and_refunds() {
    let mut env = Env::new();
    submit(&mut env, &[params_msg(4000)], 1000, false).expect("submit");
    assert_eq!(env.h.balance(&addr(PROPOSER)), FUNDS - 1000);
    assert_eq!(env.h.balance(&gov_authority()), 1000);
    assert_eq!(status(&env, 1), pb::ProposalStatus::VotingPeriod);
    vote(&mut env, V1, 1, YES).expect("vote");
    let supply = env.h.supply();
    end_voting(&mut env);
    assert_eq!(status(&env, 1), pb::ProposalStatus::Passed);
    assert_eq!(quorum(&env), 4000);
    assert_eq!(env.h.balance(&addr(PROPOSER)), FUNDS);
    assert_eq!(env.h.supply(), supply);
    let p = proposal(&env.h, 1).expect("proposal");
    assert_eq!(p.final_tally.expect("tally").yes, "600");
}

#[test]
fn quorum_not_reached_rejects_and_refunds() {
    let mut env = Env::new();
    submit(&mut env, &[params_msg(4000)], 1000, false).expect("submit");
    vote(&mut env, V3, 1, YES).expect("vote"); // 100 of 1000: 10% < 33.4%
    end_voting(&mut env);
    assert_eq!(status(&env, 1), pb::ProposalStatus::Rejected);
    assert_eq!(quorum(&env), 3340);
    assert_eq!(env.h.balance(&addr(PROPOSER)), FUNDS);
}

#[test]
fn threshold_not_reached_rejects() {
    let mut env = Env::new();
    submit(&mut env, &[params_msg(4000)], 1000, false).expect("submit");
    vote(&mut env, V1, 1, NO).expect("vote");
    vote(&mut env, V2, 1, YES).expect("vote");
    end_voting(&mut env);
    assert_eq!(status(&env, 1), pb::ProposalStatus::Rejected);
}

#[test]
fn abstain_does_not_count_toward_threshold() {
    let mut env = Env::new();
    submit(&mut env, &[params_msg(4000)], 1000, false).expect("submit");
    vote(&mut env, V1, 1, ABSTAIN).expect("vote");
    vote(&mut env, V2, 1, YES).expect("vote");
    vote(&mut env, V3, 1, NO).expect("vote");
    end_voting(&mut env);
    assert_eq!(status(&env, 1), pb::ProposalStatus::Passed);
}

#[test]
fn veto_burns_the_deposit() {
    let mut env = Env::new();
    submit(&mut env, &[params_msg(4000)], 1000, false).expect("submit");
    vote(&mut env, V1, 1, VETO).expect("vote");
    vote(&mut env, V2, 1, YES).expect("vote");
    let supply = env.h.supply();
    end_voting(&mut env);
    assert_eq!(status(&env, 1), pb::ProposalStatus::Vetoed);
    assert_eq!(env.h.balance(&addr(PROPOSER)), FUNDS - 1000);
    assert_eq!(env.h.balance(&gov_authority()), 0);
    assert_eq!(env.h.supply(), supply - 1000);
    assert_eq!(quorum(&env), 3340);
}

#[test]
fn failed_expedited_becomes_regular() {
    // 60% yes passes a normal proposal but not an expedited one.
    let mut env = Env::new();
    submit(&mut env, &[params_msg(4000)], 5000, true).expect("submit");
    submit(&mut env, &[params_msg(4500)], 1000, false).expect("submit");
    let p = proposal(&env.h, 1).expect("p");
    assert!(p.expedited);
    assert_eq!(p.voting_end_time - p.voting_start_time, 50);
    for id in [1, 2] {
        vote(&mut env, V1, id, YES).expect("vote");
        vote(&mut env, V2, id, NO).expect("vote");
        vote(&mut env, V3, id, NO).expect("vote");
    }
    env.h.advance(11).expect("blocks");
    // The expedited one did not pass: it became a regular proposal, votes kept.
    let p = proposal(&env.h, 1).expect("p");
    assert_eq!(p.status, pb::ProposalStatus::VotingPeriod as i32);
    assert!(!p.expedited);
    assert_eq!(p.voting_end_time - p.voting_start_time, 100);
    assert_eq!(status(&env, 2), pb::ProposalStatus::VotingPeriod);
    env.h.advance(10).expect("blocks");
    assert_eq!(status(&env, 1), pb::ProposalStatus::Passed);
    assert_eq!(status(&env, 2), pb::ProposalStatus::Passed);
    assert_eq!(quorum(&env), 4500, "proposal 2 executed after proposal 1");
}

#[test]
fn expedited_passes_with_a_supermajority() {
    let mut env = Env::new();
    submit(&mut env, &[params_msg(4000)], 5000, true).expect("submit");
    vote(&mut env, V1, 1, YES).expect("vote");
    vote(&mut env, V2, 1, YES).expect("vote");
    env.h.advance(11).expect("blocks");
    assert_eq!(status(&env, 1), pb::ProposalStatus::Passed);
}

#[test]
fn delegators_inherit_unless_they_vote() {
    let mut env = Env::new();
    env.delegate(DELEGATOR, V1, 300); // V1: 900 tokens
    submit(&mut env, &[params_msg(4000)], 1000, false).expect("submit");
    vote(&mut env, V1, 1, YES).expect("vote");
    let gov = env.gov.clone();
    let t = env
        .h
        .with_ctx(|ctx| gov.tally_proposal(ctx, 1))
        .expect("tally");
    assert_eq!((t.yes, t.no), (900, 0), "the delegator inherits");
    vote(&mut env, DELEGATOR, 1, NO).expect("vote");
    let t = env
        .h
        .with_ctx(|ctx| gov.tally_proposal(ctx, 1))
        .expect("tally");
    assert_eq!((t.yes, t.no), (600, 300), "the delegator overrides");
}

#[test]
fn weighted_votes_split_power() {
    let mut env = Env::new();
    submit(&mut env, &[params_msg(4000)], 1000, false).expect("submit");
    vote_weighted(&mut env, V1, 1, &[(YES, 7000), (NO, 3000)]).expect("vote");
    let gov = env.gov.clone();
    let t = env
        .h
        .with_ctx(|ctx| gov.tally_proposal(ctx, 1))
        .expect("tally");
    assert_eq!((t.yes, t.no), (420, 180));
    // Weights must sum to 10000, without repeats or unknown options.
    assert_eq!(
        code(vote_weighted(&mut env, V1, 1, &[(YES, 5000), (NO, 4000)])),
        ("gov", 8)
    );
    assert_eq!(
        code(vote_weighted(&mut env, V1, 1, &[(YES, 5000), (YES, 5000)])),
        ("gov", 8)
    );
    assert_eq!(
        code(vote(&mut env, V1, 1, pb::VoteOption::Unspecified)),
        ("gov", 8)
    );
}

#[test]
fn deposits_activate_and_expired_deposits_burn() {
    let mut env = Env::new();
    // Below 25% of the minimum.
    assert_eq!(
        code(submit(&mut env, &[params_msg(4000)], 200, false)),
        ("gov", 10)
    );
    submit(&mut env, &[params_msg(4000)], 500, false).expect("submit");
    assert_eq!(status(&env, 1), pb::ProposalStatus::DepositPeriod);
    assert_eq!(code(vote(&mut env, V1, 1, YES)), ("gov", 7));
    deposit(&mut env, DELEGATOR, 1, 500).expect("deposit");
    assert_eq!(status(&env, 1), pb::ProposalStatus::VotingPeriod);
    let r: pb::QueryDepositResponse = env
        .h
        .query(
            "/weave.gov.v1.Query/Deposit",
            &pb::QueryDepositRequest {
                proposal_id: 1,
                depositor: addr(DELEGATOR).to_string(),
            },
        )
        .expect("deposit query");
    assert_eq!(r.deposit.expect("deposit").amount, "500");

    // A second proposal never reaches the minimum: burned and removed.
    submit(&mut env, &[params_msg(4000)], 600, false).expect("submit");
    let supply = env.h.supply();
    env.h.advance(21).expect("blocks");
    assert!(proposal(&env.h, 2).is_err());
    assert_eq!(env.h.supply(), supply - 600);
    // The first was rejected (no votes) and both depositors refunded.
    assert_eq!(status(&env, 1), pb::ProposalStatus::Rejected);
    assert_eq!(env.h.balance(&addr(DELEGATOR)), FUNDS);
    assert_eq!(env.h.balance(&addr(PROPOSER)), FUNDS - 600);
    assert_eq!(code(deposit(&mut env, DELEGATOR, 1, 5)), ("gov", 6));
    assert_eq!(code(deposit(&mut env, DELEGATOR, 99, 5)), ("gov", 5));
    assert_eq!(code(deposit(&mut env, DELEGATOR, 1, 0)), ("gov", 2));
}

#[test]
fn failed_execution_is_recorded_and_applies_nothing() {
    let mut env = Env::new();
    // The params change would succeed, the spend cannot: nothing may apply.
    submit(
        &mut env,
        &[params_msg(4000), spend_msg(POOL + 1)],
        1000,
        false,
    )
    .expect("submit");
    vote(&mut env, V1, 1, YES).expect("vote");
    end_voting(&mut env);
    let p = proposal(&env.h, 1).expect("proposal");
    assert_eq!(p.status, pb::ProposalStatus::Failed as i32);
    assert!(
        p.failure_reason.contains("insufficient"),
        "{}",
        p.failure_reason
    );
    assert_eq!(quorum(&env), 3340);
    assert_eq!(env.h.balance(&community_pool()), POOL);
    assert_eq!(env.h.balance(&addr(PROPOSER)), FUNDS, "deposit refunded");
}

#[test]
fn preconditions_are_checked_at_execution() {
    let mut env = Env::new();
    let key = b"gov/params".to_vec();
    let current = env
        .h
        .with_ctx(|ctx| ctx.get(&key))
        .expect("read")
        .expect("params");
    let good = pb::Precondition {
        key: key.clone(),
        expected: current,
    };
    submit_full(
        &mut env,
        &[params_msg(4000)],
        1000,
        false,
        vec![good.clone()],
    )
    .expect("submit");
    submit_full(&mut env, &[params_msg(4500)], 1000, false, vec![good]).expect("submit");
    for id in [1, 2] {
        vote(&mut env, V1, id, YES).expect("vote");
    }
    end_voting(&mut env);
    // The first changed the params, so the second's precondition no longer holds.
    assert_eq!(status(&env, 1), pb::ProposalStatus::Passed);
    let p = proposal(&env.h, 2).expect("proposal");
    assert_eq!(p.status, pb::ProposalStatus::Failed as i32);
    assert!(
        p.failure_reason.contains("precondition"),
        "{}",
        p.failure_reason
    );
    assert_eq!(quorum(&env), 4000);
}

#[test]
fn bad_proposals_are_refused() {
    let mut env = Env::new();
    assert_eq!(code(submit(&mut env, &[], 1000, false)), ("gov", 3));
    let foreign = Any {
        type_url: "/weave.bank.v1.MsgSend".into(),
        value: Vec::new(),
    };
    assert_eq!(code(submit(&mut env, &[foreign], 1000, false)), ("gov", 4));
    let four = vec![params_msg(4000); 4];
    assert_eq!(code(submit(&mut env, &four, 1000, false)), ("gov", 3));
    // Voting needs stake and an open voting period.
    submit(&mut env, &[params_msg(4000)], 1000, false).expect("submit");
    assert_eq!(code(vote(&mut env, NOBODY, 1, YES)), ("gov", 9));
    assert_eq!(code(vote(&mut env, V1, 7, YES)), ("gov", 5));
    end_voting(&mut env);
    assert_eq!(code(vote(&mut env, V1, 1, YES)), ("gov", 7));
}

#[test]
fn gov_only_messages_check_the_authority() {
    let mut env = Env::new();
    let mut forged = pb::MsgUpdateParams {
        authority: addr(NOBODY).to_string(),
        params: Some(weave_gov::Params::default().to_proto()),
    };
    assert_eq!(
        code(
            env.h
                .exec_checked(addr(NOBODY), &to_any(MSG_UPDATE_PARAMS, &forged))
        ),
        ("gov", 11)
    );
    forged.authority = gov_authority().to_string();
    if let Some(p) = forged.params.as_mut() {
        p.quorum_bps = 0;
    }
    assert_eq!(
        code(
            env.h
                .exec_checked(gov_authority(), &to_any(MSG_UPDATE_PARAMS, &forged))
        ),
        ("gov", 12)
    );
    let spend = pb::MsgCommunityPoolSpend {
        authority: addr(NOBODY).to_string(),
        recipient: addr(NOBODY).to_string(),
        amount: "5".into(),
    };
    assert_eq!(
        code(
            env.h
                .exec_checked(addr(NOBODY), &to_any(MSG_COMMUNITY_POOL_SPEND, &spend))
        ),
        ("gov", 11)
    );
    env.h
        .exec_checked(gov_authority(), &spend_msg(500))
        .expect("spend");
    assert_eq!(env.h.balance(&addr(NOBODY)), FUNDS + 500);
    assert_eq!(env.h.balance(&community_pool()), POOL - 500);
}

#[test]
fn upgrade_plan_is_stored_and_queryable() {
    let mut env = Env::new();
    let msg = |name: &str, height: u64| {
        to_any(
            MSG_SOFTWARE_UPGRADE,
            &pb::MsgSoftwareUpgrade {
                authority: gov_authority().to_string(),
                plan: Some(pb::UpgradePlan {
                    name: name.into(),
                    height,
                    info: String::new(),
                }),
            },
        )
    };
    assert_eq!(
        code(env.h.exec_checked(gov_authority(), &msg("v2", 1))),
        ("gov", 16)
    );
    assert_eq!(
        code(env.h.exec_checked(gov_authority(), &msg("", 50))),
        ("gov", 16)
    );
    env.h
        .exec_checked(gov_authority(), &msg("v2", 50))
        .expect("schedule");
    let r: pb::QueryUpgradePlanResponse = env
        .h
        .query(
            "/weave.gov.v1.Query/UpgradePlan",
            &pb::QueryUpgradePlanRequest {},
        )
        .expect("query");
    let plan = r.plan.expect("plan");
    assert_eq!((plan.name.as_str(), plan.height), ("v2", 50));
    env.h
        .exec_checked(gov_authority(), &msg("", 0))
        .expect("cancel");
    let r: pb::QueryUpgradePlanResponse = env
        .h
        .query(
            "/weave.gov.v1.Query/UpgradePlan",
            &pb::QueryUpgradePlanRequest {},
        )
        .expect("query");
    assert!(r.plan.is_none());
}

#[test]
fn votes_are_queryable_and_replaceable() {
    let mut env = Env::new();
    submit(&mut env, &[params_msg(4000)], 1000, false).expect("submit");
    vote(&mut env, V2, 1, YES).expect("vote");
    vote(&mut env, V2, 1, NO).expect("revote");
    let r: pb::QueryVoteResponse = env
        .h
        .query(
            "/weave.gov.v1.Query/Vote",
            &pb::QueryVoteRequest {
                proposal_id: 1,
                voter: addr(V2).to_string(),
            },
        )
        .expect("vote query");
    let v = r.vote.expect("vote");
    assert_eq!(v.options.len(), 1);
    assert_eq!(v.options[0].option, NO as i32);
}

#[test]
fn execution_beyond_the_gas_bound_fails() {
    let mut env = Env::new();
    submit(&mut env, &[params_msg_with(4000, 1)], 1000, false).expect("submit");
    // One block later, so that it ends after the bound has changed.
    env.h.next_block().expect("block");
    submit(&mut env, &[spend_msg(10)], 1000, false).expect("submit");
    vote(&mut env, V1, 1, YES).expect("vote");
    vote(&mut env, V1, 2, YES).expect("vote");
    end_voting(&mut env);
    assert_eq!(status(&env, 1), pb::ProposalStatus::Passed);
    let p = proposal(&env.h, 2).expect("proposal");
    assert_eq!(p.status, pb::ProposalStatus::Failed as i32);
    assert!(p.failure_reason.contains("gov:18"), "{}", p.failure_reason);
    assert_eq!(env.h.balance(&community_pool()), POOL);
}
