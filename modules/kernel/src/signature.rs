//! Transaction signature verification: [`PubKey::verify`]. The application's ante
//! checks and the client's gentx checks both verify with it, so a signature the client
//! accepts is one the chain accepts.
//!
//! secp256k1 signatures are verified by libsecp256k1 (the `secp256k1` crate), about
//! three times faster than `k256`; `k256` still parses the key and the signature
//! first, so what is refused, and with which message, is what it always was. Parsed
//! keys are remembered ([`KEY_CACHE_CAPACITY`] of them, process-wide), so an account's
//! compressed key is decompressed once, not on every transaction. The cache only
//! avoids work: a key in it parsed before, and parsing is a pure function of its bytes.

use std::collections::{BTreeMap, VecDeque};
use std::sync::{Mutex, OnceLock};

use k256::ecdsa::{Signature as K256Signature, VerifyingKey};
use sha2::{Digest, Sha256};

use crate::{expected::PubKey, KernelError};

/// How many parsed secp256k1 keys are remembered.
pub(crate) const KEY_CACHE_CAPACITY: usize = 65_536;

/// The compressed form every secp256k1 key on chain has (the bank module refuses
/// others); other lengths are parsed without the cache.
const COMPRESSED_LEN: usize = 33;

#[derive(Default)]
struct KeyCache {
    keys: BTreeMap<[u8; COMPRESSED_LEN], secp256k1::PublicKey>,
    order: VecDeque<[u8; COMPRESSED_LEN]>,
}

impl KeyCache {
    fn get(&self, key: &[u8; COMPRESSED_LEN]) -> Option<secp256k1::PublicKey> {
        self.keys.get(key).copied()
    }

    fn insert(&mut self, key: [u8; COMPRESSED_LEN], parsed: secp256k1::PublicKey) {
        if self.keys.insert(key, parsed).is_none() {
            self.order.push_back(key);
            while self.order.len() > KEY_CACHE_CAPACITY {
                if let Some(old) = self.order.pop_front() {
                    self.keys.remove(&old);
                }
            }
        }
    }
}

fn key_cache() -> &'static Mutex<KeyCache> {
    static CACHE: OnceLock<Mutex<KeyCache>> = OnceLock::new();
    CACHE.get_or_init(Mutex::default)
}

fn secp() -> &'static secp256k1::Secp256k1<secp256k1::VerifyOnly> {
    static CTX: OnceLock<secp256k1::Secp256k1<secp256k1::VerifyOnly>> = OnceLock::new();
    CTX.get_or_init(secp256k1::Secp256k1::verification_only)
}

/// Parses a SEC1 secp256k1 key as `k256` does (the same keys refused), into
/// libsecp256k1's form, through the cache.
fn parse_secp256k1(key: &[u8]) -> Option<secp256k1::PublicKey> {
    let compressed = <[u8; COMPRESSED_LEN]>::try_from(key).ok();
    if let Some(c) = &compressed {
        if let Some(hit) = key_cache().lock().ok().and_then(|cache| cache.get(c)) {
            return Some(hit);
        }
    }
    VerifyingKey::from_sec1_bytes(key).ok()?;
    let parsed = secp256k1::PublicKey::from_slice(key).ok()?;
    if let (Some(c), Ok(mut cache)) = (compressed, key_cache().lock()) {
        cache.insert(c, parsed);
    }
    Some(parsed)
}

