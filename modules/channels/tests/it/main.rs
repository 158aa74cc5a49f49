//! Channels module integration tests (layer 2): every message and error through the
//! `Module` trait over an in-memory overlay, with the real bank, splits and content
//! modules moving the money, plus a property test of channel accounting.
#![allow(clippy::unwrap_used, missing_docs, unreachable_pub)]

use std::sync::Arc;

use ed25519_consensus::{SigningKey, VerificationKey};
use proptest::prelude::*;
use weave_channels::{
    escrow, ChannelsError, ChannelsModule, Voucher, GIB, MSG_CLAIM, MSG_CLOSE_CHANNEL,
    MSG_OPEN_CHANNEL, MSG_TOP_UP, MSG_UPDATE_PARAMS, VOUCHER_GAS, VOUCHER_SIG_GAS,
};
use weave_content::{ContentModule, Registry, MSG_REGISTER_CONTENT};
use weave_kernel::{
    community_pool,
    expected::{ChannelsParams, PaidBandwidth},
    gov_authority, Address, Any, Ctx, Module, PrepareBlock, TxError,
};
use weave_proto::weave::{channels::v1 as pb, content::v1 as content_pb, splits::v1 as splits_pb};
use weave_splits::SplitsModule;
use weave_testkit::{addr, any, Harness};

const CREATOR: u8 = 1;
const COLLAB: u8 = 2;
const PAYER: u8 = 5;
const SEEDER: u8 = 6;
const SEEDER2: u8 = 7;
const FUNDS: u128 = 1_000_000_000_000;
const ROOT: [u8; 32] = [0xab; 32];
/// uweave per GiB.
const PRICE: u128 = 1_000_000;

struct Chain {
    h: Harness,
    channels: ChannelsModule,
    key: SigningKey,
}

fn setup() -> Chain {
    setup_with(serde_json::json!({
        "splits": {"params": {"protocol_fee_bps": 200}},
        "channels": {"params": {
            "seeder_share_bps": 7000, "challenge_period_blocks": 10,
            "max_vouchers_per_claim": 64, "max_settlements_per_block": 100
        }}
    }))
}

fn setup_with(app_state: serde_json::Value) -> Chain {
    setup_full(app_state, None)
}

fn setup_full(app_state: serde_json::Value, sink: Option<Arc<dyn PaidBandwidth>>) -> Chain {
    let bank = Harness::new(vec![], &[], serde_json::Value::Null)
        .unwrap()
        .bank();
    let splits = SplitsModule::new(bank.clone());
    let content = ContentModule::new(Arc::new(splits.keeper()));
    let mut channels = ChannelsModule::new(bank, Arc::new(splits.keeper()), Arc::new(Registry));
    if let Some(sink) = sink {
        channels = channels.with_paid_bandwidth(sink);
    }
    let funded: Vec<(Address, u128)> = (1..=9).map(|n| (addr(n), FUNDS)).collect();
    let mut h = Harness::new(
        vec![
            Arc::new(splits),
            Arc::new(content),
            Arc::new(channels.clone()),
        ],
        &funded,
        app_state,
    )
    .unwrap();
    // Content with an 80/20 split between creator and collaborator.
    let register = content_pb::MsgRegisterContent {
        creator: addr(CREATOR).to_string(),
        meta_hash: Some(content_pb::MetaHash {
            root: ROOT.to_vec(),
            slice_size: 1 << 20,
            slice_count: 64,
            plaintext_len: 64 << 20,
            cipher: "chacha20-poly1305".into(),
        }),
        metadata: Some(content_pb::Metadata {
            title: "Film".into(),
            mime_type: "video/mp4".into(),
            ..Default::default()
        }),
        access_price: "1".into(),
        price_per_gib: PRICE.to_string(),
        split_recipients: vec![
            splits_pb::Recipient {
                address: addr(CREATOR).to_string(),
                bps: 8000,
            },
            splits_pb::Recipient {
                address: addr(COLLAB).to_string(),
                bps: 2000,
            },
        ],
        ..Default::default()
    };
    h.exec(addr(CREATOR), &any(MSG_REGISTER_CONTENT, &register))
        .unwrap();
    Chain {
        h,
        channels,
        key: SigningKey::from([42; 32]),
    }
}

impl Chain {
    fn open(&mut self, deposit: u128, collateral: u128, expiry: u64) -> Result<(), TxError> {
        let msg = any(
            MSG_OPEN_CHANNEL,
            &pb::MsgOpenChannel {
                payer: addr(PAYER).to_string(),
                deposit: deposit.to_string(),
                voucher_key: VerificationKey::from(&self.key).to_bytes().to_vec(),
                expiry_height: expiry,
                collateral: collateral.to_string(),
            },
        );
        self.h.exec_checked(addr(PAYER), &msg)
    }

