//! Bonding, updating, unbonding, unjailing and params: happy paths and every refusal
//! with its stable code, each leaving no write behind (`exec_checked`).

use weave_proto::weave::seeders::v1 as pb;
use weave_testkit::{addr, any};

use crate::*;

#[test]
fn a_bond_moves_to_the_module_account_and_records_the_seeder() {
    let mut env = Env::new();
    env.bond(S1, BOND).unwrap();
    assert_eq!(env.h.balance(&addr(S1)), FUNDS - BOND);
    assert_eq!(env.h.balance(&pool_account()), BOND);
    let s = env.seeder(S1).unwrap();
    assert_eq!(s.bond, BOND.to_string());
    assert_eq!(s.status, pb::SeederStatus::Bonded as i32);
    assert_eq!(s.peer_id, peer(S1));
    assert_eq!(
        s.peer_key,
        VerificationKey::from(&key(S1)).to_bytes().to_vec()
    );
    assert_eq!(s.addrs, vec!["/ip4/10.0.0.1/tcp/4001".to_string()]);
    assert_eq!(
        s.contents,
        vec![pb::CommittedContent {
            root: env.film.root().to_vec(),
            slice_count: 5
        }]
    );
    assert_eq!((s.jailed, s.reputation.as_str()), (false, "0"));
    let by_peer: pb::QuerySeederByPeerResponse = env
        .h
        .query(
            "/weave.seeders.v1.Query/SeederByPeer",
            &pb::QuerySeederByPeerRequest { peer_id: peer(S1) },
        )
        .unwrap();
    assert_eq!(by_peer.seeder.unwrap().address, addr(S1).to_string());
    let e = env.events("weave.seeders.v1.EventSeederBonded");
    assert_eq!(e.len(), 1);
    assert_eq!(e[0].get("bond"), Some("10000"));
}

#[test]
fn bad_bonds_are_refused_with_their_codes_and_write_nothing() {
    let mut env = Env::new();
    env.bond(S1, BOND).unwrap();
    let root = env.film.root();
    let seeders = |c| ("seeders", c);

    // Below the minimum, and a zero amount.
    assert_eq!(code(env.bond(S2, 999)), seeders(3));
    assert_eq!(code(env.bond(S2, 0)), seeders(2));
    // A second bond by the same seeder.
    assert_eq!(code(env.bond(S1, BOND)), seeders(4));
    // Another seeder's peer id.
    let mut m = pb::MsgBondSeeder {
        seeder: addr(S2).to_string(),
        amount: BOND.to_string(),
        peer_id: peer(S1),
        addrs: vec![],
        contents: vec![root.to_vec()],
    };
    assert_eq!(
        code(env.h.exec_checked(addr(S2), &any(MSG_BOND_SEEDER, &m))),
        seeders(5)
    );
    // Not an ed25519 identity: a SHA-256 multihash, and a secp256k1 key.
    let mut sha = vec![0x12, 0x20];
    sha.extend_from_slice(&[7; 32]);
    let mut secp = vec![0x00, 0x25, 0x08, 0x02, 0x12, 0x21];
    secp.extend_from_slice(&[2; 33]);
    for bad in [sha, secp] {
        m.peer_id = bad;
        assert_eq!(
            code(env.h.exec_checked(addr(S2), &any(MSG_BOND_SEEDER, &m))),
            seeders(6)
        );
    }
    // Unknown content; too many contents; the same root twice; no content.
    let unknown = bond_msg(S2, BOND, &[[0xee; 32]]);
    assert_eq!(code(env.h.exec_checked(addr(S2), &unknown)), seeders(9));
    let five: Vec<[u8; 32]> = (0..5u8).map(|i| [i; 32]).collect();
    assert_eq!(
        code(env.h.exec_checked(addr(S2), &bond_msg(S2, BOND, &five))),
        seeders(8)
    );
    assert_eq!(
        code(
            env.h
                .exec_checked(addr(S2), &bond_msg(S2, BOND, &[root, root]))
        ),
        seeders(8)
    );
    assert_eq!(
        code(env.h.exec_checked(addr(S2), &bond_msg(S2, BOND, &[]))),
        seeders(8)
    );
    // Malformed multiaddrs.
    m.peer_id = peer(S2);
    for addrs in [
        vec!["ip4/1.2.3.4".to_string()],
        vec!["/a b".to_string()],
        vec!["/x".repeat(200)],
        (0..9).map(|i| format!("/ip4/1.1.1.{i}")).collect(),
    ] {
        m.addrs = addrs;
        assert_eq!(
            code(env.h.exec_checked(addr(S2), &any(MSG_BOND_SEEDER, &m))),
            seeders(7)
        );
    }
    // Cannot pay.
    assert_eq!(code(env.bond(S2, FUNDS + 1)), ("sdk", 5));
    // The set is full at 3.
    env.bond(S2, BOND).unwrap();
    env.bond(S3, BOND).unwrap();
    assert_eq!(code(env.bond(S4, BOND)), seeders(15));
    assert_eq!(env.h.balance(&pool_account()), 3 * BOND);
}

