//! `weaved keys export` / `import`: a private key as ASCII armor, encrypted under a
//! passphrase of its own.
//!
//! The format (Weave's; the Cosmos SDK's armor uses bcrypt and xsalsa20, which Weave
//! does not carry):
//!
//! ```text
//! -----BEGIN WEAVE PRIVATE KEY-----
//! kdf: argon2id
//! type: secp256k1
//!
//! <base64 of the JSON of the sealed secret: Argon2id costs and salt,
//!  ChaCha20-Poly1305 nonce and ciphertext of the 32-byte secret key>
//! -----END WEAVE PRIVATE KEY-----
//! ```
//!
//! The ciphertext is bound to the key type (associated data `weave key export <type>`);
//! the mnemonic is not exported.

use anyhow::{anyhow, bail, ensure, Context};
use base64::{engine::general_purpose::STANDARD as BASE64, Engine};
use zeroize::Zeroizing;

use super::{
    key_file::{Secret, StoredSecret},
    KeyAlgo, SigningKey,
};

/// The armor's first line.
const BEGIN: &str = "-----BEGIN WEAVE PRIVATE KEY-----";
/// The armor's last line.
const END: &str = "-----END WEAVE PRIVATE KEY-----";

/// The environment variable a script sets to give the export passphrase.
pub const EXPORT_PASSPHRASE_ENV: &str = "WEAVE_EXPORT_PASSPHRASE";

/// The associated data the ciphertext is bound to.
fn associated_data(algo: KeyAlgo) -> Vec<u8> {
    format!("weave key export {}", algo.as_str()).into_bytes()
}

/// `key` as armor, sealed under `passphrase`.
pub fn export_armor(key: &SigningKey, passphrase: &str) -> anyhow::Result<String> {
    ensure!(!passphrase.is_empty(), "the export passphrase is empty");
    let secret = Secret {
        key: key.secret_bytes(),
        mnemonic: None,
    };
    let sealed = StoredSecret::seal(&secret, passphrase, &associated_data(key.algo()))?;
    let body = BASE64.encode(serde_json::to_vec(&sealed)?);
    let lines: Vec<&str> = body
        .as_bytes()
        .chunks(64)
        .map(|c| std::str::from_utf8(c).unwrap_or_default())
        .collect();
    Ok(format!(
        "{BEGIN}\nkdf: argon2id\ntype: {}\n\n{}\n{END}\n",
        key.algo().as_str(),
        lines.join("\n")
    ))
}

/// The key an armor holds, opened with `passphrase`.
pub fn import_armor(armor: &str, passphrase: &str) -> anyhow::Result<SigningKey> {
    let inner = armor
        .trim()
        .strip_prefix(BEGIN)
        .and_then(|s| s.strip_suffix(END))
        .ok_or_else(|| anyhow!("not a Weave private key armor ({BEGIN} ... {END})"))?;
    let (headers, body) = inner
        .trim_start_matches(['\r', '\n'])
        .split_once("\n\n")
        .ok_or_else(|| anyhow!("the armor has no blank line after its headers"))?;
    let mut algo = None;
    for line in headers.lines() {
        match line.split_once(':').map(|(k, v)| (k.trim(), v.trim())) {
            Some(("kdf", "argon2id")) => {}
            Some(("kdf", other)) => bail!("unsupported key derivation {other:?}"),
            Some(("type", t)) => {
                algo = Some(
                    <KeyAlgo as clap::ValueEnum>::from_str(t, true)
                        .map_err(|_| anyhow!("unknown key type {t:?}"))?,
                )
            }
            _ => {}
        }
    }
    let algo = algo.ok_or_else(|| anyhow!("the armor names no key type"))?;
    let body: String = body.split_whitespace().collect();
    let sealed: StoredSecret = serde_json::from_slice(
        &BASE64
            .decode(body)
            .context("the armor's body is not base64")?,
    )
    .context("the armor's body is not a sealed key")?;
    ensure!(sealed.is_sealed(), "the armor holds no encrypted key");
    let secret = sealed
        .open(Some(passphrase), &associated_data(algo))
        .map_err(|_| anyhow!("wrong passphrase, or the armor was altered"))?;
    let key = Zeroizing::new(secret.key.to_vec());
    SigningKey::from_secret_bytes(algo, &key)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_key_survives_export_and_import_only_with_its_passphrase() {
        for algo in [KeyAlgo::Secp256k1, KeyAlgo::Ed25519] {
            let key = SigningKey::from_secret_bytes(algo, &[3; 32]).unwrap();
            let armor = export_armor(&key, "pass phrase").unwrap();
            assert!(armor.starts_with(BEGIN) && armor.trim_end().ends_with(END));
            assert!(armor.contains(&format!("type: {}", algo.as_str())));
            assert!(!armor.contains(&hex::encode([3u8; 32])));
            let back = import_armor(&armor, "pass phrase").unwrap();
            assert_eq!(back.address(), key.address());
            assert_eq!(back.algo(), algo);
            assert!(import_armor(&armor, "wrong").is_err());
            // The type is bound to the ciphertext.
            let other = if algo == KeyAlgo::Ed25519 {
                "secp256k1"
            } else {
                "ed25519"
            };
            let swapped = armor.replace(
                &format!("type: {}", algo.as_str()),
                &format!("type: {other}"),
            );
            assert!(import_armor(&swapped, "pass phrase").is_err());
        }
        assert!(import_armor("hello", "x").is_err());
        let key = SigningKey::from_secret_bytes(KeyAlgo::Secp256k1, &[3; 32]).unwrap();
        assert!(export_armor(&key, "").is_err());
    }
}