    fn voucher(
        &self,
        channel_id: u64,
        seeder: u8,
        bytes: u64,
        amount: u128,
        nonce: u64,
    ) -> Voucher {
        Voucher {
            chain_id: "weave-test-1".into(),
            channel_id,
            seeder: addr(seeder),
            content_root: ROOT,
            cumulative_bytes: bytes,
            cumulative_amount: amount,
            nonce,
        }
    }

    fn claim(&mut self, seeder: u8, vouchers: Vec<pb::SignedVoucher>) -> Result<(), TxError> {
        let msg = claim_msg(seeder, vouchers);
        self.h.exec_checked(addr(seeder), &msg)
    }

    fn channel(&self, id: u64) -> (pb::Channel, u128) {
        let r: pb::QueryChannelResponse = self
            .h
            .query(
                "/weave.channels.v1.Query/Channel",
                &pb::QueryChannelRequest { channel_id: id },
            )
            .unwrap();
        (r.channel.unwrap(), r.remaining.parse().unwrap())
    }

    fn earnings(&self, seeder: u8) -> pb::SeederEarnings {
        let r: pb::QuerySeederEarningsResponse = self
            .h
            .query(
                "/weave.channels.v1.Query/SeederEarnings",
                &pb::QuerySeederEarningsRequest {
                    seeder: addr(seeder).to_string(),
                },
            )
            .unwrap();
        r.earnings.unwrap()
    }

    fn rejected(&mut self) -> Vec<(u32, u32)> {
        self.h
            .take_events()
            .iter()
            .filter(|e| e.kind == "weave.channels.v1.EventVoucherRejected")
            .map(|e| {
                (
                    e.get("index").unwrap().parse().unwrap(),
                    e.get("code").unwrap().parse().unwrap(),
                )
            })
            .collect()
    }
}

impl Chain {
    /// Runs a claim with a fresh gas meter and returns the gas it used (its writes, if
    /// any, stay).
    fn claim_gas(&mut self, seeder: u8, vouchers: Vec<pb::SignedVoucher>) -> u64 {
        let msg = claim_msg(seeder, vouchers);
        let mut gas = weave_kernel::GasMeter::new(u64::MAX, weave_kernel::GasCosts::default());
        let mut ctx = Ctx::new(
            &self.h.block,
            &mut self.h.state,
            &mut gas,
            &mut self.h.events,
        );
        let _ = ctx.atomically(|ctx| weave_kernel::Module::handle(&self.channels, ctx, &msg));
        gas.used()
    }
}

/// Each voucher signature a claim checks costs `VOUCHER_SIG_GAS` on top of
/// `VOUCHER_GAS`: a voucher whose signature is checked (and fails) costs exactly that
/// much more than one refused before any check (a signature of the wrong length),
/// which does the same reads; and each more voucher adds at least both.
#[test]
fn each_checked_voucher_signature_is_charged_gas() {
    let mut c = setup();
    c.open(10_000_000, 0, 1_000).unwrap();
    let other = SigningKey::from([7; 32]);
    let v = |n: u64, c: &Chain| c.voucher(1, SEEDER, n << 20, cost(n << 20), n);
    let checked = c.claim_gas(SEEDER, vec![v(1, &c).sign(&other)]);
    let mut short = v(1, &c).sign(&other);
    short.signature.pop();
    let unchecked = c.claim_gas(SEEDER, vec![short]);
    assert_eq!(checked - unchecked, VOUCHER_SIG_GAS);
    let two = c.claim_gas(SEEDER, vec![v(1, &c).sign(&other), v(2, &c).sign(&other)]);
    assert!(two - checked >= VOUCHER_GAS + VOUCHER_SIG_GAS);
}

fn claim_msg(seeder: u8, vouchers: Vec<pb::SignedVoucher>) -> Any {
    any(
        MSG_CLAIM,
        &pb::MsgClaim {
            seeder: addr(seeder).to_string(),
            vouchers,
        },
    )
}

fn err(r: Result<(), TxError>) -> (&'static str, u32) {
    let e = r.unwrap_err();
    (e.codespace, e.code)
}

/// The price of `bytes` at PRICE per GiB, rounded up.
fn cost(bytes: u64) -> u128 {
    (u128::from(bytes) * PRICE).div_ceil(GIB)
}

