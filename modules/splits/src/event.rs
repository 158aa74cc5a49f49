//! Constructors for the splits module's typed events (see `weave/splits/v1/event.proto`).

use weave_kernel::{Address, Event};

use crate::{Params, Payout, StoredSplit};

fn opt(a: &Option<Address>) -> String {
    a.map(|a| a.to_string()).unwrap_or_default()
}

pub(crate) fn created(s: &StoredSplit) -> Event {
    Event::new("weave.splits.v1.EventSplitCreated")
        .attr("split_id", s.id)
        .attr("creator", s.creator)
        .attr("controller", opt(&s.controller))
        .attr("recipients", s.table.describe())
}

pub(crate) fn updated(s: &StoredSplit) -> Event {
    Event::new("weave.splits.v1.EventSplitUpdated")
        .attr("split_id", s.id)
        .attr("recipients", s.table.describe())
        .attr("version", s.version)
}

pub(crate) fn controller_proposed(s: &StoredSplit) -> Event {
    Event::new("weave.splits.v1.EventControllerProposed")
        .attr("split_id", s.id)
        .attr("controller", opt(&s.controller))
        .attr("new_controller", opt(&s.pending_controller))
}

pub(crate) fn controller_accepted(s: &StoredSplit, previous: &Option<Address>) -> Event {
    Event::new("weave.splits.v1.EventControllerAccepted")
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
    Event::new("weave.splits.v1.EventPayout")
        .attr("split_id", split_id)
        .attr("payer", payer)
        .attr("amount", amount)
        .attr("protocol_fee", p.protocol_fee)
        .attr("reason", reason)
}

pub(crate) fn share(split_id: u64, recipient: &Address, amount: u128) -> Event {
    Event::new("weave.splits.v1.EventShare")
        .attr("split_id", split_id)
        .attr("recipient", recipient)
        .attr("amount", amount)
}

pub(crate) fn params_updated(p: &Params) -> Event {
    Event::new("weave.splits.v1.EventParamsUpdated").attr("protocol_fee_bps", p.protocol_fee_bps)
}
