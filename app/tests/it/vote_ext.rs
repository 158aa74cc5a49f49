//! Vote extensions through the application, with the seeders module's availability
//! probes as their content: a seeder is bonded to registered content, a probe round
//! opens, each validator's extension is its probe report for its own challenges; the
//! proposer injects the extended commit first in its block, ProcessProposal accepts it
//! only when every extension is signed by its validator, is that validator's report and
//! the votes are the block's last commit, FinalizeBlock applies it (the seeder's probe
//! passes count) or skips a bad one without halting, and VerifyVoteExtension rejects
//! malformed, oversized and mismatched extensions.

use prost::Message;
use tendermint_proto::v0_38::{
    abci::{
        response_process_proposal::ProposalStatus, response_verify_vote_extension::VerifyStatus,
        CommitInfo, ExtendedCommitInfo, ExtendedVoteInfo, RequestExtendVote, RequestFinalizeBlock,
        RequestPrepareProposal, RequestProcessProposal, RequestVerifyVoteExtension, Validator,
        VoteInfo,
    },
    types::BlockIdFlag,
};
use weave_app::vote_ext::{sign_bytes, INJECTED_PREFIX, MAX_EXTENSION_BYTES};
use weave_genesis::AppState;
use weave_kernel::{consensus_address, Address, Any};
use weave_proto::weave::{seeders::v1 as spb, validators::v1 as vpb};
use weave_seeders::{
    challenges, expected_round, peer_id::ed25519_peer_id, ProbeOutcome, ProbeReport,
};
use weave_validators::{GenesisState, MSG_CREATE_VALIDATOR};

use crate::harness::*;

fn signing_key(seed: u8) -> ed25519_consensus::SigningKey {
    ed25519_consensus::SigningKey::from([seed; 32])
}

