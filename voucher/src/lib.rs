//! Weave's payment vouchers: what a payer signs for the bandwidth it receives, and how
//! that signature is made and checked.
//!
//! A voucher is a cumulative receipt for one lane (a seeder and a content) of one
//! payment channel: chain id, channel, seeder, content root, cumulative bytes,
//! cumulative amount and a nonce. The payer signs it with its **voucher key**; the
//! seeder sends it to the chain in `MsgClaim`, which pays the lane the increase over
//! what it already claimed. The same voucher proves the bytes the seeder served.
//!
//! - [`Voucher`]: the parsed voucher, its wire form and [`Voucher::decode`].
//! - [`sign_bytes`]: what is signed, [`SIGN_DOMAIN`] followed by the encoded
//!   `weave.channels.v1.Voucher` exactly as carried in a `SignedVoucher`, so no
//!   re-encoding can change what was signed.
//! - [`SignatureItem`] and [`verify_batch`] (bisecting a failing batch): single and batch verification with
//!   `ed25519-consensus`, whose rules are the same on every validator.
//! - [`voucher_key`] and [`voucher_public_key`]: the voucher key derived from the
//!   payer's account key, so the same mnemonic restores it.
//!
//! The channels module (on chain), the sidecar (seeders checking and downloaders
//! signing vouchers) and the client all use this crate; it holds no chain state.

mod error;
mod key;
mod signature;
mod voucher;

pub use error::VoucherError;
pub use key::{voucher_key, voucher_public_key, VOUCHER_KEY_CONTEXT};
pub use signature::{sign_bytes, verify_batch, verify_batch_counted, SignatureItem, SIGN_DOMAIN};
pub use voucher::{compact_in_claim, Voucher, GIB, MAX_VOUCHER_LEN};

pub use ed25519_consensus::{SigningKey, VerificationKey};
pub use weave_proto::weave::channels::v1::SignedVoucher;
