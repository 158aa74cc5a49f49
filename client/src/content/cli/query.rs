//! `weaved query content`: clap arguments and rendering; the reads are
//! [`crate::content::query`]'s.

use anyhow::anyhow;
use clap::Subcommand;
use serde_json::{json, Value};
use weave_proto::weave::content::v1 as pb;

use crate::{
    content::{
        keys::parse_root,
        query::{self, status_name, ContentView},
    },
    opts::resolve_address,
    opts::GlobalOpts,
    opts::NodeOpts,
    page::{Page, PageArgs},
    query::with_channel,
    render,
};

/// `weaved query content ...`
#[derive(Debug, Subcommand)]
pub enum ContentQueryCmd {
    /// The content module's parameters.
    #[command(after_help = "Example:\n  weaved query content params")]
    Params {
        #[allow(missing_docs)] // flattened: its own fields carry the help
        #[command(flatten)]
        node: NodeOpts,
    },
    /// One content by id: meta-hash, metadata, prices, split, tiers and status.
    #[command(after_help = "Example:\n  weaved query content get 1 --output json")]
    Get {
        /// The content's id.
        content_id: u64,
        #[allow(missing_docs)] // flattened: its own fields carry the help
        #[command(flatten)]
        node: NodeOpts,
    },
    /// The content registered with a Merkle root.
    #[command(
        after_help = "Example:\n  weaved query content by-root 6f1ed002ab5595859014ebf0951522d9a2dd2f1e5e8a4fa19c4a0d5e4a4b3c2d"
    )]
    ByRoot {
        /// The root: 64 hex digits.
        root: String,
        #[allow(missing_docs)] // flattened: its own fields carry the help
        #[command(flatten)]
        node: NodeOpts,
    },
    /// A creator's content, newest first.
    #[command(
        after_help = "Example:\n  weaved query content by-creator weave1pafa9xct2zxsks824wuud2lpygj2vsf4p8dggy --limit 10"
    )]
    ByCreator {
        /// The creator: a bech32 address or a key name.
        creator: String,
        #[allow(missing_docs)] // flattened: its own fields carry the help
        #[command(flatten)]
        page: PageArgs,
        #[allow(missing_docs)] // flattened: its own fields carry the help
        #[command(flatten)]
        node: NodeOpts,
    },
    /// Content carrying a tag, newest first.
    #[command(after_help = "Example:\n  weaved query content by-tag documentary")]
    ByTag {
        /// The tag.
        tag: String,
        #[allow(missing_docs)] // flattened: its own fields carry the help
        #[command(flatten)]
        page: PageArgs,
        #[allow(missing_docs)] // flattened: its own fields carry the help
        #[command(flatten)]
        node: NodeOpts,
    },
    /// All content, newest first.
    #[command(after_help = "Example:\n  weaved query content feed --limit 50")]
    Feed {
        #[allow(missing_docs)] // flattened: its own fields carry the help
        #[command(flatten)]
        page: PageArgs,
        #[allow(missing_docs)] // flattened: its own fields carry the help
        #[command(flatten)]
        node: NodeOpts,
    },
    /// An account's access to a content.
    ///
    /// Its tokens, the rights they give, its subscription to the creator, and whether
    /// it has access at all.
    #[command(
        after_help = "Example:\n  weaved query content access 1 weave1pafa9xct2zxsks824wuud2lpygj2vsf4p8dggy"
    )]
    Access {
        /// The content's id.
        content_id: u64,
        /// The account: a bech32 address or a key name.
        address: String,
        #[allow(missing_docs)] // flattened: its own fields carry the help
        #[command(flatten)]
        node: NodeOpts,
    },
    /// A content's price history, newest first.
    #[command(after_help = "Example:\n  weaved query content price-history 1")]
    PriceHistory {
        /// The content's id.
        content_id: u64,
        #[allow(missing_docs)] // flattened: its own fields carry the help
        #[command(flatten)]
        page: PageArgs,
        #[allow(missing_docs)] // flattened: its own fields carry the help
        #[command(flatten)]
        node: NodeOpts,
    },
    /// A creator's subscription terms.
    #[command(
        after_help = "Example:\n  weaved query content terms weave1pafa9xct2zxsks824wuud2lpygj2vsf4p8dggy"
    )]
    Terms {
        /// The creator: a bech32 address or a key name.
        creator: String,
        #[allow(missing_docs)] // flattened: its own fields carry the help
        #[command(flatten)]
        node: NodeOpts,
    },
    /// One subscription: until which height a subscriber has access to a creator.
    #[command(after_help = "Example:\n  weaved query content subscription bob alice")]
    Subscription {
        /// The subscriber: a bech32 address or a key name.
        subscriber: String,
        /// The creator: a bech32 address or a key name.
        creator: String,
        #[allow(missing_docs)] // flattened: its own fields carry the help
        #[command(flatten)]
        node: NodeOpts,
    },
    /// A subscriber's subscriptions.
    #[command(after_help = "Example:\n  weaved query content subscriptions bob")]
    Subscriptions {
        /// The subscriber: a bech32 address or a key name.
        subscriber: String,
        #[allow(missing_docs)] // flattened: its own fields carry the help
        #[command(flatten)]
        page: PageArgs,
        #[allow(missing_docs)] // flattened: its own fields carry the help
        #[command(flatten)]
        node: NodeOpts,
    },
    /// An account's registered X25519 buyer key, in hex.
    #[command(after_help = "Example:\n  weaved query content buyer-key bob")]
    BuyerKey {
        /// The account: a bech32 address or a key name.
        address: String,
        #[allow(missing_docs)] // flattened: its own fields carry the help
        #[command(flatten)]
        node: NodeOpts,
    },
    /// The content key sealed to a holder, in hex.
    ///
    /// Only the holder can open it, with `weaved content key`.
    #[command(after_help = "Example:\n  weaved query content sealed-key 1 bob")]
    SealedKey {
        /// The content's id.
        content_id: u64,
        /// The holder: a bech32 address or a key name.
        holder: String,
        #[allow(missing_docs)] // flattened: its own fields carry the help
        #[command(flatten)]
        node: NodeOpts,
    },
    /// Holders of a creator's content still waiting for a key.
    ///
    /// Content 0 stands for a subscription to all of it; holders without a buyer key
    /// cannot be served yet.
    #[command(after_help = "Example:\n  weaved query content pending-keys alice")]
    PendingKeys {
        /// The creator: a bech32 address or a key name.
        creator: String,
        #[allow(missing_docs)] // flattened: its own fields carry the help
        #[command(flatten)]
        page: PageArgs,
        #[allow(missing_docs)] // flattened: its own fields carry the help
        #[command(flatten)]
        node: NodeOpts,
    },
}

