//! Domain messages, built from the wire types with their shape checked.

use weave_kernel::{decode_any, parse_amount, Address, Any, KernelError, TxError};
use weave_proto::weave::validators::v1 as pb;

use crate::{record::Description, Params, ValidatorsError};

/// `/weave.validators.v1.MsgCreateValidator`
pub const MSG_CREATE_VALIDATOR: &str = "/weave.validators.v1.MsgCreateValidator";
/// `/weave.validators.v1.MsgEditValidator`
pub const MSG_EDIT_VALIDATOR: &str = "/weave.validators.v1.MsgEditValidator";
/// `/weave.validators.v1.MsgDelegate`
pub const MSG_DELEGATE: &str = "/weave.validators.v1.MsgDelegate";
/// `/weave.validators.v1.MsgUndelegate`
pub const MSG_UNDELEGATE: &str = "/weave.validators.v1.MsgUndelegate";
/// `/weave.validators.v1.MsgRedelegate`
pub const MSG_REDELEGATE: &str = "/weave.validators.v1.MsgRedelegate";
/// `/weave.validators.v1.MsgUnjail`
pub const MSG_UNJAIL: &str = "/weave.validators.v1.MsgUnjail";
/// `/weave.validators.v1.MsgWithdrawRewards`
pub const MSG_WITHDRAW_REWARDS: &str = "/weave.validators.v1.MsgWithdrawRewards";
/// `/weave.validators.v1.MsgUpdateParams`
pub const MSG_UPDATE_PARAMS: &str = "/weave.validators.v1.MsgUpdateParams";

pub(crate) const MESSAGE_TYPES: &[&str] = &[
    MSG_CREATE_VALIDATOR,
    MSG_EDIT_VALIDATOR,
    MSG_DELEGATE,
    MSG_UNDELEGATE,
    MSG_REDELEGATE,
    MSG_UNJAIL,
    MSG_WITHDRAW_REWARDS,
    MSG_UPDATE_PARAMS,
];

/// Longest moniker, in characters.
pub const MAX_MONIKER: usize = 70;
/// Longest identity, in characters.
pub const MAX_IDENTITY: usize = 64;
/// Longest website, in characters.
pub const MAX_WEBSITE: usize = 140;
/// Longest details, in characters.
pub const MAX_DETAILS: usize = 280;

/// Commission rates as a new validator asks for them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CommissionRates {
    /// The rate.
    pub rate_bps: u32,
    /// The highest rate ever allowed.
    pub max_rate_bps: u32,
    /// The largest change in one edit.
    pub max_change_rate_bps: u32,
}

