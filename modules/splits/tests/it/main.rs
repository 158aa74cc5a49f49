//! Splits module integration tests (layer 2): every message and error through the
//! `Module` trait over an in-memory overlay, and payouts moved by the real bank.
#![allow(clippy::unwrap_used, missing_docs, unreachable_pub)]

use std::sync::Arc;

use weave_kernel::{
    community_pool,
    expected::{PayTo, Splits},
    gov_authority, Address, Any, TxError,
};
use weave_proto::weave::splits::v1 as pb;
use weave_splits::{
    SplitsModule, MSG_ACCEPT_CONTROLLER, MSG_CREATE_SPLIT, MSG_PROPOSE_CONTROLLER,
    MSG_UPDATE_PARAMS, MSG_UPDATE_SPLIT,
};
use weave_testkit::{addr, any, Harness};

const PAYER: u8 = 9;

fn setup() -> (Harness, weave_splits::Keeper) {
    let mut h = Harness::new(vec![], &[], serde_json::Value::Null).unwrap();
    let module = SplitsModule::new(h.bank());
    let keeper = module.keeper();
    h = Harness::new(
        vec![Arc::new(module)],
        &[(addr(PAYER), 1_000_000_000)],
        serde_json::json!({}),
    )
    .unwrap();
    (h, keeper)
}

fn recipients(list: &[(u8, u32)]) -> Vec<pb::Recipient> {
    list.iter()
        .map(|(n, bps)| pb::Recipient {
            address: addr(*n).to_string(),
            bps: *bps,
        })
        .collect()
}

fn create(creator: Address, list: &[(u8, u32)], controller: Option<Address>) -> Any {
    any(
        MSG_CREATE_SPLIT,
        &pb::MsgCreateSplit {
            creator: creator.to_string(),
            recipients: recipients(list),
            controller: controller.map(|c| c.to_string()).unwrap_or_default(),
        },
    )
}

fn update(controller: Address, split_id: u64, list: &[(u8, u32)]) -> Any {
    any(
        MSG_UPDATE_SPLIT,
        &pb::MsgUpdateSplit {
            controller: controller.to_string(),
            split_id,
            recipients: recipients(list),
        },
    )
}

fn propose(controller: Address, split_id: u64, new: Option<Address>) -> Any {
    any(
        MSG_PROPOSE_CONTROLLER,
        &pb::MsgProposeController {
            controller: controller.to_string(),
            split_id,
            new_controller: new.map(|c| c.to_string()).unwrap_or_default(),
        },
    )
}

fn accept(new: Address, split_id: u64) -> Any {
    any(
        MSG_ACCEPT_CONTROLLER,
        &pb::MsgAcceptController {
            new_controller: new.to_string(),
            split_id,
        },
    )
}

fn split(h: &Harness, id: u64) -> Result<pb::SplitTable, TxError> {
    let r: pb::QuerySplitResponse = h.query(
        "/weave.splits.v1.Query/Split",
        &pb::QuerySplitRequest { split_id: id },
    )?;
    Ok(r.split.unwrap())
}

fn code(r: Result<(), TxError>) -> (String, u32) {
    let e = r.unwrap_err();
    (e.codespace.to_string(), e.code)
}

#[test]
fn create_update_and_hand_over_control() {
    let (mut h, _) = setup();
    let owner = addr(1);
    h.exec_checked(owner, &create(owner, &[(1, 6000), (2, 4000)], Some(owner)))
        .unwrap();
    let t = split(&h, 1).unwrap();
    assert_eq!(t.recipients, recipients(&[(1, 6000), (2, 4000)]));
    assert_eq!(t.controller, owner.to_string());
    assert_eq!(t.version, 1);

    h.exec_checked(owner, &update(owner, 1, &[(1, 5000), (3, 5000)]))
        .unwrap();
    assert_eq!(
        split(&h, 1).unwrap().recipients,
        recipients(&[(1, 5000), (3, 5000)])
    );

    // Hand-over: propose, a stranger cannot accept, the named one can.
    let next = addr(7);
    h.exec_checked(owner, &propose(owner, 1, Some(next)))
        .unwrap();
    assert_eq!(
        code(h.exec_checked(addr(8), &accept(addr(8), 1))),
        ("splits".into(), 11)
    );
    // Proposing does not yet move control.
    assert_eq!(
        code(h.exec_checked(next, &update(next, 1, &[(1, 10_000)]))),
        ("splits".into(), 10)
    );
    h.exec_checked(next, &accept(next, 1)).unwrap();
    let t = split(&h, 1).unwrap();
    assert_eq!(t.controller, next.to_string());
    assert_eq!(t.pending_controller, "");
    assert_eq!(t.version, 3);
    // The old controller has lost control; the new one has it.
    assert_eq!(
        code(h.exec_checked(owner, &update(owner, 1, &[(1, 10_000)]))),
        ("splits".into(), 10)
    );
    h.exec_checked(next, &update(next, 1, &[(1, 10_000)]))
        .unwrap();
    let kinds: Vec<String> = h.take_events().into_iter().map(|e| e.kind).collect();
    for k in [
        "weave.splits.v1.EventSplitCreated",
        "weave.splits.v1.EventSplitUpdated",
        "weave.splits.v1.EventControllerProposed",
        "weave.splits.v1.EventControllerAccepted",
    ] {
        assert!(kinds.iter().any(|x| x == k), "missing {k} in {kinds:?}");
    }
}

