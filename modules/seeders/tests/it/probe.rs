//! Probe rounds through whole blocks: challenges, vote-extension checks, the verdict
//! rule (a failure needs more than a third of the whole set's power from at least two
//! validators, whatever the passes; a pass needs more than a third of the whole set's
//! power; anything else is inconclusive), lazy passes that cancel nothing, colluders
//! below a third that fail nobody, jail after failures in a row, rounds applied once
//! and pruned.

use weave_kernel::{ExtendedVote, Module, VoteExtensions};
use weave_proto::weave::seeders::v1 as pb;
use weave_seeders::{
    challenges, expected_round, verify_report, ProbeOutcome, ProbeReport, SeedersError,
};
use weave_testkit::addr;

use crate::*;

const V1: [u8; 20] = [0xa1; 20];
const V2: [u8; 20] = [0xa2; 20];
const V3: [u8; 20] = [0xa3; 20];
const V4: [u8; 20] = [0xa4; 20];
const V5: [u8; 20] = [0xa5; 20];
const V6: [u8; 20] = [0xa6; 20];
const V7: [u8; 20] = [0xa7; 20];

/// The vote extension of validator `v` for the round reported at `vote_height`, every
/// challenge with `outcome` (`None`: it did not probe, an empty extension).
/// The seeders module's vote-extension hooks.
fn vote_hooks(module: &dyn Module) -> &dyn VoteExtensions {
    module
        .hooks()
        .vote_extensions
        .expect("the seeders module reads vote extensions")
}

fn extension(env: &Env, vote_height: u64, v: [u8; 20], outcome: Option<ProbeOutcome>) -> Vec<u8> {
    let Some(outcome) = outcome else {
        return Vec::new();
    };
    let round = expected_round(&env.h.state, vote_height).unwrap().unwrap();
    let cs = challenges(&round, &v, round.challenges_per_validator);
    ProbeReport::new(round.height, &cs, &vec![outcome; cs.len()]).to_bytes()
}

/// Runs the probe round opened at `round_height` (a multiple of 5): opens it, has each
/// validator (power 1, together the whole set: the block's last commit) report, checks
/// the extensions as VerifyVoteExtension would, and applies them in the block after
/// the vote. Returns the probe results.
fn run_round(
    env: &mut Env,
    round_height: u64,
    votes: &[([u8; 20], Option<ProbeOutcome>)],
) -> Vec<Event> {
    env.advance_to(round_height + 1);
    let vote_height = round_height + 2;
    let module = module(env);
    let votes: Vec<ExtendedVote> = votes
        .iter()
        .map(|(v, o)| ExtendedVote {
            validator_address: *v,
            power: 1,
            extension: extension(env, vote_height, *v, *o),
        })
        .collect();
    env.advance_to(vote_height + 1);
    env.h.block.last_commit = votes
        .iter()
        .map(|v| weave_kernel::VoteInfo {
            validator_address: v.validator_address,
            power: v.power,
            signed: true,
        })
        .collect();
    for v in &votes {
        vote_hooks(module.as_ref())
            .verify_vote_extension(
                &env.h.state,
                vote_height,
                &v.validator_address,
                &v.extension,
            )
            .unwrap();
    }
    env.h.take_events();
    env.h
        .with_ctx(|ctx| vote_hooks(module.as_ref()).apply_vote_extensions(ctx, vote_height, &votes))
        .unwrap();
    env.events("weave.seeders.v1.EventProbeResult")
}

/// The seeder's probe (passes, fails) in this epoch's inputs.
fn verdicts(env: &Env) -> (u64, u64) {
    env.epoch_inputs(S1)
        .tally
        .map_or((0, 0), |t| (t.probe_passes, t.probe_fails))
}

fn passed(results: &[Event]) -> Vec<bool> {
    results
        .iter()
        .map(|e| e.get("passed") == Some("true"))
        .collect()
}

use ProbeOutcome::{Failed, Passed};

