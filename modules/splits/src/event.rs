//! Constructors for the splits module's typed events (see `weave/splits/v1/event.proto`).

use weave_kernel::{Address, Event};

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
    Event::new(types::SPLIT_CREATED)
        .attr("split_id", s.id)
        .attr("creator", s.creator)
        .attr("controller", opt(&s.controller))
        .attr("recipients", s.table.describe())
}

pub(crate) fn updated(s: &StoredSplit) -> Event {
    Event::new(types::SPLIT_UPDATED)
        .attr("split_id", s.id)
        .attr("recipients", s.table.describe())
        .attr("version", s.version)
}

pub(crate) fn controller_proposed(s: &StoredSplit) -> Event {
    Event::new(types::CONTROLLER_PROPOSED)
        .attr("split_id", s.id)
        .attr("controller", opt(&s.controller))
        .attr("new_controller", opt(&s.pending_controller))
}

pub(crate) fn controller_accepted(s: &StoredSplit, previous: &Option<Address>) -> Event {
    Event::new(types::CONTROLLER_ACCEPTED)
        .attr("split_id", s.id)
        .attr("previous_controller", opt(previous))
        .attr("controller", opt(&s.controller))
}

pub(crate) fn payout(
    split_id: u64,
    payer: &Address,
    amount: u128,
    p: &Payout,
    reason: &str,
) -> Event {
    Event::new(types::PAYOUT)
        .attr("split_id", split_id)
        .attr("payer", payer)
        .attr("amount", amount)
        .attr("protocol_fee", p.protocol_fee)
        .attr("reason", reason)
}

pub(crate) fn share(split_id: u64, recipient: &Address, amount: u128) -> Event {
    Event::new(types::SHARE)
        .attr("split_id", split_id)
        .attr("recipient", recipient)
        .attr("amount", amount)
}

pub(crate) fn params_updated(p: &Params) -> Event {
    Event::new(types::PARAMS_UPDATED).attr("protocol_fee_bps", p.protocol_fee_bps)
}
