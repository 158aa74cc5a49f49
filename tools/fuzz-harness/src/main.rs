//! `weave-fuzz-seeds [DIR]`: writes the seed inputs of every fuzz target (valid
//! examples of what each target parses, so libFuzzer starts from the interesting
//! paths) to `DIR/<target>/` (default `fuzz/seeds`). The seeds are committed; rerun
//! this when a format changes.
#![allow(clippy::unwrap_used)]

use std::path::PathBuf;

use prost::Message;
use weave_fuzz::{body_of, TARGETS};
use weave_proto::weave::{bank::v1 as bank, base::v1::Coin, channels::v1 as chan};
use weave_sidecar::protocol::{self, Request, Response};

fn coin(amount: &str) -> Vec<Coin> {
    vec![Coin {
        denom: "uweave".into(),
        amount: amount.into(),
    }]
}

fn main() -> std::io::Result<()> {
    let dir = std::env::args()
        .nth(1)
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("fuzz/seeds"));
    let mut seeds: Vec<(&str, &str, Vec<u8>)> = Vec::new();

    // Transactions: a send body (signed by the harness when the mode byte is odd).
    let from = weave_kernel::Address::new([1; 20]).to_string();
    let to = weave_kernel::Address::new([2; 20]).to_string();
    let send = body_of(
        "/weave.bank.v1.MsgSend",
        &bank::MsgSend {
            from_address: from.clone(),
            to_address: to.clone(),
            amount: coin("5"),
        }
        .encode_to_vec(),
    );
    seeds.push(("tx_decode", "send_body", send.clone()));
    seeds.push(("check_tx", "signed_send", [&[0xffu8][..], &send].concat()));
    seeds.push(("check_tx", "raw_send_body", [&[0u8][..], &send].concat()));
    let open = body_of(
        "/weave.channels.v1.MsgOpenChannel",
        &chan::MsgOpenChannel {
            payer: from.clone(),
            deposit: "1000".into(),
            voucher_key: vec![7; 32],
            expiry_height: 100,
            collateral: "0".into(),
        }
        .encode_to_vec(),
    );
    seeds.push(("check_tx", "signed_open_channel", [&[0xffu8][..], &open].concat()));
    // A block: a signed send (kind 1 + 3·0x54: fee and gas knobs 4 and 5), a raw piece, an injected piece.
    let mut block = vec![1 + 3 * 0x54, u8::try_from(send.len()).unwrap()];
    block.extend_from_slice(&send);
    block.extend_from_slice(&[0, 3, 1, 2, 3, 2, 2, 0x0a, 0x00]);
    seeds.push(("finalize_block", "send_raw_injected", block));

    // A signed voucher, with its key in front.
    let key = weave_voucher::SigningKey::from([5u8; 32]);
    let v = weave_voucher::Voucher::decode(
        &chan::Voucher {
            chain_id: weave_fuzz::CHAIN_ID.into(),
            channel_id: 1,
            seeder: to.clone(),
            content_root: vec![3; 32],
            cumulative_bytes: 1 << 20,
            cumulative_amount: "1000".into(),
            nonce: 1,
        }
        .encode_to_vec(),
    )
    .unwrap();
    let signed = v.sign(&key);
    seeds.push((
        "voucher",
        "signed",
        [
            key.verification_key().to_bytes().as_slice(),
            &signed.encode_to_vec(),
        ]
        .concat(),
    ));

    // Sidecar requests and responses, bare and framed (a varint length in front).
    let tree = weave_slices::MerkleTree::new((0..5u8).map(|i| [i; 32]).collect());
    let proof = tree.proof(3).unwrap();
    let requests = [
        ("have", Request::Have { root: [1; 32] }),
        (
            "get",
            Request::Get {
                root: [1; 32],
                index: 3,
            },
        ),
        (
            "probe",
            Request::Probe {
                root: [1; 32],
                index: 0,
            },
        ),
        (
            "pay",
            Request::Pay {
                voucher: signed.voucher.clone(),
                signature: signed.signature.clone().try_into().unwrap(),
            },
        ),
    ];
    for (name, req) in requests {
        let body = protocol::encode_request(&req);
        let mut framed = Vec::new();
        prost::encoding::encode_varint(body.len() as u64, &mut framed);
        framed.extend_from_slice(&body);
        seeds.push(("sidecar_request", name, body));
        seeds.push(("sidecar_frame", name, framed));
    }
    let slice = Response::Slice {
        index: 3,
        ciphertext: vec![0xab; 100],
        proof: proof.clone(),
        signature: [9; 64],
    };
    let (head, tail) = protocol::encode_response(&slice);
    let body = [head.as_slice(), tail].concat();
    let mut framed = Vec::new();
    prost::encoding::encode_varint(body.len() as u64, &mut framed);
    framed.extend_from_slice(&body);
    seeds.push(("sidecar_request", "slice", body));
    seeds.push(("sidecar_frame", "slice", framed));

    // A Merkle proof with its root and leaf.
    seeds.push((
        "merkle_proof",
        "valid",
        [tree.root().as_slice(), &[3u8; 32], &proof.to_bytes()].concat(),
    ));

    // ABCI: Echo, Flush, Info, CheckTx, length-prefixed as CometBFT sends them.
    use tendermint_proto::v0_38::abci::{
        request::Value, Request as AbciRequest, RequestCheckTx, RequestEcho, RequestFlush,
        RequestInfo,
    };
    let mut stream = Vec::new();
    for value in [
        Value::Echo(RequestEcho {
            message: "hello".into(),
        }),
        Value::Info(RequestInfo::default()),
        Value::CheckTx(RequestCheckTx {
            tx: send.clone().into(),
            r#type: 0,
        }),
        Value::Flush(RequestFlush {}),
    ] {
        AbciRequest { value: Some(value) }
            .encode_length_delimited(&mut stream)
            .unwrap();
    }
    seeds.push(("abci_framing", "echo_info_check_flush", stream));

    // A probe report of 10 challenges.
    let challenges: Vec<weave_seeders::Challenge> = (0..10u64)
        .map(|i| weave_seeders::Challenge {
            seeder: weave_kernel::Address::new([4; 20]),
            root: [5; 32],
            slice_index: i,
        })
        .collect();
    let outcomes: Vec<weave_seeders::ProbeOutcome> = (0..10)
        .map(|i| {
            if i % 3 == 0 {
                weave_seeders::ProbeOutcome::Failed
            } else {
                weave_seeders::ProbeOutcome::Passed
            }
        })
        .collect();
    let report = weave_seeders::ProbeReport::new(12, &challenges, &outcomes);
    seeds.push(("probe_report", "ten", [&[10u8][..], &report.to_bytes()].concat()));

    for (target, name, bytes) in seeds {
        assert!(TARGETS.iter().any(|(t, _)| *t == target), "{target}");
        let d = dir.join(target);
        std::fs::create_dir_all(&d)?;
        std::fs::write(d.join(name), bytes)?;
    }
    println!("seeds written to {}", dir.display());
    Ok(())
}
