//! The on-disk form of a key ring: one JSON file per key, the passphrase check, and the
//! sealing of secrets.
//!
//! `<dir>/<name>.json`, mode 0600:
//! ```json
//! {
//!   "version": 1,
//!   "name": "alice",
//!   "address": "weave1...",
//!   "algo": "secp256k1",
//!   "pubkey": "<base64 of the 33-byte compressed or 32-byte ed25519 key>",
//!   "secret": { "encryption": "none", "key": "<hex, 32 bytes>", "mnemonic": "<words>" }
//! }
//! ```
//! The `test` backend writes the `"none"` secret above (`mnemonic` is absent for imported
//! keys). The `file` backend writes a sealed one instead:
//! ```json
//! "secret": {
//!   "encryption": "argon2id-chacha20poly1305",
//!   "m_cost": 19456, "t_cost": 2, "p_cost": 1,
//!   "salt": "<base64, 16 bytes>", "nonce": "<base64, 12 bytes>", "ciphertext": "<base64>"
//! }
//! ```
//! The ChaCha20-Poly1305 key is Argon2id(passphrase, salt) with the stored costs; the
//! plaintext is the 32-byte secret key followed by the UTF-8 mnemonic (empty when there is
//! none); the associated data binds the ciphertext to the key's algorithm and public key.
//!
//! `<dir>/keyhash` holds an Argon2id PHC string of the passphrase of the `file` key ring,
//! written with its first key, so that a mistyped passphrase is refused before a key is
//! sealed under it (the Cosmos SDK keeps a bcrypt `keyhash` for the same reason).

use std::{
    fs,
    io::{self, Write},
    os::unix::fs::{DirBuilderExt, OpenOptionsExt, PermissionsExt},
    path::Path,
};

use anyhow::{anyhow, bail, ensure, Context};
use argon2::{
    password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString},
    Algorithm, Argon2, Params, Version,
};
use base64::{engine::general_purpose::STANDARD as BASE64, Engine};
use chacha20poly1305::{
    aead::{Aead, AeadCore, KeyInit, Payload},
    ChaCha20Poly1305, Key, Nonce,
};
use rand_core::{OsRng, RngCore};
use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

use super::info::{KeyAlgo, KeyInfo};

/// The version written into every key file; files of other versions are refused.
pub const FORMAT_VERSION: u32 = 1;

/// Name of the passphrase check file of the `file` backend.
pub const KEYHASH_FILE: &str = "keyhash";

/// What every key file name ends with.
pub const KEY_FILE_SUFFIX: &str = ".json";

/// The error for a passphrase that does not open the key ring.
pub const WRONG_PASSPHRASE: &str = "wrong passphrase for key ring";

/// Bytes of Argon2id salt per sealed secret.
const SALT_LEN: usize = 16;

/// One key as stored in `<name>.json`.
#[derive(Serialize, Deserialize)]
pub struct KeyFile {
    /// [`FORMAT_VERSION`].
    pub version: u32,
    /// The public part, readable without the passphrase.
    #[serde(flatten)]
    pub info: KeyInfo,
    /// The secret part, sealed or not.
    pub secret: StoredSecret,
}

/// The secret part of a key file.
#[derive(Serialize, Deserialize)]
#[serde(tag = "encryption")]
pub enum StoredSecret {
    /// In the clear (`test` backend).
    #[serde(rename = "none")]
    Plain {
        /// Hex of the 32-byte secret key.
        key: String,
        /// The mnemonic the key came from, if any.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        mnemonic: Option<String>,
    },
    /// Sealed under the key-ring passphrase (`file` backend).
    #[serde(rename = "argon2id-chacha20poly1305")]
    Sealed {
        /// Argon2id memory cost in KiB.
        m_cost: u32,
        /// Argon2id passes.
        t_cost: u32,
        /// Argon2id lanes.
        p_cost: u32,
        /// Base64 of the Argon2id salt.
        salt: String,
        /// Base64 of the 12-byte ChaCha20-Poly1305 nonce.
        nonce: String,
        /// Base64 of the ciphertext and its 16-byte tag.
        ciphertext: String,
    },
}

/// A decoded secret: the 32-byte secret key and the mnemonic it came from, if any.
pub struct Secret {
    /// The secp256k1 scalar or the ed25519 seed.
    pub key: Zeroizing<[u8; 32]>,
    /// The normalized mnemonic.
    pub mnemonic: Option<Zeroizing<String>>,
}

impl StoredSecret {
    /// The secret in the clear.
    pub fn plain(secret: &Secret) -> Self {
        Self::Plain {
            key: hex::encode(&secret.key[..]),
            mnemonic: secret.mnemonic.as_ref().map(|m| m.to_string()),
        }
    }