fn create_validator(operator: &Address, seed: u8) -> Any {
    Any {
        type_url: MSG_CREATE_VALIDATOR.into(),
        value: vpb::MsgCreateValidator {
            operator: operator.to_string(),
            consensus_pubkey: signing_key(seed).verification_key().to_bytes().to_vec(),
            self_bond: "10000000".into(),
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

/// Rounds open every `INTERVAL` blocks and are reported one block later.
const INTERVAL: u64 = 4;

/// Two genesis validators (consensus keys from seeds 101 and 102), content registered
/// by key 3 and a seeder (key 4) bonded to it; committed up to the height whose votes
/// carry the reports of the round opened at `INTERVAL`.
fn chain() -> TestChain {
    chain_with(&[1, 2], 0)
}

/// Like [`chain`], with genesis validators of keys `validators` (consensus keys from
/// seeds 100 + i) and vote extensions on from `enable_height` (0: off).
fn chain_with(validators: &[usize], enable_height: i64) -> TestChain {
    let keys = default_keys();
    let addrs: Vec<Address> = keys.iter().map(TestKey::address).collect();
    let mut state = AppState::with_funded(&addrs, INITIAL_BALANCE).unwrap();
    state.validators.gen_txs = validators
        .iter()
        .map(|&i| {
            let tx = TxBuilder::new(vec![create_validator(&addrs[i], 100 + i as u8)])
                .fee_coins(vec![])
                .sign(&keys[i]);
            GenesisState::encode_gen_tx(&tx)
        })
        .collect();
    state.seeders.params.probe_interval_blocks = INTERVAL;
    state.seeders.params.probe_report_delay_blocks = 1;
    state.seeders.params.challenges_per_validator = 2;
    let mut chain = TestChain::with_vote_extensions(keys, &state, enable_height);
    let creator = chain.addr(3);
    let register = crate::content::register(&creator, &[(creator, 10_000)]);
    let tx = chain
        .tx(&chain.keys[3], vec![register])
        .sign(&chain.keys[3]);
    assert_ok(&chain.deliver_block(&[tx]).tx_results[0]);
    let seeder = &chain.keys[4];
    let bond = Any {
        type_url: "/weave.seeders.v1.MsgBondSeeder".into(),
        value: spb::MsgBondSeeder {
            seeder: seeder.address().to_string(),
            amount: "10000000".into(),
            peer_id: ed25519_peer_id(&signing_key(7).verification_key().to_bytes()),
            addrs: vec!["/ip4/127.0.0.1/tcp/4001".into()],
            contents: vec![vec![9; 32]],
        }
        .encode_to_vec(),
    };
    let tx = chain.tx(seeder, vec![bond]).sign(seeder);
    assert_ok(&chain.deliver_block(&[tx]).tx_results[0]);
    while chain.height < INTERVAL as i64 + 1 {
        chain.deliver_block(&[]);
    }
    chain
}

/// Validator `seed`'s report on its challenges of the round reported at `vote_height`.
fn report(chain: &TestChain, seed: u8, vote_height: i64, outcome: ProbeOutcome) -> Vec<u8> {
    let state = chain.app().storage().state();
    let round = expected_round(state.as_ref(), vote_height as u64)
        .unwrap()
        .expect("a round reported at this height");
    let cs = challenges(&round, &address(seed), round.challenges_per_validator);
    assert!(!cs.is_empty());
    ProbeReport::new(round.height, &cs, &vec![outcome; cs.len()]).to_bytes()
}

fn probe_passes(chain: &TestChain) -> u64 {
    let res: spb::QueryEpochInputsResponse = chain.query(
        "/weave.seeders.v1.Query/EpochInputs",
        &spb::QueryEpochInputsRequest {
            seeder: chain.addr(4).to_string(),
        },
    );
    res.tally.map_or(0, |t| t.probe_passes)
}

fn address(seed: u8) -> Vec<u8> {
    consensus_address(&signing_key(seed).verification_key().to_bytes()).to_vec()
}

/// The extended commit of `height` in which both validators committed, each with the
/// extension `extension(seed)` signed by its own key.
fn extended_commit(height: i64, extension: impl Fn(u8) -> Vec<u8>) -> ExtendedCommitInfo {
    ExtendedCommitInfo {
        round: 0,
        votes: [101u8, 102]
            .iter()
            .map(|&seed| {
                let ext = extension(seed);
                ExtendedVoteInfo {
                    validator: Some(Validator {
                        address: address(seed).into(),
                        power: 10,
                    }),
                    extension_signature: signing_key(seed)
                        .sign(&sign_bytes(&ext, height, 0, CHAIN_ID))
                        .to_bytes()
                        .to_vec()
                        .into(),
                    vote_extension: ext.into(),
                    block_id_flag: BlockIdFlag::Commit as i32,
                }
            })
            .collect(),
    }
}

/// Both validators' honest reports at the last committed height: every probe passed.
fn honest(chain: &TestChain) -> ExtendedCommitInfo {
    let h = chain.height;
    extended_commit(h, |seed| report(chain, seed, h, ProbeOutcome::Passed))
}

fn last_commit(e: &ExtendedCommitInfo) -> CommitInfo {
    CommitInfo {
        round: e.round,
        votes: e
            .votes
            .iter()
            .map(|v| VoteInfo {
                validator: v.validator.clone(),
                block_id_flag: v.block_id_flag,
            })
            .collect(),
    }
}

fn injected(e: &ExtendedCommitInfo) -> Vec<u8> {
    let mut tx = INJECTED_PREFIX.to_vec();
    e.encode(&mut tx).unwrap();
    tx
}

fn process(chain: &TestChain, txs: &[Vec<u8>], last: &CommitInfo) -> bool {
    let height = chain.height + 1;
    let res = chain.app().process_proposal(RequestProcessProposal {
        txs: txs.iter().map(|t| t.clone().into()).collect(),
        proposed_last_commit: Some(last.clone()),
        height,
        ..Default::default()
    });
    res.status == ProposalStatus::Accept as i32
}

#[test]
fn the_proposer_injects_the_extended_commit_first_and_it_verifies() {
    let chain = chain();
    let ext = honest(&chain);
    let send = chain.send(3, &chain.addr(4), 5);
    let res = chain.app().prepare_proposal(RequestPrepareProposal {
        max_tx_bytes: 1 << 20,
        txs: vec![send.clone().into()],
        local_last_commit: Some(ext.clone()),
        height: chain.height + 1,
        ..Default::default()
    });
    assert_eq!(res.txs.len(), 2);
    assert_eq!(res.txs[0].as_ref(), injected(&ext).as_slice());
    assert_eq!(res.txs[1].as_ref(), send.as_slice());
    let txs: Vec<Vec<u8>> = res.txs.iter().map(|t| t.to_vec()).collect();
    assert!(process(&chain, &txs, &last_commit(&ext)));

    // Nothing to inject when no vote carries an extension.
    let empty = extended_commit(chain.height, |_| Vec::new());
    let res = chain.app().prepare_proposal(RequestPrepareProposal {
        max_tx_bytes: 1 << 20,
        local_last_commit: Some(empty),
        height: chain.height + 1,
        ..Default::default()
    });
    assert!(res.txs.is_empty());
}

#[test]
fn tampered_misplaced_or_mismatched_injections_are_rejected() {
    let chain = chain();
    let ext = honest(&chain);
    let last = last_commit(&ext);

    // A proposer that turns one validator's passes into failures breaks its signature.
    let mut tampered = ext.clone();
    tampered.votes[1].vote_extension =
        report(&chain, 102, chain.height, ProbeOutcome::Failed).into();
    assert!(!process(&chain, &[injected(&tampered)], &last));
    // Signed for another height.
    let h = chain.height;
    let other_height = extended_commit(h - 1, |seed| report(&chain, seed, h, ProbeOutcome::Passed));
    assert!(!process(&chain, &[injected(&other_height)], &last));
    // Validly signed, but a validator that sent another validator's report.
    let swapped = extended_commit(h, |seed| {
        report(&chain, 203 - seed, h, ProbeOutcome::Passed)
    });
    assert!(!process(
        &chain,
        &[injected(&swapped)],
        &last_commit(&swapped)
    ));
    // Not first in the block.
    let send = chain.send(3, &chain.addr(4), 5);
    assert!(!process(&chain, &[send.clone(), injected(&ext)], &last));
    // Votes that are not the block's last commit (a validator's power changed).
    let mut other = last.clone();
    other.votes[0].validator.as_mut().unwrap().power = 11;
    assert!(!process(&chain, &[injected(&ext)], &other));
    // An extension on a vote that did not commit.
    let mut absent = ext.clone();
    absent.votes[0].block_id_flag = BlockIdFlag::Absent as i32;
    assert!(!process(
        &chain,
        &[injected(&absent)],
        &last_commit(&absent)
    ));
    // Garbage after the prefix.
    let mut garbage = INJECTED_PREFIX.to_vec();
    garbage.extend_from_slice(&[0xff; 7]);
    assert!(!process(&chain, &[garbage], &last));
    // The honest one passes.
    assert!(process(&chain, &[injected(&ext), send], &last));
}

#[test]
fn finalize_skips_a_bad_injection_and_the_chain_goes_on() {
    let mut chain = chain();
    let ext = honest(&chain);
    let mut tampered = ext.clone();
    tampered.votes[0].vote_extension =
        report(&chain, 101, chain.height, ProbeOutcome::Failed).into();
    let send = chain.send(3, &chain.addr(4), 5);
    let height = chain.height + 1;
    let res = chain
        .app()
        .finalize_block(RequestFinalizeBlock {
            txs: vec![injected(&tampered).into(), send.into()],
            decided_last_commit: Some(last_commit(&ext)),
            height,
            ..Default::default()
        })
        .unwrap();
    assert_eq!(res.tx_results[0].codespace, "vote_extensions");
    assert_ne!(res.tx_results[0].code, 0);
    assert_ok(&res.tx_results[1]);
    assert!(!res
        .tx_results
        .iter()
        .flat_map(|r| &r.events)
        .any(|e| e.r#type.contains("Probe")));

    // The same height finalized again (as after a crash before Commit), now with the
    // honest injection: it is applied and the seeder passed the round.
    let height = chain.height + 1;
    let res = chain
        .app()
        .finalize_block(RequestFinalizeBlock {
            txs: vec![injected(&ext).into()],
            decided_last_commit: Some(last_commit(&ext)),
            height,
            ..Default::default()
        })
        .unwrap();
    assert_ok(&res.tx_results[0]);
    chain.commit();
    assert_eq!(probe_passes(&chain), 1);
    // An injected commit is never a transaction for the mempool.
    assert_ne!(chain.check(&injected(&ext)).code, 0);
}

#[test]
fn vote_extensions_are_bounded_and_extend_vote_without_a_prober_is_empty() {
    let chain = chain();
    let h = chain.height;
    let verify = |extension: Vec<u8>, address: Vec<u8>, height: i64| {
        chain
            .app()
            .verify_vote_extension(RequestVerifyVoteExtension {
                validator_address: address.into(),
                height,
                vote_extension: extension.into(),
                ..Default::default()
            })
            .status
    };
    let (accept, reject) = (VerifyStatus::Accept as i32, VerifyStatus::Reject as i32);
    assert_eq!(verify(Vec::new(), address(101), h + 1), accept);
    let own = report(&chain, 101, h, ProbeOutcome::Passed);
    assert_eq!(verify(own.clone(), address(101), h), accept);
    // Oversized, malformed, from a bad address, another validator's report, and a
    // report at a height that reports no round.
    assert_eq!(
        verify(vec![1; MAX_EXTENSION_BYTES + 1], address(101), h),
        reject
    );
    assert_eq!(verify(vec![0xff; 9], address(101), h), reject);
    assert_eq!(verify(own.clone(), vec![1; 5], h), reject);
    assert_eq!(verify(own.clone(), address(102), h), reject);
    assert_eq!(verify(own, address(101), h + 1), reject);
    let res = chain.app().extend_vote(RequestExtendVote {
        height: chain.height + 1,
        ..Default::default()
    });
    assert!(res.vote_extension.is_empty());
    chain
        .app()
        .set_vote_extender(std::sync::Arc::new(|h| format!("h{h}").into_bytes()));
    let res = chain.app().extend_vote(RequestExtendVote {
        height: 9,
        ..Default::default()
    });
    assert_eq!(res.vote_extension.as_ref(), b"h9");
}

// ---- Issue 15, item 1: the proposer does not decide which probe reports count. ----

/// Four validators (seeds 100..=103) with powers 10, 10, 40 and 40 in the last
/// commit, vote extensions on from height 1.
const SET: [(u8, i64); 4] = [(100, 10), (101, 10), (102, 40), (103, 40)];

fn chain4() -> TestChain {
    chain_with(&[0, 1, 2, 3], 1)
}

/// A committed vote of `seed` with `power`, its extension signed by its own key at
/// `height`.
fn signed_vote(seed: u8, power: i64, height: i64, ext: Vec<u8>) -> ExtendedVoteInfo {
    ExtendedVoteInfo {
        validator: Some(Validator {
            address: address(seed).into(),
            power,
        }),
        extension_signature: signing_key(seed)
            .sign(&sign_bytes(&ext, height, 0, CHAIN_ID))
            .to_bytes()
            .to_vec()
            .into(),
        vote_extension: ext.into(),
        block_id_flag: BlockIdFlag::Commit as i32,
    }
}

/// The extended commit of the last committed height over [`SET`]: each validator
/// reports `outcome(seed)` on all its challenges, or nothing (`None`).
fn commit4(chain: &TestChain, outcome: impl Fn(u8) -> Option<ProbeOutcome>) -> ExtendedCommitInfo {
    let h = chain.height;
    ExtendedCommitInfo {
        round: 0,
        votes: SET
            .iter()
            .map(|&(seed, power)| {
                let ext = outcome(seed).map_or_else(Vec::new, |o| report(chain, seed, h, o));
                signed_vote(seed, power, h, ext)
            })
            .collect(),
    }
}

/// Finalizes and commits the next block with `ext` injected; returns the injection's
/// result code.
fn apply(chain: &mut TestChain, ext: &ExtendedCommitInfo) -> u32 {
    let height = chain.height + 1;
    let res = chain
        .app()
        .finalize_block(RequestFinalizeBlock {
            txs: vec![injected(ext).into()],
            decided_last_commit: Some(last_commit(ext)),
            height,
            ..Default::default()
        })
        .unwrap();
    chain.commit();
    res.tx_results[0].code
}

/// The seeder's (passes, fails) this epoch.
fn probe_tally(chain: &TestChain) -> (u64, u64) {
    let res: spb::QueryEpochInputsResponse = chain.query(
        "/weave.seeders.v1.Query/EpochInputs",
        &spb::QueryEpochInputsRequest {
            seeder: chain.addr(4).to_string(),
        },
    );
    res.tally
        .map_or((0, 0), |t| (t.probe_passes, t.probe_fails))
}

use ProbeOutcome::{Failed, Passed};

#[test]
fn a_blanked_extension_is_rejected() {
    let mut chain = chain4();
    let ext = commit4(&chain, |_| Some(Failed));
    let last = last_commit(&ext);
    assert!(process(&chain, &[injected(&ext)], &last));
    // The proposer (a lazy seeder's validator) blanks the two big reporters' reports,
    // keeping their signatures, or dropping those too.
    let mut blanked = ext.clone();
    for v in &mut blanked.votes[2..] {
        v.vote_extension = Default::default();
    }
    assert!(!process(&chain, &[injected(&blanked)], &last));
    let mut stripped = blanked.clone();
    for v in &mut stripped.votes[2..] {
        v.extension_signature = Default::default();
    }
    assert!(!process(&chain, &[injected(&stripped)], &last));
    // Decided anyway (by others' votes), the blanked injection is skipped, not applied.
    assert_ne!(apply(&mut chain, &blanked), 0);
    assert_eq!(probe_tally(&chain), (0, 0));
}

#[test]
fn a_proposal_that_omits_the_due_injection_is_rejected() {
    let chain = chain4();
    let ext = commit4(&chain, |_| None);
    let last = last_commit(&ext);
    let send = chain.send(3, &chain.addr(4), 5);
    // Extensions are on: the proposer must inject, even when every extension is empty.
    assert!(!process(&chain, std::slice::from_ref(&send), &last));
    assert!(!process(&chain, &[], &last));
    let res = chain.app().prepare_proposal(RequestPrepareProposal {
        max_tx_bytes: 1 << 20,
        txs: vec![send.clone().into()],
        local_last_commit: Some(ext.clone()),
        height: chain.height + 1,
        ..Default::default()
    });
    assert_eq!(res.txs.len(), 2);
    assert_eq!(res.txs[0].as_ref(), injected(&ext).as_slice());
    assert!(process(&chain, &[injected(&ext), send.clone()], &last));
    // With extensions off, nothing is due.
    let off = chain_with(&[0, 1, 2, 3], 0);
    assert!(process(&off, &[send], &last));
}

#[test]
fn a_lone_failing_reporter_does_not_fail_a_seeder() {
    let mut chain = chain4();
    // Validator 102 (40 of 100) alone saw failures; the others did not probe.
    let ext = commit4(&chain, |seed| (seed == 102).then_some(Failed));
    assert!(process(&chain, &[injected(&ext)], &last_commit(&ext)));
    assert_eq!(apply(&mut chain, &ext), 0);
    assert_eq!(
        probe_tally(&chain).1,
        0,
        "a lone reporter failed the seeder"
    );
}

#[test]
fn colluding_reporters_below_a_third_do_not_fail_a_seeder() {
    let mut chain = chain4();
    // Validators 100 and 101 (20 of 100) collude; the others did not probe.
    let ext = commit4(&chain, |seed| (seed <= 101).then_some(Failed));
    assert_eq!(apply(&mut chain, &ext), 0);
    assert_eq!(
        probe_tally(&chain).1,
        0,
        "a fifth of the power failed the seeder"
    );
}

#[test]
fn honest_reports_fail_a_lazy_seeder_and_pass_a_serving_one() {
    let mut chain = chain4();
    // 102 and 103 (80 of 100) saw it fail.
    let ext = commit4(&chain, |seed| (seed >= 102).then_some(Failed));
    assert_eq!(apply(&mut chain, &ext), 0);
    assert_eq!(probe_tally(&chain), (0, 1));

    let mut chain = chain4();
    let ext = commit4(&chain, |_| Some(Passed));
    assert_eq!(apply(&mut chain, &ext), 0);
    assert_eq!(probe_tally(&chain), (1, 0));
}

#[test]
fn extensions_from_two_thirds_or_less_of_the_power_are_refused() {
    let chain = chain4();
    let mut ext = commit4(&chain, |seed| (seed <= 101).then_some(Failed));
    // Only 100 and 101 committed (20 of 100): not enough verified power.
    for v in &mut ext.votes[2..] {
        v.block_id_flag = BlockIdFlag::Absent as i32;
        v.vote_extension = Default::default();
        v.extension_signature = Default::default();
    }
    assert!(!process(&chain, &[injected(&ext)], &last_commit(&ext)));
}

#[test]
fn a_vote_of_a_removed_validator_does_not_void_the_injection() {
    let mut chain = chain4();
    let mut ext = commit4(&chain, |seed| (seed >= 102).then_some(Failed));
    // A validator the state no longer knows (removed in the previous block) voted.
    ext.votes
        .push(signed_vote(150, 5, chain.height, b"anything".to_vec()));
    assert!(process(&chain, &[injected(&ext)], &last_commit(&ext)));
    assert_eq!(apply(&mut chain, &ext), 0);
    assert_eq!(probe_tally(&chain), (0, 1));
}

#[test]
fn extend_vote_sends_nothing_the_others_would_reject() {
    // Issue 15, item 6: the node checks its own extension before it signs it.
    let chain = chain();
    let h = chain.height;
    let own = report(&chain, 101, h, ProbeOutcome::Passed);
    let theirs = report(&chain, 102, h, ProbeOutcome::Passed);
    chain
        .app()
        .set_consensus_address(address(101).try_into().unwrap());
    let slot = std::sync::Arc::new(std::sync::Mutex::new(theirs));
    let source = slot.clone();
    chain
        .app()
        .set_vote_extender(std::sync::Arc::new(move |_| source.lock().unwrap().clone()));
    let extend = || {
        chain
            .app()
            .extend_vote(RequestExtendVote {
                height: h,
                ..Default::default()
            })
            .vote_extension
            .to_vec()
    };
    // Another validator's report, or garbage: nothing.
    assert!(extend().is_empty());
    *slot.lock().unwrap() = vec![0xff; 9];
    assert!(extend().is_empty());
    // Its own report goes out.
    *slot.lock().unwrap() = own.clone();
    assert_eq!(extend(), own);
}

#[test]
fn a_signed_extension_the_modules_refuse_is_ignored_not_fatal() {
    // Issue 19, item 4 (found by tests/tests/byzantine.rs): CometBFT does not verify
    // every late precommit's extension, so one Byzantine validator's signed garbage
    // reaches honest proposers' extended commits. Refusing the whole injection for it
    // halted the localnet; now only that validator's report is lost.
    let mut chain = chain4();
    let mut ext = commit4(&chain, |seed| (seed >= 101).then_some(Failed));
    let (seed, power) = SET[0];
    ext.votes[0] = signed_vote(seed, power, chain.height, vec![0xff; 64]);
    assert!(process(&chain, &[injected(&ext)], &last_commit(&ext)));
    assert_eq!(apply(&mut chain, &ext), 0);
    assert_eq!(probe_tally(&chain), (0, 1));

    // Its power does not count as verified: garbage from validators holding a third
    // or more leaves too little, and the injection is refused as before.
    let chain = chain4();
    let mut ext = commit4(&chain, |seed| (seed <= 101).then_some(Failed));
    for (vote, &(seed, power)) in ext.votes.iter_mut().zip(&SET).skip(2) {
        *vote = signed_vote(seed, power, chain.height, vec![0xff; 64]);
    }
    assert!(!process(&chain, &[injected(&ext)], &last_commit(&ext)));
}
