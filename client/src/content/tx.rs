//! The content module's transaction flows: each reads what it needs from the chain,
//! builds its message ([`super::msg`]), signs and broadcasts it with
//! [`crate::tx::sign_and_submit`] and returns what a page shows — the transaction
//! ([`Submitted`], serializable as a [`crate::tx::TxSummary`]) and what it created.
//!
//! A flow returns `Ok` even when the chain refused the transaction: check
//! [`Submitted::outcome`].

use std::{
    fs::File,
    io::BufReader,
    path::{Path, PathBuf},
};

use anyhow::{anyhow, Context};
use serde::Serialize;
use tonic::transport::Channel;
use weave_kernel::Address;
use weave_proto::weave::content::v1 as pb;
use weave_slices::{ContentKey, MetaHash};

use super::{
    keys::{buyer_secret, key_path, load_key, meta_hash_of, root_of, save_key},
    msg,
    query::{fetch_buyer_key, fetch_content, subscription_terms},
};
use crate::{
    keys::SigningKey,
    tx::{sign_and_submit, Submitted, TxPlan},
};

/// A content to register, apart from its file.
#[derive(Debug, Clone)]
pub struct NewContent {
    /// Title, description, MIME type, tags, ... (checked as the chain checks them).
    pub metadata: pb::Metadata,
    /// The price of one access token, in uweave.
    pub access_price: u128,
    /// What viewers pay seeders per GiB streamed, in uweave.
    pub price_per_gib: u128,
    /// The split table payments go through.
    pub split: msg::SplitChoice,
    /// The rights tiers (any order).
    pub tiers: Vec<pb::RightsTier>,
}

/// A registered content.
#[derive(Debug, Clone, Serialize)]
pub struct Registered {
    /// The transaction.
    pub tx: Submitted,
    /// The new content's id, once the transaction is in a block.
    pub content_id: Option<u64>,
    /// The id of the split table it pays through (a new one, or the one given).
    pub split_id: Option<u64>,
    /// The Merkle root of its ciphertext, in hex.
    pub root: String,
    /// Where its content key was saved.
    pub key_file: PathBuf,
}

/// Computes the meta-hash of a local file encrypted under `content_key` in slices of
/// `slice_size` bytes (reading the file once; nothing is stored).
pub fn seal_file(
    path: &Path,
    content_key: &ContentKey,
    slice_size: u32,
) -> anyhow::Result<MetaHash> {
    let file = File::open(path).with_context(|| format!("opening {}", path.display()))?;
    meta_hash_of(BufReader::new(file), content_key, slice_size)
        .with_context(|| format!("encrypting {}", path.display()))
}

/// Registers content whose meta-hash `meta` was computed under `content_key`. The key
/// is saved under `home` (`<home>/content-keys/<root>.key`) before anything is
/// broadcast, so a registered content never lacks its key.
#[allow(clippy::too_many_arguments)]
pub async fn register_sealed(
    channel: &Channel,
    plan: &TxPlan,
    key: &SigningKey,
    home: &Path,
    content: NewContent,
    content_key: &ContentKey,
    meta: &MetaHash,
) -> anyhow::Result<Registered> {
    msg::check_metadata(&content.metadata)?;
    let message = msg::register_content(
        &key.address(),
        meta,
        content.metadata,
        content.access_price,
        content.price_per_gib,
        content.split,
        content.tiers,
    )?;
    let key_file = save_key(home, &meta.root, content_key)?;
    let tx = sign_and_submit(channel, plan, key, vec![message]).await?;
    Ok(Registered {
        content_id: tx.event_number(msg::EVENT_CONTENT_REGISTERED, "content_id"),
        split_id: tx.event_number(msg::EVENT_CONTENT_REGISTERED, "split_id"),
        root: hex::encode(meta.root),
        key_file,
        tx,
    })
}

