//! Constructors for the splits module's typed events (see `weave/splits/v1/event.proto`).

use weave_kernel::{Address, Event};
use weave_proto::weave::splits::v1 as ev;

use crate::{Params, Payout, StoredSplit};

/// The type strings of the module's events: the full names of the messages of
/// `weave/splits/v1/event.proto`. Clients match events by these.
pub mod types {
    /// `EventSplitCreated`.
    pub const SPLIT_CREATED: &str = "weave.splits.v1.EventSplitCreated";
    /// `EventSplitUpdated`.
    pub const SPLIT_UPDATED: &str = "weave.splits.v1.EventSplitUpdated";
    /// `EventControllerProposed`.
    pub const CONTROLLER_PROPOSED: &str = "weave.splits.v1.EventControllerProposed";
    /// `EventControllerAccepted`.
    pub const CONTROLLER_ACCEPTED: &str = "weave.splits.v1.EventControllerAccepted";
    /// `EventPayout`.
    pub const PAYOUT: &str = "weave.splits.v1.EventPayout";
    /// `EventShare`.
    pub const SHARE: &str = "weave.splits.v1.EventShare";
    /// `EventParamsUpdated`.
    pub const PARAMS_UPDATED: &str = "weave.splits.v1.EventParamsUpdated";
}

fn opt(a: &Option<Address>) -> String {
    a.map(|a| a.to_string()).unwrap_or_default()
}

pub(crate) fn created(s: &StoredSplit) -> Event {
    Event::from_proto(&ev::EventSplitCreated {
        split_id: s.id,
        creator: s.creator.to_string(),
        controller: opt(&s.controller),
        recipients: s.table.describe().to_string(),
    })
}

pub(crate) fn updated(s: &StoredSplit) -> Event {
    Event::from_proto(&ev::EventSplitUpdated {
        split_id: s.id,
        recipients: s.table.describe().to_string(),
        version: s.version,
    })
}

pub(crate) fn controller_proposed(s: &StoredSplit) -> Event {
    Event::from_proto(&ev::EventControllerProposed {
        split_id: s.id,
        controller: opt(&s.controller),
        new_controller: opt(&s.pending_controller),
    })
}

pub(crate) fn controller_accepted(s: &StoredSplit, previous: &Option<Address>) -> Event {
    Event::from_proto(&ev::EventControllerAccepted {
        split_id: s.id,
        previous_controller: opt(previous),
        controller: opt(&s.controller),
    })
}

pub(crate) fn payout(
    split_id: u64,
    payer: &Address,
    amount: u128,
    p: &Payout,
    reason: &str,
) -> Event {
    Event::from_proto(&ev::EventPayout {
        split_id,
        payer: payer.to_string(),
        amount: amount.to_string(),
        protocol_fee: p.protocol_fee.to_string(),
        reason: reason.to_string(),
    })
}

pub(crate) fn share(split_id: u64, recipient: &Address, amount: u128) -> Event {
    Event::from_proto(&ev::EventShare {
        split_id,
        recipient: recipient.to_string(),
        amount: amount.to_string(),
    })
}

pub(crate) fn params_updated(p: &Params) -> Event {
    Event::from_proto(&ev::EventParamsUpdated {
        protocol_fee_bps: p.protocol_fee_bps,
    })
}

#[cfg(test)]
mod tests {
    use prost::Name;

    use super::*;

    /// The type strings clients match are the full names of the proto events.
    #[test]
    fn event_types_are_the_proto_full_names() {
        assert_eq!(types::SPLIT_CREATED, ev::EventSplitCreated::full_name());
        assert_eq!(types::SPLIT_UPDATED, ev::EventSplitUpdated::full_name());
        assert_eq!(
            types::CONTROLLER_PROPOSED,
            ev::EventControllerProposed::full_name()
        );
        assert_eq!(
            types::CONTROLLER_ACCEPTED,
            ev::EventControllerAccepted::full_name()
        );
        assert_eq!(types::PAYOUT, ev::EventPayout::full_name());
        assert_eq!(types::SHARE, ev::EventShare::full_name());
        assert_eq!(types::PARAMS_UPDATED, ev::EventParamsUpdated::full_name());
    }
}
