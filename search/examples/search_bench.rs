//! The search benchmark: 100,000 contents indexed through the same path as a node's
//! (block events, contents read from a source), then the same queries answered by the
//! index and by a naive scan over the same documents held in memory, side by side.
//!
//! `cargo run -p weave-search --example search_bench [-- CONTENTS]`
#![allow(clippy::disallowed_methods, clippy::unwrap_used, missing_docs)]

use std::{
    collections::BTreeMap,
    time::{Duration, Instant},
};

use weave_search::{
    event::types, BlockEvent, ContentDoc, ContentSource, SearchError, SearchIndex, SearchQuery,
};

/// A small deterministic generator (no wall clock, no dependency).
struct Lcg(u64);

impl Lcg {
    fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        self.0 >> 33
    }
    /// An index in `0..n`, skewed towards small values (common words).
    fn skewed(&mut self, n: u64) -> usize {
        let r = self.next() % n;
        ((r * r) / n) as usize
    }
}

const SYLLABLES: [&str; 24] = [
    "ka", "lo", "mi", "ra", "su", "te", "vo", "ne", "pi", "da", "gu", "zo", "re", "ma", "ti", "no",
    "be", "sa", "ki", "lu", "fe", "ho", "ja", "we",
];

fn vocabulary(n: usize) -> Vec<String> {
    (0..n)
        .map(|i| {
            let a = SYLLABLES[i % 24];
            let b = SYLLABLES[(i / 24) % 24];
            let c = SYLLABLES[(i / 576) % 24];
            format!("{a}{b}{c}")
        })
        .collect()
}

struct Docs(BTreeMap<u64, ContentDoc>);

impl ContentSource for Docs {
    fn content(&self, id: u64) -> Result<Option<ContentDoc>, SearchError> {
        Ok(self.0.get(&id).cloned())
    }
}

fn generate(n: u64) -> Docs {
    let words = vocabulary(6000);
    let tags: Vec<String> = (0..60).map(|i| format!("tag-{i}")).collect();
    let mut rng = Lcg(42);
    let sentence = |rng: &mut Lcg, len: usize| {
        (0..len)
            .map(|_| words[rng.skewed(words.len() as u64)].as_str())
            .collect::<Vec<_>>()
            .join(" ")
    };
    let docs = (1..=n)
        .map(|id| {
            let doc = ContentDoc {
                id,
                creator: format!("weave1creator{}", rng.next() % 2000),
                title: sentence(&mut rng, 4),
                description: sentence(&mut rng, 40),
                tags: (0..2).map(|_| tags[rng.skewed(60)].clone()).collect(),
                access_price: match rng.next() % 4 {
                    0 => 0,
                    _ => u128::from(rng.next() % 100_000),
                },
                created_height: id / 100 + 1,
            };
            (id, doc)
        })
        .collect();
    Docs(docs)
}

/// The baseline: every document scanned, every query word looked for in its words.
fn naive(docs: &[(ContentDoc, Vec<String>)], q: &SearchQuery) -> Vec<u64> {
    let words: Vec<String> = q.text.split_whitespace().map(str::to_lowercase).collect();
    let mut hits: Vec<(usize, u64, u64)> = docs
        .iter()
        .filter(|(d, _)| q.tag.as_ref().is_none_or(|t| d.tags.contains(t)))
        .filter(|(d, _)| q.creator.as_ref().is_none_or(|c| &d.creator == c))
        .filter(|(d, _)| !q.free_only || d.access_price == 0)
        .filter(|(d, _)| q.min_price.is_none_or(|p| d.access_price >= p))
        .filter(|(d, _)| q.max_price.is_none_or(|p| d.access_price <= p))
        .filter_map(|(d, tokens)| {
            let mut count = 0;
            for w in &words {
                let n = tokens.iter().filter(|t| *t == w).count();
                if n == 0 {
                    return None;
                }
                count += n;
            }
            Some((count, d.created_height, d.id))
        })
        .collect();
    hits.sort_by(|a, b| b.0.cmp(&a.0).then(b.1.cmp(&a.1)));
    hits.into_iter().take(20).map(|h| h.2).collect()
}