/// Registers a local file: generates a content key, encrypts the file in slices of
/// `slice_size` bytes to compute its meta-hash ([`seal_file`]), then
/// [`register_sealed`].
pub async fn register_file(
    channel: &Channel,
    plan: &TxPlan,
    key: &SigningKey,
    home: &Path,
    path: &Path,
    slice_size: u32,
    content: NewContent,
) -> anyhow::Result<Registered> {
    msg::check_metadata(&content.metadata)?;
    msg::sorted_tiers(content.tiers.clone())?;
    let content_key = ContentKey::generate();
    let meta = seal_file(path, &content_key, slice_size)?;
    register_sealed(channel, plan, key, home, content, &content_key, &meta).await
}

/// Changes a content's metadata (`edit` is applied to the current metadata, read
/// from the chain; an empty edit leaves it alone) and/or its prices (`None`: as they
/// are).
pub async fn update(
    channel: &Channel,
    plan: &TxPlan,
    key: &SigningKey,
    content_id: u64,
    edit: &msg::MetadataEdit,
    access_price: Option<u128>,
    price_per_gib: Option<u128>,
) -> anyhow::Result<Submitted> {
    anyhow::ensure!(
        !edit.is_empty() || access_price.is_some() || price_per_gib.is_some(),
        "nothing to update: give new metadata or prices"
    );
    let metadata = if edit.is_empty() {
        None
    } else {
        let current = fetch_content(channel, content_id)
            .await?
            .metadata
            .ok_or_else(|| anyhow!("content {content_id} has no metadata on chain"))?;
        Some(edit.apply(current))
    };
    let message = msg::update_content(
        &key.address(),
        content_id,
        metadata,
        access_price,
        price_per_gib,
    )?;
    sign_and_submit(channel, plan, key, vec![message]).await
}

/// Stops selling a content; holders keep their access.
pub async fn retire(
    channel: &Channel,
    plan: &TxPlan,
    key: &SigningKey,
    content_id: u64,
) -> anyhow::Result<Submitted> {
    let message = msg::retire_content(&key.address(), content_id)?;
    sign_and_submit(channel, plan, key, vec![message]).await
}

/// A purchase.
#[derive(Debug, Clone, Serialize)]
pub struct Purchased {
    /// The transaction.
    pub tx: Submitted,
    /// What was paid, in uweave, once the transaction is in a block.
    pub paid: Option<String>,
}

/// The price of `quantity` tokens of a content at its current price, in uweave.
pub async fn current_total_price(
    channel: &Channel,
    content_id: u64,
    quantity: u64,
) -> anyhow::Result<u128> {
    let c = fetch_content(channel, content_id).await?;
    weave_kernel::parse_amount(&c.access_price)
        .map_err(|e| anyhow!("access_price {:?}: {e}", c.access_price))?
        .checked_mul(u128::from(quantity))
        .ok_or_else(|| anyhow!("access_price × quantity overflows"))
}

/// Buys `quantity` access tokens. The chain requires a bound on the total: by default
/// the price read now ([`current_total_price`]), so a price rise before inclusion
/// fails the purchase instead of overcharging.
pub async fn purchase(
    channel: &Channel,
    plan: &TxPlan,
    key: &SigningKey,
    content_id: u64,
    quantity: u64,
    max_total_price: Option<u128>,
) -> anyhow::Result<Purchased> {
    let max_total_price = match max_total_price {
        Some(p) => p,
        None => current_total_price(channel, content_id, quantity).await?,
    };
    let message = msg::purchase_access(&key.address(), content_id, quantity, max_total_price)?;
    let tx = sign_and_submit(channel, plan, key, vec![message]).await?;
    Ok(Purchased {
        paid: tx.event_attribute(msg::EVENT_ACCESS_PURCHASED, "paid"),
        tx,
    })
}

/// Gives `quantity` access tokens to `to`.
pub async fn transfer(
    channel: &Channel,
    plan: &TxPlan,
    key: &SigningKey,
    content_id: u64,
    to: &Address,
    quantity: u64,
) -> anyhow::Result<Submitted> {
    let message = msg::transfer_access(&key.address(), to, content_id, quantity)?;
    sign_and_submit(channel, plan, key, vec![message]).await
}