#[test]
fn a_claim_pays_the_seeder_and_the_split_to_the_unit() {
    let mut c = setup();
    c.open(10_000_000, 0, 1_000).unwrap();
    assert_eq!(c.h.balance(&escrow()), 10_000_000);
    let bytes = 64u64 << 20; // 64 MiB = 1/16 GiB
    let amount = cost(bytes); // 62_500
    let v = c.voucher(1, SEEDER, bytes, amount, 1).sign(&c.key);
    c.claim(SEEDER, vec![v]).unwrap();
    // 70% to the seeder: 43_750, less the 2% protocol fee (875) = 42_875; 18_750
    // through the split: fee 2% = 375, creator 80% of 18_375 = 14_700, collaborator
    // 3_675. The pool gets 2% of the whole amount.
    assert_eq!(c.h.balance(&addr(SEEDER)), FUNDS + 42_875);
    assert_eq!(c.h.balance(&community_pool()), 1_250);
    assert_eq!(c.h.balance(&addr(CREATOR)), FUNDS + 14_700);
    assert_eq!(c.h.balance(&addr(COLLAB)), FUNDS + 3_675);
    assert_eq!(c.h.balance(&escrow()), 10_000_000 - amount);
    let (ch, remaining) = c.channel(1);
    assert_eq!(remaining, 10_000_000 - amount);
    assert_eq!(ch.paid, amount.to_string());
    let e = c.earnings(SEEDER);
    assert_eq!((e.earned.as_str(), e.verified_bytes), ("42875", bytes));

    // The next voucher pays only the increase; the lane records it.
    let v2 = c.voucher(1, SEEDER, 2 * bytes, 2 * amount, 2).sign(&c.key);
    c.claim(SEEDER, vec![v2]).unwrap();
    assert_eq!(c.h.balance(&addr(SEEDER)), FUNDS + 2 * 42_875);
    let lane: pb::QueryLaneResponse =
        c.h.query(
            "/weave.channels.v1.Query/Lane",
            &pb::QueryLaneRequest {
                channel_id: 1,
                seeder: addr(SEEDER).to_string(),
                content_root: ROOT.to_vec(),
            },
        )
        .unwrap();
    let lane = lane.lane.unwrap();
    assert_eq!(
        (lane.claimed_amount.as_str(), lane.last_nonce),
        ("125000", 2)
    );
    assert_eq!(c.earnings(SEEDER).verified_bytes, 2 * bytes);
}

/// A claim may carry its vouchers without the seeder field they all repeat: they pay
/// exactly as the whole ones would, their lane is reported once with the vouchers it
/// took, and a compact voucher in another seeder's claim stands for a voucher naming
/// that seeder, which nobody signed.
#[test]
fn compact_vouchers_pay_as_whole_ones_and_bind_the_claims_seeder() {
    let mut c = setup();
    c.open(10_000_000, 0, 1_000).unwrap();
    let seeder = addr(SEEDER).to_string();
    let signed: Vec<_> = (1..=3)
        .map(|n| c.voucher(1, SEEDER, n << 20, cost(n << 20), n).sign(&c.key))
        .collect();
    let compact: Vec<_> = signed
        .iter()
        .map(|v| weave_voucher::compact_in_claim(v, &seeder))
        .collect();
    assert!(compact
        .iter()
        .zip(&signed)
        .all(|(c, s)| c.voucher.len() + seeder.len() <= s.voucher.len()));

    // In another seeder's claim the compact vouchers name that seeder: refused, as
    // signatures that do not verify, and nothing is paid.
    assert_eq!(
        err(c.claim(SEEDER2, compact[..1].to_vec())),
        ("channels", ChannelsError::BadSignature(1).code())
    );
    c.h.take_events();

    c.claim(SEEDER, compact).unwrap();
    let lanes: Vec<_> =
        c.h.take_events()
            .into_iter()
            .filter(|e| e.kind == "weave.channels.v1.EventLanePaid")
            .collect();
    assert_eq!(lanes.len(), 1, "one event for the lane");
    let lane = &lanes[0];
    assert_eq!(lane.get("seeder"), Some(seeder.as_str()));
    assert_eq!(lane.get("vouchers"), Some("3"));
    assert_eq!(lane.get("last_nonce"), Some("3"));
    assert_eq!(lane.get("bytes"), Some((3u64 << 20).to_string().as_str()));
    assert_eq!(lane.get("amount"), Some(cost(3 << 20).to_string().as_str()));
    assert_eq!(c.channel(1).0.paid, cost(3 << 20).to_string());
    assert_eq!(c.earnings(SEEDER).verified_bytes, 3 << 20);

    // The whole vouchers are the same vouchers: replayed, they are stale.
    assert!(c.claim(SEEDER, signed).is_err());
}

