//! What CometBFT tells the application about consensus, and what the application
//! tells it back: the votes of the last commit, reported misbehaviour, and changes to
//! the validator set.

/// Length in bytes of a CometBFT consensus address.
pub const CONSENSUS_ADDRESS_LEN: usize = 20;

/// A consensus address: the first 20 bytes of SHA-256 of a validator's consensus key.
pub type ConsensusAddress = [u8; CONSENSUS_ADDRESS_LEN];

/// The consensus address CometBFT derives from an ed25519 consensus public key.
pub fn consensus_address(ed25519_pubkey: &[u8]) -> ConsensusAddress {
    *crate::Address::from_ed25519(ed25519_pubkey).as_bytes()
}

/// One validator's vote in the commit of the previous block
/// (`RequestFinalizeBlock.decided_last_commit`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct VoteInfo {
    /// The validator's consensus address.
    pub validator_address: ConsensusAddress,
    /// Its voting power in that block.
    pub power: i64,
    /// True if its precommit for the block is in the commit (`BlockIdFlag::Commit`).
    pub signed: bool,
}

/// One validator's vote extension from the extended commit of the previous height, as
/// the block's proposer injected it and the application verified it (signature by the
/// validator's consensus key, vote in the decided commit).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExtendedVote {
    /// The validator's consensus address.
    pub validator_address: ConsensusAddress,
    /// Its voting power at that height.
    pub power: i64,
    /// The extension bytes it signed.
    pub extension: Vec<u8>,
}

/// The kind of misbehaviour CometBFT reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MisbehaviorKind {
    /// Two conflicting votes at one height and round (double signing).
    DuplicateVote,
    /// A light client was given a conflicting header the validator signed.
    LightClientAttack,
    /// A kind this version does not know.
    Unknown,
}

/// Misbehaviour of one validator, with CometBFT's evidence already verified
/// (`RequestFinalizeBlock.misbehavior`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Misbehavior {
    /// What it did.
    pub kind: MisbehaviorKind,
    /// The validator's consensus address.
    pub validator_address: ConsensusAddress,
    /// Its voting power at the infraction.
    pub power: i64,
    /// The height of the infraction.
    pub height: u64,
    /// Block time of the infraction, seconds since the Unix epoch.
    pub time_seconds: i64,
    /// Total voting power of the validator set at the infraction.
    pub total_voting_power: i64,
}

/// A change to CometBFT's validator set: the validator with this ed25519 consensus key
/// gets `power` (0 removes it).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct ValidatorUpdate {
    /// The 32-byte ed25519 consensus public key.
    pub pub_key_ed25519: [u8; 32],
    /// The new voting power; 0 removes the validator.
    pub power: i64,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn consensus_address_is_the_sha256_prefix_of_the_key() {
        use sha2::{Digest, Sha256};
        let key = [7u8; 32];
        let digest = Sha256::digest(key);
        assert_eq!(consensus_address(&key)[..], digest[..CONSENSUS_ADDRESS_LEN]);
        assert_ne!(consensus_address(&key), consensus_address(&[8u8; 32]));
    }
}
