//! The seeders module's errors, codespace `seeders`.

use weave_kernel::TxError;

/// Errors of the seeders module.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SeedersError {
    /// A zero or malformed amount.
    #[error("invalid amount: {0}")]
    InvalidAmount(String),
    /// A bond below the minimum.
    #[error("bond {amount} is below the minimum {min}")]
    BondBelowMinimum {
        /// Offered (or held).
        amount: u128,
        /// The minimum.
        min: u128,
    },
    /// The seeder already has a bond.
    #[error("{0} is already bonded as a seeder; use MsgUpdateSeeder to change it")]
    AlreadyBonded(String),
    /// Another seeder uses this peer id.
    #[error("peer id {peer_id} is already used by seeder {seeder}")]
    PeerIdInUse {
        /// The peer id, hex.
        peer_id: String,
        /// Who uses it.
        seeder: String,
    },
    /// A peer id that is not the identity multihash of an ed25519 key.
    #[error("invalid peer id: {0}")]
    InvalidPeerId(String),
    /// Multiaddrs that are too many, too long or malformed.
    #[error("invalid addrs: {0}")]
    InvalidAddrs(String),
    /// Content roots that are malformed, repeated, missing or too many.
    #[error("invalid contents: {0}")]
    InvalidContents(String),
    /// A content root no content is registered with.
    #[error("no content is registered with root {0}")]
    UnknownContent(String),
    /// No seeder at this address.
    #[error("{0} is not a seeder")]
    UnknownSeeder(String),
    /// The seeder is unbonding and takes no update.
    #[error("seeder {0} is unbonding")]
    NotBonded(String),
    /// The seeder is already unbonding.
    #[error("seeder {0} is already unbonding")]
    AlreadyUnbonding(String),
    /// The seeder is not jailed.
    #[error("seeder {0} is not jailed")]
    NotJailed(String),
    /// The jail has not ended.
    #[error("seeder is jailed until height {until}, now {height}")]
    StillJailed {
        /// The first height at which unjailing is accepted.
        until: u64,
        /// The current height.
        height: u64,
    },
    /// The seeder set is full.
    #[error("the seeder set is full ({max} seeders)")]
    TooManySeeders {
        /// The limit.
        max: u32,
    },
    /// A bad-slice report whose fields do not hold together.
    #[error("invalid report: {0}")]
    InvalidReport(String),
    /// A report signature that does not verify under the seeder's peer key.
    #[error("the slice header signature does not verify under seeder {0}'s peer key")]
    BadSignature(String),
    /// The reported slice verifies against the registered root: nothing to slash.
    #[error("slice verifies: slice {index} with this proof matches the registered root")]
    SliceVerifies {
        /// The slice index.
        index: u64,
    },
    /// This bad slice was reported before.
    #[error("this slice header of seeder {0} was already reported")]
    AlreadyReported(String),
    /// A seeder reporting itself.
    #[error("a seeder cannot report itself")]
    SelfReport,
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
    #[error("invalid seeders genesis: {0}")]
    InvalidGenesis(String),
    /// Stored state that does not decode or cannot be read: a bug, corruption or a
    /// storage failure, never user input.
    #[error("corrupt seeders state: {0}")]
    CorruptState(String),
    /// Arithmetic that would overflow.
    #[error("overflow: {0}")]
    Overflow(String),
    /// A probe report (vote extension) above the size bound.
    #[error("probe report of {len} bytes, limit {max}")]
    ReportTooLarge {
        /// Its length.
        len: usize,
        /// The limit.
        max: usize,
    },
    /// A probe report that does not decode or whose digest is not 8 bytes.
    #[error("malformed probe report: {0}")]
    MalformedProbeReport(String),
    /// A probe report for a round that does not report at this height.
    #[error(
        "probe report for round {round_height} does not belong in the vote at height {vote_height}"
    )]
    WrongRound {
        /// The report's round.
        round_height: u64,
        /// The vote's height.
        vote_height: u64,
    },
    /// A probe report for a round that does not exist.
    #[error("no probe round at height {0}")]
    UnknownRound(u64),
    /// A probe report whose digest is not that of the validator's challenges.
    #[error("probe report digest does not match this validator's challenges")]
    WrongDigest,
    /// Probe bitfields of the wrong length, with stray bits, or passes not probed.
    #[error("invalid probe bitfield: {0}")]
    InvalidBitfield(String),
    /// An update that changes nothing.
    #[error("the update changes nothing")]
    NothingToUpdate,
}

