//! The active set reported to CometBFT: the top `max_validators` by tokens, only
//! differences reported, power 0 for those that leave, and the bonded/unbonding/
//! unbonded life of a validator with its tokens in the matching pool.

use weave_validators::{bonded_pool, not_bonded_pool};

use crate::*;

fn sorted(mut u: Vec<ValidatorUpdate>) -> Vec<ValidatorUpdate> {
    u.sort();
    u
}

fn up(n: u8, power: i64) -> ValidatorUpdate {
    ValidatorUpdate {
        pub_key_ed25519: ckey(n),
        power,
    }
}

#[test]
fn only_the_top_validators_are_reported_and_only_their_changes() {
    let mut c = setup(); // max_validators = 3
    for (op, power) in [(1, 40), (2, 30), (3, 20), (4, 10)] {
        c.create(op, power * POWER).unwrap();
    }
    // A validator with less than one unit of power never enters.
    c.create(5, POWER - 1).unwrap();
    assert_eq!(
        sorted(c.quiet_block()),
        sorted(vec![up(1, 40), up(2, 30), up(3, 20)])
    );
    assert_eq!(c.validator(4).status, pb::ValidatorStatus::Unbonded as i32);
    assert_eq!(c.balance(&bonded_pool()), 90 * POWER);
    assert_eq!(c.balance(&not_bonded_pool()), 11 * POWER - 1);
    assert!(c.quiet_block().is_empty());

    // 4 overtakes 3: 4 enters, 3 leaves with power 0.
    c.delegate(10, 4, 15 * POWER).unwrap();
    assert_eq!(sorted(c.quiet_block()), sorted(vec![up(4, 25), up(3, 0)]));
    let set: Vec<i64> = c.active_set().iter().map(|v| v.power).collect();
    assert_eq!(set.len(), 3);
    assert_eq!(c.validator(3).status, pb::ValidatorStatus::Unbonding as i32);
    assert_eq!(c.validator(4).status, pb::ValidatorStatus::Bonded as i32);
    assert_eq!(c.balance(&bonded_pool()), 95 * POWER);
    assert_eq!(c.balance(&not_bonded_pool()), 21 * POWER - 1);

    // A power change inside the set is reported alone.
    c.undelegate(1, 1, 5 * POWER).unwrap();
    assert_eq!(c.quiet_block(), vec![up(1, 35)]);

    // After the unbonding time the validator that left is unbonded.
    for _ in 0..21 {
        c.quiet_block();
    }
    assert_eq!(c.validator(3).status, pb::ValidatorStatus::Unbonded as i32);
    // And it can come back, pushing out the smallest (4, at 25).
    c.delegate(10, 3, 20 * POWER).unwrap();
    assert_eq!(sorted(c.quiet_block()), sorted(vec![up(3, 40), up(4, 0)]));
}

#[test]
fn a_validator_coming_back_before_it_finished_unbonding_is_bonded_again() {
    let mut c = setup();
    for (op, power) in [(1, 40), (2, 30), (3, 20), (4, 10)] {
        c.create(op, power * POWER).unwrap();
    }
    c.quiet_block();
    c.delegate(10, 4, 15 * POWER).unwrap();
    c.quiet_block();
    assert_eq!(c.validator(3).status, pb::ValidatorStatus::Unbonding as i32);
    c.delegate(10, 3, 10 * POWER).unwrap();
    assert_eq!(sorted(c.quiet_block()), sorted(vec![up(3, 30), up(4, 0)]));
    assert_eq!(c.validator(3).status, pb::ValidatorStatus::Bonded as i32);
    assert_eq!(c.validator(3).unbonding_completion_seconds, 0);
    // The queue entry of its old unbonding is gone: it stays bonded.
    for _ in 0..25 {
        c.quiet_block();
    }
    assert_eq!(c.validator(3).status, pb::ValidatorStatus::Bonded as i32);
    assert_eq!(c.validator(4).status, pb::ValidatorStatus::Unbonded as i32);
    assert_eq!(c.balance(&bonded_pool()), 100 * POWER);
}

#[test]
fn the_set_is_never_emptied() {
    let mut c = setup();
    c.create(1, 10 * POWER).unwrap();
    c.quiet_block();
    // The only validator takes its stake below one unit of power.
    c.undelegate(1, 1, 10 * POWER - 1).unwrap();
    assert!(c.quiet_block().is_empty());
    assert_eq!(c.active_set().len(), 1);
}
