//! `weaved query content`: the content registry, access, prices, subscriptions and
//! keys, read over gRPC (`weave.content.v1.Query`); and the reads the other content
//! commands share (one content, a buyer key, a sealed key, every pending key).

use std::future::Future;

use anyhow::{anyhow, bail, ensure, Context};
use clap::Subcommand;
use serde_json::{json, Value};
use tonic::{transport::Channel, Code};
use weave_kernel::Address;
use weave_proto::weave::{
    base::v1::PageRequest,
    content::v1::{self as pb, query_client::QueryClient},
};

use super::keys::parse_root;
use crate::{
    chain::status_error, opts::resolve_address, opts::GlobalOpts, opts::NodeOpts,
    query::with_channel, render,
};

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

/// Whether a gRPC error says the thing asked for does not exist.
fn is_not_found(status: &tonic::Status) -> bool {
    status.code() == Code::NotFound
}

/// One content by id.
pub async fn fetch_content(channel: &Channel, content_id: u64) -> anyhow::Result<pb::Content> {
    QueryClient::new(channel.clone())
        .content(pb::QueryContentRequest { content_id })
        .await
        .map_err(status_error)?
        .into_inner()
        .content
        .ok_or_else(|| anyhow!("the node returned no content {content_id}"))
}

/// An account's registered X25519 buyer key.
pub async fn fetch_buyer_key(channel: &Channel, address: &Address) -> anyhow::Result<[u8; 32]> {
    let key = QueryClient::new(channel.clone())
        .buyer_key(pb::QueryBuyerKeyRequest {
            address: address.to_string(),
        })
        .await
        .map_err(status_error)
        .with_context(|| format!("the buyer key of {address}"))?
        .into_inner()
        .x25519_public_key;
    key.as_slice()
        .try_into()
        .map_err(|_| anyhow!("the buyer key of {address} is {} bytes, not 32", key.len()))
}

