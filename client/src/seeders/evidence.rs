//! Evidence of bad slices: a slice a seeder signed that does not verify against its
//! content's root. Evidence files (and the node's `BadSlices`) hold JSON records;
//! [`parse_evidence`] reads them and [`EvidenceRecord::decode`] checks one.

use anyhow::{anyhow, bail, ensure, Context};
use serde::Deserialize;
use serde_json::Value;
use weave_kernel::Address;

/// Decodes hex (an optional `0x`) of exactly `len` bytes, or of any length for `None`.
pub fn parse_hex(field: &str, s: &str, len: Option<usize>) -> anyhow::Result<Vec<u8>> {
    let t = s.trim();
    let t = t.strip_prefix("0x").unwrap_or(t);
    let bytes = hex::decode(t).map_err(|_| anyhow!("{field} {s:?} is not hex"))?;
    if let Some(len) = len {
        ensure!(
            bytes.len() == len,
            "{field} has {} bytes, not {len} ({} hex digits)",
            bytes.len(),
            2 * len
        );
    }
    Ok(bytes)
}

/// A `slice_index` written as a number or a decimal string.
fn index_from_json<'de, D: serde::Deserializer<'de>>(d: D) -> Result<u64, D::Error> {
    match Value::deserialize(d)? {
        Value::Number(n) => n
            .as_u64()
            .ok_or_else(|| serde::de::Error::custom(format!("slice_index {n} is not a u64"))),
        Value::String(s) => s
            .trim()
            .parse()
            .map_err(|_| serde::de::Error::custom(format!("slice_index {s:?} is not a u64"))),
        other => Err(serde::de::Error::custom(format!(
            "slice_index must be a number, got {other}"
        ))),
    }
}

/// One record of an evidence file, as written. Fields other than these are ignored.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct EvidenceRecord {
    /// The seeder's address; wins over the peer id.
    #[serde(default)]
    seeder: Option<String>,
    /// The seeder's sidecar peer id, base58.
    #[serde(default)]
    seeder_peer_id: Option<String>,
    content_root: String,
    #[serde(deserialize_with = "index_from_json")]
    slice_index: u64,
    ciphertext_hash: String,
    proof: String,
    signature: String,
}

/// Who a report accuses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Accused {
    /// By address.
    Address(Address),
    /// By sidecar peer id (its bytes), to look up.
    Peer(Vec<u8>),
}

/// An evidence record decoded: the shapes the chain wants.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Evidence {
    /// The seeder accused.
    pub accused: Accused,
    /// The content's Merkle root (32 bytes).
    pub content_root: Vec<u8>,
    /// The slice's index.
    pub slice_index: u64,
    /// The hash of the ciphertext the seeder served (32 bytes).
    pub ciphertext_hash: Vec<u8>,
    /// The Merkle proof it sent with it.
    pub proof: Vec<u8>,
    /// Its signature over the slice header (64 bytes).
    pub signature: Vec<u8>,
}

impl EvidenceRecord {
    /// The record in the shapes the chain wants; an error names what does not read.
    pub fn decode(&self) -> anyhow::Result<Evidence> {
        fn named(o: &Option<String>) -> Option<&str> {
            o.as_deref().map(str::trim).filter(|s| !s.is_empty())
        }
        let accused = match (named(&self.seeder), named(&self.seeder_peer_id)) {
            (Some(address), _) => Accused::Address(
                address
                    .parse()
                    .map_err(|e| anyhow!("seeder {address:?}: {e}"))?,
            ),
            (None, Some(peer)) => Accused::Peer(super::parse_peer_arg(peer)?),
            (None, None) => bail!("the record names no seeder: give seeder or seeder_peer_id"),
        };
        Ok(Evidence {
            accused,
            content_root: parse_hex("content_root", &self.content_root, Some(32))?,
            slice_index: self.slice_index,
            ciphertext_hash: parse_hex("ciphertext_hash", &self.ciphertext_hash, Some(32))?,
            proof: parse_hex("proof", &self.proof, None)?,
            signature: parse_hex("signature", &self.signature, Some(64))?,
        })
    }
}

/// The records of an evidence file: a JSON array, each element read on its own so that
/// one bad record does not stop the others.
pub fn parse_evidence(text: &str) -> anyhow::Result<Vec<Result<EvidenceRecord, String>>> {
    let value: Value = serde_json::from_str(text).context("the evidence is not valid JSON")?;
    let Value::Array(items) = value else {
        bail!("the evidence must be a JSON array of records");
    };
    Ok(items
        .into_iter()
        .map(|item| serde_json::from_value(item).map_err(|e| e.to_string()))
        .collect())
}
