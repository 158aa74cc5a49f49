//! Vouchers on the client's side: the voucher key of an account (the ed25519 key,
//! derived from the account key by `weave-voucher`, that signs the payer's vouchers of
//! every channel it opens), signing a voucher, and voucher files.
//!
//! A voucher file holds `{"voucher": BASE64, "signature": BASE64}`, a JSON array of
//! those, or lines of base64-encoded `weave.channels.v1.SignedVoucher`s (see
//! [`super`]).

use std::path::{Path, PathBuf};

use anyhow::{ensure, Context};
use base64::{engine::general_purpose::STANDARD as BASE64, Engine};
use prost::Message;
use serde::Deserialize;
use serde_json::{json, Value};
use weave_channels::{Voucher, HARD_MAX_VOUCHERS};
use weave_proto::weave::channels::v1 as pb;

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

/// `voucher` signed with the voucher key of `payer` (the channel's payer account).
pub fn sign_voucher(payer: &SigningKey, voucher: &Voucher) -> pb::SignedVoucher {
    voucher.sign(&voucher_key(payer))
}

/// A signed voucher in its JSON file form: both fields standard base64.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
struct VoucherJson {
    /// The encoded `weave.channels.v1.Voucher`, exactly as signed.
    voucher: String,
    /// The 64-byte ed25519 signature.
    signature: String,
}

impl VoucherJson {
    fn of(signed: &pb::SignedVoucher) -> Self {
        Self {
            voucher: BASE64.encode(&signed.voucher),
            signature: BASE64.encode(&signed.signature),
        }
    }

    fn decode(&self) -> anyhow::Result<pb::SignedVoucher> {
        let voucher = BASE64
            .decode(self.voucher.trim())
            .context("\"voucher\" is not base64")?;
        let signature = BASE64
            .decode(self.signature.trim())
            .context("\"signature\" is not base64")?;
        ensure!(!voucher.is_empty(), "\"voucher\" is empty");
        ensure!(
            signature.len() == 64,
            "\"signature\" is {} bytes, an ed25519 signature is 64",
            signature.len()
        );
        Ok(pb::SignedVoucher { voucher, signature })
    }
}

/// A signed voucher as the JSON document of a voucher file, on one line, with its
/// fields in the documented order: `{"voucher": BASE64, "signature": BASE64}`.
pub fn voucher_file_text(signed: &pb::SignedVoucher) -> String {
    let v = VoucherJson::of(signed);
    // By hand: a `Value` object would sort the keys, and serializing the struct
    // returns a `Result` for an error two strings cannot cause.
    format!(
        "{{\"voucher\":{},\"signature\":{}}}",
        Value::String(v.voucher),
        Value::String(v.signature)
    )
}

/// The signed vouchers in the text of a voucher file: one JSON object, a JSON array of
/// them, or lines of base64-encoded `SignedVoucher`s.
pub fn parse_vouchers(text: &str) -> anyhow::Result<Vec<pb::SignedVoucher>> {
    let text = text.trim();
    if text.starts_with('{') {
        let v: VoucherJson = serde_json::from_str(text)
            .context("not a voucher: want {\"voucher\": BASE64, \"signature\": BASE64}")?;
        return Ok(vec![v.decode()?]);
    }
    if text.starts_with('[') {
        let all: Vec<VoucherJson> = serde_json::from_str(text).context(
            "not a list of vouchers: want [{\"voucher\": BASE64, \"signature\": BASE64}, ...]",
        )?;
        ensure!(!all.is_empty(), "the list holds no voucher");
        return all
            .iter()
            .enumerate()
            .map(|(i, v)| {
                v.decode()
                    .with_context(|| format!("voucher {i} of the list"))
            })
            .collect();
    }
    let vouchers = text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .enumerate()
        .map(|(i, line)| {
            let bytes = BASE64
                .decode(line)
                .with_context(|| format!("line {}: neither JSON nor base64", i + 1))?;
            let signed = pb::SignedVoucher::decode(bytes.as_slice()).with_context(|| {
                format!(
                    "line {}: not an encoded weave.channels.v1.SignedVoucher",
                    i + 1
                )
            })?;
            ensure!(
                signed.signature.len() == 64,
                "line {}: the signature is {} bytes, an ed25519 signature is 64",
                i + 1,
                signed.signature.len()
            );
            Ok(signed)
        })
        .collect::<anyhow::Result<Vec<_>>>()?;
    ensure!(!vouchers.is_empty(), "the file holds no voucher");
    Ok(vouchers)
}

/// Every voucher of the given files, in order.
pub fn read_voucher_files(paths: &[PathBuf]) -> anyhow::Result<Vec<pb::SignedVoucher>> {
    let mut all = Vec::new();
    for path in paths {
        let text =
            std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
        all.extend(parse_vouchers(&text).with_context(|| format!("in {}", path.display()))?);
    }
    ensure!(
        all.len() <= HARD_MAX_VOUCHERS,
        "{} vouchers: a claim carries at most {HARD_MAX_VOUCHERS}",
        all.len()
    );
    Ok(all)
}