#[test]
fn bad_vouchers_pay_nothing_and_say_why() {
    let mut c = setup();
    c.open(10_000_000, 0, 1_000).unwrap();
    // Channel 2 has its own voucher key.
    let channel_one_key = std::mem::replace(&mut c.key, SigningKey::from([77; 32]));
    c.open(10_000_000, 0, 1_000).unwrap();
    c.key = channel_one_key;
    let good = c.voucher(1, SEEDER, 1 << 20, cost(1 << 20), 5);
    c.claim(SEEDER, vec![good.sign(&c.key)]).unwrap();

    let other_key = SigningKey::from([7; 32]);
    let mut forged = good.clone();
    forged.cumulative_amount += 1_000;
    forged.nonce = 6;
    let mut forged_signed = forged.sign(&c.key);
    forged_signed.voucher = {
        let mut f = forged.clone();
        f.cumulative_amount += 1;
        prost::Message::encode_to_vec(&f.to_wire())
    };
    let cases: Vec<(pb::SignedVoucher, u8, (&str, u32))> = vec![
        // Signed by a key that is not the channel's.
        (
            c.voucher(1, SEEDER, 2 << 20, cost(2 << 20), 6)
                .sign(&other_key),
            SEEDER,
            ("channels", 13),
        ),
        // Bytes changed after signing.
        (forged_signed, SEEDER, ("channels", 13)),
        // A replay of the claimed voucher, and an older nonce.
        (good.sign(&c.key), SEEDER, ("channels", 14)),
        (
            c.voucher(1, SEEDER, 2 << 20, cost(2 << 20), 4).sign(&c.key),
            SEEDER,
            ("channels", 14),
        ),
        // A higher nonce but no more money.
        (
            c.voucher(1, SEEDER, 2 << 20, cost(1 << 20), 9).sign(&c.key),
            SEEDER,
            ("channels", 15),
        ),
        // Another chain.
        (
            Voucher {
                chain_id: "other-chain".into(),
                ..c.voucher(1, SEEDER, 2 << 20, cost(2 << 20), 9)
            }
            .sign(&c.key),
            SEEDER,
            ("channels", 11),
        ),
        // Claimed by someone the voucher does not name.
        (
            c.voucher(1, SEEDER, 2 << 20, cost(2 << 20), 9).sign(&c.key),
            SEEDER2,
            ("channels", 12),
        ),
        // Channel 1's voucher presented as channel 2's.
        (
            c.voucher(2, SEEDER, 2 << 20, cost(2 << 20), 9).sign(&c.key),
            SEEDER,
            ("channels", 13),
        ),
        // Unknown channel.
        (
            c.voucher(99, SEEDER, 2 << 20, cost(2 << 20), 9)
                .sign(&c.key),
            SEEDER,
            ("channels", 6),
        ),
        // Below the content's price.
        (
            c.voucher(1, SEEDER, 2 << 20, cost(2 << 20) - 2, 9)
                .sign(&c.key),
            SEEDER,
            ("channels", 16),
        ),
        // Unknown content.
        (
            Voucher {
                content_root: [1; 32],
                ..c.voucher(1, SEEDER, 2 << 20, cost(2 << 20), 9)
            }
            .sign(&c.key),
            SEEDER,
            ("channels", 17),
        ),
        // Garbage bytes.
        (
            pb::SignedVoucher {
                voucher: vec![0xff; 10],
                signature: vec![0; 64],
            },
            SEEDER,
            ("channels", 10),
        ),
        // An amount beyond u128.
        (
            pb::SignedVoucher {
                voucher: prost::Message::encode_to_vec(&pb::Voucher {
                    cumulative_amount: "999999999999999999999999999999999999999999".into(),
                    ..c.voucher(1, SEEDER, 1, 1, 9).to_wire()
                }),
                signature: vec![0; 64],
            },
            SEEDER,
            ("channels", 10),
        ),
    ];
    for (i, (v, claimer, expected)) in cases.into_iter().enumerate() {
        assert_eq!(err(c.claim(claimer, vec![v])), expected, "case {i}");
    }
    // Only the good voucher counted.
    assert_eq!(c.earnings(SEEDER).verified_bytes, 1 << 20);
}

#[test]
fn a_mixed_batch_pays_the_good_and_reports_the_bad() {
    let mut c = setup();
    c.open(10_000_000, 0, 1_000).unwrap();
    let other = SigningKey::from([9; 32]);
    let batch = vec![
        c.voucher(1, SEEDER, 1 << 20, cost(1 << 20), 1).sign(&c.key),
        c.voucher(1, SEEDER, 2 << 20, cost(2 << 20), 2).sign(&other),
        c.voucher(1, SEEDER, 3 << 20, cost(3 << 20), 3).sign(&c.key),
        c.voucher(1, SEEDER, 3 << 20, cost(3 << 20), 3).sign(&c.key),
    ];
    // Validators batch-verify the block's vouchers first; execution uses the result.
    let msg = claim_msg(SEEDER, batch.clone());
    let decoded = c.channels.decode_message(&msg).unwrap();
    c.channels.prepare_block(&c.h.state, &[&decoded]);
    c.claim(SEEDER, batch).unwrap();
    assert_eq!(c.rejected(), vec![(1, 13), (3, 14)]);
    assert_eq!(c.earnings(SEEDER).verified_bytes, 3 << 20);
    let (_, remaining) = c.channel(1);
    assert_eq!(remaining, 10_000_000 - cost(3 << 20));
}

