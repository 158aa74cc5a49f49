//! `weaved tx content`: register and update content, buy, move and tip, subscriptions,
//! and the key exchange (register a buyer key, deliver a sealed content key).

use std::{fs::File, io::BufReader, path::PathBuf};

use anyhow::{anyhow, bail, ensure, Context};
use clap::{ArgGroup, Subcommand};
use cosmos_sdk_proto::Any;
use serde_json::json;
use weave_content::{record, ContentMsg};
use weave_kernel::Address;
use weave_proto::weave::content::v1 as pb;
use weave_slices::{seal_key_os, ContentKey, DEFAULT_SLICE_SIZE};

use super::{
    keys::{buyer_secret, load_key, meta_hash_of, root_of, save_key, sealing_context},
    query::{fetch_buyer_key, fetch_content},
};
use crate::{
    builder::to_any,
    chain::connect,
    chain::runtime,
    keys::Keyring,
    opts::resolve_address,
    opts::GlobalOpts,
    splits::{parse_recipient, resolve_recipients, RecipientArg},
    tx::{from_key, parse_positive, parse_uweave, submit_with, TxOpts},
};

/// The event that names a newly registered content.
const EVENT_CONTENT_REGISTERED: &str = "weave.content.v1.EventContentRegistered";
/// The event of a purchase.
const EVENT_ACCESS_PURCHASED: &str = "weave.content.v1.EventAccessPurchased";
/// The event of a subscription.
const EVENT_SUBSCRIBED: &str = "weave.content.v1.EventSubscribed";

/// The MIME type of a file whose extension says nothing known.
const DEFAULT_MIME: &str = "application/octet-stream";

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

/// Parses a rights tier `NAME:MIN`, e.g. `personal:1` or `commercial-exhibition:1000`.
pub fn parse_tier(s: &str) -> Result<pb::RightsTier, String> {
    let (name, min) = s
        .rsplit_once(':')
        .ok_or_else(|| format!("invalid tier {s:?}: want NAME:MIN_TOKENS, e.g. personal:1"))?;
    let name = name.trim();
    if name.is_empty() {
        return Err(format!("invalid tier {s:?}: the name is empty"));
    }
    let min_tokens = min
        .trim()
        .parse::<u64>()
        .ok()
        .filter(|m| *m > 0)
        .ok_or_else(|| format!("invalid tier {s:?}: MIN_TOKENS must be a positive number"))?;
    Ok(pb::RightsTier {
        name: name.to_string(),
        min_tokens,
    })
}

/// Tiers ascending by threshold, as the chain wants them, and checked as it checks
/// them (unique slug names, strictly ascending positive thresholds, at most 8).
pub fn sorted_tiers(mut tiers: Vec<pb::RightsTier>) -> anyhow::Result<Vec<pb::RightsTier>> {
    tiers.sort_by_key(|t| t.min_tokens);
    record::check_tiers(&tiers).map_err(|e| anyhow!("{e}"))?;
    Ok(tiers)
}

