//! `SIGN_MODE_LEGACY_AMINO_JSON`: a signer signs the amino JSON `StdSignDoc`, written
//! here by hand from the Cosmos SDK's rules (sorted keys, compact, amounts and 64-bit
//! numbers as strings, `{type, value}` messages), and the chain accepts it; a tampered
//! doc or a mode that does not match what was signed is refused with `sdk:4`. Also the
//! ABCI queries CosmJS sends: Simulate (as CosmJS builds it), SupplyOf, Params,
//! DenomMetadata, a missing account, and a balance at a past height.

use cosmos_sdk_proto::cosmos::{
    bank::v1beta1 as cbank,
    tx::{
        signing::v1beta1::SignMode,
        v1beta1::{mode_info, ModeInfo, SimulateRequest, SimulateResponse, TxRaw},
    },
};
use prost::Message;
use tendermint_proto::v0_38::abci::RequestQuery;

use crate::harness::*;

fn amino_mode() -> Option<ModeInfo> {
    mode(SignMode::LegacyAminoJson)
}

fn mode(m: SignMode) -> Option<ModeInfo> {
    Some(ModeInfo {
        sum: Some(mode_info::Sum::Single(mode_info::Single { mode: m as i32 })),
    })
}

/// The body and auth info of `b` in amino mode, signed over `doc`.
fn signed_over(b: &TxBuilder, key: &TestKey, doc: &str, sign_mode: SignMode) -> Vec<u8> {
    let (body, mut auth) = b.parts(key);
    auth.signer_infos[0].mode_info = mode(sign_mode);
    TxRaw {
        body_bytes: body.encode_to_vec(),
        auth_info_bytes: auth.encode_to_vec(),
        signatures: vec![key.sign(doc.as_bytes())],
    }
    .encode_to_vec()
}

/// The StdSignDoc of a cosmos-sdk/MsgSend, as the SDK (and CosmJS) would serialize it.
fn send_doc(b: &TxBuilder, from: &str, to: &str, amount: u128, memo: &str) -> String {
    format!(
        concat!(
            r#"{{"account_number":"{an}","chain_id":"{chain}","#,
            r#""fee":{{"amount":[{{"amount":"{fee}","denom":"uweave"}}],"gas":"{gas}"}},"#,
            r#""memo":"{memo}","#,
            r#""msgs":[{{"type":"cosmos-sdk/MsgSend","value":{{"amount":[{{"amount":"{amount}","denom":"uweave"}}],"from_address":"{from}","to_address":"{to}"}}}}],"#,
            r#""sequence":"{seq}"}}"#
        ),
        an = b.account_number,
        chain = b.chain_id,
        fee = FEE,
        gas = b.gas_limit,
        memo = memo,
        amount = amount,
        from = from,
        to = to,
        seq = b.sequence,
    )
}

#[test]
fn an_amino_signed_send_is_accepted_and_a_tampered_one_refused() {
    let mut chain = TestChain::new();
    let (a, b) = (chain.addr(0), chain.addr(1));
    let key = chain.keys[0].clone();
    let builder = chain
        .tx(&key, vec![msg::cosmos_send(&a, &b, 1_234)])
        .memo("a <b> & c");
    let doc = send_doc(
        &builder,
        &a.to_string(),
        &b.to_string(),
        1_234,
        r"a \u003cb\u003e \u0026 c",
    );

    // The signature over the hand-written doc verifies.
    let good = signed_over(&builder, &key, &doc, SignMode::LegacyAminoJson);
    // Tampered: the doc signed says another amount than the message carries.
    let tampered_doc = send_doc(
        &builder,
        &a.to_string(),
        &b.to_string(),
        1_235,
        r"a \u003cb\u003e \u0026 c",
    );
    let tampered = signed_over(&builder, &key, &tampered_doc, SignMode::LegacyAminoJson);
    // Signed in amino JSON but declared SIGN_MODE_DIRECT, and the other way round.
    let amino_as_direct = signed_over(&builder, &key, &doc, SignMode::Direct);
    let direct_as_amino = {
        let mut raw = builder.sign_raw(&key);
        let mut auth =
            cosmos_sdk_proto::cosmos::tx::v1beta1::AuthInfo::decode(raw.auth_info_bytes.as_slice())
                .unwrap();
        auth.signer_infos[0].mode_info = amino_mode();
        raw.auth_info_bytes = auth.encode_to_vec();
        raw.encode_to_vec()
    };
    // No sign mode: only simulation takes it.
    let unspecified = signed_over(&builder, &key, &doc, SignMode::Unspecified);
    // SIGN_MODE_TEXTUAL is not supported.
    let textual = signed_over(&builder, &key, &doc, SignMode::Textual);

    for (name, tx, code) in [
        ("tampered doc", &tampered, 4),
        ("amino signature declared direct", &amino_as_direct, 4),
        ("direct signature declared amino", &direct_as_amino, 4),
        ("unspecified mode", &unspecified, 37),
        ("textual mode", &textual, 37),
    ] {
        let res = chain.check(tx);
        assert_eq!(
            (res.codespace.as_str(), res.code),
            ("sdk", code),
            "{name}: {}",
            res.log
        );
    }
    let res = chain.check(&good);
    assert_eq!(res.code, 0, "{}", res.log);
    let block = chain.deliver_block(&[good]);
    assert_ok(&block.tx_results[0]);
    assert_eq!(chain.balance(&b), INITIAL_BALANCE + 1_234);
    assert_eq!(chain.balance(&a), INITIAL_BALANCE - 1_234 - FEE);
    assert_eq!(chain.sequence(&a), 1);
}

