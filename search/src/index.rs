//! [`SearchIndex`]: the tantivy index and the feed state beside it, written together
//! block by block and committed with the height they reached.

use std::{
    collections::{BTreeMap, BTreeSet},
    ops::Bound,
    path::{Path, PathBuf},
    sync::{Mutex, MutexGuard, PoisonError, RwLock},
};

use tantivy::{
    collector::{DocSetCollector, TopDocs},
    query::{
        BooleanQuery, ConstScoreQuery, Occur, Query, QueryParser, RangeQuery, TermQuery,
        TermSetQuery,
    },
    schema::{Field, IndexRecordOption, Schema, Value, FAST, INDEXED, STORED, STRING, TEXT},
    DocAddress, Index, IndexReader, IndexWriter, Order, ReloadPolicy, Searcher, TantivyDocument,
    Term,
};

use crate::{
    event::{touched_contents, Change, Profile},
    feed::{Activity, FeedState, FORMAT},
    BlockEvent, ContentDoc, ContentHit, ContentSource, SearchError, SearchQuery, SearchResults,
    StateSource, TrendingEntry,
};

/// The writer's memory budget: tantivy's minimum is 15 MB per thread.
const WRITER_MEMORY: usize = 50_000_000;
/// Results of each kind when the query asks for 0.
const DEFAULT_LIMIT: usize = 20;
/// The most results of each kind one query returns.
const MAX_LIMIT: usize = 1000;
/// Document kinds.
const KIND_CONTENT: &str = "content";
const KIND_PROFILE: &str = "profile";

/// The text index's fields.
#[derive(Debug, Clone, Copy)]
struct Fields {
    /// `c:<id>` or `p:<address>`: what a document is replaced by.
    key: Field,
    kind: Field,
    id: Field,
    title: Field,
    description: Field,
    /// Exact tags, for the filter.
    tags: Field,
    /// Tags as words, for the text search.
    tag_words: Field,
    creator: Field,
    /// The creator's (or the profile's) handle.
    handle: Field,
    /// The creator's (or the profile's) display name.
    display_name: Field,
    /// The price, saturated to u64, for ranges.
    price: Field,
    /// The exact price in decimal.
    price_exact: Field,
    height: Field,
}

fn schema() -> (Schema, Fields) {
    let mut b = Schema::builder();
    let fields = Fields {
        key: b.add_text_field("key", STRING | STORED),
        kind: b.add_text_field("kind", STRING | STORED),
        id: b.add_u64_field("id", INDEXED | STORED | FAST),
        title: b.add_text_field("title", TEXT | STORED),
        description: b.add_text_field("description", TEXT | STORED),
        tags: b.add_text_field("tags", STRING | STORED),
        tag_words: b.add_text_field("tag_words", TEXT),
        creator: b.add_text_field("creator", STRING | STORED),
        handle: b.add_text_field("handle", TEXT | STORED),
        display_name: b.add_text_field("display_name", TEXT | STORED),
        price: b.add_u64_field("price", INDEXED | FAST),
        price_exact: b.add_text_field("price_exact", STORED),
        height: b.add_u64_field("height", INDEXED | STORED | FAST),
    };
    (b.build(), fields)
}

/// What has been written since the last commit.
struct Batch {
    writer: IndexWriter,
    /// The feed state including the uncommitted blocks.
    feed: FeedState,
    /// Contents written in this batch (a profile change rewrites them too).
    docs: BTreeMap<u64, ContentDoc>,
    /// Contents deleted in this batch.
    deleted: BTreeSet<u64>,
}

/// The node's search index; see the crate docs. Shared between the one task that feeds
/// it and any number of readers: searches see the last commit only.
pub struct SearchIndex {
    dir: PathBuf,
    index: Index,
    reader: IndexReader,
    fields: Fields,
    batch: Mutex<Batch>,
    committed: RwLock<FeedState>,
}

impl std::fmt::Debug for SearchIndex {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SearchIndex")
            .field("dir", &self.dir)
            .field("height", &self.height())
            .finish_non_exhaustive()
    }
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

fn text_dir(dir: &Path) -> PathBuf {
    dir.join("text")
}

fn feed_file(dir: &Path) -> PathBuf {
    dir.join("feed.json")
}

fn content_key(id: u64) -> String {
    format!("c:{id}")
}

fn saturate(price: u128) -> u64 {
    u64::try_from(price).unwrap_or(u64::MAX)
}

