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

fn check_len(len: usize) -> Result<(), VoucherError> {
    if len > MAX_VOUCHER_LEN {
        return Err(VoucherError::TooLong {
            len,
            limit: MAX_VOUCHER_LEN,
        });
    }
    Ok(())
}

/// The form in which a claim by `seeder` (its address as text) carries a signed
/// voucher: without its seeder field when it names that seeder and its bytes are the
/// canonical encoding (so the chain, putting the seeder back, rebuilds exactly the
/// signed bytes), else as it is. Every voucher of a claim names the claim's seeder, and
/// its 45-character address was a quarter of each voucher's bytes.
pub fn compact_in_claim(signed: &pb::SignedVoucher, seeder: &str) -> pb::SignedVoucher {
    match pb::Voucher::decode(signed.voucher.as_slice()) {
        Ok(mut v) if v.seeder == seeder && v.encode_to_vec() == signed.voucher => {
            v.seeder.clear();
            pb::SignedVoucher {
                voucher: v.encode_to_vec(),
                signature: signed.signature.clone(),
            }
        }
        _ => signed.clone(),
    }
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
        check_len(bytes.len())?;
        let v = pb::Voucher::decode(bytes).map_err(VoucherError::Decode)?;
        Self::from_wire(v, None)
    }

    /// Parses a voucher as a claim by `seeder` (its text and its address) carries it,
    /// compact or not (see [`compact_in_claim`]). A compact voucher, one with no
    /// seeder field, stands for the voucher naming the claim's seeder: its full bytes,
    /// the encoding with the seeder put back, are returned with it, and they are what
    /// the signature must cover. A voucher that was not canonically encoded when it
    /// was signed cannot be carried compact: its full bytes differ from the signed
    /// ones and its signature fails.
    pub fn decode_in_claim(
        bytes: &[u8],
        seeder: (&str, &Address),
    ) -> (Result<Self, VoucherError>, Option<Vec<u8>>) {
        if let Err(e) = check_len(bytes.len()) {
            return (Err(e), None);
        }
        let mut v = match pb::Voucher::decode(bytes) {
            Ok(v) => v,
            Err(e) => return (Err(VoucherError::Decode(e)), None),
        };
        if !v.seeder.is_empty() {
            return (Self::from_wire(v, Some(seeder)), None);
        }
        v.seeder = seeder.0.to_string();
        let full = v.encode_to_vec();
        if let Err(e) = check_len(full.len()) {
            return (Err(e), None);
        }
        (Self::from_wire(v, Some(seeder)), Some(full))
    }

    /// The voucher of its wire form; a seeder field that is exactly `seeder`'s text
    /// takes its address as parsed already (a claim's vouchers all name its seeder, and
    /// parsing the same bech32 address for each was a tenth of a block's decoding).
    fn from_wire(v: pb::Voucher, seeder: Option<(&str, &Address)>) -> Result<Self, VoucherError> {
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
    fn a_claim_carries_its_seeders_vouchers_compact_and_the_chain_rebuilds_them() {
        let v = voucher();
        let key = SigningKey::from([5; 32]);
        let signed = v.sign(&key);
        let text = v.seeder.to_string();
        let claim = (text.as_str(), &v.seeder);

        // Compact: no seeder field, a quarter fewer bytes; the chain puts it back and
        // gets exactly the signed bytes.
        let compact = compact_in_claim(&signed, &text);
        assert!(compact.voucher.len() + text.len() <= signed.voucher.len());
        assert_eq!(compact.signature, signed.signature);
        let (parsed, full) = Voucher::decode_in_claim(&compact.voucher, claim);
        assert_eq!(parsed.unwrap(), v);
        assert_eq!(full.as_deref(), Some(signed.voucher.as_slice()));

        // Carried whole, it parses as before and nothing is rebuilt.
        let (parsed, full) = Voucher::decode_in_claim(&signed.voucher, claim);
        assert_eq!(parsed.unwrap(), v);
        assert_eq!(full, None);

        // Another seeder's claim: left whole by the client; a compact one stands for a
        // voucher naming that seeder, which is not what was signed.
        let other = Address::new([9; 20]);
        let other_text = other.to_string();
        assert_eq!(compact_in_claim(&signed, &other_text), signed);
        let (parsed, full) = Voucher::decode_in_claim(&compact.voucher, (&other_text, &other));
        assert_eq!(parsed.unwrap().seeder, other);
        assert_ne!(full.unwrap(), signed.voucher);
        let (parsed, _) = Voucher::decode_in_claim(&signed.voucher, (&other_text, &other));
        assert_eq!(parsed.unwrap().seeder, v.seeder);

        // Bytes that are not the canonical encoding stay whole (compacting them would
        // rebuild other bytes than those signed).
        let mut odd = signed.clone();
        odd.voucher.extend_from_slice(&[0x40, 0x01]); // an unknown field 8
        assert_eq!(compact_in_claim(&odd, &text), odd);

        // A bad seeder text still fails, and so does a compact voucher whose full form
        // would be too long.
        let mut bad = v.to_wire();
        bad.seeder = "weave1nope".into();
        assert!(Voucher::decode_in_claim(&bad.encode_to_vec(), claim)
            .0
            .is_err());
        let mut long = v.to_wire();
        long.seeder.clear();
        long.chain_id = "c".repeat(400);
        let room = MAX_VOUCHER_LEN - long.encoded_len();
        long.chain_id = "c".repeat(400 + room); // exactly the longest compact voucher
        let long = long.encode_to_vec();
        assert_eq!(long.len(), MAX_VOUCHER_LEN);
        let (parsed, full) = Voucher::decode_in_claim(&long, claim);
        assert!(
            matches!(parsed, Err(VoucherError::TooLong { .. })),
            "{parsed:?}"
        );
        assert_eq!(full, None);
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