/// `weaved tx content register` flags.
#[derive(Debug, clap::Args)]
#[command(group(ArgGroup::new("split").args(["split_id", "recipients"])))]
pub struct RegisterArgs {
    /// The content file (required). It is encrypted under a new content key to
    /// compute its meta-hash; only the meta-hash goes on chain.
    #[arg(long, value_name = "PATH")]
    pub file: Option<PathBuf>,
    /// The title.
    #[arg(long)]
    title: String,
    /// A description.
    #[arg(long, default_value = "")]
    description: String,
    /// The MIME type (default: guessed from the file's extension, else
    /// application/octet-stream).
    #[arg(long, value_name = "TYPE/SUBTYPE")]
    mime_type: Option<String>,
    /// A tag (a-z, 0-9 and '-'); repeat for several.
    #[arg(long = "tag", value_name = "TAG")]
    tags: Vec<String>,
    /// The running time in seconds, for audio and video.
    #[arg(long, default_value_t = 0)]
    duration_seconds: u64,
    /// Where a cover image is.
    #[arg(long, default_value = "", value_name = "URI")]
    cover_uri: String,
    /// Where more metadata is.
    #[arg(long, default_value = "", value_name = "URI")]
    metadata_uri: String,
    /// The price of one access token, in uweave (`1000` or `1000uweave`).
    #[arg(long, value_name = "AMOUNT", value_parser = parse_positive)]
    price: u128,
    /// What viewers pay seeders per GiB streamed, in uweave.
    #[arg(long, value_name = "AMOUNT", value_parser = parse_positive)]
    price_per_gib: u128,
    /// Pay through this existing split table.
    #[arg(long, value_name = "ID")]
    split_id: Option<u64>,
    /// Pay through a new split table: a recipient and its share, `ADDR:BPS` (repeat;
    /// shares sum to 10000; sorted for you). Without this or --split-id, the signer
    /// gets everything.
    #[arg(long = "recipient", value_name = "ADDR:BPS", value_parser = parse_recipient)]
    recipients: Vec<RecipientArg>,
    /// Who may change the new split table (default: nobody, it is immutable).
    #[arg(long, value_name = "ADDR", conflicts_with = "split_id")]
    split_controller: Option<String>,
    /// A rights tier, `NAME:MIN_TOKENS` (repeat; sorted by threshold for you).
    #[arg(long = "tier", value_name = "NAME:MIN", value_parser = parse_tier)]
    tiers: Vec<pb::RightsTier>,
    /// Plaintext bytes per slice (4096 to 16777216).
    #[arg(long, value_name = "BYTES", default_value_t = DEFAULT_SLICE_SIZE)]
    pub slice_size: u32,
    #[allow(missing_docs)] // flattened: its own fields carry the help
    #[command(flatten)]
    pub opts: TxOpts,
}

/// Metadata changes of `tx content update`: each given flag replaces that field.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct MetadataEdits {
    /// A new title.
    #[arg(long)]
    title: Option<String>,
    /// A new description.
    #[arg(long)]
    description: Option<String>,
    /// A new MIME type.
    #[arg(long, value_name = "TYPE/SUBTYPE")]
    mime_type: Option<String>,
    /// The new tags (repeat); they replace all the current ones.
    #[arg(long = "tag", value_name = "TAG", conflicts_with = "clear_tags")]
    tags: Option<Vec<String>>,
    /// Remove every tag.
    #[arg(long)]
    clear_tags: bool,
    /// A new running time in seconds.
    #[arg(long)]
    duration_seconds: Option<u64>,
    /// A new cover URI (empty to remove it).
    #[arg(long, value_name = "URI")]
    cover_uri: Option<String>,
    /// A new metadata URI (empty to remove it).
    #[arg(long, value_name = "URI")]
    metadata_uri: Option<String>,
}

impl MetadataEdits {
    /// Whether no metadata flag was given.
    fn is_empty(&self) -> bool {
        self.title.is_none()
            && self.description.is_none()
            && self.mime_type.is_none()
            && self.tags.is_none()
            && !self.clear_tags
            && self.duration_seconds.is_none()
            && self.cover_uri.is_none()
            && self.metadata_uri.is_none()
    }