/// A content as JSON: amounts as strings, the root in hex.
pub fn content_json(c: &pb::Content) -> Value {
    serde_json::to_value(ContentView::from(c)).unwrap_or(Value::Null)
}

/// A content as text, one field per line.
pub fn content_text(c: &pb::Content) -> String {
    let mut lines = vec![
        format!("id: {}", c.id),
        format!("creator: {}", c.creator),
        format!("status: {}", status_name(c.status)),
    ];
    if let Some(m) = &c.metadata {
        lines.push(format!("title: {}", m.title));
        if !m.description.is_empty() {
            lines.push(format!("description: {}", m.description));
        }
        lines.push(format!("mime_type: {}", m.mime_type));
        if !m.tags.is_empty() {
            lines.push(format!("tags: {}", m.tags.join(", ")));
        }
        if m.duration_seconds != 0 {
            lines.push(format!("duration_seconds: {}", m.duration_seconds));
        }
        if !m.cover_uri.is_empty() {
            lines.push(format!("cover_uri: {}", m.cover_uri));
        }
        if !m.metadata_uri.is_empty() {
            lines.push(format!("metadata_uri: {}", m.metadata_uri));
        }
    }
    if let Some(m) = &c.meta_hash {
        lines.push(format!("root: {}", hex::encode(&m.root)));
        lines.push(format!(
            "size: {} bytes in {} slices of {} ({})",
            m.plaintext_len, m.slice_count, m.slice_size, m.cipher
        ));
    }
    lines.push(format!("access_price: {}uweave", c.access_price));
    lines.push(format!("price_per_gib: {}uweave", c.price_per_gib));
    lines.push(format!("split_id: {}", c.split_id));
    if !c.tiers.is_empty() {
        let tiers: Vec<String> = c
            .tiers
            .iter()
            .map(|t| format!("{}:{}", t.name, t.min_tokens))
            .collect();
        lines.push(format!("tiers: {}", tiers.join(", ")));
    }
    lines.push(format!("tokens_issued: {}", c.tokens_issued));
    lines.push(format!("metadata_nonce: {}", c.metadata_nonce));
    lines.push(format!(
        "height: created {}, updated {}",
        c.created_height, c.updated_height
    ));
    lines.join("\n")
}

/// A content as one line of a listing: id, status, price and title.
fn content_line(c: &pb::Content) -> String {
    let title = c.metadata.as_ref().map_or("", |m| m.title.as_str());
    format!(
        "{}\t{}\t{}uweave\t{}",
        c.id,
        status_name(c.status),
        c.access_price,
        title
    )
}

