//! Domain messages, built from the wire types with their shape checked.

use cosmos_sdk_proto::cosmos::bank::v1beta1 as cosmos;
use weave_kernel::{decode_any, Address, Any, Coins, KernelError, TxError};
use weave_proto::weave::{bank::v1 as pb, base::v1 as base};

use crate::{BankError, Params};

/// `/weave.bank.v1.MsgSend`
pub const MSG_SEND: &str = "/weave.bank.v1.MsgSend";
/// `/cosmos.bank.v1beta1.MsgSend`, accepted for stock Cosmos wallets.
pub const MSG_SEND_COSMOS: &str = "/cosmos.bank.v1beta1.MsgSend";
/// `/weave.bank.v1.MsgMultiSend`
pub const MSG_MULTI_SEND: &str = "/weave.bank.v1.MsgMultiSend";
/// `/weave.bank.v1.MsgUpdateParams`
pub const MSG_UPDATE_PARAMS: &str = "/weave.bank.v1.MsgUpdateParams";

pub(crate) const MESSAGE_TYPES: &[&str] =
    &[MSG_SEND, MSG_SEND_COSMOS, MSG_MULTI_SEND, MSG_UPDATE_PARAMS];

/// Most denominations one coin list may carry.
const MAX_DENOMS: usize = 16;
/// Most outputs of one multi-send.
const MAX_OUTPUTS: usize = 256;

/// A bank message whose shape is valid.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BankMsg {
    /// Send coins.
    Send {
        /// Sender and signer.
        from: Address,
        /// Recipient.
        to: Address,
        /// What to send.
        amount: Coins,
    },
    /// One input to many outputs.
    MultiSend {
        /// The single input (signer) and what it pays.
        input: (Address, Coins),
        /// Recipients.
        outputs: Vec<(Address, Coins)>,
    },
    /// New parameters, signed by the gov authority.
    UpdateParams {
        /// The signer.
        authority: Address,
        /// The new parameters.
        params: Params,
    },
}

fn address(s: &str, field: &str) -> Result<Address, KernelError> {
    s.parse()
        .map_err(|e| KernelError::InvalidAddress(format!("{field}: {e}")))
}

fn coins<'a>(
    list: impl ExactSizeIterator<Item = (&'a str, &'a str)>,
    require_positive: bool,
) -> Result<Coins, TxError> {
    if list.len() > MAX_DENOMS {
        return Err(BankError::TooManyEntries {
            got: list.len(),
            max: MAX_DENOMS,
        }
        .into());
    }
    let c = Coins::parse(list).map_err(KernelError::from)?;
    if require_positive && c.is_empty() {
        return Err(KernelError::InvalidCoins("no coins given".into()).into());
    }
    Ok(c)
}

fn weave_coins(list: &[base::Coin]) -> Result<Coins, TxError> {
    coins(
        list.iter().map(|c| (c.denom.as_str(), c.amount.as_str())),
        true,
    )
}

impl BankMsg {
    /// Decodes and checks a message.
    pub fn decode(any: &Any) -> Result<Self, TxError> {
        match any.type_url.as_str() {
            MSG_SEND => {
                let m: pb::MsgSend = decode_any(any)?;
                Ok(Self::Send {
                    from: address(&m.from_address, "from_address")?,
                    to: address(&m.to_address, "to_address")?,
                    amount: weave_coins(&m.amount)?,
                })
            }
            MSG_SEND_COSMOS => {
                let m: cosmos::MsgSend = decode_any(any)?;
                Ok(Self::Send {
                    from: address(&m.from_address, "from_address")?,
                    to: address(&m.to_address, "to_address")?,
                    amount: coins(
                        m.amount
                            .iter()
                            .map(|c| (c.denom.as_str(), c.amount.as_str())),
                        true,
                    )?,
                })
            }
            MSG_MULTI_SEND => {
                let m: pb::MsgMultiSend = decode_any(any)?;
                if m.inputs.len() != 1 {
                    return Err(BankError::WrongInputCount(m.inputs.len()).into());
                }
                if m.outputs.is_empty() {
                    return Err(BankError::NoOutputs.into());
                }
                if m.outputs.len() > MAX_OUTPUTS {
                    return Err(BankError::TooManyEntries {
                        got: m.outputs.len(),
                        max: MAX_OUTPUTS,
                    }
                    .into());
                }
                let inp = &m.inputs[0];
                let input = (
                    address(&inp.address, "inputs.address")?,
                    weave_coins(&inp.coins)?,
                );
                let outputs = m
                    .outputs
                    .iter()
                    .map(|o| {
                        Ok((
                            address(&o.address, "outputs.address")?,
                            weave_coins(&o.coins)?,
                        ))
                    })
                    .collect::<Result<Vec<_>, TxError>>()?;
                let total_out =
                    Coins::sum(outputs.iter().map(|(_, c)| c)).map_err(KernelError::from)?;
                if total_out != input.1 {
                    return Err(BankError::InputOutputMismatch {
                        inputs: input.1.to_string(),
                        outputs: total_out.to_string(),
                    }
                    .into());
                }
                Ok(Self::MultiSend { input, outputs })
            }
            MSG_UPDATE_PARAMS => {
                let m: pb::MsgUpdateParams = decode_any(any)?;
                let params: Params = m
                    .params
                    .ok_or_else(|| BankError::InvalidParams("params missing".into()))?
                    .into();
                params.validate()?;
                Ok(Self::UpdateParams {
                    authority: address(&m.authority, "authority")?,
                    params,
                })
            }
            other => Err(KernelError::UnknownMessage(other.to_string()).into()),
        }
    }

