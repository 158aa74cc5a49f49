//! The content module's messages, built from Rust values and checked as the chain's
//! CheckTx checks them without state, so that a mistake is reported before anything
//! is signed. Sign them with [`crate::tx::sign_and_submit`], or use the flows of
//! [`super::tx`].

use anyhow::{anyhow, Context};
use cosmos_sdk_proto::Any;
use weave_content::{record, ContentMsg};
use weave_kernel::Address;
use weave_proto::weave::{content::v1 as pb, splits::v1::Recipient};
use weave_slices::{seal_key_os, ContentKey, MetaHash};

use super::keys::sealing_context;
use crate::builder::to_any;

/// The event that names a newly registered content.
pub const EVENT_CONTENT_REGISTERED: &str = "weave.content.v1.EventContentRegistered";
/// The event of a purchase.
pub const EVENT_ACCESS_PURCHASED: &str = "weave.content.v1.EventAccessPurchased";
/// The event of a subscription.
pub const EVENT_SUBSCRIBED: &str = "weave.content.v1.EventSubscribed";

/// The MIME type of a file whose extension says nothing known.
pub const DEFAULT_MIME: &str = "application/octet-stream";

/// The MIME type of a file, guessed from its extension (case-insensitive);
/// `application/octet-stream` when the extension is missing or unknown.
pub fn guess_mime(path: &std::path::Path) -> &'static str {
    let ext = path
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase)
        .unwrap_or_default();
    match ext.as_str() {
        "mp4" | "m4v" => "video/mp4",
        "webm" => "video/webm",
        "mkv" => "video/x-matroska",
        "mov" => "video/quicktime",
        "avi" => "video/x-msvideo",
        "ogv" => "video/ogg",
        "ts" => "video/mp2t",
        "mp3" => "audio/mpeg",
        "m4a" => "audio/mp4",
        "ogg" | "oga" | "opus" => "audio/ogg",
        "wav" => "audio/wav",
        "flac" => "audio/flac",
        "aac" => "audio/aac",
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "gif" => "image/gif",
        "webp" => "image/webp",
        "svg" => "image/svg+xml",
        "avif" => "image/avif",
        "pdf" => "application/pdf",
        "epub" => "application/epub+zip",
        "zip" => "application/zip",
        "gz" | "tgz" => "application/gzip",
        "tar" => "application/x-tar",
        "json" => "application/json",
        "txt" => "text/plain",
        "md" | "markdown" => "text/markdown",
        "html" | "htm" => "text/html",
        "csv" => "text/csv",
        "srt" => "application/x-subrip",
        "vtt" => "text/vtt",
        _ => DEFAULT_MIME,
    }
}

/// Tiers ascending by threshold, as the chain wants them, and checked as it checks
/// them (unique slug names, strictly ascending positive thresholds, at most 8).
pub fn sorted_tiers(mut tiers: Vec<pb::RightsTier>) -> anyhow::Result<Vec<pb::RightsTier>> {
    tiers.sort_by_key(|t| t.min_tokens);
    record::check_tiers(&tiers).map_err(|e| anyhow!("{e}"))?;
    Ok(tiers)
}

/// Checks metadata as the chain checks it (title, MIME type, tags, URIs).
pub fn check_metadata(metadata: &pb::Metadata) -> anyhow::Result<()> {
    record::check_metadata(metadata).map_err(|e| anyhow!("{e}"))
}

/// Changes to a content's metadata: each `Some` field replaces that field of the
/// current metadata; the whole metadata is then sent.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MetadataEdit {
    /// A new title.
    pub title: Option<String>,
    /// A new description.
    pub description: Option<String>,
    /// A new MIME type.
    pub mime_type: Option<String>,
    /// New tags, replacing all the current ones (`Some(vec![])` removes them all).
    pub tags: Option<Vec<String>>,
    /// A new running time in seconds.
    pub duration_seconds: Option<u64>,
    /// A new cover URI (empty to remove it).
    pub cover_uri: Option<String>,
    /// A new metadata URI (empty to remove it).
    pub metadata_uri: Option<String>,
}

