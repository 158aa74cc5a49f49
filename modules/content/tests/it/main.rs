//! Content module integration tests (layer 2): every message and its errors through
//! the `Module` trait over an in-memory overlay, with the real bank and splits modules
//! moving the money, plus a property test that purchases conserve supply.
#![allow(clippy::unwrap_used, missing_docs, unreachable_pub)]

use std::sync::Arc;

use proptest::prelude::*;
use weave_content::{
    ContentModule, MSG_DELIVER_KEY, MSG_PURCHASE_ACCESS, MSG_REGISTER_BUYER_KEY,
    MSG_REGISTER_CONTENT, MSG_RETIRE_CONTENT, MSG_SET_SUBSCRIPTION_TERMS, MSG_SUBSCRIBE, MSG_TIP,
    MSG_TRANSFER_ACCESS, MSG_UPDATE_CONTENT, MSG_UPDATE_PARAMS,
};
use weave_kernel::{community_pool, gov_authority, Address, Any, TxError};
use weave_proto::weave::{base::v1 as base, content::v1 as pb, splits::v1 as splits_pb};
use weave_slices::{open_key, seal_key_os, BuyerSecret, ContentKey};
use weave_splits::SplitsModule;
use weave_testkit::{addr, any, Harness};

const CREATOR: u8 = 1;
const ALICE: u8 = 2;
const BOB: u8 = 3;
const CAROL: u8 = 4;
const FUNDS: u128 = 1_000_000_000_000;

fn setup() -> Harness {
    setup_with(serde_json::json!({"splits": {"params": {"protocol_fee_bps": 200}}}))
}

fn setup_with(app_state: serde_json::Value) -> Harness {
    let bank = Harness::new(vec![], &[], serde_json::Value::Null)
        .unwrap()
        .bank();
    let splits = SplitsModule::new(bank);
    let content = ContentModule::new(Arc::new(splits.keeper()));
    let funded: Vec<(Address, u128)> = (1..=9).map(|n| (addr(n), FUNDS)).collect();
    Harness::new(
        vec![Arc::new(splits), Arc::new(content)],
        &funded,
        app_state,
    )
    .unwrap()
}

fn metadata(title: &str, tags: &[&str]) -> pb::Metadata {
    pb::Metadata {
        title: title.into(),
        description: "desc".into(),
        mime_type: "video/mp4".into(),
        tags: tags.iter().map(|t| (*t).to_string()).collect(),
        duration_seconds: 90,
        cover_uri: "ipfs://cover".into(),
        metadata_uri: "ipfs://meta".into(),
    }
}

fn meta_hash(seed: u8) -> pb::MetaHash {
    pb::MetaHash {
        root: vec![seed; 32],
        slice_size: 1 << 20,
        slice_count: 3,
        plaintext_len: (2 << 20) + 5,
        cipher: "chacha20-poly1305".into(),
    }
}

fn recipients(list: &[(u8, u32)]) -> Vec<splits_pb::Recipient> {
    list.iter()
        .map(|(n, bps)| splits_pb::Recipient {
            address: addr(*n).to_string(),
            bps: *bps,
        })
        .collect()
}

fn register_msg(seed: u8, tags: &[&str]) -> pb::MsgRegisterContent {
    pb::MsgRegisterContent {
        creator: addr(CREATOR).to_string(),
        meta_hash: Some(meta_hash(seed)),
        metadata: Some(metadata(&format!("Film {seed}"), tags)),
        access_price: "1000".into(),
        price_per_gib: "50".into(),
        split_id: 0,
        // Creator 50%, two collaborators 30% and 20%.
        split_recipients: recipients(&[(CREATOR, 5000), (7, 3000), (8, 2000)]),
        split_controller: String::new(),
        tiers: vec![
            pb::RightsTier {
                name: "personal".into(),
                min_tokens: 1,
            },
            pb::RightsTier {
                name: "commercial".into(),
                min_tokens: 1000,
            },
        ],
    }
}

fn register(h: &mut Harness, seed: u8, tags: &[&str]) -> u64 {
    h.exec_checked(
        addr(CREATOR),
        &any(MSG_REGISTER_CONTENT, &register_msg(seed, tags)),
    )
    .unwrap();
    let r: pb::QueryContentResponse = h
        .query(
            "/weave.content.v1.Query/ContentByRoot",
            &pb::QueryContentByRootRequest {
                root: vec![seed; 32],
            },
        )
        .unwrap();
    r.content.unwrap().id
}

fn purchase(buyer: u8, id: u64, quantity: u64) -> Any {
    any(
        MSG_PURCHASE_ACCESS,
        &pb::MsgPurchaseAccess {
            buyer: addr(buyer).to_string(),
            content_id: id,
            quantity,
            max_total_price: u128::MAX.to_string(),
        },
    )
}

