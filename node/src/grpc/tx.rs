//! `cosmos.tx.v1beta1.Service`: broadcast (through CometBFT), simulate (through the
//! application), look up committed transactions (CometBFT's index), and the plain
//! encode/decode helpers.

use cosmos_sdk_proto::cosmos::{
    base::abci::v1beta1::{GasInfo, Result as ExecResult, TxResponse},
    tx::v1beta1::{
        service_server::Service, BroadcastMode, BroadcastTxRequest, BroadcastTxResponse,
        GetBlockWithTxsRequest, GetBlockWithTxsResponse, GetTxRequest, GetTxResponse,
        GetTxsEventRequest, GetTxsEventResponse, OrderBy, SimulateRequest, SimulateResponse, Tx,
        TxDecodeAminoRequest, TxDecodeAminoResponse, TxDecodeRequest, TxDecodeResponse,
        TxEncodeAminoRequest, TxEncodeAminoResponse, TxEncodeRequest, TxEncodeResponse, TxRaw,
    },
};
use std::sync::Arc;

use prost::Message;
use sha2::{Digest, Sha256};
use tendermint_proto::{google::protobuf::Any, v0_38::abci as pb};
use tendermint_rpc::Client;
use tonic::{Request, Response, Status};
use weave_app::tx::MAX_TX_BYTES;

use super::{
    common::{not_served, paginate, Node, SIMULATE_CONCURRENCY},
    status::{abci_status, rpc_error_text, rpc_status},
    tendermint::block_parts,
};

/// The `sdk` code of running out of gas.
const OUT_OF_GAS_CODE: u32 = 11;

/// The `Any` type URL of a decoded transaction.
pub(super) const TX_TYPE_URL: &str = "/cosmos.tx.v1beta1.Tx";

/// The hash CometBFT and the Cosmos SDK name a transaction by: SHA-256 of its bytes,
/// in upper-case hex.
pub(super) fn tx_hash(tx: &[u8]) -> String {
    hex::encode_upper(Sha256::digest(tx))
}

/// The wire bytes (`TxRaw`) of a decoded transaction.
pub(super) fn tx_raw_bytes(tx: &Tx) -> Vec<u8> {
    TxRaw {
        body_bytes: tx
            .body
            .as_ref()
            .map(Message::encode_to_vec)
            .unwrap_or_default(),
        auth_info_bytes: tx
            .auth_info
            .as_ref()
            .map(Message::encode_to_vec)
            .unwrap_or_default(),
        signatures: tx.signatures.clone(),
    }
    .encode_to_vec()
}

/// Decodes transaction bytes. `TxRaw` and `Tx` share their field numbers and wire
/// types (the body and auth info are length-delimited either way), so the raw bytes
/// decode as a `Tx` directly.
pub(super) fn decode_tx(bytes: &[u8]) -> Result<Tx, prost::DecodeError> {
    Tx::decode(bytes)
}

/// Decodes a committed transaction for display; a transaction that made it into a
/// block without decoding (it then failed with a decode error) has none.
fn committed_tx(hash: &str, bytes: &[u8]) -> Option<Tx> {
    match decode_tx(bytes) {
        Ok(tx) => Some(tx),
        Err(e) => {
            tracing::warn!(%hash, error = %e, "committed transaction does not decode");
            None
        }
    }
}

/// The response to a broadcast: what CheckTx said, as the Cosmos SDK reports it. The
/// height and gas are unknown until the transaction is in a block.
pub(super) fn broadcast_tx_response(
    tx: &[u8],
    code: u32,
    codespace: String,
    data: &[u8],
    log: String,
) -> TxResponse {
    TxResponse {
        txhash: tx_hash(tx),
        code,
        codespace,
        data: hex::encode_upper(data),
        raw_log: log,
        ..Default::default()
    }
}

/// CometBFT refuses some transactions with an RPC error rather than a CheckTx code.
/// The Cosmos SDK reports these as `sdk` codes in a normal response, and so does this
/// node: 19 (already in the mempool cache), 20 (mempool full), 21 (too large).
fn mempool_refusal(error_text: &str) -> Option<u32> {
    if error_text.contains("tx already exists in cache") {
        Some(19)
    } else if error_text.contains("mempool is full") {
        Some(20)
    } else if error_text.contains("tx too large") {
        Some(21)
    } else {
        None
    }
}

