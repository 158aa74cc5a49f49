//! Constructors for the bank module's typed events (see `weave/bank/v1/event.proto`).

use weave_kernel::{Address, Coins, Event};

/// Coins moved between two accounts.
pub(crate) fn transfer(from: &Address, to: &Address, amount: &Coins) -> Event {
    Event::new("weave.bank.v1.EventTransfer")
        .attr("sender", from)
        .attr("recipient", to)
        .attr("amount", amount)
}

/// Coins created.
pub(crate) fn mint(to: &Address, amount: &Coins) -> Event {
    Event::new("weave.bank.v1.EventMint")
        .attr("recipient", to)
        .attr("amount", amount)
}

/// Coins destroyed.
pub(crate) fn burn(from: &Address, amount: &Coins) -> Event {
    Event::new("weave.bank.v1.EventBurn")
        .attr("sender", from)
        .attr("amount", amount)
}

/// The parameters changed.
pub(crate) fn params_updated(p: &crate::Params) -> Event {
    Event::new("weave.bank.v1.EventParamsUpdated").attr("send_enabled", p.send_enabled)
}
