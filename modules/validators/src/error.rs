//! The validators module's errors, codespace `validators`.

use weave_kernel::TxError;

/// Errors of the validators module.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ValidatorsError {
    /// A zero or malformed amount.
    #[error("invalid amount: {0}")]
    InvalidAmount(String),
    /// Arithmetic that would overflow.
    #[error("overflow: {0}")]
    Overflow(String),
    /// A consensus key that is not a 32-byte ed25519 public key.
    #[error("invalid consensus key: {0}")]
    InvalidConsensusKey(String),
    /// Commission rates that do not fit together.
    #[error("invalid commission: {0}")]
    InvalidCommission(String),
    /// A description field that is empty or too long.
    #[error("invalid description: {0}")]
    InvalidDescription(String),
    /// The operator already runs a validator.
    #[error("validator {0} already exists")]
    ValidatorExists(String),
    /// Another validator already uses the consensus key.
    #[error("consensus key with address {0} is already used by a validator")]
    ConsensusKeyInUse(String),
    /// The self-bond at creation is below the minimum self-delegation.
    #[error("self-bond {self_bond} is below the minimum self-delegation {min}")]
    SelfBondBelowMin {
        /// Offered.
        self_bond: String,
        /// Required.
        min: String,
    },
    /// No validator is operated by this address.
    #[error("validator {0} not found")]
    UnknownValidator(String),
    /// The delegator has no delegation to the validator.
    #[error("{delegator} has no delegation to {validator}")]
    NoDelegation {
        /// The delegator.
        delegator: String,
        /// The validator.
        validator: String,
    },
    /// More tokens asked for than the delegation holds.
    #[error("cannot move {requested} tokens: the delegation holds {available}")]
    InsufficientDelegation {
        /// Asked for.
        requested: String,
        /// Held.
        available: String,
    },
    /// A redelegation to the validator it comes from.
    #[error("cannot redelegate to the same validator {0}")]
    SelfRedelegation(String),
    /// A redelegation from a validator that still holds an immature redelegation of
    /// the same delegator into it.
    #[error("{delegator} redelegated into {validator} less than the unbonding time ago; it cannot redelegate from it yet")]
    TransitiveRedelegation {
        /// The delegator.
        delegator: String,
        /// The source validator.
        validator: String,
    },
    /// Too many unbonding or redelegation entries for one pair.
    #[error("too many {what} entries for this pair: the limit is {max}")]
    TooManyEntries {
        /// "unbonding" or "redelegation".
        what: &'static str,
        /// The limit.
        max: u32,
    },
    /// A commission rate above the validator's maximum rate.
    #[error("commission rate {rate} bps is above the maximum rate {max} bps")]
    CommissionAboveMax {
        /// Asked for.
        rate: u32,
        /// The maximum.
        max: u32,
    },
    /// A commission change larger than the maximum change rate.
    #[error(
        "commission change from {from} to {to} bps exceeds the maximum change {max_change} bps"
    )]
    CommissionChangeTooLarge {
        /// The rate in force.
        from: u32,
        /// Asked for.
        to: u32,
        /// The largest allowed change.
        max_change: u32,
    },
    /// A second commission change within 24 hours.
    #[error(
        "the commission rate may change once per 24 hours; next change allowed at {next_allowed}"
    )]
    CommissionChangeTooSoon {
        /// Earliest block time of the next change.
        next_allowed: i64,
    },
    /// A minimum self-delegation lower than the one in force.
    #[error("the minimum self-delegation may only increase: {current} to {requested}")]
    MinSelfDelegationDecrease {
        /// In force.
        current: String,
        /// Asked for.
        requested: String,
    },
    /// The operator's own delegation is below the minimum self-delegation.
    #[error("self-delegation {self_delegation} is below the minimum self-delegation {min}")]
    SelfDelegationBelowMin {
        /// The operator's delegation, in tokens.
        self_delegation: String,
        /// The minimum.
        min: String,
    },
    /// MsgUnjail of a validator that is not jailed.
    #[error("validator {0} is not jailed")]
    NotJailed(String),
    /// MsgUnjail before the jail time is over.
    #[error("validator is jailed until {until}; block time is {now}")]
    JailPeriodActive {
        /// The end of the jail time.
        until: i64,
        /// The block time.
        now: i64,
    },
    /// The validator double-signed and is jailed for ever.
    #[error("validator {0} is tombstoned and can never be unjailed")]
    Tombstoned(String),
    /// Delegation to a validator whose tokens were all slashed away.
    #[error("validator {0} has shares but no tokens left; it takes no delegation")]
    ValidatorHasNoTokens(String),
    /// An edit that changes nothing.
    #[error("MsgEditValidator changes nothing")]
    NothingToEdit,
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
    #[error("invalid validators genesis: {0}")]
    InvalidGenesis(String),
    /// Stored state that does not decode: a bug or corruption, never user input.
    #[error("corrupt validators state at {0}")]
    CorruptState(String),
}