/// The response for a committed transaction, from CometBFT's `tx` answer and the
/// block's time (RFC 3339, whole seconds, as the Cosmos SDK prints it).
pub(super) fn committed_tx_response(
    txhash: String,
    height: i64,
    tx: &[u8],
    result: &tendermint::abci::types::ExecTxResult,
    timestamp: String,
) -> TxResponse {
    let decodes = decode_tx(tx).is_ok();
    TxResponse {
        height,
        txhash,
        codespace: result.codespace.clone(),
        code: result.code.value(),
        data: hex::encode_upper(&result.data),
        raw_log: result.log.clone(),
        logs: Vec::new(),
        info: result.info.clone(),
        gas_wanted: result.gas_wanted,
        gas_used: result.gas_used,
        tx: decodes.then(|| Any {
            type_url: TX_TYPE_URL.into(),
            value: tx.to_vec(),
        }),
        timestamp,
        events: result.events.iter().cloned().map(pb::Event::from).collect(),
    }
}

/// A block time in RFC 3339 with whole seconds (`2024-05-01T12:00:00Z`), as Go's
/// `time.RFC3339` prints it.
pub(super) fn rfc3339_seconds(time: &tendermint::Time) -> String {
    let full = time.to_rfc3339();
    match full.find('.') {
        Some(dot) => format!("{}Z", &full[..dot]),
        None => full,
    }
}

/// Application events as ABCI events.
fn abci_events(events: &[weave_kernel::Event]) -> Vec<pb::Event> {
    events.iter().map(weave_app::to_abci_event).collect()
}

/// The most transactions one `GetTxsEvent` page returns (CometBFT's own bound too).
const MAX_TXS_PAGE: u64 = 100;
/// A `GetTxsEvent` page's size when the request names none.
const DEFAULT_TXS_PAGE: u64 = 100;

/// CometBFT's query for a `GetTxsEvent` request: its `query`, or else its `events`
/// joined with AND. An event given as `key=value` with an unquoted value is quoted, as
/// the Cosmos SDK's older clients send them unquoted.
fn tx_search_query(req: &GetTxsEventRequest) -> Result<tendermint_rpc::query::Query, Status> {
    let text = if !req.query.trim().is_empty() {
        req.query.trim().to_string()
    } else {
        #[allow(deprecated)]
        let events = &req.events;
        if events.is_empty() {
            return Err(Status::invalid_argument(
                "query cannot be empty: give a query such as message.sender='weave1...'",
            ));
        }
        events
            .iter()
            .map(|e| quote_event(e))
            .collect::<Result<Vec<_>, _>>()?
            .join(" AND ")
    };
    text.parse().map_err(|e: tendermint_rpc::Error| {
        Status::invalid_argument(format!("invalid query {text:?}: {}", rpc_error_text(&e)))
    })
}

/// `key=value` with the value quoted, unless it already is or the event uses another
/// operator.
fn quote_event(event: &str) -> Result<String, Status> {
    let (key, value) = event.split_once('=').ok_or_else(|| {
        Status::invalid_argument(format!("invalid event {event:?}: want key=value"))
    })?;
    let (key, value) = (key.trim(), value.trim());
    if key.is_empty() || key.ends_with(['<', '>', '!']) {
        return Err(Status::invalid_argument(format!(
            "invalid event {event:?}: want key=value"
        )));
    }
    if value.starts_with('\'') && value.ends_with('\'') && value.len() >= 2 {
        Ok(format!("{key}={value}"))
    } else {
        Ok(format!("{key}='{}'", value.replace('\'', "")))
    }
}

/// The CometBFT page (from 1) and page size of a `GetTxsEvent` request. `page`/`limit`
/// win; the deprecated `pagination` (offset and limit) is read when they are unset.
fn page_and_limit(req: &GetTxsEventRequest) -> Result<(u32, u8), Status> {
    #[allow(deprecated)]
    let pagination = req.pagination.as_ref();
    let mut limit = req.limit;
    if limit == 0 {
        limit = pagination.map_or(0, |p| p.limit);
    }
    if limit == 0 {
        limit = DEFAULT_TXS_PAGE;
    }
    if limit > MAX_TXS_PAGE {
        return Err(Status::invalid_argument(format!(
            "limit {limit} is above the maximum of {MAX_TXS_PAGE}"
        )));
    }
    let page = if req.page != 0 {
        req.page
    } else {
        pagination.map_or(0, |p| p.offset / limit) + 1
    };
    let page = u32::try_from(page)
        .map_err(|_| Status::invalid_argument(format!("page {page} is too large")))?;
    // At most 100, so it fits.
    Ok((page, limit as u8))
}

