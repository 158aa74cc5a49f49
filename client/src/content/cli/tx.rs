//! `weaved tx content`: clap arguments and rendering; the messages and flows are
//! [`crate::content::msg`]'s and [`crate::content::tx`]'s.

use std::path::PathBuf;

use anyhow::{anyhow, bail, ensure};
use clap::{ArgGroup, Subcommand};
use serde_json::{json, Value};
use weave_proto::weave::content::v1 as pb;
use weave_slices::{ContentKey, DEFAULT_SLICE_SIZE};

pub use crate::content::msg::{guess_mime, msg_deliver_key, sorted_tiers};
use crate::{
    content::{
        msg::{self, MetadataEdit, SplitChoice, TipTarget, DEFAULT_MIME},
        tx::{self as flows, NewContent, Registered},
    },
    keys::Keyring,
    opts::resolve_address,
    opts::GlobalOpts,
    splits::{parse_recipient, resolve_recipients, RecipientArg},
    tx::{from_key, parse_positive, parse_uweave, report_submitted, run_flow, TxOpts},
};

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
    /// The library's edit: `--clear-tags` is an empty tag list.
    pub fn edit(&self) -> MetadataEdit {
        MetadataEdit {
            title: self.title.clone(),
            description: self.description.clone(),
            mime_type: self.mime_type.clone(),
            tags: if self.clear_tags {
                Some(Vec::new())
            } else {
                self.tags.clone()
            },
            duration_seconds: self.duration_seconds,
            cover_uri: self.cover_uri.clone(),
            metadata_uri: self.metadata_uri.clone(),
        }
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

/// The metadata of a new content from the register flags.
fn register_metadata(args: &RegisterArgs) -> pb::Metadata {
    pb::Metadata {
        title: args.title.clone(),
        description: args.description.clone(),
        mime_type: args.mime_type.clone().unwrap_or_else(|| {
            args.file
                .as_deref()
                .map_or(DEFAULT_MIME, guess_mime)
                .to_string()
        }),
        tags: args.tags.clone(),
        duration_seconds: args.duration_seconds,
        cover_uri: args.cover_uri.clone(),
        metadata_uri: args.metadata_uri.clone(),
    }
}

/// The content the register flags describe, for `creator`.
fn new_content(
    args: &RegisterArgs,
    creator: &weave_kernel::Address,
    g: &GlobalOpts,
) -> anyhow::Result<NewContent> {
    let metadata = register_metadata(args);
    msg::check_metadata(&metadata)?;
    let tiers = sorted_tiers(args.tiers.clone())?;
    let split = match args.split_id {
        Some(id) => SplitChoice::Existing(id),
        None if args.recipients.is_empty() => SplitChoice::creator_only(creator)?,
        None => SplitChoice::New {
            recipients: resolve_recipients(&args.recipients, g)?,
            controller: match args.split_controller.as_deref().map(str::trim) {
                None | Some("") => None,
                Some(c) => Some(resolve_address(c, g)?),
            },
        },
    };
    Ok(NewContent {
        metadata,
        access_price: args.price,
        price_per_gib: args.price_per_gib,
        split,
        tiers,
    })
}

/// Prints a registration: its transaction, then the new ids, root and key file.
fn report_registered(r: &Registered, opts: &TxOpts, g: &GlobalOpts) -> anyhow::Result<()> {
    eprintln!("content key saved to {}", r.key_file.display());
    let mut extras = Vec::new();
    if let Some(id) = r.content_id {
        extras.push(("content_id", json!(id)));
    }
    if let Some(id) = r.split_id {
        extras.push(("split_id", json!(id)));
    }
    extras.push(("root", json!(r.root)));
    extras.push(("key_file", json!(r.key_file.display().to_string())));
    report_submitted(&r.tx, opts, g, &extras)
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
    let content = new_content(args, &key.address(), g)?;
    let content_key = ContentKey::generate();
    let meta = seal(path, &content_key, args.slice_size)?;
    let registered = run_flow(&args.opts, g, |channel, plan| async move {
        flows::register_sealed(&channel, &plan, &key, &g.home, content, &content_key, &meta).await
    })?;
    report_registered(&registered, &args.opts, g)
}

/// Runs `weaved tx content register`: the meta-hash is computed here, nothing is
/// stored.
fn register(args: &RegisterArgs, keyring: &Keyring, g: &GlobalOpts) -> anyhow::Result<()> {
    register_with(args, keyring, g, flows::seal_file)
}

/// Prints a transaction with `extras`.
fn report(
    tx: &crate::tx::Submitted,
    opts: &TxOpts,
    g: &GlobalOpts,
    extras: &[(&str, Value)],
) -> anyhow::Result<()> {
    report_submitted(tx, opts, g, extras)
}

/// Runs a `weaved tx content` command.
pub fn run(cmd: ContentTxCmd, g: &GlobalOpts) -> anyhow::Result<()> {
    let keyring = Keyring::open(&g.home, g.keyring_backend)?;
    match cmd {
        ContentTxCmd::Register(args) => register(&args, &keyring, g),
        ContentTxCmd::Update {
            content_id,
            metadata,
            price,
            price_per_gib,
            opts,
        } => {
            let edit = metadata.edit();
            ensure!(
                !edit.is_empty() || price.is_some() || price_per_gib.is_some(),
                "nothing to update: give a metadata flag, --price or --price-per-gib"
            );
            let key = from_key(&opts, &keyring)?;
            let tx = run_flow(&opts, g, |c, plan| async move {
                flows::update(&c, &plan, &key, content_id, &edit, price, price_per_gib).await
            })?;
            report(&tx, &opts, g, &[])
        }
        ContentTxCmd::Retire { content_id, opts } => {
            let key = from_key(&opts, &keyring)?;
            let tx = run_flow(&opts, g, |c, plan| async move {
                flows::retire(&c, &plan, &key, content_id).await
            })?;
            report(&tx, &opts, g, &[])
        }
        ContentTxCmd::Purchase {
            content_id,
            quantity,
            max_total_price,
            opts,
        } => {
            let key = from_key(&opts, &keyring)?;
            let r = run_flow(&opts, g, |c, plan| async move {
                flows::purchase(&c, &plan, &key, content_id, quantity, max_total_price).await
            })?;
            let extras: Vec<_> = r.paid.iter().map(|p| ("paid", json!(p))).collect();
            report(&r.tx, &opts, g, &extras)
        }
        ContentTxCmd::Transfer {
            content_id,
            to,
            quantity,
            opts,
        } => {
            let to = resolve_address(&to, g)?;
            let key = from_key(&opts, &keyring)?;
            let tx = run_flow(&opts, g, |c, plan| async move {
                flows::transfer(&c, &plan, &key, content_id, &to, quantity).await
            })?;
            report(&tx, &opts, g, &[])
        }
        ContentTxCmd::Tip {
            content,
            creator,
            amount,
            opts,
        } => {
            let target = match (content, creator) {
                (Some(id), _) => TipTarget::Content(id),
                (None, Some(c)) => TipTarget::Creator(resolve_address(&c, g)?),
                (None, None) => bail!("give --content or --creator"),
            };
            let key = from_key(&opts, &keyring)?;
            let tx = run_flow(&opts, g, |c, plan| async move {
                flows::tip(&c, &plan, &key, target, amount).await
            })?;
            report(&tx, &opts, g, &[])
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
            let tx = run_flow(&opts, g, |c, plan| async move {
                flows::set_subscription(&c, &plan, &key, price, period_blocks, split_id).await
            })?;
            report(&tx, &opts, g, &[])
        }
        ContentTxCmd::Subscribe {
            creator,
            periods,
            max_total_price,
            opts,
        } => {
            let creator = resolve_address(&creator, g)?;
            let key = from_key(&opts, &keyring)?;
            let r = run_flow(&opts, g, |c, plan| async move {
                flows::subscribe(&c, &plan, &key, &creator, periods, max_total_price).await
            })?;
            let extras: Vec<_> = r
                .expires_height
                .iter()
                .map(|h| ("expires_height", json!(h)))
                .collect();
            report(&r.tx, &opts, g, &extras)
        }
        ContentTxCmd::RegisterKey { opts } => {
            let key = from_key(&opts, &keyring)?;
            let r = run_flow(&opts, g, |c, plan| async move {
                flows::register_buyer_key(&c, &plan, &key).await
            })?;
            report(
                &r.tx,
                &opts,
                g,
                &[("x25519_public_key", json!(r.x25519_public_key))],
            )
        }
        ContentTxCmd::DeliverKey {
            content_id,
            holder,
            opts,
        } => {
            let holder = resolve_address(&holder, g)?;
            let key = from_key(&opts, &keyring)?;
            let tx = run_flow(&opts, g, |c, plan| async move {
                flows::deliver_key(&c, &plan, &key, &g.home, content_id, &holder).await
            })?;
            report(&tx, &opts, g, &[])
        }
    }
}

#[cfg(test)]
mod tests {
    use std::fs::File;

    use weave_kernel::Address;

    use super::*;
    use crate::content::keys::meta_hash_of;

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
        assert!(MetadataEdits::default().edit().is_empty());
        assert_eq!(
            MetadataEdits::default().edit().apply(current.clone()),
            current
        );
        let edits = MetadataEdits {
            title: Some("New".into()),
            tags: Some(vec!["b".into(), "c".into()]),
            cover_uri: Some(String::new()),
            ..Default::default()
        };
        assert!(!edits.edit().is_empty());
        let changed = edits.edit().apply(current.clone());
        assert_eq!(changed.title, "New");
        assert_eq!(changed.tags, vec!["b", "c"]);
        assert_eq!(changed.cover_uri, "");
        assert_eq!(changed.description, "d");
        let cleared = MetadataEdits {
            clear_tags: true,
            ..Default::default()
        };
        assert!(!cleared.edit().is_empty());
        assert!(cleared.edit().apply(current).tags.is_empty());
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
        let g = <GFlags as clap::Parser>::try_parse_from(["x"]).unwrap().g;
        let creator = Address::new([1; 20]);
        let content = new_content(&args, &creator, &g).unwrap();
        assert_eq!(content.metadata.mime_type, "video/webm");
        assert_eq!(
            content.split,
            SplitChoice::creator_only(&creator).unwrap(),
            "without a split, the signer gets everything"
        );
        let msg = msg::register_content(
            &creator,
            &meta,
            content.metadata,
            content.access_price,
            content.price_per_gib,
            content.split,
            content.tiers,
        );
        assert!(msg.is_ok(), "{msg:?}");
    }

    /// The tx flags alone, to get their defaults.
    #[derive(clap::Parser)]
    struct TxFlags {
        #[command(flatten)]
        opts: TxOpts,
    }

    /// The global flags alone, to get their defaults.
    #[derive(clap::Parser)]
    struct GFlags {
        #[command(flatten)]
        g: GlobalOpts,
    }
}
