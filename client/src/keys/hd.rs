//! Keys from a BIP39 mnemonic.
//!
//! The mnemonic becomes a 64-byte seed (BIP39, empty passphrase). From the seed:
//! - secp256k1 keys follow BIP32 down [`SECP256K1_PATH`], `m/44'/118'/0'/0/0`, the path of
//!   the Cosmos Hub (coin type 118), so a Cosmos wallet and `weaved` recover the same key
//!   from the same mnemonic;
//! - ed25519 keys follow SLIP-10 down [`ED25519_PATH`], `m/44'/118'/0'/0'/0'`: the same path
//!   with every step hardened, because SLIP-10 derives only hardened ed25519 children.

use anyhow::{anyhow, ensure};
use hmac::{Hmac, Mac};
use k256::{elliptic_curve::PrimeField, FieldBytes, NonZeroScalar, Scalar};
use rand_core::{OsRng, RngCore};
use sha2::Sha512;
use zeroize::Zeroizing;

/// The bit that marks a hardened BIP32 child index.
const HARDENED: u32 = 1 << 31;

/// `m/44'/118'/0'/0/0`: the first account of Cosmos coin type 118.
pub const SECP256K1_PATH: [u32; 5] = [44 | HARDENED, 118 | HARDENED, HARDENED, 0, 0];

/// `m/44'/118'/0'/0'/0'`: [`SECP256K1_PATH`] with every step hardened, for SLIP-10 ed25519.
pub const ED25519_PATH: [u32; 5] = [44 | HARDENED, 118 | HARDENED, HARDENED, HARDENED, HARDENED];

/// Entropy of a freshly generated mnemonic: 256 bits, i.e. 24 words, as `gaiad keys add` makes.
const NEW_MNEMONIC_ENTROPY_BYTES: usize = 32;

/// A fresh 24-word English mnemonic from the operating system's random source.
pub fn new_mnemonic() -> anyhow::Result<Zeroizing<String>> {
    let mut entropy = Zeroizing::new([0u8; NEW_MNEMONIC_ENTROPY_BYTES]);
    OsRng.fill_bytes(&mut entropy[..]);
    let mnemonic = bip39::Mnemonic::from_entropy(&entropy[..])
        .map_err(|e| anyhow!("cannot build a mnemonic: {e}"))?;
    Ok(Zeroizing::new(mnemonic.to_string()))
}

/// The phrase with its words separated by single spaces, as it is stored and shown.
pub fn normalize_mnemonic(phrase: &str) -> Zeroizing<String> {
    Zeroizing::new(phrase.split_whitespace().collect::<Vec<_>>().join(" "))
}

/// The BIP39 seed of a mnemonic, with the empty BIP39 passphrase. The phrase must be a valid
/// English mnemonic (word list and checksum); extra whitespace is ignored.
pub fn seed_from_mnemonic(phrase: &str) -> anyhow::Result<Zeroizing<[u8; 64]>> {
    let normalized = normalize_mnemonic(phrase);
    let mnemonic = bip39::Mnemonic::parse_normalized(&normalized)
        .map_err(|e| anyhow!("invalid mnemonic: {e}"))?;
    Ok(Zeroizing::new(mnemonic.to_seed_normalized("")))
}

/// A private key and its chain code: one node of a BIP32 or SLIP-10 tree.
struct Node {
    key: Zeroizing<[u8; 32]>,
    chain_code: Zeroizing<[u8; 32]>,
}

/// HMAC-SHA512 of the concatenated `parts` under `key`, split into the child key (left
/// half) and chain code (right half).
fn hmac_node(key: &[u8], parts: &[&[u8]]) -> anyhow::Result<Node> {
    let mut mac =
        <Hmac<Sha512> as Mac>::new_from_slice(key).map_err(|e| anyhow!("HMAC-SHA512 key: {e}"))?;
    for part in parts {
        mac.update(part);
    }
    let i = Zeroizing::new(<[u8; 64]>::from(mac.finalize().into_bytes()));
    let mut node = Node {
        key: Zeroizing::new([0u8; 32]),
        chain_code: Zeroizing::new([0u8; 32]),
    };
    node.key.copy_from_slice(&i[..32]);
    node.chain_code.copy_from_slice(&i[32..]);
    Ok(node)
}

