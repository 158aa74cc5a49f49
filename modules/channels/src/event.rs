//! Constructors for the channels module's typed events (see
//! `weave/channels/v1/event.proto`).

use weave_kernel::{Address, Event};
use weave_proto::weave::channels::v1 as ev;

use crate::ChannelRecord;

/// The type strings of the module's events: the full names of the messages of
/// `weave/channels/v1/event.proto`. Clients match events by these.
pub mod types {
    /// `EventChannelOpened`.
    pub const CHANNEL_OPENED: &str = "weave.channels.v1.EventChannelOpened";
    /// `EventTopUp`.
    pub const TOP_UP: &str = "weave.channels.v1.EventTopUp";
    /// `EventLanePaid`.
    pub const LANE_PAID: &str = "weave.channels.v1.EventLanePaid";
    /// `EventClaimPaid`.
    pub const CLAIM_PAID: &str = "weave.channels.v1.EventClaimPaid";
    /// `EventVoucherRejected`.
    pub const VOUCHER_REJECTED: &str = "weave.channels.v1.EventVoucherRejected";
    /// `EventOverspend`.
    pub const OVERSPEND: &str = "weave.channels.v1.EventOverspend";
    /// `EventChannelClosing`.
    pub const CHANNEL_CLOSING: &str = "weave.channels.v1.EventChannelClosing";
    /// `EventChannelSettled`.
    pub const CHANNEL_SETTLED: &str = "weave.channels.v1.EventChannelSettled";
    /// `EventParamsUpdated`.
    pub const PARAMS_UPDATED: &str = "weave.channels.v1.EventParamsUpdated";
}

pub(crate) fn opened(c: &ChannelRecord) -> Event {
    Event::from_proto(&ev::EventChannelOpened {
        channel_id: c.id,
        payer: c.payer.to_string(),
        deposit: c.deposit.to_string(),
        collateral: c.collateral.to_string(),
        expiry_height: c.expiry_height,
    })
}

pub(crate) fn top_up(id: u64, amount: u128) -> Event {
    Event::from_proto(&ev::EventTopUp {
        channel_id: id,
        amount: amount.to_string(),
    })
}

/// What a claim's accepted vouchers drew on one lane, summed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct LaneTally {
    pub(crate) vouchers: u32,
    pub(crate) last_nonce: u64,
    pub(crate) amount: u128,
    pub(crate) bytes: u64,
    pub(crate) from_collateral: u128,
}

/// One lane paid by a claim. Built directly, attribute by attribute in field order,
/// not through [`Event::from_proto`]'s reflection (a test holds the two equal): a
/// block of claims emits many.
pub(crate) fn lane_paid(channel_id: u64, seeder: &str, root: &[u8; 32], t: &LaneTally) -> Event {
    Event::new(types::LANE_PAID)
        .attr("channel_id", channel_id)
        .attr("seeder", seeder)
        .attr("content_root", hex::encode(root))
        .attr("vouchers", t.vouchers)
        .attr("last_nonce", t.last_nonce)
        .attr("amount", t.amount)
        .attr("bytes", t.bytes)
        .attr("from_collateral", t.from_collateral)
}

pub(crate) fn claim_paid(
    seeder: &Address,
    split_id: u64,
    amount: u128,
    seeder_share: u128,
) -> Event {
    Event::from_proto(&ev::EventClaimPaid {
        seeder: seeder.to_string(),
        split_id,
        amount: amount.to_string(),
        seeder_share: seeder_share.to_string(),
    })
}

pub(crate) fn voucher_rejected(index: usize, code: u32, reason: &str) -> Event {
    Event::from_proto(&ev::EventVoucherRejected {
        // A claim carries at most `HARD_MAX_VOUCHERS` vouchers.
        index: u32::try_from(index).unwrap_or(u32::MAX),
        code,
        reason: reason.to_string(),
    })
}

pub(crate) fn overspend(id: u64, amount: u128) -> Event {
    Event::from_proto(&ev::EventOverspend {
        channel_id: id,
        amount: amount.to_string(),
    })
}

pub(crate) fn closing(id: u64, settle_height: u64) -> Event {
    Event::from_proto(&ev::EventChannelClosing {
        channel_id: id,
        settle_height,
    })
}

pub(crate) fn settled(id: u64, refunded: u128) -> Event {
    Event::from_proto(&ev::EventChannelSettled {
        channel_id: id,
        refunded: refunded.to_string(),
    })
}

pub(crate) fn params_updated(p: &crate::Params) -> Event {
    Event::from_proto(&ev::EventParamsUpdated {
        seeder_share_bps: p.seeder_share_bps,
        challenge_period_blocks: p.challenge_period_blocks,
    })
}

#[cfg(test)]
mod tests {
    use prost::Name;

    use super::*;

    /// The hand-built lane event is what the generic rendering of its proto gives.
    #[test]
    fn lane_paid_is_its_proto_rendered() {
        let seeder = Address::new([7; 20]).to_string();
        for t in [
            LaneTally::default(),
            LaneTally {
                vouchers: 50,
                last_nonce: u64::MAX,
                amount: 12_345,
                bytes: 1 << 20,
                from_collateral: u128::MAX,
            },
        ] {
            let built = lane_paid(42, &seeder, &[0xab; 32], &t);
            let generic = Event::from_proto(&ev::EventLanePaid {
                channel_id: 42,
                seeder: seeder.clone(),
                content_root: hex::encode([0xab; 32]),
                vouchers: t.vouchers,
                last_nonce: t.last_nonce,
                amount: t.amount.to_string(),
                bytes: t.bytes,
                from_collateral: t.from_collateral.to_string(),
            });
            assert_eq!(built, generic);
        }
    }

    /// The type strings clients match are the full names of the proto events.
    #[test]
    fn event_types_are_the_proto_full_names() {
        assert_eq!(types::CHANNEL_OPENED, ev::EventChannelOpened::full_name());
        assert_eq!(types::TOP_UP, ev::EventTopUp::full_name());
        assert_eq!(types::LANE_PAID, ev::EventLanePaid::full_name());
        assert_eq!(types::CLAIM_PAID, ev::EventClaimPaid::full_name());
        assert_eq!(
            types::VOUCHER_REJECTED,
            ev::EventVoucherRejected::full_name()
        );
        assert_eq!(types::OVERSPEND, ev::EventOverspend::full_name());
        assert_eq!(types::CHANNEL_CLOSING, ev::EventChannelClosing::full_name());
        assert_eq!(types::CHANNEL_SETTLED, ev::EventChannelSettled::full_name());
        assert_eq!(types::PARAMS_UPDATED, ev::EventParamsUpdated::full_name());
    }
}