fn parse_hash(hash: &str) -> Result<tendermint::Hash, Status> {
    if hash.is_empty() {
        return Err(Status::invalid_argument("tx hash cannot be empty"));
    }
    let bytes: [u8; 32] = hex::decode(hash)
        .ok()
        .and_then(|b| b.try_into().ok())
        .ok_or_else(|| {
            Status::invalid_argument(format!("tx hash {hash:?} is not 32 bytes of hex"))
        })?;
    Ok(tendermint::Hash::Sha256(bytes))
}

/// `cosmos.tx.v1beta1.Service`.
#[derive(Debug, Clone)]
pub(super) struct TxService {
    node: Node,
}

impl TxService {
    pub(super) fn new(node: Node) -> Self {
        Self { node }
    }

    /// The time of the block at `height`, or nothing (with a warning) if CometBFT no
    /// longer has it.
    async fn block_time(&self, height: tendermint::block::Height) -> String {
        match self.node.rpc.block(height).await {
            Ok(b) => rfc3339_seconds(&b.block.header.time),
            Err(e) => {
                tracing::warn!(%height, error = %rpc_error_text(&e), "no block time for a transaction");
                String::new()
            }
        }
    }
}

#[tonic::async_trait]
impl Service for TxService {
    async fn simulate(
        &self,
        request: Request<SimulateRequest>,
    ) -> Result<Response<SimulateResponse>, Status> {
        let req = request.into_inner();
        // `tx` is deprecated in favour of `tx_bytes`, but older clients still send it.
        #[allow(deprecated)]
        let legacy_tx = req.tx;
        let tx_bytes = if !req.tx_bytes.is_empty() {
            req.tx_bytes
        } else if let Some(tx) = &legacy_tx {
            tx_raw_bytes(tx)
        } else {
            return Err(Status::invalid_argument("empty txBytes is not allowed"));
        };
        // Refused before any work: a transaction the chain would never accept.
        if tx_bytes.len() > MAX_TX_BYTES {
            return Err(Status::invalid_argument(format!(
                "simulate: the transaction is {} bytes, limit {MAX_TX_BYTES}",
                tx_bytes.len()
            )));
        }
        // At most SIMULATE_CONCURRENCY simulations run at once; a call that finds no
        // free slot within the wait is refused rather than queued without bound.
        let slot = tokio::time::timeout(
            self.node.simulate_wait,
            Arc::clone(&self.node.simulate_slots).acquire_owned(),
        )
        .await
        .ok()
        .and_then(Result::ok)
        .ok_or_else(|| {
            Status::resource_exhausted(format!(
                "simulate: {SIMULATE_CONCURRENCY} simulations are already running; try again later"
            ))
        })?;
        let sim = self
            .node
            .blocking("simulate", move |app| {
                let sim = app.simulate(&tx_bytes);
                drop(slot);
                sim
            })
            .await?;
        let outcome = sim.outcome;
        match outcome.result {
            Ok(()) => Ok(Response::new(SimulateResponse {
                gas_info: Some(GasInfo {
                    gas_wanted: outcome.gas_wanted,
                    gas_used: sim.gas_used,
                }),
                result: Some(ExecResult {
                    events: abci_events(&outcome.events),
                    ..Default::default()
                }),
            })),
            Err(e) => {
                tracing::debug!(code = e.code, codespace = e.codespace, log = %e.log, "simulation failed");
                // A simulation runs with the chain's `max_tx_gas` as its limit, whatever
                // the transaction asks for; say so when it ran out.
                let cap = if e.codespace == "sdk" && e.code == OUT_OF_GAS_CODE {
                    format!(
                        "; a simulation stops at the chain's max_tx_gas ({} gas)",
                        sim.gas_used
                    )
                } else {
                    String::new()
                };
                let log = format!(
                    "{}; gas wanted: {}, gas used: {}{cap}",
                    e.log, outcome.gas_wanted, sim.gas_used
                );
                Err(abci_status(e.codespace, e.code, &log))
            }
        }
    }

