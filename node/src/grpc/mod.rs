//! The gRPC API of `weaved`, served with tonic.
//!
//! - `cosmos.tx.v1beta1.Service`: `BroadcastTx` hands the bytes to CometBFT's RPC
//!   (`broadcast_tx_sync`/`_async`); `Simulate` runs the application's simulation;
//!   `GetTx` reads CometBFT's transaction index. gRPC never writes state itself.
//! - `cosmos.auth.v1beta1.Query` and `cosmos.bank.v1beta1.Query`: the parts wallets use.
//! - `cosmos.base.tendermint.v1beta1.Service`: node info, blocks, validator sets, sync
//!   status (from CometBFT's RPC) and raw ABCI queries.
//! - `weave.<module>.v1.Query` for each module the application registers, forwarded
//!   generically by path ([`forward`]).
//! - Server reflection (v1 and v1alpha) over Weave's own proto files.
//!
//! Every query is a thin shell over the application's ABCI `Query`, routed by the gRPC
//! method path: [`Node::query`] encodes the request, asks the application, maps a
//! nonzero code to a [`Status`] and decodes the answer.

// `tonic::Status` is large, but it is what every service method returns; boxing it in
// the helpers would only move the allocation.
#![allow(clippy::result_large_err)]

mod auth;
mod bank;
mod forward;
mod sidecar;
mod status;
mod tendermint;
mod tx;

pub(crate) use sidecar::SidecarGuard;

use std::{future::Future, net::SocketAddr, sync::Arc, time::Duration};

use anyhow::Context as _;
use prost::Message;
use tendermint_proto::v0_38::abci::RequestQuery;
use tendermint_rpc::{HttpClient, HttpClientUrl};
use tonic::{
    metadata::{MetadataMap, MetadataValue},
    service::Routes,
    transport::{server::TcpIncoming, Server},
    Request, Response, Status,
};
use weave_app::App;

use cosmos_sdk_proto::cosmos::{
    auth::v1beta1::query_server::QueryServer as AuthQueryServer,
    bank::v1beta1::query_server::QueryServer as BankQueryServer,
    base::query::v1beta1::{PageRequest, PageResponse},
    base::tendermint::v1beta1::service_server::ServiceServer as TendermintServiceServer,
    tx::v1beta1::service_server::ServiceServer as TxServiceServer,
};
use weave_proto::weave::sidecar::v1::sidecar_server::SidecarServer;

use status::abci_status;

/// The largest request a client may send.
const MAX_DECODE_BYTES: usize = 4 * 1024 * 1024;
/// The largest response the server sends: a full block (CometBFT's default limit is
/// 21 MiB) must fit.
const MAX_ENCODE_BYTES: usize = 32 * 1024 * 1024;
/// How long one request may take before it is cancelled.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);
/// How long one call to CometBFT's RPC may take.
const RPC_TIMEOUT: Duration = Duration::from_secs(10);
/// Concurrent requests per client connection.
const CONCURRENCY_PER_CONNECTION: usize = 64;

/// Simulations that may run at once: each runs a transaction up to the chain's
/// `max_tx_gas` on a blocking thread, so public callers could otherwise keep every
/// core busy.
pub(crate) const SIMULATE_CONCURRENCY: usize = 4;
/// How long a simulation waits for a free slot before it is refused with
/// `RESOURCE_EXHAUSTED`.
const SIMULATE_WAIT: Duration = Duration::from_secs(2);

/// The request and response header that carries a query's height, as in the Cosmos SDK.
const BLOCK_HEIGHT_HEADER: &str = "x-cosmos-block-height";

/// What every service works from: the application, for queries and simulation, and
/// CometBFT's RPC, for transactions and blocks.
#[derive(Clone)]
struct Node {
    app: Arc<App>,
    rpc: HttpClient,
    /// Slots for simulations running at once.
    simulate_slots: Arc<tokio::sync::Semaphore>,
    /// How long a simulation waits for a slot.
    simulate_wait: Duration,
}

impl std::fmt::Debug for Node {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Node")
            .field("app", &self.app)
            .finish_non_exhaustive()
    }
}

