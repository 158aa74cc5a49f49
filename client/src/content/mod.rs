//! The content commands: `weaved tx content`, `weaved query content` and the
//! `weaved content` group, which works with content keys on this machine.
//!
//! - [`tx`]: register content (encrypting the file to compute its meta-hash and saving
//!   its key first), update, retire, buy, transfer, tip, subscriptions, and the key
//!   exchange.
//! - [`query`]: every `weave.content.v1.Query` method, in text or JSON.
//! - [`keys`]: content key files under `<home>/content-keys`, the buyer key derived
//!   from the account key, and the sealing context.
//! - [`serve`]: `weaved content serve-keys`, the creator's key delivery daemon.
//!
//! `weaved content` keeps room for the slice commands (`add`, `get`, `seed`, `ls`).

mod keys;
mod query;
mod serve;
mod slices;
mod tx;

use std::path::PathBuf;

use anyhow::anyhow;
use clap::Subcommand;
use serde_json::json;
use weave_slices::{open_key, ContentKey};

pub(crate) use keys::parse_root;
pub(crate) use query::{
    every_page, next_key, print_page, run as run_query, ContentQueryCmd, PageArgs,
};
pub(crate) use serve::init_logging;
pub(crate) use tx::{run as run_tx, ContentTxCmd};

use self::{
    keys::{buyer_secret, load_key, root_of, sealing_context, write_key_file},
    query::{fetch_content, fetch_sealed_key},
};
use super::{connect, render, runtime, NodeOpts};
use crate::{keys::Keyring, GlobalOpts};

/// `weaved content ...`: content keys on this machine.
#[derive(Debug, Subcommand)]
pub(crate) enum ContentCmd {
    /// Print (or save) the key of a content delivered to one of your keys.
    ///
    /// The sealed key is read from the chain and opened with the buyer key derived
    /// from --from. A creator gets the key of its own content from its key file.
    #[command(
        after_help = "Example:\n  weaved content key 1 --from bob --out film.key --keyring-backend test"
    )]
    Key {
        /// The content's id.
        content_id: u64,
        /// The key the content key was delivered to (a key name).
        #[arg(long, value_name = "KEY")]
        from: String,
        /// Write the key (hex) to this file, mode 0600, instead of printing it.
        #[arg(long, short = 'o', value_name = "FILE")]
        out: Option<PathBuf>,
        #[command(flatten)]
        node: NodeOpts,
    },
    /// The creator's key daemon: deliver content keys to waiting holders.
    ///
    /// Every --interval seconds, seals the key of each content to every holder waiting
    /// for it (buyers and subscribers with a registered buyer key) and posts up to 32
    /// deliveries per transaction, until Ctrl-C or SIGTERM. --once runs one pass.
    #[command(
        after_help = "Example:\n  weaved content serve-keys --from alice --interval 2 --keyring-backend test"
    )]
    ServeKeys(serve::ServeKeysArgs),
    /// Publish a file: encrypt it into this node's slice store, seed it, register it.
    ///
    /// The node (`weaved start`, same home) cuts the file into slices, encrypts them
    /// under a new content key and stores them with their Merkle proofs; the key is
    /// saved to `<home>/content-keys/<root>.key`; then the content is registered on
    /// chain with the `tx content register` flags.
    #[command(
        after_help = "Example:\n  weaved content add film.mp4 --title \"My film\" --price 1000 --price-per-gib 25 --from alice --wait"
    )]
    Add(Box<slices::AddArgs>),
    /// Download, verify and decrypt content with the key delivered to you.
    ///
    /// This node's sidecar finds seeders through the DHT, fetches slices from several
    /// at once, checks every slice against the registered Merkle root, and resumes
    /// where an interrupted download stopped.
    #[command(
        after_help = "Example:\n  weaved content get 1 --from bob -o film.mp4\n  weaved content get 1 --from bob --stream | mpv -"
    )]
    Get(slices::GetArgs),
    /// Seed content that this node's slice store holds.
    #[command(after_help = "Example:\n  weaved content seed 1")]
    Seed {
        /// The content's id.
        content_id: u64,
        #[command(flatten)]
        node: NodeOpts,
    },
    /// What this node's slice store holds, and the sidecar's peer id and addresses.
    #[command(after_help = "Example:\n  weaved content ls --output json")]
    Ls {
        #[command(flatten)]
        node: NodeOpts,
    },
}