#[test]
fn challenges_cover_the_active_seeders_contents() {
    let mut env = Env::new();
    env.bond(S1, BOND).unwrap();
    env.bond(S2, BOND).unwrap();
    env.advance_to(6);
    let round = expected_round(&env.h.state, 7).unwrap().unwrap();
    assert_eq!((round.height, round.report_height), (5, 7));
    assert_eq!(round.block_hash, block_hash(5));
    assert_eq!(round.seeders.len(), 2);
    let cs = challenges(&round, &V1, 4);
    assert_eq!(cs.len(), 4);
    for c in &cs {
        assert!([addr(S1), addr(S2)].contains(&c.seeder));
        assert_eq!(c.root, env.film.root());
        assert!(c.slice_index < 5);
    }
    assert!(expected_round(&env.h.state, 8).unwrap().is_none());
    let r: pb::QueryProbeRoundResponse = env
        .h
        .query(
            "/weave.seeders.v1.Query/ProbeRound",
            &pb::QueryProbeRoundRequest { height: 0 },
        )
        .unwrap();
    assert_eq!((r.round.unwrap().height, r.applied), (5, false));
}

#[test]
fn more_than_a_third_failing_from_two_validators_fail_the_round_one_does_not() {
    let mut env = Env::new();
    env.bond(S1, BOND).unwrap();
    let r = run_round(
        &mut env,
        5,
        &[(V1, Some(Failed)), (V2, Some(Failed)), (V3, Some(Failed))],
    );
    assert_eq!(passed(&r), vec![false]);
    assert_eq!(
        (r[0].get("power_probed"), r[0].get("power_failed")),
        (Some("3"), Some("3"))
    );
    assert_eq!(env.epoch_inputs(S1).tally.unwrap().probe_fails, 1);
    assert_eq!(env.seeder(S1).unwrap().failed_rounds, 1);

    // One of three is a lone validator and exactly a third: the seeder passes.
    let r = run_round(
        &mut env,
        10,
        &[(V1, Some(Failed)), (V2, Some(Passed)), (V3, Some(Passed))],
    );
    assert_eq!(
        (r[0].get("power_probed"), r[0].get("power_failed")),
        (Some("3"), Some("1"))
    );
    assert_eq!(passed(&r), vec![true]);
    // A pass resets the count of failures in a row.
    assert_eq!(env.seeder(S1).unwrap().failed_rounds, 0);
}

#[test]
fn a_validator_that_did_not_probe_does_not_count() {
    let mut env = Env::new();
    env.bond(S1, BOND).unwrap();
    // Two probed, both failed: 2 of 2.
    let r = run_round(
        &mut env,
        5,
        &[(V1, Some(Failed)), (V2, Some(Failed)), (V3, None)],
    );
    assert_eq!(passed(&r), vec![false]);
    assert_eq!(r[0].get("power_probed"), Some("2"));
    // Two probed, one passed: a third of the set saw it pass, not more; no verdict.
    let mut env = Env::new();
    env.bond(S1, BOND).unwrap();
    let r = run_round(
        &mut env,
        5,
        &[(V1, Some(Failed)), (V2, Some(Passed)), (V3, None)],
    );
    assert_eq!(passed(&r), vec![false]);
    assert_eq!(verdicts(&env), (0, 0));
    // Two probed, both passed: two thirds of the set saw it serve.
    let mut env = Env::new();
    env.bond(S1, BOND).unwrap();
    let r = run_round(
        &mut env,
        5,
        &[(V1, Some(Passed)), (V2, Some(Passed)), (V3, None)],
    );
    assert_eq!(passed(&r), vec![true]);
    assert_eq!(env.epoch_inputs(S1).tally.unwrap().probe_passes, 1);
    // Nobody probed: no verdict at all.
    let mut env = Env::new();
    env.bond(S1, BOND).unwrap();
    let r = run_round(
        &mut env,
        5,
        &[(V1, Some(ProbeOutcome::NotProbed)), (V2, None)],
    );
    assert!(r.is_empty());
    assert_eq!(env.seeder(S1).unwrap().failed_rounds, 0);
}

