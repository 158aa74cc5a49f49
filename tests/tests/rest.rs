//! The Cosmos REST API against a real node: every route answers what the gRPC API
//! answers (the JSON decoded into the same proto types), `GetTxsEvent` searches by
//! sender, recipient, message type and content id with pagination over gRPC and REST, and gRPC
//! reflection lists and describes the `cosmos.*` services (the REST JSON is read with
//! the descriptors reflection gives).
#![allow(clippy::unwrap_used)]

use std::{
    collections::BTreeSet,
    fmt::Debug,
    io::{Read, Write},
    net::TcpStream,
    time::Duration,
};

use anyhow::Context as _;
use base64::Engine as _;
use cosmos_sdk_proto::cosmos::{
    auth::v1beta1::{
        query_client::QueryClient as AuthClient, QueryAccountInfoRequest, QueryAccountRequest,
        QueryParamsRequest as AuthParamsRequest,
    },
    bank::v1beta1::{
        query_client::QueryClient as BankClient, QueryAllBalancesRequest, QueryBalanceRequest,
        QuerySupplyOfRequest, QueryTotalSupplyRequest,
    },
    base::tendermint::v1beta1::{
        service_client::ServiceClient as TendermintClient, GetBlockByHeightRequest,
        GetNodeInfoRequest, GetSyncingRequest, GetValidatorSetByHeightRequest,
    },
    tx::v1beta1::{
        service_client::ServiceClient as TxClient, BroadcastMode, BroadcastTxRequest,
        GetBlockWithTxsRequest, GetTxRequest, GetTxsEventRequest, OrderBy, SimulateRequest,
        TxDecodeRequest,
    },
};
use prost::Message;
use prost_reflect::{DescriptorPool, DynamicMessage, ReflectMessage as _};
use serde_json::Value;
use tonic::transport::Channel;
use tonic_reflection::pb::v1::{
    server_reflection_client::ServerReflectionClient, server_reflection_request::MessageRequest,
    server_reflection_response::MessageResponse, ServerReflectionRequest,
};
use weave_e2e::Node;

const HEIGHT: &str = "x-cosmos-block-height";