impl ValidatorsError {
    /// The stable code, in the `validators` codespace.
    pub fn code(&self) -> u32 {
        match self {
            Self::InvalidAmount(_) => 2,
            Self::Overflow(_) => 3,
            Self::InvalidConsensusKey(_) => 4,
            Self::InvalidCommission(_) => 5,
            Self::InvalidDescription(_) => 6,
            Self::ValidatorExists(_) => 7,
            Self::ConsensusKeyInUse(_) => 8,
            Self::SelfBondBelowMin { .. } => 9,
            Self::UnknownValidator(_) => 10,
            Self::NoDelegation { .. } => 11,
            Self::InsufficientDelegation { .. } => 12,
            Self::SelfRedelegation(_) => 13,
            Self::TransitiveRedelegation { .. } => 14,
            Self::TooManyEntries { .. } => 15,
            Self::CommissionAboveMax { .. } => 16,
            Self::CommissionChangeTooLarge { .. } => 17,
            Self::CommissionChangeTooSoon { .. } => 18,
            Self::MinSelfDelegationDecrease { .. } => 19,
            Self::SelfDelegationBelowMin { .. } => 20,
            Self::NotJailed(_) => 21,
            Self::JailPeriodActive { .. } => 22,
            Self::Tombstoned(_) => 23,
            Self::ValidatorHasNoTokens(_) => 24,
            Self::NothingToEdit => 25,
            Self::InvalidAuthority { .. } => 26,
            Self::InvalidParams(_) => 27,
            Self::InvalidGenesis(_) => 28,
            Self::CorruptState(_) => 29,
        }
    }
}

impl From<ValidatorsError> for TxError {
    fn from(e: ValidatorsError) -> Self {
        TxError::new(crate::MODULE_NAME, e.code(), e.to_string())
    }
}

weave_kernel::impl_module_error!(ValidatorsError);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_stable_and_distinct() {
        let all = [
            ValidatorsError::InvalidAmount(String::new()),
            ValidatorsError::ValidatorExists(String::new()),
            ValidatorsError::ConsensusKeyInUse(String::new()),
            ValidatorsError::InsufficientDelegation {
                requested: String::new(),
                available: String::new(),
            },
            ValidatorsError::CommissionAboveMax { rate: 0, max: 0 },
            ValidatorsError::JailPeriodActive { until: 0, now: 0 },
            ValidatorsError::Tombstoned(String::new()),
            ValidatorsError::CorruptState(String::new()),
        ];
        let codes: Vec<u32> = all.iter().map(ValidatorsError::code).collect();
        assert_eq!(codes, vec![2, 7, 8, 12, 16, 22, 23, 29]);
        let e: TxError = ValidatorsError::NotJailed("x".into()).into();
        assert_eq!((e.codespace, e.code), ("validators", 21));
    }
}