#[test]
fn failing_rounds_in_a_row_jail_and_burn() {
    let mut env = Env::new();
    env.bond(S1, BOND).unwrap();
    let all_fail = [(V1, Some(Failed)), (V2, Some(Failed)), (V3, Some(Failed))];
    run_round(&mut env, 5, &all_fail);
    assert!(!env.seeder(S1).unwrap().jailed);
    let supply = env.h.supply();
    env.h.take_events();
    let r = run_round(&mut env, 10, &all_fail);
    assert_eq!(r[0].get("failed_rounds"), Some("2"));
    let s = env.seeder(S1).unwrap();
    // Jailed at height 13 for 10 blocks; 1% of 10_000 burned; the count starts over.
    assert_eq!((s.jailed, s.jailed_until, s.failed_rounds), (true, 23, 0));
    assert_eq!(env.bond_of(S1), 9_900);
    assert_eq!(env.h.supply(), supply - 100);
    assert_eq!(env.h.balance(&pool_account()), 9_900);
    // A jailed seeder is not probed: with no other seeder, no round opens.
    env.advance_to(16);
    assert!(expected_round(&env.h.state, 17).unwrap().is_none());
}

/// Seven validators of power 1: `fail` saw the seeder fail, `pass` saw it pass, the
/// rest did not probe it (empty extensions, still in the set).
fn seven(fail: &[[u8; 20]], pass: &[[u8; 20]]) -> Vec<([u8; 20], Option<ProbeOutcome>)> {
    [V1, V2, V3, V4, V5, V6, V7]
        .into_iter()
        .map(|v| {
            let o = if fail.contains(&v) {
                Some(Failed)
            } else if pass.contains(&v) {
                Some(Passed)
            } else {
                None
            };
            (v, o)
        })
        .collect()
}

/// The hole the economic simulation found (issue 21): a seeder passed a round when the
/// power that saw it pass was at least the power that saw it fail, so one lazy
/// validator's rubber-stamp pass cancelled one honest failure and reset the failures
/// in a row. Now a pass needs more than a third of the whole set's power: a seeder
/// that does not serve is never passed by validators below a third.
#[test]
fn a_lazy_pass_does_not_cancel_an_honest_failure() {
    let mut env = Env::new();
    env.bond(S1, BOND).unwrap();
    // V1..V3 honest, saw it fail: 3 of 7 fail it, whatever V6 and V7 (lazy) pass.
    let r = run_round(&mut env, 5, &seven(&[V1, V2, V3], &[V6, V7]));
    assert_eq!(passed(&r), vec![false]);
    assert_eq!(env.seeder(S1).unwrap().failed_rounds, 1);
    // Next round only V4 (honest) and V6, V7 (lazy) drew it: one failure against two
    // rubber-stamp passes. The old rule passed it and reset its failures in a row;
    // now the round is inconclusive and changes nothing.
    let r = run_round(&mut env, 10, &seven(&[V4], &[V6, V7]));
    assert_eq!(passed(&r), vec![false]);
    assert_eq!(
        (r[0].get("power_probed"), r[0].get("power_failed")),
        (Some("3"), Some("1"))
    );
    let s = env.seeder(S1).unwrap();
    assert_eq!(s.failed_rounds, 1, "a lazy pass reset the failures");
    assert!(!s.jailed);
    // No pass was counted in the new epoch's inputs (the epoch ended at 10).
    assert_eq!(verdicts(&env), (0, 0));
}

