//! Typed queries of the content module (`weave.content.v1.Query`): the registry,
//! access, prices, subscriptions and keys. Each returns the chain's data (proto
//! types, or a view with `serde::Serialize` for what a page shows); nothing prints.

use anyhow::{anyhow, Context};
use serde::Serialize;
use tonic::{transport::Channel, Code};
use weave_kernel::Address;
use weave_proto::weave::{
    base::v1::PageRequest,
    content::v1::{self as pb, query_client::QueryClient},
};

use crate::{
    chain::status_error,
    page::{every_page, Page},
};

/// Whether a gRPC error says the thing asked for does not exist.
fn is_not_found(status: &tonic::Status) -> bool {
    status.code() == Code::NotFound
}

/// A gRPC client of the content queries.
fn client(channel: &Channel) -> QueryClient<Channel> {
    QueryClient::new(channel.clone())
}

/// The content module's parameters.
pub async fn params(channel: &Channel) -> anyhow::Result<pb::Params> {
    client(channel)
        .params(pb::QueryParamsRequest {})
        .await
        .map_err(status_error)?
        .into_inner()
        .params
        .ok_or_else(|| anyhow!("the node returned no parameters"))
}

/// One content by id.
pub async fn fetch_content(channel: &Channel, content_id: u64) -> anyhow::Result<pb::Content> {
    client(channel)
        .content(pb::QueryContentRequest { content_id })
        .await
        .map_err(status_error)?
        .into_inner()
        .content
        .ok_or_else(|| anyhow!("the node returned no content {content_id}"))
}

/// The content registered with Merkle root `root`.
pub async fn content_by_root(channel: &Channel, root: &[u8; 32]) -> anyhow::Result<pb::Content> {
    client(channel)
        .content_by_root(pb::QueryContentByRootRequest {
            root: root.to_vec(),
        })
        .await
        .map_err(status_error)?
        .into_inner()
        .content
        .ok_or_else(|| anyhow!("the node returned no content"))
}

/// One page of a creator's content, newest first.
pub async fn content_by_creator(
    channel: &Channel,
    creator: &Address,
    page: PageRequest,
) -> anyhow::Result<Page<pb::Content>> {
    let r = client(channel)
        .content_by_creator(pb::QueryContentByCreatorRequest {
            creator: creator.to_string(),
            page: Some(page),
        })
        .await
        .map_err(status_error)?
        .into_inner();
    Ok(Page::new(r.contents, r.page))
}

/// One page of the content carrying `tag`, newest first.
pub async fn content_by_tag(
    channel: &Channel,
    tag: &str,
    page: PageRequest,
) -> anyhow::Result<Page<pb::Content>> {
    let r = client(channel)
        .content_by_tag(pb::QueryContentByTagRequest {
            tag: tag.to_string(),
            page: Some(page),
        })
        .await
        .map_err(status_error)?
        .into_inner();
    Ok(Page::new(r.contents, r.page))
}

/// One page of all content, newest first.
pub async fn feed(channel: &Channel, page: PageRequest) -> anyhow::Result<Page<pb::Content>> {
    let r = client(channel)
        .feed(pb::QueryFeedRequest { page: Some(page) })
        .await
        .map_err(status_error)?
        .into_inner();
    Ok(Page::new(r.contents, r.page))
}

/// An account's access to a content.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AccessView {
    /// The content.
    pub content_id: u64,
    /// The account.
    pub address: String,
    /// The access tokens it holds.
    pub tokens: u64,
    /// The rights tiers those tokens unlock.
    pub rights: Vec<String>,
    /// The height its subscription to the creator runs until (0: none).
    pub subscribed_until: u64,
    /// Whether it has access at all (tokens or a subscription).
    pub has_access: bool,
}

/// An account's access to a content: its tokens, the rights they give, its
/// subscription to the creator, and whether it has access at all.
pub async fn access(
    channel: &Channel,
    content_id: u64,
    address: &Address,
) -> anyhow::Result<AccessView> {
    let r = client(channel)
        .access(pb::QueryAccessRequest {
            content_id,
            address: address.to_string(),
        })
        .await
        .map_err(status_error)?
        .into_inner();
    Ok(AccessView {
        content_id,
        address: address.to_string(),
        tokens: r.tokens,
        rights: r.rights,
        subscribed_until: r.subscribed_until,
        has_access: r.has_access,
    })
}

/// One page of a content's price history, newest first.
pub async fn price_history(
    channel: &Channel,
    content_id: u64,
    page: PageRequest,
) -> anyhow::Result<Page<pb::PricePoint>> {
    let r = client(channel)
        .price_history(pb::QueryPriceHistoryRequest {
            content_id,
            page: Some(page),
        })
        .await
        .map_err(status_error)?
        .into_inner();
    Ok(Page::new(r.prices, r.page))
}

/// A creator's subscription terms.
pub async fn subscription_terms(
    channel: &Channel,
    creator: &Address,
) -> anyhow::Result<pb::SubscriptionTerms> {
    client(channel)
        .subscription_terms(pb::QuerySubscriptionTermsRequest {
            creator: creator.to_string(),
        })
        .await
        .map_err(status_error)?
        .into_inner()
        .terms
        .ok_or_else(|| anyhow!("{creator} has no subscription terms"))
}

/// One subscription: until which height `subscriber` has access to `creator`.
pub async fn subscription(
    channel: &Channel,
    subscriber: &Address,
    creator: &Address,
) -> anyhow::Result<pb::Subscription> {
    client(channel)
        .subscription(pb::QuerySubscriptionRequest {
            subscriber: subscriber.to_string(),
            creator: creator.to_string(),
        })
        .await
        .map_err(status_error)?
        .into_inner()
        .subscription
        .ok_or_else(|| anyhow!("the node returned no subscription"))
}