/// A Weave message in amino JSON: its fields come from the descriptor, with empty ones
/// left out (`collateral`), bytes in base64 and 64-bit numbers as strings.
#[test]
fn an_amino_signed_weave_message_is_accepted() {
    use weave_proto::weave::channels::v1::MsgOpenChannel;
    let mut chain = TestChain::new();
    let a = chain.addr(0);
    let key = chain.keys[0].clone();
    use base64::Engine as _;
    let voucher_key = ed25519_consensus::SigningKey::from([9u8; 32])
        .verification_key()
        .to_bytes();
    let open = MsgOpenChannel {
        payer: a.to_string(),
        deposit: "1000".into(),
        voucher_key: voucher_key.to_vec(),
        expiry_height: 1_000,
        collateral: String::new(),
    };
    let builder = chain.tx(
        &key,
        vec![weave_kernel::Any {
            type_url: "/weave.channels.v1.MsgOpenChannel".into(),
            value: open.encode_to_vec(),
        }],
    );
    let doc = format!(
        concat!(
            r#"{{"account_number":"{}","chain_id":"{}","#,
            r#""fee":{{"amount":[{{"amount":"{}","denom":"uweave"}}],"gas":"{}"}},"memo":"","#,
            r#""msgs":[{{"type":"weave/channels/MsgOpenChannel","value":{{"deposit":"1000","expiry_height":"1000","payer":"{}","voucher_key":"{}"}}}}],"#,
            r#""sequence":"0"}}"#
        ),
        builder.account_number,
        CHAIN_ID,
        FEE,
        GAS_LIMIT,
        a,
        base64::engine::general_purpose::STANDARD.encode(voucher_key)
    );
    let tx = signed_over(&builder, &key, &doc, SignMode::LegacyAminoJson);
    let res = chain.check(&tx);
    assert_eq!(res.code, 0, "{}", res.log);
    let block = chain.deliver_block(&[tx]);
    assert_ok(&block.tx_results[0]);
    assert_eq!(chain.balance(&a), INITIAL_BALANCE - 1_000 - FEE);
}

