//! Bad input: every malformed or unauthorized transaction gets its stable code from
//! CheckTx and changes nothing; in a block, those that fail before paying the fee leave
//! no trace at all.

use cosmos_sdk_proto::cosmos::{
    base::v1beta1::Coin as ProtoCoin,
    tx::{
        signing::v1beta1::SignMode,
        v1beta1::{mode_info, ModeInfo, TxRaw},
    },
};
use k256::ecdsa::Signature;
use prost::Message;

use crate::harness::*;

struct Case {
    name: &'static str,
    tx: Vec<u8>,
    code: u32,
    /// The ante checks pass, so in a block the fee is charged and the sequence bumped.
    pays_fee_in_block: bool,
}

fn case(name: &'static str, tx: Vec<u8>, code: u32) -> Case {
    Case {
        name,
        tx,
        code,
        pays_fee_in_block: false,
    }
}

fn unknown_any() -> weave_kernel::Any {
    weave_kernel::Any {
        type_url: "/weave.nope.v1.MsgNope".into(),
        value: vec![],
    }
}

fn other_denom(amount: u128) -> ProtoCoin {
    ProtoCoin {
        denom: "ustake".into(),
        amount: amount.to_string(),
    }
}

/// The same signature with S replaced by n - S: valid ECDSA, but malleable, so the
/// chain accepts only the low-S form.
fn high_s(mut raw: TxRaw) -> TxRaw {
    let sig = Signature::from_slice(&raw.signatures[0]).unwrap();
    assert!(
        sig.normalize_s().is_none(),
        "signers produce low-S signatures"
    );
    let (r, s) = sig.split_scalars();
    let high = Signature::from_scalars(r, -s).unwrap();
    assert!(high.normalize_s().is_some());
    raw.signatures[0] = high.to_bytes().to_vec();
    raw
}

/// The cases: all but two are signed by account 0, whose committed sequence is 1; the
/// others by account 1 (which has never signed) and the ed25519 account 4.
fn bad_cases(chain: &TestChain) -> Vec<Case> {
    let key = &chain.keys[0];
    let (a, b) = (chain.addr(0), chain.addr(1));
    let good = || chain.tx(key, vec![msg::send(&a, &b, 10)]);
    assert_eq!(good().sequence, 1);

    let mut bad_sig = good().sign_raw(key);
    bad_sig.signatures[0][10] ^= 0x01;
    let mut other_signer = good().sign_raw(key);
    other_signer.signatures[0] = chain.keys[1].sign(b"some other document");
    let mut no_sigs = good().sign_raw(key);
    no_sigs.signatures.clear();
    let garbage_body = TxRaw {
        body_bytes: vec![0xff; 7],
        ..good().sign_raw(key)
    };
    let unknown = unknown_any();
    let cosmos_prefix = "cosmos1qypqxpq9qcrsszg2pvxq6rs0zqg3yyc5lzv7xu";

    vec![
        case("malformed bytes", vec![0xff; 16], 2),
        case("garbage body", garbage_body.encode_to_vec(), 2),
        case(
            "unknown message type",
            chain.tx(key, vec![unknown]).sign(key),
            6,
        ),
        case(
            "wrong chain id",
            good().chain_id("other-chain").sign(key),
            4,
        ),
        case("bad signature", bad_sig.encode_to_vec(), 4),
        case(
            "signature over another document",
            other_signer.encode_to_vec(),
            4,
        ),
        case("future sequence", good().sequence(5).sign(key), 32),
        case("reused sequence", good().sequence(0).sign(key), 32),
        case("fee below the minimum", good().fee(FEE - 1).sign(key), 13),
        case("no fee", good().fee_coins(vec![]).sign(key), 13),
        Case {
            pays_fee_in_block: true,
            ..case(
                "insufficient funds",
                chain
                    .tx(key, vec![msg::send(&a, &b, 10 * INITIAL_BALANCE)])
                    .sign(key),
                5,
            )
        },
        case(
            "invalid recipient address",
            chain
                .tx(
                    key,
                    vec![msg::send_raw(&a.to_string(), "weave1invalid", DENOM, "1")],
                )
                .sign(key),
            7,
        ),
        case(
            "recipient with a cosmos1 address",
            chain
                .tx(
                    key,
                    vec![msg::send_raw(&a.to_string(), cosmos_prefix, DENOM, "1")],
                )
                .sign(key),
            7,
        ),
        case(
            "amount overflows u128",
            chain
                .tx(
                    key,
                    vec![msg::send_raw(
                        &a.to_string(),
                        &b.to_string(),
                        DENOM,
                        "340282366920938463463374607431768211456",
                    )],
                )
                .sign(key),
            10,
        ),
        case(
            "negative amount",
            chain
                .tx(
                    key,
                    vec![msg::send_raw(&a.to_string(), &b.to_string(), DENOM, "-1")],
                )
                .sign(key),
            10,
        ),
        case("memo too large", good().memo("m".repeat(257)).sign(key), 12),
        case("no signatures", no_sigs.encode_to_vec(), 15),
        case("gas limit 0", good().gas(0).fee(FEE).sign(key), 36),
        case(
            "timeout height passed",
            good()
                .sign_edited(key, |body, _| body.timeout_height = 1)
                .encode_to_vec(),
            30,
        ),
        case(
            "fee in another denomination",
            good().fee_coins(vec![other_denom(FEE)]).sign(key),
            10,
        ),
        case(
            "no fee field",
            good()
                .sign_edited(key, |_, auth| auth.fee = None)
                .encode_to_vec(),
            13,
        ),
        case(
            "public key of another account",
            good()
                .sign_edited(key, |_, auth| {
                    auth.signer_infos[0].public_key = Some(chain.keys[1].pub_key_any())
                })
                .encode_to_vec(),
            8,
        ),
        case(
            "first transaction without a public key",
            chain
                .tx(&chain.keys[1], vec![msg::send(&b, &a, 1)])
                .without_pub_key()
                .sign(&chain.keys[1]),
            8,
        ),
        case(
            "two signer infos for one signer",
            good()
                .sign_edited(key, |_, auth| {
                    let again = auth.signer_infos[0].clone();
                    auth.signer_infos.push(again);
                })
                .encode_to_vec(),
            14,
        ),
        case(
            "textual sign mode",
            good()
                .sign_edited(key, |_, auth| {
                    auth.signer_infos[0].mode_info = Some(ModeInfo {
                        sum: Some(mode_info::Sum::Single(mode_info::Single {
                            mode: SignMode::Textual as i32,
                        })),
                    })
                })
                .encode_to_vec(),
            37,
        ),
        case(
            "extension option",
            good()
                .sign_edited(key, |body, _| body.extension_options.push(unknown_any()))
                .encode_to_vec(),
            37,
        ),
        case(
            "fee payer",
            good()
                .sign_edited(key, |_, auth| {
                    auth.fee.as_mut().unwrap().payer = b.to_string();
                })
                .encode_to_vec(),
            37,
        ),
        case("no messages", chain.tx(key, vec![]).sign(key), 18),
        case(
            "too many messages",
            chain.tx(key, vec![msg::send(&a, &b, 1); 65]).sign(key),
            18,
        ),
        case(
            "larger than 1 MiB",
            good()
                .sign_edited(key, |body, _| body.memo = "m".repeat(1 << 20))
                .encode_to_vec(),
            21,
        ),
        case(
            "high-S secp256k1 signature",
            high_s(good().sign_raw(key)).encode_to_vec(),
            4,
        ),
        case(
            "bad ed25519 signature",
            {
                let ed = &chain.keys[4];
                let mut raw = chain
                    .tx(ed, vec![msg::send(&ed.address(), &b, 1)])
                    .sign_raw(ed);
                raw.signatures[0][0] ^= 0x01;
                raw.encode_to_vec()
            },
            4,
        ),
        case(
            "gas limit above the maximum",
            good().gas(100_000_001).fee(10_000_000).sign(key),
            36,
        ),
    ]
}