fn transfer(from: u8, to: u8, id: u64, quantity: u64) -> Any {
    any(
        MSG_TRANSFER_ACCESS,
        &pb::MsgTransferAccess {
            from: addr(from).to_string(),
            to: addr(to).to_string(),
            content_id: id,
            quantity,
        },
    )
}

fn content(h: &Harness, id: u64) -> pb::Content {
    let r: pb::QueryContentResponse = h
        .query(
            "/weave.content.v1.Query/Content",
            &pb::QueryContentRequest { content_id: id },
        )
        .unwrap();
    r.content.unwrap()
}

fn access(h: &Harness, id: u64, who: u8) -> pb::QueryAccessResponse {
    h.query(
        "/weave.content.v1.Query/Access",
        &pb::QueryAccessRequest {
            content_id: id,
            address: addr(who).to_string(),
        },
    )
    .unwrap()
}

fn err(r: Result<(), TxError>) -> (&'static str, u32) {
    let e = r.unwrap_err();
    (e.codespace, e.code)
}

fn kinds(h: &mut Harness) -> Vec<String> {
    h.take_events().into_iter().map(|e| e.kind).collect()
}

#[test]
fn register_creates_content_split_and_indexes() {
    let mut h = setup();
    let id = register(&mut h, 10, &["film", "cc-by"]);
    assert_eq!(id, 1);
    let c = content(&h, id);
    assert_eq!(c.creator, addr(CREATOR).to_string());
    assert_eq!(c.access_price, "1000");
    assert_eq!(c.status, pb::ContentStatus::Active as i32);
    assert_eq!(c.metadata_nonce, 0);
    // A new immutable split table was created for it.
    let s: splits_pb::QuerySplitResponse = h
        .query(
            "/weave.splits.v1.Query/Split",
            &splits_pb::QuerySplitRequest {
                split_id: c.split_id,
            },
        )
        .unwrap();
    assert_eq!(s.split.unwrap().recipients.len(), 3);
    let k = kinds(&mut h);
    assert!(k.contains(&"weave.content.v1.EventContentRegistered".to_string()));
    assert!(k.contains(&"weave.splits.v1.EventSplitCreated".to_string()));

    // A second content reusing the first one's split by id.
    let mut m = register_msg(11, &["film"]);
    m.split_recipients.clear();
    m.split_id = c.split_id;
    h.exec_checked(addr(CREATOR), &any(MSG_REGISTER_CONTENT, &m))
        .unwrap();
    assert_eq!(content(&h, 2).split_id, c.split_id);
}

#[test]
fn listings_are_newest_first_and_paginated() {
    let mut h = setup();
    for seed in 1..=5u8 {
        let tags: &[&str] = if seed % 2 == 0 { &["even"] } else { &["odd"] };
        register(&mut h, seed, tags);
    }
    let feed: pb::QueryContentListResponse = h
        .query(
            "/weave.content.v1.Query/Feed",
            &pb::QueryFeedRequest {
                page: Some(base::PageRequest {
                    key: vec![],
                    limit: 2,
                }),
            },
        )
        .unwrap();
    let ids: Vec<u64> = feed.contents.iter().map(|c| c.id).collect();
    assert_eq!(ids, vec![5, 4]);
    let next = feed.page.unwrap().next_key;
    assert!(!next.is_empty());
    let feed2: pb::QueryContentListResponse = h
        .query(
            "/weave.content.v1.Query/Feed",
            &pb::QueryFeedRequest {
                page: Some(base::PageRequest {
                    key: next,
                    limit: 10,
                }),
            },
        )
        .unwrap();
    let ids: Vec<u64> = feed2.contents.iter().map(|c| c.id).collect();
    assert_eq!(ids, vec![3, 2, 1]);
    assert!(feed2.page.unwrap().next_key.is_empty());

    let by_tag: pb::QueryContentListResponse = h
        .query(
            "/weave.content.v1.Query/ContentByTag",
            &pb::QueryContentByTagRequest {
                tag: "even".into(),
                page: None,
            },
        )
        .unwrap();
    assert_eq!(
        by_tag.contents.iter().map(|c| c.id).collect::<Vec<_>>(),
        vec![4, 2]
    );
    let by_creator: pb::QueryContentListResponse = h
        .query(
            "/weave.content.v1.Query/ContentByCreator",
            &pb::QueryContentByCreatorRequest {
                creator: addr(CREATOR).to_string(),
                page: None,
            },
        )
        .unwrap();
    assert_eq!(by_creator.contents.len(), 5);
    let nobody: pb::QueryContentListResponse = h
        .query(
            "/weave.content.v1.Query/ContentByCreator",
            &pb::QueryContentByCreatorRequest {
                creator: addr(9).to_string(),
                page: None,
            },
        )
        .unwrap();
    assert!(nobody.contents.is_empty());
    // A page key from another listing is refused.
    let e = h
        .query::<_, pb::QueryContentListResponse>(
            "/weave.content.v1.Query/Feed",
            &pb::QueryFeedRequest {
                page: Some(base::PageRequest {
                    key: b"content/by_tag/even/".to_vec(),
                    limit: 1,
                }),
            },
        )
        .unwrap_err();
    assert_eq!((e.codespace, e.code), ("sdk", 18));
}

