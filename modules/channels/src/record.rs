//! A channel and a lane as the module works with them.

use weave_kernel::{parse_amount, Address};
use weave_proto::weave::channels::v1 as pb;

/// Where a channel is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// Takes top-ups and claims.
    Open,
    /// Takes claims until the settle height.
    Closing,
    /// Done; the remainder went back to the payer.
    Settled,
}

/// A payment channel.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChannelRecord {
    /// The id (from 1).
    pub id: u64,
    /// Who pays, tops up and closes.
    pub payer: Address,
    /// The ed25519 key that signs vouchers.
    pub voucher_key: [u8; 32],
    /// Deposited in total.
    pub deposit: u128,
    /// Paid out of the deposit.
    pub paid: u128,
    /// Collateral held.
    pub collateral: u128,
    /// Collateral paid out to cover overdrawn lanes.
    pub collateral_slashed: u128,
    /// Claimed beyond deposit and collateral: owed but unpaid.
    pub overspend: u128,
    /// When the channel starts closing on its own.
    pub expiry_height: u64,
    /// Open, closing or settled.
    pub status: Status,
    /// When closing: when it settles.
    pub settle_height: u64,
}

impl ChannelRecord {
    /// Deposit not yet paid out.
    pub fn remaining(&self) -> u128 {
        self.deposit.saturating_sub(self.paid)
    }

    /// Collateral not yet slashed.
    pub fn collateral_left(&self) -> u128 {
        self.collateral.saturating_sub(self.collateral_slashed)
    }

    /// The wire form.
    pub fn to_wire(&self) -> pb::Channel {
        pb::Channel {
            id: self.id,
            payer: self.payer.to_string(),
            voucher_key: self.voucher_key.to_vec(),
            deposit: self.deposit.to_string(),
            paid: self.paid.to_string(),
            collateral: self.collateral.to_string(),
            collateral_slashed: self.collateral_slashed.to_string(),
            overspend: self.overspend.to_string(),
            expiry_height: self.expiry_height,
            status: match self.status {
                Status::Open => pb::ChannelStatus::Open,
                Status::Closing => pb::ChannelStatus::Closing,
                Status::Settled => pb::ChannelStatus::Settled,
            } as i32,
            settle_height: self.settle_height,
        }
    }

    /// Rebuilds a stored channel; `None` if it does not parse.
    pub(crate) fn from_stored(c: pb::Channel) -> Option<Self> {
        Some(Self {
            id: c.id,
            payer: c.payer.parse().ok()?,
            voucher_key: c.voucher_key.as_slice().try_into().ok()?,
            deposit: parse_amount(&c.deposit).ok()?,
            paid: parse_amount(&c.paid).ok()?,
            collateral: parse_amount(&c.collateral).ok()?,
            collateral_slashed: parse_amount(&c.collateral_slashed).ok()?,
            overspend: parse_amount(&c.overspend).ok()?,
            expiry_height: c.expiry_height,
            status: match pb::ChannelStatus::try_from(c.status).ok()? {
                pb::ChannelStatus::Open => Status::Open,
                pb::ChannelStatus::Closing => Status::Closing,
                pb::ChannelStatus::Settled => Status::Settled,
                pb::ChannelStatus::Unspecified => return None,
            },
            settle_height: c.settle_height,
        })
    }
}

/// One (seeder, content) lane of a channel.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct LaneRecord {
    /// The highest amount claimed.
    pub claimed_amount: u128,
    /// The bytes of that voucher.
    pub claimed_bytes: u64,
    /// Its nonce.
    pub last_nonce: u64,
}
