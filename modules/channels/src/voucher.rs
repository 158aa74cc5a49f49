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
/// nothing, and execution verifies. It is emptied when it grows past a bound.
#[derive(Debug, Default)]
pub struct VerifiedCache {
    seen: Mutex<std::collections::BTreeSet<[u8; 32]>>,
}

/// Entries kept before the cache is emptied.
const CACHE_LIMIT: usize = 1 << 16;

impl VerifiedCache {
    /// Batch-verifies `items` and remembers the ones that verified.
    pub fn verify_and_remember(&self, items: &[SignatureItem]) {
        let pending: Vec<SignatureItem> = {
            let seen = self.lock();
            items
                .iter()
                .filter(|i| !seen.contains(&digest(i)))
                .cloned()
                .collect()
        };
        if pending.is_empty() {
            return;
        }
        let verdicts = verify_batch(&pending);
        let mut seen = self.lock();
        if seen.len() + pending.len() > CACHE_LIMIT {
            seen.clear();
        }
        for (item, ok) in pending.iter().zip(verdicts) {
            if ok {
                seen.insert(digest(item));
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
            let mut seen = self.lock();
            if seen.len() >= CACHE_LIMIT {
                seen.clear();
            }
            seen.insert(digest);
        }
        ok
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, std::collections::BTreeSet<[u8; 32]>> {
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
        assert_eq!(seen.len(), 15);
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