/// The jail-after-N-rounds path with lazy passes in between: failed, inconclusive
/// (one honest failure, two lazy passes), failed again: the second failure in a row
/// (the threshold here is 2) jails it and burns 1 % of its bond.
#[test]
fn a_seeder_that_does_not_serve_is_jailed_though_lazy_validators_pass_it() {
    let mut env = Env::new();
    env.bond(S1, BOND).unwrap();
    run_round(&mut env, 5, &seven(&[V1, V2, V3], &[V7]));
    run_round(&mut env, 10, &seven(&[V1], &[V6, V7]));
    assert!(!env.seeder(S1).unwrap().jailed);
    let supply = env.h.supply();
    let r = run_round(&mut env, 15, &seven(&[V2, V3, V4, V5], &[V6, V7]));
    assert_eq!(r[0].get("failed_rounds"), Some("2"));
    let s = env.seeder(S1).unwrap();
    assert!(s.jailed, "two failures in a row did not jail");
    assert_eq!(s.failed_rounds, 0);
    assert_eq!(env.bond_of(S1), BOND - BOND / 100);
    assert_eq!(env.h.supply(), supply - BOND / 100);
}

/// Validators below a third of the power, colluding, fail a seeder that serves: alone
/// they are inconclusive, against three honest passes it passes, and its failures in a
/// row never grow.
#[test]
fn colluders_below_a_third_cannot_fail_a_serving_seeder() {
    let mut env = Env::new();
    env.bond(S1, BOND).unwrap();
    // V6, V7 collude (2 of 7): alone, no verdict.
    let r = run_round(&mut env, 5, &seven(&[V6, V7], &[]));
    assert_eq!(passed(&r), vec![false]);
    assert_eq!(env.seeder(S1).unwrap().failed_rounds, 0);
    assert_eq!(verdicts(&env), (0, 0));
    // Against one honest pass: still nothing.
    let r = run_round(&mut env, 10, &seven(&[V6, V7], &[V1]));
    assert_eq!(passed(&r), vec![false]);
    assert_eq!(env.seeder(S1).unwrap().failed_rounds, 0);
    // Against three honest passes (more than a third): it passes.
    let r = run_round(&mut env, 15, &seven(&[V6, V7], &[V1, V2, V3]));
    assert_eq!(passed(&r), vec![true]);
    let s = env.seeder(S1).unwrap();
    assert_eq!((s.failed_rounds, s.jailed), (0, false));
    let t = env.epoch_inputs(S1).tally.unwrap();
    assert_eq!((t.probe_passes, t.probe_fails), (1, 0));
    assert_eq!(env.bond_of(S1), BOND);
}

#[test]
fn a_round_applies_once_and_old_rounds_are_pruned() {
    let mut env = Env::new();
    env.bond(S1, BOND).unwrap();
    let votes = [(V1, Some(Failed)), (V2, Some(Failed))];
    run_round(&mut env, 5, &votes);
    // Applying round 5 again changes nothing; an unknown round neither.
    let report = {
        let r = weave_seeders::ProbeRound {
            height: 5,
            block_hash: block_hash(5),
            report_height: 7,
            challenges_per_validator: 4,
            seeders: vec![],
        };
        ProbeReport::new(5, &challenges(&r, &V1, 4), &[])
    };
    let again = env
        .h
        .with_ctx(|ctx| {
            env.module
                .apply_probe_reports(ctx, 5, &[(V1, 1, report.clone())], 1)
        })
        .unwrap();
    assert!(!again);
    let unknown = env
        .h
        .with_ctx(|ctx| {
            env.module
                .apply_probe_reports(ctx, 6, &[(V1, 1, report)], 1)
        })
        .unwrap();
    assert!(!unknown);
    assert_eq!(env.seeder(S1).unwrap().failed_rounds, 1);
    let r: pb::QueryProbeRoundResponse = env
        .h
        .query(
            "/weave.seeders.v1.Query/ProbeRound",
            &pb::QueryProbeRoundRequest { height: 5 },
        )
        .unwrap();
    assert!(r.applied);
    // Rounds at 5, 10, 15, 20, 25: only the latest four are kept.
    env.advance_to(26);
    let missing: Result<pb::QueryProbeRoundResponse, _> = env.h.query(
        "/weave.seeders.v1.Query/ProbeRound",
        &pb::QueryProbeRoundRequest { height: 5 },
    );
    assert!(missing.is_err());
    let latest: pb::QueryProbeRoundResponse = env
        .h
        .query(
            "/weave.seeders.v1.Query/ProbeRound",
            &pb::QueryProbeRoundRequest { height: 0 },
        )
        .unwrap();
    assert_eq!(latest.round.unwrap().height, 25);
    for h in [10, 15, 20] {
        let kept: Result<pb::QueryProbeRoundResponse, _> = env.h.query(
            "/weave.seeders.v1.Query/ProbeRound",
            &pb::QueryProbeRoundRequest { height: h },
        );
        assert!(kept.is_ok(), "round {h}");
    }
}

