//! `weaved content add|get|seed|ls`: content through this node's slice sidecar.
//!
//! The sidecar runs inside `weaved start`; these commands drive it over the node's
//! loopback-only `weave.sidecar.v1.Sidecar` API. `add` has the node cut and encrypt a
//! file into its slice store, seeds it, and registers it on chain; `get` opens the
//! content key delivered on chain, has the node download and verify the slices, and
//! writes the plaintext it streams back — to a file, or in order to stdout with
//! `--stream` so a player can start at once.

use std::{
    io::Write,
    path::{Path, PathBuf},
};

use anyhow::{bail, Context};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use serde_json::json;
use weave_proto::weave::sidecar::v1::{FetchProgress, FetchRequest};

use super::{
    cli::tx::{register_with, RegisterArgs},
    holder::holder_key,
    query::fetch_content,
    sidecar::{self, streaming_channel, FetchEvent},
};
use crate::{chain::connect, chain::runtime, opts::GlobalOpts, opts::NodeOpts, render};

/// `weaved content add` flags.
#[derive(Debug, clap::Args)]
pub struct AddArgs {
    /// The file to publish.
    #[arg(value_name = "FILE")]
    path: PathBuf,
    /// No progress output.
    #[arg(long)]
    quiet: bool,
    #[command(flatten)]
    register: RegisterArgs,
}

/// `weaved content get` flags.
#[derive(Debug, clap::Args)]
pub struct GetArgs {
    /// The content's id.
    content_id: u64,
    /// The key the content key was delivered to (a key name); with --channel, the
    /// channel's payer.
    #[arg(long, value_name = "KEY", required_unless_present = "key_file")]
    from: Option<String>,
    /// Read the content key (hex, as `weaved content key --out` writes it) from this
    /// file instead of opening the one delivered to --from.
    #[arg(long, value_name = "FILE")]
    key_file: Option<PathBuf>,
    /// Pay seeders that want payment from this payment channel, opened by --from
    /// (`weaved tx channels open`): each verified slice is paid with a voucher at the
    /// content's per-GiB price. Without it, only seeders that serve for free are used.
    #[arg(long, value_name = "CHANNEL_ID", requires = "from")]
    channel: Option<u64>,
    /// Write the plaintext here (written to FILE.part, renamed when complete).
    #[arg(long, value_name = "FILE", required_unless_present = "stream")]
    out: Option<PathBuf>,
    /// Write the plaintext to stdout strictly in order as it arrives, for a player:
    /// `weaved content get 1 --from bob --stream | mpv -`.
    #[arg(long, conflicts_with = "out")]
    stream: bool,
    /// No progress output.
    #[arg(long)]
    quiet: bool,
    #[command(flatten)]
    node: NodeOpts,
}

