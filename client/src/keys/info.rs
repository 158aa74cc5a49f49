//! The public side of a key: its scheme and what `keys list` and `keys show` print.

use std::fmt;

use serde::{Deserialize, Serialize};
use weave_kernel::Address;

/// The signature scheme of a key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum KeyAlgo {
    /// ECDSA on secp256k1 over SHA-256: the Cosmos account key.
    #[default]
    Secp256k1,
    /// Ed25519: the CometBFT validator key.
    Ed25519,
}

impl KeyAlgo {
    /// The lowercase name used on the command line and in files.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Secp256k1 => "secp256k1",
            Self::Ed25519 => "ed25519",
        }
    }
}

impl fmt::Display for KeyAlgo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The public facts about a key: what `keys list` and `keys show` print.
///
/// In JSON the address is bech32 (`weave1...`) and the public key base64.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeyInfo {
    /// The name the key is filed under.
    pub name: String,
    /// The account address of the key.
    pub address: Address,
    /// The signature scheme.
    pub algo: KeyAlgo,
    /// The public key: 33-byte compressed secp256k1 or 32-byte ed25519.
    #[serde(with = "base64_bytes")]
    pub pubkey: Vec<u8>,
}

/// Serde for byte vectors as standard base64 strings.
mod base64_bytes {
    use base64::{engine::general_purpose::STANDARD, Engine};
    use serde::{de::Error, Deserialize, Deserializer, Serializer};

    /// Writes the bytes as a base64 string.
    pub(super) fn serialize<S: Serializer>(bytes: &[u8], s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&STANDARD.encode(bytes))
    }

    /// Reads a base64 string into bytes.
    pub(super) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<u8>, D::Error> {
        let s = String::deserialize(d)?;
        STANDARD.decode(s).map_err(D::Error::custom)
    }
}

/// The address of a public key of the given scheme.
pub fn address_of(algo: KeyAlgo, pubkey: &[u8]) -> Address {
    match algo {
        KeyAlgo::Secp256k1 => Address::from_secp256k1(pubkey),
        KeyAlgo::Ed25519 => Address::from_ed25519(pubkey),
    }
}
