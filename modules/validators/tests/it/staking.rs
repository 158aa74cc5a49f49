//! Creating, editing, delegating, undelegating and redelegating: happy paths, exact
//! token movements, every error code, and unbonding maturity.

use weave_testkit::addr;
use weave_validators::{bonded_pool, not_bonded_pool, MSG_CREATE_VALIDATOR, MSG_UPDATE_PARAMS};

use crate::*;

#[test]
fn create_validator_bonds_the_self_bond_and_joins_the_set() {
    let mut c = setup();
    c.create(1, 10 * POWER).unwrap();
    assert_eq!(c.balance(&addr(1)), FUNDS - 10 * POWER);
    assert_eq!(c.balance(&not_bonded_pool()), 10 * POWER);
    let v = c.validator(1);
    assert_eq!(v.status, pb::ValidatorStatus::Unbonded as i32);
    assert_eq!(v.tokens, (10 * POWER).to_string());
    assert_eq!(v.delegator_shares, (10 * POWER).to_string());
    assert_eq!(v.consensus_address, cons(1).to_vec());
    assert_eq!(c.delegation(1, 1), 10 * POWER);
    assert!(c
        .h
        .events
        .iter()
        .any(|e| e.kind == "weave.validators.v1.EventCreateValidator"));

    // The end of the block reports it to CometBFT and bonds it.
    let updates = c.quiet_block();
    assert_eq!(
        updates,
        vec![ValidatorUpdate {
            pub_key_ed25519: ckey(1),
            power: 10
        }]
    );
    assert_eq!(c.validator(1).status, pb::ValidatorStatus::Bonded as i32);
    assert_eq!(c.balance(&bonded_pool()), 10 * POWER);
    assert_eq!(c.balance(&not_bonded_pool()), 0);
    // Nothing changed since: nothing to report.
    assert!(c.quiet_block().is_empty());
}

#[test]
fn create_validator_errors() {
    let mut c = setup();
    c.create(1, 10 * POWER).unwrap();
    // A second validator for the same operator.
    assert_eq!(
        code(c.exec(1, MSG_CREATE_VALIDATOR, &create_msg(1, 9, POWER))),
        (V, 7)
    );
    // Another operator with a consensus key in use.
    assert_eq!(
        code(c.exec(2, MSG_CREATE_VALIDATOR, &create_msg(2, 1, POWER))),
        (V, 8)
    );
    // Commission: rate above max rate, max rate above 100%, max change above max rate.
    for (rate, max, change) in [(3_000, 2_000, 100), (100, 10_001, 100), (100, 1_000, 2_000)] {
        let m = pb::MsgCreateValidator {
            commission: Some(commission(rate, max, change)),
            ..create_msg(2, 2, POWER)
        };
        assert_eq!(code(c.exec(2, MSG_CREATE_VALIDATOR, &m)), (V, 5));
    }
    let m = pb::MsgCreateValidator {
        commission: None,
        ..create_msg(2, 2, POWER)
    };
    assert_eq!(code(c.exec(2, MSG_CREATE_VALIDATOR, &m)), (V, 5));
    // Self-bond below the minimum self-delegation.
    let m = pb::MsgCreateValidator {
        min_self_delegation: (2 * POWER).to_string(),
        ..create_msg(2, 2, POWER)
    };
    assert_eq!(code(c.exec(2, MSG_CREATE_VALIDATOR, &m)), (V, 9));
    // Zero amounts.
    let m = pb::MsgCreateValidator {
        self_bond: "0".into(),
        ..create_msg(2, 2, POWER)
    };
    assert_eq!(code(c.exec(2, MSG_CREATE_VALIDATOR, &m)), (V, 2));
    let m = pb::MsgCreateValidator {
        min_self_delegation: "0".into(),
        ..create_msg(2, 2, POWER)
    };
    assert_eq!(code(c.exec(2, MSG_CREATE_VALIDATOR, &m)), (V, 2));
    // A consensus key that is not 32 bytes, or not a point.
    let m = pb::MsgCreateValidator {
        consensus_pubkey: vec![1; 31],
        ..create_msg(2, 2, POWER)
    };
    assert_eq!(code(c.exec(2, MSG_CREATE_VALIDATOR, &m)), (V, 4));
    // Empty or overlong description fields.
    for d in [
        pb::Description::default(),
        pb::Description {
            moniker: "x".repeat(71),
            ..Default::default()
        },
        pb::Description {
            moniker: "ok".into(),
            details: "y".repeat(281),
            ..Default::default()
        },
    ] {
        let m = pb::MsgCreateValidator {
            description: Some(d),
            ..create_msg(2, 2, POWER)
        };
        assert_eq!(code(c.exec(2, MSG_CREATE_VALIDATOR, &m)), (V, 6));
    }
    // More than the operator holds.
    assert_eq!(
        code(c.exec(2, MSG_CREATE_VALIDATOR, &create_msg(2, 2, FUNDS + 1))),
        ("sdk", 5)
    );
    // Signed by someone else than the operator.
    let msg = any(MSG_CREATE_VALIDATOR, &create_msg(2, 2, POWER));
    assert_eq!(code(c.h.exec(addr(3), &msg)), ("sdk", 4));
    // Nothing of the failures stuck: only validator 1 exists.
    let r: pb::QueryValidatorsResponse = c
        .q("Validators", &pb::QueryValidatorsRequest::default())
        .unwrap();
    assert_eq!(r.validators.len(), 1);
}

