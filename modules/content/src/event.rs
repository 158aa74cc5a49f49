//! Constructors for the content module's typed events (see
//! `weave/content/v1/event.proto`).

use weave_kernel::{Address, Event};
use weave_proto::weave::content::v1 as ev;

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
    Event::from_proto(&ev::EventContentRegistered {
        content_id: c.id,
        creator: c.creator.to_string(),
        root: hex::encode(c.meta.root),
        split_id: c.split_id,
        access_price: c.access_price.to_string(),
        price_per_gib: c.price_per_gib.to_string(),
    })
}

pub(crate) fn updated(c: &ContentRecord) -> Event {
    Event::from_proto(&ev::EventContentUpdated {
        content_id: c.id,
        metadata_nonce: c.metadata_nonce,
        access_price: c.access_price.to_string(),
        price_per_gib: c.price_per_gib.to_string(),
    })
}

pub(crate) fn retired(id: u64) -> Event {
    Event::from_proto(&ev::EventContentRetired { content_id: id })
}

pub(crate) fn purchased(id: u64, buyer: &Address, quantity: u64, paid: u128) -> Event {
    Event::from_proto(&ev::EventAccessPurchased {
        content_id: id,
        buyer: buyer.to_string(),
        quantity,
        paid: paid.to_string(),
    })
}

pub(crate) fn transferred(id: u64, from: &Address, to: &Address, quantity: u64) -> Event {
    Event::from_proto(&ev::EventAccessTransferred {
        content_id: id,
        from: from.to_string(),
        to: to.to_string(),
        quantity,
    })
}

pub(crate) fn tip(tipper: &Address, content_id: u64, creator: &Address, amount: u128) -> Event {
    Event::from_proto(&ev::EventTip {
        tipper: tipper.to_string(),
        content_id,
        creator: creator.to_string(),
        amount: amount.to_string(),
    })
}

pub(crate) fn terms_set(
    creator: &Address,
    price: u128,
    period_blocks: u64,
    split_id: u64,
) -> Event {
    Event::from_proto(&ev::EventSubscriptionTermsSet {
        creator: creator.to_string(),
        price: price.to_string(),
        period_blocks,
        split_id,
    })
}

pub(crate) fn subscribed(
    subscriber: &Address,
    creator: &Address,
    expires: u64,
    paid: u128,
) -> Event {
    Event::from_proto(&ev::EventSubscribed {
        subscriber: subscriber.to_string(),
        creator: creator.to_string(),
        expires_height: expires,
        paid: paid.to_string(),
    })
}

pub(crate) fn subscription_expired(subscriber: &Address, creator: &Address) -> Event {
    Event::from_proto(&ev::EventSubscriptionExpired {
        subscriber: subscriber.to_string(),
        creator: creator.to_string(),
    })
}

pub(crate) fn buyer_key_registered(owner: &Address, key: &[u8; 32]) -> Event {
    Event::from_proto(&ev::EventBuyerKeyRegistered {
        owner: owner.to_string(),
        x25519_public_key: hex::encode(key),
    })
}

pub(crate) fn key_delivered(id: u64, holder: &Address) -> Event {
    Event::from_proto(&ev::EventKeyDelivered {
        content_id: id,
        holder: holder.to_string(),
    })
}

pub(crate) fn params_updated(p: &crate::Params) -> Event {
    Event::from_proto(&ev::EventParamsUpdated {
        max_expiries_per_block: p.max_expiries_per_block,
        max_subscription_blocks: p.max_subscription_blocks,
    })
}

#[cfg(test)]
mod tests {
    use prost::Name;

    use super::*;

    /// The type strings clients match are the full names of the proto events.
    #[test]
    fn event_types_are_the_proto_full_names() {
        assert_eq!(
            types::CONTENT_REGISTERED,
            ev::EventContentRegistered::full_name()
        );
        assert_eq!(types::CONTENT_UPDATED, ev::EventContentUpdated::full_name());
        assert_eq!(types::CONTENT_RETIRED, ev::EventContentRetired::full_name());
        assert_eq!(
            types::ACCESS_PURCHASED,
            ev::EventAccessPurchased::full_name()
        );
        assert_eq!(
            types::ACCESS_TRANSFERRED,
            ev::EventAccessTransferred::full_name()
        );
        assert_eq!(types::TIP, ev::EventTip::full_name());
        assert_eq!(
            types::SUBSCRIPTION_TERMS_SET,
            ev::EventSubscriptionTermsSet::full_name()
        );
        assert_eq!(types::SUBSCRIBED, ev::EventSubscribed::full_name());
        assert_eq!(
            types::SUBSCRIPTION_EXPIRED,
            ev::EventSubscriptionExpired::full_name()
        );
        assert_eq!(
            types::BUYER_KEY_REGISTERED,
            ev::EventBuyerKeyRegistered::full_name()
        );
        assert_eq!(types::KEY_DELIVERED, ev::EventKeyDelivered::full_name());
        assert_eq!(types::PARAMS_UPDATED, ev::EventParamsUpdated::full_name());
    }
}