impl SearchIndex {
    /// Opens the index in `dir`, or starts an empty one (height 0) there if it is
    /// missing, unreadable, of another layout, or if the text index and the feed state
    /// were left at different heights.
    pub fn open(dir: &Path) -> Result<Self, SearchError> {
        match Self::open_existing(dir) {
            Ok(Some(index)) => return Ok(index),
            Ok(None) => {}
            Err(e) => {
                tracing::warn!(dir = %dir.display(), error = %e, "search index unusable; rebuilding it")
            }
        }
        if dir.exists() {
            std::fs::remove_dir_all(dir)?;
        }
        std::fs::create_dir_all(text_dir(dir))?;
        let (schema, fields) = schema();
        let index = Index::create_in_dir(text_dir(dir), schema)?;
        let feed = FeedState::new();
        write_feed(dir, &feed)?;
        Self::assemble(dir, index, fields, feed)
    }

    fn open_existing(dir: &Path) -> Result<Option<Self>, SearchError> {
        if !text_dir(dir).join("meta.json").exists() || !feed_file(dir).exists() {
            return Ok(None);
        }
        let (schema, fields) = schema();
        let index = Index::open_in_dir(text_dir(dir))?;
        if index.schema() != schema {
            return Ok(None);
        }
        let indexed: u64 = match index.load_metas()?.payload {
            Some(p) => p.parse().unwrap_or(u64::MAX),
            None => 0,
        };
        let feed: FeedState = serde_json::from_slice(&std::fs::read(feed_file(dir))?)?;
        if feed.format != FORMAT || feed.height != indexed {
            return Ok(None);
        }
        Self::assemble(dir, index, fields, feed).map(Some)
    }

    fn assemble(
        dir: &Path,
        index: Index,
        fields: Fields,
        feed: FeedState,
    ) -> Result<Self, SearchError> {
        let writer = index.writer_with_num_threads(1, WRITER_MEMORY)?;
        let reader = index
            .reader_builder()
            .reload_policy(ReloadPolicy::Manual)
            .try_into()?;
        Ok(Self {
            dir: dir.to_path_buf(),
            index,
            reader,
            fields,
            batch: Mutex::new(Batch {
                writer,
                feed: feed.clone(),
                docs: BTreeMap::new(),
                deleted: BTreeSet::new(),
            }),
            committed: RwLock::new(feed),
        })
    }

    /// The last height committed to the index.
    pub fn height(&self) -> u64 {
        self.committed
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .height
    }

    /// Indexes the committed block at `height` (uncommitted until [`Self::commit`]).
    /// A block at or below the height already indexed is ignored. Contents the block's
    /// events name are read from `contents`; if that fails, nothing of the block is
    /// lost: the caller rolls back and tries again.
    pub fn apply_block(
        &self,
        height: u64,
        events: &[BlockEvent],
        contents: &dyn ContentSource,
    ) -> Result<(), SearchError> {
        let mut b = lock(&self.batch);
        if height <= b.feed.height {
            return Ok(());
        }
        let changes: Vec<Change> = events.iter().filter_map(Change::from_event).collect();
        for change in &changes {
            match change {
                Change::Content(_) => {}
                Change::Purchase { content_id, buyer } => b.feed.record(
                    height,
                    Activity {
                        content_id: *content_id,
                        account: buyer.clone(),
                        view: false,
                    },
                ),
                Change::View {
                    content_id,
                    viewer,
                    total,
                } => {
                    b.feed.record(
                        height,
                        Activity {
                            content_id: *content_id,
                            account: viewer.clone(),
                            view: true,
                        },
                    );
                    b.feed.total_views.insert(*content_id, *total);
                }
                Change::Follow {
                    follower,
                    followee,
                    on,
                } => b.feed.follow(follower, followee, *on),
                Change::Profile(p) => self.put_profile(&mut b, p.clone())?,
            }
        }
        for id in touched_contents(&changes) {
            match contents.content(id)? {
                Some(doc) => self.put_content(&mut b, doc)?,
                None => self.delete_content(&mut b, id),
            }
        }
        b.feed.height = height;
        b.feed.prune(height);
        Ok(())
    }