#[test]
fn purchases_pay_the_split_to_the_unit() {
    let mut h = setup();
    let id = register(&mut h, 1, &[]);
    h.exec_checked(addr(ALICE), &purchase(ALICE, id, 3))
        .unwrap();
    // 3 × 1000 = 3000; protocol fee 2% = 60; net 2940 → 1470 / 882 / 588.
    assert_eq!(h.balance(&addr(ALICE)), FUNDS - 3000);
    assert_eq!(h.balance(&community_pool()), 60);
    assert_eq!(h.balance(&addr(CREATOR)), FUNDS + 1470);
    assert_eq!(h.balance(&addr(7)), FUNDS + 882);
    assert_eq!(h.balance(&addr(8)), FUNDS + 588);
    let a = access(&h, id, ALICE);
    assert_eq!(a.tokens, 3);
    assert_eq!(a.rights, vec!["personal".to_string()]);
    assert!(a.has_access);
    assert_eq!(content(&h, id).tokens_issued, 3);
    let k = kinds(&mut h);
    assert!(k.contains(&"weave.content.v1.EventAccessPurchased".to_string()));
    assert!(k.contains(&"weave.splits.v1.EventPayout".to_string()));

    // Enough tokens reach the commercial tier.
    h.exec_checked(addr(BOB), &purchase(BOB, id, 1000)).unwrap();
    assert_eq!(
        access(&h, id, BOB).rights,
        vec!["personal".to_string(), "commercial".to_string()]
    );
}

#[test]
fn purchase_errors_change_nothing() {
    let mut h = setup();
    let id = register(&mut h, 1, &[]);
    // Unknown content.
    assert_eq!(
        err(h.exec_checked(addr(ALICE), &purchase(ALICE, 99, 1))),
        ("content", 6)
    );
    // Zero quantity.
    assert_eq!(
        err(h.exec_checked(addr(ALICE), &purchase(ALICE, id, 0))),
        ("content", 19)
    );
    // Price × quantity overflows u128? 1000 × u64::MAX does not; a huge price does.
    let mut m = register_msg(2, &[]);
    m.access_price = u128::MAX.to_string();
    h.exec_checked(addr(CREATOR), &any(MSG_REGISTER_CONTENT, &m))
        .unwrap();
    assert_eq!(
        err(h.exec_checked(addr(ALICE), &purchase(ALICE, 2, 2))),
        ("content", 5)
    );
    // More than the buyer can pay.
    assert_eq!(
        err(h.exec_checked(addr(ALICE), &purchase(ALICE, id, u64::MAX))),
        ("sdk", 5)
    );
    // Above the buyer's bound.
    let bounded = any(
        MSG_PURCHASE_ACCESS,
        &pb::MsgPurchaseAccess {
            buyer: addr(ALICE).to_string(),
            content_id: id,
            quantity: 2,
            max_total_price: "1999".into(),
        },
    );
    assert_eq!(err(h.exec_checked(addr(ALICE), &bounded)), ("content", 18));
    // Retired content sells nothing, and retiring twice fails.
    let retire = any(
        MSG_RETIRE_CONTENT,
        &pb::MsgRetireContent {
            creator: addr(CREATOR).to_string(),
            content_id: id,
        },
    );
    h.exec_checked(addr(ALICE), &purchase(ALICE, id, 1))
        .unwrap();
    assert_eq!(err(h.exec_checked(addr(ALICE), &retire)), ("sdk", 4));
    h.exec_checked(addr(CREATOR), &retire).unwrap();
    assert_eq!(err(h.exec_checked(addr(CREATOR), &retire)), ("content", 8));
    assert_eq!(
        err(h.exec_checked(addr(BOB), &purchase(BOB, id, 1))),
        ("content", 8)
    );
    // Existing holders keep access to retired content.
    assert!(access(&h, id, ALICE).has_access);
    assert_eq!(content(&h, id).status, pb::ContentStatus::Retired as i32);
}