    /// The addresses that must sign.
    pub fn signers(&self) -> Vec<Address> {
        match self {
            Self::Send { from, .. } => vec![*from],
            Self::MultiSend { input, .. } => vec![input.0],
            Self::UpdateParams { authority, .. } => vec![*authority],
        }
    }
}

impl weave_kernel::ModuleMsg for BankMsg {
    fn decode(any: &Any) -> Result<Self, TxError> {
        BankMsg::decode(any)
    }

    fn signers(&self) -> Vec<Address> {
        BankMsg::signers(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use prost::Message;

    fn any(type_url: &str, m: &impl Message) -> Any {
        Any {
            type_url: type_url.into(),
            value: m.encode_to_vec(),
        }
    }

    fn coin(d: &str, a: &str) -> base::Coin {
        base::Coin {
            denom: d.into(),
            amount: a.into(),
        }
    }

    #[test]
    fn send_shape_errors_have_codes() {
        let a = Address::new([1; 20]).to_string();
        let bad_to = pb::MsgSend {
            from_address: a.clone(),
            to_address: "weave1xyz".into(),
            amount: vec![coin("uweave", "1")],
        };
        let e = BankMsg::decode(&any(MSG_SEND, &bad_to)).unwrap_err();
        assert_eq!((e.codespace, e.code), ("sdk", 7));

        let overflow = pb::MsgSend {
            from_address: a.clone(),
            to_address: a.clone(),
            amount: vec![coin("uweave", "340282366920938463463374607431768211456")],
        };
        let e = BankMsg::decode(&any(MSG_SEND, &overflow)).unwrap_err();
        assert_eq!((e.codespace, e.code), ("sdk", 10));

        let empty = pb::MsgSend {
            from_address: a.clone(),
            to_address: a,
            amount: vec![],
        };
        assert_eq!(
            BankMsg::decode(&any(MSG_SEND, &empty)).unwrap_err().code,
            10
        );

        let garbage = Any {
            type_url: MSG_SEND.into(),
            value: vec![0xff, 0xff, 0xff],
        };
        assert_eq!(BankMsg::decode(&garbage).unwrap_err().code, 2);
    }

    #[test]
    fn cosmos_send_is_accepted() {
        let a = Address::new([1; 20]);
        let m = cosmos::MsgSend {
            from_address: a.to_string(),
            to_address: a.to_string(),
            amount: vec![cosmos_sdk_proto::cosmos::base::v1beta1::Coin {
                denom: "uweave".into(),
                amount: "5".into(),
            }],
        };
        let msg = BankMsg::decode(&any(MSG_SEND_COSMOS, &m)).unwrap();
        assert_eq!(msg.signers(), vec![a]);
    }

    #[test]
    fn multisend_must_balance() {
        let a = Address::new([1; 20]).to_string();
        let m = pb::MsgMultiSend {
            inputs: vec![pb::Input {
                address: a.clone(),
                coins: vec![coin("uweave", "10")],
            }],
            outputs: vec![pb::Output {
                address: a,
                coins: vec![coin("uweave", "9")],
            }],
        };
        let e = BankMsg::decode(&any(MSG_MULTI_SEND, &m)).unwrap_err();
        assert_eq!((e.codespace, e.code), ("bank", 3));
    }
}