#[test]
fn overdrawn_lanes_slash_collateral_and_record_overspend() {
    let mut c = setup();
    c.open(100_000, 50_000, 1_000).unwrap();
    assert_eq!(c.h.balance(&escrow()), 150_000);
    // Two seeders together claim 200_000 from a channel that holds 150_000.
    let gib = 1u64 << 30;
    let v1 = c.voucher(1, SEEDER, gib / 10, 120_000, 1).sign(&c.key);
    let v2 = c.voucher(1, SEEDER2, gib / 20, 80_000, 1).sign(&c.key);
    c.claim(SEEDER, vec![v1]).unwrap();
    c.claim(SEEDER2, vec![v2]).unwrap();
    let (ch, remaining) = c.channel(1);
    assert_eq!(remaining, 0);
    assert_eq!(ch.paid, "100000");
    assert_eq!(ch.collateral_slashed, "50000");
    assert_eq!(ch.overspend, "50000");
    assert_eq!(c.h.balance(&escrow()), 0);
    // Paid in order: the first seeder fully (70% of 120_000), the second partly; each
    // share pays the 2% protocol fee.
    assert_eq!(c.h.balance(&addr(SEEDER)), FUNDS + 84_000 - 1_680);
    assert_eq!(c.h.balance(&addr(SEEDER2)), FUNDS + 21_000 - 420);
}

#[test]
fn close_challenge_settle_and_late_claims() {
    let mut c = setup();
    c.open(1_000_000, 10_000, 1_000).unwrap();
    let close = |payer: u8| {
        any(
            MSG_CLOSE_CHANNEL,
            &pb::MsgCloseChannel {
                payer: addr(payer).to_string(),
                channel_id: 1,
            },
        )
    };
    let top_up = |payer: u8| {
        any(
            MSG_TOP_UP,
            &pb::MsgTopUp {
                payer: addr(payer).to_string(),
                channel_id: 1,
                amount: "500".into(),
            },
        )
    };
    // Only the payer tops up or closes.
    assert_eq!(
        err(c.h.exec_checked(addr(SEEDER), &top_up(SEEDER))),
        ("channels", 7)
    );
    assert_eq!(
        err(c.h.exec_checked(addr(SEEDER), &close(SEEDER))),
        ("channels", 7)
    );
    c.h.exec_checked(addr(PAYER), &top_up(PAYER)).unwrap();
    c.h.exec_checked(addr(PAYER), &close(PAYER)).unwrap();
    assert_eq!(
        err(c.h.exec_checked(addr(PAYER), &close(PAYER))),
        ("channels", 8)
    );
    assert_eq!(
        err(c.h.exec_checked(addr(PAYER), &top_up(PAYER))),
        ("channels", 8)
    );
    let (ch, _) = c.channel(1);
    assert_eq!(ch.settle_height, 11);

    // During the challenge period a seeder can still claim.
    c.h.advance(5).unwrap();
    let v = c.voucher(1, SEEDER, 1 << 20, 100_000, 1).sign(&c.key);
    c.claim(SEEDER, vec![v]).unwrap();
    let before = c.h.balance(&addr(PAYER));
    c.h.advance(6).unwrap(); // end block of height 11 settles
    let (ch, remaining) = c.channel(1);
    assert_eq!(ch.status, pb::ChannelStatus::Settled as i32);
    assert_eq!(remaining, 0);
    // The remainder and the collateral went back to the payer; escrow is empty.
    assert_eq!(
        c.h.balance(&addr(PAYER)),
        before + 1_000_500 - 100_000 + 10_000
    );
    assert_eq!(c.h.balance(&escrow()), 0);
    // A claim after settlement fails.
    let late = c.voucher(1, SEEDER, 2 << 20, 200_000, 2).sign(&c.key);
    assert_eq!(err(c.claim(SEEDER, vec![late])), ("channels", 9));
}