    /// Replaces everything uncommitted and committed with the chain's state at `height`
    /// (uncommitted until [`Self::commit`]): for an index whose next blocks are gone
    /// from the node, as on a node that joined by state sync. What only blocks tell
    /// (the trending window's views and purchases, total view counts) starts empty
    /// there and fills from the following blocks. A height at or below the index's own
    /// is ignored.
    pub fn seed(&self, height: u64, state: &dyn StateSource) -> Result<(), SearchError> {
        let profiles = state.profiles()?;
        let follows = state.follows()?;
        let contents = state.contents()?;
        let mut b = lock(&self.batch);
        if height <= b.feed.height {
            return Ok(());
        }
        b.writer.delete_all_documents()?;
        b.docs.clear();
        b.deleted.clear();
        b.feed = FeedState::new();
        for p in profiles {
            self.put_profile_doc(&mut b, p)?;
        }
        for (follower, followee) in follows {
            b.feed.follow(&follower, &followee, true);
        }
        for doc in contents {
            self.put_content(&mut b, doc)?;
        }
        b.feed.height = height;
        Ok(())
    }

    /// Makes every block applied since the last commit durable and visible, with the
    /// height reached.
    pub fn commit(&self) -> Result<(), SearchError> {
        let mut b = lock(&self.batch);
        let payload = b.feed.height.to_string();
        let mut prepared = b.writer.prepare_commit()?;
        prepared.set_payload(&payload);
        prepared.commit()?;
        // Written after the text index: a crash in between leaves the two at different
        // heights, which the next open rebuilds.
        write_feed(&self.dir, &b.feed)?;
        self.reader.reload()?;
        *self
            .committed
            .write()
            .unwrap_or_else(PoisonError::into_inner) = b.feed.clone();
        b.docs.clear();
        b.deleted.clear();
        Ok(())
    }

    /// Drops every block applied since the last commit.
    pub fn rollback(&self) -> Result<(), SearchError> {
        let mut b = lock(&self.batch);
        b.writer.rollback()?;
        b.feed = self
            .committed
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .clone();
        b.docs.clear();
        b.deleted.clear();
        Ok(())
    }

    fn put_content(&self, b: &mut Batch, doc: ContentDoc) -> Result<(), SearchError> {
        let f = self.fields;
        let (handle, name) = b
            .feed
            .profiles
            .get(&doc.creator)
            .map(|p| (p.handle.clone(), p.display_name.clone()))
            .unwrap_or_default();
        b.writer
            .delete_term(Term::from_field_text(f.key, &content_key(doc.id)));
        let mut d = TantivyDocument::new();
        d.add_text(f.key, content_key(doc.id));
        d.add_text(f.kind, KIND_CONTENT);
        d.add_u64(f.id, doc.id);
        d.add_text(f.title, &doc.title);
        d.add_text(f.description, &doc.description);
        for tag in &doc.tags {
            d.add_text(f.tags, tag.to_lowercase());
            d.add_text(f.tag_words, tag);
        }
        d.add_text(f.creator, &doc.creator);
        d.add_text(f.handle, handle);
        d.add_text(f.display_name, name);
        d.add_u64(f.price, saturate(doc.access_price));
        d.add_text(f.price_exact, doc.access_price.to_string());
        d.add_u64(f.height, doc.created_height);
        b.writer.add_document(d)?;
        b.deleted.remove(&doc.id);
        b.docs.insert(doc.id, doc);
        Ok(())
    }

    fn delete_content(&self, b: &mut Batch, id: u64) {
        b.writer
            .delete_term(Term::from_field_text(self.fields.key, &content_key(id)));
        b.docs.remove(&id);
        b.deleted.insert(id);
    }

    /// Writes a profile's document and keeps the profile in the feed state.
    fn put_profile_doc(&self, b: &mut Batch, p: Profile) -> Result<(), SearchError> {
        let f = self.fields;
        let key = format!("p:{}", p.address);
        b.writer.delete_term(Term::from_field_text(f.key, &key));
        let mut d = TantivyDocument::new();
        d.add_text(f.key, &key);
        d.add_text(f.kind, KIND_PROFILE);
        d.add_text(f.creator, &p.address);
        d.add_text(f.handle, &p.handle);
        d.add_text(f.display_name, &p.display_name);
        d.add_text(f.description, &p.bio);
        b.writer.add_document(d)?;
        b.feed.profiles.insert(p.address.clone(), p);
        Ok(())
    }

    /// Indexes a profile, and rewrites its account's contents with the new handle.
    fn put_profile(&self, b: &mut Batch, p: Profile) -> Result<(), SearchError> {
        let f = self.fields;
        let address = p.address.clone();
        self.put_profile_doc(b, p)?;

        let searcher = self.reader.searcher();
        let query = BooleanQuery::new(vec![
            (Occur::Must, self.term(f.kind, KIND_CONTENT)),
            (Occur::Must, self.term(f.creator, &address)),
        ]);
        let mut docs: BTreeMap<u64, ContentDoc> = BTreeMap::new();
        for addr in searcher.search(&query, &DocSetCollector)? {
            let doc = self.content_doc(&searcher, addr)?;
            docs.insert(doc.id, doc);
        }
        for (id, doc) in &b.docs {
            if doc.creator == address {
                docs.insert(*id, doc.clone());
            }
        }
        for (id, doc) in docs {
            if !b.deleted.contains(&id) {
                self.put_content(b, doc)?;
            }
        }
        Ok(())
    }

