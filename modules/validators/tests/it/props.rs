//! Property tests of money and bounds: for random sequences of validator creation,
//! delegation, undelegation, redelegation, signed and missed blocks, fees, double
//! signs, unjails, withdrawals and time passing,
//! - bank supply = genesis supply + minted block rewards − burned slashes;
//! - the balances of every account add up to the supply;
//! - the bonded pool holds exactly the bonded validators' tokens, and the not-bonded
//!   pool the other validators' tokens plus every unbonding balance;
//! - each validator's shares are exactly the sum of its delegations' shares, and its
//!   tokens the sum of their token values (exactly until a slash; after one, up to
//!   one rounded-down token per delegation, which the last shares out take);
//! - the distribution account holds exactly every validator's outstanding rewards and
//!   commission, and no delegator can claim more than its validator's outstanding.
//!
//! A second test checks that a block's writes do not grow with the number of
//! delegators and that maturity is capped per block.

use proptest::prelude::*;
use weave_kernel::community_pool;
use weave_validators::{bonded_pool, distribution, fee_collector, not_bonded_pool};

use crate::*;

const OPERATORS: [u8; 6] = [1, 2, 3, 4, 5, 6];
const DELEGATORS: [u8; 4] = [10, 11, 12, 13];

#[derive(Debug, Clone)]
enum Op {
    Create { op: u8, bond: u128 },
    Delegate { d: u8, v: u8, amount: u128 },
    Undelegate { d: u8, v: u8, percent: u128 },
    Redelegate { d: u8, s: u8, t: u8, percent: u128 },
    Block { missing: Vec<u8>, fees: u128 },
    DoubleSign { v: u8, age: u64 },
    Unjail { v: u8 },
    Withdraw { d: u8, v: u8 },
    Wait { blocks: u8 },
    Offline { v: u8, blocks: u8 },
}

fn op_strategy() -> impl Strategy<Value = Op> {
    let val = prop::sample::select(OPERATORS.to_vec());
    let del = prop::sample::select(
        OPERATORS
            .iter()
            .chain(DELEGATORS.iter())
            .copied()
            .collect::<Vec<u8>>(),
    );
    prop_oneof![
        1 => (val.clone(), 1u128..40_000_000).prop_map(|(op, bond)| Op::Create { op, bond }),
        1 => (del.clone(), val.clone(), 1u128..30_000_000)
            .prop_map(|(d, v, amount)| Op::Delegate { d, v, amount }),
        1 => (del.clone(), val.clone(), 1u128..=100)
            .prop_map(|(d, v, percent)| Op::Undelegate { d, v, percent }),
        1 => (del.clone(), val.clone(), val.clone(), 1u128..=100)
            .prop_map(|(d, s, t, percent)| Op::Redelegate { d, s, t, percent }),
        3 => (prop::collection::vec(val.clone(), 0..3), 0u128..50_000)
            .prop_map(|(missing, fees)| Op::Block { missing, fees }),
        1 => (val.clone(), 0u64..6).prop_map(|(v, age)| Op::DoubleSign { v, age }),
        1 => val.clone().prop_map(|v| Op::Unjail { v }),
        1 => (del, val.clone()).prop_map(|(d, v)| Op::Withdraw { d, v }),
        1 => (1u8..30).prop_map(|blocks| Op::Wait { blocks }),
        1 => (val, 1u8..16).prop_map(|(v, blocks)| Op::Offline { v, blocks }),
    ]
}

fn accounts() -> Vec<Address> {
    let mut a: Vec<Address> = (1..=20).map(addr).collect();
    a.extend([
        bonded_pool(),
        not_bonded_pool(),
        distribution(),
        fee_collector(),
        community_pool(),
    ]);
    a
}

