//! Vouchers as the channels module checks them: the format, signing and verification
//! come from [`weave_voucher`] (re-exported here); this module adds the cache that
//! lets a block's vouchers be batch-verified once.
//!
//! A [`SignedVoucher`](weave_proto::weave::channels::v1::SignedVoucher) carries the
//! encoded [`weave_proto::weave::channels::v1::Voucher`] exactly as signed; the
//! signature covers [`SIGN_DOMAIN`] followed by those bytes, so no re-encoding can
//! change what was signed.

use std::sync::Mutex;

pub use weave_voucher::{
    sign_bytes, verify_batch, SignatureItem, Voucher, VoucherError, MAX_VOUCHER_LEN, SIGN_DOMAIN,
};

/// The cache key of a signature: the digest of (key, signature, voucher).
fn digest(item: &SignatureItem) -> [u8; 32] {
    let mut h = blake3::Hasher::new();
    h.update(&item.key);
    h.update(&item.signature);
    h.update(&item.voucher);
    *h.finalize().as_bytes()
}

/// Signatures already verified, by digest of (key, signature, voucher). A hit means
/// exactly that triple verified, so execution may skip the check; a miss means
/// nothing, and execution verifies. It holds at most [`CACHE_LIMIT`] digests and
/// forgets the oldest first, so a block's batch-verified vouchers are still there when
/// the block executes (it used to empty itself at its bound, and then the block
/// verified them again one by one).
#[derive(Debug, Default)]
pub struct VerifiedCache {
    seen: Mutex<Seen>,
}

#[derive(Debug, Default)]
struct Seen {
    set: std::collections::BTreeSet<[u8; 32]>,
    order: std::collections::VecDeque<[u8; 32]>,
}

impl Seen {
    fn contains(&self, digest: &[u8; 32]) -> bool {
        self.set.contains(digest)
    }

    /// Remembers `digest`, forgetting the oldest beyond [`CACHE_LIMIT`].
    fn insert(&mut self, digest: [u8; 32]) {
        if self.set.insert(digest) {
            self.order.push_back(digest);
            while self.order.len() > CACHE_LIMIT {
                if let Some(old) = self.order.pop_front() {
                    self.set.remove(&old);
                }
            }
        }
    }
}

/// Digests kept: several blocks' worth of vouchers at 30,000 a second.
const CACHE_LIMIT: usize = 1 << 18;

impl VerifiedCache {
    /// Batch-verifies `items` and remembers the ones that verified.
    pub fn verify_and_remember(&self, items: &[SignatureItem]) {
        let (pending, digests): (Vec<SignatureItem>, Vec<[u8; 32]>) = {
            let seen = self.lock();
            items
                .iter()
                .map(|i| (i, digest(i)))
                .filter(|(_, d)| !seen.contains(d))
                .map(|(i, d)| (i.clone(), d))
                .unzip()
        };
        if pending.is_empty() {
            return;
        }
        let verdicts = verify_batch(&pending);
        let mut seen = self.lock();
        for (digest, ok) in digests.into_iter().zip(verdicts) {
            if ok {
                seen.insert(digest);
            }
        }
    }

