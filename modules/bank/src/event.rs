//! Constructors for the bank module's typed events (see `weave/bank/v1/event.proto`).

use weave_kernel::{Address, Coins, Event};
use weave_proto::weave::bank::v1 as ev;

/// The type strings of the module's events: the full names of the messages of
/// `weave/bank/v1/event.proto`. Clients match events by these.
pub mod types {
    /// `EventTransfer`.
    pub const TRANSFER: &str = "weave.bank.v1.EventTransfer";
    /// `EventMint`.
    pub const MINT: &str = "weave.bank.v1.EventMint";
    /// `EventBurn`.
    pub const BURN: &str = "weave.bank.v1.EventBurn";
    /// `EventParamsUpdated`.
    pub const PARAMS_UPDATED: &str = "weave.bank.v1.EventParamsUpdated";
}

/// Coins moved between two accounts.
pub(crate) fn transfer(from: &Address, to: &Address, amount: &Coins) -> Event {
    Event::from_proto(&ev::EventTransfer {
        sender: from.to_string(),
        recipient: to.to_string(),
        amount: amount.to_string(),
    })
}

/// Coins created.
pub(crate) fn mint(to: &Address, amount: &Coins) -> Event {
    Event::from_proto(&ev::EventMint {
        recipient: to.to_string(),
        amount: amount.to_string(),
    })
}

/// Coins destroyed.
pub(crate) fn burn(from: &Address, amount: &Coins) -> Event {
    Event::from_proto(&ev::EventBurn {
        sender: from.to_string(),
        amount: amount.to_string(),
    })
}

/// The parameters changed.
pub(crate) fn params_updated(p: &crate::Params) -> Event {
    Event::from_proto(&ev::EventParamsUpdated {
        send_enabled: p.send_enabled,
    })
}

#[cfg(test)]
mod tests {
    use prost::Name;

    use super::*;

    /// The type strings clients match are the full names of the proto events.
    #[test]
    fn event_types_are_the_proto_full_names() {
        assert_eq!(types::TRANSFER, ev::EventTransfer::full_name());
        assert_eq!(types::MINT, ev::EventMint::full_name());
        assert_eq!(types::BURN, ev::EventBurn::full_name());
        assert_eq!(types::PARAMS_UPDATED, ev::EventParamsUpdated::full_name());
    }
}
