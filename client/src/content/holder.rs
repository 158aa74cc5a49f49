//! The key of a content as one of your keys holds it.

use anyhow::anyhow;
use weave_slices::ContentKey;

use super::sidecar::open_content_key;
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
    let url = node.url(&g.home)?;
    runtime()?
        .block_on(async {
            let channel = connect(&url).await?;
            open_content_key(&channel, &key, &g.home, content_id).await
        })
        .map_err(|e| {
            if e.to_string().starts_with("no key has been delivered") {
                anyhow!("{e} (`weaved tx content register-key --from {from}`)")
            } else {
                e
            }
        })
}
