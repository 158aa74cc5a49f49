//! The index fed by a chain in memory: indexing, ranking, filters, handles, the
//! following feed, trending, rebuild after delete and catch-up.

use std::{cell::Cell, collections::BTreeMap};

use crate::{
    catch_up, event::types, BlockEvent, BlockSource, ContentDoc, ContentSource, SearchError,
    SearchIndex, SearchQuery,
};

/// A chain in memory: blocks of events, and the contents its state holds now.
#[derive(Default)]
struct Chain {
    blocks: Vec<Vec<BlockEvent>>,
    contents: BTreeMap<u64, ContentDoc>,
    /// Reading this content fails (the application is unreachable).
    broken: Cell<Option<u64>>,
    /// Reading this block's events fails (the node has not stored its results yet).
    unstored: Cell<Option<u64>>,
}

impl Chain {
    fn register(
        &mut self,
        id: u64,
        creator: &str,
        title: &str,
        description: &str,
        tags: &[&str],
        price: u128,
    ) {
        let height = self.blocks.len() as u64 + 1;
        self.contents.insert(
            id,
            ContentDoc {
                id,
                creator: creator.into(),
                title: title.into(),
                description: description.into(),
                tags: tags.iter().map(|t| t.to_string()).collect(),
                access_price: price,
                created_height: height,
            },
        );
        self.blocks.push(vec![BlockEvent::new(
            types::CONTENT_REGISTERED,
            &[("content_id", &id.to_string()), ("creator", creator)],
        )]);
    }

    fn block(&mut self, events: Vec<BlockEvent>) {
        self.blocks.push(events);
    }
}

impl BlockSource for Chain {
    fn latest_height(&self) -> Result<u64, SearchError> {
        Ok(self.blocks.len() as u64)
    }
    fn block_events(&self, height: u64) -> Result<Vec<BlockEvent>, SearchError> {
        if self.unstored.get() == Some(height) {
            return Err(SearchError::Source {
                what: format!("block_results at height {height}"),
                reason: "not stored yet".into(),
            });
        }
        Ok(self.blocks[height as usize - 1].clone())
    }
}

impl ContentSource for Chain {
    fn content(&self, id: u64) -> Result<Option<ContentDoc>, SearchError> {
        if self.broken.get() == Some(id) {
            return Err(SearchError::Source {
                what: format!("content {id}"),
                reason: "unreachable".into(),
            });
        }
        Ok(self.contents.get(&id).cloned())
    }
}

fn sample() -> Chain {
    let mut c = Chain::default();
    c.register(
        1,
        "weave1alice",
        "Sunset over the harbour",
        "A slow timelapse of boats at dusk",
        &["timelapse", "sea"],
        0,
    );
    c.register(
        2,
        "weave1bob",
        "Harbour cooking",
        "Grilled sardines, a sunset recipe",
        &["food"],
        500,
    );
    c.register(
        3,
        "weave1alice",
        "Mountain lake",
        "Morning mist over a quiet lake",
        &["nature"],
        2_000,
    );
    c.register(
        4,
        "weave1carol",
        "Sunset sunset sunset",
        "Three sunsets in a row: sunset",
        &["sea"],
        10_000,
    );
    c
}

fn ids(hits: &[crate::ContentHit]) -> Vec<u64> {
    hits.iter().map(|h| h.content.id).collect()
}

fn search(index: &SearchIndex, text: &str) -> Vec<u64> {
    ids(&index
        .search(&SearchQuery {
            text: text.into(),
            ..Default::default()
        })
        .unwrap()
        .contents)
}

fn opened(chain: &Chain) -> (tempfile::TempDir, SearchIndex) {
    let dir = tempfile::tempdir().unwrap();
    let index = SearchIndex::open(&dir.path().join("search")).unwrap();
    assert_eq!(
        catch_up(&index, chain, chain, 1000).unwrap(),
        chain.blocks.len() as u64
    );
    (dir, index)
}

