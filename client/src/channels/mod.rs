//! `weaved tx channels`, `weaved query channels` and `weaved channels`: payment
//! channels whose signed cumulative vouchers pay seeders.
//!
//! A payer opens a channel with a deposit (and optional collateral) held in escrow and
//! an ed25519 **voucher key**. Off chain it signs cumulative vouchers, one running
//! total per lane (a seeder and a content); a seeder claims a batch of them in one
//! `MsgClaim`, and each voucher pays its lane the increase over what the lane already
//! claimed. `close` (or the expiry height) starts the challenge period; then the
//! remainder returns to the payer.
//!
//! **The voucher key** is derived from the payer's account key, so there is no extra
//! secret file and the same mnemonic restores it: its ed25519 seed is
//! `blake3::derive_key("weave/voucher-key/v1", secret)`, where `secret` is the account
//! key's 32 secret bytes (the secp256k1 scalar or the ed25519 seed, as
//! [`crate::keys::SigningKey::secret_bytes`] returns them), just as the X25519 buyer key of the
//! content commands is derived from the same bytes. The KDF's context string
//! separates the two uses: a voucher signature is never a transaction signature. Every
//! channel of one payer has the same voucher key; vouchers name their channel and
//! chain, so one channel's vouchers cannot be claimed from another.
//!
//! **Voucher files** (`weaved channels sign-voucher -o FILE`, `weaved tx channels
//! claim --voucher-file FILE`) hold one JSON object
//!
//! ```json
//! {"voucher": "<base64>", "signature": "<base64>"}
//! ```
//!
//! where `voucher` is the encoded `weave.channels.v1.Voucher` exactly as signed and
//! `signature` the 64-byte ed25519 signature over `"weave/voucher/v1" || voucher`
//! (standard base64 with padding). A file may also hold a JSON array of such objects,
//! or lines each holding the base64 of an encoded `weave.channels.v1.SignedVoucher`.

//!
//! The library (no clap, no printing): [`msg`] builds the messages, [`query`] reads
//! channels, lanes and earnings, [`tx`] runs the flows (open, top up, close, claim)
//! and [`voucher`] derives the voucher key, signs vouchers and reads and writes
//! voucher files. [`cli`] holds the commands; [`claimd`] is the seeder's claim
//! daemon.

pub mod claimd;
pub mod cli;
pub mod msg;
pub mod query;
pub mod tx;
pub mod voucher;

pub use cli::{
    format_amount, run, run_query, run_tx, ChannelsCmd, ChannelsQueryCmd, ChannelsTxCmd,
    SignVoucherArgs,
};
pub use tx::attr;
pub use voucher::{voucher_file_text, voucher_key, voucher_public_key, VOUCHER_KEY_CONTEXT};
