//! The auth module's one message, decoded once.

use weave_kernel::{decode_any, Address, Any, KernelError, ModuleMsg, TxError};
use weave_proto::weave::auth::v1 as pb;

use crate::MSG_UPDATE_PARAMS;

/// An auth message whose shape is valid.
#[derive(Debug, Clone, PartialEq)]
pub enum AuthMsg {
    /// New ante parameters, signed by the gov authority. The params are checked when
    /// the message runs, after the authority, as they always were.
    UpdateParams {
        /// The signer.
        authority: Address,
        /// The new parameters, as sent.
        params: Option<pb::Params>,
    },
}

impl ModuleMsg for AuthMsg {
    fn decode(any: &Any) -> Result<Self, TxError> {
        if any.type_url != MSG_UPDATE_PARAMS {
            return Err(KernelError::UnknownMessage(any.type_url.clone()).into());
        }
        let m: pb::MsgUpdateParams = decode_any(any)?;
        let authority = m
            .authority
            .parse()
            .map_err(|e| KernelError::InvalidAddress(format!("authority: {e}")))?;
        Ok(Self::UpdateParams {
            authority,
            params: m.params,
        })
    }

    fn signers(&self) -> Vec<Address> {
        match self {
            Self::UpdateParams { authority, .. } => vec![*authority],
        }
    }
}