/// One page of a subscriber's subscriptions.
pub async fn subscriptions(
    channel: &Channel,
    subscriber: &Address,
    page: PageRequest,
) -> anyhow::Result<Page<pb::Subscription>> {
    let r = client(channel)
        .subscriptions_by_subscriber(pb::QuerySubscriptionsBySubscriberRequest {
            subscriber: subscriber.to_string(),
            page: Some(page),
        })
        .await
        .map_err(status_error)?
        .into_inner();
    Ok(Page::new(r.subscriptions, r.page))
}

/// An account's registered X25519 buyer key.
pub async fn fetch_buyer_key(channel: &Channel, address: &Address) -> anyhow::Result<[u8; 32]> {
    let key = client(channel)
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
    match client(channel).sealed_key(request).await {
        Ok(response) => Ok(response.into_inner().sealed_key),
        Err(status) if is_not_found(&status) => Ok(None),
        Err(status) => Err(status_error(status)),
    }
}

/// One page of the holders of a creator's content still waiting for a key.
pub async fn pending_keys(
    channel: &Channel,
    creator: &Address,
    page: PageRequest,
) -> anyhow::Result<Page<pb::PendingKey>> {
    let r = client(channel)
        .pending_keys(pb::QueryPendingKeysRequest {
            creator: creator.to_string(),
            page: Some(page),
        })
        .await
        .map_err(status_error)?
        .into_inner();
    Ok(Page::new(r.pending, r.page))
}

/// Every pending key of a creator, all pages.
pub async fn all_pending_keys(
    channel: &Channel,
    creator: &Address,
) -> anyhow::Result<Vec<pb::PendingKey>> {
    every_page("pending keys", |key| async move {
        let page = pending_keys(channel, creator, PageRequest { key, limit: 0 }).await?;
        Ok((page.entries, page.next_key))
    })
    .await
}

/// Every content of a creator, all pages.
pub async fn all_content_of(
    channel: &Channel,
    creator: &Address,
) -> anyhow::Result<Vec<pb::Content>> {
    every_page("content", |key| async move {
        let page = content_by_creator(channel, creator, PageRequest { key, limit: 0 }).await?;
        Ok((page.entries, page.next_key))
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

/// A content as a page shows it (and as `--output json` prints it): amounts as
/// strings, the root in hex, the status by name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ContentView {
    /// The content's id.
    pub id: u64,
    /// Its creator's address.
    pub creator: String,
    /// What identifies its ciphertext.
    pub meta_hash: Option<MetaHashView>,
    /// Title, description, MIME type, tags, ...
    pub metadata: Option<MetadataView>,
    /// Bumped at each metadata change.
    pub metadata_nonce: u64,
    /// The price of one access token, in uweave.
    pub access_price: String,
    /// What viewers pay seeders per GiB streamed, in uweave.
    pub price_per_gib: String,
    /// The split table payments go through.
    pub split_id: u64,
    /// The rights tiers, ascending by threshold.
    pub tiers: Vec<TierView>,
    /// `active`, `retired` or `unspecified`.
    pub status: &'static str,
    /// The height it was registered at.
    pub created_height: u64,
    /// The height it last changed at.
    pub updated_height: u64,
    /// How many access tokens were ever issued.
    pub tokens_issued: u64,
}

/// A content's meta-hash: the Merkle root (hex) and the slice layout.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MetaHashView {
    /// The BLAKE3 Merkle root of the ciphertext slices, in hex.
    pub root: String,
    /// Plaintext bytes per slice.
    pub slice_size: u32,
    /// How many slices.
    pub slice_count: u64,
    /// The plaintext's length in bytes.
    pub plaintext_len: u64,
    /// The cipher.
    pub cipher: String,
}

/// A content's metadata.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MetadataView {
    /// The title.
    pub title: String,
    /// The description.
    pub description: String,
    /// The MIME type.
    pub mime_type: String,
    /// The tags.
    pub tags: Vec<String>,
    /// The running time in seconds (0: none given).
    pub duration_seconds: u64,
    /// Where a cover image is.
    pub cover_uri: String,
    /// Where more metadata is.
    pub metadata_uri: String,
}

/// A rights tier: its name and how many tokens unlock it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TierView {
    /// The tier's name.
    pub name: String,
    /// The tokens it takes.
    pub min_tokens: u64,
}

impl From<&pb::Metadata> for MetadataView {
    fn from(m: &pb::Metadata) -> Self {
        Self {
            title: m.title.clone(),
            description: m.description.clone(),
            mime_type: m.mime_type.clone(),
            tags: m.tags.clone(),
            duration_seconds: m.duration_seconds,
            cover_uri: m.cover_uri.clone(),
            metadata_uri: m.metadata_uri.clone(),
        }
    }
}

impl From<&pb::Content> for ContentView {
    fn from(c: &pb::Content) -> Self {
        Self {
            id: c.id,
            creator: c.creator.clone(),
            meta_hash: c.meta_hash.as_ref().map(|m| MetaHashView {
                root: hex::encode(&m.root),
                slice_size: m.slice_size,
                slice_count: m.slice_count,
                plaintext_len: m.plaintext_len,
                cipher: m.cipher.clone(),
            }),
            metadata: c.metadata.as_ref().map(MetadataView::from),
            metadata_nonce: c.metadata_nonce,
            access_price: c.access_price.clone(),
            price_per_gib: c.price_per_gib.clone(),
            split_id: c.split_id,
            tiers: c
                .tiers
                .iter()
                .map(|t| TierView {
                    name: t.name.clone(),
                    min_tokens: t.min_tokens,
                })
                .collect(),
            status: status_name(c.status),
            created_height: c.created_height,
            updated_height: c.updated_height,
            tokens_issued: c.tokens_issued,
        }
    }
}
