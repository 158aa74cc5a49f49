//! `weaved search`: the node's search index (`weave.search.v1.Search`): ranked
//! full-text search with filters, the following feed and the trending list. The index
//! is each node's own, fed from committed blocks; answers say the height it reached.

use anyhow::Context as _;
use clap::{Args, Subcommand};
use serde_json::{json, Value};
use tonic::transport::Channel;
use weave_proto::weave::search::v1::{self as pb, search_client::SearchClient};

use crate::{
    chain::status_error,
    opts::{resolve_address, GlobalOpts, NodeOpts},
    query::with_channel,
    render,
};

/// `weaved search ...`
#[derive(Debug, Args)]
#[command(
    args_conflicts_with_subcommands = true,
    after_help = "Examples:\n  weaved search sunset harbour --tag sea --max-price 1000\n  weaved search --creator alice --free\n  weaved search feed alice\n  weaved search trending --window 500"
)]
pub struct SearchCmd {
    #[command(subcommand)]
    sub: Option<SearchSub>,
    #[command(flatten)]
    search: SearchArgs,
}

/// `weaved search feed|trending`.
#[derive(Debug, Subcommand)]
enum SearchSub {
    /// The newest contents of the accounts an account follows.
    Feed {
        /// The follower: an address or the name of a key in the key ring.
        address: String,
        /// The most contents.
        #[arg(long, default_value_t = 20)]
        limit: u32,
        #[command(flatten)]
        node: NodeOpts,
    },
    /// The contents with the most paid views (then paying viewers) over recent blocks.
    Trending {
        /// How many blocks back to count.
        #[arg(long, default_value_t = 1000)]
        window: u64,
        /// The most contents.
        #[arg(long, default_value_t = 20)]
        limit: u32,
        #[command(flatten)]
        node: NodeOpts,
    },
}

/// `weaved search <words> [filters]`.
#[derive(Debug, Args)]
struct SearchArgs {
    /// Words to find in titles, descriptions, tags and handles (none: list what the
    /// filters select, newest first).
    words: Vec<String>,
    /// Only contents with this tag.
    #[arg(long)]
    tag: Option<String>,
    /// Only contents of this creator (an address or a key name).
    #[arg(long)]
    creator: Option<String>,
    /// Only contents priced at least this many uweave.
    #[arg(long)]
    min_price: Option<u128>,
    /// Only contents priced at most this many uweave.
    #[arg(long)]
    max_price: Option<u128>,
    /// Only free contents.
    #[arg(long)]
    free: bool,
    /// The most results of each kind.
    #[arg(long, default_value_t = 20)]
    limit: u32,
    #[command(flatten)]
    node: NodeOpts,
}

fn client(channel: Channel) -> SearchClient<Channel> {
    SearchClient::new(channel)
}

fn hit_json(h: &pb::ContentHit) -> Value {
    json!({
        "id": h.id.to_string(),
        "creator": h.creator,
        "creator_handle": h.creator_handle,
        "title": h.title,
        "description": h.description,
        "tags": h.tags,
        "access_price": h.access_price,
        "created_height": h.created_height.to_string(),
        "score": h.score,
    })
}

fn hit_line(h: &pb::ContentHit) -> String {
    let by = if h.creator_handle.is_empty() {
        h.creator.clone()
    } else {
        format!("@{}", h.creator_handle)
    };
    let price = if h.access_price == "0" {
        "free".to_string()
    } else {
        format!("{} uweave", h.access_price)
    };
    let tags = if h.tags.is_empty() {
        String::new()
    } else {
        format!("  [{}]", h.tags.join(", "))
    };
    format!("#{:<6} {}  by {}  {}{}", h.id, h.title, by, price, tags)
}

fn lines(header: String, rows: Vec<String>, empty: &str) -> String {
    if rows.is_empty() {
        format!("{header}\n{empty}")
    } else {
        format!("{header}\n{}", rows.join("\n"))
    }
}