/// CosmJS simulates with an empty fee (gas 0) and SIGN_MODE_UNSPECIFIED over ABCI
/// Query; the answer is the gas the real transaction uses (before its signature bytes).
#[test]
fn simulate_over_abci_query_takes_what_cosmjs_sends() {
    let mut chain = TestChain::new();
    let (a, b) = (chain.addr(0), chain.addr(1));
    let key = chain.keys[0].clone();
    let mut builder = chain.tx(&key, vec![msg::send(&a, &b, 500)]);
    builder.gas_limit = 0;
    builder.fee = vec![];
    let (body, mut auth) = builder.parts(&key);
    auth.signer_infos[0].mode_info = mode(SignMode::Unspecified);
    let tx = TxRaw {
        body_bytes: body.encode_to_vec(),
        auth_info_bytes: auth.encode_to_vec(),
        signatures: vec![vec![]],
    }
    .encode_to_vec();
    // CheckTx refuses it: gas 0.
    assert_eq!(chain.check(&tx).code, 36);
    let res: SimulateResponse = chain.query(
        weave_app::SIMULATE_QUERY_PATH,
        &SimulateRequest {
            tx_bytes: tx.clone(),
            ..Default::default()
        },
    );
    let gas = res.gas_info.unwrap().gas_used;
    assert!(gas > 10_000, "{gas}");
    assert!(res
        .result
        .unwrap()
        .events
        .iter()
        .any(|e| e.r#type == "weave.bank.v1.EventTransfer"));
    // The real transaction fits in 1.3 times that (CosmJS's "auto" multiplier).
    let real = chain
        .tx(&key, vec![msg::send(&a, &b, 500)])
        .gas(gas * 13 / 10);
    let block = chain.deliver_block(&[real.sign(&key)]);
    assert_ok(&block.tx_results[0]);
    assert!(block.tx_results[0].gas_used as u64 <= gas * 13 / 10);

    // A failing simulation is an error with the message's code.
    let mut poor = chain.tx(&key, vec![msg::send(&a, &b, 10 * INITIAL_BALANCE)]);
    poor.gas_limit = 0;
    poor.fee = vec![];
    let res = chain.query_raw(
        weave_app::SIMULATE_QUERY_PATH,
        SimulateRequest {
            tx_bytes: poor.sign(&key),
            ..Default::default()
        }
        .encode_to_vec(),
    );
    assert_eq!(
        (res.codespace.as_str(), res.code),
        ("sdk", 5),
        "{}",
        res.log
    );
    assert!(res.log.contains("gas used"), "{}", res.log);
    let res = chain.query_raw(weave_app::SIMULATE_QUERY_PATH, vec![0xff, 0xff]);
    assert_eq!(res.code, 2, "{}", res.log);
}

#[test]
fn the_bank_queries_cosmjs_sends_are_answered_also_at_past_heights() {
    let mut chain = TestChain::new();
    let (a, b) = (chain.addr(0), chain.addr(1));
    let supply: cbank::QuerySupplyOfResponse = chain.query(
        "/cosmos.bank.v1beta1.Query/SupplyOf",
        &cbank::QuerySupplyOfRequest {
            denom: DENOM.into(),
        },
    );
    assert_eq!(
        supply.amount.unwrap().amount,
        chain.total_supply().to_string()
    );
    let none: cbank::QuerySupplyOfResponse = chain.query(
        "/cosmos.bank.v1beta1.Query/SupplyOf",
        &cbank::QuerySupplyOfRequest {
            denom: "uother".into(),
        },
    );
    assert_eq!(none.amount.unwrap().amount, "0");
    let params: cbank::QueryParamsResponse = chain.query(
        "/cosmos.bank.v1beta1.Query/Params",
        &cbank::QueryParamsRequest {},
    );
    assert!(params.params.unwrap().default_send_enabled);
    let meta: cbank::QueryDenomMetadataResponse = chain.query(
        "/cosmos.bank.v1beta1.Query/DenomMetadata",
        &cbank::QueryDenomMetadataRequest {
            denom: DENOM.into(),
        },
    );
    let meta = meta.metadata.unwrap();
    assert_eq!(
        (meta.base.as_str(), meta.display.as_str()),
        (DENOM, "weave")
    );
    let res = chain.query_raw(
        "/cosmos.bank.v1beta1.Query/DenomMetadata",
        cbank::QueryDenomMetadataRequest {
            denom: "uother".into(),
        }
        .encode_to_vec(),
    );
    assert_eq!(res.code, 22);
    // CosmJS's getAccount answers null on this wording.
    let stranger = TestKey::secp256k1(200).address();
    let res = chain.query_raw(
        "/cosmos.auth.v1beta1.Query/Account",
        cosmos_sdk_proto::cosmos::auth::v1beta1::QueryAccountRequest {
            address: stranger.to_string(),
        }
        .encode_to_vec(),
    );
    assert_eq!(res.code, 22);
    assert!(
        res.log.contains("rpc error: code = NotFound"),
        "{}",
        res.log
    );

    chain.deliver_block(&[]);
    let before = chain.height;
    let tx = chain.send(0, &b, 7_000);
    assert_ok(&chain.deliver_block(&[tx]).tx_results[0]);
    let at = |path: &str, data: Vec<u8>, height: i64| {
        chain.app().query(RequestQuery {
            data: data.into(),
            path: path.into(),
            height,
            prove: false,
        })
    };
    let balance_req = cbank::QueryBalanceRequest {
        address: b.to_string(),
        denom: DENOM.into(),
    }
    .encode_to_vec();
    for (height, want) in [
        (before, INITIAL_BALANCE),
        (chain.height, INITIAL_BALANCE + 7_000),
    ] {
        let res = at(
            "/cosmos.bank.v1beta1.Query/Balance",
            balance_req.clone(),
            height,
        );
        assert_eq!(res.code, 0, "{}", res.log);
        assert_eq!(res.height, height);
        let coin = cbank::QueryBalanceResponse::decode(res.value.as_ref())
            .unwrap()
            .balance
            .unwrap();
        assert_eq!(coin.amount, want.to_string());
    }
    let account_req = cosmos_sdk_proto::cosmos::auth::v1beta1::QueryAccountRequest {
        address: a.to_string(),
    }
    .encode_to_vec();
    let res = at("/cosmos.auth.v1beta1.Query/Account", account_req, before);
    assert_eq!(res.code, 0, "{}", res.log);
    // A scan at a past height is refused, and so is a height not committed.
    let all = cbank::QueryAllBalancesRequest {
        address: b.to_string(),
        ..Default::default()
    }
    .encode_to_vec();
    assert_eq!(
        at("/cosmos.bank.v1beta1.Query/AllBalances", all, before).code,
        18
    );
    assert_eq!(
        at(
            "/cosmos.bank.v1beta1.Query/Balance",
            balance_req,
            chain.height + 5
        )
        .code,
        18
    );
}

/// Every routed message type has an amino name that a Ledger accepts (at most 39
/// characters), and no two share one.
#[test]
fn every_routed_message_has_a_short_unique_amino_name() {
    let chain = TestChain::new();
    let mut names = std::collections::BTreeSet::new();
    for module in chain.app().router().modules() {
        for url in module.message_types() {
            let name = weave_app::amino::amino_name(url)
                .unwrap_or_else(|| panic!("{url} has no amino name"));
            assert!(name.len() <= weave_app::amino::MAX_AMINO_NAME, "{name}");
            assert!(names.insert(name.clone()), "{name} twice");
        }
    }
    assert!(names.len() >= 47, "{}", names.len());
}