#[test]
fn expiry_starts_the_challenge_period() {
    let mut c = setup();
    c.open(1_000, 0, 3).unwrap();
    c.h.advance(3).unwrap(); // end block of height 3: closing, settles at 13
    let (ch, _) = c.channel(1);
    assert_eq!(
        (ch.status, ch.settle_height),
        (pb::ChannelStatus::Closing as i32, 13)
    );
    c.h.advance(10).unwrap();
    assert_eq!(c.channel(1).0.status, pb::ChannelStatus::Settled as i32);
}

#[test]
fn opening_errors() {
    let mut c = setup();
    assert_eq!(err(c.open(0, 0, 100)), ("channels", 2));
    assert_eq!(err(c.open(100, 0, 1)), ("channels", 5));
    assert_eq!(err(c.open(u128::MAX, 1, 100)), ("channels", 3));
    assert_eq!(err(c.open(FUNDS * 2, 0, 100)), ("sdk", 5));
    let bad_key = any(
        MSG_OPEN_CHANNEL,
        &pb::MsgOpenChannel {
            payer: addr(PAYER).to_string(),
            deposit: "10".into(),
            voucher_key: vec![1; 31],
            expiry_height: 100,
            collateral: String::new(),
        },
    );
    assert_eq!(
        err(c.h.exec_checked(addr(PAYER), &bad_key)),
        ("channels", 4)
    );
    assert_eq!(err(c.claim(SEEDER, vec![])), ("channels", 18));
}

#[test]
fn params_change_only_through_gov() {
    let mut c = setup();
    let msg = |authority: Address, bps: u32| {
        any(
            MSG_UPDATE_PARAMS,
            &pb::MsgUpdateParams {
                authority: authority.to_string(),
                params: Some(pb::Params {
                    seeder_share_bps: bps,
                    challenge_period_blocks: 5,
                    max_vouchers_per_claim: 10,
                    max_settlements_per_block: 10,
                }),
            },
        )
    };
    assert_eq!(
        err(c.h.exec_checked(addr(1), &msg(addr(1), 5000))),
        ("channels", 19)
    );
    assert_eq!(
        err(c
            .h
            .exec_checked(gov_authority(), &msg(gov_authority(), 10_001))),
        ("channels", 20)
    );
    c.h.exec_checked(gov_authority(), &msg(gov_authority(), 5000))
        .unwrap();
    let r: pb::QueryParamsResponse =
        c.h.query(
            "/weave.channels.v1.Query/Params",
            &pb::QueryParamsRequest {},
        )
        .unwrap();
    assert_eq!(r.params.unwrap().challenge_period_blocks, 5);
}

#[derive(Debug, Clone)]
enum Op {
    Open {
        deposit: u128,
        collateral: u128,
    },
    TopUp {
        channel: u64,
        amount: u128,
    },
    Claim {
        channel: u64,
        seeder: bool,
        step: u128,
    },
    Close {
        channel: u64,
    },
    Advance(u64),
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        (1u128..2_000_000, 0u128..500_000).prop_map(|(deposit, collateral)| Op::Open {
            deposit,
            collateral
        }),
        (1u64..4, 1u128..500_000).prop_map(|(channel, amount)| Op::TopUp { channel, amount }),
        (1u64..4, proptest::bool::ANY, 1u128..800_000).prop_map(|(channel, seeder, step)| {
            Op::Claim {
                channel,
                seeder,
                step,
            }
        }),
        (1u64..4).prop_map(|channel| Op::Close { channel }),
        (1u64..15).prop_map(Op::Advance),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    /// For any sequence of opens, top-ups, claims and closes: supply is conserved, no
    /// lane is paid more than its highest voucher, and no channel pays out more than
    /// its deposit plus collateral.
    #[test]
    fn channel_accounting_holds(ops in proptest::collection::vec(op(), 1..40)) {
        let mut c = setup();
        let everyone: Vec<Address> = (1..=9).map(addr).chain([community_pool(), escrow()]).collect();
        let total = |h: &mut Harness| everyone.iter().map(|a| h.balance(a)).sum::<u128>();
        let supply = total(&mut c.h);
        // Highest voucher amount signed per (channel, seeder) lane.
        let mut highest = std::collections::BTreeMap::<(u64, u8), (u128, u64)>::new();
        for op in ops {
            match op {
                Op::Open { deposit, collateral } => { let _ = c.open(deposit, collateral, 10_000); }
                Op::TopUp { channel, amount } => {
                    let _ = c.h.exec(addr(PAYER), &any(MSG_TOP_UP, &pb::MsgTopUp {
                        payer: addr(PAYER).to_string(), channel_id: channel, amount: amount.to_string() }));
                }
                Op::Claim { channel, seeder, step } => {
                    let who = if seeder { SEEDER } else { SEEDER2 };
                    let entry = highest.entry((channel, who)).or_insert((0, 0));
                    entry.0 += step;
                    entry.1 += 1;
                    let v = c.voucher(channel, who, 1, entry.0, entry.1).sign(&c.key);
                    let _ = c.claim(who, vec![v]);
                }
                Op::Close { channel } => {
                    let _ = c.h.exec(addr(PAYER), &any(MSG_CLOSE_CHANNEL, &pb::MsgCloseChannel {
                        payer: addr(PAYER).to_string(), channel_id: channel }));
                }
                Op::Advance(n) => c.h.advance(n).unwrap(),
            }
            prop_assert_eq!(total(&mut c.h), supply);
        }
        for id in 1..4u64 {
            let r: Result<pb::QueryChannelResponse, _> = c.h.query(
                "/weave.channels.v1.Query/Channel", &pb::QueryChannelRequest { channel_id: id });
            let Ok(r) = r else { continue };
            let ch = r.channel.unwrap();
            let deposit: u128 = ch.deposit.parse().unwrap();
            let paid: u128 = ch.paid.parse().unwrap();
            let collateral: u128 = ch.collateral.parse().unwrap();
            let slashed: u128 = ch.collateral_slashed.parse().unwrap();
            prop_assert!(paid <= deposit && slashed <= collateral);
            for who in [SEEDER, SEEDER2] {
                let lane: Result<pb::QueryLaneResponse, _> = c.h.query(
                    "/weave.channels.v1.Query/Lane",
                    &pb::QueryLaneRequest { channel_id: id, seeder: addr(who).to_string(), content_root: ROOT.to_vec() });
                if let Ok(lane) = lane {
                    let claimed: u128 = lane.lane.unwrap().claimed_amount.parse().unwrap();
                    prop_assert!(claimed <= highest.get(&(id, who)).map_or(0, |h| h.0));
                }
            }
        }
    }
}

