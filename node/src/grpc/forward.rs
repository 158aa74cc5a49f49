//! Every module's `weave.<module>.v1.Query` service, served by one generic forwarder.
//!
//! The application's router knows every query path its modules answer; each
//! `/weave.<module>.v1.Query/<Method>` path becomes a route whose gRPC request bytes go,
//! undecoded, to the application's ABCI `Query` at that path, and whose answer bytes
//! go back as the gRPC response. A module's query service is therefore served (and
//! listed by reflection) as soon as the module is registered in the application: no
//! per-module code here.

use std::{collections::BTreeSet, convert::Infallible, future::Future, pin::Pin};

use bytes::{Buf, BufMut};
use tendermint_proto::v0_38::abci::RequestQuery;
use tonic::{
    body::Body,
    codec::{Codec, DecodeBuf, Decoder, EncodeBuf, Encoder},
    codegen::{http, Service},
    metadata::MetadataValue,
    server::{Grpc, UnaryService},
    service::Routes,
    Request, Response, Status,
};
use weave_app::App;

use super::common::{
    requested_height, Node, BLOCK_HEIGHT_HEADER, MAX_DECODE_BYTES, MAX_ENCODE_BYTES,
};
use super::status::abci_status;

/// The gRPC services of the application's own modules (`weave.<module>.v1.Query`),
/// from the query paths its router serves, sorted.
pub(super) fn module_services(app: &App) -> BTreeSet<String> {
    app.router()
        .query_paths()
        .filter(|p| p.starts_with("/weave."))
        .filter_map(|p| p.trim_start_matches('/').split_once('/'))
        .map(|(service, _)| service.to_string())
        .collect()
}

/// Adds a forwarding route for every module query service to `routes`.
pub(super) fn add_module_routes(mut routes: Routes, node: &Node) -> Routes {
    let router = std::mem::take(routes.axum_router_mut());
    let router = module_services(&node.app)
        .into_iter()
        .fold(router, |router, service| {
            router.route_service(
                &format!("/{service}/{{*method}}"),
                ForwardQuery { node: node.clone() },
            )
        });
    *routes.axum_router_mut() = router;
    routes
}

/// A tower service answering any unary gRPC call by the application's ABCI `Query`
/// at the call's path.
#[derive(Clone)]
struct ForwardQuery {
    node: Node,
}

impl Service<http::Request<axum::body::Body>> for ForwardQuery {
    type Response = http::Response<Body>;
    type Error = Infallible;
    type Future = Pin<Box<dyn Future<Output = Result<Self::Response, Infallible>> + Send>>;

    fn poll_ready(
        &mut self,
        _cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Result<(), Self::Error>> {
        std::task::Poll::Ready(Ok(()))
    }

    fn call(&mut self, request: http::Request<axum::body::Body>) -> Self::Future {
        let path = request.uri().path().to_string();
        let node = self.node.clone();
        Box::pin(async move {
            let mut grpc = Grpc::new(RawCodec)
                .apply_max_message_size_config(Some(MAX_DECODE_BYTES), Some(MAX_ENCODE_BYTES));
            Ok(grpc
                .unary(Unary { node, path }, request.map(Body::new))
                .await)
        })
    }
}

/// One call: the request bytes to the application's query at `path`.
struct Unary {
    node: Node,
    path: String,
}

impl UnaryService<Vec<u8>> for Unary {
    type Response = Vec<u8>;
    type Future = Pin<Box<dyn Future<Output = Result<Response<Vec<u8>>, Status>> + Send>>;

    fn call(&mut self, request: Request<Vec<u8>>) -> Self::Future {
        let node = self.node.clone();
        let path = std::mem::take(&mut self.path);
        Box::pin(async move { forward(&node, path, request).await })
    }
}

/// Asks the application; a nonzero code becomes the status the typed services give.
async fn forward(
    node: &Node,
    path: String,
    request: Request<Vec<u8>>,
) -> Result<Response<Vec<u8>>, Status> {
    let height = requested_height(request.metadata())?;
    let data = request.into_inner();
    let query_path = path.clone();
    let res = node
        .blocking("module query", move |app| {
            app.query(RequestQuery {
                data: data.into(),
                path: query_path,
                height,
                prove: false,
            })
        })
        .await?;
    if res.code != 0 {
        tracing::debug!(path, code = res.code, codespace = %res.codespace, log = %res.log, "query failed");
        return Err(abci_status(&res.codespace, res.code, &res.log));
    }
    let mut response = Response::new(res.value.to_vec());
    response
        .metadata_mut()
        .insert(BLOCK_HEIGHT_HEADER, MetadataValue::from(res.height));
    Ok(response)
}

/// A codec that passes message bytes through: the application encodes and decodes.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct RawCodec;

impl Codec for RawCodec {
    type Encode = Vec<u8>;
    type Decode = Vec<u8>;
    type Encoder = RawCodec;
    type Decoder = RawCodec;

    fn encoder(&mut self) -> Self::Encoder {
        RawCodec
    }

    fn decoder(&mut self) -> Self::Decoder {
        RawCodec
    }
}

impl Encoder for RawCodec {
    type Item = Vec<u8>;
    type Error = Status;

    fn encode(&mut self, item: Vec<u8>, dst: &mut EncodeBuf<'_>) -> Result<(), Status> {
        dst.put_slice(&item);
        Ok(())
    }
}

impl Decoder for RawCodec {
    type Item = Vec<u8>;
    type Error = Status;

    fn decode(&mut self, src: &mut DecodeBuf<'_>) -> Result<Option<Vec<u8>>, Status> {
        let mut out = vec![0u8; src.remaining()];
        src.copy_to_slice(&mut out);
        Ok(Some(out))
    }
}
