//! `weaved content`: content keys and slices on this machine.

use std::path::PathBuf;

use clap::Subcommand;
use serde_json::json;

pub mod query;
pub mod tx;

use crate::content::{holder::holder_key, keys::write_key_file, serve, slices};
use crate::{
    opts::{GlobalOpts, NodeOpts},
    render,
};

/// `weaved content ...`: content keys on this machine.
#[derive(Debug, Subcommand)]
pub enum ContentCmd {
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
        #[arg(long, value_name = "FILE")]
        out: Option<PathBuf>,
        #[allow(missing_docs)] // flattened: its own fields carry the help
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
    /// Seed content: what this node's slice store does not hold in full is first fetched
    /// from other seeders as ciphertext, every slice verified against the registered
    /// root; no content key or access right is needed.
    #[command(after_help = "Example:\n  weaved content seed 1")]
    Seed {
        /// The content's id.
        content_id: u64,
        #[allow(missing_docs)] // flattened: its own fields carry the help
        #[command(flatten)]
        node: NodeOpts,
    },
    /// What this node's slice store holds, and the sidecar's peer id and addresses.
    #[command(after_help = "Example:\n  weaved content ls --output json")]
    Ls {
        #[allow(missing_docs)] // flattened: its own fields carry the help
        #[command(flatten)]
        node: NodeOpts,
    },
}

/// Runs a `weaved content` command.
pub fn run(cmd: ContentCmd, g: &GlobalOpts) -> anyhow::Result<()> {
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