#[test]
fn indexes_titles_descriptions_and_tags_and_ranks_by_relevance() {
    let chain = sample();
    let (_dir, index) = opened(&chain);
    assert_eq!(index.height(), 4);
    // A word of a description only.
    assert_eq!(search(&index, "sardines"), vec![2]);
    // A tag as a word.
    assert_eq!(search(&index, "timelapse"), vec![1]);
    // Case does not matter; every content with the word is found, and the one that
    // says it most (and in its title) ranks first.
    let hits = search(&index, "SUNSET");
    assert_eq!(hits.len(), 3);
    assert_eq!(hits[0], 4);
    assert!(hits.contains(&1) && hits.contains(&2));
    // Several words: all must match.
    let mut both = search(&index, "sunset harbour");
    both.sort();
    assert_eq!(both, vec![1, 2]);
    assert_eq!(search(&index, "mist lake"), vec![3]);
    assert!(search(&index, "nowhere").is_empty());
    // Syntax the parser dislikes is read leniently, not an error.
    assert!(index
        .search(&SearchQuery {
            text: "sunset AND (".into(),
            ..Default::default()
        })
        .is_ok());
    // Every field comes back as stored.
    let hit = &index
        .search(&SearchQuery {
            text: "sardines".into(),
            ..Default::default()
        })
        .unwrap()
        .contents[0];
    assert_eq!(hit.content, chain.contents[&2]);
    assert!(hit.score > 0.0);
}

#[test]
fn filters_by_tag_creator_price_and_free() {
    let chain = sample();
    let (_dir, index) = opened(&chain);
    let run = |q: SearchQuery| ids(&index.search(&q).unwrap().contents);
    let sunset = || SearchQuery {
        text: "sunset".into(),
        ..Default::default()
    };
    assert_eq!(
        run(SearchQuery {
            tag: Some("sea".into()),
            ..sunset()
        })
        .len(),
        2
    );
    assert_eq!(
        run(SearchQuery {
            tag: Some("food".into()),
            ..sunset()
        }),
        vec![2]
    );
    assert_eq!(
        run(SearchQuery {
            creator: Some("weave1alice".into()),
            ..sunset()
        }),
        vec![1]
    );
    assert_eq!(
        run(SearchQuery {
            free_only: true,
            ..sunset()
        }),
        vec![1]
    );
    assert_eq!(
        run(SearchQuery {
            min_price: Some(1),
            max_price: Some(9_999),
            ..sunset()
        }),
        vec![2]
    );
    assert_eq!(
        run(SearchQuery {
            min_price: Some(10_000),
            ..sunset()
        }),
        vec![4]
    );
    assert!(run(SearchQuery {
        max_price: Some(499),
        min_price: Some(1),
        ..sunset()
    })
    .is_empty());
    // No words: everything the filters select, newest first.
    assert_eq!(run(SearchQuery::default()), vec![4, 3, 2, 1]);
    assert_eq!(
        run(SearchQuery {
            creator: Some("weave1alice".into()),
            ..Default::default()
        }),
        vec![3, 1]
    );
    assert_eq!(
        run(SearchQuery {
            limit: 2,
            ..Default::default()
        }),
        vec![4, 3]
    );
}

#[test]
fn updates_and_retirements_follow_the_chain_state() {
    let mut chain = sample();
    let (_dir, index) = opened(&chain);
    chain.contents.get_mut(&2).unwrap().description = "Grilled mackerel".into();
    chain.contents.remove(&3);
    chain.block(vec![
        BlockEvent::new(types::CONTENT_UPDATED, &[("content_id", "2")]),
        BlockEvent::new(types::CONTENT_RETIRED, &[("content_id", "3")]),
    ]);
    assert_eq!(catch_up(&index, &chain, &chain, 1000).unwrap(), 1);
    assert!(search(&index, "sardines").is_empty());
    assert_eq!(search(&index, "mackerel"), vec![2]);
    assert!(search(&index, "lake").is_empty());
}

