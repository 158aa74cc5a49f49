//! Vouchers: what a payer's voucher key signs, how it is checked, and the cache that
//! lets a block's vouchers be batch-verified once.
//!
//! A [`SignedVoucher`](pb::SignedVoucher) carries the encoded [`pb::Voucher`] exactly
//! as signed; the signature covers [`SIGN_DOMAIN`] followed by those bytes, so no
//! re-encoding can change what was signed.

use std::sync::Mutex;

use ed25519_consensus::{batch, Signature, SigningKey, VerificationKey};
use prost::Message;
use weave_kernel::{parse_amount, Address};
use weave_proto::weave::channels::v1 as pb;

use crate::ChannelsError;

/// Prefixed to the voucher bytes before signing.
pub const SIGN_DOMAIN: &[u8] = b"weave/voucher/v1";

/// The largest encoded voucher accepted.
pub const MAX_VOUCHER_LEN: usize = 512;

/// A voucher whose fields parsed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Voucher {
    /// The chain it is valid on.
    pub chain_id: String,
    /// The channel paying.
    pub channel_id: u64,
    /// The seeder paid.
    pub seeder: Address,
    /// The content served.
    pub content_root: [u8; 32],
    /// Bytes served on this lane so far.
    pub cumulative_bytes: u64,
    /// uweave owed on this lane so far.
    pub cumulative_amount: u128,
    /// Strictly increasing per lane.
    pub nonce: u64,
}

impl Voucher {
    /// The wire form.
    pub fn to_wire(&self) -> pb::Voucher {
        pb::Voucher {
            chain_id: self.chain_id.clone(),
            channel_id: self.channel_id,
            seeder: self.seeder.to_string(),
            content_root: self.content_root.to_vec(),
            cumulative_bytes: self.cumulative_bytes,
            cumulative_amount: self.cumulative_amount.to_string(),
            nonce: self.nonce,
        }
    }

    /// Parses voucher bytes.
    pub fn decode(bytes: &[u8]) -> Result<Self, ChannelsError> {
        if bytes.len() > MAX_VOUCHER_LEN {
            return Err(ChannelsError::MalformedVoucher(format!(
                "{} bytes, limit {MAX_VOUCHER_LEN}",
                bytes.len()
            )));
        }
        let v = pb::Voucher::decode(bytes)
            .map_err(|e| ChannelsError::MalformedVoucher(e.to_string()))?;
        Ok(Self {
            seeder: v
                .seeder
                .parse()
                .map_err(|e| ChannelsError::MalformedVoucher(format!("seeder: {e}")))?,
            content_root: v.content_root.as_slice().try_into().map_err(|_| {
                ChannelsError::MalformedVoucher("content_root must be 32 bytes".into())
            })?,
            cumulative_amount: parse_amount(&v.cumulative_amount)
                .map_err(|e| ChannelsError::MalformedVoucher(format!("cumulative_amount: {e}")))?,
            chain_id: v.chain_id,
            channel_id: v.channel_id,
            cumulative_bytes: v.cumulative_bytes,
            nonce: v.nonce,
        })
    }

    /// Signs the voucher with a voucher key.
    pub fn sign(&self, key: &SigningKey) -> pb::SignedVoucher {
        let voucher = self.to_wire().encode_to_vec();
        let signature = key.sign(&sign_bytes(&voucher));
        pb::SignedVoucher {
            voucher,
            signature: signature.to_bytes().to_vec(),
        }
    }
}

/// What the voucher key signs: the domain, then the voucher bytes.
pub fn sign_bytes(voucher: &[u8]) -> Vec<u8> {
    let mut m = Vec::with_capacity(SIGN_DOMAIN.len() + voucher.len());
    m.extend_from_slice(SIGN_DOMAIN);
    m.extend_from_slice(voucher);
    m
}

/// One signature to check: key, signature, voucher bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignatureItem {
    /// The channel's voucher key.
    pub key: [u8; 32],
    /// The signature.
    pub signature: [u8; 64],
    /// The voucher bytes (without the domain).
    pub voucher: Vec<u8>,
}

impl SignatureItem {
    /// Builds an item from a carried voucher, if its signature has the right length.
    pub fn new(key: [u8; 32], signed: &pb::SignedVoucher) -> Option<Self> {
        Some(Self {
            key,
            signature: signed.signature.as_slice().try_into().ok()?,
            voucher: signed.voucher.clone(),
        })
    }

    fn digest(&self) -> [u8; 32] {
        let mut h = blake3::Hasher::new();
        h.update(&self.key);
        h.update(&self.signature);
        h.update(&self.voucher);
        *h.finalize().as_bytes()
    }

