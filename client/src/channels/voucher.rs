//! The voucher key of an account: the ed25519 key, derived from the account key by
//! `weave-voucher`, that signs the payer's vouchers of every channel it opens.

use crate::keys::SigningKey;

pub use weave_voucher::VOUCHER_KEY_CONTEXT;

/// The channel voucher key of an account (see [`weave_voucher::voucher_key`]).
pub fn voucher_key(key: &SigningKey) -> ed25519_consensus::SigningKey {
    weave_voucher::voucher_key(&key.secret_bytes())
}

/// The public half of [`voucher_key`]: what `MsgOpenChannel` registers.
pub fn voucher_public_key(key: &SigningKey) -> [u8; 32] {
    weave_voucher::voucher_public_key(&key.secret_bytes())
}
