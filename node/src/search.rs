//! The node's search index (`weave-search`), kept in `<home>/data/search`, outside
//! consensus state: the indexer thread that feeds it from committed blocks, and the
//! `weave.search.v1.Search` gRPC service that reads it.
//!
//! The indexer reads committed blocks' events from the height after the index's own up
//! to the latest the application committed, so the same loop catches up after a
//! restart, rebuilds a deleted index from height 1 and follows new blocks. The
//! application hands over the events the index acts on of each block it commits
//! ([`Recent`]); a block not among those (before a restart, or far behind) is read
//! from CometBFT's RPC (`block_results`). Under load that RPC read was a tenth of the
//! machine's CPU: CometBFT encodes every transaction's result of a block as JSON. The
//! contents the events name are read from the application's state through its ABCI
//! `Query`, as any client would. A node that joined by state sync has no blocks before
//! its snapshot: it fills the index from the application's whole state at its last
//! height instead (contents, profiles, follows, page by page), then follows blocks.
//! It runs on its own thread and only reads: an error
//! (CometBFT unreachable, the application busy) is logged and retried, and can neither
//! slow nor change block execution.

// `tonic::Status` is what every service method returns.
#![allow(clippy::result_large_err)]

use std::{
    collections::BTreeMap,
    path::Path,
    sync::{Arc, Mutex, PoisonError},
    time::Duration,
};

use prost::Message as _;
use tendermint_proto::v0_38::abci::RequestQuery;
use tendermint_rpc::{Client as _, HttpClient};
use tonic::{Request, Response, Status};
use weave_app::{App, CommittedEvents};
use weave_proto::weave::{content::v1 as content_pb, search::v1 as pb, social::v1 as social_pb};
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
/// The most committed blocks' events kept for the indexer in memory.
const RECENT_BLOCKS: usize = 64;
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
    let recent = Arc::new(Recent::default());
    app.set_committed_events(recent.clone());
    let feeder = index.clone();
    let spawned = std::thread::Builder::new()
        .name("search-indexer".into())
        .spawn(move || feed(&feeder, &app, rpc, recent));
    if let Err(e) = spawned {
        tracing::error!(error = %e, "search indexer not started");
    }
    Some(index)
}