    /// `current` with the given fields replaced.
    fn apply(&self, mut current: pb::Metadata) -> pb::Metadata {
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
        if self.clear_tags {
            current.tags.clear();
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

/// `weaved tx content ...`
#[derive(Debug, Subcommand)]
pub enum ContentTxCmd {
    /// Register a file as content (`/weave.content.v1.MsgRegisterContent`).
    ///
    /// Generates a content key, encrypts the file in slices to compute its meta-hash,
    /// saves the key to `<home>/content-keys/<root>.key` before broadcasting, and
    /// registers the meta-hash with metadata, prices, split and tiers. With --wait the
    /// new content id is printed.
    #[command(
        after_help = "Example:\n  weaved tx content register --file film.mp4 --title \"A film\" --tag documentary --price 1000000 --price-per-gib 500 --recipient alice:8000 --recipient weave1pafa9xct2zxsks824wuud2lpygj2vsf4p8dggy:2000 --tier personal:1 --tier commercial:100 --from alice --wait"
    )]
    Register(Box<RegisterArgs>),
    /// Change a content's metadata or prices (`/weave.content.v1.MsgUpdateContent`).
    ///
    /// Metadata flags are applied to the current metadata, read from the chain, and
    /// the whole metadata is sent; prices not given stay as they are.
    #[command(
        after_help = "Example:\n  weaved tx content update 1 --title \"A film (director's cut)\" --price 2000000 --from alice --wait"
    )]
    Update {
        /// The content's id.
        content_id: u64,
        #[allow(missing_docs)] // flattened: its own fields carry the help
        #[command(flatten)]
        metadata: MetadataEdits,
        /// A new price of one access token, in uweave.
        #[arg(long, value_name = "AMOUNT", value_parser = parse_positive)]
        price: Option<u128>,
        /// A new streaming price per GiB, in uweave.
        #[arg(long, value_name = "AMOUNT", value_parser = parse_positive)]
        price_per_gib: Option<u128>,
        #[allow(missing_docs)] // flattened: its own fields carry the help
        #[command(flatten)]
        opts: TxOpts,
    },
    /// Stop selling a content (`/weave.content.v1.MsgRetireContent`); holders keep
    /// their access.
    #[command(after_help = "Example:\n  weaved tx content retire 1 --from alice --wait")]
    Retire {
        /// The content's id.
        content_id: u64,
        #[allow(missing_docs)] // flattened: its own fields carry the help
        #[command(flatten)]
        opts: TxOpts,
    },
    /// Buy access tokens at the current price (`/weave.content.v1.MsgPurchaseAccess`).
    #[command(
        after_help = "Example:\n  weaved tx content purchase 1 --quantity 1 --max-total-price 1000000 --from bob --wait"
    )]
    Purchase {
        /// The content's id.
        content_id: u64,
        /// How many tokens.
        #[arg(long, value_parser = clap::value_parser!(u64).range(1..))]
        quantity: u64,
        /// Refuse to pay more than this in total, in uweave (guards against a price
        /// change before inclusion).
        #[arg(long, value_name = "AMOUNT", value_parser = parse_uweave)]
        max_total_price: Option<u128>,
        #[allow(missing_docs)] // flattened: its own fields carry the help
        #[command(flatten)]
        opts: TxOpts,
    },
    /// Give access tokens to another account (`/weave.content.v1.MsgTransferAccess`).
    #[command(
        after_help = "Example:\n  weaved tx content transfer 1 weave1pafa9xct2zxsks824wuud2lpygj2vsf4p8dggy --quantity 1 --from bob --wait"
    )]
    Transfer {
        /// The content's id.
        content_id: u64,
        /// The recipient: a bech32 address or a key name.
        to: String,
        /// How many tokens.
        #[arg(long, value_parser = clap::value_parser!(u64).range(1..))]
        quantity: u64,
        #[allow(missing_docs)] // flattened: its own fields carry the help
        #[command(flatten)]
        opts: TxOpts,
    },
    /// Tip a content or a creator (`/weave.content.v1.MsgTip`).
    ///
    /// A tip to a content goes through its split; a tip to a creator through its
    /// subscription split (or to the creator alone).
    #[command(
        group(ArgGroup::new("target").required(true).args(["content", "creator"])),
        after_help = "Example:\n  weaved tx content tip --content 1 50000uweave --from bob --wait"
    )]
    Tip {
        /// The content to tip.
        #[arg(long, value_name = "ID")]
        content: Option<u64>,
        /// The creator to tip: a bech32 address or a key name.
        #[arg(long, value_name = "ADDR")]
        creator: Option<String>,
        /// The tip, in uweave.
        #[arg(value_parser = parse_positive)]
        amount: u128,
        #[allow(missing_docs)] // flattened: its own fields carry the help
        #[command(flatten)]
        opts: TxOpts,
    },
    /// Set the signer's subscription terms (`/weave.content.v1.MsgSetSubscriptionTerms`).
    ///
    /// A price per period of blocks for access to all of the signer's active content.
    /// A price of 0 stops new subscriptions.
    #[command(
        after_help = "Example:\n  weaved tx content set-subscription --price 5000000 --period-blocks 100800 --from alice --wait"
    )]
    SetSubscription {
        /// The price of one period, in uweave; 0 stops new subscriptions.
        #[arg(long, value_name = "AMOUNT", value_parser = parse_uweave)]
        price: u128,
        /// The length of one period, in blocks (required unless the price is 0).
        #[arg(long, value_name = "N")]
        period_blocks: Option<u64>,
        /// The split subscription payments go through (0: the creator alone).
        #[arg(long, value_name = "ID", default_value_t = 0)]
        split_id: u64,
        #[allow(missing_docs)] // flattened: its own fields carry the help
        #[command(flatten)]
        opts: TxOpts,
    },
    /// Subscribe to a creator for some periods (`/weave.content.v1.MsgSubscribe`).
    #[command(
        after_help = "Example:\n  weaved tx content subscribe weave1pafa9xct2zxsks824wuud2lpygj2vsf4p8dggy --periods 2 --max-total-price 10000000 --from bob --wait"
    )]
    Subscribe {
        /// The creator: a bech32 address or a key name.
        creator: String,
        /// How many periods.
        #[arg(long, value_parser = clap::value_parser!(u64).range(1..))]
        periods: u64,
        /// Refuse to pay more than this in total, in uweave.
        #[arg(long, value_name = "AMOUNT", value_parser = parse_uweave)]
        max_total_price: Option<u128>,
        #[allow(missing_docs)] // flattened: its own fields carry the help
        #[command(flatten)]
        opts: TxOpts,
    },
    /// Register the signer's X25519 buyer key (`/weave.content.v1.MsgRegisterBuyerKey`).
    ///
    /// Creators seal content keys to it. It is derived from the signing key, so there
    /// is no extra secret to keep and the mnemonic restores it.
    #[command(after_help = "Example:\n  weaved tx content register-key --from bob --wait")]
    RegisterKey {
        #[allow(missing_docs)] // flattened: its own fields carry the help
        #[command(flatten)]
        opts: TxOpts,
    },
    /// Deliver a content's key to a holder (`/weave.content.v1.MsgDeliverKey`).
    ///
    /// Reads the local key file, seals the key to the holder's registered buyer key and
    /// posts it. `weaved content serve-keys` does this for every waiting holder.
    #[command(
        after_help = "Example:\n  weaved tx content deliver-key 1 weave1pafa9xct2zxsks824wuud2lpygj2vsf4p8dggy --from alice --wait"
    )]
    DeliverKey {
        /// The content's id.
        content_id: u64,
        /// The holder: a bech32 address or a key name.
        holder: String,
        #[allow(missing_docs)] // flattened: its own fields carry the help
        #[command(flatten)]
        opts: TxOpts,
    },
}