fn progress_bar(quiet: bool, total: u64) -> ProgressBar {
    if quiet {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::with_draw_target(Some(total), ProgressDrawTarget::stderr());
    bar.set_style(
        ProgressStyle::with_template(
            "{spinner} [{bar:30}] {pos}/{len} slices  {msg}  {elapsed_precise}",
        )
        .unwrap_or_else(|_| ProgressStyle::default_bar())
        .progress_chars("=> "),
    );
    bar
}

fn describe(p: &FetchProgress) -> String {
    format!(
        "{:.1} MiB  {:.1} MiB/s  {} peers{}",
        p.bytes_fetched as f64 / (1 << 20) as f64,
        p.bytes_per_sec as f64 / (1 << 20) as f64,
        p.peers_active,
        if p.slices_rejected > 0 {
            format!("  {} bad slices refused", p.slices_rejected)
        } else {
            String::new()
        }
    )
}

/// Runs `weaved content add`.
pub fn add(args: AddArgs, g: &GlobalOpts) -> anyhow::Result<()> {
    let mut register = args.register;
    if register.file.is_some() {
        bail!("give the file as the FILE argument, not --file");
    }
    let path = std::fs::canonicalize(&args.path)
        .with_context(|| format!("cannot read {}", args.path.display()))?;
    register.file = Some(path.clone());
    let url = register.opts.node.url(&g.home)?;
    let keyring = crate::keys::Keyring::open(&g.home, g.keyring_backend)?;
    let rt = runtime()?;
    let quiet = args.quiet || g.json();
    register_with(&register, &keyring, g, |path: &Path, key, slice_size| {
        if !quiet {
            eprintln!("encrypting {} into the node's slice store…", path.display());
        }
        rt.block_on(async {
            let meta = sidecar::add_file(
                streaming_channel(&url).await?,
                &g.home,
                path,
                key,
                slice_size,
            )
            .await?;
            if !quiet {
                eprintln!(
                    "stored and seeding {} slices ({} bytes), root {}",
                    meta.slice_count,
                    meta.plaintext_len,
                    hex::encode(meta.root)
                );
            }
            Ok(meta)
        })
    })
}

/// Where `content get -o OUT` writes before renaming onto `OUT`: `OUT.part`, so a
/// half-fetched file never sits under the final name; or `None` when `OUT` exists and
/// is not a regular file (`/dev/null`, a pipe, a terminal), which is written in place:
/// renaming a file over it would replace the device or the pipe itself.
fn part_file(out: &std::path::Path) -> Option<PathBuf> {
    match std::fs::metadata(out) {
        Ok(meta) if !meta.is_file() => None,
        _ => {
            let mut p = out.as_os_str().to_owned();
            p.push(".part");
            Some(PathBuf::from(p))
        }
    }
}

/// Runs `weaved content get`.
pub fn get(args: GetArgs, g: &GlobalOpts) -> anyhow::Result<()> {
    let (content, root, key) = match (&args.key_file, &args.from) {
        (Some(file), _) => {
            let key = super::keys::read_key_file(file)?;
            let url = args.node.url(&g.home)?;
            let content = runtime()?
                .block_on(async { fetch_content(&connect(&url).await?, args.content_id).await })?;
            let root = super::keys::root_of(&content)?;
            (content, root, key)
        }
        (None, Some(from)) => holder_key(args.content_id, from, &args.node, g)?,
        (None, None) => bail!("give --from or --key-file"),
    };
    let voucher_key = match (args.channel, &args.from) {
        (Some(_), Some(from)) => {
            let keyring = crate::keys::Keyring::open(&g.home, g.keyring_backend)?;
            let account = keyring.signing_key(from)?;
            zeroize::Zeroizing::new(
                crate::channels::voucher::voucher_key(&account)
                    .as_bytes()
                    .to_vec(),
            )
        }
        _ => zeroize::Zeroizing::new(Vec::new()),
    };
    let total = content.meta_hash.as_ref().map_or(0, |m| m.slice_count);
    let url = args.node.url(&g.home)?;
    let quiet = args.quiet || g.json();
    let part = args.out.as_deref().and_then(part_file);
    let write_to = part.as_deref().or(args.out.as_deref());
    let mut sink: Box<dyn Write> = match write_to {
        Some(p) => Box::new(std::io::BufWriter::new(
            std::fs::File::create(p).with_context(|| format!("creating {}", p.display()))?,
        )),
        None => Box::new(std::io::stdout().lock()),
    };
    let bar = progress_bar(quiet, total);
    let request = FetchRequest {
        content_id: args.content_id,
        key: key.as_bytes().to_vec(),
        channel_id: args.channel.unwrap_or(0),
        voucher_key: voucher_key.to_vec(),
        ..FetchRequest::default()
    };
    let done = runtime()?.block_on(async {
        let channel = streaming_channel(&url).await?;
        sidecar::fetch(channel, &g.home, request, |event| {
            match event {
                FetchEvent::Plaintext(bytes) => {
                    sink.write_all(bytes).context("writing the plaintext")?;
                    if args.stream {
                        sink.flush().context("writing the plaintext")?;
                    }
                }
                FetchEvent::Progress(p) => {
                    bar.set_position(p.slices_done);
                    bar.set_message(describe(p));
                }
            }
            Ok(())
        })
        .await
    })?;
    bar.finish_with_message(describe(&done));
    sink.flush().context("writing the plaintext")?;
    drop(sink);
    if let (Some(part), Some(out)) = (&part, &args.out) {
        std::fs::rename(part, out)
            .with_context(|| format!("renaming {} to {}", part.display(), out.display()))?;
    }
    if g.json() {
        render::print_json(&json!({
            "content_id": args.content_id,
            "root": hex::encode(root),
            "slices": done.slices_total,
            "bytes_fetched": done.bytes_fetched,
            "plaintext_bytes": done.plaintext_written,
            "slices_rejected": done.slices_rejected,
        "peers_banned": done.peers_banned,
            "channel_id": args.channel,
            "bytes_paid": done.bytes_paid,
            "amount_promised": done.amount_promised,
            "file": args.out.as_ref().map(|o| o.display().to_string()),
        }))?;
    } else if !quiet {
        if let Some(out) = &args.out {
            eprintln!(
                "wrote {} bytes of content {} to {}",
                done.plaintext_written,
                args.content_id,
                out.display()
            );
        }
        if let Some(channel) = args.channel {
            eprintln!(
                "paid {} bytes with vouchers on channel {channel}: {} uweave promised",
                done.bytes_paid, done.amount_promised
            );
        }
    }
    Ok(())
}

/// Runs `weaved content seed`: content the node does not hold in full is first
/// fetched from the network as ciphertext (no key or access right needed).
pub fn seed(content_id: u64, node: &NodeOpts, g: &GlobalOpts) -> anyhow::Result<()> {
    let url = node.url(&g.home)?;
    let (root, fetched) = runtime()?.block_on(async {
        let channel = streaming_channel(&url).await?;
        let total = fetch_content(&channel, content_id)
            .await?
            .meta_hash
            .as_ref()
            .map_or(0, |m| m.slice_count);
        let bar = progress_bar(g.json(), total);
        let seeded = sidecar::seed(channel, &g.home, content_id, |p| {
            bar.set_position(p.slices_done);
            bar.set_message(describe(p));
        })
        .await?;
        if let Some(p) = &seeded.1 {
            bar.finish_with_message(describe(p));
        }
        Ok::<_, anyhow::Error>(seeded)
    })?;
    if g.json() {
        render::print_json(&json!({
            "content_id": content_id,
            "root": hex::encode(root),
            "seeding": true,
            "fetched": fetched.is_some(),
            "bytes_fetched": fetched.as_ref().map_or(0, |p| p.bytes_fetched),
            "slices_rejected": fetched.as_ref().map_or(0, |p| p.slices_rejected),
        }))
    } else {
        if let Some(p) = &fetched {
            println!(
                "fetched {} slices ({} bytes of ciphertext) from the network",
                p.slices_total, p.bytes_fetched
            );
        }
        println!("seeding content {content_id} ({})", hex::encode(root));
        Ok(())
    }
}

/// Runs `weaved content ls`.
pub fn ls(node: &NodeOpts, g: &GlobalOpts) -> anyhow::Result<()> {
    let url = node.url(&g.home)?;
    let status =
        runtime()?.block_on(async { sidecar::status(connect(&url).await?, &g.home).await })?;
    if g.json() {
        return render::print_json(&json!({
            "peer_id": status.peer_id,
            "listen_addrs": status.listen_addrs,
            "connected_peers": status.connected_peers,
            "contents": status.contents.iter().map(|c| json!({
                "root": hex::encode(&c.root),
                "slices_present": c.slices_present,
                "slices_total": c.slices_total,
                "plaintext_len": c.plaintext_len,
                "complete": c.slices_present == c.slices_total,
            })).collect::<Vec<_>>(),
        }));
    }
    println!("peer id: {}", status.peer_id);
    for a in &status.listen_addrs {
        println!("listening on {a}/p2p/{}", status.peer_id);
    }
    println!("connected peers: {}", status.connected_peers);
    if status.contents.is_empty() {
        println!("(no content stored)");
    }
    for c in &status.contents {
        println!(
            "{}  {}/{} slices  {} bytes{}",
            hex::encode(&c.root),
            c.slices_present,
            c.slices_total,
            c.plaintext_len,
            if c.slices_present == c.slices_total {
                ""
            } else {
                "  (partial)"
            }
        );
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn devices_are_written_in_place_and_files_through_a_part_file() {
        assert_eq!(part_file(std::path::Path::new("/dev/null")), None);
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("film.mp4");
        assert_eq!(part_file(&out), Some(dir.path().join("film.mp4.part")));
        std::fs::write(&out, b"old").unwrap();
        assert_eq!(part_file(&out), Some(dir.path().join("film.mp4.part")));
        assert_eq!(part_file(dir.path()), None);
    }
}