/// A paid-bandwidth sink that writes what it is told into state (so a discarded write
/// shows), and refuses a voucher of exactly `REFUSED_BYTES` bytes.
struct StateSink;

const REFUSED_BYTES: u64 = 3 << 20;

impl PaidBandwidth for StateSink {
    fn record(
        &self,
        ctx: &mut Ctx<'_>,
        seeder: &Address,
        payer: &Address,
        bytes: u64,
        fee: u128,
    ) -> Result<(), TxError> {
        let key = format!("test/paid/{}/{}", seeder.to_hex(), payer.to_hex()).into_bytes();
        let mut log = ctx.get(&key)?.unwrap_or_default();
        log.extend_from_slice(format!("{bytes}:{fee};").as_bytes());
        ctx.put(key, log)?;
        if bytes == REFUSED_BYTES {
            return Err(TxError::new("test", 99, "refused"));
        }
        Ok(())
    }
}

fn paid_log(c: &mut Chain) -> String {
    let key = format!(
        "test/paid/{}/{}",
        addr(SEEDER).to_hex(),
        addr(PAYER).to_hex()
    );
    let v = c.h.state.get(key.as_bytes()).unwrap().unwrap_or_default();
    String::from_utf8(v).unwrap()
}

/// The protocol fee (2%) a claimed `amount` leaves: on the seeder's 70% and on the rest.
fn fee_of(amount: u128) -> u128 {
    let share = amount * 7_000 / 10_000;
    share * 200 / 10_000 + (amount - share) * 200 / 10_000
}

#[test]
fn accepted_vouchers_report_their_payer_bytes_and_protocol_fee_and_refused_ones_nothing() {
    let mut c = setup_full(
        serde_json::json!({"splits": {"params": {"protocol_fee_bps": 200}}}),
        Some(Arc::new(StateSink)),
    );
    c.open(10_000_000, 0, 1_000).unwrap();
    let mib = 1u64 << 20;
    // Two good vouchers and a stale one: the good ones report their bytes, then the
    // claim reports the protocol fee its payout left (never the amount).
    let v1 = c.voucher(1, SEEDER, mib, cost(mib), 1).sign(&c.key);
    let v2 = c.voucher(1, SEEDER, 2 * mib, cost(2 * mib), 2).sign(&c.key);
    let stale = c.voucher(1, SEEDER, 2 * mib, cost(2 * mib), 2).sign(&c.key);
    c.claim(SEEDER, vec![v1, v2, stale]).unwrap();
    let expected = format!("{mib}:0;{mib}:0;0:{};", fee_of(cost(2 * mib)));
    assert_eq!(paid_log(&mut c), expected);
    assert!(fee_of(cost(2 * mib)) > 0);

    // A voucher the sink refuses is rejected whole: its lane does not move, and the
    // next voucher still pays from where the lane stood.
    let refused = c.voucher(1, SEEDER, 5 * mib, cost(5 * mib), 3).sign(&c.key);
    assert_eq!(err(c.claim(SEEDER, vec![refused])), ("test", 99));
    assert_eq!(paid_log(&mut c), expected);
    let v3 = c.voucher(1, SEEDER, 3 * mib, cost(3 * mib), 3).sign(&c.key);
    let v4 = c.voucher(1, SEEDER, 4 * mib, cost(4 * mib), 4).sign(&c.key);
    let replay = c.voucher(1, SEEDER, 4 * mib, cost(4 * mib), 4).sign(&c.key);
    c.claim(SEEDER, vec![v3, v4, replay]).unwrap();
    assert_eq!(
        paid_log(&mut c),
        format!(
            "{expected}{mib}:0;{mib}:0;0:{};",
            fee_of(cost(4 * mib) - cost(2 * mib))
        )
    );
    assert_eq!(c.channel(1).0.paid, cost(4 * mib).to_string());
}

