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
//! - Server reflection (v1 and v1alpha) over Weave's own proto files and the Cosmos
//!   SDK's descriptors ([`crate::descriptors`]), listing every service served.
//!
//! Every query is a thin shell over the application's ABCI `Query`, routed by the gRPC
//! method path: [`common::Node::query`] encodes the request, asks the application, maps a
//! nonzero code to a [`Status`] and decodes the answer.

// `tonic::Status` is large, but it is what every service method returns; boxing it in
// the helpers would only move the allocation.
#![allow(clippy::result_large_err)]

mod auth;
mod bank;
mod common;
mod forward;
mod sidecar;
mod status;
mod tendermint;
#[cfg(test)]
mod test_support;
mod tx;

pub(crate) use common::cometbft_client;
pub(crate) use common::{BLOCK_HEIGHT_HEADER, MAX_DECODE_BYTES, MAX_ENCODE_BYTES};
pub(crate) use forward::RawCodec;
pub(crate) use sidecar::SidecarGuard;

/// The Weave module query services the application serves (`weave.<module>.v1.Query`).
pub(crate) fn module_services(app: &App) -> Vec<String> {
    forward::module_services(app).into_iter().collect()
}

use std::{future::Future, net::SocketAddr, sync::Arc, time::Duration};

use anyhow::Context as _;
use tonic::{
    service::Routes,
    transport::{server::TcpIncoming, Server},
};
use weave_app::App;

use cosmos_sdk_proto::cosmos::{
    auth::v1beta1::query_server::QueryServer as AuthQueryServer,
    bank::v1beta1::query_server::QueryServer as BankQueryServer,
    base::tendermint::v1beta1::service_server::ServiceServer as TendermintServiceServer,
    tx::v1beta1::service_server::ServiceServer as TxServiceServer,
};
use weave_proto::weave::{
    search::v1::search_server::SearchServer, sidecar::v1::sidecar_server::SidecarServer,
};

use common::Node;

use crate::health::Liveness;

/// How long one request may take before it is cancelled (all but [`LONG_RUNNING`]).
const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);
/// The sidecar's calls whose work lasts as long as the file or the download does:
/// sealing a file into the slice store (`AddFile`: a 1 GiB file takes minutes on a slow
/// machine), a download (`Fetch`, a server stream) and announcing a content
/// (`Seed`). They are loopback-only and token-guarded; [`REQUEST_TIMEOUT`] does not
/// bound them, though a client's own `grpc-timeout` still does.
const LONG_RUNNING: [&str; 3] = [
    "/weave.sidecar.v1.Sidecar/AddFile",
    "/weave.sidecar.v1.Sidecar/Fetch",
    "/weave.sidecar.v1.Sidecar/Seed",
];
/// Concurrent requests per client connection.
const CONCURRENCY_PER_CONNECTION: usize = 64;

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
        .chain([
            weave_proto::weave::sidecar::v1::sidecar_server::SERVICE_NAME.to_string(),
            weave_proto::weave::search::v1::search_server::SERVICE_NAME.to_string(),
        ])
        .collect()
}

/// A reflection service over Weave's proto files and the Cosmos SDK's descriptors that
/// lists the Weave services served (`services`), the Cosmos services served, the
/// standard health service and itself (`own`). Every message type of the files can be
/// looked up, but the `Msg` services, which are not served over gRPC, are not listed.
fn reflection(
    services: &[String],
    own: &'static str,
) -> tonic_reflection::server::Builder<'static> {
    services
        .iter()
        .map(String::as_str)
        .chain(crate::descriptors::COSMOS_SERVICES)
        .chain([own, HEALTH_SERVICE])
        .fold(
            tonic_reflection::server::Builder::configure()
                .register_encoded_file_descriptor_set(weave_proto::FILE_DESCRIPTOR_SET)
                .register_encoded_file_descriptor_set(
                    crate::descriptors::COSMOS_FILE_DESCRIPTOR_SET,
                )
                .register_encoded_file_descriptor_set(tonic_health::pb::FILE_DESCRIPTOR_SET),
            |builder, name| builder.with_service_name(name),
        )
}

/// Binds the gRPC address. `weaved start` binds before it spawns CometBFT, so the API
/// accepts connections by the time the first block is made (building reflection
/// takes a while in a debug build, and a client dialling in that window was refused).
pub(crate) fn bind(addr: SocketAddr) -> anyhow::Result<TcpIncoming> {
    Ok(TcpIncoming::bind(addr)
        .with_context(|| format!("binding the gRPC address {addr}"))?
        .with_nodelay(Some(true)))
}