impl Node {
    /// Builds the shared state; `cometbft_rpc` is a URL such as `http://127.0.0.1:26657`
    /// (`tcp://` is read as `http://`). No connection is made until the first call.
    fn new(app: Arc<App>, cometbft_rpc: &str) -> anyhow::Result<Self> {
        let url = match cometbft_rpc.strip_prefix("tcp://") {
            Some(rest) => format!("http://{rest}"),
            None => cometbft_rpc.to_string(),
        };
        let url: HttpClientUrl = url
            .parse()
            .with_context(|| format!("invalid CometBFT RPC address {cometbft_rpc:?}"))?;
        let rpc = HttpClient::builder(url)
            .timeout(RPC_TIMEOUT)
            .build()
            .with_context(|| format!("building the CometBFT RPC client for {cometbft_rpc}"))?;
        Ok(Self {
            app,
            rpc,
            simulate_slots: Arc::new(tokio::sync::Semaphore::new(SIMULATE_CONCURRENCY)),
            simulate_wait: SIMULATE_WAIT,
        })
    }

    /// Runs synchronous application work (it takes locks) on the blocking pool.
    async fn blocking<T, F>(&self, what: &'static str, f: F) -> Result<T, Status>
    where
        T: Send + 'static,
        F: FnOnce(&App) -> T + Send + 'static,
    {
        let app = Arc::clone(&self.app);
        tokio::task::spawn_blocking(move || f(&app))
            .await
            .map_err(|e| {
                tracing::error!(what, error = %e, "application call failed");
                Status::internal(format!("{what}: the application call failed"))
            })
    }

    /// Answers a gRPC query through the application's ABCI `Query` at the gRPC method
    /// `path`. A request header `x-cosmos-block-height` asks for a height; the response
    /// carries the height that answered in the same header.
    async fn query<Req, Res>(
        &self,
        path: &'static str,
        request: Request<Req>,
    ) -> Result<Response<Res>, Status>
    where
        Req: Message,
        Res: Message + Default,
    {
        let height = requested_height(request.metadata())?;
        let data = request.into_inner().encode_to_vec();
        let res = self
            .blocking(path, move |app| {
                app.query(RequestQuery {
                    data: data.into(),
                    path: path.to_string(),
                    height,
                    prove: false,
                })
            })
            .await?;
        if res.code != 0 {
            let status = abci_status(&res.codespace, res.code, &res.log);
            tracing::debug!(path, code = res.code, codespace = %res.codespace, log = %res.log, "query failed");
            return Err(status);
        }
        let value = Res::decode(res.value).map_err(|e| {
            tracing::error!(path, error = %e, "the application answered a query with undecodable bytes");
            Status::internal(format!("{path}: undecodable response: {e}"))
        })?;
        let mut response = Response::new(value);
        response
            .metadata_mut()
            .insert(BLOCK_HEIGHT_HEADER, MetadataValue::from(res.height));
        Ok(response)
    }
}

/// The height a request asks for in its `x-cosmos-block-height` header; 0 (latest)
/// without one.
fn requested_height(metadata: &MetadataMap) -> Result<i64, Status> {
    let Some(value) = metadata.get(BLOCK_HEIGHT_HEADER) else {
        return Ok(0);
    };
    value
        .to_str()
        .ok()
        .and_then(|s| s.trim().parse::<i64>().ok())
        .filter(|h| *h >= 0)
        .ok_or_else(|| {
            Status::invalid_argument(format!(
                "{BLOCK_HEIGHT_HEADER} must be a non-negative integer"
            ))
        })
}

/// The page size when a request names none, as in the Cosmos SDK.
const DEFAULT_PAGE_LIMIT: u64 = 100;

/// Offset pagination over a list already in memory. A response's `next_key` is the
/// offset of the next page, 8 bytes big-endian, which a request may pass back as its
/// `key`; `total` is always filled.
fn paginate<T>(
    mut items: Vec<T>,
    request: Option<&PageRequest>,
) -> Result<(Vec<T>, PageResponse), Status> {
    let default = PageRequest::default();
    let req = request.unwrap_or(&default);
    let total = items.len() as u64;
    let offset = if req.key.is_empty() {
        req.offset
    } else {
        if req.offset != 0 {
            return Err(Status::invalid_argument(
                "pagination: give either a key or an offset, not both",
            ));
        }
        let key: [u8; 8] = req.key.as_slice().try_into().map_err(|_| {
            Status::invalid_argument("pagination: the key must be a next_key this server returned")
        })?;
        u64::from_be_bytes(key)
    };
    let limit = if req.limit == 0 {
        DEFAULT_PAGE_LIMIT
    } else {
        req.limit
    };
    if req.reverse {
        items.reverse();
    }
    let start = offset.min(total);
    let end = offset.saturating_add(limit).min(total);
    let next_key = if end < total {
        end.to_be_bytes().to_vec()
    } else {
        Vec::new()
    };
    // Both bounds are at most `items.len()`, so they fit in usize.
    let page = items
        .into_iter()
        .skip(start as usize)
        .take((end - start) as usize)
        .collect();
    Ok((page, PageResponse { next_key, total }))
}

/// The status of a method this node does not serve.
fn not_served(method: &str) -> Status {
    Status::unimplemented(format!("{method} is not served by weaved"))
}

/// Applies the message size bounds to a generated tonic server.
macro_rules! bounded {
    ($server:expr) => {
        $server
            .max_decoding_message_size(MAX_DECODE_BYTES)
            .max_encoding_message_size(MAX_ENCODE_BYTES)
    };
}

/// The Weave services served here, as reflection lists them: every module query
/// service the application registers, and the sidecar's control service.
fn weave_services(app: &App) -> Vec<String> {
    forward::module_services(app)
        .into_iter()
        .chain([weave_proto::weave::sidecar::v1::sidecar_server::SERVICE_NAME.to_string()])
        .collect()
}

/// A reflection service over Weave's proto files that lists the Weave services served
/// (`services`) and itself (`own`). Every message type of the files can be looked up,
/// but the `Msg` services, which are not served over gRPC, are not listed. The
/// `cosmos.*` services are served without reflection: `cosmos-sdk-proto` ships no
/// descriptors.
fn reflection(
    services: &[String],
    own: &'static str,
) -> tonic_reflection::server::Builder<'static> {
    services.iter().map(String::as_str).chain([own]).fold(
        tonic_reflection::server::Builder::configure()
            .register_encoded_file_descriptor_set(weave_proto::FILE_DESCRIPTOR_SET),
        |builder, name| builder.with_service_name(name),
    )
}

