//! Typed queries of the channels module (`weave.channels.v1.Query`): parameters,
//! channels, lanes and seeder earnings. Nothing prints; the views serialize as
//! `--output json` prints them.

use anyhow::anyhow;
use serde::Serialize;
use tonic::transport::Channel;
use weave_kernel::Address;
use weave_proto::weave::{
    base::v1::PageRequest,
    channels::v1::{self as pb, query_client::QueryClient},
};

use crate::{chain::status_error, page::Page};

/// A gRPC client of the channels queries.
fn client(channel: &Channel) -> QueryClient<Channel> {
    QueryClient::new(channel.clone())
}

/// The channels module's parameters.
pub async fn params(channel: &Channel) -> anyhow::Result<pb::Params> {
    client(channel)
        .params(pb::QueryParamsRequest {})
        .await
        .map_err(status_error)?
        .into_inner()
        .params
        .ok_or_else(|| anyhow!("the node returned no parameters"))
}

/// The name of a channel status: `open`, `closing`, `settled` or `unspecified`.
pub fn status_name(status: i32) -> &'static str {
    match pb::ChannelStatus::try_from(status) {
        Ok(pb::ChannelStatus::Open) => "open",
        Ok(pb::ChannelStatus::Closing) => "closing",
        Ok(pb::ChannelStatus::Settled) => "settled",
        _ => "unspecified",
    }
}

/// A payment channel as a page shows it: amounts in uweave as strings, the voucher
/// key in hex, the status by name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ChannelView {
    /// The channel's id.
    pub id: u64,
    /// Who pays.
    pub payer: String,
    /// The ed25519 key its vouchers are signed with, in hex.
    pub voucher_key: String,
    /// `open`, `closing`, `settled` or `unspecified`.
    pub status: &'static str,
    /// The deposit.
    pub deposit: String,
    /// What vouchers drew from it.
    pub paid: String,
    /// What is left of the deposit.
    pub remaining: String,
    /// The collateral held beside the deposit.
    pub collateral: String,
    /// What of the collateral was slashed.
    pub collateral_slashed: String,
    /// What vouchers promised beyond the deposit and collateral.
    pub overspend: String,
    /// The height at which it starts closing.
    pub expiry_height: u64,
    /// The height at which it settles (0 while open).
    pub settle_height: u64,
}

impl ChannelView {
    /// The view of `c`, whose unspent deposit is `remaining`.
    pub fn new(c: &pb::Channel, remaining: &str) -> Self {
        Self {
            id: c.id,
            payer: c.payer.clone(),
            voucher_key: hex::encode(&c.voucher_key),
            status: status_name(c.status),
            deposit: c.deposit.clone(),
            paid: c.paid.clone(),
            remaining: remaining.to_string(),
            collateral: c.collateral.clone(),
            collateral_slashed: c.collateral_slashed.clone(),
            overspend: c.overspend.clone(),
            expiry_height: c.expiry_height,
            settle_height: c.settle_height,
        }
    }
}

/// One channel and what remains of its deposit.
pub async fn channel(channel: &Channel, channel_id: u64) -> anyhow::Result<ChannelView> {
    let r = client(channel)
        .channel(pb::QueryChannelRequest { channel_id })
        .await
        .map_err(status_error)?
        .into_inner();
    let c = r
        .channel
        .ok_or_else(|| anyhow!("the node returned no channel {channel_id}"))?;
    Ok(ChannelView::new(&c, &r.remaining))
}

/// A lane (one seeder and one content of a channel) as a page shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LaneView {
    /// The channel.
    pub channel_id: u64,
    /// The seeder paid.
    pub seeder: String,
    /// The content's Merkle root, in hex.
    pub content_root: String,
    /// What the seeder claimed so far, in uweave.
    pub claimed_amount: String,
    /// The bytes those claims prove.
    pub claimed_bytes: u64,
    /// The nonce of the last voucher claimed.
    pub last_nonce: u64,
}

impl From<&pb::Lane> for LaneView {
    fn from(l: &pb::Lane) -> Self {
        Self {
            channel_id: l.channel_id,
            seeder: l.seeder.clone(),
            content_root: hex::encode(&l.content_root),
            claimed_amount: l.claimed_amount.clone(),
            claimed_bytes: l.claimed_bytes,
            last_nonce: l.last_nonce,
        }
    }
}

/// One page of a channel's lanes.
pub async fn lanes(
    channel: &Channel,
    channel_id: u64,
    page: PageRequest,
) -> anyhow::Result<Page<pb::Lane>> {
    let r = client(channel)
        .lanes(pb::QueryLanesRequest {
            channel_id,
            page: Some(page),
        })
        .await
        .map_err(status_error)?
        .into_inner();
    Ok(Page::new(r.lanes, r.page))
}

/// One lane: what `seeder` claimed from a channel for the content with
/// `content_root`.
pub async fn lane(
    channel: &Channel,
    channel_id: u64,
    seeder: &Address,
    content_root: &[u8; 32],
) -> anyhow::Result<pb::Lane> {
    client(channel)
        .lane(pb::QueryLaneRequest {
            channel_id,
            seeder: seeder.to_string(),
            content_root: content_root.to_vec(),
        })
        .await
        .map_err(status_error)?
        .into_inner()
        .lane
        .ok_or_else(|| anyhow!("the node returned no lane"))
}

/// What a seeder earned through vouchers, and the bytes they prove it served.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EarningsView {
    /// The seeder.
    pub seeder: String,
    /// What it earned, in uweave.
    pub earned: String,
    /// The bytes its claimed vouchers prove.
    pub verified_bytes: u64,
}

/// What `seeder` earned through vouchers.
pub async fn earnings(channel: &Channel, seeder: &Address) -> anyhow::Result<EarningsView> {
    let e = client(channel)
        .seeder_earnings(pb::QuerySeederEarningsRequest {
            seeder: seeder.to_string(),
        })
        .await
        .map_err(status_error)?
        .into_inner()
        .earnings
        .ok_or_else(|| anyhow!("the node returned no earnings"))?;
    Ok(EarningsView {
        seeder: e.seeder,
        earned: e.earned,
        verified_bytes: e.verified_bytes,
    })
}