#[test]
fn updates_replace_fields_and_add_to_the_bond() {
    let mut env = Env::new();
    env.bond(S1, BOND).unwrap();
    env.bond(S2, BOND).unwrap();
    let other = env.other_film.root();
    let m = update_msg(S1, |m| {
        m.peer_id = peer(7);
        m.addrs = Some(pb::AddrList {
            addrs: vec!["/dns4/seeder.example/tcp/4001".into()],
        });
        m.contents = Some(pb::ContentList {
            roots: vec![other.to_vec()],
        });
        m.add_bond = "500".into();
    });
    env.h.exec_checked(addr(S1), &m).unwrap();
    let s = env.seeder(S1).unwrap();
    assert_eq!(s.peer_id, peer(7));
    assert_eq!(
        s.peer_key,
        VerificationKey::from(&key(7)).to_bytes().to_vec()
    );
    assert_eq!(s.addrs, vec!["/dns4/seeder.example/tcp/4001".to_string()]);
    assert_eq!(s.contents[0].root, other.to_vec());
    assert_eq!(s.bond, (BOND + 500).to_string());
    assert_eq!(env.h.balance(&pool_account()), 2 * BOND + 500);
    // The old peer id is free again; the new one is taken.
    env.h
        .exec_checked(addr(S2), &update_msg(S2, |m| m.peer_id = peer(S1)))
        .unwrap();
    assert_eq!(
        code(
            env.h
                .exec_checked(addr(S2), &update_msg(S2, |m| m.peer_id = peer(7)))
        ),
        ("seeders", 5)
    );
    // Keeping one's own peer id is no conflict.
    env.h
        .exec_checked(addr(S1), &update_msg(S1, |m| m.peer_id = peer(7)))
        .unwrap();
    // Nothing to update; an unknown seeder; unknown content.
    assert_eq!(
        code(env.h.exec_checked(addr(S1), &update_msg(S1, |_| {}))),
        ("seeders", 32)
    );
    assert_eq!(
        code(
            env.h
                .exec_checked(addr(S3), &update_msg(S3, |m| m.add_bond = "1".into()))
        ),
        ("seeders", 10)
    );
    let unknown = update_msg(S1, |m| {
        m.contents = Some(pb::ContentList {
            roots: vec![vec![0xee; 32]],
        })
    });
    assert_eq!(code(env.h.exec_checked(addr(S1), &unknown)), ("seeders", 9));
    // An unbonding seeder takes no update.
    env.h.exec_checked(addr(S1), &unbond_msg(S1)).unwrap();
    assert_eq!(
        code(
            env.h
                .exec_checked(addr(S1), &update_msg(S1, |m| m.add_bond = "1".into()))
        ),
        ("seeders", 11)
    );
}

#[test]
fn unbonding_returns_the_bond_after_the_period_a_bounded_few_per_block() {
    let mut env = Env::new();
    for s in [S1, S2, S3] {
        env.bond(s, BOND).unwrap();
    }
    env.advance_to(3);
    for s in [S1, S2, S3] {
        env.h.exec_checked(addr(s), &unbond_msg(s)).unwrap();
    }
    // Twice is refused.
    assert_eq!(
        code(env.h.exec_checked(addr(S1), &unbond_msg(S1))),
        ("seeders", 12)
    );
    let s = env.seeder(S1).unwrap();
    assert_eq!(s.status, pb::SeederStatus::Unbonding as i32);
    assert_eq!(s.unbonding_height, 23);
    // Nothing returns before height 23; at its end block two of three return.
    env.advance_to(23);
    assert_eq!(env.h.balance(&addr(S1)), FUNDS - BOND);
    env.h.next_block().unwrap();
    let returned: Vec<u8> = [S1, S2, S3]
        .into_iter()
        .filter(|s| env.h.balance(&addr(*s)) == FUNDS)
        .collect();
    assert_eq!(returned, vec![S1, S2]);
    assert!(env.seeder(S1).is_none());
    assert!(env.seeder(S3).is_some());
    env.h.next_block().unwrap();
    assert_eq!(env.h.balance(&addr(S3)), FUNDS);
    assert!(env.seeder(S3).is_none());
    assert_eq!(env.h.balance(&pool_account()), 0);
    assert_eq!(env.events("weave.seeders.v1.EventSeederUnbonded").len(), 3);
    // Slots and peer ids are free again.
    env.bond(S4, BOND).unwrap();
    let m = pb::MsgBondSeeder {
        seeder: addr(S2).to_string(),
        amount: BOND.to_string(),
        peer_id: peer(S1),
        addrs: vec![],
        contents: vec![env.film.root().to_vec()],
    };
    env.h
        .exec_checked(addr(S2), &any(MSG_BOND_SEEDER, &m))
        .unwrap();
}

