//! The BLAKE3 Merkle tree over ciphertext slices, with inclusion proofs.
//!
//! Leaves are `BLAKE3(0x00 || ciphertext)`, inner nodes `BLAKE3(0x01 || left || right)`;
//! the prefixes keep a leaf from ever passing as a node. On a level with an odd number
//! of nodes the last one moves up unchanged. A proof names the leaf index, the leaf
//! count and the sibling hashes from the bottom up.

const LEAF: u8 = 0x00;
const NODE: u8 = 0x01;

/// The hash of one ciphertext slice as a leaf of the tree.
pub fn leaf_hash(ciphertext: &[u8]) -> [u8; 32] {
    let mut h = blake3::Hasher::new();
    h.update(&[LEAF]);
    h.update(ciphertext);
    *h.finalize().as_bytes()
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