/// The key sealed to `holder` for a content, or `None` if none was delivered.
pub async fn fetch_sealed_key(
    channel: &Channel,
    content_id: u64,
    holder: &Address,
) -> anyhow::Result<Option<pb::SealedKey>> {
    let request = pb::QuerySealedKeyRequest {
        content_id,
        holder: holder.to_string(),
    };
    match QueryClient::new(channel.clone()).sealed_key(request).await {
        Ok(response) => Ok(response.into_inner().sealed_key),
        Err(status) if is_not_found(&status) => Ok(None),
        Err(status) => Err(status_error(status)),
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

/// The next key of a page response.
pub fn next_key(page: Option<weave_proto::weave::base::v1::PageResponse>) -> Vec<u8> {
    page.map(|p| p.next_key).unwrap_or_default()
}

/// Every pending key of a creator, all pages.
pub async fn all_pending_keys(
    channel: &Channel,
    creator: &Address,
) -> anyhow::Result<Vec<pb::PendingKey>> {
    every_page("pending keys", |key| {
        let mut client = QueryClient::new(channel.clone());
        let request = pb::QueryPendingKeysRequest {
            creator: creator.to_string(),
            page: Some(PageRequest { key, limit: 0 }),
        };
        async move {
            let r = client
                .pending_keys(request)
                .await
                .map_err(status_error)?
                .into_inner();
            Ok((r.pending, next_key(r.page)))
        }
    })
    .await
}

/// Every content of a creator, all pages.
pub async fn all_content_of(
    channel: &Channel,
    creator: &Address,
) -> anyhow::Result<Vec<pb::Content>> {
    every_page("content", |key| {
        let mut client = QueryClient::new(channel.clone());
        let request = pb::QueryContentByCreatorRequest {
            creator: creator.to_string(),
            page: Some(PageRequest { key, limit: 0 }),
        };
        async move {
            let r = client
                .content_by_creator(request)
                .await
                .map_err(status_error)?
                .into_inner();
            Ok((r.contents, next_key(r.page)))
        }
    })
    .await
}

/// The name of a content status: `active`, `retired` or `unspecified`.
pub fn status_name(status: i32) -> &'static str {
    match pb::ContentStatus::try_from(status) {
        Ok(pb::ContentStatus::Active) => "active",
        Ok(pb::ContentStatus::Retired) => "retired",
        _ => "unspecified",
    }
}

/// Metadata as JSON.
fn metadata_json(m: &pb::Metadata) -> Value {
    json!({
        "title": m.title,
        "description": m.description,
        "mime_type": m.mime_type,
        "tags": m.tags,
        "duration_seconds": m.duration_seconds,
        "cover_uri": m.cover_uri,
        "metadata_uri": m.metadata_uri,
    })
}

/// A content as JSON: amounts as strings, the root in hex.
pub fn content_json(c: &pb::Content) -> Value {
    let meta = c.meta_hash.as_ref().map(|m| {
        json!({
            "root": hex::encode(&m.root),
            "slice_size": m.slice_size,
            "slice_count": m.slice_count,
            "plaintext_len": m.plaintext_len,
            "cipher": m.cipher,
        })
    });
    json!({
        "id": c.id,
        "creator": c.creator,
        "meta_hash": meta,
        "metadata": c.metadata.as_ref().map(metadata_json),
        "metadata_nonce": c.metadata_nonce,
        "access_price": c.access_price,
        "price_per_gib": c.price_per_gib,
        "split_id": c.split_id,
        "tiers": c.tiers.iter()
            .map(|t| json!({ "name": t.name, "min_tokens": t.min_tokens }))
            .collect::<Vec<_>>(),
        "status": status_name(c.status),
        "created_height": c.created_height,
        "updated_height": c.updated_height,
        "tokens_issued": c.tokens_issued,
    })
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

/// Prints a content listing.
fn print_contents(g: &GlobalOpts, r: pb::QueryContentListResponse) -> anyhow::Result<()> {
    let entries = r
        .contents
        .iter()
        .map(|c| (content_json(c), content_line(c)))
        .collect();
    print_page(g, "contents", entries, &next_key(r.page), "no content")
}

/// Prints one value: JSON under `field`, or the text.
fn print_one(g: &GlobalOpts, field: &str, value: Value, text: String) -> anyhow::Result<()> {
    if g.json() {
        render::print_json(&json!({ field: value }))
    } else {
        println!("{text}");
        Ok(())
    }
}

/// A gRPC client of the content queries over a fresh channel.
fn client(channel: Channel) -> QueryClient<Channel> {
    QueryClient::new(channel)
}

/// Runs a `weaved query content` command.
pub fn run(cmd: ContentQueryCmd, g: &GlobalOpts) -> anyhow::Result<()> {
    match cmd {
        ContentQueryCmd::Params { node } => {
            let params = with_channel(&node, g, |c| async move {
                client(c)
                    .params(pb::QueryParamsRequest {})
                    .await
                    .map_err(status_error)?
                    .into_inner()
                    .params
                    .ok_or_else(|| anyhow!("the node returned no parameters"))
            })?;
            print_one(
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
            let c = with_channel(
                &node,
                g,
                |c| async move { fetch_content(&c, content_id).await },
            )?;
            print_one(g, "content", content_json(&c), content_text(&c))
        }
        ContentQueryCmd::ByRoot { root, node } => {
            let root = parse_root(&root)?;
            let c = with_channel(&node, g, |c| async move {
                client(c)
                    .content_by_root(pb::QueryContentByRootRequest {
                        root: root.to_vec(),
                    })
                    .await
                    .map_err(status_error)?
                    .into_inner()
                    .content
                    .ok_or_else(|| anyhow!("the node returned no content"))
            })?;
            print_one(g, "content", content_json(&c), content_text(&c))
        }
        ContentQueryCmd::ByCreator {
            creator,
            page,
            node,
        } => {
            let creator = resolve_address(&creator, g)?;
            let page = page.request()?;
            let r = with_channel(&node, g, |c| async move {
                Ok(client(c)
                    .content_by_creator(pb::QueryContentByCreatorRequest {
                        creator: creator.to_string(),
                        page: Some(page),
                    })
                    .await
                    .map_err(status_error)?
                    .into_inner())
            })?;
            print_contents(g, r)
        }
        ContentQueryCmd::ByTag { tag, page, node } => {
            let page = page.request()?;
            let r = with_channel(&node, g, |c| async move {
                Ok(client(c)
                    .content_by_tag(pb::QueryContentByTagRequest {
                        tag,
                        page: Some(page),
                    })
                    .await
                    .map_err(status_error)?
                    .into_inner())
            })?;
            print_contents(g, r)
        }
        ContentQueryCmd::Feed { page, node } => {
            let page = page.request()?;
            let r = with_channel(&node, g, |c| async move {
                Ok(client(c)
                    .feed(pb::QueryFeedRequest { page: Some(page) })
                    .await
                    .map_err(status_error)?
                    .into_inner())
            })?;
            print_contents(g, r)
        }
        ContentQueryCmd::Access {
            content_id,
            address,
            node,
        } => {
            let address = resolve_address(&address, g)?;
            let r = with_channel(&node, g, |c| async move {
                Ok(client(c)
                    .access(pb::QueryAccessRequest {
                        content_id,
                        address: address.to_string(),
                    })
                    .await
                    .map_err(status_error)?
                    .into_inner())
            })?;
            let rights = if r.rights.is_empty() {
                "(none)".to_string()
            } else {
                r.rights.join(", ")
            };
            print_one(
                g,
                "access",
                json!({
                    "content_id": content_id,
                    "address": address.to_string(),
                    "tokens": r.tokens,
                    "rights": r.rights,
                    "subscribed_until": r.subscribed_until,
                    "has_access": r.has_access,
                }),
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
                Ok(client(c)
                    .price_history(pb::QueryPriceHistoryRequest {
                        content_id,
                        page: Some(page),
                    })
                    .await
                    .map_err(status_error)?
                    .into_inner())
            })?;
            let entries = r
                .prices
                .iter()
                .map(|p| {
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
                .collect();
            print_page(g, "prices", entries, &next_key(r.page), "no prices")
        }
        ContentQueryCmd::Terms { creator, node } => {
            let creator = resolve_address(&creator, g)?;
            let t = with_channel(&node, g, |c| async move {
                client(c)
                    .subscription_terms(pb::QuerySubscriptionTermsRequest {
                        creator: creator.to_string(),
                    })
                    .await
                    .map_err(status_error)?
                    .into_inner()
                    .terms
                    .ok_or_else(|| anyhow!("the node returned no terms"))
            })?;
            print_one(
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
                client(c)
                    .subscription(pb::QuerySubscriptionRequest {
                        subscriber: subscriber.to_string(),
                        creator: creator.to_string(),
                    })
                    .await
                    .map_err(status_error)?
                    .into_inner()
                    .subscription
                    .ok_or_else(|| anyhow!("the node returned no subscription"))
            })?;
            print_one(
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
                Ok(client(c)
                    .subscriptions_by_subscriber(pb::QuerySubscriptionsBySubscriberRequest {
                        subscriber: subscriber.to_string(),
                        page: Some(page),
                    })
                    .await
                    .map_err(status_error)?
                    .into_inner())
            })?;
            let entries = r
                .subscriptions
                .iter()
                .map(|s| {
                    (
                        subscription_json(s),
                        format!("{} until height {}", s.creator, s.expires_height),
                    )
                })
                .collect();
            print_page(
                g,
                "subscriptions",
                entries,
                &next_key(r.page),
                "no subscriptions",
            )
        }
        ContentQueryCmd::BuyerKey { address, node } => {
            let address = resolve_address(&address, g)?;
            let key = with_channel(
                &node,
                g,
                |c| async move { fetch_buyer_key(&c, &address).await },
            )?;
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
                fetch_sealed_key(&c, content_id, &holder).await
            })?
            .ok_or_else(|| anyhow!("no key delivered to {holder} for content {content_id}"))?;
            print_one(
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
                Ok(client(c)
                    .pending_keys(pb::QueryPendingKeysRequest {
                        creator: creator.to_string(),
                        page: Some(page),
                    })
                    .await
                    .map_err(status_error)?
                    .into_inner())
            })?;
            let entries = r
                .pending
                .iter()
                .map(|p| {
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
                .collect();
            print_page(g, "pending", entries, &next_key(r.page), "no pending keys")
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
