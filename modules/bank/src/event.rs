//! Constructors for the bank module's typed events (see `weave/bank/v1/event.proto`).

use weave_kernel::{Address, Coins, Event};

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
    Event::new(types::TRANSFER)
        .attr("sender", from)
        .attr("recipient", to)
        .attr("amount", amount)
}

/// Coins created.
pub(crate) fn mint(to: &Address, amount: &Coins) -> Event {
    Event::new(types::MINT)
        .attr("recipient", to)
        .attr("amount", amount)
}

/// Coins destroyed.
pub(crate) fn burn(from: &Address, amount: &Coins) -> Event {
    Event::new(types::BURN)
        .attr("sender", from)
        .attr("amount", amount)
}

/// The parameters changed.
pub(crate) fn params_updated(p: &crate::Params) -> Event {
    Event::new(types::PARAMS_UPDATED).attr("send_enabled", p.send_enabled)
}
