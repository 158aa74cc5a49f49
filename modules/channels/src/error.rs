//! The channels module's errors, codespace `channels`.

use weave_kernel::TxError;

/// Errors of the channels module.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ChannelsError {
    /// A zero or malformed amount.
    #[error("invalid amount: {0}")]
    InvalidAmount(String),
    /// Arithmetic that would overflow.
    #[error("overflow: {0}")]
    Overflow(String),
    /// A voucher key that is not an ed25519 public key.
    #[error("invalid voucher key: {0}")]
    InvalidVoucherKey(String),
    /// An expiry at or before the current height.
    #[error("expiry height {expiry} must be above the current height {height}")]
    InvalidExpiry {
        /// Asked for.
        expiry: u64,
        /// Now.
        height: u64,
    },
    /// No channel with this id.
    #[error("channel {0} not found")]
    NotFound(u64),
    /// The signer is not the channel's payer.
    #[error("{signer} is not the payer of channel {channel_id}")]
    NotPayer {
        /// The channel.
        channel_id: u64,
        /// The signer.
        signer: String,
    },
    /// The channel is closing or settled and takes no top-up or close.
    #[error("channel {0} is not open")]
    NotOpen(u64),
    /// The channel has settled; nothing can be claimed.
    #[error("channel {0} has settled")]
    Settled(u64),
    /// A voucher that does not decode.
    #[error("malformed voucher: {0}")]
    MalformedVoucher(String),
    /// A voucher signed for another chain.
    #[error("voucher for chain {got:?}, this is {expected:?}")]
    WrongChain {
        /// The voucher's chain.
        got: String,
        /// This chain.
        expected: String,
    },
    /// A voucher naming another seeder than the claimer.
    #[error("voucher names seeder {named}, claimed by {claimer}")]
    WrongSeeder {
        /// Named in the voucher.
        named: String,
        /// Who claims.
        claimer: String,
    },
    /// A signature that does not verify under the channel's voucher key.
    #[error("voucher signature does not verify under channel {0}'s voucher key")]
    BadSignature(u64),
    /// A nonce at or below the lane's last.
    #[error("stale voucher: nonce {nonce} is not above the lane's {last}")]
    StaleNonce {
        /// The voucher's nonce.
        nonce: u64,
        /// The lane's last.
        last: u64,
    },
    /// An amount (or byte count) at or below what the lane already claimed.
    #[error("voucher amount {amount} is not above the {claimed} already claimed")]
    NotIncreasing {
        /// The voucher's amount.
        amount: String,
        /// Already claimed.
        claimed: String,
    },
    /// An amount below the content's price for the bytes.
    #[error("voucher pays {amount} for {bytes} bytes; the content's price asks at least {due}")]
    Underpriced {
        /// The voucher's amount.
        amount: String,
        /// Its bytes.
        bytes: u64,
        /// What the price asks.
        due: String,
    },
    /// A voucher for content that is not registered.
    #[error("no content is registered with root {0}")]
    UnknownContent(String),
    /// A claim without vouchers, or with too many.
    #[error("a claim carries 1 to {max} vouchers, got {got}")]
    VoucherCount {
        /// Given.
        got: usize,
        /// The limit.
        max: u32,
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
    #[error("invalid channels genesis: {0}")]
    InvalidGenesis(String),
    /// Stored state that does not decode: a bug or corruption, never user input.
    #[error("corrupt channels state at {0}")]
    CorruptState(String),
}

impl ChannelsError {
    /// The stable code, in the `channels` codespace.
    pub fn code(&self) -> u32 {
        match self {
            Self::InvalidAmount(_) => 2,
            Self::Overflow(_) => 3,
            Self::InvalidVoucherKey(_) => 4,
            Self::InvalidExpiry { .. } => 5,
            Self::NotFound(_) => 6,
            Self::NotPayer { .. } => 7,
            Self::NotOpen(_) => 8,
            Self::Settled(_) => 9,
            Self::MalformedVoucher(_) => 10,
            Self::WrongChain { .. } => 11,
            Self::WrongSeeder { .. } => 12,
            Self::BadSignature(_) => 13,
            Self::StaleNonce { .. } => 14,
            Self::NotIncreasing { .. } => 15,
            Self::Underpriced { .. } => 16,
            Self::UnknownContent(_) => 17,
            Self::VoucherCount { .. } => 18,
            Self::InvalidAuthority { .. } => 19,
            Self::InvalidParams(_) => 20,
            Self::InvalidGenesis(_) => 21,
            Self::CorruptState(_) => 22,
        }
    }
}

/// A voucher that does not parse is `MalformedVoucher`, its log the parse error's.
impl From<weave_voucher::VoucherError> for ChannelsError {
    fn from(e: weave_voucher::VoucherError) -> Self {
        Self::MalformedVoucher(e.to_string())
    }
}

impl From<ChannelsError> for TxError {
    fn from(e: ChannelsError) -> Self {
        TxError::new(crate::MODULE_NAME, e.code(), e.to_string())
    }
}
