//! Downtime jailing from the commit votes, unjailing, the minimum self-delegation,
//! and double-sign slashing with tombstoning.

use weave_validators::not_bonded_pool;

use crate::*;

fn up(n: u8, power: i64) -> ValidatorUpdate {
    ValidatorUpdate {
        pub_key_ed25519: ckey(n),
        power,
    }
}

#[test]
fn downtime_jails_slashes_and_unjail_restores() {
    let mut c = setup(); // window 10, 50% must sign, 60 s jail, 1% downtime slash
    c.create(1, 40 * POWER).unwrap();
    c.create(2, 30 * POWER).unwrap();
    c.quiet_block(); // height 2: both in the set
    let supply = c.h.supply();
    let mut jailed_at = None;
    for _ in 0..15 {
        let updates = c.block(&[2]);
        if c.validator(2).jailed && jailed_at.is_none() {
            jailed_at = Some(c.h.block.height);
            assert!(updates.is_empty(), "the jailing block has not ended yet");
        }
        if jailed_at.is_some_and(|h| c.h.block.height == h + 1) {
            // The block that jailed it ended by removing it from CometBFT's set.
            assert_eq!(updates, vec![up(2, 0)]);
        }
    }
    // Misses count from the validator's creation (height 1): six misses are needed
    // and the window must have passed, so it is jailed at height 12.
    assert_eq!(jailed_at, Some(12));
    let v = c.validator(2);
    assert!(v.jailed && !v.tombstoned);
    assert_eq!(v.tokens, (30 * POWER - 30 * POWER / 100).to_string());
    assert_eq!(v.status, pb::ValidatorStatus::Unbonding as i32);
    assert_eq!(c.totals().burned, (30 * POWER / 100).to_string());
    let minted: u128 = c.totals().minted.parse().unwrap();
    assert_eq!(c.h.supply(), supply + minted - 30 * POWER / 100);
    let info: pb::QuerySigningInfoResponse = c
        .q(
            "SigningInfo",
            &pb::QuerySigningInfoRequest {
                operator: addr(2).to_string(),
            },
        )
        .unwrap();
    assert!(info.jailed);
    assert_eq!(info.max_missed_blocks, 5);
    assert!(c
        .h
        .events
        .iter()
        .any(|e| e.kind == "weave.validators.v1.EventJail" && e.get("reason") == Some("downtime")));

    // Jailed for 60 s from block 12's time.
    let until = v.jailed_until_seconds;
    assert_eq!(until, GENESIS_TIME + 5 * 11 + 60);
    assert!(c.h.block.time_seconds < until);
    assert_eq!(code(c.unjail(2)), (V, 22));
    while c.h.block.time_seconds < until {
        c.block(&[]);
    }
    c.unjail(2).unwrap();
    assert!(!c.validator(2).jailed);
    assert_eq!(c.block(&[]), vec![up(2, 29)]);
    assert_eq!(c.validator(2).status, pb::ValidatorStatus::Bonded as i32);
    // Signing again keeps it in.
    for _ in 0..15 {
        c.block(&[]);
    }
    assert!(!c.validator(2).jailed);
    // Errors: not jailed; unknown validator.
    assert_eq!(code(c.unjail(2)), (V, 21));
    assert_eq!(code(c.unjail(9)), (V, 10));
}

#[test]
fn a_validator_that_signs_enough_is_never_jailed() {
    let mut c = setup();
    c.create(1, 40 * POWER).unwrap();
    c.create(2, 30 * POWER).unwrap();
    c.quiet_block();
    // Missing every other block is exactly 50%: allowed.
    for i in 0..40 {
        if i % 2 == 0 {
            c.block(&[2]);
        } else {
            c.block(&[]);
        }
    }
    assert!(!c.validator(2).jailed);
}

#[test]
fn self_delegation_below_the_minimum_jails_until_restored() {
    let mut c = setup();
    let m = pb::MsgCreateValidator {
        min_self_delegation: (5 * POWER).to_string(),
        ..create_msg(1, 1, 10 * POWER)
    };
    c.exec(1, weave_validators::MSG_CREATE_VALIDATOR, &m)
        .unwrap();
    c.create(2, 10 * POWER).unwrap();
    c.quiet_block();
    c.undelegate(1, 1, 6 * POWER).unwrap();
    assert!(c.validator(1).jailed);
    assert_eq!(c.quiet_block(), vec![up(1, 0)]);
    assert_eq!(code(c.unjail(1)), (V, 20));
    c.delegate(1, 1, 2 * POWER).unwrap();
    c.unjail(1).unwrap();
    assert_eq!(c.quiet_block(), vec![up(1, 6)]);
}

