//! Content through this node's slice sidecar (the loopback, token-authenticated
//! `weave.sidecar.v1.Sidecar` API that `weaved start` serves): publish a file (the
//! node encrypts it into its slice store and seeds it, then the content is
//! registered), download and decrypt content with a delivered key, seed content, and
//! read what the node stores. `home` is the node's home, which holds the API token.
//!
//! Long calls (adding a large file, a download) need a channel without a per-call
//! deadline: [`streaming_channel`].

use std::{path::Path, time::Duration};

use anyhow::{anyhow, bail, Context};
use tonic::transport::{Channel, Endpoint};
use weave_kernel::Address;
use weave_proto::weave::{
    content::v1 as pb,
    sidecar::v1::{
        fetch_event::Event, AddFileRequest, FetchProgress, FetchRequest, SeedRequest,
        StatusRequest, StatusResponse,
    },
};
use weave_slices::{open_key, ContentKey, MetaHash};

use super::{
    keys::{buyer_secret, load_key, root_of, sealing_context},
    query::{fetch_content, fetch_sealed_key},
    tx::{register_sealed, NewContent, Registered},
};
use crate::{chain::status_error, keys::SigningKey, sidecar_auth::local_sidecar, tx::TxPlan};

/// A channel to the node without a per-call deadline: a fetch streams for as long as
/// the download takes.
pub async fn streaming_channel(url: &str) -> anyhow::Result<Channel> {
    Endpoint::from_shared(url.to_string())
        .with_context(|| format!("invalid node URL {url:?}"))?
        .connect_timeout(Duration::from_secs(5))
        .connect()
        .await
        .with_context(|| format!("cannot connect to node {url}"))
}

/// What the node's sidecar is: its peer id, addresses, peers and stored contents.
pub async fn status(sidecar: Channel, home: &Path) -> anyhow::Result<StatusResponse> {
    Ok(local_sidecar(sidecar, home)
        .status(StatusRequest {})
        .await
        .map_err(status_error)?
        .into_inner())
}

/// Has the node cut the file at `path` (a path on the node's machine) into slices of
/// `slice_size` bytes encrypted under `content_key`, store them and seed them; the
/// meta-hash to register.
pub async fn add_file(
    sidecar: Channel,
    home: &Path,
    path: &Path,
    content_key: &ContentKey,
    slice_size: u32,
) -> anyhow::Result<MetaHash> {
    let mut sidecar = local_sidecar(sidecar, home);
    let meta = sidecar
        .add_file(AddFileRequest {
            path: path.display().to_string(),
            key: content_key.as_bytes().to_vec(),
            slice_size,
        })
        .await
        .map_err(status_error)?
        .into_inner()
        .meta_hash
        .ok_or_else(|| anyhow!("the node returned no meta-hash"))?;
    let meta = weave_content::record::meta_from_wire(&meta)
        .map_err(|e| anyhow!("the node returned a bad meta-hash: {e}"))?;
    sidecar
        .seed(SeedRequest {
            root: meta.root.to_vec(),
        })
        .await
        .map_err(status_error)?;
    Ok(meta)
}

/// Publishes a file: a new content key, the file encrypted into the node's slice
/// store and seeded ([`add_file`], over `sidecar`, a [`streaming_channel`]), then
/// registered on chain with `content` ([`register_sealed`], which saves the key
/// under `home` first).
#[allow(clippy::too_many_arguments)]
pub async fn publish(
    channel: &Channel,
    sidecar: Channel,
    plan: &TxPlan,
    key: &SigningKey,
    home: &Path,
    path: &Path,
    slice_size: u32,
    content: NewContent,
) -> anyhow::Result<Registered> {
    super::msg::check_metadata(&content.metadata)?;
    super::msg::sorted_tiers(content.tiers.clone())?;
    let content_key = ContentKey::generate();
    let meta = add_file(sidecar, home, path, &content_key, slice_size).await?;
    register_sealed(channel, plan, key, home, content, &content_key, &meta).await
}