/// The secp256k1 key at `path` below `seed`, by BIP32 private derivation.
pub fn secp256k1_from_seed(seed: &[u8], path: &[u32]) -> anyhow::Result<k256::ecdsa::SigningKey> {
    let mut node = hmac_node(b"Bitcoin seed", &[seed])?;
    let mut secret: NonZeroScalar =
        Option::from(NonZeroScalar::from_repr(FieldBytes::from(*node.key)))
            .ok_or_else(|| anyhow!("the seed gives an invalid BIP32 master key"))?;
    for &index in path {
        let child = if index & HARDENED != 0 {
            hmac_node(
                &node.chain_code[..],
                &[&[0u8], &node.key[..], &index.to_be_bytes()],
            )?
        } else {
            let parent = k256::ecdsa::SigningKey::from(secret);
            let public = parent.verifying_key().to_encoded_point(true);
            hmac_node(
                &node.chain_code[..],
                &[public.as_bytes(), &index.to_be_bytes()],
            )?
        };
        let tweak: Scalar = Option::from(Scalar::from_repr(FieldBytes::from(*child.key)))
            .ok_or_else(|| anyhow!("BIP32 child {index:#x} is invalid (IL >= n)"))?;
        secret = Option::from(NonZeroScalar::new(*secret + tweak))
            .ok_or_else(|| anyhow!("BIP32 child {index:#x} is invalid (zero key)"))?;
        node = Node {
            key: Zeroizing::new(secret.to_repr().into()),
            chain_code: child.chain_code,
        };
    }
    Ok(k256::ecdsa::SigningKey::from(secret))
}

/// The ed25519 key at `path` below `seed`, by SLIP-10 (hardened steps only).
pub fn ed25519_from_seed(
    seed: &[u8],
    path: &[u32],
) -> anyhow::Result<ed25519_consensus::SigningKey> {
    let mut node = hmac_node(b"ed25519 seed", &[seed])?;
    for &index in path {
        ensure!(
            index & HARDENED != 0,
            "SLIP-10 ed25519 derives only hardened children, got index {index}"
        );
        node = hmac_node(
            &node.chain_code[..],
            &[&[0u8], &node.key[..], &index.to_be_bytes()],
        )?;
    }
    Ok(ed25519_consensus::SigningKey::from(*node.key))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    /// The seed of BIP32 test vector 1 and SLIP-10 test vector 1.
    const VECTOR_1_SEED: &str = "000102030405060708090a0b0c0d0e0f";

    #[test]
    fn bip32_test_vector_1() {
        let seed = hex::decode(VECTOR_1_SEED).unwrap();
        let master = secp256k1_from_seed(&seed, &[]).unwrap();
        assert_eq!(
            hex::encode(master.to_bytes()),
            "e8f32e723decf4051aefac8e2c93c9c5b214313817cdb01a1494b917c8436b35"
        );
        // m/0'/1 takes one hardened and one normal step.
        let child = secp256k1_from_seed(&seed, &[HARDENED, 1]).unwrap();
        assert_eq!(
            hex::encode(child.to_bytes()),
            "3c6cb8d0f6a264c91ea8b5030fadaa8e538b020f0a387421a12de9319dc93368"
        );
        assert_eq!(
            hex::encode(child.verifying_key().to_encoded_point(true).as_bytes()),
            "03501e454bf00751f24b1b489aa925215d66af2234e3891c3b21a52bedb3cd711c"
        );
    }

    #[test]
    fn slip10_ed25519_test_vector_1() {
        let seed = hex::decode(VECTOR_1_SEED).unwrap();
        let master = ed25519_from_seed(&seed, &[]).unwrap();
        assert_eq!(
            hex::encode(master.as_bytes()),
            "2b4be7f19ee27bbf30c667b642d5f4aa69fd169872f8fc3059c08ebae2eb19e7"
        );
        let child = ed25519_from_seed(&seed, &[HARDENED, 1 | HARDENED]).unwrap();
        assert_eq!(
            hex::encode(child.as_bytes()),
            "b1d0bad404bf35da785a64ca1ac54b2617211d2777696fbffaf208f746ae84f2"
        );
        assert_eq!(
            hex::encode(child.verification_key().as_bytes()),
            "1932a5270f335bed617d5b935c80aedb1a35bd9fc1e31acafd5372c30f5c1187"
        );
        assert!(ed25519_from_seed(&seed, &[HARDENED, 1]).is_err());
    }

    #[test]
    fn new_mnemonics_are_24_valid_words_and_differ() {
        let a = new_mnemonic().unwrap();
        let b = new_mnemonic().unwrap();
        assert_eq!(a.split(' ').count(), 24);
        assert_ne!(*a, *b);
        seed_from_mnemonic(&a).unwrap();
    }

    #[test]
    fn mnemonic_whitespace_is_ignored_and_checksum_enforced() {
        let phrase = "abandon abandon abandon abandon abandon abandon abandon abandon abandon \
                      abandon abandon about";
        let messy = format!("  {}\n", phrase.replace(' ', " \t "));
        assert_eq!(
            *seed_from_mnemonic(phrase).unwrap(),
            *seed_from_mnemonic(&messy).unwrap()
        );
        // Twelve "abandon" fail the checksum; an unknown word fails the word list.
        assert!(seed_from_mnemonic(&"abandon ".repeat(12)).is_err());
        assert!(seed_from_mnemonic(&phrase.replace("about", "weave")).is_err());
    }
}