impl MetadataEdit {
    /// Whether nothing changes.
    pub fn is_empty(&self) -> bool {
        *self == Self::default()
    }

    /// `current` with the given fields replaced.
    pub fn apply(&self, mut current: pb::Metadata) -> pb::Metadata {
        if let Some(v) = &self.title {
            current.title = v.clone();
        }
        if let Some(v) = &self.description {
            current.description = v.clone();
        }
        if let Some(v) = &self.mime_type {
            current.mime_type = v.clone();
        }
        if let Some(v) = &self.tags {
            current.tags = v.clone();
        }
        if let Some(v) = self.duration_seconds {
            current.duration_seconds = v;
        }
        if let Some(v) = &self.cover_uri {
            current.cover_uri = v.clone();
        }
        if let Some(v) = &self.metadata_uri {
            current.metadata_uri = v.clone();
        }
        current
    }
}

/// Wraps a content message, checking its shape as the chain's CheckTx would without
/// state.
pub fn content_msg(type_url: &str, msg: &impl prost::Message) -> anyhow::Result<Any> {
    let any = to_any(type_url, msg);
    ContentMsg::decode(&any).map_err(|e| anyhow!("{e}"))?;
    Ok(any)
}

/// How a new content pays: through an existing split table, or through a new one.
#[derive(Debug, Clone, PartialEq)]
pub enum SplitChoice {
    /// The existing split table with this id.
    Existing(u64),
    /// A new table of these recipients (sorted and checked, see
    /// [`crate::splits::sorted_recipients`]), changeable by `controller` if there is
    /// one.
    New {
        /// The recipients and their shares.
        recipients: Vec<Recipient>,
        /// Who may change the table; `None`: nobody.
        controller: Option<Address>,
    },
}

impl SplitChoice {
    /// A new immutable table that pays `creator` everything.
    pub fn creator_only(creator: &Address) -> anyhow::Result<Self> {
        Ok(Self::New {
            recipients: crate::splits::sorted_recipients(vec![(
                *creator,
                weave_splits::TOTAL_BPS,
            )])?,
            controller: None,
        })
    }
}

/// `/weave.content.v1.MsgRegisterContent`: the meta-hash of encrypted content with its
/// metadata, prices (uweave per access token, uweave per GiB streamed), split and
/// rights tiers (sorted for you).
#[allow(clippy::too_many_arguments)]
pub fn register_content(
    creator: &Address,
    meta: &MetaHash,
    metadata: pb::Metadata,
    access_price: u128,
    price_per_gib: u128,
    split: SplitChoice,
    tiers: Vec<pb::RightsTier>,
) -> anyhow::Result<Any> {
    let tiers = sorted_tiers(tiers)?;
    let (split_id, split_recipients, split_controller) = match split {
        SplitChoice::Existing(id) => (id, Vec::new(), String::new()),
        SplitChoice::New {
            recipients,
            controller,
        } => (
            0,
            recipients,
            controller.map(|c| c.to_string()).unwrap_or_default(),
        ),
    };
    content_msg(
        weave_content::MSG_REGISTER_CONTENT,
        &pb::MsgRegisterContent {
            creator: creator.to_string(),
            meta_hash: Some(record::meta_to_wire(meta)),
            metadata: Some(metadata),
            access_price: access_price.to_string(),
            price_per_gib: price_per_gib.to_string(),
            split_id,
            split_recipients,
            split_controller,
            tiers,
        },
    )
}

/// `/weave.content.v1.MsgUpdateContent`: new metadata (the whole of it) and/or new
/// prices; what is `None` stays as it is.
pub fn update_content(
    creator: &Address,
    content_id: u64,
    metadata: Option<pb::Metadata>,
    access_price: Option<u128>,
    price_per_gib: Option<u128>,
) -> anyhow::Result<Any> {
    content_msg(
        weave_content::MSG_UPDATE_CONTENT,
        &pb::MsgUpdateContent {
            creator: creator.to_string(),
            content_id,
            metadata,
            access_price: access_price.map(|p| p.to_string()).unwrap_or_default(),
            price_per_gib: price_per_gib.map(|p| p.to_string()).unwrap_or_default(),
        },
    )
}