fn time<T>(runs: usize, mut f: impl FnMut() -> T) -> (Duration, Duration, T) {
    let mut times = Vec::with_capacity(runs);
    let mut last = None;
    for _ in 0..runs {
        let start = Instant::now();
        last = Some(f());
        times.push(start.elapsed());
    }
    times.sort();
    (times[runs / 2], times[runs - 1], last.unwrap())
}

fn ms(d: Duration) -> String {
    format!("{:.2}", d.as_secs_f64() * 1000.0)
}

fn main() {
    let n: u64 = std::env::args()
        .nth(1)
        .map(|a| a.parse().expect("CONTENTS must be a number"))
        .unwrap_or(100_000);
    let docs = generate(n);
    let words = vocabulary(6000);
    let dir = tempfile::tempdir().unwrap();
    let index = SearchIndex::open(&dir.path().join("search")).unwrap();

    // Index as a node does: 1000 registrations per block, one commit at the end.
    let start = Instant::now();
    let ids: Vec<u64> = docs.0.keys().copied().collect();
    for (block, chunk) in ids.chunks(1000).enumerate() {
        let events: Vec<BlockEvent> = chunk
            .iter()
            .map(|id| {
                BlockEvent::new(
                    types::CONTENT_REGISTERED,
                    &[("content_id", &id.to_string())],
                )
            })
            .collect();
        index.apply_block(block as u64 + 1, &events, &docs).unwrap();
    }
    index.commit().unwrap();
    println!(
        "indexed {n} contents in {:.1} s\n",
        start.elapsed().as_secs_f64()
    );

    // The baseline's documents, lower-cased and split once, before timing.
    let scanned: Vec<(ContentDoc, Vec<String>)> = docs
        .0
        .values()
        .map(|d| {
            let text = format!("{} {} {}", d.title, d.description, d.tags.join(" "));
            let tokens = text
                .to_lowercase()
                .split(|c: char| !c.is_alphanumeric())
                .filter(|t| !t.is_empty())
                .map(str::to_string)
                .collect();
            (d.clone(), tokens)
        })
        .collect();

    let word = |i: usize| words[i].clone();
    let queries: Vec<(&str, SearchQuery)> = vec![
        (
            "common word",
            SearchQuery {
                text: word(0),
                ..Default::default()
            },
        ),
        (
            "rare word",
            SearchQuery {
                text: word(1500),
                ..Default::default()
            },
        ),
        (
            "two words",
            SearchQuery {
                text: format!("{} {}", word(3), word(40)),
                ..Default::default()
            },
        ),
        (
            "word + tag",
            SearchQuery {
                text: word(10),
                tag: Some("tag-1".into()),
                ..Default::default()
            },
        ),
        (
            "word + price range",
            SearchQuery {
                text: word(10),
                min_price: Some(1000),
                max_price: Some(20_000),
                ..Default::default()
            },
        ),
        (
            "word + free",
            SearchQuery {
                text: word(20),
                free_only: true,
                ..Default::default()
            },
        ),
        (
            "creator, newest",
            SearchQuery {
                creator: Some("weave1creator7".into()),
                ..Default::default()
            },
        ),
    ];
    let runs = 21;
    println!(
        "{:<20} {:>11} {:>11} {:>14} {:>14} {:>14}",
        "query (top 20)", "found/scan", "index median", "index max", "scan median", "scan max"
    );
    let mut worst = Duration::ZERO;
    for (name, q) in &queries {
        let (im, ix, found) = time(runs, || index.search(q).unwrap());
        let (sm, sx, scan) = time(runs, || naive(&scanned, q));
        worst = worst.max(ix);
        println!(
            "{:<20} {:>5}/{:<5} {:>9} ms {:>11} ms {:>11} ms {:>11} ms",
            name,
            found.contents.len(),
            scan.len(),
            ms(im),
            ms(ix),
            ms(sm),
            ms(sx)
        );
    }
    println!(
        "\nslowest indexed query: {} ms (target: under 50 ms)",
        ms(worst)
    );
}
