//! The bank module's errors, codespace `bank`. Shared conditions (insufficient
//! funds, bad addresses, bad coins) use the kernel's `sdk` codes.

use weave_kernel::TxError;

/// Errors specific to the bank module.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BankError {
    /// Sends are switched off by governance.
    #[error("sends are disabled")]
    SendDisabled,
    /// A multi-send whose inputs and outputs differ.
    #[error("sum of inputs {inputs} does not equal sum of outputs {outputs}")]
    InputOutputMismatch {
        /// Sum of inputs.
        inputs: String,
        /// Sum of outputs.
        outputs: String,
    },
    /// A multi-send without exactly one input.
    #[error("multi-send needs exactly one input, got {0}")]
    WrongInputCount(usize),
    /// A multi-send without outputs.
    #[error("multi-send has no outputs")]
    NoOutputs,
    /// `MsgUpdateParams` not signed by the gov authority.
    #[error("invalid authority {got}: only the gov module account {expected} may update params")]
    InvalidAuthority {
        /// The signer.
        got: String,
        /// The gov authority.
        expected: String,
    },
    /// Parameters that fail validation.
    #[error("invalid params: {0}")]
    InvalidParams(String),
    /// A malformed genesis section.
    #[error("invalid bank genesis: {0}")]
    InvalidGenesis(String),
    /// A message with too many entries.
    #[error("too many entries: {got}, limit {max}")]
    TooManyEntries {
        /// Entries given.
        got: usize,
        /// The limit.
        max: usize,
    },
    /// Stored state that does not decode: a bug or corruption, never user input.
    #[error("corrupt bank state at {0}")]
    CorruptState(String),
}

impl BankError {
    /// The stable code, in the `bank` codespace.
    pub fn code(&self) -> u32 {
        match self {
            Self::SendDisabled => 2,
            Self::InputOutputMismatch { .. } => 3,
            Self::WrongInputCount(_) => 4,
            Self::NoOutputs => 5,
            Self::InvalidAuthority { .. } => 6,
            Self::InvalidParams(_) => 7,
            Self::InvalidGenesis(_) => 8,
            Self::TooManyEntries { .. } => 9,
            Self::CorruptState(_) => 10,
        }
    }
}

impl From<BankError> for TxError {
    fn from(e: BankError) -> Self {
        TxError::new(crate::MODULE_NAME, e.code(), e.to_string())
    }
}

weave_kernel::impl_module_error!(BankError);