/// Prints a content listing.
fn print_contents(g: &GlobalOpts, page: Page<pb::Content>) -> anyhow::Result<()> {
    page.print(g, "contents", "no content", |c| {
        (content_json(c), content_line(c))
    })
}

/// Runs a `weaved query content` command.
pub fn run(cmd: ContentQueryCmd, g: &GlobalOpts) -> anyhow::Result<()> {
    match cmd {
        ContentQueryCmd::Params { node } => {
            let params = with_channel(&node, g, |c| async move { query::params(&c).await })?;
            render::print_one(
                g,
                "params",
                json!({
                    "max_expiries_per_block": params.max_expiries_per_block,
                    "max_subscription_blocks": params.max_subscription_blocks,
                }),
                format!(
                    "max_expiries_per_block: {}\nmax_subscription_blocks: {}",
                    params.max_expiries_per_block, params.max_subscription_blocks
                ),
            )
        }
        ContentQueryCmd::Get { content_id, node } => {
            let c = with_channel(&node, g, |c| async move {
                query::fetch_content(&c, content_id).await
            })?;
            render::print_one(g, "content", content_json(&c), content_text(&c))
        }
        ContentQueryCmd::ByRoot { root, node } => {
            let root = parse_root(&root)?;
            let c = with_channel(&node, g, |c| async move {
                query::content_by_root(&c, &root).await
            })?;
            render::print_one(g, "content", content_json(&c), content_text(&c))
        }
        ContentQueryCmd::ByCreator {
            creator,
            page,
            node,
        } => {
            let creator = resolve_address(&creator, g)?;
            let page = page.request()?;
            let r = with_channel(&node, g, |c| async move {
                query::content_by_creator(&c, &creator, page).await
            })?;
            print_contents(g, r)
        }
        ContentQueryCmd::ByTag { tag, page, node } => {
            let page = page.request()?;
            let r = with_channel(&node, g, |c| async move {
                query::content_by_tag(&c, &tag, page).await
            })?;
            print_contents(g, r)
        }
        ContentQueryCmd::Feed { page, node } => {
            let page = page.request()?;
            let r = with_channel(&node, g, |c| async move { query::feed(&c, page).await })?;
            print_contents(g, r)
        }
        ContentQueryCmd::Access {
            content_id,
            address,
            node,
        } => {
            let address = resolve_address(&address, g)?;
            let r = with_channel(&node, g, |c| async move {
                query::access(&c, content_id, &address).await
            })?;
            let rights = if r.rights.is_empty() {
                "(none)".to_string()
            } else {
                r.rights.join(", ")
            };
            render::print_one(
                g,
                "access",
                serde_json::to_value(&r)?,
                format!(
                    "has_access: {}\ntokens: {}\nrights: {rights}\nsubscribed_until: {}",
                    r.has_access, r.tokens, r.subscribed_until
                ),
            )
        }
        ContentQueryCmd::PriceHistory {
            content_id,
            page,
            node,
        } => {
            let page = page.request()?;
            let r = with_channel(&node, g, |c| async move {
                query::price_history(&c, content_id, page).await
            })?;
            r.print(g, "prices", "no prices", |p| {
                (
                    json!({
                        "height": p.height,
                        "access_price": p.access_price,
                        "price_per_gib": p.price_per_gib,
                    }),
                    format!(
                        "height {}: access_price {}uweave, price_per_gib {}uweave",
                        p.height, p.access_price, p.price_per_gib
                    ),
                )
            })
        }
        ContentQueryCmd::Terms { creator, node } => {
            let creator = resolve_address(&creator, g)?;
            let t = with_channel(&node, g, |c| async move {
                query::subscription_terms(&c, &creator).await
            })?;
            render::print_one(
                g,
                "terms",
                json!({
                    "creator": t.creator,
                    "price": t.price,
                    "period_blocks": t.period_blocks,
                    "split_id": t.split_id,
                }),
                format!(
                    "creator: {}\nprice: {}uweave per period\nperiod_blocks: {}\nsplit_id: {}",
                    t.creator, t.price, t.period_blocks, t.split_id
                ),
            )
        }
        ContentQueryCmd::Subscription {
            subscriber,
            creator,
            node,
        } => {
            let subscriber = resolve_address(&subscriber, g)?;
            let creator = resolve_address(&creator, g)?;
            let s = with_channel(&node, g, |c| async move {
                query::subscription(&c, &subscriber, &creator).await
            })?;
            render::print_one(
                g,
                "subscription",
                subscription_json(&s),
                format!(
                    "subscriber: {}\ncreator: {}\nexpires_height: {}",
                    s.subscriber, s.creator, s.expires_height
                ),
            )
        }
        ContentQueryCmd::Subscriptions {
            subscriber,
            page,
            node,
        } => {
            let subscriber = resolve_address(&subscriber, g)?;
            let page = page.request()?;
            let r = with_channel(&node, g, |c| async move {
                query::subscriptions(&c, &subscriber, page).await
            })?;
            r.print(g, "subscriptions", "no subscriptions", |s| {
                (
                    subscription_json(s),
                    format!("{} until height {}", s.creator, s.expires_height),
                )
            })
        }
        ContentQueryCmd::BuyerKey { address, node } => {
            let address = resolve_address(&address, g)?;
            let key = with_channel(&node, g, |c| async move {
                query::fetch_buyer_key(&c, &address).await
            })?;
            if g.json() {
                render::print_json(&json!({
                    "address": address.to_string(),
                    "x25519_public_key": hex::encode(key),
                }))
            } else {
                println!("{}", hex::encode(key));
                Ok(())
            }
        }
        ContentQueryCmd::SealedKey {
            content_id,
            holder,
            node,
        } => {
            let holder = resolve_address(&holder, g)?;
            let sealed = with_channel(&node, g, |c| async move {
                query::fetch_sealed_key(&c, content_id, &holder).await
            })?
            .ok_or_else(|| anyhow!("no key delivered to {holder} for content {content_id}"))?;
            render::print_one(
                g,
                "sealed_key",
                json!({
                    "content_id": sealed.content_id,
                    "holder": sealed.holder,
                    "sealed": hex::encode(&sealed.sealed),
                    "height": sealed.height,
                }),
                format!(
                    "content_id: {}\nholder: {}\nsealed: {}\nheight: {}",
                    sealed.content_id,
                    sealed.holder,
                    hex::encode(&sealed.sealed),
                    sealed.height
                ),
            )
        }
        ContentQueryCmd::PendingKeys {
            creator,
            page,
            node,
        } => {
            let creator = resolve_address(&creator, g)?;
            let page = page.request()?;
            let r = with_channel(&node, g, |c| async move {
                query::pending_keys(&c, &creator, page).await
            })?;
            r.print(g, "pending", "no pending keys", |p| {
                let what = if p.content_id == 0 {
                    "all (subscription)".to_string()
                } else {
                    format!("content {}", p.content_id)
                };
                let key = if p.buyer_key.is_empty() {
                    "no buyer key yet".to_string()
                } else {
                    format!("buyer key {}", hex::encode(&p.buyer_key))
                };
                (
                    json!({
                        "content_id": p.content_id,
                        "holder": p.holder,
                        "buyer_key": hex::encode(&p.buyer_key),
                    }),
                    format!("{}\t{what}\t{key}", p.holder),
                )
            })
        }
    }
}