#[test]
fn edit_validator_rules() {
    let mut c = setup();
    c.create(1, 10 * POWER).unwrap();
    let rate = |r: u32| pb::MsgEditValidator {
        commission_rate_bps: Some(r),
        ..Default::default()
    };
    // The description changes at any time.
    c.edit(
        1,
        pb::MsgEditValidator {
            description: Some(pb::Description {
                moniker: "renamed".into(),
                website: "https://example.invalid".into(),
                ..Default::default()
            }),
            ..Default::default()
        },
    )
    .unwrap();
    assert_eq!(c.validator(1).description.unwrap().moniker, "renamed");
    // The commission not within 24 hours of creation.
    assert_eq!(code(c.edit(1, rate(1_050))), (V, 18));
    c.h.block.time_seconds += 24 * 3600;
    // Above the maximum rate (20%).
    assert_eq!(code(c.edit(1, rate(2_001))), (V, 16));
    // A change larger than the maximum change (1%).
    assert_eq!(code(c.edit(1, rate(1_200))), (V, 17));
    c.edit(1, rate(1_100)).unwrap();
    assert_eq!(c.validator(1).commission.unwrap().rate_bps, 1_100);
    // Again within 24 hours.
    c.h.block.time_seconds += 3600;
    assert_eq!(code(c.edit(1, rate(1_000))), (V, 18));
    // The minimum self-delegation only rises, and not above the self-delegation.
    let min = |m: u128| pb::MsgEditValidator {
        min_self_delegation: m.to_string(),
        ..Default::default()
    };
    assert_eq!(code(c.edit(1, min(1))), (V, 19));
    assert_eq!(code(c.edit(1, min(10 * POWER + 1))), (V, 20));
    c.edit(1, min(10 * POWER)).unwrap();
    assert_eq!(c.validator(1).min_self_delegation, (10 * POWER).to_string());
    // An edit of nothing; a rate above 100%; an unknown validator.
    assert_eq!(code(c.edit(1, pb::MsgEditValidator::default())), (V, 25));
    assert_eq!(code(c.edit(1, rate(10_001))), (V, 5));
    assert_eq!(code(c.edit(2, rate(100))), (V, 10));
}

#[test]
fn delegate_and_its_errors() {
    let mut c = setup();
    c.create(1, 10 * POWER).unwrap();
    c.quiet_block();
    c.delegate(5, 1, 3 * POWER).unwrap();
    assert_eq!(c.delegation(5, 1), 3 * POWER);
    assert_eq!(c.tokens(1), 13 * POWER);
    assert_eq!(c.balance(&bonded_pool()), 13 * POWER);
    assert_eq!(c.balance(&addr(5)), FUNDS - 3 * POWER);
    // The set hears of the new power.
    assert_eq!(
        c.quiet_block(),
        vec![ValidatorUpdate {
            pub_key_ed25519: ckey(1),
            power: 13
        }]
    );
    // A delegation too small to change the power changes nothing in CometBFT.
    c.delegate(5, 1, 10).unwrap();
    assert!(c.quiet_block().is_empty());

    assert_eq!(code(c.delegate(5, 9, POWER)), (V, 10));
    assert_eq!(code(c.delegate(5, 1, 0)), (V, 2));
    assert_eq!(code(c.delegate(5, 1, FUNDS)), ("sdk", 5));
    let bad = pb::MsgDelegate {
        delegator: addr(5).to_string(),
        validator: "weave1notanaddress".into(),
        amount: "1".into(),
    };
    assert_eq!(code(c.exec(5, MSG_DELEGATE, &bad)), ("sdk", 7));
}

