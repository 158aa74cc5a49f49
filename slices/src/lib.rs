//! Weave's slice format (DESIGN.md section 5).
//!
//! Content is cut into fixed-size slices. Each slice is encrypted with
//! ChaCha20-Poly1305 under a per-content [`ContentKey`], with the nonce derived from the
//! slice index (and the index also bound as associated data), so a slice cannot be
//! replayed at another position. A BLAKE3 Merkle tree ([`MerkleTree`]) is built over the
//! *ciphertext* slices; its root, with the slice size, slice count, plaintext length and
//! cipher, is the [`MetaHash`] registered on chain. Seeders hold ciphertext only and
//! never need the key; a downloader checks every slice against the root with a
//! [`MerkleProof`] before it uses or pays for it. The content key reaches a buyer
//! sealed to their X25519 public key ([`sealed`], [`seal_key`], [`open_key`]).
//!
//! Seeders and downloaders keep slices in a [`SliceStore`] ([`store`]): every slice is
//! verified before it is written, writes are atomic and durable, and a [`Bitfield`]
//! records which slices are present so that an interrupted download resumes.
//!
//! A seeder signs a header for every slice it serves ([`header::sign_bytes`]), so a
//! downloader can prove on chain that a slice it received does not match the root.

mod bitfield;
pub mod header;
mod merkle;
pub mod sealed;
pub mod store;

pub use bitfield::{bitfield_byte_len, Bitfield, BitfieldError};
pub use merkle::{leaf_hash, HashedSlice, MerkleProof, MerkleTree};
pub use sealed::{open_key, seal_key, seal_key_os, BuyerSecret, SEALED_KEY_LEN};
pub use store::{ContentStatus, SliceStore, StoreError, StoreOptions};

use chacha20poly1305::{
    aead::{Aead, AeadInPlace, KeyInit, Payload},
    ChaCha20Poly1305, Key, Nonce,
};
use serde::{Deserialize, Serialize};
use zeroize::Zeroize;

/// The default slice size: 1 MiB.
pub const DEFAULT_SLICE_SIZE: u32 = 1 << 20;
/// The smallest slice size allowed.
pub const MIN_SLICE_SIZE: u32 = 4 * 1024;
/// The largest slice size allowed.
pub const MAX_SLICE_SIZE: u32 = 16 << 20;
/// The AEAD tag each encrypted slice carries.
pub const TAG_LEN: usize = 16;

/// Associated data prefix binding a ciphertext to this format and its index.
const AAD_DOMAIN: &[u8] = b"weave/slice/v1";

/// What can go wrong with slices.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SliceError {
    /// Decryption failed: wrong key, wrong index, or a tampered slice.
    #[error("slice {index} does not decrypt: wrong key or tampered ciphertext")]
    Decrypt {
        /// The slice index.
        index: u64,
    },
    /// Encryption failed (a slice beyond the cipher's length limit).
    #[error("slice {index} could not be encrypted")]
    Encrypt {
        /// The slice index.
        index: u64,
    },
    /// A slice's ciphertext does not match the registered Merkle root.
    #[error("slice {index} does not match the content root")]
    NotInTree {
        /// The slice index.
        index: u64,
    },
    /// The meta-hash fields disagree with each other or are out of range.
    #[error("invalid meta-hash: {0}")]
    InvalidMeta(String),
    /// A slice index beyond the content.
    #[error("slice index {index} out of range (content has {count} slices)")]
    OutOfRange {
        /// The index asked for.
        index: u64,
        /// Slices in the content.
        count: u64,
    },
    /// A Merkle proof's encoding is malformed (wrong length, index outside the tree,
    /// or a sibling count that leaf's path does not have).
    #[error("malformed Merkle proof: {reason}")]
    MalformedProof {
        /// What was wrong.
        reason: String,
    },
    /// A sealed content key could not be sealed or opened: wrong length, wrong
    /// recipient, wrong context, tampered bytes or a low-order X25519 key.
    #[error("sealed content key: {0}")]
    SealedKey(String),
}

/// The symmetric ciphers a meta-hash can name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Cipher {
    /// ChaCha20-Poly1305 (RFC 8439), 12-byte nonce from the slice index.
    ChaCha20Poly1305,
}

impl Cipher {
    /// The byte that names the cipher in the meta-hash encoding.
    pub fn code(self) -> u8 {
        match self {
            Cipher::ChaCha20Poly1305 => 1,
        }
    }
}

/// A per-content 256-bit key. Wiped from memory when dropped.
#[derive(Clone)]
pub struct ContentKey([u8; 32]);

