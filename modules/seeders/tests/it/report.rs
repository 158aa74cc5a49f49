//! Bad-slice reports: the slash to the unit (reporter reward and burn), the jail, and
//! every refused report.

use weave_kernel::TxError;
use weave_slices::{leaf_hash, MerkleProof};
use weave_testkit::addr;

use crate::*;

/// Reports seeder `n` for serving garbage as slice `index` of the film, with the
/// right proof for that index, signed with the seeder's key.
pub fn report_garbage(env: &mut Env, n: u8, index: u64) -> Result<(), TxError> {
    let proof = env.film.tree.proof(index).unwrap().to_bytes();
    let m = report_msg(
        REPORTER,
        n,
        env.film.root(),
        index,
        leaf_hash(b"garbage"),
        proof,
        &key(n),
    );
    env.h.exec_checked(addr(REPORTER), &m)
}

#[test]
fn a_bad_slice_slashes_rewards_the_reporter_burns_the_rest_and_jails() {
    let mut env = Env::new();
    env.bond(S1, BOND).unwrap();
    env.h.take_events();
    let supply = env.h.supply();
    report_garbage(&mut env, S1, 2).unwrap();
    // 10% of 10_000 = 1_000: 500 to the reporter, 500 burned.
    assert_eq!(env.bond_of(S1), 9_000);
    assert_eq!(env.h.balance(&addr(REPORTER)), FUNDS + 500);
    assert_eq!(env.h.balance(&pool_account()), 9_000);
    assert_eq!(env.h.supply(), supply - 500);
    let s = env.seeder(S1).unwrap();
    assert_eq!(
        (s.jailed, s.jailed_until, s.slashed.as_str()),
        (true, 11, "1000")
    );
    let slashed = env.events("weave.seeders.v1.EventSeederSlashed");
    let e = &slashed[0];
    assert_eq!(
        (
            e.get("amount"),
            e.get("burned"),
            e.get("reporter_reward"),
            e.get("reason")
        ),
        (Some("1000"), Some("500"), Some("500"), Some("bad_slice"))
    );
}

#[test]
fn odd_amounts_round_down_for_the_reporter_and_the_burn_takes_the_rest() {
    let mut env = Env::new();
    env.bond(S1, 12_345).unwrap();
    let supply = env.h.supply();
    report_garbage(&mut env, S1, 0).unwrap();
    // 10% of 12_345 = 1_234 (floor); half of it 617 to the reporter, 617 burned.
    assert_eq!(env.bond_of(S1), 12_345 - 1_234);
    assert_eq!(env.h.balance(&addr(REPORTER)), FUNDS + 617);
    assert_eq!(env.h.supply(), supply - 617);
    // A second, different bad header of the same slice is a second offence.
    let proof = env.film.tree.proof(0).unwrap().to_bytes();
    let m = report_msg(
        REPORTER,
        S1,
        env.film.root(),
        0,
        leaf_hash(b"other garbage"),
        proof,
        &key(S1),
    );
    env.h.exec_checked(addr(REPORTER), &m).unwrap();
    // 10% of 11_111 = 1_111: 555 to the reporter, 556 burned.
    assert_eq!(env.bond_of(S1), 11_111 - 1_111);
    assert_eq!(env.h.balance(&addr(REPORTER)), FUNDS + 617 + 555);
    assert_eq!(env.h.supply(), supply - 617 - 556);
}

#[test]
fn a_proof_for_another_slice_is_a_bad_slice_too() {
    let mut env = Env::new();
    env.bond(S1, BOND).unwrap();
    // The real slice 3 with its real proof, sent in answer to a request for slice 1.
    let proof = env.film.tree.proof(3).unwrap().to_bytes();
    let m = report_msg(
        REPORTER,
        S1,
        env.film.root(),
        1,
        leaf_hash(&env.film.slices[3]),
        proof,
        &key(S1),
    );
    env.h.exec_checked(addr(REPORTER), &m).unwrap();
    assert_eq!(env.bond_of(S1), 9_000);
}