impl PubKey {
    /// Verifies one signature over `sign_bytes`. secp256k1 signatures are ECDSA over
    /// SHA-256 in 64-byte `r || s` form with a low S; ed25519 signs the bytes themselves.
    pub fn verify(&self, sign_bytes: &[u8], signature: &[u8]) -> Result<(), KernelError> {
        let bad =
            |why: &str| KernelError::Unauthorized(format!("signature verification failed: {why}"));
        match self {
            PubKey::Secp256k1(key) => {
                let vk = parse_secp256k1(key).ok_or_else(|| bad("malformed secp256k1 key"))?;
                let sig = K256Signature::from_slice(signature)
                    .map_err(|_| bad("malformed secp256k1 signature"))?;
                if sig.normalize_s().is_some() {
                    return Err(bad("secp256k1 signature is not in low-S form"));
                }
                // `k256` accepted r and s (both in 1..n, s low): libsecp256k1 parses
                // them too, and checks the same equation.
                let sig = secp256k1::ecdsa::Signature::from_compact(signature)
                    .map_err(|_| bad("malformed secp256k1 signature"))?;
                let digest = secp256k1::Message::from_slice(&Sha256::digest(sign_bytes))
                    .map_err(|_| bad("wrong chain id, account number, key or bytes"))?;
                secp()
                    .verify_ecdsa(&digest, &sig, &vk)
                    .map_err(|_| bad("wrong chain id, account number, key or bytes"))
            }
            PubKey::Ed25519(key) => {
                let arr: [u8; 32] = key
                    .as_slice()
                    .try_into()
                    .map_err(|_| bad("malformed ed25519 key"))?;
                let vk = ed25519_consensus::VerificationKey::try_from(arr)
                    .map_err(|_| bad("malformed ed25519 key"))?;
                let sig_arr: [u8; 64] = signature
                    .try_into()
                    .map_err(|_| bad("ed25519 signature must be 64 bytes"))?;
                vk.verify(&ed25519_consensus::Signature::from(sig_arr), sign_bytes)
                    .map_err(|_| bad("wrong chain id, account number, key or bytes"))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use k256::ecdsa::{signature::hazmat::PrehashSigner, SigningKey};

    use super::*;

    #[test]
    fn secp256k1_signatures_verify_only_over_their_bytes() {
        let sk = SigningKey::from_slice(&[3u8; 32]).expect("key");
        let pk = PubKey::Secp256k1(sk.verifying_key().to_sec1_bytes().to_vec());
        let (sig, _): (K256Signature, _) = sk.sign_prehash(&Sha256::digest(b"doc")).expect("sign");
        let sig = sig.normalize_s().unwrap_or(sig).to_bytes();
        assert!(pk.verify(b"doc", &sig).is_ok());
        assert!(matches!(
            pk.verify(b"other", &sig),
            Err(KernelError::Unauthorized(_))
        ));
        assert!(pk.verify(b"doc", &sig[..63]).is_err());
        // The high-S twin of a valid signature is refused.
        let parsed = K256Signature::from_slice(&sig).expect("sig");
        let (r, s) = parsed.split_scalars();
        let high = K256Signature::from_scalars(r, -*s).expect("high s");
        assert!(pk.verify(b"doc", &high.to_bytes()).is_err());
    }

    /// libsecp256k1 answers what `k256` answers, for valid signatures and for ones
    /// made wrong in every field, over many keys and documents.
    #[test]
    fn secp256k1_verification_agrees_with_k256() {
        use k256::ecdsa::signature::hazmat::PrehashVerifier;
        for i in 1u8..=40 {
            let sk = SigningKey::from_slice(&[i; 32]).expect("key");
            let key = sk.verifying_key().to_sec1_bytes().to_vec();
            let pk = PubKey::Secp256k1(key.clone());
            let doc = [i; 7];
            let (sig, _): (K256Signature, _) = sk.sign_prehash(&Sha256::digest(doc)).expect("sign");
            let sig = sig.normalize_s().unwrap_or(sig).to_bytes().to_vec();
            let mut flipped_sig = sig.clone();
            flipped_sig[usize::from(i) % 64] ^= 1;
            let mut other_key = SigningKey::from_slice(&[i.wrapping_add(1).max(1); 32])
                .expect("key")
                .verifying_key()
                .to_sec1_bytes()
                .to_vec();
            if i % 3 == 0 {
                // Not a point on the curve (or not a key at all).
                other_key[5] ^= 0x40;
            }
            for (k, d, s) in [
                (&key, &doc[..], &sig),
                (&key, &b"other"[..], &sig),
                (&key, &doc[..], &flipped_sig),
                (&other_key, &doc[..], &sig),
            ] {
                let reference = VerifyingKey::from_sec1_bytes(k).ok().and_then(|vk| {
                    let s = K256Signature::from_slice(s).ok()?;
                    Some(
                        s.normalize_s().is_none()
                            && vk.verify_prehash(&Sha256::digest(d), &s).is_ok(),
                    )
                });
                let ours = PubKey::Secp256k1(k.clone()).verify(d, s).is_ok();
                assert_eq!(ours, reference == Some(true), "key {i}");
                // Twice: the second goes through the key cache.
                assert_eq!(PubKey::Secp256k1(k.clone()).verify(d, s).is_ok(), ours);
            }
            assert!(pk.verify(&doc, &sig).is_ok());
        }
    }

    /// Times secp256k1 verification: `k256` as it was done before (key parsed every
    /// call), and this path with the key parsed and with it cached. Run with
    /// `cargo test -p weave-kernel --release -- --ignored --nocapture secp256k1_timing`.
    #[test]
    #[ignore = "a timing, not a test"]
    #[allow(clippy::disallowed_methods)] // a test's timing: no state machine involved
    fn secp256k1_timing() {
        use k256::ecdsa::signature::hazmat::PrehashVerifier;
        const N: u32 = 2000;
        let sk = SigningKey::from_slice(&[7u8; 32]).expect("key");
        let key = sk.verifying_key().to_sec1_bytes().to_vec();
        let doc = [5u8; 300];
        let (sig, _): (K256Signature, _) = sk.sign_prehash(&Sha256::digest(doc)).expect("sign");
        let sig = sig.normalize_s().unwrap_or(sig).to_bytes().to_vec();
        let start = std::time::Instant::now();
        for _ in 0..N {
            let vk = VerifyingKey::from_sec1_bytes(&key).expect("key");
            let s = K256Signature::from_slice(&sig).expect("sig");
            assert!(s.normalize_s().is_none());
            assert!(vk.verify_prehash(&Sha256::digest(doc), &s).is_ok());
        }
        let k256 = start.elapsed() / N;
        let pk = PubKey::Secp256k1(key);
        let start = std::time::Instant::now();
        for _ in 0..N {
            assert!(pk.verify(&doc, &sig).is_ok());
        }
        let cached = start.elapsed() / N;
        let start = std::time::Instant::now();
        for _ in 0..N {
            assert!(parse_uncached(&pk));
        }
        let parse = start.elapsed() / N;
        println!("secp256k1 verify: k256 {k256:?}; libsecp256k1 with the key cached {cached:?}; parsing a key (k256 + libsecp256k1) {parse:?}");
    }

    fn parse_uncached(pk: &PubKey) -> bool {
        let PubKey::Secp256k1(k) = pk else {
            return false;
        };
        VerifyingKey::from_sec1_bytes(k).is_ok() && secp256k1::PublicKey::from_slice(k).is_ok()
    }

    #[test]
    fn the_key_cache_is_bounded_and_keeps_the_newest() {
        let mut cache = KeyCache::default();
        let parsed = secp256k1::PublicKey::from_slice(
            &SigningKey::from_slice(&[9u8; 32])
                .expect("key")
                .verifying_key()
                .to_sec1_bytes(),
        )
        .expect("parse");
        for i in 0..KEY_CACHE_CAPACITY + 10 {
            let mut k = [0u8; COMPRESSED_LEN];
            k[..8].copy_from_slice(&(i as u64).to_be_bytes());
            cache.insert(k, parsed);
        }
        assert_eq!(cache.keys.len(), KEY_CACHE_CAPACITY);
        assert_eq!(cache.order.len(), KEY_CACHE_CAPACITY);
        assert!(cache.get(&[0u8; COMPRESSED_LEN]).is_none());
        let mut newest = [0u8; COMPRESSED_LEN];
        newest[..8].copy_from_slice(&((KEY_CACHE_CAPACITY + 9) as u64).to_be_bytes());
        assert_eq!(cache.get(&newest), Some(parsed));
    }

    #[test]
    fn ed25519_signatures_verify_only_over_their_bytes() {
        let sk = ed25519_consensus::SigningKey::from([4u8; 32]);
        let pk = PubKey::Ed25519(sk.verification_key().to_bytes().to_vec());
        let sig = sk.sign(b"doc").to_bytes();
        assert!(pk.verify(b"doc", &sig).is_ok());
        assert!(pk.verify(b"other", &sig).is_err());
        assert!(PubKey::Ed25519(vec![1; 31]).verify(b"doc", &sig).is_err());
    }
}