    async fn get_tx(
        &self,
        request: Request<GetTxRequest>,
    ) -> Result<Response<GetTxResponse>, Status> {
        let hash = parse_hash(&request.into_inner().hash)?;
        let res = self.node.rpc.tx(hash, false).await.map_err(|e| {
            let status = rpc_status("tx", &e);
            if status.code() == tonic::Code::NotFound {
                Status::not_found(format!("tx not found: {hash}"))
            } else {
                status
            }
        })?;
        let timestamp = self.block_time(res.height).await;
        let txhash = res.hash.to_string();
        let tx = committed_tx(&txhash, &res.tx);
        let height = i64::try_from(res.height.value()).unwrap_or(i64::MAX);
        let tx_response = committed_tx_response(txhash, height, &res.tx, &res.tx_result, timestamp);
        Ok(Response::new(GetTxResponse {
            tx,
            tx_response: Some(tx_response),
        }))
    }

    async fn broadcast_tx(
        &self,
        request: Request<BroadcastTxRequest>,
    ) -> Result<Response<BroadcastTxResponse>, Status> {
        let req = request.into_inner();
        if req.tx_bytes.is_empty() {
            return Err(Status::invalid_argument("invalid empty tx"));
        }
        let mode = BroadcastMode::try_from(req.mode).map_err(|_| {
            Status::invalid_argument(format!("unknown broadcast mode {}", req.mode))
        })?;
        let tx = req.tx_bytes;
        let answer = match mode {
            BroadcastMode::Unspecified | BroadcastMode::Sync => self
                .node
                .rpc
                .broadcast_tx_sync(tx.clone())
                .await
                .map(|r| (r.code.value(), r.codespace, r.data, r.log)),
            BroadcastMode::Async => self
                .node
                .rpc
                .broadcast_tx_async(tx.clone())
                .await
                .map(|r| (r.code.value(), r.codespace, r.data, r.log)),
            BroadcastMode::Block => {
                return Err(Status::invalid_argument(
                    "BROADCAST_MODE_BLOCK is deprecated and not served; use BROADCAST_MODE_SYNC and poll GetTx",
                ))
            }
        };
        let tx_response = match answer {
            Ok((code, codespace, data, log)) => {
                broadcast_tx_response(&tx, code, codespace, &data, log)
            }
            Err(e) => {
                let text = rpc_error_text(&e);
                match mempool_refusal(&text) {
                    Some(code) => {
                        tracing::debug!(error = %text, code, "CometBFT refused a transaction");
                        broadcast_tx_response(
                            &tx,
                            code,
                            weave_kernel::CODESPACE_SDK.into(),
                            &[],
                            text,
                        )
                    }
                    None => return Err(rpc_status("broadcast_tx", &e)),
                }
            }
        };
        Ok(Response::new(BroadcastTxResponse {
            tx_response: Some(tx_response),
        }))
    }

    /// Searches CometBFT's transaction index (`tx_search`), as the Cosmos SDK does:
    /// `query` (or the older `events`, joined with AND) is CometBFT's query language over
    /// the attributes the transactions' events carry (`message.sender`, `message.action`,
    /// `transfer.recipient`, a module's own event attributes...). `page` counts from 1,
    /// `limit` is at most 100; `order_by` DESC lists the newest first.
    async fn get_txs_event(
        &self,
        request: Request<GetTxsEventRequest>,
    ) -> Result<Response<GetTxsEventResponse>, Status> {
        let req = request.into_inner();
        let query = tx_search_query(&req)?;
        let (page, limit) = page_and_limit(&req)?;
        let order = match OrderBy::try_from(req.order_by) {
            Ok(OrderBy::Desc) => tendermint_rpc::Order::Descending,
            Ok(OrderBy::Asc | OrderBy::Unspecified) => tendermint_rpc::Order::Ascending,
            Err(_) => {
                return Err(Status::invalid_argument(format!(
                    "unknown order_by {}",
                    req.order_by
                )))
            }
        };
        let found = self
            .node
            .rpc
            .tx_search(query, false, page, limit, order)
            .await
            .map_err(|e| rpc_status("tx_search", &e))?;
        let mut times = std::collections::BTreeMap::new();
        let mut txs = Vec::with_capacity(found.txs.len());
        let mut tx_responses = Vec::with_capacity(found.txs.len());
        for res in found.txs {
            let timestamp = match times.get(&res.height) {
                Some(t) => String::clone(t),
                None => {
                    let t = self.block_time(res.height).await;
                    times.insert(res.height, t.clone());
                    t
                }
            };
            let txhash = res.hash.to_string();
            let height = i64::try_from(res.height.value()).unwrap_or(i64::MAX);
            // A transaction that does not decode is listed as an empty `Tx`, so that
            // `txs` and `tx_responses` stay index for index.
            txs.push(committed_tx(&txhash, &res.tx).unwrap_or_default());
            tx_responses.push(committed_tx_response(
                txhash,
                height,
                &res.tx,
                &res.tx_result,
                timestamp,
            ));
        }
        let total = u64::from(found.total_count);
        #[allow(deprecated)]
        Ok(Response::new(GetTxsEventResponse {
            txs,
            tx_responses,
            pagination: None,
            total,
        }))
    }

