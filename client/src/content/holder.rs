//! The key of a content as one of your keys holds it.

use anyhow::anyhow;
use weave_slices::{open_key, ContentKey};

use super::{
    keys::{buyer_secret, load_key, root_of, sealing_context},
    query::{fetch_content, fetch_sealed_key},
};
use crate::{
    chain::{connect, runtime},
    keys::Keyring,
    opts::{GlobalOpts, NodeOpts},
};

/// The content and its key as `from` holds it: the key delivered to it on chain,
/// opened with its buyer key, or, for the creator, its own key file.
pub fn holder_key(
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