impl Drop for ContentKey {
    fn drop(&mut self) {
        self.0.zeroize();
    }
}

impl std::fmt::Debug for ContentKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ContentKey(..)")
    }
}

impl ContentKey {
    /// A fresh random key from the operating system.
    pub fn generate() -> Self {
        let mut k = [0u8; 32];
        rand_core::RngCore::fill_bytes(&mut rand_core::OsRng, &mut k);
        Self(k)
    }

    /// Wraps key bytes.
    pub fn from_bytes(bytes: [u8; 32]) -> Self {
        Self(bytes)
    }

    /// The key bytes (to seal them to a buyer).
    pub fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }
}

/// The nonce of slice `index`: four zero bytes, then the index big-endian.
pub fn nonce(index: u64) -> [u8; 12] {
    let mut n = [0u8; 12];
    n[4..].copy_from_slice(&index.to_be_bytes());
    n
}

fn aad(index: u64) -> [u8; 22] {
    let mut a = [0u8; 22];
    a[..14].copy_from_slice(AAD_DOMAIN);
    a[14..].copy_from_slice(&index.to_be_bytes());
    a
}

/// Encrypts slice `index`. The ciphertext is the plaintext's length plus [`TAG_LEN`].
pub fn encrypt_slice(
    key: &ContentKey,
    index: u64,
    plaintext: &[u8],
) -> Result<Vec<u8>, SliceError> {
    let cipher = ChaCha20Poly1305::new(Key::from_slice(&key.0));
    let n = nonce(index);
    let a = aad(index);
    cipher
        .encrypt(
            Nonce::from_slice(&n),
            Payload {
                msg: plaintext,
                aad: &a,
            },
        )
        .map_err(|_| SliceError::Encrypt { index })
}

/// Decrypts slice `index`, failing loudly on a wrong key, index or tampered bytes.
pub fn decrypt_slice(
    key: &ContentKey,
    index: u64,
    ciphertext: &[u8],
) -> Result<Vec<u8>, SliceError> {
    let cipher = ChaCha20Poly1305::new(Key::from_slice(&key.0));
    let n = nonce(index);
    let a = aad(index);
    cipher
        .decrypt(
            Nonce::from_slice(&n),
            Payload {
                msg: ciphertext,
                aad: &a,
            },
        )
        .map_err(|_| SliceError::Decrypt { index })
}

/// Decrypts slice `index` in place: on success `buf` (the ciphertext) holds the
/// plaintext, its tag cut off; on failure it is left as it was. The same check as
/// [`decrypt_slice`], without allocating a second buffer (for a caller that owns the
/// ciphertext and needs it no more).
pub fn decrypt_slice_in_place(
    key: &ContentKey,
    index: u64,
    buf: &mut Vec<u8>,
) -> Result<(), SliceError> {
    let Some(split) = buf.len().checked_sub(TAG_LEN) else {
        return Err(SliceError::Decrypt { index });
    };
    let cipher = ChaCha20Poly1305::new(Key::from_slice(&key.0));
    let n = nonce(index);
    let a = aad(index);
    let mut tag = [0u8; TAG_LEN];
    tag.copy_from_slice(&buf[split..]);
    cipher
        .decrypt_in_place_detached(Nonce::from_slice(&n), &a, &mut buf[..split], (&tag).into())
        .map_err(|_| SliceError::Decrypt { index })?;
    buf.truncate(split);
    Ok(())
}

/// How many slices content of `len` bytes has at `slice_size` (empty content: zero).
pub fn slice_count(len: u64, slice_size: u32) -> u64 {
    if slice_size == 0 {
        return 0;
    }
    len.div_ceil(u64::from(slice_size))
}

/// What the chain registers for a piece of content.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct MetaHash {
    /// BLAKE3 Merkle root over the ciphertext slices.
    #[serde(with = "hex32")]
    pub root: [u8; 32],
    /// Plaintext bytes per slice (the last slice may be shorter).
    pub slice_size: u32,
    /// Number of slices.
    pub slice_count: u64,
    /// Plaintext length in bytes.
    pub plaintext_len: u64,
    /// The cipher.
    pub cipher: Cipher,
}