fn check_invariants(c: &mut Chain, genesis_supply: u128) {
    let totals = c.totals();
    let minted: u128 = totals.minted.parse().unwrap();
    let burned: u128 = totals.burned.parse().unwrap();
    let supply = c.h.supply();
    assert_eq!(supply, genesis_supply + minted - burned, "supply");
    let held: u128 = accounts().iter().map(|a| c.balance(a)).sum();
    assert_eq!(held, supply, "balances add up to the supply");

    let mut bonded = 0u128;
    let mut not_bonded = 0u128;
    let mut distribution_owed = 0u128;
    for op in OPERATORS {
        let r: Result<pb::QueryValidatorResponse, _> = c.q(
            "Validator",
            &pb::QueryValidatorRequest {
                operator: addr(op).to_string(),
            },
        );
        let Ok(r) = r else { continue };
        let v = r.validator.unwrap();
        let tokens: u128 = v.tokens.parse().unwrap();
        let shares: u128 = v.delegator_shares.parse().unwrap();
        if v.status == pb::ValidatorStatus::Bonded as i32 {
            bonded += tokens;
        } else {
            not_bonded += tokens;
        }
        let mut sum_shares = 0u128;
        let mut sum_tokens = 0u128;
        let mut count = 0u128;
        let mut claims = 0u128;
        for d in OPERATORS.iter().chain(DELEGATORS.iter()) {
            let r: Result<pb::QueryDelegationResponse, _> = c.q(
                "Delegation",
                &pb::QueryDelegationRequest {
                    delegator: addr(*d).to_string(),
                    validator: addr(op).to_string(),
                },
            );
            if let Ok(r) = r {
                let d = r.delegation.unwrap();
                sum_shares += d.delegation.unwrap().shares.parse::<u128>().unwrap();
                sum_tokens += d.tokens.parse::<u128>().unwrap();
                count += 1;
            }
            claims += c.rewards(*d, op).rewards.parse::<u128>().unwrap();
        }
        assert_eq!(sum_shares, shares, "shares of validator {op}");
        assert!(sum_tokens <= tokens, "tokens of validator {op}");
        if burned == 0 {
            assert_eq!(sum_tokens, tokens, "tokens of validator {op}");
        } else {
            assert!(tokens - sum_tokens <= count, "rounding of validator {op}");
        }
        if shares == 0 {
            assert_eq!(tokens, 0, "a validator without shares holds no tokens");
        }
        let rw = c.rewards(op, op);
        let outstanding: u128 = rw.validator_outstanding.parse().unwrap();
        assert!(claims <= outstanding, "claims on validator {op}");
        distribution_owed += outstanding + rw.commission.parse::<u128>().unwrap();
    }
    for d in OPERATORS.iter().chain(DELEGATORS.iter()) {
        for e in c.unbondings(*d) {
            not_bonded += e.balance.parse::<u128>().unwrap();
        }
    }
    assert_eq!(c.balance(&bonded_pool()), bonded, "bonded pool");
    assert_eq!(c.balance(&not_bonded_pool()), not_bonded, "not-bonded pool");
    assert_eq!(
        c.balance(&distribution()),
        distribution_owed,
        "distribution"
    );
}

/// `v` if `d` delegates to it, else the first validator `d` delegates to (so that
/// most undelegations and redelegations have something to move).
fn bonded_to(c: &Chain, d: u8, v: u8) -> u8 {
    if c.delegation(d, v) > 0 {
        return v;
    }
    OPERATORS
        .iter()
        .copied()
        .find(|o| c.delegation(d, *o) > 0)
        .unwrap_or(v)
}

