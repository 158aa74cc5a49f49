//! Constructors for the channels module's typed events (see
//! `weave/channels/v1/event.proto`).

use weave_kernel::{Address, Event};

use crate::ChannelRecord;

/// The type strings of the module's events: the full names of the messages of
/// `weave/channels/v1/event.proto`. Clients match events by these.
pub mod types {
    /// `EventChannelOpened`.
    pub const CHANNEL_OPENED: &str = "weave.channels.v1.EventChannelOpened";
    /// `EventTopUp`.
    pub const TOP_UP: &str = "weave.channels.v1.EventTopUp";
    /// `EventVoucherPaid`.
    pub const VOUCHER_PAID: &str = "weave.channels.v1.EventVoucherPaid";
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
    Event::new(types::CHANNEL_OPENED)
        .attr("channel_id", c.id)
        .attr("payer", c.payer)
        .attr("deposit", c.deposit)
        .attr("collateral", c.collateral)
        .attr("expiry_height", c.expiry_height)
}

pub(crate) fn top_up(id: u64, amount: u128) -> Event {
    Event::new(types::TOP_UP)
        .attr("channel_id", id)
        .attr("amount", amount)
}

pub(crate) struct PaidVoucher<'a> {
    pub(crate) channel_id: u64,
    pub(crate) seeder: &'a Address,
    pub(crate) root: &'a [u8; 32],
    pub(crate) amount: u128,
    pub(crate) bytes: u64,
    pub(crate) from_collateral: u128,
}

pub(crate) fn voucher_paid(p: &PaidVoucher<'_>) -> Event {
    Event::new(types::VOUCHER_PAID)
        .attr("channel_id", p.channel_id)
        .attr("seeder", p.seeder)
        .attr("content_root", hex::encode(p.root))
        .attr("amount", p.amount)
        .attr("bytes", p.bytes)
        .attr("from_collateral", p.from_collateral)
}

pub(crate) fn claim_paid(
    seeder: &Address,
    split_id: u64,
    amount: u128,
    seeder_share: u128,
) -> Event {
    Event::new(types::CLAIM_PAID)
        .attr("seeder", seeder)
        .attr("split_id", split_id)
        .attr("amount", amount)
        .attr("seeder_share", seeder_share)
}

pub(crate) fn voucher_rejected(index: usize, code: u32, reason: &str) -> Event {
    Event::new(types::VOUCHER_REJECTED)
        .attr("index", index)
        .attr("code", code)
        .attr("reason", reason)
}

pub(crate) fn overspend(id: u64, amount: u128) -> Event {
    Event::new(types::OVERSPEND)
        .attr("channel_id", id)
        .attr("amount", amount)
}

pub(crate) fn closing(id: u64, settle_height: u64) -> Event {
    Event::new(types::CHANNEL_CLOSING)
        .attr("channel_id", id)
        .attr("settle_height", settle_height)
}

pub(crate) fn settled(id: u64, refunded: u128) -> Event {
    Event::new(types::CHANNEL_SETTLED)
        .attr("channel_id", id)
        .attr("refunded", refunded)
}

pub(crate) fn params_updated(p: &crate::Params) -> Event {
    Event::new(types::PARAMS_UPDATED)
        .attr("seeder_share_bps", p.seeder_share_bps)
        .attr("challenge_period_blocks", p.challenge_period_blocks)
}
