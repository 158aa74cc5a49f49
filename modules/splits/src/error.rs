//! The splits module's errors, codespace `splits`.

use weave_kernel::TxError;

/// Errors of the splits module.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SplitsError {
    /// Basis points that do not sum to 10000.
    #[error("basis points sum to {0}, not 10000")]
    BpsSum(u64),
    /// The same recipient twice.
    #[error("duplicate recipient {0}")]
    DuplicateRecipient(String),
    /// Recipients not in ascending address order.
    #[error("recipients must be sorted by address; {0} is out of order")]
    Unsorted(String),
    /// Too few or too many recipients.
    #[error("a split needs 1 to 32 recipients, got {0}")]
    RecipientCount(usize),
    /// A recipient with a zero share.
    #[error("recipient {0} has a zero share")]
    ZeroShare(String),
    /// A malformed address.
    #[error("invalid address {0}")]
    InvalidAddress(String),
    /// No table with this id.
    #[error("split {0} not found")]
    NotFound(u64),
    /// The table has no controller.
    #[error("split {0} is immutable")]
    Immutable(u64),
    /// The signer is not the table's controller.
    #[error("{signer} is not the controller of split {split_id}")]
    NotController {
        /// The table.
        split_id: u64,
        /// The signer.
        signer: String,
    },
    /// The signer is not the proposed controller.
    #[error("{signer} is not the proposed controller of split {split_id}")]
    NotPendingController {
        /// The table.
        split_id: u64,
        /// The signer.
        signer: String,
    },
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
    #[error("invalid splits genesis: {0}")]
    InvalidGenesis(String),
    /// A zero or malformed amount.
    #[error("invalid amount: {0}")]
    InvalidAmount(String),
    /// Stored state that does not decode: a bug or corruption, never user input.
    #[error("corrupt splits state at {0}")]
    CorruptState(String),
}

impl SplitsError {
    /// The stable code, in the `splits` codespace.
    pub fn code(&self) -> u32 {
        match self {
            Self::BpsSum(_) => 2,
            Self::DuplicateRecipient(_) => 3,
            Self::Unsorted(_) => 4,
            Self::RecipientCount(_) => 5,
            Self::ZeroShare(_) => 6,
            Self::InvalidAddress(_) => 7,
            Self::NotFound(_) => 8,
            Self::Immutable(_) => 9,
            Self::NotController { .. } => 10,
            Self::NotPendingController { .. } => 11,
            Self::InvalidAuthority { .. } => 12,
            Self::InvalidParams(_) => 13,
            Self::InvalidGenesis(_) => 14,
            Self::InvalidAmount(_) => 15,
            Self::CorruptState(_) => 16,
        }
    }
}

impl From<SplitsError> for TxError {
    fn from(e: SplitsError) -> Self {
        TxError::new(crate::MODULE_NAME, e.code(), e.to_string())
    }
}

weave_kernel::impl_module_error!(SplitsError);
