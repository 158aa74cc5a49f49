//! Constructors for the content module's typed events (see
//! `weave/content/v1/event.proto`).

use weave_kernel::{Address, Event};

use crate::ContentRecord;

pub(crate) fn registered(c: &ContentRecord) -> Event {
    Event::new("weave.content.v1.EventContentRegistered")
        .attr("content_id", c.id)
        .attr("creator", c.creator)
        .attr("root", hex::encode(c.meta.root))
        .attr("split_id", c.split_id)
        .attr("access_price", c.access_price)
        .attr("price_per_gib", c.price_per_gib)
}

pub(crate) fn updated(c: &ContentRecord) -> Event {
    Event::new("weave.content.v1.EventContentUpdated")
        .attr("content_id", c.id)
        .attr("metadata_nonce", c.metadata_nonce)
        .attr("access_price", c.access_price)
        .attr("price_per_gib", c.price_per_gib)
}

pub(crate) fn retired(id: u64) -> Event {
    Event::new("weave.content.v1.EventContentRetired").attr("content_id", id)
}

pub(crate) fn purchased(id: u64, buyer: &Address, quantity: u64, paid: u128) -> Event {
    Event::new("weave.content.v1.EventAccessPurchased")
        .attr("content_id", id)
        .attr("buyer", buyer)
        .attr("quantity", quantity)
        .attr("paid", paid)
}

pub(crate) fn transferred(id: u64, from: &Address, to: &Address, quantity: u64) -> Event {
    Event::new("weave.content.v1.EventAccessTransferred")
        .attr("content_id", id)
        .attr("from", from)
        .attr("to", to)
        .attr("quantity", quantity)
}

pub(crate) fn tip(tipper: &Address, content_id: u64, creator: &Address, amount: u128) -> Event {
    Event::new("weave.content.v1.EventTip")
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
    Event::new("weave.content.v1.EventSubscriptionTermsSet")
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
    Event::new("weave.content.v1.EventSubscribed")
        .attr("subscriber", subscriber)
        .attr("creator", creator)
        .attr("expires_height", expires)
        .attr("paid", paid)
}

pub(crate) fn subscription_expired(subscriber: &Address, creator: &Address) -> Event {
    Event::new("weave.content.v1.EventSubscriptionExpired")
        .attr("subscriber", subscriber)
        .attr("creator", creator)
}

pub(crate) fn buyer_key_registered(owner: &Address, key: &[u8; 32]) -> Event {
    Event::new("weave.content.v1.EventBuyerKeyRegistered")
        .attr("owner", owner)
        .attr("x25519_public_key", hex::encode(key))
}

pub(crate) fn key_delivered(id: u64, holder: &Address) -> Event {
    Event::new("weave.content.v1.EventKeyDelivered")
        .attr("content_id", id)
        .attr("holder", holder)
}

pub(crate) fn params_updated(p: &crate::Params) -> Event {
    Event::new("weave.content.v1.EventParamsUpdated")
        .attr("max_expiries_per_block", p.max_expiries_per_block)
        .attr("max_subscription_blocks", p.max_subscription_blocks)
}