#[test]
fn handles_make_profiles_and_their_contents_searchable() {
    let mut chain = sample();
    let (_dir, index) = opened(&chain);
    chain.block(vec![BlockEvent::new(
        types::PROFILE_UPDATED,
        &[
            ("address", "weave1alice"),
            ("handle", "alice_films"),
            ("display_name", "Alice Martin"),
            ("bio", "I film harbours"),
        ],
    )]);
    // In the same batch, alice registers another content.
    chain.register(5, "weave1alice", "Night market", "Lanterns", &[], 0);
    assert_eq!(catch_up(&index, &chain, &chain, 1000).unwrap(), 2);
    let r = index
        .search(&SearchQuery {
            text: "alice_films".into(),
            ..Default::default()
        })
        .unwrap();
    assert_eq!(r.profiles.len(), 1);
    assert_eq!(r.profiles[0].address, "weave1alice");
    assert_eq!(r.profiles[0].display_name, "Alice Martin");
    let mut found = ids(&r.contents);
    found.sort();
    assert_eq!(found, vec![1, 3, 5]);
    assert!(r.contents.iter().all(|h| h.creator_handle == "alice_films"));
    // A new handle replaces the old one everywhere, including in committed documents.
    chain.block(vec![BlockEvent::new(
        types::PROFILE_UPDATED,
        &[
            ("address", "weave1alice"),
            ("handle", "harbour_alice"),
            ("display_name", "Alice"),
            ("bio", ""),
        ],
    )]);
    catch_up(&index, &chain, &chain, 1000).unwrap();
    let r = index
        .search(&SearchQuery {
            text: "alice_films".into(),
            ..Default::default()
        })
        .unwrap();
    assert!(r.contents.is_empty() && r.profiles.is_empty());
    assert_eq!(search(&index, "harbour_alice").len(), 3);
    // A tag or price filter asks for contents only.
    let r = index
        .search(&SearchQuery {
            text: "harbour_alice".into(),
            free_only: true,
            ..Default::default()
        })
        .unwrap();
    assert!(r.profiles.is_empty());
    let mut free = ids(&r.contents);
    free.sort();
    assert_eq!(free, vec![1, 5]);
}

#[test]
fn the_following_feed_lists_newest_content_of_followees() {
    let mut chain = sample();
    chain.block(vec![
        BlockEvent::new(
            types::FOLLOWED,
            &[("follower", "weave1dan"), ("followee", "weave1alice")],
        ),
        BlockEvent::new(
            types::FOLLOWED,
            &[("follower", "weave1dan"), ("followee", "weave1carol")],
        ),
    ]);
    let (_dir, index) = opened(&chain);
    assert_eq!(ids(&index.feed("weave1dan", 10).unwrap()), vec![4, 3, 1]);
    assert_eq!(ids(&index.feed("weave1dan", 2).unwrap()), vec![4, 3]);
    assert!(index.feed("weave1nobody", 10).unwrap().is_empty());
    chain.block(vec![BlockEvent::new(
        types::UNFOLLOWED,
        &[("follower", "weave1dan"), ("followee", "weave1carol")],
    )]);
    catch_up(&index, &chain, &chain, 1000).unwrap();
    assert_eq!(ids(&index.feed("weave1dan", 10).unwrap()), vec![3, 1]);
    assert_eq!(
        index.following("weave1dan"),
        vec!["weave1alice".to_string()]
    );
}

fn view(id: u64, viewer: &str, total: u64) -> BlockEvent {
    BlockEvent::new(
        types::VIEW_COUNTED,
        &[
            ("content_id", &id.to_string()),
            ("viewer", viewer),
            ("views", &total.to_string()),
        ],
    )
}

#[test]
fn trending_ranks_by_paid_views_over_the_window() {
    let mut chain = sample();
    // Block 5: content 1 gets three views; block 6: content 2 two views and a purchase.
    chain.block(vec![view(1, "a", 1), view(1, "b", 2), view(1, "c", 3)]);
    chain.block(vec![
        view(2, "a", 1),
        view(2, "b", 2),
        BlockEvent::new(
            types::ACCESS_PURCHASED,
            &[("content_id", "2"), ("buyer", "d"), ("quantity", "1")],
        ),
    ]);
    let (_dir, index) = opened(&chain);
    let t = index.trending(100, 10).unwrap();
    assert_eq!(
        t.iter()
            .map(|e| (
                e.content.content.id,
                e.views,
                e.paying_viewers,
                e.total_views
            ))
            .collect::<Vec<_>>(),
        vec![(1, 3, 3, 3), (2, 2, 3, 2)]
    );
    // The last block only: content 1's views fall out of the window.
    let t = index.trending(1, 10).unwrap();
    assert_eq!(
        t.iter().map(|e| e.content.content.id).collect::<Vec<_>>(),
        vec![2]
    );
    // A retired content leaves the list.
    chain.contents.remove(&1);
    chain.block(vec![BlockEvent::new(
        types::CONTENT_RETIRED,
        &[("content_id", "1")],
    )]);
    catch_up(&index, &chain, &chain, 1000).unwrap();
    assert_eq!(index.trending(100, 10).unwrap().len(), 1);
}