/// Runs a `weaved content` command.
pub(crate) fn run(cmd: ContentCmd, g: &GlobalOpts) -> anyhow::Result<()> {
    match cmd {
        ContentCmd::Key {
            content_id,
            from,
            out,
            node,
        } => run_key(content_id, &from, out, &node, g),
        ContentCmd::ServeKeys(args) => serve::run(args, g),
        ContentCmd::Add(args) => slices::add(*args, g),
        ContentCmd::Get(args) => slices::get(args, g),
        ContentCmd::Seed { content_id, node } => slices::seed(content_id, &node, g),
        ContentCmd::Ls { node } => slices::ls(&node, g),
    }
}

/// The content and its key as `from` holds it: the key delivered to it on chain,
/// opened with its buyer key, or, for the creator, its own key file.
pub(super) fn holder_key(
    content_id: u64,
    from: &str,
    node: &NodeOpts,
    g: &GlobalOpts,
) -> anyhow::Result<(
    weave_proto::weave::content::v1::Content,
    [u8; 32],
    ContentKey,
)> {
    let keyring = Keyring::open(&g.home, g.keyring_backend)?;
    let key = keyring.signing_key(from)?;
    let holder = key.address();
    let url = node.url(&g.home)?;
    let (content, sealed) = runtime()?.block_on(async {
        let channel = connect(&url).await?;
        let content = fetch_content(&channel, content_id).await?;
        let sealed = fetch_sealed_key(&channel, content_id, &holder).await?;
        Ok::<_, anyhow::Error>((content, sealed))
    })?;
    let root = root_of(&content)?;
    let content_key = match sealed {
        Some(sealed) => open_key(
            &buyer_secret(&key),
            &sealed.sealed,
            &sealing_context(&root, &holder),
        )
        .map_err(|e| anyhow!("the key delivered to {holder} for content {content_id}: {e}"))?,
        None => match load_key(&g.home, &root)? {
            Some(k) if content.creator == holder.to_string() => k,
            _ => {
                return Err(anyhow!(
                    "no key has been delivered to {holder} for content {content_id} yet: the \
                     creator delivers it once {holder} has access and a buyer key \
                     (`weaved tx content register-key --from {from}`)"
                ))
            }
        },
    };
    Ok((content, root, content_key))
}

/// Runs `weaved content key`.
fn run_key(
    content_id: u64,
    from: &str,
    out: Option<PathBuf>,
    node: &NodeOpts,
    g: &GlobalOpts,
) -> anyhow::Result<()> {
    let (_, root, content_key) = holder_key(content_id, from, node, g)?;
    let root_hex = hex::encode(root);
    match out {
        Some(path) => {
            write_key_file(&path, &content_key)?;
            if g.json() {
                render::print_json(&json!({
                    "content_id": content_id,
                    "root": root_hex,
                    "file": path.display().to_string(),
                }))
            } else {
                println!(
                    "wrote the key of content {content_id} to {}",
                    path.display()
                );
                Ok(())
            }
        }
        None => {
            let key_hex = zeroize::Zeroizing::new(hex::encode(content_key.as_bytes()));
            if g.json() {
                render::print_json(&json!({
                    "content_id": content_id,
                    "root": root_hex,
                    "key": key_hex.as_str(),
                }))
            } else {
                println!("{}", key_hex.as_str());
                Ok(())
            }
        }
    }
}
