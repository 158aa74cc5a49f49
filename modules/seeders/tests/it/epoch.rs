//! Epochs: reputation from paid bandwidth, pro-rata rewards from the community pool
//! (remainder kept, capped by the pool), the paid-bandwidth ledger's bounds, and the
//! seeders listing by reputation.

use weave_kernel::Address;
use weave_proto::weave::{base::v1 as base, seeders::v1 as pb};
use weave_testkit::addr;

use crate::*;

/// Protocol fees paid to each seeder's payers (knee 100). S1: 10_000 from PAYER
/// (2·isqrt(100·10_000) − 100 = 1900 points) and 40_000 from payer 5 (2·2000 − 100 =
/// 3900), plus 100_000 from itself (nothing); S2: 20_000 from payer 6 (2·1414 − 100 =
/// 2728). The fees are large enough that the reward caps (9999 bps of the fees, all of
/// the bond) do not bind.
fn pay_epoch(env: &mut Env) {
    env.pay(S1, PAYER, 10_000);
    env.pay(S1, 5, 40_000);
    env.pay(S1, S1, 100_000);
    env.pay(S2, 6, 20_000);
}

#[test]
fn reputation_and_pro_rata_rewards_with_the_remainder_left_in_the_pool() {
    let mut env = Env::new();
    for s in [S1, S2, S3] {
        env.bond(s, BOND).unwrap();
    }
    pay_epoch(&mut env);
    let inputs = env.epoch_inputs(S1);
    let tally = inputs.tally.clone().unwrap();
    assert_eq!((tally.payers, tally.fees.as_str()), (2, "50000"));
    assert_eq!(inputs.bandwidth_points, "5800");
    assert_eq!((inputs.epoch, inputs.epoch_end_height), (1, 10));
    assert_eq!(inputs.payers.len(), 2);

    env.advance_to(10);
    env.h.take_events();
    env.h.next_block().unwrap();
    assert_eq!(env.reputation(S1), 5_800);
    assert_eq!(env.reputation(S2), 2_728);
    assert_eq!(env.reputation(S3), 0);
    // 1000 × 5800/8528 = 680.1 → 680; 1000 × 2728/8528 = 319.9 → 319; 1 stays.
    assert_eq!(env.h.balance(&addr(S1)), FUNDS - BOND + 680);
    assert_eq!(env.h.balance(&addr(S2)), FUNDS - BOND + 319);
    assert_eq!(env.h.balance(&addr(S3)), FUNDS - BOND);
    assert_eq!(env.h.balance(&community_pool()), POOL - 999);
    let ended = env.events("weave.seeders.v1.EventEpochEnded");
    assert_eq!(
        (
            ended[0].get("epoch"),
            ended[0].get("reward"),
            ended[0].get("paid")
        ),
        (Some("1"), Some("1000"), Some("999"))
    );
    // The inputs are gone; the next epoch is under way.
    let inputs = env.epoch_inputs(S1);
    assert_eq!(inputs.tally.unwrap().payers, 0);
    assert!(inputs.payers.is_empty());
    assert_eq!((inputs.epoch, inputs.epoch_end_height), (2, 20));

    // An epoch without inputs: 5800 → 5220, 2728 → 2455 (floor of 2455.2). No fees
    // were paid this epoch, so the caps are 0 and nobody is paid: reputation alone,
    // which self-dealing could have bought earlier, earns nothing.
    env.advance_to(20);
    env.h.next_block().unwrap();
    assert_eq!((env.reputation(S1), env.reputation(S2)), (5_220, 2_455));
    assert_eq!(env.h.balance(&addr(S1)), FUNDS - BOND + 680);
    assert_eq!(env.h.balance(&addr(S2)), FUNDS - BOND + 319);
    assert_eq!(env.h.balance(&community_pool()), POOL - 999);
}

#[test]
fn rewards_are_capped_by_the_pool() {
    let mut env = Env::new();
    let mut p = params(&env);
    p.epoch_reward = 50_000;
    env.h.exec_checked(gov(), &params_msg(gov(), p)).unwrap();
    env.bond(S1, BOND).unwrap();
    env.bond(S2, BOND).unwrap();
    pay_epoch(&mut env);
    let supply = env.h.supply();
    env.advance_to(11);
    // min(50_000, 10_000): 10_000 × 5800/8528 = 6801.1 → 6801; × 2728/8528 = 3198.9
    // → 3198.
    assert_eq!(env.h.balance(&addr(S1)), FUNDS - BOND + 6_801);
    assert_eq!(env.h.balance(&addr(S2)), FUNDS - BOND + 3_198);
    assert_eq!(env.h.balance(&community_pool()), 1);
    assert_eq!(env.h.supply(), supply);
    // The next epoch has 1 to share and no fees: nobody is paid, 1 stays.
    env.advance_to(21);
    assert_eq!(env.h.balance(&community_pool()), 1);
}