/// Serves the gRPC API on `addr` until `shutdown` resolves.
pub(crate) async fn serve(
    addr: SocketAddr,
    app: Arc<App>,
    cometbft_rpc: String,
    sidecar: Option<weave_sidecar::SidecarHandle>,
    guard: SidecarGuard,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    let node = Node::new(app, &cometbft_rpc)?;

    let services = weave_services(&node.app);
    let reflection_v1 = reflection(
        &services,
        tonic_reflection::pb::v1::server_reflection_server::SERVICE_NAME,
    )
    .build_v1()
    .context("building the gRPC reflection service (v1)")?;
    let reflection_v1alpha = reflection(
        &services,
        tonic_reflection::pb::v1alpha::server_reflection_server::SERVICE_NAME,
    )
    .build_v1alpha()
    .context("building the gRPC reflection service (v1alpha)")?;

    let incoming = TcpIncoming::bind(addr)
        .with_context(|| format!("binding the gRPC address {addr}"))?
        .with_nodelay(Some(true));

    let routes = Routes::default()
        .add_service(bounded!(TxServiceServer::new(tx::TxService::new(
            node.clone()
        ))))
        .add_service(bounded!(AuthQueryServer::new(auth::AuthQuery::new(
            node.clone()
        ))))
        .add_service(bounded!(BankQueryServer::new(bank::BankQuery::new(
            node.clone()
        ))))
        .add_service(bounded!(SidecarServer::new(sidecar::SidecarService::new(
            node.clone(),
            sidecar,
            guard
        ))))
        .add_service(bounded!(TendermintServiceServer::new(
            tendermint::TendermintService::new(node.clone())
        )))
        .add_service(bounded!(reflection_v1))
        .add_service(bounded!(reflection_v1alpha));
    let routes = forward::add_module_routes(routes, &node);

    Server::builder()
        .timeout(REQUEST_TIMEOUT)
        .concurrency_limit_per_connection(CONCURRENCY_PER_CONNECTION)
        .add_routes(routes)
        .serve_with_incoming_shutdown(incoming, shutdown)
        .await
        .map_err(|e| {
            tracing::error!(error = %e, %addr, "gRPC server failed");
            anyhow::Error::new(e).context(format!("gRPC server on {addr}"))
        })
}

