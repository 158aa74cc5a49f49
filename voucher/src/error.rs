//! Why voucher bytes do not parse.

use weave_kernel::{AddressError, CoinError};

/// Why voucher bytes are not a voucher. The messages are those the chain has always
/// logged after `malformed voucher: `.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum VoucherError {
    /// More bytes than [`MAX_VOUCHER_LEN`](crate::MAX_VOUCHER_LEN).
    #[error("{len} bytes, limit {limit}")]
    TooLong {
        /// The bytes given.
        len: usize,
        /// The limit.
        limit: usize,
    },
    /// Not an encoded `weave.channels.v1.Voucher`.
    #[error("{0}")]
    Decode(prost::DecodeError),
    /// The seeder is not an address.
    #[error("seeder: {0}")]
    Seeder(AddressError),
    /// The content root is not 32 bytes.
    #[error("content_root must be 32 bytes")]
    ContentRootLength(usize),
    /// The cumulative amount is not a decimal amount.
    #[error("cumulative_amount: {0}")]
    Amount(CoinError),
}
