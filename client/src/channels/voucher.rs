//! The voucher key of an account: an ed25519 key derived from the account key, which
//! signs the payer's vouchers of every channel it opens.

use zeroize::Zeroizing;

use crate::keys::SigningKey;

/// The BLAKE3 KDF context of the voucher key.
pub const VOUCHER_KEY_CONTEXT: &str = "weave/voucher-key/v1";

/// The channel voucher key of an account: an ed25519 key whose seed is
/// `blake3::derive_key("weave/voucher-key/v1", <the account key's 32 secret bytes>)`.
pub fn voucher_key(key: &SigningKey) -> ed25519_consensus::SigningKey {
    let seed = Zeroizing::new(blake3::derive_key(
        VOUCHER_KEY_CONTEXT,
        &key.secret_bytes()[..],
    ));
    ed25519_consensus::SigningKey::from(*seed)
}

/// The public half of [`voucher_key`]: what `MsgOpenChannel` registers.
pub fn voucher_public_key(key: &SigningKey) -> [u8; 32] {
    ed25519_consensus::VerificationKey::from(&voucher_key(key)).to_bytes()
}