/// An HTTP/1.0 request on loopback: the status, the `x-cosmos-block-height` header and
/// the body as JSON.
fn http(port: u16, method: &str, path: &str, body: Option<&Value>) -> (u16, Option<i64>, Value) {
    let mut s = TcpStream::connect(("127.0.0.1", port)).expect("connect");
    s.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
    let body = body.map(Value::to_string).unwrap_or_default();
    write!(
        s,
        "{method} {path} HTTP/1.0\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    )
    .unwrap();
    let mut buf = Vec::new();
    s.read_to_end(&mut buf).unwrap();
    let text = String::from_utf8_lossy(&buf);
    let (head, body) = text.split_once("\r\n\r\n").expect("HTTP body");
    let status = head.split(' ').nth(1).unwrap().parse().unwrap();
    let height = head.lines().find_map(|l| {
        let (k, v) = l.split_once(':')?;
        k.eq_ignore_ascii_case(HEIGHT)
            .then(|| v.trim().parse().ok())
            .flatten()
    });
    let json = serde_json::from_str(body).unwrap_or_else(|e| panic!("{path}: {e}: {body}"));
    (status, height, json)
}

fn get(port: u16, path: &str) -> Value {
    let (status, _, json) = http(port, "GET", path, None);
    assert_eq!(status, 200, "GET {path}: {json}");
    json
}

/// The REST JSON, read as `name` with the served descriptors, decodes to `grpc`.
fn same<T: Message + Default + PartialEq + Debug>(
    pool: &DescriptorPool,
    name: &str,
    json: &Value,
    grpc: &T,
) {
    let desc = pool
        .get_message_by_name(name)
        .unwrap_or_else(|| panic!("{name} is not described by reflection"));
    // prost-reflect reads only `type.googleapis.com/` type URLs in `Any`s; Cosmos
    // writes `/<name>`.
    let mut lengthened = json.clone();
    json_type_urls(&mut lengthened);
    let mut dynamic = DynamicMessage::deserialize(desc, lengthened)
        .unwrap_or_else(|e| panic!("{name} from {json}: {e}"));
    shorten_type_urls(&mut dynamic);
    let typed = T::decode(dynamic.encode_to_vec().as_slice()).expect(name);
    assert_eq!(&typed, grpc, "{name}: REST {json}");
}

/// `"@type": "/x"` becomes `"@type": "type.googleapis.com/x"`, everywhere.
fn json_type_urls(json: &mut Value) {
    match json {
        Value::Object(map) => {
            for (key, v) in map.iter_mut() {
                match v {
                    Value::String(url) if key == "@type" && url.starts_with('/') => {
                        *url = format!("type.googleapis.com{url}");
                    }
                    _ => json_type_urls(v),
                }
            }
        }
        Value::Array(list) => list.iter_mut().for_each(json_type_urls),
        _ => {}
    }
}

/// Every `Any`'s `type.googleapis.com/x` back to `/x`, payloads included.
fn shorten_type_urls(message: &mut DynamicMessage) {
    use prost_reflect::Value as V;
    fn walk(v: &mut V) {
        match v {
            V::Message(m) => shorten_type_urls(m),
            V::List(list) => list.iter_mut().for_each(walk),
            V::Map(map) => map.values_mut().for_each(walk),
            _ => {}
        }
    }
    if message.descriptor().full_name() == "google.protobuf.Any" {
        let any: prost_types::Any = message.transcode_to().unwrap();
        let name = any.type_url.rsplit_once('/').unwrap().1.to_string();
        let pool = message.descriptor().parent_pool().clone();
        let mut value = any.value;
        if let Some(desc) = pool.get_message_by_name(&name) {
            let mut payload = DynamicMessage::decode(desc, value.as_slice()).unwrap();
            shorten_type_urls(&mut payload);
            value = payload.encode_to_vec();
        }
        message.clear();
        message
            .transcode_from(&prost_types::Any {
                type_url: format!("/{name}"),
                value,
            })
            .unwrap();
        return;
    }
    for (_, v) in message.fields_mut() {
        walk(v);
    }
}

/// The REST answer at `path` with `height=H` and the gRPC call `$grpc` at the same H,
/// the latest height; asked again when a block came between them.
macro_rules! pinned {
    ($port:expr, $path:expr, |$h:ident| $grpc:expr) => {{
        let path: String = $path;
        let mut tries = 0;
        loop {
            tries += 1;
            let (_, latest, _) = http($port, "GET", "/cosmos/bank/v1beta1/supply", None);
            let $h: i64 = latest.expect("x-cosmos-block-height on a state query");
            let sep = if path.contains('?') { '&' } else { '?' };
            let (status, answered, json) =
                http($port, "GET", &format!("{path}{sep}height={}", $h), None);
            match $grpc.await {
                Ok(res) if status == 200 => {
                    assert_eq!(answered, Some($h), "{path}");
                    break (json, res.into_inner());
                }
                _ if tries < 20 => continue,
                Err(e) => panic!("{path}: gRPC {e:?}; REST {status} {json}"),
                Ok(_) => panic!("{path}: REST {status} {json}"),
            }
        }
    }};
}

/// `message` with the number after "latest height " taken out: the REST read and the
/// gRPC read it is compared with may see different latest heights.
fn without_latest_height(message: &str) -> String {
    const MARK: &str = "latest height ";
    match message.find(MARK) {
        Some(at) => {
            let (head, tail) = message.split_at(at + MARK.len());
            format!(
                "{head}{}",
                tail.trim_start_matches(|c: char| c.is_ascii_digit())
            )
        }
        None => message.to_owned(),
    }
}

/// A gRPC request at a height.
fn at<T>(height: i64, message: T) -> tonic::Request<T> {
    let mut r = tonic::Request::new(message);
    r.metadata_mut().insert(HEIGHT, height.into());
    r
}

/// Every file the node's reflection service knows for `symbols`, with their imports,
/// in one pool; and the services it lists.
async fn reflected(channel: Channel, symbols: &[&str]) -> (DescriptorPool, Vec<String>) {
    let mut client = ServerReflectionClient::new(channel);
    let ask = |request: MessageRequest| ServerReflectionRequest {
        host: String::new(),
        message_request: Some(request),
    };
    let mut requests = vec![ask(MessageRequest::ListServices(String::new()))];
    requests.extend(
        symbols
            .iter()
            .map(|s| ask(MessageRequest::FileContainingSymbol(s.to_string()))),
    );
    let mut services = Vec::new();
    let mut files: Vec<prost_types::FileDescriptorProto> = Vec::new();
    let mut wanted: BTreeSet<String> = BTreeSet::new();
    loop {
        let mut answers = client
            .server_reflection_info(tokio_stream::iter(requests))
            .await
            .expect("reflection")
            .into_inner();
        while let Some(answer) = answers.message().await.expect("reflection answer") {
            match answer.message_response.expect("a response") {
                MessageResponse::ListServicesResponse(list) => {
                    services = list.service.into_iter().map(|s| s.name).collect();
                }
                MessageResponse::FileDescriptorResponse(fds) => {
                    for bytes in fds.file_descriptor_proto {
                        let file = prost_types::FileDescriptorProto::decode(bytes.as_slice())
                            .expect("a file descriptor");
                        wanted.extend(file.dependency.iter().cloned());
                        if !files.iter().any(|f| f.name == file.name) {
                            files.push(file);
                        }
                    }
                }
                MessageResponse::ErrorResponse(e) => panic!("reflection error: {e:?}"),
                other => panic!("unexpected reflection answer {other:?}"),
            }
        }
        let missing: Vec<String> = wanted
            .iter()
            .filter(|w| !files.iter().any(|f| f.name.as_deref() == Some(w.as_str())))
            .cloned()
            .collect();
        if missing.is_empty() {
            break;
        }
        requests = missing
            .into_iter()
            .map(|f| ask(MessageRequest::FileByFilename(f)))
            .collect();
    }
    let mut pool = DescriptorPool::new();
    pool.add_file_descriptor_protos(files)
        .expect("a consistent pool");
    (pool, services)
}

async fn connect(node: &Node) -> Channel {
    tonic::transport::Endpoint::from_shared(node.grpc_url())
        .unwrap()
        .connect()
        .await
        .expect("gRPC")
}

/// Sends `amount` from the funded key to `to`; returns the transaction hash.
fn send(node: &Node, to: &str, amount: &str) -> String {
    let out = node.tx(&["bank", "send", "validator", to, amount]);
    out["txhash"]
        .as_str()
        .with_context(|| format!("no txhash in {out}"))
        .unwrap()
        .to_string()
}

#[tokio::test(flavor = "multi_thread")]
async fn every_rest_route_answers_what_grpc_answers() {
    let mut node = Node::init("weave-rest-1").expect("init");
    node.start().expect("start");
    let port = node.ports.rest;
    let funded = node.funded_address.clone();
    let alice = node.add_key("alice");
    let txhash = send(&node, &alice, "1234uweave");
    let channel = connect(&node).await;

    // Reflection lists the Cosmos services and describes them: the JSON below is read
    // with what it gives.
    let (pool, services) = reflected(
        channel.clone(),
        &[
            "cosmos.tx.v1beta1.Service",
            "cosmos.auth.v1beta1.Query",
            "cosmos.bank.v1beta1.Query",
            "cosmos.base.tendermint.v1beta1.Service",
            "cosmos.auth.v1beta1.BaseAccount",
            "cosmos.crypto.secp256k1.PubKey",
            "cosmos.crypto.ed25519.PubKey",
            "weave.bank.v1.Query",
            "weave.bank.v1.MsgSend",
        ],
    )
    .await;
    for s in [
        "cosmos.tx.v1beta1.Service",
        "cosmos.auth.v1beta1.Query",
        "cosmos.bank.v1beta1.Query",
        "cosmos.base.tendermint.v1beta1.Service",
        "weave.bank.v1.Query",
    ] {
        assert!(services.iter().any(|n| n == s), "{s} in {services:?}");
    }
    let balance = pool
        .get_service_by_name("cosmos.bank.v1beta1.Query")
        .expect("described")
        .methods()
        .find(|m| m.name() == "Balance")
        .expect("Balance");
    assert_eq!(
        balance.input().full_name(),
        "cosmos.bank.v1beta1.QueryBalanceRequest"
    );

    // State queries at one height, so both answers read the same state (module
    // queries answer only at the latest height: a pair that a block came between is
    // asked again).
    let mut auth = AuthClient::new(channel.clone());
    let (json, grpc) = pinned!(
        port,
        format!("/cosmos/auth/v1beta1/accounts/{funded}"),
        |h| auth.account(at(
            h,
            QueryAccountRequest {
                address: funded.clone()
            }
        ))
    );
    assert_eq!(json["account"]["@type"], "/cosmos.auth.v1beta1.BaseAccount");
    same(
        &pool,
        "cosmos.auth.v1beta1.QueryAccountResponse",
        &json,
        &grpc,
    );
    let (json, grpc) = pinned!(
        port,
        format!("/cosmos/auth/v1beta1/account_info/{funded}"),
        |h| auth.account_info(at(
            h,
            QueryAccountInfoRequest {
                address: funded.clone()
            }
        ))
    );
    same(
        &pool,
        "cosmos.auth.v1beta1.QueryAccountInfoResponse",
        &json,
        &grpc,
    );
    let json = get(port, "/cosmos/auth/v1beta1/params");
    let grpc = auth
        .params(AuthParamsRequest {})
        .await
        .unwrap()
        .into_inner();
    same(
        &pool,
        "cosmos.auth.v1beta1.QueryParamsResponse",
        &json,
        &grpc,
    );
    let json = get(port, "/cosmos/auth/v1beta1/bech32");
    assert_eq!(json, serde_json::json!({"bech32_prefix": "weave"}));

    let mut bank = BankClient::new(channel.clone());
    let (json, grpc) = pinned!(
        port,
        format!("/cosmos/bank/v1beta1/balances/{alice}"),
        |h| bank.all_balances(at(
            h,
            QueryAllBalancesRequest {
                address: alice.clone(),
                ..Default::default()
            }
        ))
    );
    assert_eq!(json["balances"][0]["amount"], "1234");
    same(
        &pool,
        "cosmos.bank.v1beta1.QueryAllBalancesResponse",
        &json,
        &grpc,
    );
    let (json, grpc) = pinned!(
        port,
        format!("/cosmos/bank/v1beta1/balances/{funded}/by_denom?denom=uweave"),
        |h| bank.balance(at(
            h,
            QueryBalanceRequest {
                address: funded.clone(),
                denom: "uweave".into(),
            }
        ))
    );
    same(
        &pool,
        "cosmos.bank.v1beta1.QueryBalanceResponse",
        &json,
        &grpc,
    );
    let (json, grpc) = pinned!(port, "/cosmos/bank/v1beta1/supply".to_string(), |h| bank
        .total_supply(at(h, QueryTotalSupplyRequest::default())));
    same(
        &pool,
        "cosmos.bank.v1beta1.QueryTotalSupplyResponse",
        &json,
        &grpc,
    );
    let (json, grpc) = pinned!(
        port,
        "/cosmos/bank/v1beta1/supply/by_denom?denom=uweave".to_string(),
        |h| bank.supply_of(at(
            h,
            QuerySupplyOfRequest {
                denom: "uweave".into()
            }
        ))
    );
    same(
        &pool,
        "cosmos.bank.v1beta1.QuerySupplyOfResponse",
        &json,
        &grpc,
    );

    // A past height is passed on: the node answers it, or refuses it with the
    // application's own words, as gRPC does.
    let tx = TxClient::new(channel.clone())
        .get_tx(GetTxRequest {
            hash: txhash.clone(),
        })
        .await
        .unwrap()
        .into_inner();
    let tx_height = tx.tx_response.as_ref().unwrap().height;
    let (status, answered, json) = http(
        port,
        "GET",
        &format!(
            "/cosmos/bank/v1beta1/balances/{alice}?height={}",
            tx_height - 1
        ),
        None,
    );
    let grpc = bank
        .all_balances(at(
            tx_height - 1,
            QueryAllBalancesRequest {
                address: alice.clone(),
                ..Default::default()
            },
        ))
        .await;
    match grpc {
        Ok(res) => {
            assert_eq!((status, answered), (200, Some(tx_height - 1)), "{json}");
            assert_eq!(json["balances"], serde_json::json!([]));
            same(
                &pool,
                "cosmos.bank.v1beta1.QueryAllBalancesResponse",
                &json,
                &res.into_inner(),
            );
        }
        Err(e) => {
            assert_eq!(status, 400, "{json}");
            assert_eq!(json["code"], e.code() as i32);
            // The two reads are a block apart at most, and the message names the
            // latest height each saw.
            let message = json["message"].as_str().unwrap_or_default();
            assert_eq!(
                without_latest_height(message),
                without_latest_height(e.message()),
                "{json}"
            );
        }
    }

    // Errors as the Cosmos gateway gives them.
    let (status, _, json) = http(
        port,
        "GET",
        "/cosmos/auth/v1beta1/accounts/weave1nope",
        None,
    );
    assert_eq!(status, 400, "{json}");
    assert_eq!(json["code"], 3);
    assert!(
        json["message"].as_str().unwrap().starts_with("sdk:7: "),
        "{json}"
    );
    assert_eq!(json["details"], serde_json::json!([]));
    // A method Weave does not serve (bank params are served since amino's ABCI work).
    let (status, _, json) = http(port, "GET", "/cosmos/bank/v1beta1/denoms_metadata", None);
    assert_eq!((status, json["code"].clone()), (501, 12.into()), "{json}");
    let (status, _, json) = http(port, "GET", "/cosmos/bank/v1beta1/params", None);
    assert_eq!(status, 200, "{json}");
    assert_eq!(json["params"]["default_send_enabled"], true, "{json}");
    let (status, _, json) = http(port, "GET", "/cosmos/nothing/here", None);
    assert_eq!((status, json["code"].clone()), (404, 5.into()), "{json}");
    let (status, _, _) = http(port, "GET", "/cosmos/bank/v1beta1/supply?height=x", None);
    assert_eq!(status, 400);

    // Transactions: get, search, block, decode, simulate and broadcast.
    let mut txs = TxClient::new(channel.clone());
    let json = get(port, &format!("/cosmos/tx/v1beta1/txs/{txhash}"));
    assert_eq!(json["tx_response"]["txhash"], txhash.as_str());
    assert_eq!(
        json["tx"]["body"]["messages"][0]["@type"],
        "/weave.bank.v1.MsgSend"
    );
    same(&pool, "cosmos.tx.v1beta1.GetTxResponse", &json, &tx);
    let json = get(
        port,
        &format!("/cosmos/tx/v1beta1/txs?query=message.sender%3D%27{funded}%27&limit=100"),
    );
    let grpc = txs
        .get_txs_event(GetTxsEventRequest {
            query: format!("message.sender='{funded}'"),
            limit: 100,
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    assert!(grpc.total >= 1);
    same(&pool, "cosmos.tx.v1beta1.GetTxsEventResponse", &json, &grpc);
    let json = get(port, &format!("/cosmos/tx/v1beta1/txs/block/{tx_height}"));
    let grpc = txs
        .get_block_with_txs(GetBlockWithTxsRequest {
            height: tx_height,
            pagination: None,
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(grpc.txs.len(), 1);
    same(
        &pool,
        "cosmos.tx.v1beta1.GetBlockWithTxsResponse",
        &json,
        &grpc,
    );

    let tx_any = tx.tx_response.as_ref().unwrap().tx.as_ref().unwrap();
    let tx_b64 = base64::engine::general_purpose::STANDARD.encode(&tx_any.value);
    let (status, _, json) = http(
        port,
        "POST",
        "/cosmos/tx/v1beta1/decode",
        Some(&serde_json::json!({ "tx_bytes": tx_b64 })),
    );
    assert_eq!(status, 200, "{json}");
    let grpc = txs
        .tx_decode(TxDecodeRequest {
            tx_bytes: tx_any.value.clone(),
        })
        .await
        .unwrap()
        .into_inner();
    same(&pool, "cosmos.tx.v1beta1.TxDecodeResponse", &json, &grpc);
    // The committed transaction again: its sequence is spent, and both say so alike.
    let (status, _, json) = http(
        port,
        "POST",
        "/cosmos/tx/v1beta1/simulate",
        Some(&serde_json::json!({ "tx_bytes": tx_b64 })),
    );
    let err = txs
        .simulate(SimulateRequest {
            tx_bytes: tx_any.value.clone(),
            ..Default::default()
        })
        .await
        .expect_err("a spent sequence");
    assert_eq!(status, 400, "{json}");
    assert_eq!(json["code"], err.code() as i32);
    assert_eq!(json["message"], err.message());
    let (status, _, json) = http(
        port,
        "POST",
        "/cosmos/tx/v1beta1/txs",
        Some(&serde_json::json!({ "tx_bytes": tx_b64, "mode": "BROADCAST_MODE_SYNC" })),
    );
    assert_eq!(status, 200, "{json}");
    assert_ne!(json["tx_response"]["code"], 0, "{json}");
    let grpc = txs
        .broadcast_tx(BroadcastTxRequest {
            tx_bytes: tx_any.value.clone(),
            mode: BroadcastMode::Sync as i32,
        })
        .await
        .unwrap()
        .into_inner();
    same(&pool, "cosmos.tx.v1beta1.BroadcastTxResponse", &json, &grpc);

    // CometBFT's side.
    let mut tm = TendermintClient::new(channel.clone());
    let json = get(port, "/cosmos/base/tendermint/v1beta1/node_info");
    let grpc = tm
        .get_node_info(GetNodeInfoRequest {})
        .await
        .unwrap()
        .into_inner();
    same(
        &pool,
        "cosmos.base.tendermint.v1beta1.GetNodeInfoResponse",
        &json,
        &grpc,
    );
    let json = get(port, "/cosmos/base/tendermint/v1beta1/syncing");
    let grpc = tm
        .get_syncing(GetSyncingRequest {})
        .await
        .unwrap()
        .into_inner();
    same(
        &pool,
        "cosmos.base.tendermint.v1beta1.GetSyncingResponse",
        &json,
        &grpc,
    );
    let json = get(
        port,
        &format!("/cosmos/base/tendermint/v1beta1/blocks/{tx_height}"),
    );
    let grpc = tm
        .get_block_by_height(GetBlockByHeightRequest { height: tx_height })
        .await
        .unwrap()
        .into_inner();
    same(
        &pool,
        "cosmos.base.tendermint.v1beta1.GetBlockByHeightResponse",
        &json,
        &grpc,
    );
    let json = get(port, "/cosmos/base/tendermint/v1beta1/blocks/latest");
    assert!(
        json["block"]["header"]["height"]
            .as_str()
            .unwrap()
            .parse::<i64>()
            .unwrap()
            >= tx_height
    );
    let json = get(
        port,
        &format!("/cosmos/base/tendermint/v1beta1/validatorsets/{tx_height}"),
    );
    let grpc = tm
        .get_validator_set_by_height(GetValidatorSetByHeightRequest {
            height: tx_height,
            pagination: None,
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(grpc.validators.len(), 1);
    same(
        &pool,
        "cosmos.base.tendermint.v1beta1.GetValidatorSetByHeightResponse",
        &json,
        &grpc,
    );
    let json = get(port, "/cosmos/base/tendermint/v1beta1/validatorsets/latest");
    assert_eq!(json["validators"].as_array().unwrap().len(), 1);

    // Weave's modules: /weave/<module>/v1/<method>, GET with the query string or POST
    // with a JSON body.
    use weave_proto::weave::bank::v1 as wbank;
    let mut weave_bank = wbank::query_client::QueryClient::new(channel.clone());
    let (json, grpc) = pinned!(
        port,
        format!("/weave/bank/v1/balance?address={alice}&denom=uweave"),
        |h| weave_bank.balance(at(
            h,
            wbank::QueryBalanceRequest {
                address: alice.clone(),
                denom: "uweave".into(),
            }
        ))
    );
    same(&pool, "weave.bank.v1.QueryBalanceResponse", &json, &grpc);
    let (status, _, posted) = http(
        port,
        "POST",
        "/weave/bank/v1/balance",
        Some(&serde_json::json!({"address": alice, "denom": "uweave"})),
    );
    assert_eq!(status, 200, "{posted}");
    assert_eq!(posted["balance"]["amount"], "1234");
    for module in services
        .iter()
        .filter(|s| s.starts_with("weave.") && s.ends_with(".Query"))
    {
        let name = module.split('.').nth(1).unwrap();
        let (status, _, json) = http(port, "GET", &format!("/weave/{name}/v1/params"), None);
        assert_eq!(status, 200, "{module}: {json}");
        assert!(json.get("params").is_some(), "{module}: {json}");
    }
    let (status, _, json) = http(port, "GET", "/weave/bank/v1/balance?nofield=1", None);
    assert_eq!((status, json["code"].clone()), (400, 3.into()), "{json}");
}

#[tokio::test(flavor = "multi_thread")]
async fn txs_are_found_by_events_with_pagination() {
    let mut node = Node::init("weave-rest-2").expect("init");
    node.start().expect("start");
    let port = node.ports.rest;
    let funded = node.funded_address.clone();
    let alice = node.add_key("alice");
    let bob = node.add_key("bob");
    let to_alice: Vec<String> = (1..=3)
        .map(|i| send(&node, &alice, &format!("{i}00uweave")))
        .collect();
    let to_bob = send(&node, &bob, "50uweave");
    let mut txs = TxClient::new(connect(&node).await);
    let search = |query: String, page: u64, limit: u64, order: OrderBy| GetTxsEventRequest {
        query,
        page,
        limit,
        order_by: order as i32,
        ..Default::default()
    };
    let hashes = |res: &cosmos_sdk_proto::cosmos::tx::v1beta1::GetTxsEventResponse| {
        assert_eq!(res.txs.len(), res.tx_responses.len());
        res.tx_responses
            .iter()
            .map(|r| r.txhash.clone())
            .collect::<Vec<_>>()
    };

    // By sender: all four, oldest first; newest first with DESC.
    let by_sender = format!("message.sender='{funded}'");
    let res = txs
        .get_txs_event(search(by_sender.clone(), 1, 10, OrderBy::Asc))
        .await
        .unwrap()
        .into_inner();
    let mut all = to_alice.clone();
    all.push(to_bob.clone());
    assert_eq!(hashes(&res), all);
    assert_eq!(res.total, 4);
    let res = txs
        .get_txs_event(search(by_sender.clone(), 1, 10, OrderBy::Desc))
        .await
        .unwrap()
        .into_inner();
    let mut reversed = all.clone();
    reversed.reverse();
    assert_eq!(hashes(&res), reversed);

    // Pages of two.
    let page1 = txs
        .get_txs_event(search(by_sender.clone(), 1, 2, OrderBy::Asc))
        .await
        .unwrap()
        .into_inner();
    let page2 = txs
        .get_txs_event(search(by_sender.clone(), 2, 2, OrderBy::Asc))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(hashes(&page1), all[..2]);
    assert_eq!(hashes(&page2), all[2..]);
    assert_eq!((page1.total, page2.total), (4, 4));

    // By recipient, by message type, and both (the older `events` form).
    let res = txs
        .get_txs_event(search(
            format!("weave.bank.v1.EventTransfer.recipient='{bob}'"),
            0,
            0,
            OrderBy::Unspecified,
        ))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(hashes(&res), vec![to_bob.clone()]);
    let decoded_msg = &res.txs[0].body.as_ref().unwrap().messages[0];
    let action = decoded_msg.type_url.clone();
    let res = txs
        .get_txs_event(search(
            format!("message.action='{action}' AND message.sender='{funded}'"),
            1,
            10,
            OrderBy::Asc,
        ))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(hashes(&res), all, "by message type and sender");
    #[allow(deprecated)]
    let res = txs
        .get_txs_event(GetTxsEventRequest {
            events: vec![
                format!("weave.bank.v1.EventTransfer.sender={funded}"),
                format!("weave.bank.v1.EventTransfer.recipient={alice}"),
            ],
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(hashes(&res), to_alice);
    let res = txs
        .get_txs_event(search(
            format!("weave.bank.v1.EventTransfer.recipient='{funded}'"),
            1,
            10,
            OrderBy::Asc,
        ))
        .await
        .unwrap()
        .into_inner();
    assert!(
        !hashes(&res).iter().any(|h| all.contains(h)),
        "nothing was sent to the sender"
    );
    let err = txs
        .get_txs_event(GetTxsEventRequest::default())
        .await
        .expect_err("no query");
    assert_eq!(err.code(), tonic::Code::InvalidArgument);

    // The same over REST: `events` repeated, page, limit and order_by by name.
    let (status, _, json) = http(
        port,
        "GET",
        &format!(
            "/cosmos/tx/v1beta1/txs?events=message.sender%3D%27{funded}%27&page=2&limit=3&order_by=ORDER_BY_DESC"
        ),
        None,
    );
    assert_eq!(status, 200, "{json}");
    assert_eq!(json["total"], "4");
    let listed: Vec<&str> = json["tx_responses"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["txhash"].as_str().unwrap())
        .collect();
    assert_eq!(listed, vec![reversed[3].as_str()]);

    // By a module's own event attribute: the content id of a registration.
    let (first, _, _keep1) = node.publish_film("one", 100_000, 1);
    let (second, _, _keep2) = node.publish_film("two", 100_000, 2);
    assert_ne!(first, second);
    let res = txs
        .get_txs_event(search(
            format!("weave.content.v1.EventContentRegistered.content_id='{second}'"),
            1,
            10,
            OrderBy::Asc,
        ))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(res.tx_responses.len(), 1, "{res:?}");
    let registered = res.tx_responses[0]
        .events
        .iter()
        .find(|e| e.r#type == "weave.content.v1.EventContentRegistered")
        .expect("the registration event");
    assert!(
        registered
            .attributes
            .iter()
            .any(|a| a.key == "content_id" && a.value == second),
        "{registered:?}"
    );
    let (status, _, json) = http(
        port,
        "GET",
        "/cosmos/tx/v1beta1/txs?limit=1000&query=a.b%3D1",
        None,
    );
    assert_eq!((status, json["code"].clone()), (400, 3.into()), "{json}");
}
