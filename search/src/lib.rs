//! The search index each Weave node keeps for its users, outside consensus state.
//!
//! [`SearchIndex`] holds a full-text index (tantivy) of every live content's title,
//! description, tags, creator and price, and of every profile's handle, display name
//! and bio; next to it, the follow graph and the last blocks' paid views and purchases.
//! It answers ranked full-text search with filters (tag, creator, price range, free
//! only), a following feed (newest content from the accounts one follows) and a trending
//! list (counted views and paying viewers over a recent window of blocks).
//!
//! It is fed only from committed blocks' events ([`BlockEvent`], read by type and
//! attribute name, see [`event::types`]) and from the chain's state ([`ContentSource`]),
//! and it remembers the last height it indexed. A node whose blocks start above that
//! height (it joined by state sync) seeds the index from the whole state instead
//! ([`seed_when_blocks_are_gone`], [`StateSource`]) and follows blocks from there. [`catch_up`] brings it up to the chain
//! from any [`BlockSource`] (the node's CometBFT `block_results`); a missing, damaged or
//! half-written index starts again from height 0 and is rebuilt the same way. Nothing
//! here writes to the chain: an error is returned to the node, which logs it and tries
//! again.

mod error;
pub mod event;
mod feed;
mod index;

pub use error::SearchError;
pub use event::{BlockEvent, Profile};
pub use feed::MAX_TRENDING_WINDOW;
pub use index::SearchIndex;

/// A content as the index keeps it: what the chain's state says about it now.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ContentDoc {
    /// The content id.
    pub id: u64,
    /// The creator's address.
    pub creator: String,
    /// Its title.
    pub title: String,
    /// Its description.
    pub description: String,
    /// Its tags.
    pub tags: Vec<String>,
    /// uweave per access token; 0 is free.
    pub access_price: u128,
    /// The height it was registered at.
    pub created_height: u64,
}

/// Where the index reads contents: the chain's state, as of now.
pub trait ContentSource {
    /// The content `id` if it is live (registered and not retired), else `None`.
    fn content(&self, id: u64) -> Result<Option<ContentDoc>, SearchError>;
}

/// Where the index reads the chain's whole state at one height, when the blocks it
/// would be rebuilt from are gone (see [`seed_when_blocks_are_gone`]).
pub trait StateSource {
    /// The height whose state this source reads.
    fn height(&self) -> u64;
    /// Every live content (registered and not retired).
    fn contents(&self) -> Result<Vec<ContentDoc>, SearchError>;
    /// Every profile.
    fn profiles(&self) -> Result<Vec<Profile>, SearchError>;
    /// Every follow, as (follower, followee).
    fn follows(&self) -> Result<Vec<(String, String)>, SearchError>;
}

/// Where the index reads committed blocks.
pub trait BlockSource {
    /// The last committed height.
    fn latest_height(&self) -> Result<u64, SearchError>;
    /// The lowest height whose block this source still has: 1 for a node that has every
    /// block; a node that joined by state sync has none before its snapshot.
    fn earliest_height(&self) -> Result<u64, SearchError> {
        Ok(1)
    }
    /// Every event of the committed block at `height`: its transactions' events in
    /// order, then the block's own.
    fn block_events(&self, height: u64) -> Result<Vec<BlockEvent>, SearchError>;
}

/// A search: words (may be empty: everything, newest first) and filters.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SearchQuery {
    /// The words, in the search library's query syntax (read leniently).
    pub text: String,
    /// Only contents with this tag.
    pub tag: Option<String>,
    /// Only contents (and profiles) of this address.
    pub creator: Option<String>,
    /// Only contents at least this price.
    pub min_price: Option<u128>,
    /// Only contents at most this price.
    pub max_price: Option<u128>,
    /// Only free contents (price 0).
    pub free_only: bool,
    /// The most results of each kind (0: the default, 20).
    pub limit: usize,
}

/// A content found, with the creator's handle if it has a profile.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ContentHit {
    /// The content.
    pub content: ContentDoc,
    /// The creator's handle, or empty.
    pub creator_handle: String,
    /// The ranking score (0 when ordered by height).
    pub score: f32,
}

/// What a search found: contents by rank, and profiles whose handle, name or bio match.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct SearchResults {
    /// Contents, best first.
    pub contents: Vec<ContentHit>,
    /// Profiles, best first (none when the query filters on tag or price).
    pub profiles: Vec<Profile>,
    /// The last height indexed.
    pub height: u64,
}

/// A content on the trending list.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct TrendingEntry {
    /// The content.
    pub content: ContentHit,
    /// Counted (paid) views in the window.
    pub views: u64,
    /// Distinct accounts that viewed or bought it in the window.
    pub paying_viewers: u64,
    /// All counted views so far, as the last view event said.
    pub total_views: u64,
}

/// If the block after the index's height is no longer to be had (the node joined by
/// state sync, or pruned its blocks), replaces the index with the state `state()`
/// reads, at its height, and commits. Returns whether it did. `state` is only called
/// when needed, so a node that has its blocks never reads its whole state.
pub fn seed_when_blocks_are_gone<S: StateSource>(
    index: &SearchIndex,
    blocks: &dyn BlockSource,
    state: impl FnOnce() -> Result<S, SearchError>,
) -> Result<bool, SearchError> {
    let earliest = blocks.earliest_height()?;
    if index.height().saturating_add(1) >= earliest {
        return Ok(false);
    }
    let state = state()?;
    if state.height().saturating_add(1) < earliest {
        return Err(SearchError::Source {
            what: "the chain's state".into(),
            reason: format!(
                "it is at height {}, below the first block kept ({earliest})",
                state.height()
            ),
        });
    }
    match index.seed(state.height(), &state) {
        Ok(()) => {
            index.commit()?;
            Ok(true)
        }
        Err(e) => {
            index.rollback()?;
            Err(e)
        }
    }
}

/// Indexes the blocks after the index's height up to the chain's latest, at most
/// `max_blocks` of them, committing once at the end. Returns how many were indexed.
/// If a block's events cannot be read, the blocks before it are committed and the call
/// returns how many there were (an error if none): the next call starts from that
/// block. On any other error the blocks not yet committed are dropped, so the next call
/// starts again from the last committed height.
pub fn catch_up(
    index: &SearchIndex,
    blocks: &dyn BlockSource,
    contents: &dyn ContentSource,
    max_blocks: u64,
) -> Result<u64, SearchError> {
    let from = index.height().saturating_add(1);
    let latest = blocks.latest_height()?;
    let to = latest.min(from.saturating_add(max_blocks).saturating_sub(1));
    if to < from {
        return Ok(0);
    }
    for h in from..=to {
        let events = match blocks.block_events(h) {
            Ok(events) => events,
            // Nothing of block `h` is applied yet: what came before it stands.
            Err(e) if h == from => return Err(e),
            Err(_) => {
                index.commit()?;
                return Ok(h - from);
            }
        };
        if let Err(e) = index.apply_block(h, &events, contents) {
            index.rollback()?;
            return Err(e);
        }
    }
    index.commit()?;
    Ok(to - from + 1)
}

#[cfg(test)]
mod tests;