#[test]
fn a_deleted_index_is_rebuilt_from_the_chain_with_the_same_answers() {
    let mut chain = sample();
    chain.block(vec![BlockEvent::new(
        types::FOLLOWED,
        &[("follower", "weave1dan"), ("followee", "weave1bob")],
    )]);
    chain.block(vec![view(2, "a", 1)]);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("search");
    let before = {
        let index = SearchIndex::open(&path).unwrap();
        catch_up(&index, &chain, &chain, 1000).unwrap();
        (
            search(&index, "sunset"),
            ids(&index.feed("weave1dan", 10).unwrap()),
            index.trending(10, 10).unwrap().len(),
        )
    };
    // Reopened as is: nothing to do.
    {
        let index = SearchIndex::open(&path).unwrap();
        assert_eq!(index.height(), 6);
        assert_eq!(catch_up(&index, &chain, &chain, 1000).unwrap(), 0);
        assert_eq!(search(&index, "sunset"), before.0);
    }
    std::fs::remove_dir_all(&path).unwrap();
    let index = SearchIndex::open(&path).unwrap();
    assert_eq!(index.height(), 0);
    assert!(search(&index, "sunset").is_empty());
    assert_eq!(catch_up(&index, &chain, &chain, 1000).unwrap(), 6);
    let after = (
        search(&index, "sunset"),
        ids(&index.feed("weave1dan", 10).unwrap()),
        index.trending(10, 10).unwrap().len(),
    );
    assert_eq!(after, before);
    assert_eq!(after.1, vec![2]);
}

#[test]
fn a_half_written_index_starts_again() {
    let chain = sample();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("search");
    {
        let index = SearchIndex::open(&path).unwrap();
        catch_up(&index, &chain, &chain, 1000).unwrap();
    }
    // The feed state says another height than the text index (a crash between the two).
    let feed = path.join("feed.json");
    let text = std::fs::read_to_string(&feed)
        .unwrap()
        .replace("\"height\":4", "\"height\":3");
    std::fs::write(&feed, text).unwrap();
    let index = SearchIndex::open(&path).unwrap();
    assert_eq!(index.height(), 0);
    catch_up(&index, &chain, &chain, 1000).unwrap();
    assert_eq!(search(&index, "sardines"), vec![2]);
    // Garbage in the feed state: the same.
    drop(index);
    std::fs::write(&feed, b"not json").unwrap();
    assert_eq!(SearchIndex::open(&path).unwrap().height(), 0);
}

#[test]
fn catch_up_goes_in_bounded_steps_and_a_failure_keeps_the_last_commit() {
    let mut chain = sample();
    let dir = tempfile::tempdir().unwrap();
    let index = SearchIndex::open(&dir.path().join("search")).unwrap();
    assert_eq!(catch_up(&index, &chain, &chain, 3).unwrap(), 3);
    assert_eq!(index.height(), 3);
    assert!(search(&index, "sunset").iter().all(|i| *i != 4));
    assert_eq!(catch_up(&index, &chain, &chain, 3).unwrap(), 1);
    assert_eq!(index.height(), 4);
    assert_eq!(catch_up(&index, &chain, &chain, 3).unwrap(), 0);

    // Content 6 cannot be read: the block is not indexed, nor any in its batch.
    chain.register(5, "weave1erin", "Kites", "Kites on the beach", &[], 0);
    chain.register(6, "weave1erin", "Dunes", "Sand dunes", &[], 0);
    chain.broken.set(Some(6));
    assert!(catch_up(&index, &chain, &chain, 10).is_err());
    assert_eq!(index.height(), 4);
    assert!(search(&index, "kites").is_empty());
    // Once it can, both blocks are indexed.
    chain.broken.set(None);
    assert_eq!(catch_up(&index, &chain, &chain, 10).unwrap(), 2);
    assert_eq!(search(&index, "kites"), vec![5]);
    assert_eq!(search(&index, "dunes"), vec![6]);

    // A block whose events are not to be had yet: the blocks before it are kept, and
    // the next call goes on from it.
    chain.register(7, "weave1erin", "Gulls", "Gulls over the harbour", &[], 0);
    chain.register(8, "weave1erin", "Terns", "Terns diving", &[], 0);
    chain.unstored.set(Some(8));
    assert_eq!(catch_up(&index, &chain, &chain, 10).unwrap(), 1);
    assert_eq!(index.height(), 7);
    assert_eq!(search(&index, "gulls"), vec![7]);
    assert!(catch_up(&index, &chain, &chain, 10).is_err());
    assert_eq!(index.height(), 7);
    chain.unstored.set(None);
    assert_eq!(catch_up(&index, &chain, &chain, 10).unwrap(), 1);
    assert_eq!(search(&index, "terns"), vec![8]);
}