#[test]
fn transfers_move_tokens_and_refuse_overdrafts() {
    let mut h = setup();
    let id = register(&mut h, 1, &[]);
    h.exec(addr(ALICE), &purchase(ALICE, id, 5)).unwrap();
    h.exec_checked(addr(ALICE), &transfer(ALICE, CAROL, id, 2))
        .unwrap();
    assert_eq!(access(&h, id, ALICE).tokens, 3);
    assert_eq!(access(&h, id, CAROL).tokens, 2);
    assert!(kinds(&mut h).contains(&"weave.content.v1.EventAccessTransferred".to_string()));
    assert_eq!(
        err(h.exec_checked(addr(ALICE), &transfer(ALICE, CAROL, id, 4))),
        ("content", 9)
    );
    assert_eq!(
        err(h.exec_checked(addr(BOB), &transfer(BOB, CAROL, id, 1))),
        ("content", 9)
    );
    assert_eq!(
        err(h.exec_checked(addr(ALICE), &transfer(ALICE, ALICE, id, 1))),
        ("content", 20)
    );
    assert_eq!(
        err(h.exec_checked(addr(ALICE), &transfer(ALICE, CAROL, 77, 1))),
        ("content", 6)
    );
    // Someone else cannot move Alice's tokens.
    assert_eq!(
        err(h.exec_checked(addr(BOB), &transfer(ALICE, BOB, id, 1))),
        ("sdk", 4)
    );
    // Moving everything leaves no balance and no access.
    h.exec_checked(addr(ALICE), &transfer(ALICE, BOB, id, 3))
        .unwrap();
    let a = access(&h, id, ALICE);
    assert_eq!(a.tokens, 0);
    assert!(!a.has_access);
}

#[test]
fn updates_bump_the_nonce_and_record_prices() {
    let mut h = setup();
    let id = register(&mut h, 1, &["old"]);
    let update = |creator: u8, md: Option<pb::Metadata>, price: &str| {
        any(
            MSG_UPDATE_CONTENT,
            &pb::MsgUpdateContent {
                creator: addr(creator).to_string(),
                content_id: id,
                metadata: md,
                access_price: price.into(),
                price_per_gib: String::new(),
            },
        )
    };
    h.exec_checked(addr(CREATOR), &update(CREATOR, None, "2000"))
        .unwrap();
    h.exec_checked(
        addr(CREATOR),
        &update(CREATOR, Some(metadata("Renamed", &["new"])), ""),
    )
    .unwrap();
    let c = content(&h, id);
    assert_eq!(c.metadata_nonce, 2);
    assert_eq!(c.access_price, "2000");
    assert_eq!(c.metadata.unwrap().title, "Renamed");
    // The tag index follows the metadata.
    let tagged = |h: &Harness, tag: &str| {
        let r: pb::QueryContentListResponse = h
            .query(
                "/weave.content.v1.Query/ContentByTag",
                &pb::QueryContentByTagRequest {
                    tag: tag.into(),
                    page: None,
                },
            )
            .unwrap();
        r.contents.len()
    };
    assert_eq!(tagged(&h, "old"), 0);
    assert_eq!(tagged(&h, "new"), 1);
    // Price history, newest first: 2000 then the original 1000.
    let r: pb::QueryPriceHistoryResponse = h
        .query(
            "/weave.content.v1.Query/PriceHistory",
            &pb::QueryPriceHistoryRequest {
                content_id: id,
                page: None,
            },
        )
        .unwrap();
    let prices: Vec<&str> = r.prices.iter().map(|p| p.access_price.as_str()).collect();
    assert_eq!(prices, vec!["2000", "1000"]);
    // Purchases use the current price.
    h.exec(addr(ALICE), &purchase(ALICE, id, 1)).unwrap();
    assert_eq!(h.balance(&addr(ALICE)), FUNDS - 2000);

    // Only the creator may update; an empty update and bad metadata are refused.
    assert_eq!(
        err(h.exec_checked(addr(ALICE), &update(ALICE, None, "1"))),
        ("content", 7)
    );
    assert_eq!(
        err(h.exec_checked(addr(CREATOR), &update(CREATOR, None, ""))),
        ("content", 20)
    );
    let mut big = metadata("x", &[]);
    big.description = "d".repeat(5000);
    assert_eq!(
        err(h.exec_checked(addr(CREATOR), &update(CREATOR, Some(big), ""))),
        ("content", 3)
    );
    assert_eq!(
        err(h.exec_checked(addr(CREATOR), &update(CREATOR, None, "0"))),
        ("content", 4)
    );
}