#[test]
fn bad_vote_extensions_are_refused_with_their_codes() {
    let mut env = Env::new();
    env.bond(S1, BOND).unwrap();
    env.bond(S2, BOND).unwrap();
    env.advance_to(6);
    let state = &env.h.state;
    let good = extension(&env, 7, V1, Some(Passed));
    let check = |vote_height: u64, v: [u8; 20], bytes: &[u8]| {
        verify_report(state, vote_height, &v, bytes).map(|r| r.is_some())
    };
    assert_eq!(check(7, V1, &good), Ok(true));
    assert_eq!(check(7, V1, &[]), Ok(false));
    assert_eq!(check(123, V1, &[]), Ok(false));
    // Oversized, undecodable.
    assert!(matches!(
        check(7, V1, &[0u8; 129]),
        Err(SeedersError::ReportTooLarge { .. })
    ));
    assert!(matches!(
        check(7, V1, &[0xff, 0xff, 0xff]),
        Err(SeedersError::MalformedProbeReport(_))
    ));
    // Another validator's challenges.
    assert_eq!(check(7, V2, &good), Err(SeedersError::WrongDigest));
    // Reported at the wrong height, or for a round that does not exist.
    assert!(matches!(
        check(8, V1, &good),
        Err(SeedersError::WrongRound { .. })
    ));
    let mut w: pb::ProbeReport = prost::Message::decode(good.as_slice()).unwrap();
    w.round_height = 4;
    assert_eq!(
        check(7, V1, &prost::Message::encode_to_vec(&w)),
        Err(SeedersError::UnknownRound(4))
    );
    // Passed but not probed; a bit beyond the 4 challenges; a byte too many.
    let bad_bits = |f: &dyn Fn(&mut pb::ProbeReport)| {
        let mut w: pb::ProbeReport = prost::Message::decode(good.as_slice()).unwrap();
        f(&mut w);
        check(7, V1, &prost::Message::encode_to_vec(&w))
    };
    assert!(matches!(
        bad_bits(&|w| w.probed[0] &= 0x7f),
        Err(SeedersError::InvalidBitfield(_))
    ));
    assert!(matches!(
        bad_bits(&|w| w.probed[0] |= 0x08),
        Err(SeedersError::InvalidBitfield(_))
    ));
    assert!(matches!(
        bad_bits(&|w| w.passed.push(0)),
        Err(SeedersError::InvalidBitfield(_))
    ));
    assert!(matches!(
        bad_bits(&|w| {
            w.challenges_digest.pop();
        }),
        Err(SeedersError::MalformedProbeReport(_))
    ));
    // Through the Module trait, as TxErrors with stable codes.
    let e = vote_hooks(module(&env).as_ref())
        .verify_vote_extension(&env.h.state, 7, &V2, &good)
        .unwrap_err();
    assert_eq!((e.codespace, e.code), ("seeders", 30));
    let e = vote_hooks(module(&env).as_ref())
        .verify_vote_extension(&env.h.state, 7, &V1, &[0u8; 200])
        .unwrap_err();
    assert_eq!((e.codespace, e.code), ("seeders", 26));
}
