//! The node's search index (`weave-search`), kept in `<home>/data/search`, outside
//! consensus state: the indexer thread that feeds it from committed blocks, and the
//! `weave.search.v1.Search` gRPC service that reads it.
//!
//! The indexer reads committed blocks' events from CometBFT's RPC (`block_results`),
//! from the height after the index's own up to the latest, so the same loop catches up
//! after a restart, rebuilds a deleted index from height 1 and follows new blocks. The
//! contents the events name are read from the application's state through its ABCI
//! `Query`, as any client would. It runs on its own thread and only reads: an error
//! (CometBFT unreachable, the application busy) is logged and retried, and can neither
//! slow nor change block execution.

// `tonic::Status` is what every service method returns.
#![allow(clippy::result_large_err)]

use std::{path::Path, sync::Arc, time::Duration};

use prost::Message as _;
use tendermint_proto::v0_38::abci::RequestQuery;
use tendermint_rpc::{Client as _, HttpClient};
use tonic::{Request, Response, Status};
use weave_app::App;
use weave_proto::weave::{content::v1 as content_pb, search::v1 as pb};
use weave_search::{
    BlockEvent, BlockSource, ContentDoc, ContentHit, ContentSource, SearchError, SearchIndex,
    SearchQuery,
};

/// How long the indexer waits when it is caught up.
const POLL: Duration = Duration::from_millis(250);
/// How long it waits after an error.
const RETRY: Duration = Duration::from_secs(2);
/// The most blocks indexed between two commits while catching up.
const BATCH_BLOCKS: u64 = 500;
/// The trending window when a request names none.
const DEFAULT_WINDOW: u64 = 1000;

/// Where the index lives under a node home.
pub(crate) fn index_dir(home: &Path) -> std::path::PathBuf {
    home.join("data").join("search")
}

/// Opens the index and starts the thread that feeds it. A failure to open is logged
/// and leaves the node without search: the service then answers `UNAVAILABLE`.
pub(crate) fn start(home: &Path, app: Arc<App>, rpc: HttpClient) -> Option<Arc<SearchIndex>> {
    let dir = index_dir(home);
    let index = match SearchIndex::open(&dir) {
        Ok(index) => Arc::new(index),
        Err(e) => {
            tracing::error!(dir = %dir.display(), error = %e, "search index not opened; search is off");
            return None;
        }
    };
    tracing::info!(dir = %dir.display(), height = index.height(), "search index opened");
    let feeder = index.clone();
    let spawned = std::thread::Builder::new()
        .name("search-indexer".into())
        .spawn(move || feed(&feeder, &app, rpc));
    if let Err(e) = spawned {
        tracing::error!(error = %e, "search indexer not started");
    }
    Some(index)
}

/// The indexer loop: never returns.
fn feed(index: &SearchIndex, app: &Arc<App>, rpc: HttpClient) {
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            tracing::error!(error = %e, "search indexer has no runtime; search stays as it is");
            return;
        }
    };
    let blocks = RpcBlocks {
        rpc,
        runtime: &runtime,
    };
    let contents = AppContents { app: app.clone() };
    let mut failing = false;
    loop {
        match weave_search::catch_up(index, &blocks, &contents, BATCH_BLOCKS) {
            Ok(0) => std::thread::sleep(POLL),
            Ok(n) => {
                failing = false;
                tracing::debug!(blocks = n, height = index.height(), "search index advanced");
            }
            Err(e) => {
                // CometBFT is not up yet at start: say it once, not every retry.
                if !failing {
                    tracing::warn!(height = index.height(), error = %e, "search indexer: will retry");
                }
                failing = true;
                std::thread::sleep(RETRY);
            }
        }
    }
}

/// Committed blocks from CometBFT's RPC.
struct RpcBlocks<'a> {
    rpc: HttpClient,
    runtime: &'a tokio::runtime::Runtime,
}

fn source_error(what: String, e: impl std::fmt::Display) -> SearchError {
    SearchError::Source {
        what,
        reason: e.to_string(),
    }
}

fn convert(events: Vec<tendermint::abci::Event>) -> impl Iterator<Item = BlockEvent> {
    events.into_iter().map(|e| BlockEvent {
        kind: e.kind,
        attributes: e
            .attributes
            .iter()
            .filter_map(|a| {
                Some((
                    a.key_str().ok()?.to_string(),
                    a.value_str().ok()?.to_string(),
                ))
            })
            .collect(),
    })
}

impl BlockSource for RpcBlocks<'_> {
    fn latest_height(&self) -> Result<u64, SearchError> {
        let status = self
            .runtime
            .block_on(self.rpc.status())
            .map_err(|e| source_error("CometBFT status".into(), e))?;
        Ok(status.sync_info.latest_block_height.value())
    }

    fn block_events(&self, height: u64) -> Result<Vec<BlockEvent>, SearchError> {
        let what = || format!("block_results at height {height}");
        let h = tendermint::block::Height::try_from(height).map_err(|e| source_error(what(), e))?;
        let results = self
            .runtime
            .block_on(self.rpc.block_results(h))
            .map_err(|e| source_error(what(), e))?;
        let mut events: Vec<BlockEvent> = results
            .txs_results
            .unwrap_or_default()
            .into_iter()
            .filter(|tx| tx.code.is_ok())
            .flat_map(|tx| convert(tx.events))
            .collect();
        events.extend(convert(results.finalize_block_events));
        Ok(events)
    }
}

/// Contents from the application's state.
struct AppContents {
    app: Arc<App>,
}

/// The content module's code for an unknown content.
const CONTENT_NOT_FOUND: u32 = 6;