/// A subscription as JSON.
fn subscription_json(s: &pb::Subscription) -> Value {
    json!({
        "subscriber": s.subscriber,
        "creator": s.creator,
        "expires_height": s.expires_height,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn content() -> pb::Content {
        pb::Content {
            id: 7,
            creator: "weave1c".into(),
            meta_hash: Some(pb::MetaHash {
                root: vec![0xab; 32],
                slice_size: 4096,
                slice_count: 2,
                plaintext_len: 5000,
                cipher: "chacha20-poly1305".into(),
            }),
            metadata: Some(pb::Metadata {
                title: "A film".into(),
                mime_type: "video/mp4".into(),
                tags: vec!["film".into()],
                ..Default::default()
            }),
            access_price: "1000".into(),
            price_per_gib: "5".into(),
            split_id: 2,
            tiers: vec![pb::RightsTier {
                name: "personal".into(),
                min_tokens: 1,
            }],
            status: pb::ContentStatus::Active as i32,
            ..Default::default()
        }
    }

    #[test]
    fn content_renders_as_json_and_text() {
        let v = content_json(&content());
        assert_eq!(v["id"], 7);
        assert_eq!(v["status"], "active");
        assert_eq!(v["access_price"], "1000");
        assert_eq!(v["meta_hash"]["root"], "ab".repeat(32));
        assert_eq!(v["metadata"]["tags"][0], "film");
        assert_eq!(v["tiers"][0]["name"], "personal");
        let text = content_text(&content());
        assert!(text.contains("title: A film"), "{text}");
        assert!(text.contains("tiers: personal:1"), "{text}");
        assert!(
            text.contains("size: 5000 bytes in 2 slices of 4096"),
            "{text}"
        );
        assert_eq!(content_line(&content()), "7\tactive\t1000uweave\tA film");
        assert_eq!(status_name(2), "retired");
        assert_eq!(status_name(9), "unspecified");
    }
}
