//! The module wired to the real content, splits and channels modules: a claimed
//! voucher feeds the seeder's reputation inputs, bonds check the real registry, and
//! genesis checks the real challenge period.

use std::sync::Arc;

use ed25519_consensus::SigningKey;
use weave_channels::{ChannelsModule, ParamsView, Voucher, MSG_CLAIM, MSG_OPEN_CHANNEL};
use weave_content::{ContentModule, Registry, MSG_REGISTER_CONTENT};
use weave_kernel::{Address, TxError};
use weave_proto::weave::{
    channels::v1 as channels_pb, content::v1 as content_pb, splits::v1 as splits_pb,
};
use weave_seeders::{BandwidthLedger, SeedersModule};
use weave_splits::SplitsModule;
use weave_testkit::{addr, any, Harness};

use crate::*;

const CREATOR: u8 = 8;
const PRICE: u128 = 1_000_000;

fn chain(seeders_params: serde_json::Value) -> Result<(Harness, Film), TxError> {
    let bank = Harness::new(vec![], &[], serde_json::Value::Null)?.bank();
    let splits = SplitsModule::new(bank.clone());
    let content = ContentModule::new(Arc::new(splits.keeper()));
    let channels = ChannelsModule::new(bank.clone(), Arc::new(splits.keeper()), Arc::new(Registry))
        .with_paid_bandwidth(Arc::new(BandwidthLedger))
        .with_seeders_params(Arc::new(weave_seeders::ParamsView));
    let seeders = SeedersModule::new(bank, Arc::new(Registry), Arc::new(ParamsView));
    let funded: Vec<(Address, u128)> = (1..=10).map(|n| (addr(n), FUNDS)).collect();
    let mut h = Harness::new(
        vec![
            Arc::new(splits),
            Arc::new(content),
            Arc::new(channels),
            Arc::new(seeders),
        ],
        &funded,
        serde_json::json!({
            "splits": {"params": {"protocol_fee_bps": 200}},
            "channels": {"params": {
                "seeder_share_bps": 7000, "challenge_period_blocks": 10,
                "max_vouchers_per_claim": 64, "max_settlements_per_block": 100
            }},
            "seeders": {"params": seeders_params},
        }),
    )?;
    let film = Film::new(0x30);
    let register = content_pb::MsgRegisterContent {
        creator: addr(CREATOR).to_string(),
        meta_hash: Some(content_pb::MetaHash {
            root: film.root().to_vec(),
            slice_size: 1 << 20,
            slice_count: 5,
            plaintext_len: 5 << 20,
            cipher: "chacha20-poly1305".into(),
        }),
        metadata: Some(content_pb::Metadata {
            title: "Film".into(),
            mime_type: "video/mp4".into(),
            ..Default::default()
        }),
        access_price: "1".into(),
        price_per_gib: PRICE.to_string(),
        split_recipients: vec![splits_pb::Recipient {
            address: addr(CREATOR).to_string(),
            bps: 10_000,
        }],
        ..Default::default()
    };
    h.exec_checked(addr(CREATOR), &any(MSG_REGISTER_CONTENT, &register))?;
    Ok((h, film))
}

#[test]
fn a_claimed_voucher_feeds_the_seeders_epoch_inputs() {
    let (mut h, film) = chain(test_params()).unwrap();
    h.exec_checked(addr(S1), &bond_msg(S1, BOND, &[film.root()]))
        .unwrap();
    // Content that is not registered is refused by the real registry.
    assert_eq!(
        code(h.exec_checked(addr(S2), &bond_msg(S2, BOND, &[[0xee; 32]]))),
        ("seeders", 9)
    );
    let voucher_key = SigningKey::from([42; 32]);
    let open = channels_pb::MsgOpenChannel {
        payer: addr(PAYER).to_string(),
        deposit: "500000".into(),
        voucher_key: ed25519_consensus::VerificationKey::from(&voucher_key)
            .to_bytes()
            .to_vec(),
        expiry_height: 1_000,
        collateral: String::new(),
    };
    h.exec_checked(addr(PAYER), &any(MSG_OPEN_CHANNEL, &open))
        .unwrap();
    let bytes = 64u64 << 20;
    let amount = 62_500u128; // 1/16 GiB at 1_000_000 per GiB
    let voucher = Voucher {
        chain_id: "weave-test-1".into(),
        channel_id: 1,
        seeder: addr(S1),
        content_root: film.root(),
        cumulative_bytes: bytes,
        cumulative_amount: amount,
        nonce: 1,
    };
    let claim = channels_pb::MsgClaim {
        seeder: addr(S1).to_string(),
        vouchers: vec![voucher.sign(&voucher_key)],
    };
    h.exec_checked(addr(S1), &any(MSG_CLAIM, &claim)).unwrap();

    let inputs: pb::QueryEpochInputsResponse = h
        .query(
            "/weave.seeders.v1.Query/EpochInputs",
            &pb::QueryEpochInputsRequest {
                seeder: addr(S1).to_string(),
            },
        )
        .unwrap();
    // What counts is the protocol fee the payment left in the pool: 2% of the seeder's
    // 70% (875) and of the split's 30% (375).
    assert_eq!(
        inputs.payers,
        vec![pb::PayerFee {
            payer: addr(PAYER).to_string(),
            fee: (amount / 50).to_string(),
            bytes,
        }]
    );
    // h(1_250) with knee 100: 2·isqrt(125_000) − 100 = 2·353 − 100.
    assert_eq!(inputs.bandwidth_points, "606");
    while h.block.height <= 10 {
        h.next_block().unwrap();
    }
    let s: pb::QuerySeederResponse = h
        .query(
            "/weave.seeders.v1.Query/Seeder",
            &pb::QuerySeederRequest {
                address: addr(S1).to_string(),
            },
        )
        .unwrap();
    assert_eq!(s.seeder.unwrap().reputation, "606");
}

#[test]
fn genesis_refuses_an_unbonding_period_within_the_real_challenge_period() {
    let mut p = test_params();
    p["unbonding_period_blocks"] = 10.into();
    let e = chain(p).err().unwrap();
    assert_eq!((e.codespace, e.code), ("seeders", 23));
}

#[test]
fn channels_refuse_a_challenge_period_that_reaches_the_unbonding_period() {
    // Issue 15, item 6: the seeders' unbonding period (20 in the test params) must stay
    // above the channels challenge period, from either side.
    let (mut h, _) = chain(test_params()).unwrap();
    let update = |period: u64| {
        any(
            weave_channels::MSG_UPDATE_PARAMS,
            &channels_pb::MsgUpdateParams {
                authority: gov().to_string(),
                params: Some(channels_pb::Params {
                    seeder_share_bps: 7000,
                    challenge_period_blocks: period,
                    max_vouchers_per_claim: 64,
                    max_settlements_per_block: 100,
                }),
            },
        )
    };
    assert_eq!(code(h.exec_checked(gov(), &update(20))), ("channels", 20));
    assert_eq!(code(h.exec_checked(gov(), &update(25))), ("channels", 20));
    h.exec_checked(gov(), &update(19)).unwrap();
}