#[test]
fn jailed_and_unbonding_seeders_earn_no_rewards() {
    let mut env = Env::new();
    for s in [S1, S2, S3] {
        env.bond(s, BOND).unwrap();
    }
    pay_epoch(&mut env);
    env.pay(S3, 6, 30_000);
    // S2 starts unbonding (what it earned before still counts toward reputation); S3
    // is jailed for a bad slice.
    env.h.exec_checked(addr(S2), &unbond_msg(S2)).unwrap();
    env.pay(S2, 7, 100_000);
    crate::report::report_garbage(&mut env, S3, 0).unwrap();
    env.advance_to(11);
    assert_eq!(env.reputation(S2), 2_728);
    assert!(env.reputation(S3) > 0);
    assert_eq!(env.h.balance(&addr(S1)), FUNDS - BOND + 1_000);
    assert_eq!(env.h.balance(&addr(S2)), FUNDS - BOND);
    assert_eq!(env.h.balance(&community_pool()), POOL - 1_000);
}

#[test]
fn the_ledger_tracks_64_payers_and_only_bonded_seeders() {
    let mut env = Env::new();
    env.bond(S1, BOND).unwrap();
    for i in 0..65u8 {
        env.pay(S1, 100 + i, 1);
    }
    // An existing payer still adds up after the cap.
    env.pay(S1, 100, 10);
    let tally = env.epoch_inputs(S1).tally.unwrap();
    assert_eq!(
        (
            tally.payers,
            tally.fees.as_str(),
            tally.untracked_fees.as_str()
        ),
        (64, "75", "1")
    );
    assert_eq!(tally.bytes, 66 << 20);
    assert_eq!(env.epoch_inputs(S1).payers.len(), 64);
    // Not a seeder: nothing recorded.
    env.pay(S2, PAYER, 500);
    assert_eq!(env.epoch_inputs(S2).tally.unwrap().fees, "0");
    // Unbonding: nothing recorded either.
    env.h.exec_checked(addr(S1), &unbond_msg(S1)).unwrap();
    env.pay(S1, PAYER, 500);
    assert_eq!(env.epoch_inputs(S1).tally.unwrap().fees, "75");
    // After the epoch and the unbonding, nothing is left of its inputs.
    env.advance_to(21);
    env.h.next_block().unwrap();
    assert_eq!(env.epoch_inputs(S1).tally.unwrap().payers, 0);
}

fn list(
    env: &Env,
    order: pb::SeedersOrder,
    key: Vec<u8>,
    limit: u32,
    active_only: bool,
) -> (Vec<Address>, Vec<u8>) {
    let r: pb::QuerySeedersResponse = env
        .h
        .query(
            "/weave.seeders.v1.Query/Seeders",
            &pb::QuerySeedersRequest {
                page: Some(base::PageRequest { key, limit }),
                order: order as i32,
                active_only,
            },
        )
        .unwrap();
    (
        r.seeders
            .iter()
            .map(|s| s.address.parse().unwrap())
            .collect(),
        r.page.unwrap().next_key,
    )
}

#[test]
fn seeders_list_by_address_or_by_reputation_in_pages() {
    let mut env = Env::new();
    for s in [S1, S2, S3] {
        env.bond(s, BOND).unwrap();
    }
    env.pay(S2, PAYER, 100);
    env.pay(S3, PAYER, 50);
    env.advance_to(11);
    let by_rep = pb::SeedersOrder::Reputation;
    let (first, next) = list(&env, by_rep, vec![], 2, false);
    assert_eq!(first, vec![addr(S2), addr(S3)]);
    let (rest, end) = list(&env, by_rep, next, 2, false);
    assert_eq!((rest, end), (vec![addr(S1)], vec![]));
    let (all, _) = list(&env, pb::SeedersOrder::Address, vec![], 0, false);
    assert_eq!(all, vec![addr(S1), addr(S2), addr(S3)]);
    let (first, next) = list(&env, pb::SeedersOrder::Address, vec![], 1, false);
    assert_eq!(first, vec![addr(S1)]);
    assert_eq!(
        list(&env, pb::SeedersOrder::Address, next, 5, false).0,
        vec![addr(S2), addr(S3)]
    );
    // Jailed seeders drop out of the active listing.
    crate::report::report_garbage(&mut env, S2, 0).unwrap();
    assert_eq!(
        list(&env, by_rep, vec![], 0, true).0,
        vec![addr(S3), addr(S1)]
    );
    // A malformed page key is refused.
    let r: Result<pb::QuerySeedersResponse, _> = env.h.query(
        "/weave.seeders.v1.Query/Seeders",
        &pb::QuerySeedersRequest {
            page: Some(base::PageRequest {
                key: vec![1, 2, 3],
                limit: 0,
            }),
            order: by_rep as i32,
            active_only: false,
        },
    );
    assert!(r.is_err());
}
