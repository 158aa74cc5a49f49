//! The voucher: its fields, its wire form and its signing.

use ed25519_consensus::SigningKey;
use prost::Message;
use weave_kernel::{parse_amount, Address};
use weave_proto::weave::channels::v1 as pb;

use crate::{sign_bytes, VoucherError};

/// The largest encoded voucher accepted.
pub const MAX_VOUCHER_LEN: usize = 512;

/// Bytes in a GiB, the unit of a content's streaming price (and so of what a voucher
/// owes for its bytes).
pub const GIB: u128 = 1 << 30;

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
    pub fn decode(bytes: &[u8]) -> Result<Self, VoucherError> {
        Self::decode_naming(bytes, None)
    }

    /// Parses voucher bytes expected to name `seeder` (its text and its address): a
    /// voucher whose seeder field is exactly that text takes the address as parsed
    /// already, any other is parsed in full. A claim's vouchers all name its seeder,
    /// and parsing the same bech32 address once per voucher was a tenth of a block's
    /// decoding.
    pub fn decode_naming(
        bytes: &[u8],
        seeder: Option<(&str, &Address)>,
    ) -> Result<Self, VoucherError> {
        if bytes.len() > MAX_VOUCHER_LEN {
            return Err(VoucherError::TooLong {
                len: bytes.len(),
                limit: MAX_VOUCHER_LEN,
            });
        }
        let v = pb::Voucher::decode(bytes).map_err(VoucherError::Decode)?;
        let seeder = match seeder {
            Some((text, address)) if v.seeder == text => *address,
            _ => v.seeder.parse().map_err(VoucherError::Seeder)?,
        };
        Ok(Self {
            seeder,
            content_root: v
                .content_root
                .as_slice()
                .try_into()
                .map_err(|_| VoucherError::ContentRootLength(v.content_root.len()))?,
            cumulative_amount: parse_amount(&v.cumulative_amount).map_err(VoucherError::Amount)?,
            chain_id: v.chain_id,
            channel_id: v.channel_id,
            cumulative_bytes: v.cumulative_bytes,
            nonce: v.nonce,
        })
    }

    /// Signs the voucher with a voucher key: the encoded voucher and the signature
    /// over [`sign_bytes`] of exactly those bytes.
    pub fn sign(&self, key: &SigningKey) -> pb::SignedVoucher {
        let voucher = self.to_wire().encode_to_vec();
        let signature = key.sign(&sign_bytes(&voucher));
        pb::SignedVoucher {
            voucher,
            signature: signature.to_bytes().to_vec(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn voucher() -> Voucher {
        Voucher {
            chain_id: "c".into(),
            channel_id: 1,
            seeder: Address::new([3; 20]),
            content_root: [9; 32],
            cumulative_bytes: 1 << 20,
            cumulative_amount: 1000,
            nonce: 1,
        }
    }

    #[test]
    fn decoding_with_the_seeder_known_is_decoding() {
        let v = voucher();
        let bytes = v.to_wire().encode_to_vec();
        let text = v.seeder.to_string();
        assert_eq!(
            Voucher::decode_naming(&bytes, Some((&text, &v.seeder))).unwrap(),
            v
        );
        // Another seeder's text: the voucher's own field is parsed.
        let other = Address::new([9; 20]);
        assert_eq!(
            Voucher::decode_naming(&bytes, Some((&other.to_string(), &other))).unwrap(),
            v
        );
        let mut bad = v.to_wire();
        bad.seeder = "weave1nope".into();
        let bad = bad.encode_to_vec();
        assert!(Voucher::decode_naming(&bad, Some((&text, &v.seeder))).is_err());
    }

    #[test]
    fn decode_round_trips_and_refuses_what_is_not_a_voucher() {
        let bytes = voucher().to_wire().encode_to_vec();
        assert_eq!(Voucher::decode(&bytes).unwrap(), voucher());

        let long = vec![0u8; MAX_VOUCHER_LEN + 1];
        assert_eq!(
            Voucher::decode(&long).unwrap_err().to_string(),
            format!("{} bytes, limit {MAX_VOUCHER_LEN}", MAX_VOUCHER_LEN + 1)
        );
        assert!(matches!(
            Voucher::decode(&[0xff]),
            Err(VoucherError::Decode(_))
        ));

        let mut wire = voucher().to_wire();
        wire.seeder = "nope".into();
        let err = Voucher::decode(&wire.encode_to_vec()).unwrap_err();
        assert!(matches!(err, VoucherError::Seeder(_)), "{err:?}");
        assert!(err.to_string().starts_with("seeder: "), "{err}");

        let mut wire = voucher().to_wire();
        wire.content_root = vec![1; 31];
        assert_eq!(
            Voucher::decode(&wire.encode_to_vec()).unwrap_err(),
            VoucherError::ContentRootLength(31)
        );
        assert_eq!(
            VoucherError::ContentRootLength(31).to_string(),
            "content_root must be 32 bytes"
        );

        let mut wire = voucher().to_wire();
        wire.cumulative_amount = "-1".into();
        let err = Voucher::decode(&wire.encode_to_vec()).unwrap_err();
        assert!(matches!(err, VoucherError::Amount(_)), "{err:?}");
        assert!(err.to_string().starts_with("cumulative_amount: "), "{err}");
    }
}
