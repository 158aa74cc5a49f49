//! Domain messages, built from the wire types with their shape checked.

use weave_kernel::{decode_any, Address, Any, KernelError, TxError};
use weave_proto::weave::splits::v1 as pb;

use crate::{Params, SplitTable};

/// `/weave.splits.v1.MsgCreateSplit`
pub const MSG_CREATE_SPLIT: &str = "/weave.splits.v1.MsgCreateSplit";
/// `/weave.splits.v1.MsgUpdateSplit`
pub const MSG_UPDATE_SPLIT: &str = "/weave.splits.v1.MsgUpdateSplit";
/// `/weave.splits.v1.MsgProposeController`
pub const MSG_PROPOSE_CONTROLLER: &str = "/weave.splits.v1.MsgProposeController";
/// `/weave.splits.v1.MsgAcceptController`
pub const MSG_ACCEPT_CONTROLLER: &str = "/weave.splits.v1.MsgAcceptController";
/// `/weave.splits.v1.MsgUpdateParams`
pub const MSG_UPDATE_PARAMS: &str = "/weave.splits.v1.MsgUpdateParams";

pub(crate) const MESSAGE_TYPES: &[&str] = &[
    MSG_CREATE_SPLIT,
    MSG_UPDATE_SPLIT,
    MSG_PROPOSE_CONTROLLER,
    MSG_ACCEPT_CONTROLLER,
    MSG_UPDATE_PARAMS,
];

/// A splits message whose shape is valid.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SplitsMsg {
    /// Create a table.
    Create {
        /// Signer.
        creator: Address,
        /// Recipients.
        table: SplitTable,
        /// None: immutable.
        controller: Option<Address>,
    },
    /// Replace a table's recipients.
    Update {
        /// Signer; must be the controller.
        controller: Address,
        /// The table.
        split_id: u64,
        /// New recipients.
        table: SplitTable,
    },
    /// Name a successor controller (None cancels).
    ProposeController {
        /// Signer; must be the controller.
        controller: Address,
        /// The table.
        split_id: u64,
        /// The successor.
        new_controller: Option<Address>,
    },
    /// Accept control.
    AcceptController {
        /// Signer; must be the proposed controller.
        new_controller: Address,
        /// The table.
        split_id: u64,
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

fn optional_address(s: &str, field: &str) -> Result<Option<Address>, KernelError> {
    if s.is_empty() {
        Ok(None)
    } else {
        address(s, field).map(Some)
    }
}

impl SplitsMsg {
    /// Decodes and checks a message.
    pub fn decode(any: &Any) -> Result<Self, TxError> {
        match any.type_url.as_str() {
            MSG_CREATE_SPLIT => {
                let m: pb::MsgCreateSplit = decode_any(any)?;
                Ok(Self::Create {
                    creator: address(&m.creator, "creator")?,
                    table: SplitTable::from_wire(&m.recipients)?,
                    controller: optional_address(&m.controller, "controller")?,
                })
            }
            MSG_UPDATE_SPLIT => {
                let m: pb::MsgUpdateSplit = decode_any(any)?;
                Ok(Self::Update {
                    controller: address(&m.controller, "controller")?,
                    split_id: m.split_id,
                    table: SplitTable::from_wire(&m.recipients)?,
                })
            }
            MSG_PROPOSE_CONTROLLER => {
                let m: pb::MsgProposeController = decode_any(any)?;
                Ok(Self::ProposeController {
                    controller: address(&m.controller, "controller")?,
                    split_id: m.split_id,
                    new_controller: optional_address(&m.new_controller, "new_controller")?,
                })
            }
            MSG_ACCEPT_CONTROLLER => {
                let m: pb::MsgAcceptController = decode_any(any)?;
                Ok(Self::AcceptController {
                    new_controller: address(&m.new_controller, "new_controller")?,
                    split_id: m.split_id,
                })
            }
            MSG_UPDATE_PARAMS => {
                let m: pb::MsgUpdateParams = decode_any(any)?;
                let params: Params = m
                    .params
                    .ok_or_else(|| KernelError::InvalidRequest("params missing".into()))?
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
        vec![match self {
            Self::Create { creator, .. } => *creator,
            Self::Update { controller, .. } | Self::ProposeController { controller, .. } => {
                *controller
            }
            Self::AcceptController { new_controller, .. } => *new_controller,
            Self::UpdateParams { authority, .. } => *authority,
        }]
    }
}

impl weave_kernel::ModuleMsg for SplitsMsg {
    fn decode(any: &Any) -> Result<Self, TxError> {
        SplitsMsg::decode(any)
    }

    fn signers(&self) -> Vec<Address> {
        SplitsMsg::signers(self)
    }
}
