//! Constructors for the channels module's typed events (see
//! `weave/channels/v1/event.proto`).

use weave_kernel::{Address, Event};

use crate::ChannelRecord;

pub(crate) fn opened(c: &ChannelRecord) -> Event {
    Event::new("weave.channels.v1.EventChannelOpened")
        .attr("channel_id", c.id)
        .attr("payer", c.payer)
        .attr("deposit", c.deposit)
        .attr("collateral", c.collateral)
        .attr("expiry_height", c.expiry_height)
}

pub(crate) fn top_up(id: u64, amount: u128) -> Event {
    Event::new("weave.channels.v1.EventTopUp")
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
    Event::new("weave.channels.v1.EventVoucherPaid")
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
    Event::new("weave.channels.v1.EventClaimPaid")
        .attr("seeder", seeder)
        .attr("split_id", split_id)
        .attr("amount", amount)
        .attr("seeder_share", seeder_share)
}

pub(crate) fn voucher_rejected(index: usize, code: u32, reason: &str) -> Event {
    Event::new("weave.channels.v1.EventVoucherRejected")
        .attr("index", index)
        .attr("code", code)
        .attr("reason", reason)
}

pub(crate) fn overspend(id: u64, amount: u128) -> Event {
    Event::new("weave.channels.v1.EventOverspend")
        .attr("channel_id", id)
        .attr("amount", amount)
}

pub(crate) fn closing(id: u64, settle_height: u64) -> Event {
    Event::new("weave.channels.v1.EventChannelClosing")
        .attr("channel_id", id)
        .attr("settle_height", settle_height)
}

pub(crate) fn settled(id: u64, refunded: u128) -> Event {
    Event::new("weave.channels.v1.EventChannelSettled")
        .attr("channel_id", id)
        .attr("refunded", refunded)
}

pub(crate) fn params_updated(p: &crate::Params) -> Event {
    Event::new("weave.channels.v1.EventParamsUpdated")
        .attr("seeder_share_bps", p.seeder_share_bps)
        .attr("challenge_period_blocks", p.challenge_period_blocks)
}