    fn term(&self, field: Field, value: &str) -> Box<dyn Query> {
        Box::new(TermQuery::new(
            Term::from_field_text(field, value),
            IndexRecordOption::Basic,
        ))
    }

    /// A filter clause: it selects documents and adds nothing to their score.
    fn filter(q: Box<dyn Query>) -> (Occur, Box<dyn Query>) {
        (Occur::Must, Box::new(ConstScoreQuery::new(q, 0.0)))
    }

    fn text_query(&self, text: &str) -> Box<dyn Query> {
        let f = self.fields;
        let mut parser = QueryParser::for_index(
            &self.index,
            vec![
                f.title,
                f.description,
                f.tag_words,
                f.handle,
                f.display_name,
            ],
        );
        parser.set_conjunction_by_default();
        parser.set_field_boost(f.title, 3.0);
        parser.set_field_boost(f.tag_words, 2.0);
        parser.set_field_boost(f.handle, 2.0);
        parser.set_field_boost(f.display_name, 1.5);
        parser.parse_query_lenient(text).0
    }

    fn content_doc(
        &self,
        searcher: &Searcher,
        addr: DocAddress,
    ) -> Result<ContentDoc, SearchError> {
        Ok(self.content_hit(searcher, addr, 0.0)?.content)
    }

    fn content_hit(
        &self,
        searcher: &Searcher,
        addr: DocAddress,
        score: f32,
    ) -> Result<ContentHit, SearchError> {
        let f = self.fields;
        let d: TantivyDocument = searcher.doc(addr)?;
        let text = |field| {
            d.get_first(field)
                .and_then(|v| v.as_str().map(str::to_string))
                .unwrap_or_default()
        };
        let number = |field| d.get_first(field).and_then(|v| v.as_u64()).unwrap_or(0);
        Ok(ContentHit {
            content: ContentDoc {
                id: number(f.id),
                creator: text(f.creator),
                title: text(f.title),
                description: text(f.description),
                tags: d
                    .get_all(f.tags)
                    .filter_map(|v| v.as_str().map(str::to_string))
                    .collect(),
                access_price: text(f.price_exact).parse().unwrap_or(0),
                created_height: number(f.height),
            },
            creator_handle: text(f.handle),
            score,
        })
    }

    fn profile(&self, searcher: &Searcher, addr: DocAddress) -> Result<Profile, SearchError> {
        let f = self.fields;
        let d: TantivyDocument = searcher.doc(addr)?;
        let text = |field| {
            d.get_first(field)
                .and_then(|v| v.as_str().map(str::to_string))
                .unwrap_or_default()
        };
        Ok(Profile {
            address: text(f.creator),
            handle: text(f.handle),
            display_name: text(f.display_name),
            bio: text(f.description),
        })
    }

    /// Contents newest first (by registration height) among those `query` selects.
    fn newest(
        &self,
        searcher: &Searcher,
        query: &dyn Query,
        limit: usize,
    ) -> Result<Vec<ContentHit>, SearchError> {
        let top = TopDocs::with_limit(limit).order_by_fast_field::<u64>("height", Order::Desc);
        searcher
            .search(query, &top)?
            .into_iter()
            .map(|(_, addr)| self.content_hit(searcher, addr, 0.0))
            .collect()
    }

