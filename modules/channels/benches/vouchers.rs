//! Voucher verification throughput: the raw `ed25519-consensus` batch-verify rate, and
//! vouchers per second through the real claim path of the channels module — block
//! preparation (decode, look up the channel's key, one batch verification) and then
//! execution of the claims decoded there, as the app executes a block's transactions
//! (cache hit, lane and channel updates, bank and split payouts) — over an in-memory
//! overlay.
//!
//! `cargo bench -p weave-channels --bench vouchers` (WEAVE_BENCH_VOUCHERS sets the
//! vouchers per block, default 2000). Prints vouchers per second and the ratio.
#![allow(clippy::unwrap_used, clippy::disallowed_methods, missing_docs)]

use std::{sync::Arc, time::Instant};

use ed25519_consensus::{SigningKey, VerificationKey};
use weave_channels::{
    verify_batch, ChannelsModule, SignatureItem, Voucher, MSG_CLAIM, MSG_OPEN_CHANNEL,
};
use weave_content::{ContentModule, Registry, MSG_REGISTER_CONTENT};
use weave_kernel::{Address, Module, PrepareBlock};
use weave_proto::weave::{channels::v1 as pb, content::v1 as content_pb, splits::v1 as splits_pb};
use weave_splits::SplitsModule;
use weave_testkit::{addr, any, Harness};

const ROOT: [u8; 32] = [0xab; 32];

fn main() {
    let n: usize = std::env::var("WEAVE_BENCH_VOUCHERS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(2000);
    let per_claim = 200usize;
    let seeders = n.div_ceil(per_claim);

    // Raw batch verification of n distinct signatures.
    let key = SigningKey::from([42; 32]);
    let vk = VerificationKey::from(&key).to_bytes();
    let vouchers: Vec<pb::SignedVoucher> = (0..n)
        .map(|i| {
            Voucher {
                chain_id: "weave-test-1".into(),
                channel_id: 1,
                seeder: addr(10 + (i / per_claim) as u8),
                content_root: ROOT,
                cumulative_bytes: 1 << 20,
                cumulative_amount: 1_000 + i as u128,
                nonce: 1 + i as u64,
            }
            .sign(&key)
        })
        .collect();
    let items: Vec<SignatureItem> = vouchers
        .iter()
        .map(|v| SignatureItem::new(vk, v).unwrap())
        .collect();
    let mut raw_best = 0f64;
    for _ in 0..3 {
        let t = Instant::now();
        assert!(verify_batch(&items).iter().all(|ok| *ok));
        raw_best = raw_best.max(n as f64 / t.elapsed().as_secs_f64());
    }

    // The claim path: one block of claims, each seeder claiming 200 lanes' worth
    // (distinct lanes: one voucher per (seeder, nonce) is a fresh lane amount).
    let mut path_best = 0f64;
    for _ in 0..3 {
        let bank = Harness::new(vec![], &[], serde_json::Value::Null)
            .unwrap()
            .bank();
        let splits = SplitsModule::new(bank.clone());
        let content = ContentModule::new(Arc::new(splits.keeper()));
        let channels = ChannelsModule::new(bank, Arc::new(splits.keeper()), Arc::new(Registry));
        let funded: Vec<(Address, u128)> = (1..=9).map(|n| (addr(n), 1u128 << 100)).collect();
        let mut h = Harness::new(
            vec![
                Arc::new(splits),
                Arc::new(content),
                Arc::new(channels.clone()),
            ],
            &funded,
            serde_json::json!({}),
        )
        .unwrap();
        h.exec(
            addr(1),
            &any(
                MSG_REGISTER_CONTENT,
                &content_pb::MsgRegisterContent {
                    creator: addr(1).to_string(),
                    meta_hash: Some(content_pb::MetaHash {
                        root: ROOT.to_vec(),
                        slice_size: 1 << 20,
                        slice_count: 1,
                        plaintext_len: 1 << 20,
                        cipher: "chacha20-poly1305".into(),
                    }),
                    metadata: Some(content_pb::Metadata {
                        title: "b".into(),
                        mime_type: "a/b".into(),
                        ..Default::default()
                    }),
                    access_price: "1".into(),
                    price_per_gib: "1".into(),
                    split_recipients: vec![splits_pb::Recipient {
                        address: addr(1).to_string(),
                        bps: 10_000,
                    }],
                    ..Default::default()
                },
            ),
        )
        .unwrap();
        h.exec(
            addr(5),
            &any(
                MSG_OPEN_CHANNEL,
                &pb::MsgOpenChannel {
                    payer: addr(5).to_string(),
                    deposit: (1u128 << 90).to_string(),
                    voucher_key: vk.to_vec(),
                    expiry_height: 1_000_000,
                    collateral: String::new(),
                },
            ),
        )
        .unwrap();
        let claims: Vec<_> = (0..seeders)
            .map(|s| {
                let chunk: Vec<pb::SignedVoucher> = vouchers
                    .iter()
                    .skip(s * per_claim)
                    .take(per_claim)
                    .cloned()
                    .collect();
                (
                    addr(10 + s as u8),
                    any(
                        MSG_CLAIM,
                        &pb::MsgClaim {
                            seeder: addr(10 + s as u8).to_string(),
                            vouchers: chunk,
                        },
                    ),
                )
            })
            .collect();
        let t = Instant::now();
        let decoded: Vec<weave_kernel::DecodedMsg> = claims
            .iter()
            .map(|(_, m)| channels.decode_message(m).unwrap())
            .collect();
        let msgs: Vec<&weave_kernel::DecodedMsg> = decoded.iter().collect();
        channels.prepare_block(&h.state, &msgs);
        // Executed as decoded for the block preparation: the app decodes a block's
        // transactions once.
        for ((seeder, msg), decoded) in claims.iter().zip(decoded) {
            h.exec_decoded(*seeder, msg, decoded).unwrap();
        }
        path_best = path_best.max(n as f64 / t.elapsed().as_secs_f64());
        let rejected = h
            .take_events()
            .iter()
            .filter(|e| e.kind == "weave.channels.v1.EventVoucherRejected")
            .count();
        // Within one lane only increasing vouchers pay; the rest are stale but still
        // fully verified and checked, which is the work measured.
        assert!(rejected < n);
    }
    println!("vouchers per block:            {n}");
    println!("raw ed25519-consensus batch:   {raw_best:>10.0} vouchers/s");
    println!("claim path (verify + execute): {path_best:>10.0} vouchers/s");
    println!(
        "ratio:                         {:>10.1} %",
        100.0 * path_best / raw_best
    );
}
