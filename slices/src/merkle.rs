//! The BLAKE3 Merkle tree over ciphertext slices, with inclusion proofs.
//!
//! Leaves are `BLAKE3(0x00 || ciphertext)`, inner nodes `BLAKE3(0x01 || left || right)`;
//! the prefixes keep a leaf from ever passing as a node. On a level with an odd number
//! of nodes the last one moves up unchanged. A proof names the leaf index, the leaf
//! count and the sibling hashes from the bottom up.
//!
//! A proof's compact encoding ([`MerkleProof::to_bytes`]) is the leaf index and the
//! leaf count (both `u64` big-endian), one byte giving the number of siblings, then the
//! 32-byte siblings in order: `17 + 32 * siblings` bytes, at most
//! [`MerkleProof::MAX_ENCODED_LEN`]. Decoding is strict: the length must match exactly,
//! the index must lie inside the tree and the sibling count must be the one a tree of
//! that size has on that leaf's path, so every proof has exactly one encoding.

use crate::SliceError;

const LEAF: u8 = 0x00;
const NODE: u8 = 0x01;

/// The hash of one ciphertext slice as a leaf of the tree.
pub fn leaf_hash(ciphertext: &[u8]) -> [u8; 32] {
    let mut h = blake3::Hasher::new();
    h.update(&[LEAF]);
    h.update(ciphertext);
    *h.finalize().as_bytes()
}

/// A ciphertext slice with its leaf hash, hashed once: the downloader checks the
/// seeder's signature over the leaf hash and then stores the slice, which checks the
/// same leaf against the root, and the seeder reads a slice back (verifying it) and
/// then signs its leaf hash. Only [`HashedSlice::new`] makes one, so the hash always
/// belongs to the bytes.
#[derive(Debug, Clone, Copy)]
pub struct HashedSlice<'a> {
    ciphertext: &'a [u8],
    leaf: [u8; 32],
}

impl<'a> HashedSlice<'a> {
    /// Hashes `ciphertext` as a leaf.
    pub fn new(ciphertext: &'a [u8]) -> Self {
        HashedSlice {
            ciphertext,
            leaf: leaf_hash(ciphertext),
        }
    }

    /// The ciphertext.
    pub fn ciphertext(&self) -> &'a [u8] {
        self.ciphertext
    }

    /// Its leaf hash, [`leaf_hash`] of the ciphertext.
    pub fn leaf(&self) -> &[u8; 32] {
        &self.leaf
    }
}

fn node_hash(left: &[u8; 32], right: &[u8; 32]) -> [u8; 32] {
    let mut h = blake3::Hasher::new();
    h.update(&[NODE]);
    h.update(left);
    h.update(right);
    *h.finalize().as_bytes()
}

/// A full tree, every level kept, for serving proofs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MerkleTree {
    /// Level 0 holds the leaves; the last level holds the root.
    levels: Vec<Vec<[u8; 32]>>,
}

/// An inclusion proof for one leaf.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct MerkleProof {
    /// The leaf's index.
    pub index: u64,
    /// How many leaves the tree has.
    pub leaf_count: u64,
    /// Sibling hashes, bottom up (levels where the node moved up unpaired have none).
    pub siblings: Vec<[u8; 32]>,
}

impl MerkleTree {
    /// Builds the tree over leaf hashes.
    pub fn new(leaves: Vec<[u8; 32]>) -> Self {
        let mut levels = vec![leaves];
        while levels.last().is_some_and(|l| l.len() > 1) {
            let below = levels.last().map(Vec::as_slice).unwrap_or_default();
            let next: Vec<[u8; 32]> = below
                .chunks(2)
                .map(|pair| match pair {
                    [l, r] => node_hash(l, r),
                    [only] => *only,
                    _ => [0u8; 32],
                })
                .collect();
            levels.push(next);
        }
        Self { levels }
    }

    /// The root; all zeros for an empty tree.
    pub fn root(&self) -> [u8; 32] {
        self.levels
            .last()
            .and_then(|l| l.first())
            .copied()
            .unwrap_or([0u8; 32])
    }

    /// The number of leaves.
    pub fn leaf_count(&self) -> u64 {
        self.levels.first().map_or(0, |l| l.len() as u64)
    }

    /// The proof for leaf `index`, or `None` beyond the last leaf.
    pub fn proof(&self, index: u64) -> Option<MerkleProof> {
        if index >= self.leaf_count() {
            return None;
        }
        let mut siblings = Vec::new();
        let mut i = index as usize;
        for level in &self.levels[..self.levels.len().saturating_sub(1)] {
            let sibling = i ^ 1;
            if let Some(h) = level.get(sibling) {
                siblings.push(*h);
            }
            i /= 2;
        }
        Some(MerkleProof {
            index,
            leaf_count: self.leaf_count(),
            siblings,
        })
    }
}

