//! Domain messages, built from the wire types with their shape checked.

use weave_kernel::{decode_any, parse_amount, Address, Any, KernelError, TxError};
use weave_proto::weave::channels::v1 as pb;

use crate::{
    voucher::{Voucher, VoucherError},
    ChannelsError, Params,
};

/// `/weave.channels.v1.MsgOpenChannel`
pub const MSG_OPEN_CHANNEL: &str = "/weave.channels.v1.MsgOpenChannel";
/// `/weave.channels.v1.MsgTopUp`
pub const MSG_TOP_UP: &str = "/weave.channels.v1.MsgTopUp";
/// `/weave.channels.v1.MsgClaim`
pub const MSG_CLAIM: &str = "/weave.channels.v1.MsgClaim";
/// `/weave.channels.v1.MsgCloseChannel`
pub const MSG_CLOSE_CHANNEL: &str = "/weave.channels.v1.MsgCloseChannel";
/// `/weave.channels.v1.MsgUpdateParams`
pub const MSG_UPDATE_PARAMS: &str = "/weave.channels.v1.MsgUpdateParams";

pub(crate) const MESSAGE_TYPES: &[&str] = &[
    MSG_OPEN_CHANNEL,
    MSG_TOP_UP,
    MSG_CLAIM,
    MSG_CLOSE_CHANNEL,
    MSG_UPDATE_PARAMS,
];

/// The most vouchers any claim may carry, whatever the parameter says; it bounds the
/// shape check before state is read.
pub const HARD_MAX_VOUCHERS: usize = 4096;

/// A voucher a claim carries, decoded once with the claim: the signed bytes as they
/// came, and the voucher they parse to (or why they do not; the claim rejects that one
/// voucher when it runs, as it rejects any other bad voucher).
#[derive(Debug, Clone, PartialEq)]
pub struct ClaimedVoucher {
    /// The voucher bytes and their signature, as signed.
    pub signed: pb::SignedVoucher,
    /// The parsed voucher.
    pub voucher: Result<Voucher, VoucherError>,
}

impl ClaimedVoucher {
    /// Parses a signed voucher of a claim by `seeder` (its text as the claim gave it,
    /// and its address). A compact voucher (no seeder field) stands for the voucher
    /// naming the claim's seeder: its bytes are rebuilt here, so that the signature is
    /// checked, and the voucher cached, as that voucher.
    pub fn in_claim(mut signed: pb::SignedVoucher, seeder: (&str, &Address)) -> Self {
        let (voucher, full) = Voucher::decode_in_claim(&signed.voucher, seeder);
        if let Some(full) = full {
            signed.voucher = full;
        }
        Self { voucher, signed }
    }
}

/// A channels message whose shape is valid.
#[derive(Debug, Clone, PartialEq)]
#[allow(missing_docs)]
pub enum ChannelsMsg {
    Open {
        payer: Address,
        deposit: u128,
        voucher_key: [u8; 32],
        expiry_height: u64,
        collateral: u128,
    },
    TopUp {
        payer: Address,
        channel_id: u64,
        amount: u128,
    },
    Claim {
        seeder: Address,
        vouchers: Vec<ClaimedVoucher>,
    },
    Close {
        payer: Address,
        channel_id: u64,
    },
    UpdateParams {
        authority: Address,
        params: Params,
    },
}

fn address(s: &str, field: &str) -> Result<Address, KernelError> {
    s.parse()
        .map_err(|e| KernelError::InvalidAddress(format!("{field}: {e}")))
}

fn positive(field: &str, s: &str) -> Result<u128, ChannelsError> {
    let v =
        parse_amount(s).map_err(|e| ChannelsError::InvalidAmount(format!("{field} {s:?}: {e}")))?;
    if v == 0 {
        return Err(ChannelsError::InvalidAmount(format!(
            "{field} must be positive"
        )));
    }
    Ok(v)
}

impl ChannelsMsg {
    /// Decodes and checks a message.
    pub fn decode(any: &Any) -> Result<Self, TxError> {
        Ok(match any.type_url.as_str() {
            MSG_OPEN_CHANNEL => {
                let m: pb::MsgOpenChannel = decode_any(any)?;
                let key: [u8; 32] = m.voucher_key.as_slice().try_into().map_err(|_| {
                    ChannelsError::InvalidVoucherKey(format!(
                        "must be 32 bytes, got {}",
                        m.voucher_key.len()
                    ))
                })?;
                ed25519_consensus::VerificationKey::try_from(key).map_err(|e| {
                    ChannelsError::InvalidVoucherKey(format!("not an ed25519 point: {e}"))
                })?;
                let collateral = match m.collateral.as_str() {
                    "" => 0,
                    s => parse_amount(s).map_err(|e| {
                        ChannelsError::InvalidAmount(format!("collateral {s:?}: {e}"))
                    })?,
                };
                Self::Open {
                    payer: address(&m.payer, "payer")?,
                    deposit: positive("deposit", &m.deposit)?,
                    voucher_key: key,
                    expiry_height: m.expiry_height,
                    collateral,
                }
            }
            MSG_TOP_UP => {
                let m: pb::MsgTopUp = decode_any(any)?;
                Self::TopUp {
                    payer: address(&m.payer, "payer")?,
                    channel_id: m.channel_id,
                    amount: positive("amount", &m.amount)?,
                }
            }
            MSG_CLAIM => {
                let m: pb::MsgClaim = decode_any(any)?;
                if m.vouchers.is_empty() || m.vouchers.len() > HARD_MAX_VOUCHERS {
                    return Err(ChannelsError::VoucherCount {
                        got: m.vouchers.len(),
                        max: HARD_MAX_VOUCHERS as u32,
                    }
                    .into());
                }
                let seeder = address(&m.seeder, "seeder")?;
                let text = m.seeder.as_str();
                Self::Claim {
                    seeder,
                    vouchers: m
                        .vouchers
                        .into_iter()
                        .map(|v| ClaimedVoucher::in_claim(v, (text, &seeder)))
                        .collect(),
                }
            }
            MSG_CLOSE_CHANNEL => {
                let m: pb::MsgCloseChannel = decode_any(any)?;
                Self::Close {
                    payer: address(&m.payer, "payer")?,
                    channel_id: m.channel_id,
                }
            }
            MSG_UPDATE_PARAMS => {
                let m: pb::MsgUpdateParams = decode_any(any)?;
                let params: Params = m
                    .params
                    .ok_or_else(|| KernelError::InvalidRequest("params missing".into()))?
                    .into();
                params.validate()?;
                Self::UpdateParams {
                    authority: address(&m.authority, "authority")?,
                    params,
                }
            }
            other => return Err(KernelError::UnknownMessage(other.to_string()).into()),
        })
    }

    /// The addresses that must sign.
    pub fn signers(&self) -> Vec<Address> {
        vec![match self {
            Self::Open { payer, .. } | Self::TopUp { payer, .. } | Self::Close { payer, .. } => {
                *payer
            }
            Self::Claim { seeder, .. } => *seeder,
            Self::UpdateParams { authority, .. } => *authority,
        }]
    }
}

impl weave_kernel::ModuleMsg for ChannelsMsg {
    fn decode(any: &Any) -> Result<Self, TxError> {
        ChannelsMsg::decode(any)
    }

    fn signers(&self) -> Vec<Address> {
        ChannelsMsg::signers(self)
    }
}