#[test]
fn undelegate_pays_back_after_the_unbonding_time() {
    let mut c = setup();
    c.create(1, 10 * POWER).unwrap();
    c.quiet_block();
    c.delegate(5, 1, 4 * POWER).unwrap();
    c.undelegate(5, 1, POWER).unwrap();
    assert_eq!(c.delegation(5, 1), 3 * POWER);
    assert_eq!(c.tokens(1), 13 * POWER);
    assert_eq!(c.balance(&bonded_pool()), 13 * POWER);
    assert_eq!(c.balance(&not_bonded_pool()), POWER);
    let entries = c.unbondings(5);
    assert_eq!(entries.len(), 1);
    assert_eq!(entries[0].balance, POWER.to_string());
    let completion = entries[0].completion_seconds;
    assert_eq!(completion, c.h.block.time_seconds + 100);

    // Not before the completion time.
    while c.h.block.time_seconds + 5 < completion {
        c.quiet_block();
        assert_eq!(c.unbondings(5).len(), 1);
    }
    let before = c.balance(&addr(5));
    c.quiet_block(); // this block's time reaches the completion; its end pays
    c.quiet_block();
    assert!(c.unbondings(5).is_empty());
    assert_eq!(c.balance(&addr(5)), before + POWER);
    assert_eq!(c.balance(&not_bonded_pool()), 0);
    assert!(c
        .h
        .events
        .iter()
        .any(|e| e.kind == "weave.validators.v1.EventUnbondingCompleted"));

    // Undelegating everything removes the delegation.
    c.undelegate(5, 1, 3 * POWER).unwrap();
    assert_eq!(c.delegation(5, 1), 0);
}

#[test]
fn undelegate_errors() {
    let mut c = setup();
    c.create(1, 10 * POWER).unwrap();
    c.delegate(5, 1, 4 * POWER).unwrap();
    // More than is bonded.
    assert_eq!(code(c.undelegate(5, 1, 4 * POWER + 1)), (V, 12));
    // No delegation; unknown validator.
    assert_eq!(code(c.undelegate(6, 1, 1)), (V, 11));
    assert_eq!(code(c.undelegate(5, 9, 1)), (V, 10));
    // At most max_entries (3) unbonding entries per pair.
    for _ in 0..3 {
        c.undelegate(5, 1, 10).unwrap();
    }
    assert_eq!(code(c.undelegate(5, 1, 10)), (V, 15));
    // Another pair is not limited by it.
    c.undelegate(1, 1, 10).unwrap();
}

#[test]
fn redelegate_moves_stake_at_once() {
    let mut c = setup();
    c.create(1, 10 * POWER).unwrap();
    c.create(2, 10 * POWER).unwrap();
    c.quiet_block();
    c.delegate(5, 1, 4 * POWER).unwrap();
    c.redelegate(5, 1, 2, 3 * POWER).unwrap();
    assert_eq!(c.delegation(5, 1), POWER);
    assert_eq!(c.delegation(5, 2), 3 * POWER);
    assert_eq!(c.tokens(1), 11 * POWER);
    assert_eq!(c.tokens(2), 13 * POWER);
    assert_eq!(c.balance(&bonded_pool()), 24 * POWER);
    let r: pb::QueryDelegatorRedelegationsResponse = c
        .q(
            "DelegatorRedelegations",
            &pb::QueryDelegatorRedelegationsRequest {
                delegator: addr(5).to_string(),
                page: None,
            },
        )
        .unwrap();
    assert_eq!(r.entries.len(), 1);
    assert_eq!(r.entries[0].initial_balance, (3 * POWER).to_string());
    let mut updates = c.quiet_block();
    updates.sort();
    let mut want = vec![
        ValidatorUpdate {
            pub_key_ed25519: ckey(1),
            power: 11,
        },
        ValidatorUpdate {
            pub_key_ed25519: ckey(2),
            power: 13,
        },
    ];
    want.sort();
    assert_eq!(updates, want);
    // The entry matures after the unbonding time and then redelegating from 2 is free.
    assert_eq!(code(c.redelegate(5, 2, 1, POWER)), (V, 14));
    for _ in 0..25 {
        c.quiet_block();
    }
    c.redelegate(5, 2, 1, POWER).unwrap();
}

