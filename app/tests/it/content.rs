//! Content and splits through whole blocks: signed transactions register content and
//! buy access, payouts land exactly, a failed purchase keeps only its fee, and the
//! query-only indexes survive a restart.

use prost::Message;
use weave_kernel::{Address, Any};
use weave_proto::weave::{content::v1 as pb, splits::v1 as splits_pb};

use crate::harness::*;

pub(crate) fn register(creator: &Address, recipients: &[(Address, u32)]) -> Any {
    let mut sorted = recipients.to_vec();
    sorted.sort();
    Any {
        type_url: weave_content::MSG_REGISTER_CONTENT.into(),
        value: pb::MsgRegisterContent {
            creator: creator.to_string(),
            meta_hash: Some(pb::MetaHash {
                root: vec![9; 32],
                slice_size: 65_536,
                slice_count: 2,
                plaintext_len: 100_000,
                cipher: "chacha20-poly1305".into(),
            }),
            metadata: Some(pb::Metadata {
                title: "Through the app".into(),
                mime_type: "audio/ogg".into(),
                tags: vec!["music".into()],
                ..Default::default()
            }),
            access_price: "10000".into(),
            price_per_gib: "1".into(),
            split_recipients: sorted
                .iter()
                .map(|(a, bps)| splits_pb::Recipient {
                    address: a.to_string(),
                    bps: *bps,
                })
                .collect(),
            ..Default::default()
        }
        .encode_to_vec(),
    }
}

fn purchase(buyer: &Address, quantity: u64) -> Any {
    Any {
        type_url: weave_content::MSG_PURCHASE_ACCESS.into(),
        value: pb::MsgPurchaseAccess {
            buyer: buyer.to_string(),
            content_id: 1,
            quantity,
            max_total_price: u128::MAX.to_string(),
        }
        .encode_to_vec(),
    }
}

#[test]
fn register_purchase_and_query_through_blocks() {
    let mut chain = TestChain::new();
    let (creator, buyer, collaborator) = (chain.addr(0), chain.addr(1), chain.addr(2));
    let pool = weave_kernel::community_pool();
    let tx = chain
        .tx(
            &chain.keys[0],
            vec![register(&creator, &[(creator, 7000), (collaborator, 3000)])],
        )
        .gas(GAS_LIMIT)
        .sign(&chain.keys[0]);
    assert_eq!(chain.check(&tx).code, 0);
    let res = chain.deliver_block(&[tx]);
    assert_ok(&res.tx_results[0]);
    assert_eq!(
        event_attr(
            &res.tx_results[0],
            "weave.content.v1.EventContentRegistered",
            "content_id"
        ),
        vec!["1"]
    );

    let (creator_before, collab_before) = (chain.balance(&creator), chain.balance(&collaborator));
    let tx = chain
        .tx(&chain.keys[1], vec![purchase(&buyer, 2)])
        .sign(&chain.keys[1]);
    let res = chain.deliver_block(&[tx]);
    assert_ok(&res.tx_results[0]);
    // 20000 paid: 2% fee = 400, net 19600 → 13720 / 5880.
    assert_eq!(chain.balance(&pool), 400);
    assert_eq!(chain.balance(&creator), creator_before + 13_720);
    assert_eq!(chain.balance(&collaborator), collab_before + 5_880);
    assert_eq!(chain.balance(&buyer), INITIAL_BALANCE - 20_000 - FEE);

    // A purchase that fails (above the buyer's balance) keeps its fee and nothing else.
    let before = chain.balance(&buyer);
    let tx = chain
        .tx(&chain.keys[1], vec![purchase(&buyer, 1_000_000_000)])
        .sign(&chain.keys[1]);
    let res = chain.deliver_block(&[tx]);
    assert_eq!(res.tx_results[0].codespace, "sdk");
    assert_eq!(res.tx_results[0].code, 5);
    assert_eq!(chain.balance(&buyer), before - FEE);
    let access: pb::QueryAccessResponse = chain.query(
        "/weave.content.v1.Query/Access",
        &pb::QueryAccessRequest {
            content_id: 1,
            address: buyer.to_string(),
        },
    );
    assert_eq!(access.tokens, 2);

    // The feed (a query-only index) is served after commit and after a restart.
    let feed = |chain: &TestChain| {
        let r: pb::QueryContentListResponse = chain.query(
            "/weave.content.v1.Query/Feed",
            &pb::QueryFeedRequest { page: None },
        );
        r.contents.iter().map(|c| c.id).collect::<Vec<_>>()
    };
    assert_eq!(feed(&chain), vec![1]);
    let hash = chain.info().last_block_app_hash;
    chain.reopen();
    assert_eq!(chain.info().last_block_app_hash, hash);
    assert_eq!(feed(&chain), vec![1]);
}