#[test]
fn bad_reports_are_refused_and_write_nothing() {
    let mut env = Env::new();
    env.bond(S1, BOND).unwrap();
    let root = env.film.root();
    let good_proof = env.film.tree.proof(2).unwrap().to_bytes();
    let garbage = leaf_hash(b"garbage");
    let real = leaf_hash(&env.film.slices[2]);
    let seeders = |c| ("seeders", c);
    let try_report = |env: &mut Env, m: Any, by: u8| env.h.exec_checked(addr(by), &m);

    // The slice verifies: nothing to slash.
    let m = report_msg(REPORTER, S1, root, 2, real, good_proof.clone(), &key(S1));
    assert_eq!(code(try_report(&mut env, m, REPORTER)), seeders(18));
    // Signed by another key, or the signature covers other bytes.
    let m = report_msg(REPORTER, S1, root, 2, garbage, good_proof.clone(), &key(S2));
    assert_eq!(code(try_report(&mut env, m, REPORTER)), seeders(17));
    let signed_other = report_msg(REPORTER, S1, root, 3, garbage, good_proof.clone(), &key(S1));
    let mut wire: pb::MsgReportBadSlice =
        prost::Message::decode(signed_other.value.as_slice()).unwrap();
    wire.slice_index = 2;
    let m = any(MSG_REPORT_BAD_SLICE, &wire);
    assert_eq!(code(try_report(&mut env, m, REPORTER)), seeders(17));
    // An unknown seeder, unknown content, an index beyond the content.
    let m = report_msg(REPORTER, S2, root, 2, garbage, good_proof.clone(), &key(S2));
    assert_eq!(code(try_report(&mut env, m, REPORTER)), seeders(10));
    let m = report_msg(
        REPORTER,
        S1,
        [0xee; 32],
        2,
        garbage,
        good_proof.clone(),
        &key(S1),
    );
    assert_eq!(code(try_report(&mut env, m, REPORTER)), seeders(9));
    let m = report_msg(REPORTER, S1, root, 5, garbage, good_proof.clone(), &key(S1));
    assert_eq!(code(try_report(&mut env, m, REPORTER)), seeders(16));
    // A proof that does not parse, and one longer than any proof.
    let mut broken = good_proof.clone();
    broken.pop();
    let m = report_msg(REPORTER, S1, root, 2, garbage, broken, &key(S1));
    assert_eq!(code(try_report(&mut env, m, REPORTER)), seeders(16));
    let huge = vec![0u8; MerkleProof::MAX_ENCODED_LEN + 1];
    let m = report_msg(REPORTER, S1, root, 2, garbage, huge, &key(S1));
    assert_eq!(code(try_report(&mut env, m, REPORTER)), seeders(16));
    // Wrong field sizes.
    let mut wire: pb::MsgReportBadSlice = prost::Message::decode(
        report_msg(REPORTER, S1, root, 2, garbage, good_proof.clone(), &key(S1))
            .value
            .as_slice(),
    )
    .unwrap();
    wire.signature.pop();
    assert_eq!(
        code(try_report(
            &mut env,
            any(MSG_REPORT_BAD_SLICE, &wire),
            REPORTER
        )),
        seeders(16)
    );
    // A seeder reporting itself.
    let m = report_msg(S1, S1, root, 2, garbage, good_proof.clone(), &key(S1));
    assert_eq!(code(try_report(&mut env, m, S1)), seeders(20));

    // The real thing once; then the same header again is a repeat.
    let m = report_msg(REPORTER, S1, root, 2, garbage, good_proof.clone(), &key(S1));
    try_report(&mut env, m.clone(), REPORTER).unwrap();
    assert_eq!(code(try_report(&mut env, m, REPORTER)), seeders(19));
    assert_eq!(env.bond_of(S1), 9_000);
}

#[test]
fn an_unbonding_seeder_is_still_slashed_and_gets_back_what_is_left() {
    let mut env = Env::new();
    env.bond(S1, BOND).unwrap();
    env.h.exec_checked(addr(S1), &unbond_msg(S1)).unwrap();
    env.advance_to(5);
    report_garbage(&mut env, S1, 4).unwrap();
    env.advance_to(21);
    env.h.next_block().unwrap();
    assert!(env.seeder(S1).is_none());
    assert_eq!(env.h.balance(&addr(S1)), FUNDS - 1_000);
    assert_eq!(env.h.balance(&pool_account()), 0);
}
