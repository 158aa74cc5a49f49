//! What a voucher key signs, and checking it: one signature at a time or a batch.

use ed25519_consensus::{batch, Signature, VerificationKey, VerificationKeyBytes};
use weave_proto::weave::channels::v1 as pb;

/// Prefixed to the voucher bytes before signing.
pub const SIGN_DOMAIN: &[u8] = b"weave/voucher/v1";

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

    /// Verifies this one signature.
    pub fn verify(&self) -> bool {
        let Ok(vk) = VerificationKey::try_from(self.key) else {
            return false;
        };
        vk.verify(&Signature::from(self.signature), &sign_bytes(&self.voucher))
            .is_ok()
    }
}

/// Verifies many signatures in one batch; if the batch fails, bisects it: each half is
/// batch-verified again, a half that verifies is accepted whole, and a failing half is
/// split further down to single signatures. One bad signature among `n` costs about
/// `2 log2 n` batch checks instead of `n` single ones. Returns one verdict per item,
/// in order.
pub fn verify_batch(items: &[SignatureItem]) -> Vec<bool> {
    verify_batch_counted(items).0
}

/// [`verify_batch`], also returning how many checks (batches or single signatures)
/// it ran.
pub fn verify_batch_counted(items: &[SignatureItem]) -> (Vec<bool>, usize) {
    let mut verdicts = vec![false; items.len()];
    let mut checks = 0;
    bisect(items, &mut verdicts, &mut checks);
    (verdicts, checks)
}

fn bisect(items: &[SignatureItem], verdicts: &mut [bool], checks: &mut usize) {
    if items.is_empty() {
        return;
    }
    *checks += 1;
    if batch_ok(items) {
        verdicts.fill(true);
        return;
    }
    if items.len() == 1 {
        return;
    }
    let mid = items.len() / 2;
    let (left, right) = items.split_at(mid);
    let (left_out, right_out) = verdicts.split_at_mut(mid);
    bisect(left, left_out, checks);
    bisect(right, right_out, checks);
}

/// Whether every signature of `items` verifies, checked as one batch (a single
/// signature alone).
fn batch_ok(items: &[SignatureItem]) -> bool {
    if let [item] = items {
        return item.verify();
    }
    // No key is decompressed here: the batch decompresses each distinct key once and
    // fails on one that is not a point (then bisection finds it). Decompressing every
    // item's key first cost a third of a batch of one channel's vouchers.
    let mut verifier = batch::Verifier::new();
    for item in items {
        verifier.queue((
            VerificationKeyBytes::from(item.key),
            Signature::from(item.signature),
            &sign_bytes(&item.voucher),
        ));
    }
    verifier.verify(rand_core::OsRng).is_ok()
}

#[cfg(test)]
mod tests {
    use ed25519_consensus::SigningKey;
    use weave_kernel::Address;

    use super::*;
    use crate::Voucher;

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

    /// The exact bytes a fixed key signs for a fixed voucher, and the signature,
    /// recorded in the channels module before the voucher code moved to this crate:
    /// any change to the wire form, the domain or the signing shows here.
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
        let key = VerificationKey::from(&sk).to_bytes();
        assert!(SignatureItem::new(key, &signed).unwrap().verify());
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
        let short = pb::SignedVoucher {
            voucher: signed.voucher.clone(),
            signature: signed.signature[..63].to_vec(),
        };
        assert_eq!(SignatureItem::new(key, &short), None);
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
    }

    /// One bad signature among 16: exactly the other 15 verify, found by bisection in
    /// fewer checks than one per signature (1 + 2 per level: 9).
    #[test]
    fn one_bad_signature_is_found_by_bisection() {
        let sk = SigningKey::from([1; 32]);
        let key = VerificationKey::from(&sk).to_bytes();
        let mut items: Vec<SignatureItem> = (1..=16)
            .map(|n| SignatureItem::new(key, &voucher(n).sign(&sk)).unwrap())
            .collect();
        assert_eq!(verify_batch_counted(&items), (vec![true; 16], 1));
        items[11].signature[5] ^= 1;
        let (verdicts, checks) = verify_batch_counted(&items);
        let expected: Vec<bool> = (0..16).map(|i| i != 11).collect();
        assert_eq!(verdicts, expected);
        assert_eq!(checks, 9);
        assert!(checks < items.len());
        assert_eq!(verify_batch_counted(&[]), (vec![], 0));
    }
}