/// Tips a content or a creator `amount` uweave.
pub async fn tip(
    channel: &Channel,
    plan: &TxPlan,
    key: &SigningKey,
    target: msg::TipTarget,
    amount: u128,
) -> anyhow::Result<Submitted> {
    let message = msg::tip(&key.address(), target, amount)?;
    sign_and_submit(channel, plan, key, vec![message]).await
}

/// Sets the signer's subscription terms: `price` uweave per `period_blocks` blocks
/// (0 and 0 stop new subscriptions), paid through split `split_id` (0: the creator
/// alone).
pub async fn set_subscription(
    channel: &Channel,
    plan: &TxPlan,
    key: &SigningKey,
    price: u128,
    period_blocks: u64,
    split_id: u64,
) -> anyhow::Result<Submitted> {
    let message = msg::set_subscription_terms(&key.address(), price, period_blocks, split_id)?;
    sign_and_submit(channel, plan, key, vec![message]).await
}

/// A subscription.
#[derive(Debug, Clone, Serialize)]
pub struct Subscribed {
    /// The transaction.
    pub tx: Submitted,
    /// The height the subscription now runs until, once the transaction is in a
    /// block.
    pub expires_height: Option<u64>,
}

/// Subscribes to `creator` for `periods` periods, paying at most `max_total_price`
/// (default: the creator's price now × `periods`).
pub async fn subscribe(
    channel: &Channel,
    plan: &TxPlan,
    key: &SigningKey,
    creator: &Address,
    periods: u64,
    max_total_price: Option<u128>,
) -> anyhow::Result<Subscribed> {
    let max_total_price = match max_total_price {
        Some(p) => p,
        None => {
            let terms = subscription_terms(channel, creator).await?;
            weave_kernel::parse_amount(&terms.price)
                .map_err(|e| anyhow!("price {:?}: {e}", terms.price))?
                .checked_mul(u128::from(periods))
                .ok_or_else(|| anyhow!("price × periods overflows"))?
        }
    };
    let message = msg::subscribe(&key.address(), creator, periods, max_total_price)?;
    let tx = sign_and_submit(channel, plan, key, vec![message]).await?;
    Ok(Subscribed {
        expires_height: tx.event_number(msg::EVENT_SUBSCRIBED, "expires_height"),
        tx,
    })
}

/// A registered buyer key.
#[derive(Debug, Clone, Serialize)]
pub struct BuyerKeyRegistered {
    /// The transaction.
    pub tx: Submitted,
    /// The X25519 public key, in hex.
    pub x25519_public_key: String,
}

/// Registers the signer's X25519 buyer key, derived from its signing key (no extra
/// secret to keep), so that creators can seal content keys to it.
pub async fn register_buyer_key(
    channel: &Channel,
    plan: &TxPlan,
    key: &SigningKey,
) -> anyhow::Result<BuyerKeyRegistered> {
    let public = buyer_secret(key).public_key();
    let message = msg::register_buyer_key(&key.address(), &public)?;
    let tx = sign_and_submit(channel, plan, key, vec![message]).await?;
    Ok(BuyerKeyRegistered {
        tx,
        x25519_public_key: hex::encode(public),
    })
}

/// Delivers a content's key (read from its key file under `home`) to `holder`, sealed
/// to the holder's registered buyer key.
pub async fn deliver_key(
    channel: &Channel,
    plan: &TxPlan,
    key: &SigningKey,
    home: &Path,
    content_id: u64,
    holder: &Address,
) -> anyhow::Result<Submitted> {
    let content = fetch_content(channel, content_id).await?;
    let buyer_key = fetch_buyer_key(channel, holder).await?;
    let root = root_of(&content)?;
    let content_key = load_key(home, &root)?.ok_or_else(|| {
        anyhow!(
            "no key for content {content_id} in {}: only the machine that registered it has the key",
            key_path(home, &root).display()
        )
    })?;
    let message = msg::msg_deliver_key(
        &key.address(),
        content_id,
        holder,
        &root,
        &content_key,
        &buyer_key,
    )?;
    sign_and_submit(channel, plan, key, vec![message]).await
}