/// Runs `weaved search`.
pub fn run(cmd: SearchCmd, g: &GlobalOpts) -> anyhow::Result<()> {
    match cmd.sub {
        Some(SearchSub::Feed {
            address,
            limit,
            node,
        }) => {
            let address = resolve_address(&address, g)?.to_string();
            let r = with_channel(&node, g, |c| async move {
                client(c)
                    .feed(pb::FeedRequest {
                        address: address.clone(),
                        limit,
                    })
                    .await
                    .map_err(status_error)
                    .context("search feed")
            })?
            .into_inner();
            let text = lines(
                format!(
                    "following {} account(s), index at height {}",
                    r.following.len(),
                    r.height
                ),
                r.contents.iter().map(hit_line).collect(),
                "(nothing yet)",
            );
            render::print_one(
                g,
                "feed",
                json!({
                    "contents": r.contents.iter().map(hit_json).collect::<Vec<_>>(),
                    "following": r.following,
                    "height": r.height.to_string(),
                }),
                text,
            )
        }
        Some(SearchSub::Trending {
            window,
            limit,
            node,
        }) => {
            let r = with_channel(&node, g, |c| async move {
                client(c)
                    .trending(pb::TrendingRequest { window, limit })
                    .await
                    .map_err(status_error)
                    .context("search trending")
            })?
            .into_inner();
            let rows = r
                .entries
                .iter()
                .map(|e| {
                    let hit = e.content.clone().unwrap_or_default();
                    format!(
                        "{}  {} view(s), {} paying viewer(s)",
                        hit_line(&hit),
                        e.views,
                        e.paying_viewers
                    )
                })
                .collect();
            let text = lines(
                format!(
                    "trending over the last {window} blocks, index at height {}",
                    r.height
                ),
                rows,
                "(no paid views in the window)",
            );
            render::print_one(
                g,
                "trending",
                json!({
                    "entries": r.entries.iter().map(|e| json!({
                        "content": e.content.as_ref().map(hit_json),
                        "views": e.views.to_string(),
                        "paying_viewers": e.paying_viewers.to_string(),
                        "total_views": e.total_views.to_string(),
                    })).collect::<Vec<_>>(),
                    "height": r.height.to_string(),
                }),
                text,
            )
        }
        None => {
            let a = cmd.search;
            let creator = a
                .creator
                .as_deref()
                .map(|c| resolve_address(c, g).map(|a| a.to_string()))
                .transpose()?
                .unwrap_or_default();
            let request = pb::SearchRequest {
                query: a.words.join(" "),
                tag: a.tag.unwrap_or_default(),
                creator,
                min_price: a.min_price.map(|p| p.to_string()).unwrap_or_default(),
                max_price: a.max_price.map(|p| p.to_string()).unwrap_or_default(),
                free_only: a.free,
                limit: a.limit,
            };
            let r = with_channel(&a.node, g, |c| async move {
                client(c)
                    .search(request)
                    .await
                    .map_err(status_error)
                    .context("search")
            })?
            .into_inner();
            let mut text = lines(
                format!(
                    "{} content(s), index at height {}",
                    r.contents.len(),
                    r.height
                ),
                r.contents.iter().map(hit_line).collect(),
                "(no content matches)",
            );
            if !r.profiles.is_empty() {
                text.push_str(&format!("\n{} profile(s)", r.profiles.len()));
                for p in &r.profiles {
                    text.push_str(&format!(
                        "\n@{}  {}  {}",
                        p.handle, p.display_name, p.address
                    ));
                }
            }
            render::print_one(
                g,
                "search",
                json!({
                    "contents": r.contents.iter().map(hit_json).collect::<Vec<_>>(),
                    "profiles": r.profiles.iter().map(|p| json!({
                        "address": p.address,
                        "handle": p.handle,
                        "display_name": p.display_name,
                        "bio": p.bio,
                    })).collect::<Vec<_>>(),
                    "height": r.height.to_string(),
                }),
                text,
            )
        }
    }
}

#[cfg(test)]
mod tests {
    use clap::Parser;

    use super::*;

    #[derive(Debug, Parser)]
    struct Cli {
        #[command(flatten)]
        cmd: SearchCmd,
    }

    #[test]
    fn words_filters_and_subcommands_parse() {
        let c = Cli::try_parse_from([
            "search",
            "sunset",
            "beach",
            "--tag",
            "sea",
            "--max-price",
            "10",
            "--free",
        ])
        .unwrap();
        assert!(c.cmd.sub.is_none());
        assert_eq!(c.cmd.search.words, vec!["sunset", "beach"]);
        assert_eq!(c.cmd.search.tag.as_deref(), Some("sea"));
        assert_eq!(c.cmd.search.max_price, Some(10));
        assert!(c.cmd.search.free);
        let c = Cli::try_parse_from(["search", "feed", "weave1abc"]).unwrap();
        assert!(
            matches!(c.cmd.sub, Some(SearchSub::Feed { ref address, limit: 20, .. }) if address == "weave1abc")
        );
        let c = Cli::try_parse_from(["search", "trending", "--window", "50"]).unwrap();
        assert!(matches!(
            c.cmd.sub,
            Some(SearchSub::Trending { window: 50, .. })
        ));
        assert!(Cli::try_parse_from(["search", "x", "--min-price", "-1"]).is_err());
    }
}
