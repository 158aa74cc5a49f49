//! What every gRPC service of `weaved` shares: the [`Node`] they work from (the
//! application and CometBFT's RPC), the height header, pagination and the size bounds.
//! Leaf of the `grpc` module: the services use it, it uses none of them.

// `tonic::Status` is large, but it is what every service method returns.
#![allow(clippy::result_large_err)]

use std::{sync::Arc, time::Duration};

use anyhow::Context as _;
use cosmos_sdk_proto::cosmos::base::query::v1beta1::{PageRequest, PageResponse};
use prost::Message;
use tendermint_proto::v0_38::abci::RequestQuery;
use tendermint_rpc::{HttpClient, HttpClientUrl};
use tonic::{
    metadata::{MetadataMap, MetadataValue},
    Request, Response, Status,
};
use weave_app::App;

use super::status::abci_status;

/// The largest request a client may send.
pub(crate) const MAX_DECODE_BYTES: usize = 4 * 1024 * 1024;
/// The largest response the server sends: a full block (CometBFT's default limit is
/// 21 MiB) must fit.
pub(crate) const MAX_ENCODE_BYTES: usize = 32 * 1024 * 1024;
/// How long one call to CometBFT's RPC may take.
const RPC_TIMEOUT: Duration = Duration::from_secs(10);

/// Simulations that may run at once: each runs a transaction up to the chain's
/// `max_tx_gas` on a blocking thread, so public callers could otherwise keep every
/// core busy.
pub(super) const SIMULATE_CONCURRENCY: usize = 4;
/// How long a simulation waits for a free slot before it is refused with
/// `RESOURCE_EXHAUSTED`.
pub(super) const SIMULATE_WAIT: Duration = Duration::from_secs(2);

/// The request and response header that carries a query's height, as in the Cosmos SDK.
pub(crate) const BLOCK_HEIGHT_HEADER: &str = "x-cosmos-block-height";

/// What every service works from: the application, for queries and simulation, and
/// CometBFT's RPC, for transactions and blocks.
#[derive(Clone)]
pub(super) struct Node {
    pub(super) app: Arc<App>,
    pub(super) rpc: HttpClient,
    /// Slots for simulations running at once.
    pub(super) simulate_slots: Arc<tokio::sync::Semaphore>,
    /// How long a simulation waits for a slot.
    pub(super) simulate_wait: Duration,
}

impl std::fmt::Debug for Node {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Node")
            .field("app", &self.app)
            .finish_non_exhaustive()
    }
}

/// A client of CometBFT's RPC at `cometbft_rpc`, a URL such as `http://127.0.0.1:26657`
/// (`tcp://` is read as `http://`). No connection is made until the first call.
pub(crate) fn cometbft_client(cometbft_rpc: &str) -> anyhow::Result<HttpClient> {
    let url = match cometbft_rpc.strip_prefix("tcp://") {
        Some(rest) => format!("http://{rest}"),
        None => cometbft_rpc.to_string(),
    };
    let url: HttpClientUrl = url
        .parse()
        .with_context(|| format!("invalid CometBFT RPC address {cometbft_rpc:?}"))?;
    HttpClient::builder(url)
        .timeout(RPC_TIMEOUT)
        .build()
        .with_context(|| format!("building the CometBFT RPC client for {cometbft_rpc}"))
}

impl Node {
    /// Builds the shared state; `cometbft_rpc` is a URL such as `http://127.0.0.1:26657`
    /// (`tcp://` is read as `http://`). No connection is made until the first call.
    pub(super) fn new(app: Arc<App>, cometbft_rpc: &str) -> anyhow::Result<Self> {
        Ok(Self {
            app,
            rpc: cometbft_client(cometbft_rpc)?,
            simulate_slots: Arc::new(tokio::sync::Semaphore::new(SIMULATE_CONCURRENCY)),
            simulate_wait: SIMULATE_WAIT,
        })
    }

    /// Runs synchronous application work (it takes locks) on the blocking pool.
    pub(super) async fn blocking<T, F>(&self, what: &'static str, f: F) -> Result<T, Status>
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
    pub(super) async fn query<Req, Res>(
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
pub(super) fn requested_height(metadata: &MetadataMap) -> Result<i64, Status> {
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
pub(super) fn paginate<T>(
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
pub(super) fn not_served(method: &str) -> Status {
    Status::unimplemented(format!("{method} is not served by weaved"))
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
}