#[test]
fn registration_errors_have_stable_codes() {
    let mut h = setup();
    let c = addr(CREATOR);
    type Mutation = Box<dyn Fn(&mut pb::MsgRegisterContent)>;
    let cases: Vec<(Mutation, (&str, u32))> = vec![
        (
            Box::new(|m| m.meta_hash.as_mut().unwrap().slice_count = 9),
            ("content", 2),
        ),
        (Box::new(|m| m.meta_hash = None), ("content", 2)),
        (
            Box::new(|m| m.metadata.as_mut().unwrap().title = "t".repeat(201)),
            ("content", 3),
        ),
        (
            Box::new(|m| {
                m.metadata.as_mut().unwrap().tags = (0..17).map(|i| format!("t{i}")).collect()
            }),
            ("content", 3),
        ),
        (Box::new(|m| m.access_price = "0".into()), ("content", 4)),
        (Box::new(|m| m.access_price = "-5".into()), ("content", 4)),
        (Box::new(|m| m.price_per_gib = "1e9".into()), ("content", 4)),
        (
            Box::new(|m| m.access_price = "340282366920938463463374607431768211456".into()),
            ("content", 4),
        ),
        (Box::new(|m| m.split_id = 5), ("content", 15)),
        (Box::new(|m| m.split_recipients.clear()), ("content", 15)),
        (
            Box::new(|m| m.split_recipients = recipients(&[(1, 5000), (2, 4000)])),
            ("splits", 2),
        ),
        (
            Box::new(|m| m.split_recipients = recipients(&[(1, 5000), (1, 5000)])),
            ("splits", 3),
        ),
        (
            Box::new(|m| {
                m.tiers = vec![pb::RightsTier {
                    name: "a".into(),
                    min_tokens: 0,
                }]
            }),
            ("content", 14),
        ),
        (Box::new(|m| m.creator = "cosmos1xyz".into()), ("sdk", 7)),
    ];
    for (i, (mutate, expected)) in cases.iter().enumerate() {
        let mut m = register_msg(1, &[]);
        mutate(&mut m);
        assert_eq!(
            err(h.exec_checked(c, &any(MSG_REGISTER_CONTENT, &m))),
            *expected,
            "case {i}"
        );
    }
    // An existing split that does not exist.
    let mut m = register_msg(1, &[]);
    m.split_recipients.clear();
    m.split_id = 42;
    assert_eq!(
        err(h.exec_checked(c, &any(MSG_REGISTER_CONTENT, &m))),
        ("content", 15)
    );
    // The same root twice.
    register(&mut h, 1, &[]);
    assert_eq!(
        err(h.exec_checked(c, &any(MSG_REGISTER_CONTENT, &register_msg(1, &[])))),
        ("content", 13)
    );
    // Undecodable bytes.
    let junk = Any {
        type_url: MSG_REGISTER_CONTENT.into(),
        value: vec![0xff, 0xff, 0xff],
    };
    assert_eq!(err(h.exec_checked(c, &junk)), ("sdk", 2));
}

#[test]
fn tips_pay_through_the_split_or_the_creator() {
    let mut h = setup();
    let id = register(&mut h, 1, &[]);
    let tip = |content_id: u64, creator: &str, amount: &str| {
        any(
            MSG_TIP,
            &pb::MsgTip {
                tipper: addr(ALICE).to_string(),
                content_id,
                creator: creator.into(),
                amount: amount.into(),
            },
        )
    };
    h.exec_checked(addr(ALICE), &tip(id, "", "10000")).unwrap();
    // Fee 200, net 9800 → 4900 / 2940 / 1960.
    assert_eq!(h.balance(&addr(7)), FUNDS + 2940);
    assert_eq!(h.balance(&addr(CREATOR)), FUNDS + 4900);
    // A tip to a creator without terms pays the creator directly (less the fee).
    h.exec_checked(addr(ALICE), &tip(0, &addr(9).to_string(), "100"))
        .unwrap();
    assert_eq!(h.balance(&addr(9)), FUNDS + 98);
    assert!(kinds(&mut h).contains(&"weave.content.v1.EventTip".to_string()));
    assert_eq!(
        err(h.exec_checked(addr(ALICE), &tip(id, "", "0"))),
        ("content", 4)
    );
    assert_eq!(
        err(h.exec_checked(addr(ALICE), &tip(id, &addr(9).to_string(), "1"))),
        ("content", 20)
    );
    assert_eq!(
        err(h.exec_checked(addr(ALICE), &tip(0, "", "1"))),
        ("content", 20)
    );
    assert_eq!(
        err(h.exec_checked(addr(ALICE), &tip(99, "", "1"))),
        ("content", 6)
    );
}

fn set_terms(creator: u8, price: &str, period: u64, split_id: u64) -> Any {
    any(
        MSG_SET_SUBSCRIPTION_TERMS,
        &pb::MsgSetSubscriptionTerms {
            creator: addr(creator).to_string(),
            price: price.into(),
            period_blocks: period,
            split_id,
        },
    )
}

fn subscribe(subscriber: u8, creator: u8, periods: u64) -> Any {
    any(
        MSG_SUBSCRIBE,
        &pb::MsgSubscribe {
            subscriber: addr(subscriber).to_string(),
            creator: addr(creator).to_string(),
            periods,
            max_total_price: u128::MAX.to_string(),
        },
    )
}

