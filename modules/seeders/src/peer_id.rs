//! libp2p peer ids of ed25519 identities, read by hand.
//!
//! libp2p encodes a public key as the protobuf `PublicKey { Type = 1 (Ed25519), Data =
//! 32 bytes }`, i.e. `08 01 12 20 <key>` (36 bytes). A key that short is not hashed:
//! its `PeerId` is the *identity* multihash of the encoding, code `0x00` and length
//! `0x24`. So an ed25519 peer id is exactly 38 bytes,
//! `00 24 08 01 12 20 <32-byte key>`, and the key inside it is what verifies the
//! seeder's slice-header signatures. Any other peer id (an RSA or secp256k1 identity,
//! a SHA-256 multihash) is refused.

use ed25519_consensus::VerificationKey;

use crate::SeedersError;

/// What every ed25519 peer id starts with: identity multihash (code 0, length 36),
/// then the protobuf key type (field 1 = 1, Ed25519) and data header (field 2, 32
/// bytes).
pub const ED25519_PEER_ID_PREFIX: [u8; 6] = [0x00, 0x24, 0x08, 0x01, 0x12, 0x20];

/// The length of an ed25519 peer id.
pub const ED25519_PEER_ID_LEN: usize = ED25519_PEER_ID_PREFIX.len() + 32;

/// The ed25519 public key inside a peer id, checked to be a valid curve point.
pub fn ed25519_key(peer_id: &[u8]) -> Result<[u8; 32], SeedersError> {
    let bad = |m: String| Err(SeedersError::InvalidPeerId(m));
    if peer_id.len() < 2 || peer_id[0] != 0x00 {
        return bad(
            "not an identity multihash: only ed25519 peer ids (00 24 08 01 12 20 <key>) \
             are accepted"
                .into(),
        );
    }
    if peer_id.len() != ED25519_PEER_ID_LEN {
        return bad(format!(
            "{} bytes; an ed25519 peer id has {ED25519_PEER_ID_LEN}",
            peer_id.len()
        ));
    }
    let (prefix, key) = peer_id.split_at(ED25519_PEER_ID_PREFIX.len());
    if prefix != ED25519_PEER_ID_PREFIX {
        return bad(format!(
            "key header {} is not an ed25519 public key (expected 0024 0801 1220)",
            hex::encode(prefix)
        ));
    }
    let mut out = [0u8; 32];
    out.copy_from_slice(key);
    VerificationKey::try_from(out)
        .map_err(|e| SeedersError::InvalidPeerId(format!("not an ed25519 point: {e}")))?;
    Ok(out)
}

/// The peer id of an ed25519 public key (what libp2p's `PeerId::from_public_key`
/// gives).
pub fn ed25519_peer_id(key: &[u8; 32]) -> Vec<u8> {
    let mut out = Vec::with_capacity(ED25519_PEER_ID_LEN);
    out.extend_from_slice(&ED25519_PEER_ID_PREFIX);
    out.extend_from_slice(key);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use ed25519_consensus::SigningKey;

    #[test]
    fn matches_libp2p() {
        // libp2p-identity 0.3.1: Keypair::ed25519_from_bytes([5; 32]).public()
        // .to_peer_id().to_bytes().
        let key = VerificationKey::from(&SigningKey::from([5; 32])).to_bytes();
        assert_eq!(
            hex::encode(ed25519_peer_id(&key)),
            "0024080112206e7a1cdd29b0b78fd13af4c5598feff4ef2a97166e3ca6f2e4fbfccd80505bf1"
        );
    }

    #[test]
    fn round_trips_and_refuses_everything_else() {
        let key = VerificationKey::from(&SigningKey::from([5; 32])).to_bytes();
        let id = ed25519_peer_id(&key);
        assert_eq!(id.len(), 38);
        assert_eq!(ed25519_key(&id), Ok(key));
        // A SHA-256 multihash (RSA identities), a secp256k1 key, a truncated id.
        let mut sha = vec![0x12, 0x20];
        sha.extend_from_slice(&[7; 32]);
        let mut secp = vec![0x00, 0x25, 0x08, 0x02, 0x12, 0x21];
        secp.extend_from_slice(&[2; 33]);
        for bad in [sha, secp, id[..37].to_vec(), Vec::new(), vec![0]] {
            assert!(
                matches!(ed25519_key(&bad), Err(SeedersError::InvalidPeerId(_))),
                "{}",
                hex::encode(&bad)
            );
        }
    }
}