#[test]
fn unjail_waits_for_the_jail_and_a_full_bond() {
    let mut env = Env::new();
    env.bond(S1, BOND).unwrap();
    assert_eq!(
        code(env.h.exec_checked(addr(S1), &unjail_msg(S1))),
        ("seeders", 13)
    );
    assert_eq!(
        code(env.h.exec_checked(addr(S2), &unjail_msg(S2))),
        ("seeders", 10)
    );
    // A proven bad slice jails S1 until height 1 + 10 and slashes 10%.
    crate::report::report_garbage(&mut env, S1, 0).unwrap();
    let s = env.seeder(S1).unwrap();
    assert!(s.jailed);
    assert_eq!(s.jailed_until, 11);
    env.advance_to(10);
    assert_eq!(
        code(env.h.exec_checked(addr(S1), &unjail_msg(S1))),
        ("seeders", 14)
    );
    env.advance_to(11);
    // 9000 left, above the 1000 minimum: it unjails.
    env.h.exec_checked(addr(S1), &unjail_msg(S1)).unwrap();
    assert!(!env.seeder(S1).unwrap().jailed);

    // With a minimum above the slashed bond, it must top up first.
    let mut p = params(&env);
    p.min_bond = BOND;
    env.h.exec_checked(gov(), &params_msg(gov(), p)).unwrap();
    crate::report::report_garbage(&mut env, S1, 1).unwrap();
    env.advance_to(22);
    assert_eq!(
        code(env.h.exec_checked(addr(S1), &unjail_msg(S1))),
        ("seeders", 3)
    );
    let top_up = BOND - env.bond_of(S1);
    env.h
        .exec_checked(
            addr(S1),
            &update_msg(S1, |m| m.add_bond = top_up.to_string()),
        )
        .unwrap();
    env.h.exec_checked(addr(S1), &unjail_msg(S1)).unwrap();
    assert_eq!(env.events("weave.seeders.v1.EventSeederUnjailed").len(), 2);
}

#[test]
fn params_change_only_through_gov_and_stay_above_the_challenge_period() {
    let mut env = Env::new();
    let mut p = params(&env);
    p.epoch_reward = 5;
    assert_eq!(
        code(
            env.h
                .exec_checked(addr(S1), &params_msg(addr(S1), p.clone()))
        ),
        ("seeders", 21)
    );
    let mut invalid = p.clone();
    invalid.decay_bps = 10_001;
    assert_eq!(
        code(env.h.exec_checked(gov(), &params_msg(gov(), invalid))),
        ("seeders", 22)
    );
    let mut short = p.clone();
    short.unbonding_period_blocks = CHALLENGE_PERIOD;
    assert_eq!(
        code(env.h.exec_checked(gov(), &params_msg(gov(), short))),
        ("seeders", 22)
    );
    env.h.exec_checked(gov(), &params_msg(gov(), p)).unwrap();
    assert_eq!(params(&env).epoch_reward, 5);
    assert_eq!(env.events("weave.seeders.v1.EventParamsUpdated").len(), 1);
    assert_eq!(
        env.module.governance_message_types(),
        &[MSG_UPDATE_PARAMS][..]
    );
}

#[test]
fn genesis_checks_the_unbonding_period_against_the_channels_params_it_can_see() {
    let mut p = test_params();
    p["unbonding_period_blocks"] = CHALLENGE_PERIOD.into();
    let e = Env::with(p.clone(), Some(CHALLENGE_PERIOD)).err().unwrap();
    assert_eq!((e.codespace, e.code), ("seeders", 23));
    // Before the channels genesis (no channels params yet): only positivity.
    Env::with(p, None).unwrap();
    let mut zero = test_params();
    zero["unbonding_period_blocks"] = 0.into();
    assert!(Env::with(zero, None).is_err());
}