/// Checks a message as the chain's CheckTx would without state, so that a mistake is
/// reported before anything is signed (or a key file written).
fn check_shape(msg: &Any) -> anyhow::Result<()> {
    ContentMsg::decode(msg)
        .map(|_| ())
        .map_err(|e| anyhow!("{e}"))
}

/// Wraps a content message, checking its shape.
fn content_msg(type_url: &str, msg: &impl prost::Message) -> anyhow::Result<Any> {
    let any = to_any(type_url, msg);
    check_shape(&any)?;
    Ok(any)
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

/// The metadata of a new content from the register flags.
fn register_metadata(args: &RegisterArgs) -> pb::Metadata {
    pb::Metadata {
        title: args.title.clone(),
        description: args.description.clone(),
        mime_type: args.mime_type.clone().unwrap_or_else(|| {
            args.file
                .as_deref()
                .map_or("application/octet-stream", guess_mime)
                .to_string()
        }),
        tags: args.tags.clone(),
        duration_seconds: args.duration_seconds,
        cover_uri: args.cover_uri.clone(),
        metadata_uri: args.metadata_uri.clone(),
    }
}

/// Runs `weaved tx content register`: the meta-hash is computed here, nothing is
/// stored.
fn register(args: &RegisterArgs, keyring: &Keyring, g: &GlobalOpts) -> anyhow::Result<()> {
    register_with(args, keyring, g, |path, content_key, slice_size| {
        let file = File::open(path).with_context(|| format!("opening {}", path.display()))?;
        meta_hash_of(BufReader::new(file), content_key, slice_size)
            .with_context(|| format!("encrypting {}", path.display()))
    })
}

/// Registers content whose meta-hash `seal` computes from the file and a new content
/// key (`weaved content add` seals into the node's slice store instead). The key is
/// saved before anything is broadcast.
pub fn register_with(
    args: &RegisterArgs,
    keyring: &Keyring,
    g: &GlobalOpts,
    seal: impl FnOnce(&std::path::Path, &ContentKey, u32) -> anyhow::Result<weave_slices::MetaHash>,
) -> anyhow::Result<()> {
    let path = args
        .file
        .as_deref()
        .ok_or_else(|| anyhow!("--file is required: the content to register"))?;
    let key = from_key(&args.opts, keyring)?;
    let creator = key.address();
    let metadata = register_metadata(args);
    record::check_metadata(&metadata).map_err(|e| anyhow!("{e}"))?;
    let tiers = sorted_tiers(args.tiers.clone())?;
    let (split_id, split_recipients, split_controller) = match args.split_id {
        Some(id) => (id, Vec::new(), String::new()),
        None => {
            let recipients = if args.recipients.is_empty() {
                crate::splits::sorted_recipients(vec![(creator, weave_splits::TOTAL_BPS)])?
            } else {
                resolve_recipients(&args.recipients, g)?
            };
            let controller = match args.split_controller.as_deref().map(str::trim) {
                None | Some("") => String::new(),
                Some(c) => resolve_address(c, g)?.to_string(),
            };
            (0, recipients, controller)
        }
    };

    let content_key = ContentKey::generate();
    let meta = seal(path, &content_key, args.slice_size)?;
    let msg = content_msg(
        weave_content::MSG_REGISTER_CONTENT,
        &pb::MsgRegisterContent {
            creator: creator.to_string(),
            meta_hash: Some(record::meta_to_wire(&meta)),
            metadata: Some(metadata),
            access_price: args.price.to_string(),
            price_per_gib: args.price_per_gib.to_string(),
            split_id,
            split_recipients,
            split_controller,
            tiers,
        },
    )?;
    // The key is on disk before the content exists on chain: a crash after the
    // broadcast can never leave registered content without its key.
    let key_file = save_key(&g.home, &meta.root, &content_key)?;
    eprintln!("content key saved to {}", key_file.display());
    let root = hex::encode(meta.root);
    submit_with(&key, vec![msg], &args.opts, g, |s| {
        let mut extras = Vec::new();
        if let Some(id) = s.event_number(EVENT_CONTENT_REGISTERED, "content_id") {
            extras.push(("content_id", json!(id)));
        }
        if let Some(id) = s.event_number(EVENT_CONTENT_REGISTERED, "split_id") {
            extras.push(("split_id", json!(id)));
        }
        extras.push(("root", json!(root)));
        extras.push(("key_file", json!(key_file.display().to_string())));
        extras
    })
}

/// Runs a `weaved tx content` command.
pub fn run(cmd: ContentTxCmd, g: &GlobalOpts) -> anyhow::Result<()> {
    let keyring = Keyring::open(&g.home, g.keyring_backend)?;
    let none = |_: &_| Vec::new();
    match cmd {
        ContentTxCmd::Register(args) => register(&args, &keyring, g),
        ContentTxCmd::Update {
            content_id,
            metadata,
            price,
            price_per_gib,
            opts,
        } => {
            ensure!(
                !metadata.is_empty() || price.is_some() || price_per_gib.is_some(),
                "nothing to update: give a metadata flag, --price or --price-per-gib"
            );
            let key = from_key(&opts, &keyring)?;
            let metadata = if metadata.is_empty() {
                None
            } else {
                let url = opts.node.url(&g.home)?;
                let current = runtime()?.block_on(async {
                    let channel = connect(&url).await?;
                    fetch_content(&channel, content_id).await
                })?;
                let current = current
                    .metadata
                    .ok_or_else(|| anyhow!("content {content_id} has no metadata on chain"))?;
                Some(metadata.apply(current))
            };
            let msg = content_msg(
                weave_content::MSG_UPDATE_CONTENT,
                &pb::MsgUpdateContent {
                    creator: key.address().to_string(),
                    content_id,
                    metadata,
                    access_price: price.map(|p| p.to_string()).unwrap_or_default(),
                    price_per_gib: price_per_gib.map(|p| p.to_string()).unwrap_or_default(),
                },
            )?;
            submit_with(&key, vec![msg], &opts, g, none)
        }
        ContentTxCmd::Retire { content_id, opts } => {
            let key = from_key(&opts, &keyring)?;
            let msg = content_msg(
                weave_content::MSG_RETIRE_CONTENT,
                &pb::MsgRetireContent {
                    creator: key.address().to_string(),
                    content_id,
                },
            )?;
            submit_with(&key, vec![msg], &opts, g, none)
        }
        ContentTxCmd::Purchase {
            content_id,
            quantity,
            max_total_price,
            opts,
        } => {
            let key = from_key(&opts, &keyring)?;
            let msg = content_msg(
                weave_content::MSG_PURCHASE_ACCESS,
                &pb::MsgPurchaseAccess {
                    buyer: key.address().to_string(),
                    content_id,
                    quantity,
                    max_total_price: max_total_price.map(|p| p.to_string()).unwrap_or_default(),
                },
            )?;
            submit_with(&key, vec![msg], &opts, g, |s| {
                s.event_attribute(EVENT_ACCESS_PURCHASED, "paid")
                    .map(|paid| vec![("paid", json!(paid))])
                    .unwrap_or_default()
            })
        }
        ContentTxCmd::Transfer {
            content_id,
            to,
            quantity,
            opts,
        } => {
            let to = resolve_address(&to, g)?;
            let key = from_key(&opts, &keyring)?;
            let msg = content_msg(
                weave_content::MSG_TRANSFER_ACCESS,
                &pb::MsgTransferAccess {
                    from: key.address().to_string(),
                    to: to.to_string(),
                    content_id,
                    quantity,
                },
            )?;
            submit_with(&key, vec![msg], &opts, g, none)
        }
        ContentTxCmd::Tip {
            content,
            creator,
            amount,
            opts,
        } => {
            let creator = creator.map(|c| resolve_address(&c, g)).transpose()?;
            let key = from_key(&opts, &keyring)?;
            let msg = content_msg(
                weave_content::MSG_TIP,
                &pb::MsgTip {
                    tipper: key.address().to_string(),
                    content_id: content.unwrap_or(0),
                    creator: creator.map(|c| c.to_string()).unwrap_or_default(),
                    amount: amount.to_string(),
                },
            )?;
            submit_with(&key, vec![msg], &opts, g, none)
        }
        ContentTxCmd::SetSubscription {
            price,
            period_blocks,
            split_id,
            opts,
        } => {
            let period_blocks = match (price, period_blocks) {
                (_, Some(n)) => n,
                (0, None) => 0,
                (_, None) => bail!("--period-blocks is required with a nonzero --price"),
            };
            let key = from_key(&opts, &keyring)?;
            let msg = content_msg(
                weave_content::MSG_SET_SUBSCRIPTION_TERMS,
                &pb::MsgSetSubscriptionTerms {
                    creator: key.address().to_string(),
                    price: price.to_string(),
                    period_blocks,
                    split_id,
                },
            )?;
            submit_with(&key, vec![msg], &opts, g, none)
        }
        ContentTxCmd::Subscribe {
            creator,
            periods,
            max_total_price,
            opts,
        } => {
            let creator = resolve_address(&creator, g)?;
            let key = from_key(&opts, &keyring)?;
            let msg = content_msg(
                weave_content::MSG_SUBSCRIBE,
                &pb::MsgSubscribe {
                    subscriber: key.address().to_string(),
                    creator: creator.to_string(),
                    periods,
                    max_total_price: max_total_price.map(|p| p.to_string()).unwrap_or_default(),
                },
            )?;
            submit_with(&key, vec![msg], &opts, g, |s| {
                s.event_number(EVENT_SUBSCRIBED, "expires_height")
                    .map(|h| vec![("expires_height", json!(h))])
                    .unwrap_or_default()
            })
        }
        ContentTxCmd::RegisterKey { opts } => {
            let key = from_key(&opts, &keyring)?;
            let public = buyer_secret(&key).public_key();
            let msg = content_msg(
                weave_content::MSG_REGISTER_BUYER_KEY,
                &pb::MsgRegisterBuyerKey {
                    owner: key.address().to_string(),
                    x25519_public_key: public.to_vec(),
                },
            )?;
            submit_with(&key, vec![msg], &opts, g, |_| {
                vec![("x25519_public_key", json!(hex::encode(public)))]
            })
        }
        ContentTxCmd::DeliverKey {
            content_id,
            holder,
            opts,
        } => {
            let holder = resolve_address(&holder, g)?;
            let key = from_key(&opts, &keyring)?;
            let url = opts.node.url(&g.home)?;
            let (content, buyer_key) = runtime()?.block_on(async {
                let channel = connect(&url).await?;
                let content = fetch_content(&channel, content_id).await?;
                let buyer_key = fetch_buyer_key(&channel, &holder).await?;
                Ok::<_, anyhow::Error>((content, buyer_key))
            })?;
            let root = root_of(&content)?;
            let content_key = load_key(&g.home, &root)?.ok_or_else(|| {
                anyhow!(
                    "no key for content {content_id} in {}: only the machine that registered it has the key",
                    super::keys::key_path(&g.home, &root).display()
                )
            })?;
            let msg = msg_deliver_key(
                &key.address(),
                content_id,
                &holder,
                &root,
                &content_key,
                &buyer_key,
            )?;
            submit_with(&key, vec![msg], &opts, g, none)
        }
    }
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
            record::check_metadata(&m).unwrap();
        }
    }

    #[test]
    fn tiers_parse_and_are_sorted_by_threshold() {
        assert_eq!(
            parse_tier("personal:1").unwrap(),
            pb::RightsTier {
                name: "personal".into(),
                min_tokens: 1
            }
        );
        for bad in ["personal", ":1", "personal:0", "personal:-1", "personal:x"] {
            assert!(parse_tier(bad).is_err(), "{bad} accepted");
        }
        let tiers = sorted_tiers(vec![
            parse_tier("commercial-exhibition:1000").unwrap(),
            parse_tier("personal:1").unwrap(),
            parse_tier("classroom:30").unwrap(),
        ])
        .unwrap();
        let names: Vec<&str> = tiers.iter().map(|t| t.name.as_str()).collect();
        assert_eq!(names, ["personal", "classroom", "commercial-exhibition"]);
        // The chain's own checks still apply: equal thresholds, bad names.
        assert!(
            sorted_tiers(vec![parse_tier("a:1").unwrap(), parse_tier("b:1").unwrap()]).is_err()
        );
        assert!(sorted_tiers(vec![parse_tier("Personal:1").unwrap()]).is_err());
    }

    #[test]
    fn amounts_must_be_positive_where_the_chain_says_so() {
        assert_eq!(parse_positive("1000"), Ok(1000));
        assert_eq!(parse_positive("1000uweave"), Ok(1000));
        assert!(parse_positive("0").is_err());
        assert!(parse_positive("1000ufoo").is_err());
        assert!(parse_positive("-5").is_err());
        assert_eq!(parse_uweave("0"), Ok(0));
    }

    #[test]
    fn metadata_edits_replace_only_what_is_given() {
        let current = pb::Metadata {
            title: "Old".into(),
            description: "d".into(),
            mime_type: "video/mp4".into(),
            tags: vec!["a".into()],
            duration_seconds: 5,
            cover_uri: "c".into(),
            metadata_uri: "m".into(),
        };
        assert!(MetadataEdits::default().is_empty());
        assert_eq!(MetadataEdits::default().apply(current.clone()), current);
        let edits = MetadataEdits {
            title: Some("New".into()),
            tags: Some(vec!["b".into(), "c".into()]),
            cover_uri: Some(String::new()),
            ..Default::default()
        };
        assert!(!edits.is_empty());
        let changed = edits.apply(current.clone());
        assert_eq!(changed.title, "New");
        assert_eq!(changed.tags, vec!["b", "c"]);
        assert_eq!(changed.cover_uri, "");
        assert_eq!(changed.description, "d");
        let cleared = MetadataEdits {
            clear_tags: true,
            ..Default::default()
        }
        .apply(current);
        assert!(cleared.tags.is_empty());
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
    fn register_messages_pass_the_chain_checks() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("clip.webm");
        std::fs::write(&file, vec![3u8; 10_000]).unwrap();
        let key = ContentKey::generate();
        let meta = meta_hash_of(File::open(&file).unwrap(), &key, 4096).unwrap();
        assert_eq!(meta.slice_count, 3);
        let args = RegisterArgs {
            file: Some(file.clone()),
            title: "Clip".into(),
            description: String::new(),
            mime_type: None,
            tags: vec!["short".into()],
            duration_seconds: 0,
            cover_uri: String::new(),
            metadata_uri: String::new(),
            price: 10,
            price_per_gib: 1,
            split_id: None,
            recipients: Vec::new(),
            split_controller: None,
            tiers: Vec::new(),
            slice_size: 4096,
            opts: <TxFlags as clap::Parser>::try_parse_from(["x"])
                .unwrap()
                .opts,
        };
        let metadata = register_metadata(&args);
        assert_eq!(metadata.mime_type, "video/webm");
        let msg = content_msg(
            weave_content::MSG_REGISTER_CONTENT,
            &pb::MsgRegisterContent {
                creator: Address::new([1; 20]).to_string(),
                meta_hash: Some(record::meta_to_wire(&meta)),
                metadata: Some(metadata),
                access_price: "10".into(),
                price_per_gib: "1".into(),
                split_id: 0,
                split_recipients: crate::splits::sorted_recipients(vec![(
                    Address::new([1; 20]),
                    10_000,
                )])
                .unwrap(),
                split_controller: String::new(),
                tiers: Vec::new(),
            },
        );
        assert!(msg.is_ok(), "{msg:?}");
        // Both a split id and recipients is refused before anything is signed.
        let both = content_msg(
            weave_content::MSG_REGISTER_CONTENT,
            &pb::MsgRegisterContent {
                creator: Address::new([1; 20]).to_string(),
                meta_hash: Some(record::meta_to_wire(&meta)),
                metadata: Some(register_metadata(&args)),
                access_price: "10".into(),
                price_per_gib: "1".into(),
                split_id: 4,
                split_recipients: crate::splits::sorted_recipients(vec![(
                    Address::new([1; 20]),
                    10_000,
                )])
                .unwrap(),
                split_controller: String::new(),
                tiers: Vec::new(),
            },
        );
        assert!(both.is_err());
    }

    /// The tx flags alone, to get their defaults.
    #[derive(clap::Parser)]
    struct TxFlags {
        #[command(flatten)]
        opts: TxOpts,
    }
}
