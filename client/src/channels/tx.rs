//! The channels module's transaction flows: open a channel, top it up, close it and
//! claim vouchers. Each signs and broadcasts with [`crate::tx::sign_and_submit`] and
//! returns the transaction ([`Submitted`], serializable as a
//! [`crate::tx::TxSummary`]) with what it created, read off its events.
//!
//! A flow returns `Ok` even when the chain refused the transaction: check
//! [`Submitted::outcome`].

use anyhow::anyhow;
use serde::Serialize;
use tonic::transport::Channel;
use weave_proto::weave::channels::v1 as pb;

use super::{msg, voucher::voucher_public_key};
use crate::{
    chain::latest_height,
    keys::SigningKey,
    tx::{sign_and_submit, Submitted, TxPlan},
};

/// When a new channel starts closing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Expiry {
    /// At this height.
    AtHeight(u64),
    /// This many blocks after the current height.
    In(u64),
}

/// An opened channel.
#[derive(Debug, Clone, Serialize)]
pub struct Opened {
    /// The transaction.
    pub tx: Submitted,
    /// The new channel's id, once the transaction is in a block.
    pub channel_id: Option<u64>,
    /// The voucher key it registered (derived from the payer's key), in hex.
    pub voucher_key: String,
    /// The height at which it starts closing.
    pub expiry_height: u64,
}

/// Opens a payment channel paid by `key`: `deposit` and `collateral` (0 for none)
/// uweave move to escrow, and the voucher key derived from `key` is registered, so
/// that vouchers signed with [`super::voucher::sign_voucher`] by the same key pay
/// from it.
pub async fn open(
    channel: &Channel,
    plan: &TxPlan,
    key: &SigningKey,
    deposit: u128,
    expiry: Expiry,
    collateral: u128,
) -> anyhow::Result<Opened> {
    let expiry_height = match expiry {
        Expiry::AtHeight(h) => h,
        Expiry::In(blocks) => {
            let height = latest_height(channel).await?;
            height
                .checked_add(blocks)
                .ok_or_else(|| anyhow!("height {height} + {blocks} overflows"))?
        }
    };
    let voucher_key = voucher_public_key(key);
    let message = msg::open_channel(
        &key.address(),
        deposit,
        &voucher_key,
        expiry_height,
        collateral,
    )?;
    let tx = sign_and_submit(channel, plan, key, vec![message]).await?;
    Ok(Opened {
        channel_id: tx.event_number(msg::EVENT_CHANNEL_OPENED, "channel_id"),
        voucher_key: hex::encode(voucher_key),
        expiry_height,
        tx,
    })
}

/// Adds `amount` uweave to an open channel's deposit (signed by its payer).
pub async fn top_up(
    channel: &Channel,
    plan: &TxPlan,
    key: &SigningKey,
    channel_id: u64,
    amount: u128,
) -> anyhow::Result<Submitted> {
    let message = msg::top_up(&key.address(), channel_id, amount)?;
    sign_and_submit(channel, plan, key, vec![message]).await
}

/// A closed channel.
#[derive(Debug, Clone, Serialize)]
pub struct Closed {
    /// The transaction.
    pub tx: Submitted,
    /// The height at which it settles, once the transaction is in a block.
    pub settle_height: Option<u64>,
}

/// Closes a channel (signed by its payer): starts the challenge period.
pub async fn close(
    channel: &Channel,
    plan: &TxPlan,
    key: &SigningKey,
    channel_id: u64,
) -> anyhow::Result<Closed> {
    let message = msg::close_channel(&key.address(), channel_id)?;
    let tx = sign_and_submit(channel, plan, key, vec![message]).await?;
    Ok(Closed {
        settle_height: tx.event_number(msg::EVENT_CHANNEL_CLOSING, "settle_height"),
        tx,
    })
}

/// The value of attribute `key` among an event's attributes.
pub fn attr<'a>(attrs: &'a [(String, String)], key: &str) -> Option<&'a str> {
    attrs
        .iter()
        .find(|(k, _)| k == key)
        .map(|(_, v)| v.as_str())
}

/// One voucher of a claim refused.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Rejection {
    /// Its position in the claim (from 0).
    pub index: u32,
    /// The error code (the channels codespace, for the channels' own checks).
    pub code: u32,
    /// Why.
    pub reason: String,
}