#[test]
fn subscriptions_grant_access_until_they_expire() {
    let mut h = setup();
    let id = register(&mut h, 1, &[]);
    let split_id = content(&h, id).split_id;
    assert_eq!(
        err(h.exec_checked(addr(BOB), &subscribe(BOB, CREATOR, 1))),
        ("content", 16)
    );
    h.exec_checked(addr(CREATOR), &set_terms(CREATOR, "500", 10, split_id))
        .unwrap();
    h.exec_checked(addr(BOB), &subscribe(BOB, CREATOR, 2))
        .unwrap();
    // 2 × 500 through the content's split: fee 20, creator 490.
    assert_eq!(h.balance(&addr(BOB)), FUNDS - 1000);
    assert_eq!(h.balance(&addr(CREATOR)), FUNDS + 490);
    let s: pb::QuerySubscriptionResponse = h
        .query(
            "/weave.content.v1.Query/Subscription",
            &pb::QuerySubscriptionRequest {
                subscriber: addr(BOB).to_string(),
                creator: addr(CREATOR).to_string(),
            },
        )
        .unwrap();
    // Subscribed at height 1 for 20 blocks.
    assert_eq!(s.subscription.unwrap().expires_height, 21);
    h.next_block().unwrap();
    assert!(access(&h, id, BOB).has_access);
    assert_eq!(access(&h, id, BOB).tokens, 0);

    // Renewing extends from the current end, and moves the queue entry.
    h.exec_checked(addr(BOB), &subscribe(BOB, CREATOR, 1))
        .unwrap();
    h.advance(20).unwrap(); // now at height 22, before 31
    assert!(access(&h, id, BOB).has_access);
    h.advance(10).unwrap(); // end block of 31 ran
    let a = access(&h, id, BOB);
    assert!(!a.has_access);
    assert_eq!(a.subscribed_until, 0);
    assert!(kinds(&mut h).contains(&"weave.content.v1.EventSubscriptionExpired".to_string()));

    // Bad input: zero periods, too long, disabled terms, above the bound.
    assert_eq!(
        err(h.exec_checked(addr(BOB), &subscribe(BOB, CREATOR, 0))),
        ("content", 19)
    );
    assert_eq!(
        err(h.exec_checked(addr(BOB), &subscribe(BOB, CREATOR, 2_000_000))),
        ("content", 17)
    );
    assert_eq!(
        err(h.exec_checked(addr(BOB), &subscribe(BOB, CREATOR, u64::MAX))),
        ("content", 5)
    );
    let bounded = any(
        MSG_SUBSCRIBE,
        &pb::MsgSubscribe {
            subscriber: addr(BOB).to_string(),
            creator: addr(CREATOR).to_string(),
            periods: 1,
            max_total_price: "499".into(),
        },
    );
    assert_eq!(err(h.exec_checked(addr(BOB), &bounded)), ("content", 18));
    assert_eq!(
        err(h.exec_checked(addr(CREATOR), &set_terms(CREATOR, "5", 0, 0))),
        ("content", 19)
    );
    assert_eq!(
        err(h.exec_checked(addr(CREATOR), &set_terms(CREATOR, "5", 10, 999))),
        ("content", 15)
    );
    h.exec_checked(addr(CREATOR), &set_terms(CREATOR, "0", 0, 0))
        .unwrap();
    assert_eq!(
        err(h.exec_checked(addr(BOB), &subscribe(BOB, CREATOR, 1))),
        ("content", 16)
    );
}

#[test]
fn expiry_work_per_block_is_bounded() {
    let mut h = setup_with(serde_json::json!({
        "content": {"params": {"max_expiries_per_block": 2, "max_subscription_blocks": 1000}}
    }));
    let id = register(&mut h, 1, &[]);
    h.exec(addr(CREATOR), &set_terms(CREATOR, "10", 5, 0))
        .unwrap();
    for s in 2..=6u8 {
        h.exec_checked(addr(s), &subscribe(s, CREATOR, 1)).unwrap();
    }
    // All five expire at height 6; at most two are processed per block, starting in
    // the end block of height 6.
    h.advance(5).unwrap();
    assert!(access(&h, id, 2).has_access);
    h.next_block().unwrap();
    let expired = |h: &mut Harness| {
        h.take_events()
            .iter()
            .filter(|e| e.kind == "weave.content.v1.EventSubscriptionExpired")
            .count()
    };
    assert_eq!(expired(&mut h), 2);
    // Those still queued have no access anyway: access compares heights.
    for s in 2..=6u8 {
        assert!(!access(&h, id, s).has_access);
    }
    h.next_block().unwrap();
    assert_eq!(expired(&mut h), 2);
    h.next_block().unwrap();
    assert_eq!(expired(&mut h), 1);
    h.next_block().unwrap();
    assert_eq!(expired(&mut h), 0);
}