/// The content and its key as `key`'s account holds it: the key delivered to it on
/// chain, opened with its buyer key, or, for the creator, its own key file under
/// `home`.
pub async fn open_content_key(
    channel: &Channel,
    key: &SigningKey,
    home: &Path,
    content_id: u64,
) -> anyhow::Result<(pb::Content, [u8; 32], ContentKey)> {
    let holder: Address = key.address();
    let content = fetch_content(channel, content_id).await?;
    let sealed = fetch_sealed_key(channel, content_id, &holder).await?;
    let root = root_of(&content)?;
    let content_key = match sealed {
        Some(sealed) => open_key(
            &buyer_secret(key),
            &sealed.sealed,
            &sealing_context(&root, &holder),
        )
        .map_err(|e| anyhow!("the key delivered to {holder} for content {content_id}: {e}"))?,
        None => match load_key(home, &root)? {
            Some(k) if content.creator == holder.to_string() => k,
            _ => bail!(
                "no key has been delivered to {holder} for content {content_id} yet: the \
                 creator delivers it once {holder} has access and a buyer key"
            ),
        },
    };
    Ok((content, root, content_key))
}

/// What a download reports as it goes.
#[derive(Debug)]
pub enum FetchEvent<'a> {
    /// The next bytes of plaintext, in order.
    Plaintext(&'a [u8]),
    /// How far the download is.
    Progress(&'a FetchProgress),
}

/// Has the node download content `request.content_id` from seeders, verify every
/// slice against the registered root and (with a key) decrypt it; `on_event` gets the
/// plaintext in order and the progress. With a channel id and voucher key, the node
/// pays seeders with vouchers. What the node reports when done.
pub async fn fetch(
    sidecar: Channel,
    home: &Path,
    request: FetchRequest,
    mut on_event: impl FnMut(FetchEvent<'_>) -> anyhow::Result<()>,
) -> anyhow::Result<FetchProgress> {
    let keyless = request.key.is_empty();
    let mut stream = local_sidecar(sidecar, home)
        .fetch(request)
        .await
        .map_err(status_error)?
        .into_inner();
    loop {
        let event = stream
            .message()
            .await
            .map_err(status_error)?
            .ok_or_else(|| anyhow!("the node ended the fetch early"))?;
        match event.event {
            Some(Event::Plaintext(_)) if keyless => {
                bail!("the node streamed plaintext for a keyless fetch")
            }
            Some(Event::Plaintext(bytes)) => on_event(FetchEvent::Plaintext(&bytes))?,
            Some(Event::Progress(p)) => on_event(FetchEvent::Progress(&p))?,
            Some(Event::Done(p)) => {
                on_event(FetchEvent::Progress(&p))?;
                return Ok(p);
            }
            // Only a fetch that asked for `any_order` gets these; this one did not.
            Some(Event::Started(_) | Event::Slice(_)) => {
                bail!("the node streamed slices out of order to an in-order fetch")
            }
            None => {}
        }
    }
}

/// Has the node seed content `content_id`; if its slice store does not hold it in
/// full, the ciphertext is first fetched from the network (no key or access right
/// needed), `on_progress` seeing how far it is. The content's root, and what the
/// fetch reported if there was one.
pub async fn seed(
    sidecar: Channel,
    home: &Path,
    content_id: u64,
    mut on_progress: impl FnMut(&FetchProgress),
) -> anyhow::Result<([u8; 32], Option<FetchProgress>)> {
    let content = fetch_content(&sidecar, content_id).await?;
    let root = root_of(&content)?;
    let held = status(sidecar.clone(), home)
        .await?
        .contents
        .into_iter()
        .any(|c| c.root == root && c.slices_present == c.slices_total);
    let fetched = if held {
        None
    } else {
        let request = FetchRequest {
            content_id,
            key: Vec::new(),
            channel_id: 0,
            voucher_key: Vec::new(),
            ..FetchRequest::default()
        };
        Some(
            fetch(sidecar.clone(), home, request, |event| {
                if let FetchEvent::Progress(p) = event {
                    on_progress(p);
                }
                Ok(())
            })
            .await?,
        )
    };
    local_sidecar(sidecar, home)
        .seed(SeedRequest {
            root: root.to_vec(),
        })
        .await
        .map_err(status_error)?;
    Ok((root, fetched))
}