    async fn get_block_with_txs(
        &self,
        request: Request<GetBlockWithTxsRequest>,
    ) -> Result<Response<GetBlockWithTxsResponse>, Status> {
        let req = request.into_inner();
        let height = tendermint::block::Height::try_from(req.height)
            .ok()
            .filter(|h| h.value() > 0)
            .ok_or_else(|| Status::invalid_argument(format!("invalid height {}", req.height)))?;
        let res = self
            .node
            .rpc
            .block(height)
            .await
            .map_err(|e| rpc_status("block", &e))?;
        // The extended commit a proposer injects (validators' probe results) is in
        // the block's data but is no transaction: it is left out.
        let txs = res
            .block
            .data
            .iter()
            .filter(|bytes| !weave_app::vote_ext::is_injected(bytes))
            .map(|bytes| {
                decode_tx(bytes).map_err(|e| {
                    Status::internal(format!(
                        "a transaction in block {height} ({}) does not decode: {e}",
                        tx_hash(bytes)
                    ))
                })
            })
            .collect::<Result<Vec<_>, _>>()?;
        let (txs, pagination) = paginate(txs, req.pagination.as_ref())?;
        let (block_id, block, _) = block_parts(res);
        Ok(Response::new(GetBlockWithTxsResponse {
            txs,
            block_id: Some(block_id),
            block: Some(block),
            pagination: Some(pagination),
        }))
    }

    async fn tx_decode(
        &self,
        request: Request<TxDecodeRequest>,
    ) -> Result<Response<TxDecodeResponse>, Status> {
        let bytes = request.into_inner().tx_bytes;
        if bytes.is_empty() {
            return Err(Status::invalid_argument("invalid empty tx bytes"));
        }
        let tx = decode_tx(&bytes)
            .map_err(|e| Status::invalid_argument(format!("tx does not decode: {e}")))?;
        Ok(Response::new(TxDecodeResponse { tx: Some(tx) }))
    }

    async fn tx_encode(
        &self,
        request: Request<TxEncodeRequest>,
    ) -> Result<Response<TxEncodeResponse>, Status> {
        let tx = request
            .into_inner()
            .tx
            .ok_or_else(|| Status::invalid_argument("invalid empty tx"))?;
        Ok(Response::new(TxEncodeResponse {
            tx_bytes: tx_raw_bytes(&tx),
        }))
    }

    async fn tx_encode_amino(
        &self,
        _: Request<TxEncodeAminoRequest>,
    ) -> Result<Response<TxEncodeAminoResponse>, Status> {
        Err(not_served(
            "cosmos.tx.v1beta1.Service/TxEncodeAmino (Weave has no amino encoding)",
        ))
    }

    async fn tx_decode_amino(
        &self,
        _: Request<TxDecodeAminoRequest>,
    ) -> Result<Response<TxDecodeAminoResponse>, Status> {
        Err(not_served(
            "cosmos.tx.v1beta1.Service/TxDecodeAmino (Weave has no amino encoding)",
        ))
    }
}

#[cfg(test)]
mod tests {
    use cosmos_sdk_proto::cosmos::tx::v1beta1::{AuthInfo, Fee, TxBody};
    use tendermint::abci::{types::ExecTxResult, Code, Event, EventAttributeIndexExt};

    use super::*;
    use crate::grpc::test_support;

    fn sample_tx() -> Tx {
        Tx {
            body: Some(TxBody {
                messages: vec![Any {
                    type_url: "/weave.bank.v1.MsgSend".into(),
                    value: vec![1, 2, 3],
                }],
                memo: "hello".into(),
                ..Default::default()
            }),
            auth_info: Some(AuthInfo {
                fee: Some(Fee {
                    gas_limit: 200_000,
                    ..Default::default()
                }),
                ..Default::default()
            }),
            signatures: vec![vec![9; 64]],
        }
    }

    #[test]
    fn tx_hash_is_upper_hex_sha256() {
        assert_eq!(
            tx_hash(b""),
            "E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855"
        );
        assert_eq!(
            tx_hash(b"abc"),
            "BA7816BF8F01CFEA414140DE5DAE2223B00361A396177A9CB410FF61F20015AD"
        );
    }