/// Serves the gRPC API on `incoming` (from [`bind`]) until `shutdown` resolves.
// Each argument is one part of the node that `weaved start` set up.
#[allow(clippy::too_many_arguments)]
pub(crate) async fn serve(
    incoming: TcpIncoming,
    app: Arc<App>,
    cometbft_rpc: String,
    sidecar: Option<weave_sidecar::SidecarHandle>,
    guard: SidecarGuard,
    liveness: Liveness,
    search: Option<Arc<weave_search::SearchIndex>>,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    let node = Node::new(app, &cometbft_rpc)?;
    let (health_reporter, health_service) = tonic_health::server::health_reporter();
    let health_task = tokio::spawn(report_health(health_reporter, liveness));

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
        .add_service(bounded!(SearchServer::new(
            crate::search::SearchService::new(search)
        )))
        .add_service(bounded!(TendermintServiceServer::new(
            tendermint::TendermintService::new(node.clone())
        )))
        .add_service(bounded!(reflection_v1))
        .add_service(bounded!(reflection_v1alpha))
        .add_service(health_service);
    let routes = forward::add_module_routes(routes, &node);

    // Not the server's `.timeout(REQUEST_TIMEOUT)`: that bounds every call, the
    // sidecar's long ones too. Clients' `grpc-timeout` headers are still honoured.
    let routes = Routes::from(routes.into_axum_router().layer(
        axum::middleware::from_fn_with_state(REQUEST_TIMEOUT, bound_requests),
    ));
    let served = Server::builder()
        .concurrency_limit_per_connection(CONCURRENCY_PER_CONNECTION)
        .add_routes(routes)
        .serve_with_incoming_shutdown(incoming, shutdown)
        .await
        .map_err(|e| {
            tracing::error!(error = %e, "gRPC server failed");
            anyhow::Error::new(e).context("the gRPC server failed")
        });
    health_task.abort();
    served
}

/// Cancels a call that takes longer than `bound` (answering `CANCELLED`, "Timeout
/// expired", as tonic's own server timeout does), unless it is one of the sidecar's
/// [`LONG_RUNNING`] calls. A server-streaming call is bounded until its stream starts.
async fn bound_requests(
    axum::extract::State(bound): axum::extract::State<Duration>,
    req: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    if LONG_RUNNING.contains(&req.uri().path()) {
        return next.run(req).await;
    }
    match tokio::time::timeout(bound, next.run(req)).await {
        Ok(response) => response,
        Err(_) => tonic::Status::cancelled("Timeout expired").into_http(),
    }
}

/// The standard health service's name, as reflection lists it.
const HEALTH_SERVICE: &str = "grpc.health.v1.Health";

/// How often the gRPC health status is brought up to date.
const HEALTH_POLL: Duration = Duration::from_secs(1);

/// Keeps the standard gRPC health service (`grpc.health.v1.Health`) in step with
/// [`Liveness`]: the server as a whole (service `""`) is `SERVING` while the node makes
/// blocks and `NOT_SERVING` otherwise.
async fn report_health(reporter: tonic_health::server::HealthReporter, liveness: Liveness) {
    let mut last = None;
    loop {
        let healthy = liveness.check().healthy;
        if last != Some(healthy) {
            let status = if healthy {
                tonic_health::ServingStatus::Serving
            } else {
                tonic_health::ServingStatus::NotServing
            };
            reporter.set_service_status("", status).await;
            last = Some(healthy);
        }
        tokio::time::sleep(HEALTH_POLL).await;
    }
}

#[cfg(test)]
mod tests {
    use prost::Message as _;

    use super::*;
    use crate::grpc::common::BLOCK_HEIGHT_HEADER;
    use crate::grpc::test_support;

    /// Ordinary calls are cancelled after the bound; the sidecar's long ones are not.
    #[tokio::test]
    async fn the_request_bound_spares_only_the_sidecars_long_calls() {
        use tonic::codegen::Service as _;
        let slow = || async {
            tokio::time::sleep(Duration::from_millis(300)).await;
            "done"
        };
        let mut app = axum::Router::new()
            .route("/weave.bank.v1.Query/Params", axum::routing::post(slow))
            .route(
                "/weave.sidecar.v1.Sidecar/AddFile",
                axum::routing::post(slow),
            )
            .route("/weave.sidecar.v1.Sidecar/Fetch", axum::routing::post(slow))
            .layer(axum::middleware::from_fn_with_state(
                Duration::from_millis(50),
                bound_requests,
            ));
        let mut call = |path: &str| {
            app.call(
                axum::http::Request::post(path)
                    .body(axum::body::Body::empty())
                    .unwrap(),
            )
        };
        let r = call("/weave.bank.v1.Query/Params").await.unwrap();
        assert_eq!(r.headers()["grpc-status"], "1", "{r:?}");
        assert_eq!(r.headers()["grpc-message"], "Timeout%20expired", "{r:?}");
        for path in LONG_RUNNING.iter().take(2) {
            let r = call(path).await.unwrap();
            assert_eq!(r.status(), 200, "{path}");
            assert!(r.headers().get("grpc-status").is_none(), "{path}: {r:?}");
        }
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
        // Every module's query service (eight, social included), the sidecar's and the
        // search index's.
        assert_eq!(served.len(), 11, "{served:?}");
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
            bind(addr).expect("bind"),
            Arc::clone(&node.app),
            "http://127.0.0.1:1".into(),
            None,
            SidecarGuard::new(_dir.path(), "test-token").expect("guard"),
            test_support::liveness(),
            None,
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

        let mut reflection = ServerReflectionClient::new(channel.clone());
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

        assert!(names.iter().any(|n| n == HEALTH_SERVICE), "{names:?}");
        for cosmos in crate::descriptors::COSMOS_SERVICES {
            assert!(names.iter().any(|n| n == cosmos), "{cosmos} in {names:?}");
        }
        assert!(
            !names.iter().any(|n| n == "cosmos.bank.v1beta1.Msg"),
            "{names:?}"
        );

        // No block was committed: the standard health check says NOT_SERVING.
        let status = tonic_health::pb::health_client::HealthClient::new(channel.clone())
            .check(tonic_health::pb::HealthCheckRequest {
                service: String::new(),
            })
            .await
            .expect("health check")
            .into_inner()
            .status;
        assert_eq!(
            status,
            tonic_health::pb::health_check_response::ServingStatus::NotServing as i32
        );

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
