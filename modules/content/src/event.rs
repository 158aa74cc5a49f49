//! Constructors for the content module's typed events (see
//! `weave/content/v1/event.proto`).

use weave_kernel::{Address, Event};

use crate::ContentRecord;

/// The type strings of the module's events: the full names of the messages of
/// `weave/content/v1/event.proto`. Clients match events by these.
pub mod types {
    /// `EventContentRegistered`.
    pub const CONTENT_REGISTERED: &str = "weave.content.v1.EventContentRegistered";
    /// `EventContentUpdated`.
    pub const CONTENT_UPDATED: &str = "weave.content.v1.EventContentUpdated";
    /// `EventContentRetired`.
    pub const CONTENT_RETIRED: &str = "weave.content.v1.EventContentRetired";
    /// `EventAccessPurchased`.
    pub const ACCESS_PURCHASED: &str = "weave.content.v1.EventAccessPurchased";
    /// `EventAccessTransferred`.
    pub const ACCESS_TRANSFERRED: &str = "weave.content.v1.EventAccessTransferred";
    /// `EventTip`.
    pub const TIP: &str = "weave.content.v1.EventTip";
    /// `EventSubscriptionTermsSet`.
    pub const SUBSCRIPTION_TERMS_SET: &str = "weave.content.v1.EventSubscriptionTermsSet";
    /// `EventSubscribed`.
    pub const SUBSCRIBED: &str = "weave.content.v1.EventSubscribed";
    /// `EventSubscriptionExpired`.
    pub const SUBSCRIPTION_EXPIRED: &str = "weave.content.v1.EventSubscriptionExpired";
    /// `EventBuyerKeyRegistered`.
    pub const BUYER_KEY_REGISTERED: &str = "weave.content.v1.EventBuyerKeyRegistered";
    /// `EventKeyDelivered`.
    pub const KEY_DELIVERED: &str = "weave.content.v1.EventKeyDelivered";
    /// `EventParamsUpdated`.
    pub const PARAMS_UPDATED: &str = "weave.content.v1.EventParamsUpdated";
}

pub(crate) fn registered(c: &ContentRecord) -> Event {
    Event::new(types::CONTENT_REGISTERED)
        .attr("content_id", c.id)
        .attr("creator", c.creator)
        .attr("root", hex::encode(c.meta.root))
        .attr("split_id", c.split_id)
        .attr("access_price", c.access_price)
        .attr("price_per_gib", c.price_per_gib)
}

pub(crate) fn updated(c: &ContentRecord) -> Event {
    Event::new(types::CONTENT_UPDATED)
        .attr("content_id", c.id)
        .attr("metadata_nonce", c.metadata_nonce)
        .attr("access_price", c.access_price)
        .attr("price_per_gib", c.price_per_gib)
}

pub(crate) fn retired(id: u64) -> Event {
    Event::new(types::CONTENT_RETIRED).attr("content_id", id)
}

pub(crate) fn purchased(id: u64, buyer: &Address, quantity: u64, paid: u128) -> Event {
    Event::new(types::ACCESS_PURCHASED)
        .attr("content_id", id)
        .attr("buyer", buyer)
        .attr("quantity", quantity)
        .attr("paid", paid)
}

pub(crate) fn transferred(id: u64, from: &Address, to: &Address, quantity: u64) -> Event {
    Event::new(types::ACCESS_TRANSFERRED)
        .attr("content_id", id)
        .attr("from", from)
        .attr("to", to)
        .attr("quantity", quantity)
}

pub(crate) fn tip(tipper: &Address, content_id: u64, creator: &Address, amount: u128) -> Event {
    Event::new(types::TIP)
        .attr("tipper", tipper)
        .attr("content_id", content_id)
        .attr("creator", creator)
        .attr("amount", amount)
}

pub(crate) fn terms_set(
    creator: &Address,
    price: u128,
    period_blocks: u64,
    split_id: u64,
) -> Event {
    Event::new(types::SUBSCRIPTION_TERMS_SET)
        .attr("creator", creator)
        .attr("price", price)
        .attr("period_blocks", period_blocks)
        .attr("split_id", split_id)
}

pub(crate) fn subscribed(
    subscriber: &Address,
    creator: &Address,
    expires: u64,
    paid: u128,
) -> Event {
    Event::new(types::SUBSCRIBED)
        .attr("subscriber", subscriber)
        .attr("creator", creator)
        .attr("expires_height", expires)
        .attr("paid", paid)
}

pub(crate) fn subscription_expired(subscriber: &Address, creator: &Address) -> Event {
    Event::new(types::SUBSCRIPTION_EXPIRED)
        .attr("subscriber", subscriber)
        .attr("creator", creator)
}

pub(crate) fn buyer_key_registered(owner: &Address, key: &[u8; 32]) -> Event {
    Event::new(types::BUYER_KEY_REGISTERED)
        .attr("owner", owner)
        .attr("x25519_public_key", hex::encode(key))
}

pub(crate) fn key_delivered(id: u64, holder: &Address) -> Event {
    Event::new(types::KEY_DELIVERED)
        .attr("content_id", id)
        .attr("holder", holder)
}

pub(crate) fn params_updated(p: &crate::Params) -> Event {
    Event::new(types::PARAMS_UPDATED)
        .attr("max_expiries_per_block", p.max_expiries_per_block)
        .attr("max_subscription_blocks", p.max_subscription_blocks)
}