    #[test]
    fn raw_bytes_decode_back_to_the_same_tx() {
        let tx = sample_tx();
        let bytes = tx_raw_bytes(&tx);
        let raw = TxRaw::decode(bytes.as_slice()).expect("txraw");
        assert_eq!(raw.signatures, tx.signatures);
        assert_eq!(decode_tx(&bytes).expect("tx"), tx);
    }

    #[test]
    fn broadcast_response_reports_check_tx() {
        let r = broadcast_tx_response(
            b"abc",
            13,
            "sdk".into(),
            &[0xab, 0x01],
            "insufficient fee".into(),
        );
        assert_eq!(r.txhash, tx_hash(b"abc"));
        assert_eq!((r.code, r.codespace.as_str()), (13, "sdk"));
        assert_eq!(r.data, "AB01");
        assert_eq!(r.raw_log, "insufficient fee");
        assert_eq!((r.height, r.gas_wanted, r.gas_used), (0, 0, 0));
        assert!(r.tx.is_none());
    }

    #[test]
    fn mempool_refusals_become_sdk_codes() {
        assert_eq!(
            mempool_refusal("Internal error: tx already exists in cache"),
            Some(19)
        );
        assert_eq!(
            mempool_refusal("mempool is full: number of txs 5000"),
            Some(20)
        );
        assert_eq!(
            mempool_refusal("tx too large. Max size is 1048576, but got 2000000"),
            Some(21)
        );
        assert_eq!(mempool_refusal("connection refused"), None);
    }