/// `/weave.content.v1.MsgRetireContent`: stop selling a content.
pub fn retire_content(creator: &Address, content_id: u64) -> anyhow::Result<Any> {
    content_msg(
        weave_content::MSG_RETIRE_CONTENT,
        &pb::MsgRetireContent {
            creator: creator.to_string(),
            content_id,
        },
    )
}

/// `/weave.content.v1.MsgPurchaseAccess`: buy `quantity` access tokens, paying at most
/// `max_total_price` uweave in all.
pub fn purchase_access(
    buyer: &Address,
    content_id: u64,
    quantity: u64,
    max_total_price: u128,
) -> anyhow::Result<Any> {
    content_msg(
        weave_content::MSG_PURCHASE_ACCESS,
        &pb::MsgPurchaseAccess {
            buyer: buyer.to_string(),
            content_id,
            quantity,
            max_total_price: max_total_price.to_string(),
        },
    )
}

/// `/weave.content.v1.MsgTransferAccess`: give `quantity` access tokens to `to`.
pub fn transfer_access(
    from: &Address,
    to: &Address,
    content_id: u64,
    quantity: u64,
) -> anyhow::Result<Any> {
    content_msg(
        weave_content::MSG_TRANSFER_ACCESS,
        &pb::MsgTransferAccess {
            from: from.to_string(),
            to: to.to_string(),
            content_id,
            quantity,
        },
    )
}

/// Whom a tip goes to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TipTarget {
    /// A content: the tip goes through its split.
    Content(u64),
    /// A creator: the tip goes through its subscription split (or to it alone).
    Creator(Address),
}

/// `/weave.content.v1.MsgTip`: tip `amount` uweave to a content or a creator.
pub fn tip(tipper: &Address, target: TipTarget, amount: u128) -> anyhow::Result<Any> {
    let (content_id, creator) = match target {
        TipTarget::Content(id) => (id, String::new()),
        TipTarget::Creator(c) => (0, c.to_string()),
    };
    content_msg(
        weave_content::MSG_TIP,
        &pb::MsgTip {
            tipper: tipper.to_string(),
            content_id,
            creator,
            amount: amount.to_string(),
        },
    )
}

/// `/weave.content.v1.MsgSetSubscriptionTerms`: `price` uweave per period of
/// `period_blocks` blocks, paid through split `split_id` (0: the creator alone). A
/// price of 0 stops new subscriptions.
pub fn set_subscription_terms(
    creator: &Address,
    price: u128,
    period_blocks: u64,
    split_id: u64,
) -> anyhow::Result<Any> {
    content_msg(
        weave_content::MSG_SET_SUBSCRIPTION_TERMS,
        &pb::MsgSetSubscriptionTerms {
            creator: creator.to_string(),
            price: price.to_string(),
            period_blocks,
            split_id,
        },
    )
}

/// `/weave.content.v1.MsgSubscribe`: subscribe to `creator` for `periods` periods,
/// paying at most `max_total_price` uweave.
pub fn subscribe(
    subscriber: &Address,
    creator: &Address,
    periods: u64,
    max_total_price: u128,
) -> anyhow::Result<Any> {
    content_msg(
        weave_content::MSG_SUBSCRIBE,
        &pb::MsgSubscribe {
            subscriber: subscriber.to_string(),
            creator: creator.to_string(),
            periods,
            max_total_price: max_total_price.to_string(),
        },
    )
}

/// `/weave.content.v1.MsgRegisterBuyerKey`: the X25519 key creators seal content
/// keys to (see [`super::keys::buyer_secret`]).
pub fn register_buyer_key(owner: &Address, x25519_public_key: &[u8; 32]) -> anyhow::Result<Any> {
    content_msg(
        weave_content::MSG_REGISTER_BUYER_KEY,
        &pb::MsgRegisterBuyerKey {
            owner: owner.to_string(),
            x25519_public_key: x25519_public_key.to_vec(),
        },
    )
}