    /// Verifies this one signature.
    pub fn verify(&self) -> bool {
        let Ok(vk) = VerificationKey::try_from(self.key) else {
            return false;
        };
        vk.verify(&Signature::from(self.signature), &sign_bytes(&self.voucher))
            .is_ok()
    }
}

/// Verifies many signatures in one batch; if the batch fails, verifies each alone.
/// Returns one verdict per item, in order.
pub fn verify_batch(items: &[SignatureItem]) -> Vec<bool> {
    let mut verifier = batch::Verifier::new();
    let mut queued = Vec::with_capacity(items.len());
    for item in items {
        let ok = VerificationKey::try_from(item.key).is_ok();
        if ok {
            let vk = ed25519_consensus::VerificationKeyBytes::from(item.key);
            verifier.queue((
                vk,
                Signature::from(item.signature),
                &sign_bytes(&item.voucher),
            ));
        }
        queued.push(ok);
    }
    if queued.iter().all(|q| *q) && verifier.verify(rand_core::OsRng).is_ok() {
        return vec![true; items.len()];
    }
    items.iter().map(SignatureItem::verify).collect()
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
                .filter(|i| !seen.contains(&i.digest()))
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
                seen.insert(item.digest());
            }
        }
    }

    /// Whether the item verifies: from the cache, or checked now (and then
    /// remembered, so that a mempool recheck or the block does not check it again).
    pub fn verify(&self, item: &SignatureItem) -> bool {
        let digest = item.digest();
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
    use super::*;

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

    /// The exact bytes a fixed key signs for a fixed voucher, and the signature:
    /// recorded before the voucher code moved crates, so that any change to the wire
    /// form, the domain or the signing shows here.
    #[test]
    fn sign_bytes_and_signature_are_pinned() {
        let sk = SigningKey::from([7; 32]);
        let v = Voucher {
            chain_id: "weave-1".into(),
            channel_id: 42,
            seeder: Address::new([0xab; 20]),
            content_root: [0x5c; 32],
            cumulative_bytes: 3 << 20,
            cumulative_amount: 123_456_789_000,
            nonce: 17,
        };
        let signed = v.sign(&sk);
        assert_eq!(
            hex::encode(sign_bytes(&signed.voucher)),
            "77656176652f766f75636865722f76310a0777656176652d31102a1a2c776561\
             7665313477343668326174347734366832617434773436683261743477343668\
             3261743577326c333922205c5c5c5c5c5c5c5c5c5c5c5c5c5c5c5c5c5c5c5c5c\
             5c5c5c5c5c5c5c5c5c5c5c288080c001320c3132333435363738393030303811"
        );
        assert_eq!(
            hex::encode(&signed.signature),
            "f57e1c6e66aafe9eacc8ea90ec4646b12d58ee26f550bc98dcfedf10108caa71\
             b66aadd27b747b56038368b15bea1d16a5668f2e1e44a84d3323874c8bee7b0c"
        );
        assert_eq!(Voucher::decode(&signed.voucher).unwrap(), v);
    }

    #[test]
    fn sign_decode_verify() {
        let sk = SigningKey::from([1; 32]);
        let key = VerificationKey::from(&sk).to_bytes();
        let signed = voucher(1).sign(&sk);
        assert_eq!(Voucher::decode(&signed.voucher).unwrap(), voucher(1));
        let item = SignatureItem::new(key, &signed).unwrap();
        assert!(item.verify());
        let mut forged = item.clone();
        forged.voucher[3] ^= 1;
        assert!(!forged.verify());
        let other = SignatureItem::new(
            VerificationKey::from(&SigningKey::from([2; 32])).to_bytes(),
            &signed,
        )
        .unwrap();
        assert!(!other.verify());
    }

    #[test]
    fn batch_finds_the_bad_ones() {
        let sk = SigningKey::from([1; 32]);
        let key = VerificationKey::from(&sk).to_bytes();
        let mut items: Vec<SignatureItem> = (1..=6)
            .map(|n| SignatureItem::new(key, &voucher(n).sign(&sk)).unwrap())
            .collect();
        assert_eq!(verify_batch(&items), vec![true; 6]);
        items[2].signature[0] ^= 1;
        items[4].key = [0xff; 32];
        assert_eq!(
            verify_batch(&items),
            vec![true, true, false, true, false, true]
        );
        let cache = VerifiedCache::default();
        cache.verify_and_remember(&items);
        assert!(cache.verify(&items[0]));
        assert!(!cache.verify(&items[2]));
    }
}