#[test]
fn the_params_view_reads_the_challenge_period_once_genesis_wrote_it() {
    let mut c = setup();
    let period =
        c.h.with_ctx(|ctx| weave_channels::ParamsView.challenge_period_blocks(ctx))
            .unwrap();
    assert_eq!(period, Some(10));
    let mut empty = Harness::new(vec![], &[], serde_json::Value::Null).unwrap();
    let none = empty
        .with_ctx(|ctx| weave_channels::ParamsView.challenge_period_blocks(ctx))
        .unwrap();
    assert_eq!(none, None);
}

// ---- Issue 15, item 3: a price change does not void vouchers already earned. ----

impl Chain {
    fn set_price_per_gib(&mut self, price: u128) {
        let msg = any(
            weave_content::MSG_UPDATE_CONTENT,
            &content_pb::MsgUpdateContent {
                creator: addr(CREATOR).to_string(),
                content_id: 1,
                price_per_gib: price.to_string(),
                ..Default::default()
            },
        );
        self.h.exec_checked(addr(CREATOR), &msg).unwrap();
    }
}

#[test]
fn a_price_rise_does_not_void_vouchers_signed_under_the_old_price() {
    let mut c = setup();
    c.open(10_000_000, 0, 1_000).unwrap();
    let bytes = 64u64 << 20;
    // Served and signed at PRICE; the creator then triples the price.
    let v = c.voucher(1, SEEDER, bytes, cost(bytes), 1).sign(&c.key);
    c.h.advance(2).unwrap();
    c.set_price_per_gib(3 * PRICE);
    c.h.advance(2).unwrap();
    // Claimed within the challenge period (10 blocks) of the rise: paid in full.
    c.claim(SEEDER, vec![v]).unwrap();
    assert_eq!(c.h.balance(&addr(SEEDER)), FUNDS + 42_875);
    // A rise binds new vouchers once a challenge period has passed since it.
    let old_terms = c
        .voucher(1, SEEDER, 2 * bytes, 2 * cost(bytes), 2)
        .sign(&c.key);
    c.h.advance(11).unwrap();
    assert_eq!(err(c.claim(SEEDER, vec![old_terms])), ("channels", 16));
    let new_terms = c
        .voucher(1, SEEDER, 2 * bytes, cost(bytes) + 3 * cost(bytes), 3)
        .sign(&c.key);
    c.claim(SEEDER, vec![new_terms]).unwrap();
}

#[test]
fn a_price_cut_applies_at_once_and_binds_no_voucher_above_it() {
    let mut c = setup();
    c.open(10_000_000, 0, 1_000).unwrap();
    let bytes = 64u64 << 20;
    c.h.advance(20).unwrap();
    c.set_price_per_gib(PRICE / 2);
    c.h.advance(1).unwrap();
    // Signed at the new, lower price: accepted at once.
    let v = c.voucher(1, SEEDER, bytes, cost(bytes) / 2, 1).sign(&c.key);
    c.claim(SEEDER, vec![v]).unwrap();
    assert_eq!(c.earnings(SEEDER).verified_bytes, bytes);
    // Below even the lowest recent price: refused.
    let under = c
        .voucher(1, SEEDER, 2 * bytes, cost(bytes) / 2 + cost(bytes) / 4, 2)
        .sign(&c.key);
    assert_eq!(err(c.claim(SEEDER, vec![under])), ("channels", 16));
    // Raised back: vouchers at the cut price are still paid within the window.
    c.set_price_per_gib(PRICE);
    c.h.advance(1).unwrap();
    let at_cut = c.voucher(1, SEEDER, 2 * bytes, cost(bytes), 3).sign(&c.key);
    c.claim(SEEDER, vec![at_cut]).unwrap();
    assert_eq!(c.earnings(SEEDER).verified_bytes, 2 * bytes);
}