    /// Ranked full-text search with filters; an empty text lists the contents the
    /// filters select, newest first.
    pub fn search(&self, q: &SearchQuery) -> Result<SearchResults, SearchError> {
        let f = self.fields;
        let height = self.height();
        let searcher = self.reader.searcher();
        let limit = match q.limit {
            0 => DEFAULT_LIMIT,
            n => n.min(MAX_LIMIT),
        };
        let mut clauses = vec![Self::filter(self.term(f.kind, KIND_CONTENT))];
        if let Some(tag) = &q.tag {
            clauses.push(Self::filter(self.term(f.tags, &tag.to_lowercase())));
        }
        if let Some(creator) = &q.creator {
            clauses.push(Self::filter(self.term(f.creator, creator)));
        }
        let (lo, hi) = if q.free_only {
            (0, 0)
        } else {
            (
                q.min_price.map_or(0, saturate),
                q.max_price.map_or(u64::MAX, saturate),
            )
        };
        let priced = q.free_only || q.min_price.is_some() || q.max_price.is_some();
        if priced {
            clauses.push(Self::filter(Box::new(RangeQuery::new(
                Bound::Included(Term::from_field_u64(f.price, lo)),
                Bound::Included(Term::from_field_u64(f.price, hi)),
            ))));
        }
        let text = q.text.trim();
        let contents = if text.is_empty() {
            self.newest(&searcher, &BooleanQuery::new(clauses), limit)?
        } else {
            clauses.push((Occur::Must, self.text_query(text)));
            searcher
                .search(&BooleanQuery::new(clauses), &TopDocs::with_limit(limit))?
                .into_iter()
                .map(|(score, addr)| self.content_hit(&searcher, addr, score))
                .collect::<Result<_, _>>()?
        };
        let profiles = if text.is_empty() || q.tag.is_some() || priced {
            Vec::new()
        } else {
            let mut clauses = vec![
                Self::filter(self.term(f.kind, KIND_PROFILE)),
                (Occur::Must, self.text_query(text)),
            ];
            if let Some(creator) = &q.creator {
                clauses.push(Self::filter(self.term(f.creator, creator)));
            }
            searcher
                .search(&BooleanQuery::new(clauses), &TopDocs::with_limit(limit))?
                .into_iter()
                .map(|(_, addr)| self.profile(&searcher, addr))
                .collect::<Result<_, _>>()?
        };
        Ok(SearchResults {
            contents,
            profiles,
            height,
        })
    }

    /// The newest contents of the accounts `follower` follows.
    pub fn feed(&self, follower: &str, limit: usize) -> Result<Vec<ContentHit>, SearchError> {
        let f = self.fields;
        let followees: Vec<Term> = {
            let feed = self
                .committed
                .read()
                .unwrap_or_else(PoisonError::into_inner);
            match feed.following.get(follower) {
                Some(set) => set
                    .iter()
                    .map(|a| Term::from_field_text(f.creator, a))
                    .collect(),
                None => return Ok(Vec::new()),
            }
        };
        let searcher = self.reader.searcher();
        let query = BooleanQuery::new(vec![
            Self::filter(self.term(f.kind, KIND_CONTENT)),
            Self::filter(Box::new(TermSetQuery::new(followees))),
        ]);
        let limit = match limit {
            0 => DEFAULT_LIMIT,
            n => n.min(MAX_LIMIT),
        };
        self.newest(&searcher, &query, limit)
    }

    /// The accounts `follower` follows, as the index has seen them.
    pub fn following(&self, follower: &str) -> Vec<String> {
        self.committed
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .following
            .get(follower)
            .map(|s| s.iter().cloned().collect())
            .unwrap_or_default()
    }

    /// The contents with the most counted views (then the most paying viewers) over
    /// the last `window` blocks; contents no longer live are left out.
    pub fn trending(&self, window: u64, limit: usize) -> Result<Vec<TrendingEntry>, SearchError> {
        let f = self.fields;
        let (rows, totals) = {
            let feed = self
                .committed
                .read()
                .unwrap_or_else(PoisonError::into_inner);
            (feed.trending(window), feed.total_views.clone())
        };
        let limit = match limit {
            0 => DEFAULT_LIMIT,
            n => n.min(MAX_LIMIT),
        };
        let searcher = self.reader.searcher();
        let mut out = Vec::new();
        for (id, views, paying_viewers) in rows {
            if out.len() >= limit {
                break;
            }
            let found = searcher.search(
                &TermQuery::new(
                    Term::from_field_text(f.key, &content_key(id)),
                    IndexRecordOption::Basic,
                ),
                &TopDocs::with_limit(1),
            )?;
            if let Some((_, addr)) = found.first() {
                out.push(TrendingEntry {
                    content: self.content_hit(&searcher, *addr, 0.0)?,
                    views,
                    paying_viewers,
                    total_views: totals.get(&id).copied().unwrap_or(0),
                });
            }
        }
        Ok(out)
    }
}

/// Writes the feed state atomically (a new file renamed over the old).
fn write_feed(dir: &Path, feed: &FeedState) -> Result<(), SearchError> {
    let tmp = dir.join("feed.json.tmp");
    std::fs::write(&tmp, serde_json::to_vec(feed)?)?;
    std::fs::rename(&tmp, feed_file(dir))?;
    Ok(())
}
