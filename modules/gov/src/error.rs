//! The gov module's errors, codespace `gov`.

use weave_kernel::TxError;

/// Errors of the gov module.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum GovError {
    /// A zero or malformed amount.
    #[error("invalid amount: {0}")]
    InvalidAmount(String),
    /// A proposal whose shape is wrong: no messages, too many, or bad text fields.
    #[error("invalid proposal: {0}")]
    InvalidProposal(String),
    /// A message governance may not execute.
    #[error("message {0} cannot be executed by governance")]
    UnexecutableMessage(String),
    /// No proposal has this id.
    #[error("proposal {0} not found")]
    UnknownProposal(u64),
    /// The proposal no longer takes deposits.
    #[error("proposal {0} is not taking deposits")]
    NotInDepositPeriod(u64),
    /// The proposal is not being voted on.
    #[error("proposal {0} is not in its voting period")]
    NotInVotingPeriod(u64),
    /// A vote option or a set of weights that is not valid.
    #[error("invalid vote: {0}")]
    InvalidVote(String),
    /// The voter has no bonded stake.
    #[error("{0} has no bonded stake to vote with")]
    NoStake(String),
    /// An initial deposit below the minimum.
    #[error("initial deposit {offered} is below the minimum {min}")]
    DepositBelowMin {
        /// Offered.
        offered: u128,
        /// Required.
        min: u128,
    },
    /// A gov-only message signed by someone else.
    #[error("invalid authority: expected {expected}, got {got}")]
    InvalidAuthority {
        /// The gov authority.
        expected: String,
        /// The signer.
        got: String,
    },
    /// Params that fail validation.
    #[error("invalid params: {0}")]
    InvalidParams(String),
    /// A genesis section that fails validation.
    #[error("invalid genesis: {0}")]
    InvalidGenesis(String),
    /// Stored bytes that do not decode.
    #[error("corrupt state: {0}")]
    CorruptState(String),
    /// Arithmetic that would overflow.
    #[error("overflow: {0}")]
    Overflow(String),
    /// A malformed upgrade plan.
    #[error("invalid upgrade plan: {0}")]
    InvalidUpgrade(String),
    /// A precondition that no longer holds at execution.
    #[error("precondition failed: {0}")]
    PreconditionFailed(String),
    /// Execution used more gas than `max_execution_gas`.
    #[error("execution used {used} gas, above the bound {max}")]
    ExecutionOutOfGas {
        /// Used.
        used: u64,
        /// Allowed.
        max: u64,
    },
}

impl GovError {
    /// The stable code of this error in codespace `gov`.
    pub fn code(&self) -> u32 {
        match self {
            Self::InvalidAmount(_) => 2,
            Self::InvalidProposal(_) => 3,
            Self::UnexecutableMessage(_) => 4,
            Self::UnknownProposal(_) => 5,
            Self::NotInDepositPeriod(_) => 6,
            Self::NotInVotingPeriod(_) => 7,
            Self::InvalidVote(_) => 8,
            Self::NoStake(_) => 9,
            Self::DepositBelowMin { .. } => 10,
            Self::InvalidAuthority { .. } => 11,
            Self::InvalidParams(_) => 12,
            Self::InvalidGenesis(_) => 13,
            Self::CorruptState(_) => 14,
            Self::Overflow(_) => 15,
            Self::InvalidUpgrade(_) => 16,
            Self::PreconditionFailed(_) => 17,
            Self::ExecutionOutOfGas { .. } => 18,
        }
    }
}

impl From<GovError> for TxError {
    fn from(e: GovError) -> Self {
        TxError::new(crate::MODULE_NAME, e.code(), e.to_string())
    }
}

weave_kernel::impl_module_error!(GovError);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_stable() {
        let e: TxError = GovError::NoStake("x".into()).into();
        assert_eq!((e.codespace, e.code), ("gov", 9));
        assert_eq!(GovError::PreconditionFailed(String::new()).code(), 17);
        assert_eq!(GovError::InvalidAmount(String::new()).code(), 2);
    }
}