/// The chain as a node that joined by state sync sees it: blocks from `earliest` on, and
/// its whole state at `earliest - 1`.
struct Synced<'a> {
    chain: &'a Chain,
    earliest: u64,
}

impl BlockSource for Synced<'_> {
    fn latest_height(&self) -> Result<u64, SearchError> {
        self.chain.latest_height()
    }
    fn earliest_height(&self) -> Result<u64, SearchError> {
        Ok(self.earliest)
    }
    fn block_events(&self, height: u64) -> Result<Vec<BlockEvent>, SearchError> {
        assert!(height >= self.earliest, "block {height} is gone");
        self.chain.block_events(height)
    }
}

struct State {
    height: u64,
    contents: Vec<ContentDoc>,
    profiles: Vec<crate::Profile>,
    follows: Vec<(String, String)>,
}

impl crate::StateSource for State {
    fn height(&self) -> u64 {
        self.height
    }
    fn contents(&self) -> Result<Vec<ContentDoc>, SearchError> {
        Ok(self.contents.clone())
    }
    fn profiles(&self) -> Result<Vec<crate::Profile>, SearchError> {
        Ok(self.profiles.clone())
    }
    fn follows(&self) -> Result<Vec<(String, String)>, SearchError> {
        Ok(self.follows.clone())
    }
}

#[test]
fn a_node_without_the_early_blocks_seeds_from_state_then_follows_blocks() {
    use crate::seed_when_blocks_are_gone;
    let mut chain = sample();
    let at4: Vec<ContentDoc> = chain.contents.values().cloned().collect();
    let state = |height| State {
        height,
        contents: at4.clone(),
        profiles: vec![crate::Profile {
            address: "weave1alice".into(),
            handle: "alice_films".into(),
            display_name: "Alice".into(),
            bio: "harbours".into(),
        }],
        follows: vec![("weave1dan".into(), "weave1carol".into())],
    };
    let seeded = state(4);
    // A node with every block never reads its whole state.
    let dir = tempfile::tempdir().unwrap();
    let index = SearchIndex::open(&dir.path().join("search")).unwrap();
    let full = Synced {
        chain: &chain,
        earliest: 1,
    };
    assert!(
        !seed_when_blocks_are_gone(&index, &full, || -> Result<State, _> {
            panic!("read the whole state")
        })
        .unwrap()
    );
    drop(index);

    // Blocks 1..=4 are gone: the state at 4 fills the index, committed at height 4.
    chain.register(5, "weave1carol", "Harbour at night", "Lanterns", &[], 0);
    let synced = Synced {
        chain: &chain,
        earliest: 5,
    };
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("search");
    let index = SearchIndex::open(&path).unwrap();
    // A state below the first kept block cannot fill the gap.
    let err = seed_when_blocks_are_gone(&index, &synced, || Ok(state(2))).unwrap_err();
    assert!(
        err.to_string().contains("below the first block kept"),
        "{err}"
    );
    assert_eq!(index.height(), 0);
    assert!(seed_when_blocks_are_gone(&index, &synced, || Ok(seeded)).unwrap());
    assert_eq!(index.height(), 4);
    let mut found = search(&index, "sunset");
    found.sort();
    assert_eq!(found, vec![1, 2, 4]);
    let r = index
        .search(&SearchQuery {
            text: "alice_films".into(),
            ..Default::default()
        })
        .unwrap();
    assert_eq!(r.profiles.len(), 1);
    assert!(r.contents.iter().all(|h| h.creator_handle == "alice_films"));
    assert_eq!(ids(&index.feed("weave1dan", 10).unwrap()), vec![4]);
    // Then it follows blocks from 5, and the next call finds nothing to seed.
    assert_eq!(catch_up(&index, &synced, &chain, 1000).unwrap(), 1);
    assert_eq!(ids(&index.feed("weave1dan", 10).unwrap()), vec![5, 4]);
    assert!(
        !seed_when_blocks_are_gone(&index, &synced, || -> Result<State, _> {
            panic!("seeded twice")
        })
        .unwrap()
    );
    // And it survives a restart as it is.
    drop(index);
    let index = SearchIndex::open(&path).unwrap();
    assert_eq!(index.height(), 5);
    assert_eq!(search(&index, "harbour").len(), 3);
}
