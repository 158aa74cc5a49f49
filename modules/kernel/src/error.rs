//! Errors with stable codes.
//!
//! Every error a transaction can cause ends up as a [`TxError`]: a codespace (the
//! module's name, or `sdk` for the kernel and ante checks), a numeric code that never
//! changes meaning, and a readable log. The kernel's own codes follow the Cosmos SDK's
//! `sdk` codespace, so clients that know those codes read Weave's the same way.

/// The codespace of kernel and ante errors.
pub const CODESPACE_SDK: &str = "sdk";

/// The error every failed transaction reports, as it reaches CometBFT.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{codespace}:{code}: {log}")]
pub struct TxError {
    /// The module (or `sdk`) that defines the code.
    pub codespace: &'static str,
    /// The stable numeric code; never 0.
    pub code: u32,
    /// A readable explanation.
    pub log: String,
}

impl TxError {
    /// Builds an error from its parts.
    pub fn new(codespace: &'static str, code: u32, log: impl Into<String>) -> Self {
        Self {
            codespace,
            code,
            log: log.into(),
        }
    }
}

/// Errors raised by the kernel and the ante checks, with the Cosmos SDK's codes.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KernelError {
    /// The transaction bytes do not decode.
    #[error("tx parse error: {0}")]
    TxDecode(String),
    /// The signer's sequence does not match the account's.
    #[error("account sequence mismatch, expected {expected}, got {got}")]
    WrongSequence {
        /// The account's sequence.
        expected: u64,
        /// The sequence the transaction signed.
        got: u64,
    },
    /// The signature does not verify, or the signer is not allowed to send the message.
    #[error("unauthorized: {0}")]
    Unauthorized(String),
    /// An account lacks the funds for a payment.
    #[error("insufficient funds: {0}")]
    InsufficientFunds(String),
    /// No module handles this message type.
    #[error("unknown message type {0:?}")]
    UnknownMessage(String),
    /// A malformed address.
    #[error("invalid address: {0}")]
    InvalidAddress(String),
    /// A malformed or unsupported public key.
    #[error("invalid public key: {0}")]
    InvalidPubKey(String),
    /// The signer's account does not exist and no public key was supplied.
    #[error("unknown address: {0}")]
    UnknownAddress(String),
    /// Malformed coins or amounts, including overflow.
    #[error("invalid coins: {0}")]
    InvalidCoins(String),
    /// Gas ran out.
    #[error("out of gas in location: {descriptor}; gas wanted: {limit}, gas used: {used}")]
    OutOfGas {
        /// What consumed the last gas.
        descriptor: String,
        /// The gas limit.
        limit: u64,
        /// The gas used, including the consumption that failed.
        used: u64,
    },
    /// The memo is too long.
    #[error("memo too large: {len} bytes, limit {max}")]
    MemoTooLarge {
        /// Its length.
        len: usize,
        /// The limit.
        max: usize,
    },
    /// The fee is below the minimum gas price times the gas limit.
    #[error("insufficient fee: got {got}, required {required}")]
    InsufficientFee {
        /// The fee offered.
        got: String,
        /// The minimum fee.
        required: String,
    },
    /// More signatures than signers, or fewer.
    #[error("wrong number of signatures: expected {expected}, got {got}")]
    WrongSignatureCount {
        /// Required signatures.
        expected: usize,
        /// Supplied signatures.
        got: usize,
    },
    /// The transaction carries no signature.
    #[error("no signatures supplied")]
    NoSignatures,
    /// A request that is invalid for another reason.
    #[error("invalid request: {0}")]
    InvalidRequest(String),
    /// The transaction is larger than allowed.
    #[error("tx too large: {len} bytes, limit {max}")]
    TxTooLarge {
        /// Its length.
        len: usize,
        /// The limit.
        max: usize,
    },
    /// The chain id in the sign doc is not this chain's.
    #[error("invalid chain-id: signature does not verify for chain {0:?}")]
    WrongChainId(String),
    /// The transaction's timeout height has passed.
    #[error("tx timeout height {timeout} passed, current height {height}")]
    TimeoutHeight {
        /// The transaction's timeout.
        timeout: u64,
        /// The block height.
        height: u64,
    },
    /// The gas limit is zero or above the block maximum.
    #[error("invalid gas limit {0}")]
    InvalidGasLimit(u64),
    /// A queried entry does not exist.
    #[error("not found: {0}")]
    NotFound(String),
    /// The transaction uses a feature this chain does not support.
    #[error("not supported: {0}")]
    NotSupported(String),
    /// Storage failed underneath. Fatal for the node, never a transaction's fault.
    #[error("{0}")]
    Storage(#[from] crate::StateError),
}

impl KernelError {
    /// The stable code, in the `sdk` codespace.
    pub fn code(&self) -> u32 {
        match self {
            Self::TxDecode(_) => 2,
            Self::WrongSequence { .. } => 32,
            Self::Unauthorized(_) => 4,
            Self::InsufficientFunds(_) => 5,
            Self::UnknownMessage(_) => 6,
            Self::InvalidAddress(_) => 7,
            Self::InvalidPubKey(_) => 8,
            Self::UnknownAddress(_) => 9,
            Self::InvalidCoins(_) => 10,
            Self::OutOfGas { .. } => 11,
            Self::MemoTooLarge { .. } => 12,
            Self::InsufficientFee { .. } => 13,
            Self::WrongSignatureCount { .. } => 14,
            Self::NoSignatures => 15,
            Self::InvalidRequest(_) => 18,
            Self::TxTooLarge { .. } => 21,
            Self::WrongChainId(_) => 4,
            Self::TimeoutHeight { .. } => 30,
            Self::InvalidGasLimit(_) => 36,
            Self::NotFound(_) => 22,
            Self::NotSupported(_) => 37,
            Self::Storage(_) => 1,
        }
    }
}

impl From<KernelError> for TxError {
    fn from(e: KernelError) -> Self {
        TxError::new(CODESPACE_SDK, e.code(), e.to_string())
    }
}

impl From<crate::StateError> for TxError {
    fn from(e: crate::StateError) -> Self {
        KernelError::Storage(e).into()
    }
}

impl From<crate::CoinError> for KernelError {
    fn from(e: crate::CoinError) -> Self {
        KernelError::InvalidCoins(e.to_string())
    }
}

impl From<crate::AddressError> for KernelError {
    fn from(e: crate::AddressError) -> Self {
        KernelError::InvalidAddress(e.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_stable() {
        // These numbers are part of the public API; changing one breaks clients.
        assert_eq!(KernelError::TxDecode(String::new()).code(), 2);
        assert_eq!(
            KernelError::WrongSequence {
                expected: 1,
                got: 0
            }
            .code(),
            32
        );
        assert_eq!(KernelError::InsufficientFunds(String::new()).code(), 5);
        assert_eq!(KernelError::UnknownMessage(String::new()).code(), 6);
        assert_eq!(
            KernelError::InsufficientFee {
                got: String::new(),
                required: String::new()
            }
            .code(),
            13
        );
        let e: TxError = KernelError::NoSignatures.into();
        assert_eq!((e.codespace, e.code), ("sdk", 15));
    }
}
