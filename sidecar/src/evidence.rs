//! Evidence that a seeder served a bad slice: what it signed, which the chain checks
//! against the registered root (`MsgReportBadSlice`).

use libp2p::{identity::PublicKey, PeerId};

use crate::protocol::SIGNATURE_LEN;

/// How many pieces of evidence a sidecar keeps for its node to report.
pub const MAX_EVIDENCE_KEPT: usize = 256;

/// A slice that failed verification against its root, with the serving seeder's valid
/// signature over its header: proof, on chain, that this seeder served it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct BadSliceEvidence {
    /// The seeder that served it.
    pub seeder: PeerId,
    /// The content root.
    pub content_root: [u8; 32],
    /// The slice index.
    pub slice_index: u64,
    /// `weave_slices::leaf_hash` of the ciphertext served.
    pub ciphertext_hash: [u8; 32],
    /// The proof served (`MerkleProof::to_bytes`).
    pub proof: Vec<u8>,
    /// The seeder's signature over `weave_slices::header::sign_bytes`.
    pub signature: [u8; SIGNATURE_LEN],
}

/// The public key an ed25519 peer id embeds (identity multihash), if it does.
pub fn peer_public_key(peer: &PeerId) -> Option<PublicKey> {
    let mh = peer.as_ref();
    if mh.code() != 0 {
        return None;
    }
    PublicKey::try_decode_protobuf(mh.digest()).ok()
}

/// Whether `signature` is `seeder`'s over the header of this slice as served.
pub fn header_signed_by(
    seeder: &PeerId,
    root: &[u8; 32],
    index: u64,
    ciphertext_hash: &[u8; 32],
    proof: &[u8],
    signature: &[u8; SIGNATURE_LEN],
) -> bool {
    let Some(key) = peer_public_key(seeder) else {
        return false;
    };
    key.verify(
        &weave_slices::header::sign_bytes(root, index, ciphertext_hash, proof),
        signature,
    )
}
