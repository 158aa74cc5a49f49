//! Fees and block rewards: shared by power among the validators that signed, minus
//! commission, credited lazily to delegators and paid on withdrawal or when a
//! delegation changes; rounding remainders go to the community pool.

use weave_kernel::community_pool;
use weave_validators::{distribution, fee_collector};

use crate::*;

fn pending(c: &Chain, del: u8, val: u8) -> u128 {
    c.rewards(del, val).rewards.parse().unwrap()
}

fn commission_of(c: &Chain, op: u8) -> u128 {
    c.rewards(op, op).commission.parse().unwrap()
}

fn outstanding(c: &Chain, op: u8) -> u128 {
    c.rewards(op, op).validator_outstanding.parse().unwrap()
}

#[test]
fn fees_and_block_reward_pay_delegators_and_commission() {
    let mut c = setup(); // block reward 1_000_000, 10% commission
    c.create(1, 10 * POWER).unwrap();
    c.delegate(10, 1, 30 * POWER).unwrap();
    c.quiet_block();
    c.pay_fees(5, 1_000_000);
    let supply = c.h.supply();
    c.block(&[]);
    assert_eq!(c.balance(&fee_collector()), 0);
    assert_eq!(c.balance(&distribution()), 2_000_000);
    assert_eq!(c.h.supply(), supply + 1_000_000);
    assert_eq!(c.totals().minted, "1000000");
    // 10% commission; the rest by shares, 30:10.
    assert_eq!(commission_of(&c, 1), 200_000);
    assert_eq!(pending(&c, 10, 1), 1_350_000);
    assert_eq!(pending(&c, 1, 1), 450_000);
    assert!(c.h.events.iter().any(|e| {
        e.kind == "weave.validators.v1.EventRewardsDistributed" && e.get("fees") == Some("1000000")
    }));

    let before = c.balance(&addr(10));
    c.withdraw(10, 1).unwrap();
    assert_eq!(c.balance(&addr(10)), before + 1_350_000);
    assert_eq!(pending(&c, 10, 1), 0);
    // The operator withdraws its delegation's rewards and the commission.
    let before = c.balance(&addr(1));
    c.withdraw(1, 1).unwrap();
    assert_eq!(c.balance(&addr(1)), before + 450_000 + 200_000);
    assert_eq!(c.balance(&distribution()), 0);

    // Errors: no delegation; unknown validator.
    assert_eq!(code(c.withdraw(11, 1)), (V, 11));
    assert_eq!(code(c.withdraw(10, 9)), (V, 10));
}

#[test]
fn rewards_follow_power_among_the_signers_only() {
    let mut c = setup();
    c.create(1, 30 * POWER).unwrap();
    c.create(2, 10 * POWER).unwrap();
    c.create(3, 10 * POWER).unwrap();
    c.quiet_block();
    c.block(&[3]);
    assert_eq!(commission_of(&c, 1) + pending(&c, 1, 1), 750_000);
    assert_eq!(commission_of(&c, 2) + pending(&c, 2, 2), 250_000);
    assert_eq!(commission_of(&c, 3) + pending(&c, 3, 3), 0);
    assert_eq!(commission_of(&c, 1), 75_000);
}

#[test]
fn no_signer_known_means_no_mint_and_fees_wait() {
    let mut c = setup();
    c.create(1, 10 * POWER).unwrap();
    c.quiet_block();
    c.pay_fees(5, 777);
    let supply = c.h.supply();
    c.quiet_block();
    // A commit by a validator this module does not know (CometBFT's genesis one).
    c.h.next_block_with(
        vec![VoteInfo {
            validator_address: [9; 20],
            power: 10,
            signed: true,
        }],
        Vec::new(),
    )
    .unwrap();
    assert_eq!(c.h.supply(), supply);
    assert_eq!(c.balance(&fee_collector()), 777);
    // Once the validator signs, the fees go out.
    c.block(&[]);
    assert_eq!(c.balance(&fee_collector()), 0);
}

#[test]
fn a_delegation_change_pays_pending_rewards_first() {
    let mut c = setup();
    c.create(1, 10 * POWER).unwrap();
    c.delegate(10, 1, 10 * POWER).unwrap();
    c.quiet_block();
    c.block(&[]);
    let owed = pending(&c, 10, 1);
    assert_eq!(owed, 450_000);
    let before = c.balance(&addr(10));
    c.delegate(10, 1, POWER).unwrap();
    assert_eq!(c.balance(&addr(10)), before + owed - POWER);
    assert_eq!(pending(&c, 10, 1), 0);
    // The new shares earn from now on only.
    c.block(&[]);
    let p = pending(&c, 10, 1);
    assert_eq!(p, 900_000 * 11 / 21);
    let before = c.balance(&addr(10));
    c.undelegate(10, 1, POWER).unwrap();
    assert_eq!(c.balance(&addr(10)), before + p);
}

#[test]
fn rounding_dust_is_accounted_for() {
    let mut p = test_params();
    p["block_reward"] = "1000003".into();
    let mut c = setup_with(p);
    c.create(1, 3 * POWER + 1).unwrap();
    c.delegate(10, 1, 7 * POWER + 3).unwrap();
    c.delegate(11, 1, 11 * POWER + 7).unwrap();
    c.create(2, 13 * POWER + 5).unwrap();
    c.quiet_block();
    let dels: [(u8, u8); 4] = [(1, 1), (10, 1), (11, 1), (2, 2)];
    for i in 0..7u128 {
        c.pay_fees(5, 1_234 + i * 97);
        c.block(&[]);
        // The distribution account holds exactly each validator's outstanding and
        // commission, and what delegators can claim never exceeds it.
        let held = c.balance(&distribution());
        let owed: u128 = [1u8, 2]
            .iter()
            .map(|v| outstanding(&c, *v) + commission_of(&c, *v))
            .sum();
        assert_eq!(held, owed);
        for v in [1u8, 2] {
            let claims: u128 = dels
                .iter()
                .filter(|d| d.1 == v)
                .map(|d| pending(&c, d.0, d.1))
                .sum();
            assert!(claims <= outstanding(&c, v));
            // Less than one token per delegator per block is left behind.
            assert!(outstanding(&c, v) - claims <= 3 * (i + 1));
        }
    }
    let dust: u128 = c.totals().community_pool_dust.parse().unwrap();
    assert_eq!(c.balance(&community_pool()), dust);
    // When every delegator of 1 leaves, what is left for them goes to the pool too.
    for (d, v) in [(1u8, 1u8), (10, 1), (11, 1)] {
        let t = c.delegation(d, v);
        c.undelegate(d, v, t).unwrap();
    }
    assert_eq!(outstanding(&c, 1), 0);
    let dust: u128 = c.totals().community_pool_dust.parse().unwrap();
    assert_eq!(c.balance(&community_pool()), dust);
    // Only commission and validator 2's delegators' rewards remain.
    assert_eq!(
        c.balance(&distribution()),
        commission_of(&c, 1) + commission_of(&c, 2) + outstanding(&c, 2)
    );
}