impl SeedersError {
    /// The stable code, in the `seeders` codespace.
    pub fn code(&self) -> u32 {
        match self {
            Self::InvalidAmount(_) => 2,
            Self::BondBelowMinimum { .. } => 3,
            Self::AlreadyBonded(_) => 4,
            Self::PeerIdInUse { .. } => 5,
            Self::InvalidPeerId(_) => 6,
            Self::InvalidAddrs(_) => 7,
            Self::InvalidContents(_) => 8,
            Self::UnknownContent(_) => 9,
            Self::UnknownSeeder(_) => 10,
            Self::NotBonded(_) => 11,
            Self::AlreadyUnbonding(_) => 12,
            Self::NotJailed(_) => 13,
            Self::StillJailed { .. } => 14,
            Self::TooManySeeders { .. } => 15,
            Self::InvalidReport(_) => 16,
            Self::BadSignature(_) => 17,
            Self::SliceVerifies { .. } => 18,
            Self::AlreadyReported(_) => 19,
            Self::SelfReport => 20,
            Self::InvalidAuthority { .. } => 21,
            Self::InvalidParams(_) => 22,
            Self::InvalidGenesis(_) => 23,
            Self::CorruptState(_) => 24,
            Self::Overflow(_) => 25,
            Self::ReportTooLarge { .. } => 26,
            Self::MalformedProbeReport(_) => 27,
            Self::WrongRound { .. } => 28,
            Self::UnknownRound(_) => 29,
            Self::WrongDigest => 30,
            Self::InvalidBitfield(_) => 31,
            Self::NothingToUpdate => 32,
        }
    }
}

impl From<SeedersError> for TxError {
    fn from(e: SeedersError) -> Self {
        TxError::new(crate::MODULE_NAME, e.code(), e.to_string())
    }
}

weave_kernel::impl_module_error!(SeedersError);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_stable() {
        // These numbers are part of the public API; changing one breaks clients.
        let e: TxError = SeedersError::AlreadyBonded("x".into()).into();
        assert_eq!((e.codespace, e.code), ("seeders", 4));
        let all = [
            (SeedersError::InvalidAmount(String::new()), 2),
            (SeedersError::BondBelowMinimum { amount: 0, min: 1 }, 3),
            (
                SeedersError::PeerIdInUse {
                    peer_id: String::new(),
                    seeder: String::new(),
                },
                5,
            ),
            (SeedersError::InvalidPeerId(String::new()), 6),
            (SeedersError::InvalidAddrs(String::new()), 7),
            (SeedersError::InvalidContents(String::new()), 8),
            (SeedersError::UnknownContent(String::new()), 9),
            (SeedersError::UnknownSeeder(String::new()), 10),
            (SeedersError::NotBonded(String::new()), 11),
            (SeedersError::AlreadyUnbonding(String::new()), 12),
            (SeedersError::NotJailed(String::new()), 13),
            (
                SeedersError::StillJailed {
                    until: 0,
                    height: 0,
                },
                14,
            ),
            (SeedersError::TooManySeeders { max: 0 }, 15),
            (SeedersError::InvalidReport(String::new()), 16),
            (SeedersError::BadSignature(String::new()), 17),
            (SeedersError::SliceVerifies { index: 0 }, 18),
            (SeedersError::AlreadyReported(String::new()), 19),
            (SeedersError::SelfReport, 20),
            (
                SeedersError::InvalidAuthority {
                    got: String::new(),
                    expected: String::new(),
                },
                21,
            ),
            (SeedersError::InvalidParams(String::new()), 22),
            (SeedersError::InvalidGenesis(String::new()), 23),
            (SeedersError::CorruptState(String::new()), 24),
            (SeedersError::Overflow(String::new()), 25),
            (SeedersError::ReportTooLarge { len: 0, max: 0 }, 26),
            (SeedersError::MalformedProbeReport(String::new()), 27),
            (
                SeedersError::WrongRound {
                    round_height: 0,
                    vote_height: 0,
                },
                28,
            ),
            (SeedersError::UnknownRound(0), 29),
            (SeedersError::WrongDigest, 30),
            (SeedersError::InvalidBitfield(String::new()), 31),
            (SeedersError::NothingToUpdate, 32),
        ];
        for (e, code) in all {
            assert_eq!(e.code(), code, "{e}");
        }
    }
}