#[test]
fn redelegate_errors() {
    let mut c = setup();
    c.create(1, 10 * POWER).unwrap();
    c.create(2, 10 * POWER).unwrap();
    c.create(3, 10 * POWER).unwrap();
    c.delegate(5, 1, 4 * POWER).unwrap();
    // To the same validator; to or from an unknown one; more than is bonded; nothing
    // bonded.
    assert_eq!(code(c.redelegate(5, 1, 1, 1)), (V, 13));
    assert_eq!(code(c.redelegate(5, 1, 9, 1)), (V, 10));
    assert_eq!(code(c.redelegate(5, 9, 1, 1)), (V, 10));
    assert_eq!(code(c.redelegate(5, 1, 2, 4 * POWER + 1)), (V, 12));
    assert_eq!(code(c.redelegate(6, 1, 2, 1)), (V, 11));
    // Transitive: 1 → 2, then 2 → 3 before the first matures.
    c.redelegate(5, 1, 2, POWER).unwrap();
    assert_eq!(code(c.redelegate(5, 2, 3, 1)), (V, 14));
    // At most max_entries (3) per (delegator, source, destination).
    c.redelegate(5, 1, 2, 10).unwrap();
    c.redelegate(5, 1, 2, 10).unwrap();
    assert_eq!(code(c.redelegate(5, 1, 2, 10)), (V, 15));
    c.redelegate(5, 1, 3, 10).unwrap();
}

#[test]
fn maturity_is_bounded_per_block() {
    let mut p = test_params();
    p["max_matured_per_block"] = 2.into();
    p["max_entries"] = 10.into();
    let mut c = setup_with(p);
    c.create(1, 10 * POWER).unwrap();
    for _ in 0..5 {
        c.undelegate(1, 1, 10).unwrap();
    }
    assert_eq!(c.unbondings(1).len(), 5);
    // Run until the entries are due, then two mature per block.
    for _ in 0..20 {
        c.quiet_block();
    }
    assert_eq!(c.unbondings(1).len(), 5);
    c.quiet_block();
    let mut left = vec![c.unbondings(1).len()];
    while left.last() != Some(&0) {
        c.quiet_block();
        left.push(c.unbondings(1).len());
    }
    assert_eq!(left, vec![3, 1, 0]);
}

#[test]
fn params_change_only_through_gov() {
    let mut c = setup();
    let r: pb::QueryParamsResponse = c.q("Params", &pb::QueryParamsRequest {}).unwrap();
    let mut p = r.params.unwrap();
    assert_eq!(p.max_validators, 3);
    p.max_validators = 50;
    let gov = weave_kernel::gov_authority();
    let msg = |authority: &Address, params: &pb::Params| {
        any(
            MSG_UPDATE_PARAMS,
            &pb::MsgUpdateParams {
                authority: authority.to_string(),
                params: Some(params.clone()),
            },
        )
    };
    assert_eq!(code(c.h.exec_checked(addr(1), &msg(&addr(1), &p))), (V, 26));
    let mut bad = p.clone();
    bad.max_validators = 0;
    assert_eq!(code(c.h.exec_checked(gov, &msg(&gov, &bad))), (V, 27));
    let mut bad = p.clone();
    bad.block_reward = "-1".into();
    assert_eq!(code(c.h.exec_checked(gov, &msg(&gov, &bad))), (V, 27));
    c.h.exec_checked(gov, &msg(&gov, &p)).unwrap();
    let r: pb::QueryParamsResponse = c.q("Params", &pb::QueryParamsRequest {}).unwrap();
    assert_eq!(r.params.unwrap().max_validators, 50);
}

#[test]
fn genesis_rejects_bad_sections() {
    let bank = Harness::new(vec![], &[], serde_json::Value::Null)
        .unwrap()
        .bank();
    let module = ValidatorsModule::new(bank);
    for section in [
        serde_json::json!({"params": {"max_validators": 0}}),
        serde_json::json!({"nope": 1}),
        serde_json::json!({"gen_txs": ["%%%"]}),
        serde_json::json!({"gen_txs": ["AAAA"]}),
    ] {
        let r = Harness::new(
            vec![Arc::new(module.clone())],
            &[],
            serde_json::json!({ "validators": section }),
        );
        assert_eq!(r.map(|_| ()).unwrap_err().codespace, V);
    }
}
