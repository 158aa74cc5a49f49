//! The voucher key: derived from the payer's account key, so there is no extra secret
//! to keep and the same mnemonic restores it.

use ed25519_consensus::{SigningKey, VerificationKey};
use zeroize::Zeroizing;

/// The BLAKE3 KDF context of the voucher key. It separates the voucher key from every
/// other key derived from the same account secret: a voucher signature is never a
/// transaction signature.
pub const VOUCHER_KEY_CONTEXT: &str = "weave/voucher-key/v1";

/// The voucher key of an account: the ed25519 key whose seed is
/// `blake3::derive_key("weave/voucher-key/v1", account_secret)`, where
/// `account_secret` is the account key's 32 secret bytes (the secp256k1 scalar or the
/// ed25519 seed). Every channel of one payer has the same voucher key; vouchers name
/// their channel and chain, so one channel's vouchers cannot be claimed from another.
pub fn voucher_key(account_secret: &[u8; 32]) -> SigningKey {
    let seed = Zeroizing::new(blake3::derive_key(VOUCHER_KEY_CONTEXT, account_secret));
    SigningKey::from(*seed)
}

/// The public half of [`voucher_key`]: what `MsgOpenChannel` registers.
pub fn voucher_public_key(account_secret: &[u8; 32]) -> [u8; 32] {
    VerificationKey::from(&voucher_key(account_secret)).to_bytes()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn derived_as_documented_and_distinct_per_account() {
        let seed = blake3::derive_key("weave/voucher-key/v1", &[5; 32]);
        assert_eq!(
            voucher_public_key(&[5; 32]),
            VerificationKey::from(&SigningKey::from(seed)).to_bytes()
        );
        assert_eq!(voucher_public_key(&[5; 32]), voucher_public_key(&[5; 32]));
        assert_ne!(voucher_public_key(&[6; 32]), voucher_public_key(&[5; 32]));
        // The voucher key is not the ed25519 key with the same seed.
        assert_ne!(
            voucher_public_key(&[5; 32]),
            VerificationKey::from(&SigningKey::from([5; 32])).to_bytes()
        );
    }
}