#[cfg(test)]
mod test_support {
    //! An application over a temporary store, with a funded account, for the
    //! services' tests. The CometBFT RPC address points nowhere: these tests never
    //! reach it.

    use std::sync::Arc;

    use tendermint_proto::v0_38::abci::RequestInitChain;
    use weave_app::{store::StorageConfig, App};
    use weave_bank::{GenesisBalance, GenesisState};
    use weave_kernel::{Address, Coin, Coins};

    use super::Node;

    /// The funded account.
    pub(super) const FUNDED: Address = Address::new([7u8; 20]);
    /// Its `uweave` balance.
    pub(super) const FUNDS: u128 = 1_000_000;

    pub(super) fn node() -> (Node, tempfile::TempDir) {
        node_with(serde_json::Value::Null)
    }

    /// [`node`] with this `auth` section of genesis (`null` for the defaults).
    pub(super) fn node_with(auth: serde_json::Value) -> (Node, tempfile::TempDir) {
        let dir = tempfile::tempdir().expect("tempdir");
        let app = App::open(dir.path(), StorageConfig::default()).expect("open app");
        let bank = GenesisState {
            balances: vec![GenesisBalance {
                address: FUNDED,
                coins: Coins::new(vec![Coin {
                    denom: "uweave".into(),
                    amount: FUNDS,
                }])
                .expect("coins"),
            }],
            ..Default::default()
        };
        let mut app_state = serde_json::json!({ "bank": bank });
        if !auth.is_null() {
            app_state["auth"] = auth;
        }
        app.init_chain(RequestInitChain {
            chain_id: "weave-test".into(),
            initial_height: 1,
            app_state_bytes: serde_json::to_vec(&app_state).expect("json").into(),
            ..Default::default()
        })
        .expect("init chain");
        let node = Node::new(Arc::new(app), "tcp://127.0.0.1:1").expect("node");
        (node, dir)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn height_header_is_parsed_and_checked() {
        let mut md = MetadataMap::new();
        assert_eq!(requested_height(&md).expect("no header"), 0);
        md.insert(BLOCK_HEIGHT_HEADER, MetadataValue::from(12i64));
        assert_eq!(requested_height(&md).expect("header"), 12);
        md.insert(BLOCK_HEIGHT_HEADER, MetadataValue::from(-1i64));
        assert_eq!(
            requested_height(&md).expect_err("negative").code(),
            tonic::Code::InvalidArgument
        );
        md.insert(BLOCK_HEIGHT_HEADER, MetadataValue::from_static("ten"));
        assert_eq!(
            requested_height(&md).expect_err("text").code(),
            tonic::Code::InvalidArgument
        );
    }

    #[test]
    fn pages_by_offset_and_by_key() {
        let items: Vec<u32> = (0..250).collect();
        let (page, res) = paginate(items.clone(), None).expect("default page");
        assert_eq!(page, (0..100).collect::<Vec<_>>());
        assert_eq!(res.total, 250);
        let req = PageRequest {
            key: res.next_key,
            limit: 200,
            ..Default::default()
        };
        let (page, res) = paginate(items.clone(), Some(&req)).expect("by key");
        assert_eq!(page, (100..250).collect::<Vec<_>>());
        assert!(res.next_key.is_empty());
        let req = PageRequest {
            offset: 248,
            limit: 5,
            reverse: true,
            ..Default::default()
        };
        let (page, _) = paginate(items.clone(), Some(&req)).expect("reverse");
        assert_eq!(page, vec![1, 0]);
        let req = PageRequest {
            offset: 1000,
            ..Default::default()
        };
        assert!(paginate(items.clone(), Some(&req))
            .expect("past the end")
            .0
            .is_empty());
        let req = PageRequest {
            key: vec![1, 2, 3],
            ..Default::default()
        };
        assert_eq!(
            paginate(items, Some(&req)).expect_err("bad key").code(),
            tonic::Code::InvalidArgument
        );
    }

    #[test]
    fn advertised_weave_services_exist_in_the_descriptors() {
        let set = prost_types::FileDescriptorSet::decode(weave_proto::FILE_DESCRIPTOR_SET)
            .expect("descriptor set");
        let declared: Vec<String> = set
            .file
            .iter()
            .flat_map(|f| {
                f.service
                    .iter()
                    .map(move |s| format!("{}.{}", f.package(), s.name()))
            })
            .collect();
        let (node, _dir) = test_support::node();
        let served = weave_services(&node.app);
        // Every module's query service, and the sidecar's.
        assert_eq!(served.len(), 9, "{served:?}");
        for name in &served {
            assert!(
                declared.iter().any(|d| d == name),
                "{name} not in {declared:?}"
            );
        }
    }

    /// The whole server over a real socket: routing, the size bound, reflection and
    /// shutdown.
    #[tokio::test]
    async fn serves_over_tcp_and_stops_on_shutdown() {
        use cosmos_sdk_proto::cosmos::bank::v1beta1::{
            query_client::QueryClient as BankClient, QueryBalanceRequest,
        };
        use tokio_stream::StreamExt as _;
        use tonic_reflection::pb::v1::{
            server_reflection_client::ServerReflectionClient,
            server_reflection_request::MessageRequest, server_reflection_response::MessageResponse,
            ServerReflectionRequest,
        };

        let (node, _dir) = test_support::node();
        let addr = {
            let probe = std::net::TcpListener::bind("127.0.0.1:0").expect("probe port");
            probe.local_addr().expect("local addr")
        };
        let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
        let server = tokio::spawn(serve(
            addr,
            Arc::clone(&node.app),
            "http://127.0.0.1:1".into(),
            None,
            SidecarGuard::new(_dir.path(), "test-token").expect("guard"),
            async {
                let _ = stop_rx.await;
            },
        ));
        let url = format!("http://{addr}");
        let channel = {
            let mut tries = 0;
            loop {
                match tonic::transport::Endpoint::from_shared(url.clone())
                    .expect("endpoint")
                    .connect()
                    .await
                {
                    Ok(c) => break c,
                    Err(_) if tries < 50 => {
                        tries += 1;
                        tokio::time::sleep(Duration::from_millis(20)).await;
                    }
                    Err(e) => panic!("server did not come up: {e}"),
                }
            }
        };

        let mut bank = BankClient::new(channel.clone()).max_encoding_message_size(64 * 1024 * 1024);
        let res = bank
            .balance(QueryBalanceRequest {
                address: test_support::FUNDED.to_string(),
                denom: "uweave".into(),
            })
            .await
            .expect("balance over tcp");
        assert!(res.metadata().get(BLOCK_HEIGHT_HEADER).is_some());
        assert_eq!(
            res.into_inner().balance.expect("coin").amount,
            test_support::FUNDS.to_string()
        );

        // A request above the decode bound is refused.
        let err = bank
            .balance(QueryBalanceRequest {
                address: "x".repeat(MAX_DECODE_BYTES + 1),
                denom: "uweave".into(),
            })
            .await
            .expect_err("too large");
        assert_eq!(err.code(), tonic::Code::OutOfRange, "{err:?}");

        // The module query services are routed too.
        let feed = weave_proto::weave::content::v1::query_client::QueryClient::new(channel.clone())
            .feed(weave_proto::weave::content::v1::QueryFeedRequest { page: None })
            .await
            .expect("content feed over tcp")
            .into_inner();
        assert!(feed.contents.is_empty());
        let params =
            weave_proto::weave::splits::v1::query_client::QueryClient::new(channel.clone())
                .params(weave_proto::weave::splits::v1::QueryParamsRequest {})
                .await
                .expect("splits params over tcp")
                .into_inner();
        assert!(params.params.is_some());
        let params =
            weave_proto::weave::channels::v1::query_client::QueryClient::new(channel.clone())
                .params(weave_proto::weave::channels::v1::QueryParamsRequest {})
                .await
                .expect("channels params over tcp")
                .into_inner();
        assert!(params.params.is_some());
        let params =
            weave_proto::weave::validators::v1::query_client::QueryClient::new(channel.clone())
                .params(weave_proto::weave::validators::v1::QueryParamsRequest {})
                .await
                .expect("validators params over tcp")
                .into_inner();
        assert!(params.params.is_some());
        let params = weave_proto::weave::gov::v1::query_client::QueryClient::new(channel.clone())
            .params(weave_proto::weave::gov::v1::QueryParamsRequest {})
            .await
            .expect("gov params over tcp")
            .into_inner();
        assert!(params.params.is_some());
        let params =
            weave_proto::weave::seeders::v1::query_client::QueryClient::new(channel.clone())
                .params(weave_proto::weave::seeders::v1::QueryParamsRequest {})
                .await
                .expect("seeders params over tcp")
                .into_inner();
        assert!(params.params.is_some());
        // A module's own error keeps its codespace and code through the forwarder.
        let err = weave_proto::weave::splits::v1::query_client::QueryClient::new(channel.clone())
            .split(weave_proto::weave::splits::v1::QuerySplitRequest { split_id: 99 })
            .await
            .expect_err("no such split");
        assert!(err.message().starts_with("splits:8: "), "{err:?}");
        let mut weave_bank =
            weave_proto::weave::bank::v1::query_client::QueryClient::new(channel.clone())
                .max_encoding_message_size(64 * 1024 * 1024);
        let res = weave_bank
            .balance(weave_proto::weave::bank::v1::QueryBalanceRequest {
                address: test_support::FUNDED.to_string(),
                denom: "uweave".into(),
            })
            .await
            .expect("weave bank balance over tcp");
        assert!(res.metadata().get(BLOCK_HEIGHT_HEADER).is_some());
        assert_eq!(
            res.into_inner().balance.expect("coin").amount,
            test_support::FUNDS.to_string()
        );
        let err = weave_bank
            .balance(weave_proto::weave::bank::v1::QueryBalanceRequest {
                address: "x".repeat(MAX_DECODE_BYTES + 1),
                denom: "uweave".into(),
            })
            .await
            .expect_err("too large for a module query too");
        assert_eq!(err.code(), tonic::Code::OutOfRange, "{err:?}");
        let auth = weave_proto::weave::auth::v1::query_client::QueryClient::new(channel.clone())
            .params(weave_proto::weave::auth::v1::QueryParamsRequest {})
            .await
            .expect("auth params over tcp")
            .into_inner();
        assert_eq!(
            auth.params.expect("params").max_memo_chars,
            weave_app::auth::AuthParams::default().max_memo_chars
        );

        let mut reflection = ServerReflectionClient::new(channel);
        let request = ServerReflectionRequest {
            host: String::new(),
            message_request: Some(MessageRequest::ListServices(String::new())),
        };
        let mut answers = reflection
            .server_reflection_info(tokio_stream::iter([request]))
            .await
            .expect("reflection")
            .into_inner();
        let answer = answers.next().await.expect("an answer").expect("ok");
        let Some(MessageResponse::ListServicesResponse(list)) = answer.message_response else {
            panic!("unexpected reflection answer {answer:?}");
        };
        let names: Vec<String> = list.service.into_iter().map(|s| s.name).collect();
        assert!(
            names.iter().any(|n| n == "weave.bank.v1.Query"),
            "{names:?}"
        );
        for served in [
            "weave.splits.v1.Query",
            "weave.content.v1.Query",
            "weave.channels.v1.Query",
            "weave.validators.v1.Query",
            "weave.gov.v1.Query",
            "weave.auth.v1.Query",
            "weave.seeders.v1.Query",
        ] {
            assert!(names.iter().any(|n| n == served), "{served} in {names:?}");
        }
        assert!(!names.iter().any(|n| n == "weave.bank.v1.Msg"), "{names:?}");
        for unserved in [
            "weave.content.v1.Msg",
            "weave.channels.v1.Msg",
            "weave.validators.v1.Msg",
            "weave.gov.v1.Msg",
            "weave.seeders.v1.Msg",
        ] {
            assert!(!names.iter().any(|n| n == unserved), "{names:?}");
        }

        stop_tx.send(()).expect("server still running");
        server.await.expect("join").expect("clean shutdown");
    }

    #[test]
    fn rpc_address_accepts_tcp_scheme() {
        let (node, _dir) = test_support::node();
        assert!(Node::new(Arc::clone(&node.app), "http://127.0.0.1:26657").is_ok());
        assert!(Node::new(Arc::clone(&node.app), "tcp://127.0.0.1:26657").is_ok());
        assert!(Node::new(Arc::clone(&node.app), "not a url").is_err());
    }
}