    /// Whether the item verifies: from the cache, or checked now (and then
    /// remembered, so that a mempool recheck or the block does not check it again).
    pub fn verify(&self, item: &SignatureItem) -> bool {
        let digest = digest(item);
        if self.lock().contains(&digest) {
            return true;
        }
        let ok = item.verify();
        if ok {
            self.lock().insert(digest);
        }
        ok
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Seen> {
        // A poisoned lock only means another thread panicked mid-insert; the set of
        // digests is still a valid set.
        self.seen
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

#[cfg(test)]
mod tests {
    use ed25519_consensus::{SigningKey, VerificationKey};
    use weave_kernel::Address;

    use super::*;
    use crate::ChannelsError;

    fn voucher(nonce: u64) -> Voucher {
        Voucher {
            chain_id: "c".into(),
            channel_id: 1,
            seeder: Address::new([3; 20]),
            content_root: [9; 32],
            cumulative_bytes: 1 << 20,
            cumulative_amount: 1000,
            nonce,
        }
    }

    #[test]
    fn the_cache_remembers_only_what_verified() {
        let sk = SigningKey::from([1; 32]);
        let key = VerificationKey::from(&sk).to_bytes();
        let mut items: Vec<SignatureItem> = (1..=6)
            .map(|n| SignatureItem::new(key, &voucher(n).sign(&sk)).unwrap())
            .collect();
        items[2].signature[0] ^= 1;
        items[4].key = [0xff; 32];
        let cache = VerifiedCache::default();
        cache.verify_and_remember(&items);
        assert!(cache.verify(&items[0]));
        assert!(!cache.verify(&items[2]));
        assert!(!cache.verify(&items[4]));
        assert!(cache.seen.lock().unwrap().contains(&digest(&items[5])));
        assert!(!cache.seen.lock().unwrap().contains(&digest(&items[2])));
    }

    /// One bad voucher among 16 in a block's batch: exactly the 15 others are
    /// remembered, and the bad one is not.
    #[test]
    fn one_bad_voucher_leaves_the_others_verified() {
        let sk = SigningKey::from([1; 32]);
        let key = VerificationKey::from(&sk).to_bytes();
        let mut items: Vec<SignatureItem> = (1..=16)
            .map(|n| SignatureItem::new(key, &voucher(n).sign(&sk)).unwrap())
            .collect();
        items[6].signature[1] ^= 1;
        let cache = VerifiedCache::default();
        cache.verify_and_remember(&items);
        let seen = cache.seen.lock().unwrap();
        for (i, item) in items.iter().enumerate() {
            assert_eq!(seen.contains(&digest(item)), i != 6, "item {i}");
        }
        assert_eq!(seen.set.len(), 15);
    }

    /// Past its bound the cache forgets its oldest digests only: the newest (a block
    /// batch-verified a moment ago) stay.
    #[test]
    fn a_full_cache_forgets_the_oldest_first() {
        let mut seen = Seen::default();
        for i in 0..CACHE_LIMIT as u64 + 5 {
            let mut d = [0u8; 32];
            d[..8].copy_from_slice(&i.to_be_bytes());
            seen.insert(d);
        }
        assert_eq!(seen.set.len(), CACHE_LIMIT);
        assert_eq!(seen.order.len(), CACHE_LIMIT);
        let key = |i: u64| {
            let mut d = [0u8; 32];
            d[..8].copy_from_slice(&i.to_be_bytes());
            d
        };
        assert!(!seen.contains(&key(4)));
        assert!(seen.contains(&key(5)));
        assert!(seen.contains(&key(CACHE_LIMIT as u64 + 4)));
        // Inserting a digest it holds changes nothing.
        seen.insert(key(5));
        assert_eq!(seen.order.len(), CACHE_LIMIT);
    }

    /// A voucher that does not parse is still `MalformedVoucher`, code 10, with the
    /// same log as before the format moved to `weave-voucher`.
    #[test]
    fn parse_errors_keep_their_code_and_log() {
        let err: ChannelsError = Voucher::decode(&[0u8; MAX_VOUCHER_LEN + 1])
            .unwrap_err()
            .into();
        assert_eq!(err.code(), 10);
        assert_eq!(
            err.to_string(),
            format!(
                "malformed voucher: {} bytes, limit {MAX_VOUCHER_LEN}",
                MAX_VOUCHER_LEN + 1
            )
        );
        let mut wire = voucher(1).to_wire();
        wire.content_root = vec![1; 5];
        let err: ChannelsError = Voucher::decode(&prost::Message::encode_to_vec(&wire))
            .unwrap_err()
            .into();
        assert_eq!(
            err,
            ChannelsError::MalformedVoucher("content_root must be 32 bytes".into())
        );
    }
}
