//! The content module's errors, codespace `content`.

use weave_kernel::TxError;

/// Errors of the content module.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ContentError {
    /// A meta-hash whose fields disagree or are out of range.
    #[error("invalid meta-hash: {0}")]
    InvalidMetaHash(String),
    /// Metadata that is malformed or too large.
    #[error("invalid metadata: {0}")]
    InvalidMetadata(String),
    /// A zero or malformed price or amount.
    #[error("invalid amount: {0}")]
    InvalidAmount(String),
    /// Arithmetic that would overflow.
    #[error("overflow: {0}")]
    Overflow(String),
    /// No content with this id.
    #[error("content {0} not found")]
    NotFound(u64),
    /// The signer is not the content's creator.
    #[error("{signer} is not the creator of content {content_id}")]
    NotCreator {
        /// The content.
        content_id: u64,
        /// The signer.
        signer: String,
    },
    /// The content no longer sells access.
    #[error("content {0} is retired")]
    Retired(u64),
    /// A transfer of more tokens than the sender holds.
    #[error("{holder} holds {held} tokens of content {content_id}, needs {needed}")]
    InsufficientTokens {
        /// The content.
        content_id: u64,
        /// The sender.
        holder: String,
        /// Its balance.
        held: u64,
        /// What it tried to move.
        needed: u64,
    },
    /// A key delivered to an account without access.
    #[error("{holder} has no access to content {content_id}")]
    NoAccess {
        /// The content.
        content_id: u64,
        /// The account.
        holder: String,
    },
    /// A key delivered to an account that registered no buyer key.
    #[error("{0} has not registered a buyer key")]
    NoBuyerKey(String),
    /// A sealed key or buyer key of the wrong shape.
    #[error("invalid key: {0}")]
    InvalidKey(String),
    /// The Merkle root is already registered.
    #[error("content with root {root} is already registered as {content_id}")]
    DuplicateRoot {
        /// The root, hex.
        root: String,
        /// The existing content.
        content_id: u64,
    },
    /// Rights tiers that are malformed.
    #[error("invalid rights tiers: {0}")]
    InvalidTiers(String),
    /// Neither or both of split_id and split_recipients, or an unknown split.
    #[error("invalid split: {0}")]
    InvalidSplit(String),
    /// The creator offers no subscription.
    #[error("{0} offers no subscription")]
    NoSubscriptionTerms(String),
    /// A subscription longer than the parameter allows.
    #[error("subscription of {blocks} blocks exceeds the maximum {max}")]
    SubscriptionTooLong {
        /// Blocks asked for.
        blocks: u64,
        /// The limit.
        max: u64,
    },
    /// The price exceeds what the signer agreed to pay.
    #[error("total price {price} exceeds max_total_price {max}")]
    PriceAboveMax {
        /// The price.
        price: String,
        /// The signer's bound.
        max: String,
    },
    /// A zero quantity or period count.
    #[error("invalid quantity: {0}")]
    InvalidQuantity(String),
    /// A message that is well-formed but asks for nothing sensible.
    #[error("invalid request: {0}")]
    InvalidRequest(String),
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
    #[error("invalid content genesis: {0}")]
    InvalidGenesis(String),
    /// Stored state that does not decode: a bug or corruption, never user input.
    #[error("corrupt content state at {0}")]
    CorruptState(String),
}

impl ContentError {
    /// The stable code, in the `content` codespace.
    pub fn code(&self) -> u32 {
        match self {
            Self::InvalidMetaHash(_) => 2,
            Self::InvalidMetadata(_) => 3,
            Self::InvalidAmount(_) => 4,
            Self::Overflow(_) => 5,
            Self::NotFound(_) => 6,
            Self::NotCreator { .. } => 7,
            Self::Retired(_) => 8,
            Self::InsufficientTokens { .. } => 9,
            Self::NoAccess { .. } => 10,
            Self::NoBuyerKey(_) => 11,
            Self::InvalidKey(_) => 12,
            Self::DuplicateRoot { .. } => 13,
            Self::InvalidTiers(_) => 14,
            Self::InvalidSplit(_) => 15,
            Self::NoSubscriptionTerms(_) => 16,
            Self::SubscriptionTooLong { .. } => 17,
            Self::PriceAboveMax { .. } => 18,
            Self::InvalidQuantity(_) => 19,
            Self::InvalidRequest(_) => 20,
            Self::InvalidAuthority { .. } => 21,
            Self::InvalidParams(_) => 22,
            Self::InvalidGenesis(_) => 23,
            Self::CorruptState(_) => 24,
        }
    }
}

impl From<ContentError> for TxError {
    fn from(e: ContentError) -> Self {
        TxError::new(crate::MODULE_NAME, e.code(), e.to_string())
    }
}

weave_kernel::impl_module_error!(ContentError);