/// What a claim did, read off its events.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ClaimSummary {
    /// Drawn from the channels in all (seeder share and split), in uweave.
    #[serde(serialize_with = "crate::render::u128_string")]
    pub paid: u128,
    /// The seeder's share of it, in uweave.
    #[serde(serialize_with = "crate::render::u128_string")]
    pub seeder_share: u128,
    /// Vouchers accepted.
    pub accepted: usize,
    /// Vouchers refused.
    pub rejected: Vec<Rejection>,
}

impl ClaimSummary {
    /// Sums the events of a claim: `EventClaimPaid` (amounts), `EventLanePaid`
    /// (accepted vouchers, counted per lane) and `EventVoucherRejected`.
    pub fn from_events(
        claim_paid: &[Vec<(String, String)>],
        lane_paid: &[Vec<(String, String)>],
        rejected: &[Vec<(String, String)>],
    ) -> Self {
        let amount = |attrs: &[(String, String)], key: &str| {
            attr(attrs, key)
                .and_then(|v| v.parse::<u128>().ok())
                .unwrap_or(0)
        };
        Self {
            paid: claim_paid.iter().map(|e| amount(e, "amount")).sum(),
            seeder_share: claim_paid.iter().map(|e| amount(e, "seeder_share")).sum(),
            accepted: lane_paid
                .iter()
                .map(|e| {
                    attr(e, "vouchers")
                        .and_then(|v| v.parse::<usize>().ok())
                        .unwrap_or(0)
                })
                .sum(),
            rejected: rejected
                .iter()
                .map(|e| Rejection {
                    index: attr(e, "index").and_then(|v| v.parse().ok()).unwrap_or(0),
                    code: attr(e, "code").and_then(|v| v.parse().ok()).unwrap_or(0),
                    reason: attr(e, "reason").unwrap_or_default().to_string(),
                })
                .collect(),
        }
    }

    /// The summary of a submitted claim; `None` before it is in a block.
    pub fn of(tx: &Submitted) -> Option<Self> {
        tx.is_included().then(|| {
            Self::from_events(
                &tx.events(msg::EVENT_CLAIM_PAID),
                &tx.events(msg::EVENT_LANE_PAID),
                &tx.events(msg::EVENT_VOUCHER_REJECTED),
            )
        })
    }
}

/// A claim.
#[derive(Debug, Clone, Serialize)]
pub struct Claimed {
    /// The transaction.
    pub tx: Submitted,
    /// What it paid and which vouchers it refused, once it is in a block.
    pub summary: Option<ClaimSummary>,
}

/// Claims `vouchers` (each naming `key`'s address as the seeder) in one `MsgClaim`.
/// Each pays its lane the increase over what the lane already claimed; vouchers that
/// fail pay nothing and are listed in the summary.
pub async fn claim(
    channel: &Channel,
    plan: &TxPlan,
    key: &SigningKey,
    vouchers: Vec<pb::SignedVoucher>,
) -> anyhow::Result<Claimed> {
    let message = msg::claim(&key.address(), vouchers)?;
    let tx = sign_and_submit(channel, plan, key, vec![message]).await?;
    Ok(Claimed {
        summary: ClaimSummary::of(&tx),
        tx,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn claims_are_summed_from_their_events() {
        let s = ClaimSummary::from_events(
            &[
                event(&[("amount", "1000"), ("seeder_share", "700")]),
                event(&[("amount", "10"), ("seeder_share", "7")]),
            ],
            // Two lanes: one voucher on the first, four on the second.
            &[
                event(&[("amount", "600"), ("vouchers", "1")]),
                event(&[("amount", "410"), ("vouchers", "4")]),
            ],
            &[event(&[
                ("index", "2"),
                ("code", "13"),
                ("reason", "voucher signature does not verify"),
            ])],
        );
        assert_eq!((s.paid, s.seeder_share, s.accepted), (1010, 707, 5));
        assert_eq!(
            s.rejected,
            vec![Rejection {
                index: 2,
                code: 13,
                reason: "voucher signature does not verify".into()
            }]
        );
        let doc = serde_json::to_value(&s).unwrap();
        assert_eq!(doc["paid"], "1010");
        assert_eq!(doc["rejected"][0]["index"], 2);
    }
}