    #[test]
    fn committed_response_carries_result_and_tx() {
        let bytes = tx_raw_bytes(&sample_tx());
        let result = ExecTxResult {
            code: Code::from(5),
            data: vec![0xca, 0xfe].into(),
            log: "insufficient funds".into(),
            gas_wanted: 200_000,
            gas_used: 51_234,
            events: vec![Event::new("transfer", [("amount", "5uweave").index()])],
            codespace: "sdk".into(),
            ..Default::default()
        };
        let r = committed_tx_response(
            tx_hash(&bytes),
            42,
            &bytes,
            &result,
            "2024-05-01T12:00:00Z".into(),
        );
        assert_eq!(r.height, 42);
        assert_eq!(r.txhash, tx_hash(&bytes));
        assert_eq!(
            (r.code, r.codespace.as_str(), r.raw_log.as_str()),
            (5, "sdk", "insufficient funds")
        );
        assert_eq!(r.data, "CAFE");
        assert_eq!((r.gas_wanted, r.gas_used), (200_000, 51_234));
        assert_eq!(r.timestamp, "2024-05-01T12:00:00Z");
        assert_eq!(r.events.len(), 1);
        assert_eq!(r.events[0].r#type, "transfer");
        assert_eq!(r.events[0].attributes[0].key, "amount");
        assert_eq!(r.events[0].attributes[0].value, "5uweave");
        assert!(r.events[0].attributes[0].index);
        let any = r.tx.expect("tx any");
        assert_eq!(any.type_url, TX_TYPE_URL);
        assert_eq!(Tx::decode(any.value.as_slice()).expect("tx"), sample_tx());

        // A transaction that never decoded has no `tx`.
        let r = committed_tx_response(tx_hash(b"\xff"), 1, b"\xff", &result, String::new());
        assert!(r.tx.is_none());
    }

    #[test]
    fn block_time_prints_whole_seconds() {
        let t = tendermint::Time::from_unix_timestamp(1_714_564_800, 123_456_789).expect("time");
        assert_eq!(rfc3339_seconds(&t), "2024-05-01T12:00:00Z");
        let t = tendermint::Time::from_unix_timestamp(1_714_564_800, 0).expect("time");
        assert_eq!(rfc3339_seconds(&t), "2024-05-01T12:00:00Z");
    }

    #[test]
    #[allow(deprecated)]
    fn txs_event_queries_are_built_from_query_or_events() {
        let req = |query: &str, events: &[&str]| GetTxsEventRequest {
            query: query.into(),
            events: events.iter().map(|e| e.to_string()).collect(),
            ..Default::default()
        };
        let q = tx_search_query(&req("message.sender='weave1abc'", &[])).expect("query");
        assert_eq!(q.to_string(), "message.sender = 'weave1abc'");
        let q = tx_search_query(&req(
            "",
            &[
                "message.action=/weave.bank.v1.MsgSend",
                "transfer.recipient='weave1x'",
            ],
        ))
        .expect("events");
        assert_eq!(
            q.to_string(),
            "message.action = '/weave.bank.v1.MsgSend' AND transfer.recipient = 'weave1x'"
        );
        for bad in [req("", &[]), req("", &["no-operator"]), req("a.b='", &[])] {
            assert_eq!(
                tx_search_query(&bad).expect_err("bad").code(),
                tonic::Code::InvalidArgument
            );
        }
    }

    #[test]
    #[allow(deprecated)]
    fn txs_event_pages() {
        let page = |page: u64, limit: u64, pagination: Option<(u64, u64)>| {
            page_and_limit(&GetTxsEventRequest {
                page,
                limit,
                pagination: pagination.map(|(offset, limit)| {
                    cosmos_sdk_proto::cosmos::base::query::v1beta1::PageRequest {
                        offset,
                        limit,
                        ..Default::default()
                    }
                }),
                ..Default::default()
            })
        };
        assert_eq!(page(0, 0, None).expect("defaults"), (1, 100));
        assert_eq!(page(3, 2, None).expect("explicit"), (3, 2));
        assert_eq!(page(0, 0, Some((4, 2))).expect("offset"), (3, 2));
        assert_eq!(
            page(1, 101, None).expect_err("too many").code(),
            tonic::Code::InvalidArgument
        );
    }

    #[test]
    fn hashes_are_checked() {
        assert_eq!(
            parse_hash("").expect_err("empty").code(),
            tonic::Code::InvalidArgument
        );
        assert_eq!(
            parse_hash("abcd").expect_err("short").code(),
            tonic::Code::InvalidArgument
        );
        let h = tx_hash(b"abc");
        assert_eq!(parse_hash(&h.to_lowercase()).expect("lower").to_string(), h);
    }

    #[tokio::test]
    async fn simulate_rejects_garbage_with_the_decode_code() {
        let (node, _dir) = test_support::node();
        let svc = TxService::new(node);
        let err = svc
            .simulate(Request::new(SimulateRequest {
                tx_bytes: vec![0xff, 0xff, 0xff],
                ..Default::default()
            }))
            .await
            .expect_err("garbage");
        assert_eq!(err.code(), tonic::Code::InvalidArgument);
        assert!(err.message().starts_with("sdk:2: "), "{}", err.message());

        let err = svc
            .simulate(Request::new(SimulateRequest::default()))
            .await
            .expect_err("empty");
        assert_eq!(err.code(), tonic::Code::InvalidArgument);
    }

    /// A simulation request larger than any transaction the chain accepts is refused
    /// before any work, and says why.
    #[tokio::test]
    async fn simulate_refuses_an_oversized_request() {
        let (node, _dir) = test_support::node();
        let svc = TxService::new(node);
        let err = svc
            .simulate(Request::new(SimulateRequest {
                tx_bytes: vec![0; MAX_TX_BYTES + 1],
                ..Default::default()
            }))
            .await
            .expect_err("oversized");
        assert_eq!(err.code(), tonic::Code::InvalidArgument);
        assert!(
            err.message().starts_with("simulate: the transaction is"),
            "{}",
            err.message()
        );
    }

    /// Only SIMULATE_CONCURRENCY simulations run at once: with every slot taken, a
    /// call waits, then is refused with RESOURCE_EXHAUSTED; once a slot is free it runs.
    #[tokio::test]
    async fn simulate_is_refused_when_every_slot_is_busy() {
        let (mut node, _dir) = test_support::node();
        node.simulate_wait = std::time::Duration::from_millis(20);
        let slots = Arc::clone(&node.simulate_slots);
        let svc = TxService::new(node);
        let held = Arc::clone(&slots)
            .acquire_many_owned(SIMULATE_CONCURRENCY as u32)
            .await
            .expect("slots");
        let req = || {
            Request::new(SimulateRequest {
                tx_bytes: vec![0xff, 0xff, 0xff],
                ..Default::default()
            })
        };
        let err = svc.simulate(req()).await.expect_err("busy");
        assert_eq!(err.code(), tonic::Code::ResourceExhausted, "{err}");
        drop(held);
        let err = svc.simulate(req()).await.expect_err("garbage");
        assert_eq!(err.code(), tonic::Code::InvalidArgument);
        assert_eq!(slots.available_permits(), SIMULATE_CONCURRENCY);
    }

    /// A simulation runs at most the chain's `max_tx_gas`, whatever gas limit the
    /// transaction names, and a transaction that needs more fails out of gas with a
    /// message that names the cap.
    #[tokio::test]
    async fn simulate_stops_at_max_tx_gas() {
        use cosmos_sdk_proto::cosmos::tx::{
            signing::v1beta1::SignMode,
            v1beta1::{mode_info, ModeInfo, SignerInfo},
        };
        let max_tx_gas = weave_app::auth::MIN_MAX_TX_GAS;
        let (node, _dir) =
            test_support::node_with(serde_json::json!({ "params": { "max_tx_gas": max_tx_gas } }));
        let svc = TxService::new(node);
        let send = weave_proto::weave::bank::v1::MsgSend {
            from_address: test_support::FUNDED.to_string(),
            to_address: weave_kernel::Address::new([8; 20]).to_string(),
            amount: vec![weave_proto::weave::base::v1::Coin {
                denom: "uweave".into(),
                amount: "1".into(),
            }],
        };
        // Its size alone costs more than the cap (10 gas per byte).
        let padding = usize::try_from(max_tx_gas / 10 + 1000).expect("usize");
        let tx = |gas_limit: u64, signature: Vec<u8>| Tx {
            body: Some(TxBody {
                messages: vec![Any {
                    type_url: "/weave.bank.v1.MsgSend".into(),
                    value: send.encode_to_vec(),
                }],
                ..Default::default()
            }),
            auth_info: Some(AuthInfo {
                signer_infos: vec![SignerInfo {
                    public_key: None,
                    mode_info: Some(ModeInfo {
                        sum: Some(mode_info::Sum::Single(mode_info::Single {
                            mode: SignMode::Direct as i32,
                        })),
                    }),
                    sequence: 0,
                }],
                fee: Some(Fee {
                    gas_limit,
                    ..Default::default()
                }),
                ..Default::default()
            }),
            signatures: vec![signature],
        };
        let err = svc
            .simulate(Request::new(SimulateRequest {
                tx_bytes: tx_raw_bytes(&tx(u64::MAX, vec![0; padding])),
                ..Default::default()
            }))
            .await
            .expect_err("over the cap");
        assert!(err.message().starts_with("sdk:11: "), "{}", err.message());
        assert!(
            err.message().ends_with(&format!(
                "a simulation stops at the chain's max_tx_gas ({max_tx_gas} gas)"
            )),
            "{}",
            err.message()
        );
        // A small transaction simulates past the ante (it fails only at its signature
        // check, which simulation does not skip, or succeeds): not out of gas.
        let small = svc
            .simulate(Request::new(SimulateRequest {
                tx_bytes: tx_raw_bytes(&tx(u64::MAX, vec![0; 64])),
                ..Default::default()
            }))
            .await;
        if let Err(e) = small {
            assert!(!e.message().starts_with("sdk:11: "), "{}", e.message());
        }
    }

    #[tokio::test]
    async fn broadcast_checks_its_request_before_calling_cometbft() {
        let (node, _dir) = test_support::node();
        let svc = TxService::new(node);
        let err = svc
            .broadcast_tx(Request::new(BroadcastTxRequest {
                tx_bytes: vec![1],
                mode: BroadcastMode::Block as i32,
            }))
            .await
            .expect_err("block mode");
        assert_eq!(err.code(), tonic::Code::InvalidArgument);
        let err = svc
            .broadcast_tx(Request::new(BroadcastTxRequest::default()))
            .await
            .expect_err("empty");
        assert_eq!(err.code(), tonic::Code::InvalidArgument);
        // CometBFT is not running: the failure is `Unavailable`.
        let err = svc
            .broadcast_tx(Request::new(BroadcastTxRequest {
                tx_bytes: vec![1],
                mode: BroadcastMode::Sync as i32,
            }))
            .await
            .expect_err("no cometbft");
        assert_eq!(err.code(), tonic::Code::Unavailable);
        assert!(
            err.message().starts_with("cometbft rpc: "),
            "{}",
            err.message()
        );
    }

    #[tokio::test]
    async fn encode_and_decode_round_trip() {
        let (node, _dir) = test_support::node();
        let svc = TxService::new(node);
        let bytes = svc
            .tx_encode(Request::new(TxEncodeRequest {
                tx: Some(sample_tx()),
            }))
            .await
            .expect("encode")
            .into_inner()
            .tx_bytes;
        let tx = svc
            .tx_decode(Request::new(TxDecodeRequest { tx_bytes: bytes }))
            .await
            .expect("decode")
            .into_inner()
            .tx;
        assert_eq!(tx, Some(sample_tx()));
    }
}