impl MerkleProof {
    /// The most siblings a proof can carry (a tree of up to 2^64 leaves).
    pub const MAX_SIBLINGS: usize = 64;
    /// The length of the fixed part of the encoding: index, leaf count, sibling count.
    pub const HEADER_LEN: usize = 17;
    /// The longest encoding: the header and [`MerkleProof::MAX_SIBLINGS`] siblings.
    pub const MAX_ENCODED_LEN: usize = Self::HEADER_LEN + 32 * Self::MAX_SIBLINGS;

    /// The number of siblings on leaf `index`'s path in a tree of `leaf_count` leaves
    /// (levels where the node moves up unpaired contribute none); `None` if the index
    /// is outside the tree.
    pub fn sibling_count(index: u64, leaf_count: u64) -> Option<usize> {
        if index >= leaf_count {
            return None;
        }
        let (mut index, mut width, mut count) = (index, leaf_count, 0usize);
        while width > 1 {
            if index % 2 == 1 || index + 1 < width {
                count += 1;
            }
            index /= 2;
            width = width.div_ceil(2);
        }
        Some(count)
    }

    /// The compact encoding (see the module docs).
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(Self::HEADER_LEN + 32 * self.siblings.len());
        out.extend_from_slice(&self.index.to_be_bytes());
        out.extend_from_slice(&self.leaf_count.to_be_bytes());
        // A proof built by `MerkleTree::proof` has at most 64 siblings; a longer one
        // cannot verify anyway, and saturating keeps the encoding total (it then fails
        // to decode rather than decoding as something else).
        out.push(u8::try_from(self.siblings.len()).unwrap_or(u8::MAX));
        for s in &self.siblings {
            out.extend_from_slice(s);
        }
        out
    }

    /// Decodes [`MerkleProof::to_bytes`], refusing anything but an exact, canonical
    /// encoding: the length must match the sibling count, the index must lie inside the
    /// tree, and the sibling count must be the one that leaf's path has.
    pub fn from_bytes(bytes: &[u8]) -> Result<MerkleProof, SliceError> {
        let malformed = |reason: String| SliceError::MalformedProof { reason };
        if bytes.len() < Self::HEADER_LEN {
            return Err(malformed(format!(
                "{} bytes, shorter than the {}-byte header",
                bytes.len(),
                Self::HEADER_LEN
            )));
        }
        if bytes.len() > Self::MAX_ENCODED_LEN {
            return Err(malformed(format!(
                "{} bytes, longer than the {}-byte maximum",
                bytes.len(),
                Self::MAX_ENCODED_LEN
            )));
        }
        let (header, rest) = bytes.split_at(Self::HEADER_LEN);
        let mut word = [0u8; 8];
        word.copy_from_slice(&header[..8]);
        let index = u64::from_be_bytes(word);
        word.copy_from_slice(&header[8..16]);
        let leaf_count = u64::from_be_bytes(word);
        let count = usize::from(header[16]);
        if rest.len() != 32 * count {
            return Err(malformed(format!(
                "{count} siblings need {} bytes after the header, found {}",
                32 * count,
                rest.len()
            )));
        }
        let Some(expected) = Self::sibling_count(index, leaf_count) else {
            return Err(malformed(format!(
                "leaf {index} outside a tree of {leaf_count} leaves"
            )));
        };
        if count != expected {
            return Err(malformed(format!(
                "{count} siblings, but leaf {index} of {leaf_count} has {expected}"
            )));
        }
        let siblings = rest
            .chunks_exact(32)
            .map(|c| {
                let mut h = [0u8; 32];
                h.copy_from_slice(c);
                h
            })
            .collect();
        Ok(MerkleProof {
            index,
            leaf_count,
            siblings,
        })
    }

    /// True if `leaf` at `self.index` hashes up to `root`. Bounded by the proof's
    /// length: a proof with extra or missing siblings fails.
    pub fn verify(&self, root: &[u8; 32], leaf: &[u8; 32]) -> bool {
        if self.index >= self.leaf_count || self.siblings.len() > 64 {
            return false;
        }
        let mut hash = *leaf;
        let mut index = self.index;
        let mut width = self.leaf_count;
        let mut siblings = self.siblings.iter();
        while width > 1 {
            if index % 2 == 1 {
                let Some(s) = siblings.next() else {
                    return false;
                };
                hash = node_hash(s, &hash);
            } else if index + 1 < width {
                let Some(s) = siblings.next() else {
                    return false;
                };
                hash = node_hash(&hash, s);
            }
            index /= 2;
            width = width.div_ceil(2);
        }
        siblings.next().is_none() && &hash == root
    }
}