#[test]
fn double_sign_slashes_stake_and_later_entries_and_tombstones() {
    let mut c = setup(); // 5% double-sign slash, 100 s unbonding
    c.create(1, 40 * POWER).unwrap();
    c.create(2, 30 * POWER).unwrap();
    c.create(3, 20 * POWER).unwrap();
    c.delegate(10, 2, 10 * POWER).unwrap();
    c.undelegate(10, 2, POWER).unwrap(); // entry B, before the infraction
    for _ in 0..4 {
        c.block(&[]);
    }
    let (infraction_height, infraction_time) = (c.h.block.height, c.h.block.time_seconds);
    c.block(&[]);
    c.undelegate(10, 2, 2 * POWER).unwrap(); // entry A, after
    c.redelegate(10, 2, 3, 4 * POWER).unwrap(); // entry R, after
    assert_eq!(c.tokens(2), 33 * POWER);
    assert_eq!(c.delegation(10, 3), 4 * POWER);
    let supply = c.h.supply();
    let minted_before: u128 = c.totals().minted.parse().unwrap();

    // (What the block before reported: the undelegation and redelegation.)
    let updates = c.evidence_block(2, infraction_height, infraction_time);
    assert!(updates.contains(&up(2, 33)) && updates.contains(&up(3, 24)));
    let v = c.validator(2);
    assert!(v.jailed && v.tombstoned);
    assert_eq!(v.jailed_until_seconds, i64::MAX);
    // 5% of the validator's 33, of entry A's 2 and of the 4 redelegated to 3.
    let want_burned = 33 * POWER / 20 + 2 * POWER / 20 + 4 * POWER / 20;
    assert_eq!(c.totals().burned, want_burned.to_string());
    assert_eq!(c.tokens(2), 33 * POWER - 33 * POWER / 20);
    assert_eq!(c.delegation(10, 3), 4 * POWER - 4 * POWER / 20);
    assert_eq!(c.tokens(3), 24 * POWER - 4 * POWER / 20);
    let mut entries = c.unbondings(10);
    entries.sort_by_key(|e| e.creation_height);
    assert_eq!(entries[0].balance, POWER.to_string()); // B untouched
    assert_eq!(entries[1].balance, (2 * POWER - 2 * POWER / 20).to_string());
    let minted: u128 = c.totals().minted.parse::<u128>().unwrap() - minted_before;
    assert_eq!(c.h.supply(), supply + minted - want_burned);
    // At the end of the block 2 leaves the set and 3 reports its slashed power.
    let mut updates = c.block(&[]);
    updates.sort();
    let mut want = vec![up(2, 0), up(3, 23)];
    want.sort();
    assert_eq!(updates, want);

    // Tombstoned for ever.
    c.h.block.time_seconds += 1_000_000;
    assert_eq!(code(c.unjail(2)), (V, 23));
    // Later evidence against it changes nothing; evidence older than the unbonding
    // time and evidence of an unknown key are ignored.
    let burned = c.totals().burned.clone();
    let now = c.h.block.time_seconds;
    c.evidence_block(2, c.h.block.height, now);
    c.evidence_block(1, 1, now - 101);
    c.evidence_block(77, c.h.block.height, now);
    assert_eq!(c.totals().burned, burned);
    assert!(!c.validator(1).jailed);
    // The slashed entries pay out what is left.
    for _ in 0..30 {
        c.block(&[]);
    }
    assert!(c.unbondings(10).is_empty());
    assert_eq!(c.balance(&not_bonded_pool()), c.tokens(2));
}

/// Double-sign evidence is applied apart from the rest of the block's begin-block
/// work: when the reward distribution fails (here, a validator's rewards record no
/// longer decodes), the evidence still slashes and tombstones, and the failure is
/// reported as a `hook_failed` event naming the step.
#[test]
fn a_failing_reward_step_does_not_drop_double_sign_evidence() {
    let mut c = setup();
    c.create(1, 40 * POWER).unwrap();
    c.create(2, 30 * POWER).unwrap();
    c.create(3, 20 * POWER).unwrap();
    for _ in 0..3 {
        c.block(&[]);
    }
    let (height, time) = (c.h.block.height, c.h.block.time_seconds);
    c.block(&[]);
    let burned_before: u128 = c.totals().burned.parse().unwrap();
    c.h.with_ctx(|ctx| {
        ctx.put(
            weave_validators::state_key::rewards(&addr(1)),
            vec![0xff; 3],
        )
    })
    .unwrap();
    c.h.take_events();
    let votes = c.commit(&[]);
    let evidence = Misbehavior {
        kind: MisbehaviorKind::DuplicateVote,
        validator_address: cons(2),
        power: 1,
        height,
        time_seconds: time,
        total_voting_power: 1,
    };
    c.h.next_block_with(votes, vec![evidence])
        .expect("the block's begin-block work still succeeds");
    let v = c.validator(2);
    assert!(v.jailed && v.tombstoned);
    let burned: u128 = c.totals().burned.parse().unwrap();
    assert_eq!(burned - burned_before, 30 * POWER / 20);
    let events = c.h.take_events();
    let failed: Vec<_> = events.iter().filter(|e| e.kind == "hook_failed").collect();
    assert_eq!(failed.len(), 1, "{events:?}");
    assert_eq!(failed[0].get("step"), Some("rewards"));
}