#[test]
fn cancelled_proposal_cannot_be_accepted() {
    let (mut h, _) = setup();
    let owner = addr(1);
    h.exec(owner, &create(owner, &[(1, 10_000)], Some(owner)))
        .unwrap();
    h.exec(owner, &propose(owner, 1, Some(addr(2)))).unwrap();
    h.exec(owner, &propose(owner, 1, None)).unwrap();
    assert_eq!(
        code(h.exec_checked(addr(2), &accept(addr(2), 1))),
        ("splits".into(), 11)
    );
}

#[test]
fn bad_tables_are_rejected_with_stable_codes() {
    let (mut h, _) = setup();
    let c = addr(1);
    let cases: &[(&[(u8, u32)], u32)] = &[
        (&[(1, 5000), (2, 4000)], 2),         // sum 9000
        (&[(1, 5000), (1, 5000)], 3),         // duplicate
        (&[(2, 5000), (1, 5000)], 4),         // unsorted
        (&[], 5),                             // empty
        (&[(1, 10_000), (2, 0)], 6),          // zero share
        (&[(1, u32::MAX), (2, u32::MAX)], 2), // would overflow u32
    ];
    for (list, expected) in cases {
        assert_eq!(
            code(h.exec_checked(c, &create(c, list, None))),
            ("splits".into(), *expected),
            "{list:?}"
        );
    }
    let many: Vec<(u8, u32)> = (1..=33u8)
        .map(|n| (n, if n == 1 { 9_968 } else { 1 }))
        .collect();
    assert_eq!(
        code(h.exec_checked(c, &create(c, &many, None))),
        ("splits".into(), 5)
    );
    let bad_address = any(
        MSG_CREATE_SPLIT,
        &pb::MsgCreateSplit {
            creator: c.to_string(),
            recipients: vec![pb::Recipient {
                address: "weave1nope".into(),
                bps: 10_000,
            }],
            controller: String::new(),
        },
    );
    assert_eq!(code(h.exec_checked(c, &bad_address)), ("splits".into(), 7));
    // Nothing was created.
    assert_eq!(split(&h, 1).unwrap_err().code, 8);
}

#[test]
fn immutable_and_foreign_tables_cannot_change() {
    let (mut h, _) = setup();
    let c = addr(1);
    h.exec(c, &create(c, &[(1, 10_000)], None)).unwrap();
    assert_eq!(
        code(h.exec_checked(c, &update(c, 1, &[(2, 10_000)]))),
        ("splits".into(), 9)
    );
    assert_eq!(
        code(h.exec_checked(c, &propose(c, 1, Some(addr(2))))),
        ("splits".into(), 9)
    );
    assert_eq!(
        code(h.exec_checked(c, &update(c, 42, &[(2, 10_000)]))),
        ("splits".into(), 8)
    );
    // The signer must be the controller field's address.
    assert_eq!(
        code(h.exec_checked(addr(2), &update(c, 1, &[(2, 10_000)]))).1,
        4
    );
}