impl ContentSource for AppContents {
    fn content(&self, id: u64) -> Result<Option<ContentDoc>, SearchError> {
        let what = || format!("content {id}");
        let res = self.app.query(RequestQuery {
            data: content_pb::QueryContentRequest { content_id: id }
                .encode_to_vec()
                .into(),
            path: "/weave.content.v1.Query/Content".into(),
            height: 0,
            prove: false,
        });
        if res.code == CONTENT_NOT_FOUND && res.codespace == "content" {
            return Ok(None);
        }
        if res.code != 0 {
            return Err(source_error(
                what(),
                format!("{}:{}: {}", res.codespace, res.code, res.log),
            ));
        }
        let c = content_pb::QueryContentResponse::decode(res.value)
            .map_err(|e| source_error(what(), e))?
            .content
            .ok_or_else(|| source_error(what(), "empty answer"))?;
        if c.status == content_pb::ContentStatus::Retired as i32 {
            return Ok(None);
        }
        let meta = c.metadata.unwrap_or_default();
        Ok(Some(ContentDoc {
            id: c.id,
            creator: c.creator,
            title: meta.title,
            description: meta.description,
            tags: meta.tags,
            access_price: c
                .access_price
                .parse()
                .map_err(|e| source_error(what(), format!("access price: {e}")))?,
            created_height: c.created_height,
        }))
    }
}

/// `weave.search.v1.Search`, over the node's index.
#[derive(Debug, Clone)]
pub(crate) struct SearchService {
    index: Option<Arc<SearchIndex>>,
}

impl SearchService {
    pub(crate) fn new(index: Option<Arc<SearchIndex>>) -> Self {
        Self { index }
    }

    /// Runs `f` on the index on the blocking pool.
    async fn with_index<T, F>(&self, f: F) -> Result<T, Status>
    where
        T: Send + 'static,
        F: FnOnce(&SearchIndex) -> Result<T, SearchError> + Send + 'static,
    {
        let index = self
            .index
            .clone()
            .ok_or_else(|| Status::unavailable("this node's search index is off (see its log)"))?;
        tokio::task::spawn_blocking(move || f(&index))
            .await
            .map_err(|e| Status::internal(format!("search failed: {e}")))?
            .map_err(|e| Status::internal(e.to_string()))
    }
}

fn hit_to_wire(h: ContentHit) -> pb::ContentHit {
    pb::ContentHit {
        id: h.content.id,
        creator: h.content.creator,
        creator_handle: h.creator_handle,
        title: h.content.title,
        description: h.content.description,
        tags: h.content.tags,
        access_price: h.content.access_price.to_string(),
        created_height: h.content.created_height,
        score: h.score,
    }
}

fn price(text: &str, name: &str) -> Result<Option<u128>, Status> {
    if text.is_empty() {
        return Ok(None);
    }
    text.parse().map(Some).map_err(|_| {
        Status::invalid_argument(format!(
            "{name} must be a whole number of uweave, got {text:?}"
        ))
    })
}

fn non_empty(s: String) -> Option<String> {
    (!s.is_empty()).then_some(s)
}

#[tonic::async_trait]
impl pb::search_server::Search for SearchService {
    async fn search(
        &self,
        request: Request<pb::SearchRequest>,
    ) -> Result<Response<pb::SearchResponse>, Status> {
        let r = request.into_inner();
        let query = SearchQuery {
            min_price: price(&r.min_price, "min_price")?,
            max_price: price(&r.max_price, "max_price")?,
            text: r.query,
            tag: non_empty(r.tag),
            creator: non_empty(r.creator),
            free_only: r.free_only,
            limit: r.limit as usize,
        };
        let found = self.with_index(move |i| i.search(&query)).await?;
        Ok(Response::new(pb::SearchResponse {
            contents: found.contents.into_iter().map(hit_to_wire).collect(),
            profiles: found
                .profiles
                .into_iter()
                .map(|p| pb::Profile {
                    address: p.address,
                    handle: p.handle,
                    display_name: p.display_name,
                    bio: p.bio,
                })
                .collect(),
            height: found.height,
        }))
    }

    async fn feed(
        &self,
        request: Request<pb::FeedRequest>,
    ) -> Result<Response<pb::FeedResponse>, Status> {
        let r = request.into_inner();
        if r.address.is_empty() {
            return Err(Status::invalid_argument("address is required"));
        }
        let (contents, following, height) = self
            .with_index(move |i| {
                let height = i.height();
                Ok((
                    i.feed(&r.address, r.limit as usize)?,
                    i.following(&r.address),
                    height,
                ))
            })
            .await?;
        Ok(Response::new(pb::FeedResponse {
            contents: contents.into_iter().map(hit_to_wire).collect(),
            following,
            height,
        }))
    }

    async fn trending(
        &self,
        request: Request<pb::TrendingRequest>,
    ) -> Result<Response<pb::TrendingResponse>, Status> {
        let r = request.into_inner();
        let window = if r.window == 0 {
            DEFAULT_WINDOW
        } else {
            r.window
        };
        let (entries, height) = self
            .with_index(move |i| {
                let height = i.height();
                Ok((i.trending(window, r.limit as usize)?, height))
            })
            .await?;
        Ok(Response::new(pb::TrendingResponse {
            entries: entries
                .into_iter()
                .map(|e| pb::TrendingEntry {
                    content: Some(hit_to_wire(e.content)),
                    views: e.views,
                    paying_viewers: e.paying_viewers,
                    total_views: e.total_views,
                })
                .collect(),
            height,
        }))
    }
}