#[test]
fn keys_reach_holders_only() {
    let mut h = setup();
    let id = register(&mut h, 1, &[]);
    let root = [1u8; 32];
    let alice_secret = BuyerSecret::from_seed(b"alice");
    let register_key = |owner: u8, key: Vec<u8>| {
        any(
            MSG_REGISTER_BUYER_KEY,
            &pb::MsgRegisterBuyerKey {
                owner: addr(owner).to_string(),
                x25519_public_key: key,
            },
        )
    };
    let content_key = ContentKey::from_bytes([42; 32]);
    let context = |holder: u8| [root.as_slice(), addr(holder).as_bytes()].concat();
    let sealed_for = |pubkey: &[u8; 32], holder: u8| {
        seal_key_os(&content_key, pubkey, &context(holder))
            .unwrap()
            .to_vec()
    };
    let deliver = |creator: u8, holder: u8, sealed: Vec<u8>| {
        any(
            MSG_DELIVER_KEY,
            &pb::MsgDeliverKey {
                creator: addr(creator).to_string(),
                content_id: id,
                holder: addr(holder).to_string(),
                sealed_key: sealed,
            },
        )
    };
    let alice_sealed = sealed_for(&alice_secret.public_key(), ALICE);

    // No buyer key yet.
    h.exec(addr(ALICE), &purchase(ALICE, id, 1)).unwrap();
    assert_eq!(
        err(h.exec_checked(
            addr(CREATOR),
            &deliver(CREATOR, ALICE, alice_sealed.clone())
        )),
        ("content", 11)
    );
    assert_eq!(
        err(h.exec_checked(addr(ALICE), &register_key(ALICE, vec![0; 32]))),
        ("content", 12)
    );
    assert_eq!(
        err(h.exec_checked(addr(ALICE), &register_key(ALICE, vec![1; 31]))),
        ("content", 12)
    );
    h.exec_checked(
        addr(ALICE),
        &register_key(ALICE, alice_secret.public_key().to_vec()),
    )
    .unwrap();

    // Pending until delivered.
    let pending = |h: &Harness| {
        let r: pb::QueryPendingKeysResponse = h
            .query(
                "/weave.content.v1.Query/PendingKeys",
                &pb::QueryPendingKeysRequest {
                    creator: addr(CREATOR).to_string(),
                    page: None,
                },
            )
            .unwrap();
        r.pending
    };
    let p = pending(&h);
    assert_eq!(p.len(), 1);
    assert_eq!(p[0].holder, addr(ALICE).to_string());
    assert_eq!(p[0].buyer_key, alice_secret.public_key().to_vec());

    // Only the creator delivers; wrong sizes are refused.
    assert_eq!(
        err(h.exec_checked(addr(BOB), &deliver(BOB, ALICE, alice_sealed.clone()))),
        ("content", 7)
    );
    assert_eq!(
        err(h.exec_checked(addr(CREATOR), &deliver(CREATOR, ALICE, vec![0; 79]))),
        ("content", 12)
    );
    h.exec_checked(addr(CREATOR), &deliver(CREATOR, ALICE, alice_sealed))
        .unwrap();
    assert!(pending(&h).is_empty());
    assert!(kinds(&mut h).contains(&"weave.content.v1.EventKeyDelivered".to_string()));

    // The holder fetches and opens it.
    let r: pb::QuerySealedKeyResponse = h
        .query(
            "/weave.content.v1.Query/SealedKey",
            &pb::QuerySealedKeyRequest {
                content_id: id,
                holder: addr(ALICE).to_string(),
            },
        )
        .unwrap();
    let opened = open_key(
        &alice_secret,
        &r.sealed_key.unwrap().sealed,
        &context(ALICE),
    )
    .unwrap();
    assert_eq!(opened.as_bytes(), content_key.as_bytes());

    // A non-holder with a key is refused.
    let carol_secret = BuyerSecret::from_seed(b"carol");
    h.exec(
        addr(CAROL),
        &register_key(CAROL, carol_secret.public_key().to_vec()),
    )
    .unwrap();
    assert_eq!(
        err(h.exec_checked(
            addr(CREATOR),
            &deliver(
                CREATOR,
                CAROL,
                sealed_for(&carol_secret.public_key(), CAROL)
            )
        )),
        ("content", 10)
    );
    // After a transfer, Carol holds access and waits for her key.
    h.exec(addr(ALICE), &transfer(ALICE, CAROL, id, 1)).unwrap();
    assert_eq!(pending(&h).len(), 1);
    h.exec_checked(
        addr(CREATOR),
        &deliver(
            CREATOR,
            CAROL,
            sealed_for(&carol_secret.public_key(), CAROL),
        ),
    )
    .unwrap();

    // A subscriber gets the key too, and waits as a whole-catalogue entry.
    let bob_secret = BuyerSecret::from_seed(b"bob");
    h.exec(
        addr(BOB),
        &register_key(BOB, bob_secret.public_key().to_vec()),
    )
    .unwrap();
    h.exec(addr(CREATOR), &set_terms(CREATOR, "5", 10, 0))
        .unwrap();
    h.exec(addr(BOB), &subscribe(BOB, CREATOR, 1)).unwrap();
    let p = pending(&h);
    assert_eq!((p.len(), p[0].content_id), (1, 0));
    h.exec_checked(
        addr(CREATOR),
        &deliver(CREATOR, BOB, sealed_for(&bob_secret.public_key(), BOB)),
    )
    .unwrap();
}

