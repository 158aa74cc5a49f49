//! A bounded cache of signatures that already verified.
//!
//! A transaction's signatures are checked when it enters the mempool; the same bytes
//! are checked again when a block carrying it is proposed and executed. The cache key
//! is a hash of everything the check depends on (key, signed bytes, signature), so a
//! hit means re-verifying would succeed: the result is the same on every node, with or
//! without the cache. It is node-local and never part of state.

use std::collections::{BTreeSet, VecDeque};
use std::sync::Mutex;

use sha2::{Digest, Sha256};

/// How many verified signatures the cache remembers.
const CAPACITY: usize = 200_000;

/// The cache.
#[derive(Debug, Default)]
pub struct SigCache {
    inner: Mutex<Entries>,
}

#[derive(Debug, Default)]
struct Entries {
    set: BTreeSet<[u8; 32]>,
    order: VecDeque<[u8; 32]>,
}

/// The cache key of one signature check.
pub fn key(pub_key: &[u8], sign_bytes: &[u8], signature: &[u8]) -> [u8; 32] {
    let mut h = Sha256::new();
    for part in [pub_key, sign_bytes, signature] {
        h.update((part.len() as u64).to_be_bytes());
        h.update(part);
    }
    h.finalize().into()
}

impl SigCache {
    /// True if this check succeeded before.
    pub fn contains(&self, key: &[u8; 32]) -> bool {
        self.inner
            .lock()
            .map(|e| e.set.contains(key))
            .unwrap_or(false)
    }

    /// Remembers a successful check, forgetting the oldest beyond capacity.
    pub fn insert(&self, key: [u8; 32]) {
        if let Ok(mut e) = self.inner.lock() {
            if e.set.insert(key) {
                e.order.push_back(key);
                while e.order.len() > CAPACITY {
                    if let Some(old) = e.order.pop_front() {
                        e.set.remove(&old);
                    }
                }
            }
        }
    }
}