/// The events the sink below takes: the content module's, and the fee payment's.
fn wanted(kind: &str) -> bool {
    kind.starts_with("weave.content.") || kind == "tx"
}

/// An event as its type and its `(key, value)` attributes.
type PlainEvent = (String, Vec<(String, String)>);

/// Keeps what the application hands over at each commit.
#[derive(Default)]
struct Handed {
    blocks: std::sync::Mutex<Vec<(u64, Vec<PlainEvent>)>>,
}

impl weave_app::CommittedEvents for Handed {
    fn wants(&self, kind: &str) -> bool {
        wanted(kind)
    }

    fn committed(&self, height: u64, events: Vec<tendermint_proto::v0_38::abci::Event>) {
        let events = events
            .into_iter()
            .map(|e| {
                let attributes = e.attributes.into_iter().map(|a| (a.key, a.value)).collect();
                (e.r#type, attributes)
            })
            .collect();
        self.blocks.lock().unwrap().push((height, events));
    }
}

#[test]
fn committed_blocks_hand_over_the_wanted_events_of_their_successful_transactions() {
    let mut chain = TestChain::new();
    let handed = std::sync::Arc::new(Handed::default());
    chain.app().set_committed_events(handed.clone());
    let (creator, buyer) = (chain.addr(0), chain.addr(1));
    let register_tx = chain
        .tx(
            &chain.keys[0],
            vec![register(&creator, &[(creator, 10_000)])],
        )
        .gas(GAS_LIMIT)
        .sign(&chain.keys[0]);
    // A purchase that fails (above the buyer's balance): its fee event is not handed
    // over, nor anything of it.
    let failing = chain
        .tx(&chain.keys[1], vec![purchase(&buyer, 1_000_000_000)])
        .sign(&chain.keys[1]);
    let res = chain.deliver_block(&[register_tx, failing]);
    assert_ok(&res.tx_results[0]);
    assert_ne!(res.tx_results[1].code, 0);
    assert!(res.tx_results[1].events.iter().any(|e| e.r#type == "tx"));

    // Exactly the block's wanted events, as `block_results` lists them.
    let expected: Vec<PlainEvent> = res
        .tx_results
        .iter()
        .filter(|r| r.code == 0)
        .flat_map(|r| r.events.iter())
        .chain(res.events.iter())
        .filter(|e| wanted(&e.r#type))
        .map(|e| {
            let attributes = e
                .attributes
                .iter()
                .map(|a| (a.key.clone(), a.value.clone()))
                .collect();
            (e.r#type.clone(), attributes)
        })
        .collect();
    let blocks = handed.blocks.lock().unwrap().clone();
    assert_eq!(blocks.len(), 1);
    let (height, events) = &blocks[0];
    assert_eq!(*height, chain.info().last_block_height as u64);
    assert_eq!(events, &expected);
    assert!(events
        .iter()
        .any(|(kind, _)| kind == "weave.content.v1.EventContentRegistered"));
    assert!(events.iter().all(|(kind, _)| wanted(kind)));
    let fee_events = events.iter().filter(|(kind, _)| kind == "tx").count();
    let first_tx_fee_events = res.tx_results[0]
        .events
        .iter()
        .filter(|e| e.r#type == "tx")
        .count();
    assert_eq!(fee_events, first_tx_fee_events, "none of the failed one's");

    // A block with nothing wanted still hands over its (empty) list.
    chain.deliver_block(&[]);
    let blocks = handed.blocks.lock().unwrap().clone();
    assert_eq!(blocks.len(), 2);
    assert!(blocks[1].1.is_empty());
    assert_eq!(blocks[1].0, blocks[0].0 + 1);
}