    /// The secret sealed under `passphrase`, bound to `aad`.
    pub fn seal(secret: &Secret, passphrase: &str, aad: &[u8]) -> anyhow::Result<Self> {
        let mut salt = [0u8; SALT_LEN];
        OsRng.fill_bytes(&mut salt);
        let (m_cost, t_cost, p_cost) = (
            Params::DEFAULT_M_COST,
            Params::DEFAULT_T_COST,
            Params::DEFAULT_P_COST,
        );
        let cipher = cipher(passphrase, &salt, m_cost, t_cost, p_cost)?;
        let nonce = ChaCha20Poly1305::generate_nonce(&mut OsRng);
        let mut plaintext = Zeroizing::new(secret.key.to_vec());
        if let Some(mnemonic) = &secret.mnemonic {
            plaintext.extend_from_slice(mnemonic.as_bytes());
        }
        let ciphertext = cipher
            .encrypt(
                &nonce,
                Payload {
                    msg: &plaintext,
                    aad,
                },
            )
            .map_err(|_| anyhow!("sealing the secret key failed"))?;
        Ok(Self::Sealed {
            m_cost,
            t_cost,
            p_cost,
            salt: BASE64.encode(salt),
            nonce: BASE64.encode(nonce),
            ciphertext: BASE64.encode(ciphertext),
        })
    }

    /// Whether opening this secret needs the passphrase.
    pub fn is_sealed(&self) -> bool {
        matches!(self, Self::Sealed { .. })
    }

    /// The secret, unsealed with `passphrase` if it is sealed (else `passphrase` is unused).
    pub fn open(&self, passphrase: Option<&str>, aad: &[u8]) -> anyhow::Result<Secret> {
        match self {
            Self::Plain { key, mnemonic } => {
                let bytes = Zeroizing::new(hex::decode(key).context("secret key is not hex")?);
                Ok(Secret {
                    key: secret_key(&bytes)?,
                    mnemonic: mnemonic.as_ref().map(|m| Zeroizing::new(m.clone())),
                })
            }
            Self::Sealed {
                m_cost,
                t_cost,
                p_cost,
                salt,
                nonce,
                ciphertext,
            } => {
                let passphrase =
                    passphrase.ok_or_else(|| anyhow!("the secret is sealed; no passphrase"))?;
                let salt = BASE64.decode(salt).context("salt is not base64")?;
                let nonce = BASE64.decode(nonce).context("nonce is not base64")?;
                ensure!(
                    nonce.len() == 12,
                    "nonce must be 12 bytes, got {}",
                    nonce.len()
                );
                let ciphertext = BASE64
                    .decode(ciphertext)
                    .context("ciphertext is not base64")?;
                let cipher = cipher(passphrase, &salt, *m_cost, *t_cost, *p_cost)?;
                let plaintext = Zeroizing::new(
                    cipher
                        .decrypt(
                            Nonce::from_slice(&nonce),
                            Payload {
                                msg: &ciphertext,
                                aad,
                            },
                        )
                        .map_err(|_| anyhow!(WRONG_PASSPHRASE))?,
                );
                ensure!(plaintext.len() >= 32, "sealed secret is too short");
                let (key, mnemonic) = plaintext.split_at(32);
                let mnemonic = match mnemonic {
                    [] => None,
                    words => Some(Zeroizing::new(
                        std::str::from_utf8(words)
                            .context("sealed mnemonic is not UTF-8")?
                            .to_string(),
                    )),
                };
                Ok(Secret {
                    key: secret_key(key)?,
                    mnemonic,
                })
            }
        }
    }
}

/// A 32-byte secret key from a slice.
fn secret_key(bytes: &[u8]) -> anyhow::Result<Zeroizing<[u8; 32]>> {
    ensure!(
        bytes.len() == 32,
        "secret key must be 32 bytes, got {}",
        bytes.len()
    );
    let mut key = Zeroizing::new([0u8; 32]);
    key.copy_from_slice(bytes);
    Ok(key)
}

/// ChaCha20-Poly1305 under Argon2id(passphrase, salt).
fn cipher(
    passphrase: &str,
    salt: &[u8],
    m_cost: u32,
    t_cost: u32,
    p_cost: u32,
) -> anyhow::Result<ChaCha20Poly1305> {
    let params = Params::new(m_cost, t_cost, p_cost, Some(32))
        .map_err(|e| anyhow!("bad Argon2id parameters: {e}"))?;
    let mut key = Zeroizing::new([0u8; 32]);
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
        .hash_password_into(passphrase.as_bytes(), salt, &mut key[..])
        .map_err(|e| anyhow!("Argon2id: {e}"))?;
    Ok(ChaCha20Poly1305::new(Key::from_slice(&key[..])))
}

/// The associated data that binds a sealed secret to its key's algorithm and public key.
pub fn associated_data(algo: KeyAlgo, pubkey: &[u8]) -> Vec<u8> {
    let mut aad = format!("weave-keyring/v{FORMAT_VERSION}/{algo}/").into_bytes();
    aad.extend_from_slice(pubkey);
    aad
}

/// An Argon2id PHC string of `passphrase`, with a fresh salt, for the `keyhash` file.
pub fn hash_passphrase(passphrase: &str) -> anyhow::Result<String> {
    let salt = SaltString::generate(&mut OsRng);
    let hash = Argon2::default()
        .hash_password(passphrase.as_bytes(), &salt)
        .map_err(|e| anyhow!("hashing the passphrase: {e}"))?;
    Ok(hash.to_string())
}