#[test]
fn bad_transactions_get_stable_codes_and_change_nothing() {
    let mut chain = TestChain::new();
    let mut reference = TestChain::new();
    let (a, b) = (chain.addr(0), chain.addr(1));
    let setup = chain.send(0, &b, 100);
    assert_ok(&chain.deliver_block(std::slice::from_ref(&setup)).tx_results[0]);
    assert_ok(&reference.deliver_block(&[setup]).tx_results[0]);

    let e = chain.addr(4);
    let snapshot = |chain: &TestChain| {
        (
            [a, b, e, fee_collector()].map(|x| chain.balance(&x)),
            [a, b, e].map(|x| chain.account(&x).unwrap()),
        )
    };
    let before = snapshot(&chain);
    let cases = bad_cases(&chain);
    for c in &cases {
        let r = chain.check(&c.tx);
        assert_eq!(
            (r.code, r.codespace.as_str()),
            (c.code, "sdk"),
            "{}: got {}:{} {}",
            c.name,
            r.codespace,
            r.code,
            r.log
        );
        assert!(!r.log.is_empty(), "{}: an error explains itself", c.name);
        assert!(snapshot(&chain) == before, "{} changed state", c.name);
    }

    // The check state kept nothing either: the next good transaction still fits.
    let good = chain.send(0, &b, 10);
    assert_eq!(chain.check(&good).code, 0);

    // Delivered in a block (bypassing CheckTx), the transactions that fail before the
    // fee leave the state exactly as an empty block does.
    let no_fee: Vec<Vec<u8>> = cases
        .iter()
        .filter(|c| !c.pays_fee_in_block)
        .map(|c| c.tx.clone())
        .collect();
    let res = chain.deliver_block(&no_fee);
    let codes: Vec<u32> = res.tx_results.iter().map(|r| r.code).collect();
    let expected: Vec<u32> = cases
        .iter()
        .filter(|c| !c.pays_fee_in_block)
        .map(|c| c.code)
        .collect();
    assert_eq!(codes, expected);
    assert!(res.tx_results.iter().all(|r| r.events.is_empty()));
    let empty = reference.deliver_block(&[]);
    assert_eq!(res.app_hash, empty.app_hash);
    assert!(snapshot(&chain) == before);
}