#[test]
fn pay_divides_by_the_table_and_conserves_every_unit() {
    let (mut h, keeper) = setup();
    let c = addr(1);
    h.exec(c, &create(c, &[(1, 5000), (2, 3000), (3, 2000)], None))
        .unwrap();
    let payer = addr(PAYER);
    let fee = h
        .with_ctx(|ctx| keeper.pay(ctx, &payer, 1_000_003, PayTo::Split(1), "test"))
        .unwrap();
    // Default protocol fee is 2%: floor(1_000_003 × 0.02) = 20_000; net 980_003.
    assert_eq!(fee, 20_000);
    assert_eq!(h.balance(&community_pool()), 20_000);
    assert_eq!(h.balance(&addr(2)), 294_000);
    assert_eq!(h.balance(&addr(3)), 196_000);
    // First recipient: floor(980_003 / 2) = 490_001, plus the remainder 2.
    assert_eq!(h.balance(&addr(1)), 490_003);
    assert_eq!(h.balance(&payer), 1_000_000_000 - 1_000_003);

    // The preview query agrees with what was paid.
    let r: pb::QueryPreviewPayoutResponse = h
        .query(
            "/weave.splits.v1.Query/PreviewPayout",
            &pb::QueryPreviewPayoutRequest {
                split_id: 1,
                amount: "1000003".into(),
            },
        )
        .unwrap();
    let p = r.payout.unwrap();
    assert_eq!(p.protocol_fee, "20000");
    assert_eq!(p.shares[0].amount, "490003");

    // A direct payout to one account still takes the fee.
    h.with_ctx(|ctx| keeper.pay(ctx, &payer, 100, PayTo::Account(addr(4)), "tip"))
        .unwrap();
    assert_eq!(h.balance(&addr(4)), 98);
}

#[test]
fn pay_fails_cleanly() {
    let (mut h, keeper) = setup();
    let c = addr(1);
    h.exec(c, &create(c, &[(1, 10_000)], None)).unwrap();
    let before = h.state.changes();
    let poor = addr(50);
    let e = h
        .with_ctx(|ctx| keeper.pay(ctx, &poor, 10, PayTo::Split(1), "test"))
        .unwrap_err();
    assert_eq!((e.codespace, e.code), ("sdk", 5));
    let e = h
        .with_ctx(|ctx| keeper.pay(ctx, &addr(PAYER), 0, PayTo::Split(1), "test"))
        .unwrap_err();
    assert_eq!((e.codespace, e.code), ("splits", 15));
    let e = h
        .with_ctx(|ctx| keeper.pay(ctx, &addr(PAYER), 10, PayTo::Split(99), "test"))
        .unwrap_err();
    assert_eq!((e.codespace, e.code), ("splits", 8));
    assert_eq!(before, h.state.changes());
}

#[test]
fn params_change_only_through_gov() {
    let (mut h, keeper) = setup();
    let msg = |authority: Address, bps: u32| {
        any(
            MSG_UPDATE_PARAMS,
            &pb::MsgUpdateParams {
                authority: authority.to_string(),
                params: Some(pb::Params {
                    protocol_fee_bps: bps,
                }),
            },
        )
    };
    assert_eq!(
        code(h.exec_checked(addr(1), &msg(addr(1), 0))),
        ("splits".into(), 12)
    );
    assert_eq!(
        code(h.exec_checked(gov_authority(), &msg(gov_authority(), 2_001))),
        ("splits".into(), 13)
    );
    h.exec_checked(gov_authority(), &msg(gov_authority(), 0))
        .unwrap();
    let r: pb::QueryParamsResponse = h
        .query("/weave.splits.v1.Query/Params", &pb::QueryParamsRequest {})
        .unwrap();
    assert_eq!(r.params.unwrap().protocol_fee_bps, 0);
    // With no fee, a payout goes whole to the recipient.
    h.exec(addr(1), &create(addr(1), &[(1, 10_000)], None))
        .unwrap();
    h.with_ctx(|ctx| keeper.pay(ctx, &addr(PAYER), 777, PayTo::Split(1), "t"))
        .unwrap();
    assert_eq!(h.balance(&addr(1)), 777);
}

#[test]
fn genesis_tables_and_validation() {
    let mut h = Harness::new(vec![], &[], serde_json::Value::Null).unwrap();
    let module = SplitsModule::new(h.bank());
    let good = serde_json::json!({"splits": {
        "params": {"protocol_fee_bps": 100},
        "tables": [{"creator": addr(1).to_string(), "recipients": [[addr(1).to_string(), 10000]]}]
    }});
    h = Harness::new(vec![Arc::new(module.clone())], &[], good).unwrap();
    assert_eq!(split(&h, 1).unwrap().controller, "");
    let bad = serde_json::json!({"splits": {
        "tables": [{"creator": addr(1).to_string(), "recipients": [[addr(1).to_string(), 9000]]}]
    }});
    let e = Harness::new(vec![Arc::new(module)], &[], bad).unwrap_err();
    assert_eq!(e.codespace, "splits");
}