/// The indexer loop: never returns.
fn feed(index: &SearchIndex, app: &Arc<App>, rpc: HttpClient, recent: Arc<Recent>) {
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
    let blocks = CommittedBlocks {
        rpc,
        runtime: &runtime,
        app: app.clone(),
        recent,
    };
    let contents = AppContents { app: app.clone() };
    let mut failing = false;
    loop {
        let seeded =
            weave_search::seed_when_blocks_are_gone(index, &blocks, || AppState::read(app));
        if let Ok(true) = seeded {
            tracing::info!(
                height = index.height(),
                "search index filled from the chain's state (this node has no earlier blocks)"
            );
        }
        let step =
            seeded.and_then(|_| weave_search::catch_up(index, &blocks, &contents, BATCH_BLOCKS));
        match step {
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

/// Committed blocks: as the application handed them over ([`Recent`]), else from
/// CometBFT's RPC.
struct CommittedBlocks<'a> {
    rpc: HttpClient,
    runtime: &'a tokio::runtime::Runtime,
    /// The application: CometBFT stores a block before it has executed it, and its
    /// results only once executed, so the last block whose results are surely stored is
    /// the last one the application committed.
    app: Arc<App>,
    /// The blocks the application handed over as it committed them.
    recent: Arc<Recent>,
}

/// The events the index acts on of the last [`RECENT_BLOCKS`] blocks the application
/// committed, by height, until the indexer takes them.
#[derive(Default)]
struct Recent {
    blocks: Mutex<BTreeMap<u64, Vec<BlockEvent>>>,
}

impl Recent {
    /// The events of the block at `height`, if handed over; forgets it and every
    /// block below it.
    fn take(&self, height: u64) -> Option<Vec<BlockEvent>> {
        let mut blocks = self.blocks.lock().unwrap_or_else(PoisonError::into_inner);
        let events = blocks.remove(&height);
        *blocks = blocks.split_off(&height);
        events
    }
}

impl CommittedEvents for Recent {
    fn wants(&self, kind: &str) -> bool {
        weave_search::event::is_indexed(kind)
    }

    fn committed(&self, height: u64, events: Vec<tendermint_proto::v0_38::abci::Event>) {
        let events = events
            .into_iter()
            .map(|e| BlockEvent {
                kind: e.r#type,
                attributes: e.attributes.into_iter().map(|a| (a.key, a.value)).collect(),
            })
            .collect();
        let mut blocks = self.blocks.lock().unwrap_or_else(PoisonError::into_inner);
        blocks.insert(height, events);
        while blocks.len() > RECENT_BLOCKS {
            blocks.pop_first();
        }
    }
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

impl BlockSource for CommittedBlocks<'_> {
    fn latest_height(&self) -> Result<u64, SearchError> {
        let status = self
            .runtime
            .block_on(self.rpc.status())
            .map_err(|e| source_error("CometBFT status".into(), e))?;
        let committed = self.app.storage().latest_version().unwrap_or(0);
        Ok(status.sync_info.latest_block_height.value().min(committed))
    }

    fn earliest_height(&self) -> Result<u64, SearchError> {
        let status = self
            .runtime
            .block_on(self.rpc.status())
            .map_err(|e| source_error("CometBFT status".into(), e))?;
        Ok(status.sync_info.earliest_block_height.value().max(1))
    }

    fn block_events(&self, height: u64) -> Result<Vec<BlockEvent>, SearchError> {
        if let Some(events) = self.recent.take(height) {
            return Ok(events);
        }
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
        live_doc(c)
    }
}

/// A content as the index keeps it, or `None` if it is retired.
fn live_doc(c: content_pb::Content) -> Result<Option<ContentDoc>, SearchError> {
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
            .map_err(|e| source_error(format!("content {}", c.id), format!("access price: {e}")))?,
        created_height: c.created_height,
    }))
}

/// The application's whole state at one committed height: its live contents, profiles
/// and follows, read page by page through its ABCI `Query`. Listings are answered at
/// the latest height only, so a read that saw two heights (a block committed
/// meanwhile) is read again.
struct AppState {
    height: u64,
    contents: Vec<ContentDoc>,
    profiles: Vec<weave_search::Profile>,
    follows: Vec<(String, String)>,
}

/// How many times a read that straddled a commit is tried again.
const STATE_READ_TRIES: usize = 5;

impl AppState {
    fn read(app: &App) -> Result<Self, SearchError> {
        for _ in 0..STATE_READ_TRIES {
            let mut heights = std::collections::BTreeSet::new();
            let contents = pages(
                app,
                &mut heights,
                "/weave.content.v1.Query/Feed",
                |key| content_pb::QueryFeedRequest { page: page(key) },
                |r: content_pb::QueryContentListResponse| (r.contents, next_key(r.page)),
            )?;
            let profiles = pages(
                app,
                &mut heights,
                "/weave.social.v1.Query/Profiles",
                |key| social_pb::QueryProfilesRequest { page: page(key) },
                |r: social_pb::QueryProfilesResponse| {
                    let profiles = r
                        .profiles
                        .into_iter()
                        .map(|p| weave_search::Profile {
                            address: p.address,
                            handle: p.handle,
                            display_name: p.display_name,
                            bio: p.bio,
                        })
                        .collect();
                    (profiles, next_key(r.page))
                },
            )?;
            let follows = pages(
                app,
                &mut heights,
                "/weave.social.v1.Query/Follows",
                |key| social_pb::QueryAllFollowsRequest { page: page(key) },
                |r: social_pb::QueryFollowsResponse| {
                    let follows = r
                        .follows
                        .into_iter()
                        .map(|f| (f.follower, f.followee))
                        .collect();
                    (follows, next_key(r.page))
                },
            )?;
            let mut heights = heights.into_iter();
            if let (Some(height), None) = (heights.next(), heights.next()) {
                let mut docs = Vec::with_capacity(contents.len());
                for c in contents {
                    docs.extend(live_doc(c)?);
                }
                return Ok(Self {
                    height: u64::try_from(height).unwrap_or(0),
                    contents: docs,
                    profiles,
                    follows,
                });
            }
        }
        Err(source_error(
            "the chain's state".into(),
            format!("blocks kept committing through {STATE_READ_TRIES} reads"),
        ))
    }
}

