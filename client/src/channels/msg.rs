//! The channels module's messages, built from Rust values and checked as the chain's
//! CheckTx checks them without state, so that a mistake is reported before anything
//! is signed.

use anyhow::anyhow;
use cosmos_sdk_proto::Any;
use prost::Message;
use weave_channels::ChannelsMsg;
use weave_kernel::Address;
use weave_proto::weave::channels::v1 as pb;

use crate::builder::to_any;

/// The event that names a new channel.
pub const EVENT_CHANNEL_OPENED: &str = "weave.channels.v1.EventChannelOpened";
/// The event of a close: when the channel settles.
pub const EVENT_CHANNEL_CLOSING: &str = "weave.channels.v1.EventChannelClosing";
/// What a claim's accepted vouchers drew on one lane (`vouchers` counts them).
pub const EVENT_LANE_PAID: &str = "weave.channels.v1.EventLanePaid";
/// One voucher of a claim refused.
pub const EVENT_VOUCHER_REJECTED: &str = "weave.channels.v1.EventVoucherRejected";
/// What a claim paid for one content.
pub const EVENT_CLAIM_PAID: &str = "weave.channels.v1.EventClaimPaid";

/// Wraps a channels message, checking its shape as the chain's CheckTx would without
/// state.
pub fn channels_msg(type_url: &str, msg: &impl Message) -> anyhow::Result<Any> {
    let any = to_any(type_url, msg);
    ChannelsMsg::decode(&any).map_err(|e| anyhow!("{e}"))?;
    Ok(any)
}

/// `/weave.channels.v1.MsgOpenChannel`: `deposit` (and `collateral`, 0 for none) in
/// uweave move from `payer` to escrow; vouchers signed by `voucher_key` (see
/// [`super::voucher::voucher_public_key`]) pay from it; it starts closing at
/// `expiry_height`.
pub fn open_channel(
    payer: &Address,
    deposit: u128,
    voucher_key: &[u8; 32],
    expiry_height: u64,
    collateral: u128,
) -> anyhow::Result<Any> {
    channels_msg(
        weave_channels::MSG_OPEN_CHANNEL,
        &pb::MsgOpenChannel {
            payer: payer.to_string(),
            deposit: deposit.to_string(),
            voucher_key: voucher_key.to_vec(),
            expiry_height,
            collateral: if collateral == 0 {
                String::new()
            } else {
                collateral.to_string()
            },
        },
    )
}

/// `/weave.channels.v1.MsgTopUp`: add `amount` uweave to an open channel's deposit.
pub fn top_up(payer: &Address, channel_id: u64, amount: u128) -> anyhow::Result<Any> {
    channels_msg(
        weave_channels::MSG_TOP_UP,
        &pb::MsgTopUp {
            payer: payer.to_string(),
            channel_id,
            amount: amount.to_string(),
        },
    )
}

/// `/weave.channels.v1.MsgCloseChannel`: start the challenge period.
pub fn close_channel(payer: &Address, channel_id: u64) -> anyhow::Result<Any> {
    channels_msg(
        weave_channels::MSG_CLOSE_CHANNEL,
        &pb::MsgCloseChannel {
            payer: payer.to_string(),
            channel_id,
        },
    )
}

/// `/weave.channels.v1.MsgClaim`: `seeder` claims signed vouchers (at most
/// `weave_channels::HARD_MAX_VOUCHERS`), each carried compact when it can be.
pub fn claim(seeder: &Address, vouchers: Vec<pb::SignedVoucher>) -> anyhow::Result<Any> {
    channels_msg(weave_channels::MSG_CLAIM, &claim_msg(seeder, &vouchers))
}

/// The claim message: the vouchers that name `seeder` and were canonically encoded go
/// without their seeder field, which the chain puts back
/// ([`weave_voucher::compact_in_claim`]).
pub fn claim_msg(seeder: &Address, vouchers: &[pb::SignedVoucher]) -> pb::MsgClaim {
    let seeder = seeder.to_string();
    pb::MsgClaim {
        vouchers: vouchers
            .iter()
            .map(|v| weave_voucher::compact_in_claim(v, &seeder))
            .collect(),
        seeder,
    }
}

#[cfg(test)]
mod tests {
    use weave_channels::Voucher;

    use super::*;
    use crate::{
        channels::voucher::{voucher_key, voucher_public_key},
        keys::{KeyAlgo, SigningKey},
    };

    fn account(seed: u8) -> SigningKey {
        SigningKey::from_secret_bytes(KeyAlgo::Secp256k1, &[seed; 32]).unwrap()
    }

    fn voucher(nonce: u64) -> Voucher {
        Voucher {
            chain_id: "weave-test".into(),
            channel_id: 1,
            seeder: Address::new([3; 20]),
            content_root: [9; 32],
            cumulative_bytes: 1 << 20,
            cumulative_amount: 100 * u128::from(nonce),
            nonce,
        }
    }

    #[test]
    fn messages_pass_the_chain_checks() {
        let payer = account(5);
        let open = channels_msg(
            weave_channels::MSG_OPEN_CHANNEL,
            &pb::MsgOpenChannel {
                payer: payer.address().to_string(),
                deposit: "1000".into(),
                voucher_key: voucher_public_key(&payer).to_vec(),
                expiry_height: 100,
                collateral: String::new(),
            },
        );
        assert!(matches!(
            ChannelsMsg::decode(&open.unwrap()).unwrap(),
            ChannelsMsg::Open { collateral: 0, .. }
        ));
        let claim = channels_msg(
            weave_channels::MSG_CLAIM,
            &pb::MsgClaim {
                seeder: Address::new([3; 20]).to_string(),
                vouchers: vec![voucher(1).sign(&voucher_key(&payer))],
            },
        );
        assert!(claim.is_ok(), "{claim:?}");
        // Refused before anything is signed: a zero deposit, an empty claim.
        assert!(channels_msg(
            weave_channels::MSG_OPEN_CHANNEL,
            &pb::MsgOpenChannel {
                payer: payer.address().to_string(),
                deposit: "0".into(),
                voucher_key: voucher_public_key(&payer).to_vec(),
                expiry_height: 100,
                collateral: String::new(),
            },
        )
        .is_err());
        assert!(channels_msg(
            weave_channels::MSG_CLAIM,
            &pb::MsgClaim {
                seeder: Address::new([3; 20]).to_string(),
                vouchers: Vec::new(),
            },
        )
        .is_err());
    }
}