fn apply(c: &mut Chain, op: &Op) {
    // Failures are fine (and must change nothing, which exec_checked asserts).
    let _ = match *op {
        Op::Create { op, bond } => c.create(op, bond),
        Op::Delegate { d, v, amount } => c.delegate(d, v, amount),
        Op::Undelegate { d, v, percent } => {
            let v = bonded_to(c, d, v);
            let have = c.delegation(d, v);
            c.undelegate(d, v, (have * percent / 100).max(1))
        }
        Op::Redelegate { d, s, t, percent } => {
            let s = bonded_to(c, d, s);
            let have = c.delegation(d, s);
            c.redelegate(d, s, t, (have * percent / 100).max(1))
        }
        Op::Block { ref missing, fees } => {
            if fees > 0 {
                c.pay_fees(20, fees);
            }
            c.block(missing);
            Ok(())
        }
        Op::DoubleSign { v, age } => {
            let height = c.h.block.height.saturating_sub(age).max(1);
            let time = c.h.block.time_seconds - 5 * age as i64;
            c.evidence_block(v, height, time);
            Ok(())
        }
        Op::Unjail { v } => c.unjail(v),
        Op::Withdraw { d, v } => c.withdraw(d, v),
        Op::Wait { blocks } => {
            for _ in 0..blocks {
                c.block(&[]);
            }
            Ok(())
        }
        Op::Offline { v, blocks } => {
            for _ in 0..blocks {
                c.block(&[v]);
            }
            Ok(())
        }
    };
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn stake_and_supply_are_conserved(ops in prop::collection::vec(op_strategy(), 1..40)) {
        let mut c = setup();
        let genesis_supply = c.h.supply();
        // Four validators (5 and 6 may be created later) and a delegation of each
        // delegator; the active set holds three.
        for (op, bond) in [(1, 20), (2, 15), (3, 10), (4, 5)] {
            c.create(op, bond * POWER).unwrap();
        }
        for (i, d) in DELEGATORS.iter().enumerate() {
            c.delegate(*d, OPERATORS[i], 5 * POWER + i as u128).unwrap();
        }
        c.quiet_block();
        check_invariants(&mut c, genesis_supply);
        for op in &ops {
            apply(&mut c, op);
            check_invariants(&mut c, genesis_supply);
        }
        // Everything unbonds in the end: after the unbonding time the pools hold only
        // the validators' remaining tokens.
        for _ in 0..30 {
            c.block(&[]);
        }
        check_invariants(&mut c, genesis_supply);
    }
}

/// The keys whose value a block changed.
fn keys_changed(c: &mut Chain, f: impl FnOnce(&mut Chain)) -> usize {
    let before = c.h.state.changes().verifiable;
    f(c);
    let after = c.h.state.changes().verifiable;
    after
        .iter()
        .filter(|(k, v)| before.get(*k) != Some(*v))
        .count()
}

#[test]
fn a_block_touches_a_bounded_number_of_entries() {
    let mut p = test_params();
    p["max_matured_per_block"] = 4.into();
    let mut c = setup_with(p);
    c.create(1, 20 * POWER).unwrap();
    c.create(2, 20 * POWER).unwrap();
    c.quiet_block();
    c.block(&[]);
    let small = keys_changed(&mut c, |c| {
        c.pay_fees(5, 1_000);
        c.block(&[]);
    });
    // Many delegators (accounts 1..=20, each with unbonding entries) change nothing
    // in what a block writes: rewards are lazy, and maturity is capped.
    for d in 3..=20 {
        c.delegate(d, 1, POWER).unwrap();
        c.undelegate(d, 1, 1_000).unwrap();
    }
    c.block(&[]);
    let big = keys_changed(&mut c, |c| {
        c.pay_fees(5, 1_000);
        c.block(&[]);
    });
    assert_eq!(
        small, big,
        "a rewards block writes the same keys whatever the delegators"
    );
    // Run to maturity: at most 4 entries mature per block, each writing its payout,
    // its delegator's balance and its 4 keys' deletion.
    let mut matured = Vec::new();
    loop {
        let before: usize = (3..=20).map(|d| c.unbondings(d).len()).sum();
        if before == 0 {
            break;
        }
        let touched = keys_changed(&mut c, |c| {
            c.block(&[]);
        });
        let after: usize = (3..=20).map(|d| c.unbondings(d).len()).sum();
        matured.push(before - after);
        assert!(touched <= big + 4 * 8, "{touched} keys in one block");
    }
    assert!(matured.iter().all(|n| *n <= 4), "{matured:?}");
    assert_eq!(matured.iter().filter(|n| **n > 0).count(), 5, "{matured:?}");
    assert_eq!(matured.iter().sum::<usize>(), 18);
}
