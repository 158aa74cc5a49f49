//! Bad input: every malformed or unauthorized transaction gets its stable code from
//! CheckTx and changes nothing; in a block, those that fail before paying the fee leave
//! no trace at all.

use cosmos_sdk_proto::cosmos::tx::v1beta1::TxRaw;
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

/// Every case is signed by account 0, whose committed sequence is 1.
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
    let unknown = weave_kernel::Any {
        type_url: "/weave.nope.v1.MsgNope".into(),
        value: vec![],
    };
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

    let before = (
        chain.balance(&a),
        chain.balance(&b),
        chain.balance(&fee_collector()),
        chain.sequence(&a),
    );
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
        let now = (
            chain.balance(&a),
            chain.balance(&b),
            chain.balance(&fee_collector()),
            chain.sequence(&a),
        );
        assert_eq!(now, before, "{} changed state", c.name);
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
    assert_eq!(chain.sequence(&a), 1);
}
