//! Transaction signature verification: [`PubKey::verify`]. The application's ante
//! checks and the client's gentx checks both verify with it, so a signature the client
//! accepts is one the chain accepts.

use k256::ecdsa::{signature::hazmat::PrehashVerifier, Signature as K256Signature, VerifyingKey};
use sha2::{Digest, Sha256};

use crate::{expected::PubKey, KernelError};

impl PubKey {
    /// Verifies one signature over `sign_bytes`. secp256k1 signatures are ECDSA over
    /// SHA-256 in 64-byte `r || s` form with a low S; ed25519 signs the bytes themselves.
    pub fn verify(&self, sign_bytes: &[u8], signature: &[u8]) -> Result<(), KernelError> {
        let bad =
            |why: &str| KernelError::Unauthorized(format!("signature verification failed: {why}"));
        match self {
            PubKey::Secp256k1(key) => {
                let vk = VerifyingKey::from_sec1_bytes(key)
                    .map_err(|_| bad("malformed secp256k1 key"))?;
                let sig = K256Signature::from_slice(signature)
                    .map_err(|_| bad("malformed secp256k1 signature"))?;
                if sig.normalize_s().is_some() {
                    return Err(bad("secp256k1 signature is not in low-S form"));
                }
                let digest = Sha256::digest(sign_bytes);
                vk.verify_prehash(&digest, &sig)
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