/// A validators message whose shape is valid.
#[derive(Debug, Clone, PartialEq)]
#[allow(missing_docs)]
pub enum ValidatorsMsg {
    CreateValidator {
        operator: Address,
        consensus_pubkey: [u8; 32],
        self_bond: u128,
        commission: CommissionRates,
        description: Description,
        min_self_delegation: u128,
    },
    EditValidator {
        operator: Address,
        description: Option<Description>,
        commission_rate_bps: Option<u32>,
        min_self_delegation: Option<u128>,
    },
    Delegate {
        delegator: Address,
        validator: Address,
        amount: u128,
    },
    Undelegate {
        delegator: Address,
        validator: Address,
        amount: u128,
    },
    Redelegate {
        delegator: Address,
        src: Address,
        dst: Address,
        amount: u128,
    },
    Unjail {
        operator: Address,
    },
    WithdrawRewards {
        delegator: Address,
        validator: Address,
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

fn positive(field: &str, s: &str) -> Result<u128, ValidatorsError> {
    let v = parse_amount(s)
        .map_err(|e| ValidatorsError::InvalidAmount(format!("{field} {s:?}: {e}")))?;
    if v == 0 {
        return Err(ValidatorsError::InvalidAmount(format!(
            "{field} must be positive"
        )));
    }
    Ok(v)
}

/// Checks and converts a consensus key: 32 bytes that are an ed25519 point.
pub fn consensus_key(bytes: &[u8]) -> Result<[u8; 32], ValidatorsError> {
    let key: [u8; 32] = bytes.try_into().map_err(|_| {
        ValidatorsError::InvalidConsensusKey(format!("must be 32 bytes, got {}", bytes.len()))
    })?;
    ed25519_consensus::VerificationKey::try_from(key)
        .map_err(|e| ValidatorsError::InvalidConsensusKey(format!("not an ed25519 key: {e}")))?;
    Ok(key)
}

fn description(d: pb::Description) -> Result<Description, ValidatorsError> {
    let check = |field: &str, s: &str, max: usize| {
        let n = s.chars().count();
        if n > max {
            return Err(ValidatorsError::InvalidDescription(format!(
                "{field} has {n} characters, limit {max}"
            )));
        }
        if s.chars().any(char::is_control) {
            return Err(ValidatorsError::InvalidDescription(format!(
                "{field} contains control characters"
            )));
        }
        Ok(())
    };
    if d.moniker.trim().is_empty() {
        return Err(ValidatorsError::InvalidDescription(
            "moniker must not be empty".into(),
        ));
    }
    check("moniker", &d.moniker, MAX_MONIKER)?;
    check("identity", &d.identity, MAX_IDENTITY)?;
    check("website", &d.website, MAX_WEBSITE)?;
    check("details", &d.details, MAX_DETAILS)?;
    Ok(Description {
        moniker: d.moniker,
        identity: d.identity,
        website: d.website,
        details: d.details,
    })
}

fn commission(c: Option<pb::Commission>) -> Result<CommissionRates, ValidatorsError> {
    let c = c.ok_or_else(|| ValidatorsError::InvalidCommission("commission missing".into()))?;
    if c.max_rate_bps > 10_000 {
        return Err(ValidatorsError::InvalidCommission(format!(
            "max rate {} bps is above 100%",
            c.max_rate_bps
        )));
    }
    if c.rate_bps > c.max_rate_bps {
        return Err(ValidatorsError::InvalidCommission(format!(
            "rate {} bps is above the max rate {} bps",
            c.rate_bps, c.max_rate_bps
        )));
    }
    if c.max_change_rate_bps > c.max_rate_bps {
        return Err(ValidatorsError::InvalidCommission(format!(
            "max change rate {} bps is above the max rate {} bps",
            c.max_change_rate_bps, c.max_rate_bps
        )));
    }
    Ok(CommissionRates {
        rate_bps: c.rate_bps,
        max_rate_bps: c.max_rate_bps,
        max_change_rate_bps: c.max_change_rate_bps,
    })
}

impl ValidatorsMsg {
    /// Decodes and checks a message.
    pub fn decode(any: &Any) -> Result<Self, TxError> {
        Ok(match any.type_url.as_str() {
            MSG_CREATE_VALIDATOR => {
                let m: pb::MsgCreateValidator = decode_any(any)?;
                let min_self_delegation = positive("min_self_delegation", &m.min_self_delegation)?;
                let self_bond = positive("self_bond", &m.self_bond)?;
                if self_bond < min_self_delegation {
                    return Err(ValidatorsError::SelfBondBelowMin {
                        self_bond: self_bond.to_string(),
                        min: min_self_delegation.to_string(),
                    }
                    .into());
                }
                Self::CreateValidator {
                    operator: address(&m.operator, "operator")?,
                    consensus_pubkey: consensus_key(&m.consensus_pubkey)?,
                    self_bond,
                    commission: commission(m.commission)?,
                    description: description(m.description.unwrap_or_default())?,
                    min_self_delegation,
                }
            }
            MSG_EDIT_VALIDATOR => {
                let m: pb::MsgEditValidator = decode_any(any)?;
                if let Some(rate) = m.commission_rate_bps {
                    if rate > 10_000 {
                        return Err(ValidatorsError::InvalidCommission(format!(
                            "rate {rate} bps is above 100%"
                        ))
                        .into());
                    }
                }
                let min_self_delegation = match m.min_self_delegation.as_str() {
                    "" => None,
                    s => Some(positive("min_self_delegation", s)?),
                };
                let description = m.description.map(description).transpose()?;
                if description.is_none()
                    && m.commission_rate_bps.is_none()
                    && min_self_delegation.is_none()
                {
                    return Err(ValidatorsError::NothingToEdit.into());
                }
                Self::EditValidator {
                    operator: address(&m.operator, "operator")?,
                    description,
                    commission_rate_bps: m.commission_rate_bps,
                    min_self_delegation,
                }
            }
            MSG_DELEGATE => {
                let m: pb::MsgDelegate = decode_any(any)?;
                Self::Delegate {
                    delegator: address(&m.delegator, "delegator")?,
                    validator: address(&m.validator, "validator")?,
                    amount: positive("amount", &m.amount)?,
                }
            }
            MSG_UNDELEGATE => {
                let m: pb::MsgUndelegate = decode_any(any)?;
                Self::Undelegate {
                    delegator: address(&m.delegator, "delegator")?,
                    validator: address(&m.validator, "validator")?,
                    amount: positive("amount", &m.amount)?,
                }
            }
            MSG_REDELEGATE => {
                let m: pb::MsgRedelegate = decode_any(any)?;
                let src = address(&m.src_validator, "src_validator")?;
                let dst = address(&m.dst_validator, "dst_validator")?;
                if src == dst {
                    return Err(ValidatorsError::SelfRedelegation(src.to_string()).into());
                }
                Self::Redelegate {
                    delegator: address(&m.delegator, "delegator")?,
                    src,
                    dst,
                    amount: positive("amount", &m.amount)?,
                }
            }
            MSG_UNJAIL => {
                let m: pb::MsgUnjail = decode_any(any)?;
                Self::Unjail {
                    operator: address(&m.operator, "operator")?,
                }
            }
            MSG_WITHDRAW_REWARDS => {
                let m: pb::MsgWithdrawRewards = decode_any(any)?;
                Self::WithdrawRewards {
                    delegator: address(&m.delegator, "delegator")?,
                    validator: address(&m.validator, "validator")?,
                }
            }
            MSG_UPDATE_PARAMS => {
                let m: pb::MsgUpdateParams = decode_any(any)?;
                let params = Params::from_wire(
                    m.params
                        .ok_or_else(|| KernelError::InvalidRequest("params missing".into()))?,
                )?;
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
            Self::CreateValidator { operator, .. }
            | Self::EditValidator { operator, .. }
            | Self::Unjail { operator } => *operator,
            Self::Delegate { delegator, .. }
            | Self::Undelegate { delegator, .. }
            | Self::Redelegate { delegator, .. }
            | Self::WithdrawRewards { delegator, .. } => *delegator,
            Self::UpdateParams { authority, .. } => *authority,
        }]
    }
}

impl weave_kernel::ModuleMsg for ValidatorsMsg {
    fn decode(any: &Any) -> Result<Self, TxError> {
        ValidatorsMsg::decode(any)
    }

    fn signers(&self) -> Vec<Address> {
        ValidatorsMsg::signers(self)
    }
}
