//! The bank module's messages, built from Rust values: ready to sign with
//! [`crate::tx::sign_and_submit`] or [`crate::builder::build_signed_tx`].

use anyhow::{anyhow, ensure};
use cosmos_sdk_proto::Any;
use weave_kernel::{Address, Coin, Coins};
use weave_proto::weave::{
    bank::v1::{Input, MsgMultiSend, MsgSend, Output},
    base::v1::Coin as WeaveCoin,
};

use crate::builder::to_any;

/// A `/weave.bank.v1.MsgSend` from `from` to `to`.
pub fn msg_send(from: &Address, to: &Address, amount: &Coins) -> Any {
    to_any(
        weave_bank::MSG_SEND,
        &MsgSend {
            from_address: from.to_string(),
            to_address: to.to_string(),
            amount: weave_coins(amount),
        },
    )
}

/// A `/weave.bank.v1.MsgMultiSend` paying `each` to every recipient from one input.
pub fn msg_multi_send(from: &Address, recipients: &[Address], each: &Coins) -> anyhow::Result<Any> {
    ensure!(!recipients.is_empty(), "no recipients given");
    let count = u128::try_from(recipients.len())?;
    let total = each
        .iter()
        .map(|c| {
            c.amount
                .checked_mul(count)
                .map(|amount| Coin {
                    denom: c.denom.clone(),
                    amount,
                })
                .ok_or_else(|| anyhow!("{c} times {count} overflows"))
        })
        .collect::<anyhow::Result<Vec<_>>>()?;
    let total = Coins::new(total)?;
    Ok(to_any(
        weave_bank::MSG_MULTI_SEND,
        &MsgMultiSend {
            inputs: vec![Input {
                address: from.to_string(),
                coins: weave_coins(&total),
            }],
            outputs: recipients
                .iter()
                .map(|to| Output {
                    address: to.to_string(),
                    coins: weave_coins(each),
                })
                .collect(),
        },
    ))
}

/// Coins as the wire type of Weave's messages.
pub fn weave_coins(coins: &Coins) -> Vec<WeaveCoin> {
    coins
        .iter()
        .map(|c| WeaveCoin {
            denom: c.denom.clone(),
            amount: c.amount.to_string(),
        })
        .collect()
}