impl MetaHash {
    /// Checks that the fields agree: a slice size in range, a positive length, and a
    /// slice count equal to `ceil(plaintext_len / slice_size)`.
    pub fn validate(&self) -> Result<(), SliceError> {
        if !(MIN_SLICE_SIZE..=MAX_SLICE_SIZE).contains(&self.slice_size) {
            return Err(SliceError::InvalidMeta(format!(
                "slice size {} outside {MIN_SLICE_SIZE}..={MAX_SLICE_SIZE}",
                self.slice_size
            )));
        }
        if self.plaintext_len == 0 {
            return Err(SliceError::InvalidMeta("empty content".into()));
        }
        let expected = slice_count(self.plaintext_len, self.slice_size);
        if self.slice_count != expected {
            return Err(SliceError::InvalidMeta(format!(
                "slice count {} but {} bytes at {} per slice make {expected}",
                self.slice_count, self.plaintext_len, self.slice_size
            )));
        }
        Ok(())
    }

    /// The plaintext length of slice `index`.
    pub fn plaintext_len_of(&self, index: u64) -> Result<u64, SliceError> {
        if index >= self.slice_count {
            return Err(SliceError::OutOfRange {
                index,
                count: self.slice_count,
            });
        }
        let start = index.saturating_mul(u64::from(self.slice_size));
        Ok((self.plaintext_len - start).min(u64::from(self.slice_size)))
    }

    /// Checks a slice received from a seeder against the root.
    pub fn verify_slice(
        &self,
        index: u64,
        ciphertext: &[u8],
        proof: &MerkleProof,
    ) -> Result<(), SliceError> {
        self.verify_hashed(index, &HashedSlice::new(ciphertext), proof)
    }

    /// [`MetaHash::verify_slice`] of a slice already hashed.
    pub fn verify_hashed(
        &self,
        index: u64,
        slice: &HashedSlice<'_>,
        proof: &MerkleProof,
    ) -> Result<(), SliceError> {
        let expected = self.plaintext_len_of(index)? as usize + TAG_LEN;
        if slice.ciphertext().len() != expected
            || proof.index != index
            || proof.leaf_count != self.slice_count
        {
            return Err(SliceError::NotInTree { index });
        }
        if proof.verify(&self.root, slice.leaf()) {
            Ok(())
        } else {
            Err(SliceError::NotInTree { index })
        }
    }

    /// The canonical encoding: root, slice size, slice count, plaintext length
    /// (big-endian) and the cipher code. Its BLAKE3 hash is [`MetaHash::id`].
    pub fn to_bytes(&self) -> [u8; 53] {
        let mut b = [0u8; 53];
        b[..32].copy_from_slice(&self.root);
        b[32..36].copy_from_slice(&self.slice_size.to_be_bytes());
        b[36..44].copy_from_slice(&self.slice_count.to_be_bytes());
        b[44..52].copy_from_slice(&self.plaintext_len.to_be_bytes());
        b[52] = self.cipher.code();
        b
    }

    /// A content identifier bound to every field of the meta-hash.
    pub fn id(&self) -> [u8; 32] {
        *blake3::hash(&self.to_bytes()).as_bytes()
    }
}

/// Cuts and encrypts content: the ciphertext slices, their Merkle tree and the
/// meta-hash.
pub fn seal(
    key: &ContentKey,
    plaintext: &[u8],
    slice_size: u32,
) -> Result<(Vec<Vec<u8>>, MerkleTree, MetaHash), SliceError> {
    if !(MIN_SLICE_SIZE..=MAX_SLICE_SIZE).contains(&slice_size) {
        return Err(SliceError::InvalidMeta(format!(
            "slice size {slice_size} out of range"
        )));
    }
    if plaintext.is_empty() {
        return Err(SliceError::InvalidMeta("empty content".into()));
    }
    let slices: Vec<Vec<u8>> = plaintext
        .chunks(slice_size as usize)
        .enumerate()
        .map(|(i, chunk)| encrypt_slice(key, i as u64, chunk))
        .collect::<Result<_, _>>()?;
    let leaves: Vec<[u8; 32]> = slices.iter().map(|s| leaf_hash(s)).collect();
    let tree = MerkleTree::new(leaves);
    let meta = MetaHash {
        root: tree.root(),
        slice_size,
        slice_count: slices.len() as u64,
        plaintext_len: plaintext.len() as u64,
        cipher: Cipher::ChaCha20Poly1305,
    };
    Ok((slices, tree, meta))
}

mod hex32 {
    use serde::{Deserialize, Deserializer, Serializer};

    pub(super) fn serialize<S: Serializer>(v: &[u8; 32], s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&hex::encode(v))
    }

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<[u8; 32], D::Error> {
        let s = String::deserialize(d)?;
        let v = hex::decode(&s).map_err(serde::de::Error::custom)?;
        v.try_into()
            .map_err(|_| serde::de::Error::custom("root must be 32 bytes"))
    }
}

#[cfg(test)]
mod tests;