/// Checks `passphrase` against the PHC string of a `keyhash` file.
pub fn verify_passphrase(phc: &str, passphrase: &str) -> anyhow::Result<()> {
    let hash =
        PasswordHash::new(phc.trim()).map_err(|e| anyhow!("the keyhash file is corrupt: {e}"))?;
    match Argon2::default().verify_password(passphrase.as_bytes(), &hash) {
        Ok(()) => Ok(()),
        Err(argon2::password_hash::Error::Password) => bail!(WRONG_PASSPHRASE),
        Err(e) => bail!("checking the passphrase: {e}"),
    }
}

/// Creates `dir` (mode 0700) if missing, and makes an existing one 0700.
pub fn ensure_private_dir(dir: &Path) -> anyhow::Result<()> {
    fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)
        .with_context(|| format!("creating {}", dir.display()))?;
    fs::set_permissions(dir, fs::Permissions::from_mode(0o700))
        .with_context(|| format!("setting the mode of {}", dir.display()))
}

/// Writes `contents` to `dir/file_name` (mode 0600) atomically: a temporary file in the same
/// directory is written, synced and renamed over the target, and the directory is synced.
pub fn write_atomic(dir: &Path, file_name: &str, contents: &[u8]) -> anyhow::Result<()> {
    let mut tag = [0u8; 8];
    OsRng.fill_bytes(&mut tag);
    let tmp = dir.join(format!(".{file_name}.{}.tmp", hex::encode(tag)));
    let target = dir.join(file_name);
    let write = || -> io::Result<()> {
        let mut file = fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(&tmp)?;
        file.write_all(contents)?;
        file.sync_all()?;
        fs::rename(&tmp, &target)?;
        fs::File::open(dir)?.sync_all()
    };
    if let Err(e) = write() {
        // The write already failed; removing the half-written temporary file is best effort
        // and its own error would hide the one that matters.
        let _ = fs::remove_file(&tmp);
        return Err(e).with_context(|| format!("writing {}", target.display()));
    }
    Ok(())
}

/// Removes `dir/file_name` and syncs the directory. `Ok(false)` if there was no such file.
pub fn remove(dir: &Path, file_name: &str) -> anyhow::Result<bool> {
    let path = dir.join(file_name);
    match fs::remove_file(&path) {
        Ok(()) => {}
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(false),
        Err(e) => return Err(e).with_context(|| format!("removing {}", path.display())),
    }
    fs::File::open(dir)
        .and_then(|d| d.sync_all())
        .with_context(|| format!("syncing {}", dir.display()))?;
    Ok(true)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn secret(mnemonic: Option<&str>) -> Secret {
        Secret {
            key: Zeroizing::new([7u8; 32]),
            mnemonic: mnemonic.map(|m| Zeroizing::new(m.to_string())),
        }
    }

    #[test]
    fn seal_round_trip_and_failures() {
        let aad = associated_data(KeyAlgo::Secp256k1, &[2u8; 33]);
        for mnemonic in [None, Some("abandon about")] {
            let sealed = StoredSecret::seal(&secret(mnemonic), "passphrase1", &aad).unwrap();
            assert!(sealed.is_sealed());
            let opened = sealed.open(Some("passphrase1"), &aad).unwrap();
            assert_eq!(*opened.key, [7u8; 32]);
            assert_eq!(opened.mnemonic.as_deref().map(|m| m.as_str()), mnemonic);

            let wrong = sealed.open(Some("passphrase2"), &aad).err().unwrap();
            assert_eq!(wrong.to_string(), WRONG_PASSPHRASE);
            // The same passphrase does not open the secret for another public key.
            let other = associated_data(KeyAlgo::Secp256k1, &[3u8; 33]);
            assert!(sealed.open(Some("passphrase1"), &other).is_err());
            assert!(sealed.open(None, &aad).is_err());
        }
    }

    #[test]
    fn keyhash_accepts_only_its_passphrase() {
        let phc = hash_passphrase("passphrase1").unwrap();
        assert!(phc.starts_with("$argon2id$"));
        verify_passphrase(&phc, "passphrase1").unwrap();
        let err = verify_passphrase(&phc, "passphrase2").unwrap_err();
        assert_eq!(err.to_string(), WRONG_PASSPHRASE);
        assert!(verify_passphrase("not a hash", "passphrase1").is_err());
    }

    #[test]
    fn atomic_write_replaces_and_leaves_no_temporary_file() {
        let dir = tempfile::tempdir().unwrap();
        let keys = dir.path().join("keys");
        ensure_private_dir(&keys).unwrap();
        write_atomic(&keys, "a.json", b"one").unwrap();
        write_atomic(&keys, "a.json", b"two").unwrap();
        assert_eq!(fs::read(keys.join("a.json")).unwrap(), b"two");
        let names: Vec<_> = fs::read_dir(&keys)
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names, ["a.json"]);
        let mode = fs::metadata(keys.join("a.json"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
        let mode = fs::metadata(&keys).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o700);
        assert!(remove(&keys, "a.json").unwrap());
        assert!(!remove(&keys, "a.json").unwrap());
    }
}
