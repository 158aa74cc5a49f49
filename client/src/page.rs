//! Paginated listings: the `--page-key`/`--limit` flags, reading every page of a
//! listing, and printing one page.

use std::future::Future;

use anyhow::{bail, ensure, Context};
use serde_json::{json, Value};
use weave_proto::weave::base::v1::PageRequest;

use crate::{opts::GlobalOpts, render};

/// The most pages a command reads from one listing before giving up.
const MAX_PAGES: usize = 10_000;

/// Where a listing starts and how long a page is.
#[derive(Debug, Clone, clap::Args)]
pub struct PageArgs {
    /// Start at this key: the `next_key` (hex) that the previous page printed.
    #[arg(long, value_name = "HEX")]
    page_key: Option<String>,
    /// At most this many entries (0: the chain's default, 20; the chain caps it at 100).
    #[arg(long, value_name = "N", default_value_t = 0)]
    limit: u32,
}

impl PageArgs {
    /// The page request.
    pub fn request(&self) -> anyhow::Result<PageRequest> {
        let key = match &self.page_key {
            Some(hex_key) => hex::decode(hex_key.trim())
                .with_context(|| format!("invalid --page-key {hex_key:?}: want hex"))?,
            None => Vec::new(),
        };
        Ok(PageRequest {
            key,
            limit: self.limit,
        })
    }
}

/// Every entry of a listing: `fetch` reads the page that starts at a key and returns
/// its entries and the next key (empty after the last page).
pub async fn every_page<T, F, Fut>(what: &str, mut fetch: F) -> anyhow::Result<Vec<T>>
where
    F: FnMut(Vec<u8>) -> Fut,
    Fut: Future<Output = anyhow::Result<(Vec<T>, Vec<u8>)>>,
{
    let mut all = Vec::new();
    let mut key = Vec::new();
    for _ in 0..MAX_PAGES {
        let (entries, next) = fetch(key.clone()).await?;
        all.extend(entries);
        if next.is_empty() {
            return Ok(all);
        }
        ensure!(next != key, "the node repeated a page of {what}");
        key = next;
    }
    bail!("more than {MAX_PAGES} pages of {what}")
}

/// One page of a listing, as the library's queries return it: serialized as
/// `{"entries": [...], "next_key": "<hex>"}`.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Page<T> {
    /// The page's entries.
    pub entries: Vec<T>,
    /// Where the next page starts (pass it as the next request's key); empty after
    /// the last page.
    #[serde(serialize_with = "hex_bytes")]
    pub next_key: Vec<u8>,
}

impl<T> Page<T> {
    /// A page of `entries` followed by the page at `next` (see [`next_key`]).
    pub fn new(entries: Vec<T>, next: Option<weave_proto::weave::base::v1::PageResponse>) -> Self {
        Self {
            entries,
            next_key: next_key(next),
        }
    }

    /// The page with each entry turned into another value.
    pub fn map<U>(self, f: impl FnMut(T) -> U) -> Page<U> {
        Page {
            entries: self.entries.into_iter().map(f).collect(),
            next_key: self.next_key,
        }
    }

    /// Prints the page as [`print_page`] does: `entry` gives each entry's JSON value
    /// and line of text.
    pub fn print(
        &self,
        g: &GlobalOpts,
        field: &str,
        empty: &str,
        entry: impl FnMut(&T) -> (Value, String),
    ) -> anyhow::Result<()> {
        let entries = self.entries.iter().map(entry).collect();
        print_page(g, field, entries, &self.next_key, empty)
    }
}

/// Bytes as hex, for serde.
pub fn hex_bytes<S: serde::Serializer>(bytes: &[u8], s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&hex::encode(bytes))
}

/// The next key of a page response.
pub fn next_key(page: Option<weave_proto::weave::base::v1::PageResponse>) -> Vec<u8> {
    page.map(|p| p.next_key).unwrap_or_default()
}

/// Prints a page of a listing: its entries, then where the next page starts.
pub fn print_page(
    g: &GlobalOpts,
    field: &str,
    entries: Vec<(Value, String)>,
    next_key: &[u8],
    empty: &str,
) -> anyhow::Result<()> {
    if g.json() {
        let values: Vec<Value> = entries.into_iter().map(|(v, _)| v).collect();
        return render::print_json(&json!({
            field: values,
            "next_key": hex::encode(next_key),
        }));
    }
    if entries.is_empty() {
        println!("({empty})");
    }
    for (_, line) in entries {
        println!("{line}");
    }
    if !next_key.is_empty() {
        println!("next page: --page-key {}", hex::encode(next_key));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn page_flags_become_a_request() {
        let args = PageArgs {
            page_key: Some("0a0b".into()),
            limit: 5,
        };
        assert_eq!(
            args.request().unwrap(),
            PageRequest {
                key: vec![10, 11],
                limit: 5
            }
        );
        let bad = PageArgs {
            page_key: Some("xyz".into()),
            limit: 0,
        };
        assert!(bad.request().is_err());
    }

    #[test]
    fn a_page_serializes_its_next_key_in_hex() {
        let page = Page::new(
            vec![1u8, 2],
            Some(weave_proto::weave::base::v1::PageResponse {
                next_key: vec![0xab, 0x01],
            }),
        )
        .map(|n| n * 10);
        let json = serde_json::to_value(&page).unwrap();
        assert_eq!(json, json!({ "entries": [10, 20], "next_key": "ab01" }));
        assert_eq!(Page::<u8>::new(Vec::new(), None).next_key, Vec::<u8>::new());
    }

    #[tokio::test]
    async fn every_page_follows_next_keys_and_refuses_loops() {
        let pages = every_page("things", |key| async move {
            Ok(match key.as_slice() {
                [] => (vec![1, 2], vec![1]),
                [1] => (vec![3], vec![2]),
                _ => (vec![4], vec![]),
            })
        })
        .await
        .unwrap();
        assert_eq!(pages, vec![1, 2, 3, 4]);
        let looping = every_page("things", |_| async { Ok((vec![1], vec![9])) }).await;
        assert!(looping.unwrap_err().to_string().contains("repeated a page"));
    }
}