/// A `MsgDeliverKey` of `key` (of the content with `root`) sealed to `buyer_key`, the
/// registered key of `holder`.
pub fn msg_deliver_key(
    creator: &Address,
    content_id: u64,
    holder: &Address,
    root: &[u8; 32],
    key: &ContentKey,
    buyer_key: &[u8; 32],
) -> anyhow::Result<Any> {
    let sealed = seal_key_os(key, buyer_key, &sealing_context(root, holder))
        .with_context(|| format!("sealing the key of content {content_id} to {holder}"))?;
    content_msg(
        weave_content::MSG_DELIVER_KEY,
        &pb::MsgDeliverKey {
            creator: creator.to_string(),
            content_id,
            holder: holder.to_string(),
            sealed_key: sealed.to_vec(),
        },
    )
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use weave_slices::{open_key, BuyerSecret};

    use super::*;

    #[test]
    fn mime_types_are_guessed_from_the_extension() {
        assert_eq!(guess_mime(Path::new("film.mp4")), "video/mp4");
        assert_eq!(guess_mime(Path::new("/a/b/FILM.MKV")), "video/x-matroska");
        assert_eq!(guess_mime(Path::new("song.mp3")), "audio/mpeg");
        assert_eq!(guess_mime(Path::new("cover.JPeg")), "image/jpeg");
        assert_eq!(guess_mime(Path::new("book.pdf")), "application/pdf");
        assert_eq!(guess_mime(Path::new("notes.txt")), "text/plain");
        assert_eq!(guess_mime(Path::new("archive.tar.gz")), "application/gzip");
        assert_eq!(guess_mime(Path::new("README")), DEFAULT_MIME);
        assert_eq!(guess_mime(Path::new("data.xyz")), DEFAULT_MIME);
        assert_eq!(guess_mime(Path::new(".mp4")), DEFAULT_MIME);
        // Every guess passes the chain's MIME check.
        for ext in ["mp4", "svg", "epub", "srt", "bin"] {
            let m = pb::Metadata {
                title: "t".into(),
                mime_type: guess_mime(Path::new(&format!("f.{ext}"))).into(),
                ..Default::default()
            };
            check_metadata(&m).unwrap();
        }
    }

    #[test]
    fn a_delivered_key_passes_the_chain_checks_and_opens_for_the_holder() {
        let creator = Address::new([1; 20]);
        let holder = Address::new([2; 20]);
        let buyer = BuyerSecret::from_seed(b"holder");
        let root = [7; 32];
        let key = ContentKey::generate();
        let msg = msg_deliver_key(&creator, 3, &holder, &root, &key, &buyer.public_key()).unwrap();
        let ContentMsg::DeliverKey { sealed, .. } = ContentMsg::decode(&msg).unwrap() else {
            panic!("not a key delivery");
        };
        let opened = open_key(&buyer, &sealed, &sealing_context(&root, &holder)).unwrap();
        assert_eq!(opened.as_bytes(), key.as_bytes());
    }

    #[test]
    fn a_split_id_and_new_recipients_are_not_both_sent() {
        // Both a split id and recipients is refused before anything is signed.
        let creator = Address::new([1; 20]);
        let both = content_msg(
            weave_content::MSG_REGISTER_CONTENT,
            &pb::MsgRegisterContent {
                creator: creator.to_string(),
                split_id: 4,
                split_recipients: crate::splits::sorted_recipients(vec![(creator, 10_000)])
                    .unwrap(),
                ..Default::default()
            },
        );
        assert!(both.is_err());
    }

    #[test]
    fn tips_name_a_content_or_a_creator() {
        let tipper = Address::new([1; 20]);
        assert!(tip(&tipper, TipTarget::Content(3), 5).is_ok());
        assert!(tip(&tipper, TipTarget::Creator(Address::new([2; 20])), 5).is_ok());
        assert!(tip(&tipper, TipTarget::Content(3), 0).is_err());
    }
}
