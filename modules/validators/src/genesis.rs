//! The validators module's genesis state: its parameters and the gentxs, signed
//! transactions that each create one genesis validator.

use base64::Engine as _;
use prost::Message;
use serde::{Deserialize, Serialize};

use crate::{msg::MSG_CREATE_VALIDATOR, Params, ValidatorsError};

/// The largest gentx accepted, in bytes.
pub const MAX_GEN_TX_LEN: usize = 64 * 1024;

/// The validators section of the genesis `app_state`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GenesisState {
    /// Parameters.
    #[serde(default)]
    pub params: Params,
    /// Base64 of signed `TxRaw`s, each carrying exactly one `MsgCreateValidator`,
    /// delivered in order after every module's genesis.
    #[serde(default)]
    pub gen_txs: Vec<String>,
}

impl GenesisState {
    /// Checks the section, including that every gentx decodes and carries exactly one
    /// `MsgCreateValidator`.
    pub fn validate(&self) -> Result<(), ValidatorsError> {
        self.params.validate()?;
        self.decoded_gen_txs().map(|_| ())
    }

    /// The gentxs as transaction bytes, checked as in [`GenesisState::validate`].
    pub fn decoded_gen_txs(&self) -> Result<Vec<Vec<u8>>, ValidatorsError> {
        self.gen_txs
            .iter()
            .enumerate()
            .map(|(i, s)| {
                let bad = |m: String| ValidatorsError::InvalidGenesis(format!("gen_txs[{i}]: {m}"));
                let bytes = base64::engine::general_purpose::STANDARD
                    .decode(s.trim())
                    .map_err(|e| bad(format!("not base64: {e}")))?;
                if bytes.len() > MAX_GEN_TX_LEN {
                    return Err(bad(format!(
                        "{} bytes, limit {MAX_GEN_TX_LEN}",
                        bytes.len()
                    )));
                }
                let raw = cosmos_sdk_proto::cosmos::tx::v1beta1::TxRaw::decode(bytes.as_slice())
                    .map_err(|e| bad(format!("not a TxRaw: {e}")))?;
                let body = cosmos_sdk_proto::cosmos::tx::v1beta1::TxBody::decode(
                    raw.body_bytes.as_slice(),
                )
                .map_err(|e| bad(format!("body does not decode: {e}")))?;
                match body.messages.as_slice() {
                    [m] if m.type_url == MSG_CREATE_VALIDATOR => Ok(bytes),
                    _ => Err(bad(format!(
                        "must carry exactly one {MSG_CREATE_VALIDATOR}"
                    ))),
                }
            })
            .collect()
    }

    /// Encodes a signed transaction for `gen_txs`.
    pub fn encode_gen_tx(tx: &[u8]) -> String {
        base64::engine::general_purpose::STANDARD.encode(tx)
    }
}

impl weave_kernel::GenesisSection for GenesisState {
    fn from_section(section: &serde_json::Value) -> Result<Self, weave_kernel::TxError> {
        let g: Self = weave_kernel::parse_genesis::<ValidatorsError, _>(section)?;
        g.validate()?;
        Ok(g)
    }
}