/// Every page of a listing at the latest height: `request(key)` builds the request for
/// the page at `key`; `items` takes a response apart into its items and the next key.
/// The heights the pages were answered at go to `heights`.
fn pages<Req: prost::Message, Resp: prost::Message + Default, T>(
    app: &App,
    heights: &mut std::collections::BTreeSet<i64>,
    path: &str,
    request: impl Fn(Vec<u8>) -> Req,
    mut items: impl FnMut(Resp) -> (Vec<T>, Vec<u8>),
) -> Result<Vec<T>, SearchError> {
    let mut out = Vec::new();
    let mut key = Vec::new();
    loop {
        let res = app.query(RequestQuery {
            data: request(key).encode_to_vec().into(),
            path: path.into(),
            height: 0,
            prove: false,
        });
        if res.code != 0 {
            return Err(source_error(
                path.into(),
                format!("{}:{}: {}", res.codespace, res.code, res.log),
            ));
        }
        heights.insert(res.height);
        let resp =
            Resp::decode(res.value).map_err(|e| source_error(format!("{path} answer"), e))?;
        let (page, next) = items(resp);
        out.extend(page);
        if next.is_empty() {
            return Ok(out);
        }
        key = next;
    }
}

fn page(key: Vec<u8>) -> Option<weave_proto::weave::base::v1::PageRequest> {
    Some(weave_proto::weave::base::v1::PageRequest { key, limit: 100 })
}

fn next_key(p: Option<weave_proto::weave::base::v1::PageResponse>) -> Vec<u8> {
    p.map(|p| p.next_key).unwrap_or_default()
}

impl weave_search::StateSource for AppState {
    fn height(&self) -> u64 {
        self.height
    }

    fn contents(&self) -> Result<Vec<ContentDoc>, SearchError> {
        Ok(self.contents.clone())
    }

    fn profiles(&self) -> Result<Vec<weave_search::Profile>, SearchError> {
        Ok(self.profiles.clone())
    }

    fn follows(&self) -> Result<Vec<(String, String)>, SearchError> {
        Ok(self.follows.clone())
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

#[cfg(test)]
mod tests {
    use tendermint_proto::v0_38::abci::{Event, EventAttribute};

    use super::*;

    fn event(kind: &str, id: &str) -> Event {
        Event {
            r#type: kind.into(),
            attributes: vec![EventAttribute {
                key: "content_id".into(),
                value: id.into(),
                index: true,
            }],
        }
    }

    #[test]
    fn recent_blocks_are_taken_once_with_the_blocks_below_and_stay_bounded() {
        let recent = Recent::default();
        let registered = weave_search::event::types::CONTENT_REGISTERED;
        assert!(recent.wants(registered));
        assert!(!recent.wants("transfer"));
        for h in 1..=3 {
            recent.committed(h, vec![event(registered, &h.to_string())]);
        }
        let taken = recent.take(2).unwrap();
        assert_eq!(
            taken,
            vec![BlockEvent::new(registered, &[("content_id", "2")])]
        );
        // Block 1 is forgotten with it, and 2 is not given twice: those go to the RPC.
        assert!(recent.take(1).is_none());
        assert!(recent.take(2).is_none());
        assert!(recent.take(3).is_some());

        for h in 10..10 + RECENT_BLOCKS as u64 + 5 {
            recent.committed(h, Vec::new());
        }
        assert!(recent.take(10).is_none(), "the oldest are dropped");
        assert_eq!(recent.take(15), Some(Vec::new()));
    }
}