#[test]
fn params_change_only_through_gov() {
    let mut h = setup();
    let msg = |authority: Address, max: u32| {
        any(
            MSG_UPDATE_PARAMS,
            &pb::MsgUpdateParams {
                authority: authority.to_string(),
                params: Some(pb::Params {
                    max_expiries_per_block: max,
                    max_subscription_blocks: 100,
                }),
            },
        )
    };
    assert_eq!(
        err(h.exec_checked(addr(1), &msg(addr(1), 5))),
        ("content", 21)
    );
    assert_eq!(
        err(h.exec_checked(gov_authority(), &msg(gov_authority(), 0))),
        ("content", 22)
    );
    h.exec_checked(gov_authority(), &msg(gov_authority(), 5))
        .unwrap();
    let r: pb::QueryParamsResponse = h
        .query("/weave.content.v1.Query/Params", &pb::QueryParamsRequest {})
        .unwrap();
    assert_eq!(r.params.unwrap().max_expiries_per_block, 5);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(32))]

    /// Whatever the prices, quantities and split, purchases and tips move money only
    /// between accounts: the total held by every account involved never changes.
    #[test]
    fn purchases_conserve_money(
        price in 1u128..1_000_000,
        quantities in proptest::collection::vec(1u64..50, 1..6),
        bps in 1u32..9_999,
        fee in 0u32..=2_000,
    ) {
        let mut h = setup_with(serde_json::json!({"splits": {"params": {"protocol_fee_bps": fee}}}));
        let mut m = register_msg(1, &[]);
        m.access_price = price.to_string();
        m.split_recipients = recipients(&[(CREATOR, bps), (7, 10_000 - bps)]);
        h.exec(addr(CREATOR), &any(MSG_REGISTER_CONTENT, &m)).unwrap();
        let everyone: Vec<Address> = (1..=9).map(addr).chain([community_pool()]).collect();
        let total = |h: &mut Harness| everyone.iter().map(|a| h.balance(a)).sum::<u128>();
        let before = total(&mut h);
        let mut paid = 0u128;
        for (i, q) in quantities.iter().enumerate() {
            let buyer = 2 + (i % 4) as u8;
            h.exec(addr(buyer), &purchase(buyer, 1, *q)).unwrap();
            paid += price * u128::from(*q);
        }
        prop_assert_eq!(total(&mut h), before);
        let received = h.balance(&addr(CREATOR)) + h.balance(&addr(7)) + h.balance(&community_pool())
            - 2 * FUNDS;
        prop_assert_eq!(received, paid);
    }
}

#[test]
fn the_registry_view_reads_terms_and_slice_count_by_root() {
    use weave_kernel::expected::ContentRegistry;
    let mut h = setup();
    let id = register(&mut h, 9, &[]);
    let (terms, count, unknown) = h.with_ctx(|ctx| {
        (
            weave_content::Registry
                .streaming_terms(ctx, &[9; 32])
                .unwrap(),
            weave_content::Registry.slice_count(ctx, &[9; 32]).unwrap(),
            weave_content::Registry.slice_count(ctx, &[8; 32]).unwrap(),
        )
    });
    assert_eq!(terms.unwrap().content_id, id);
    assert_eq!(count, Some(3));
    assert_eq!(unknown, None);
}

#[test]
fn purchases_and_subscriptions_must_bound_what_they_pay() {
    // Issue 15, item 6: without max_total_price a creator could raise its price between
    // a buyer's signature and inclusion; the bound is required.
    let mut h = setup();
    let id = register(&mut h, 7, &[]);
    let mut buy = pb::MsgPurchaseAccess {
        buyer: addr(ALICE).to_string(),
        content_id: id,
        quantity: 1,
        max_total_price: String::new(),
    };
    let e = h
        .exec(addr(ALICE), &any(MSG_PURCHASE_ACCESS, &buy))
        .unwrap_err();
    assert_eq!((e.codespace, e.code), ("content", 4));
    buy.max_total_price = "1000000000".into();
    h.exec(addr(ALICE), &any(MSG_PURCHASE_ACCESS, &buy))
        .unwrap();
    let sub = pb::MsgSubscribe {
        subscriber: addr(ALICE).to_string(),
        creator: addr(CREATOR).to_string(),
        periods: 1,
        max_total_price: String::new(),
    };
    let e = h.exec(addr(ALICE), &any(MSG_SUBSCRIBE, &sub)).unwrap_err();
    assert_eq!((e.codespace, e.code), ("content", 4));
}