/// A voucher's fields as JSON (the root in hex, the amount as a string), or its
/// bytes in base64 when they do not decode.
pub fn voucher_fields_json(bytes: &[u8]) -> Value {
    match Voucher::decode(bytes) {
        Ok(v) => json!({
            "chain_id": v.chain_id,
            "channel_id": v.channel_id,
            "seeder": v.seeder.to_string(),
            "content_root": hex::encode(v.content_root),
            "cumulative_bytes": v.cumulative_bytes,
            "cumulative_amount": v.cumulative_amount.to_string(),
            "nonce": v.nonce,
        }),
        Err(e) => json!({
            "undecodable": BASE64.encode(bytes),
            "error": format!("malformed voucher: {e}"),
        }),
    }
}

/// Writes a voucher file: the JSON document ([`voucher_file_text`]) and a newline.
pub fn write_voucher_file(path: &Path, document: &str) -> anyhow::Result<()> {
    std::fs::write(path, format!("{document}\n"))
        .with_context(|| format!("writing {}", path.display()))
}

#[cfg(test)]
mod tests {
    use weave_channels::SignatureItem;
    use weave_kernel::Address;

    use super::*;
    use crate::keys::KeyAlgo;

    fn account(seed: u8) -> SigningKey {
        SigningKey::from_secret_bytes(KeyAlgo::Secp256k1, &[seed; 32]).unwrap()
    }

    fn voucher(nonce: u64) -> Voucher {
        Voucher {
            chain_id: "weave-test".into(),
            channel_id: 1,
            seeder: Address::new([3; 20]),
            content_root: [9; 32],
            cumulative_bytes: 1 << 20,
            cumulative_amount: 100 * u128::from(nonce),
            nonce,
        }
    }

    #[test]
    fn the_voucher_key_is_derived_from_the_account_key() {
        let alice = account(5);
        // As documented: blake3's KDF over the account key's secret bytes.
        let seed = blake3::derive_key("weave/voucher-key/v1", &[5; 32]);
        assert_eq!(
            voucher_public_key(&alice),
            ed25519_consensus::VerificationKey::from(&ed25519_consensus::SigningKey::from(seed))
                .to_bytes()
        );
        // Deterministic, distinct per account, and distinct for ed25519 accounts too.
        assert_eq!(voucher_public_key(&account(5)), voucher_public_key(&alice));
        assert_ne!(voucher_public_key(&account(6)), voucher_public_key(&alice));
        let ed = SigningKey::from_secret_bytes(KeyAlgo::Ed25519, &[5; 32]).unwrap();
        assert_eq!(voucher_public_key(&ed), voucher_public_key(&alice));
        assert_ne!(ed.public_key_bytes(), voucher_public_key(&ed).to_vec());

        // A voucher it signs verifies under the key `open` registers, and not under
        // another payer's.
        let signed = voucher(1).sign(&voucher_key(&alice));
        assert!(SignatureItem::new(voucher_public_key(&alice), &signed)
            .unwrap()
            .verify());
        assert!(
            !SignatureItem::new(voucher_public_key(&account(6)), &signed)
                .unwrap()
                .verify()
        );
    }

    #[test]
    fn voucher_files_round_trip_in_every_form() {
        let key = voucher_key(&account(5));
        let one = voucher(1).sign(&key);
        let two = voucher(2).sign(&key);
        let text = voucher_file_text(&one);
        assert!(text.starts_with("{\"voucher\":\""), "{text}");
        let doc: Value = serde_json::from_str(&text).unwrap();
        assert_eq!(doc["voucher"], BASE64.encode(&one.voucher));
        assert_eq!(doc["signature"], BASE64.encode(&one.signature));
        assert_eq!(
            parse_vouchers(&format!("{doc}\n")).unwrap(),
            vec![one.clone()]
        );
        let list = format!("[{text}, {}]", voucher_file_text(&two));
        assert_eq!(
            parse_vouchers(&list).unwrap(),
            vec![one.clone(), two.clone()]
        );
        let lines = format!(
            "{}\n\n{}\n",
            BASE64.encode(one.encode_to_vec()),
            BASE64.encode(two.encode_to_vec())
        );
        assert_eq!(parse_vouchers(&lines).unwrap(), vec![one.clone(), two]);
        assert_eq!(
            voucher_fields_json(&one.voucher)["cumulative_amount"],
            "100"
        );

        for bad in [
            "",
            "{}",
            "[]",
            "not base64!",
            "{\"voucher\": \"AAAA\", \"signature\": \"AAAA\"}",
            "{\"voucher\": \"\", \"signature\": \"AAAA\"}",
            "{\"voucher\": \"AAAA\", \"signature\": \"AAAA\", \"extra\": 1}",
        ] {
            assert!(parse_vouchers(bad).is_err(), "{bad:?} accepted");
        }

        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("v.json");
        write_voucher_file(&path, &text).unwrap();
        assert_eq!(read_voucher_files(&[path.clone(), path]).unwrap().len(), 2);
    }
}
