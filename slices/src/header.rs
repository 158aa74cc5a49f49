//! What a seeder signs for every slice it serves.
//!
//! Each slice response carries a header signed with the seeder's libp2p (ed25519)
//! identity key over [`sign_bytes`]: the content root, the slice index, the leaf hash
//! of the ciphertext sent ([`crate::leaf_hash`]) and the BLAKE3 hash of the encoded
//! Merkle proof sent ([`crate::MerkleProof::to_bytes`]). A downloader that receives a
//! slice which does not verify against the root keeps the header, the proof and the
//! signature: together they prove on chain that this seeder served a bad slice, and the
//! seeders module slashes it.

/// Prefixed to every slice header before signing.
pub const SIGN_DOMAIN: &[u8] = b"weave/slice-header/v1";

/// The length of [`sign_bytes`]' output.
pub const SIGN_BYTES_LEN: usize = SIGN_DOMAIN.len() + 32 + 8 + 32 + 32;

/// The bytes a seeder signs for one slice response:
/// `"weave/slice-header/v1" || content_root || slice_index (u64 big-endian) ||
/// ciphertext_hash || BLAKE3(proof)`.
pub fn sign_bytes(
    content_root: &[u8; 32],
    slice_index: u64,
    ciphertext_hash: &[u8; 32],
    proof: &[u8],
) -> Vec<u8> {
    let mut m = Vec::with_capacity(SIGN_BYTES_LEN);
    m.extend_from_slice(SIGN_DOMAIN);
    m.extend_from_slice(content_root);
    m.extend_from_slice(&slice_index.to_be_bytes());
    m.extend_from_slice(ciphertext_hash);
    m.extend_from_slice(blake3::hash(proof).as_bytes());
    m
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_field_is_bound() {
        let base = sign_bytes(&[1; 32], 7, &[2; 32], b"proof");
        assert_eq!(base.len(), SIGN_BYTES_LEN);
        assert!(base.starts_with(SIGN_DOMAIN));
        assert_eq!(
            &base[SIGN_DOMAIN.len() + 32..SIGN_DOMAIN.len() + 40],
            &[0, 0, 0, 0, 0, 0, 0, 7]
        );
        for other in [
            sign_bytes(&[9; 32], 7, &[2; 32], b"proof"),
            sign_bytes(&[1; 32], 8, &[2; 32], b"proof"),
            sign_bytes(&[1; 32], 7, &[3; 32], b"proof"),
            sign_bytes(&[1; 32], 7, &[2; 32], b"proog"),
        ] {
            assert_ne!(base, other);
        }
    }
}
